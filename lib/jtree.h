/* jtree.h: a JSON tree that keeps every number and string token as written. */
#ifndef LSH_JTREE_H
#define LSH_JTREE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "json.h"

/*
 * Nesting limit.  A record wraps the body one level deeper than json.c
 * let it nest, so every line lshook wrote parses.
 */
#define JTREE_MAX_DEPTH	(LSH_JSON_MAX_DEPTH + 1)

/* jtree_parse's maxdepth for a tree with no folded container. */
#define JTREE_FULL	0

enum jtype {
	JT_NULL,
	JT_FALSE,
	JT_TRUE,
	JT_NUMBER,
	JT_STRING,
	JT_ARRAY,
	JT_OBJECT
};

/*
 * One value.  Every pointer points into the parsed text or the tree's
 * arena, so a node lives as long as both.
 */
struct jnode {
	enum jtype	  type;
	const char	 *tok;		/* the bytes as written (a container: */
	size_t		  toklen;	/* all its text) */
	const char	 *key;		/* a member's key token, quotes */
	size_t		  keylen;	/* included; NULL: item or root */
	const char	 *name;		/* the key decoded (no NUL) */
	size_t		  namelen;
	struct jnode	**kids;		/* members or items, input order */
	size_t		  nkids;
	int		  folded;	/* below maxdepth: no kids */
};

struct jchunk;

struct jtree {
	struct jnode	*root;
	const char	*err;		/* on LSH_E_JSON: what and ... */
	size_t		 err_off;	/* ... at which byte */
	struct jchunk	*chunks;	/* the arena of the nodes */
};

/*
 * Parse text[0..len) as exactly one JSON value, whitespace around it
 * allowed, under RFC 8259's strict rules (UTF-8 checked, no control bytes
 * in strings).  Containers more than maxdepth levels below the root are
 * validated but kept folded: no kids, their text in tok, to be parsed
 * again when needed; JTREE_FULL folds nothing.  The tree points into
 * text, which must outlive it.  Returns LSH_OK, LSH_E_JSON (t->err and
 * t->err_off say why and where) or LSH_E_NOMEM.  Free the tree with
 * jtree_free whatever this returns.
 */
enum lsh_err jtree_parse(struct jtree *t, const char *text, size_t len,
    int maxdepth);

/* Release a tree's nodes and reset it to empty. */
void jtree_free(struct jtree *);

/*
 * The member of object obj named name, the last one when the key repeats
 * (as Python and jq read it).  NULL when obj is not an unfolded object or
 * has no such member.
 */
const struct jnode *jtree_get(const struct jnode *obj, const char *name);

/*
 * Decode a string node into dst as a C string.  Returns its length, or -1
 * when n is not a string, holds a NUL or does not fit in dstsz.
 */
long jtree_string(const struct jnode *n, char *dst, size_t dstsz);

/*
 * The members of object obj sorted by decoded key, byte order, with only
 * the last of repeated keys.  Stores a malloc'ed array in *out (NULL when
 * empty; the caller frees it) and returns the count, or -1 when out of
 * memory or obj is not an unfolded object.
 */
long jtree_members(const struct jnode *obj, const struct jnode ***out);

/*
 * Append n to b in canonical form: compact, object members as
 * jtree_members orders them, every number and string token (keys too)
 * byte for byte as parsed.  Folded containers are parsed on the way.
 * Returns LSH_OK or LSH_E_NOMEM.
 */
enum lsh_err jtree_write_canon(struct buf *b, const struct jnode *n);

/*
 * Compare two ids given as raw JSON tokens: integers first, in numeric
 * order of any length; then other numbers, then strings and the rest,
 * by bytes.  Returns <0, 0 or >0 like memcmp.
 */
int jtree_idcmp(const char *a, size_t alen, const char *b, size_t blen);

#endif /* LSH_JTREE_H */
