/* idmap.h: a hash table from id tokens (raw JSON bytes) to pointers. */
#ifndef LSH_IDMAP_H
#define LSH_IDMAP_H

#include <stddef.h>

struct idmap_slot {
	const char	*key;		/* NULL: empty */
	size_t		 len;
	size_t		 hash;
	void		*val;
};

struct idmap {
	struct idmap_slot	*v;
	size_t			 cap;	/* 0 or a power of two */
	size_t			 n;
};

/* The value stored under key[0..len), or NULL. */
void *idmap_get(const struct idmap *, const char *key, size_t len);

/*
 * Store val under key[0..len), replacing any value there.  The key bytes
 * are not copied: they must live as long as the entry (keep them in val).
 * Returns 0, or -1 when out of memory (the map is unchanged).
 */
int idmap_put(struct idmap *, const char *key, size_t len, void *val);

/* Remove key[0..len); returns the value it held, or NULL. */
void *idmap_del(struct idmap *, const char *key, size_t len);

/*
 * Every value, in no particular order, in a malloc'ed array (NULL when
 * empty) stored in *out.  Returns the count, or -1 when out of memory.
 */
long idmap_values(const struct idmap *, void ***out);

/* Release the table (not the values) and reset it to empty. */
void idmap_free(struct idmap *);

#endif /* LSH_IDMAP_H */
