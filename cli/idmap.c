/*
 * idmap.c: open addressing with linear probing, at most half full, and
 * backward-shift deletion (no tombstones), so lookups stay short however
 * many tasks a replay creates and deletes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"

#define MIN_CAP	64

/* FNV-1a, 64 bits. */
static size_t
hash_of(const char *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 0x100000001b3ULL;
	}
	return (size_t)h;
}

static struct idmap_slot *
find(const struct idmap *m, const char *key, size_t len, size_t hash)
{
	struct idmap_slot *s;
	size_t i;

	if (m->cap == 0)
		return NULL;
	for (i = hash & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		s = &m->v[i];
		if (s->key == NULL)
			return NULL;
		if (s->hash == hash && s->len == len &&
		    memcmp(s->key, key, len) == 0)
			return s;
	}
}

void *
idmap_get(const struct idmap *m, const char *key, size_t len)
{
	struct idmap_slot *s = find(m, key, len, hash_of(key, len));

	return s != NULL ? s->val : NULL;
}

static void
place(struct idmap_slot *v, size_t cap, const struct idmap_slot *from)
{
	size_t i;

	i = from->hash & (cap - 1);
	while (v[i].key != NULL)
		i = (i + 1) & (cap - 1);
	v[i] = *from;
}

static int
grow(struct idmap *m)
{
	struct idmap_slot *v;
	size_t cap, i;

	if (m->cap > SIZE_MAX / 2 / sizeof(*v))
		return -1;
	cap = m->cap ? m->cap * 2 : MIN_CAP;
	v = calloc(cap, sizeof(*v));
	if (v == NULL)
		return -1;
	for (i = 0; i < m->cap; i++)
		if (m->v[i].key != NULL)
			place(v, cap, &m->v[i]);
	free(m->v);
	m->v = v;
	m->cap = cap;
	return 0;
}

int
idmap_put(struct idmap *m, const char *key, size_t len, void *val)
{
	struct idmap_slot new = { key, len, hash_of(key, len), val }, *s;

	s = find(m, key, len, new.hash);
	if (s != NULL) {
		*s = new;
		return 0;
	}
	if ((m->n + 1) * 2 > m->cap && grow(m) == -1)
		return -1;
	place(m->v, m->cap, &new);
	m->n++;
	return 0;
}

void *
idmap_del(struct idmap *m, const char *key, size_t len)
{
	struct idmap_slot *s = find(m, key, len, hash_of(key, len));
	size_t hole, i, home, mask = m->cap - 1;
	void *val;

	if (s == NULL)
		return NULL;
	val = s->val;
	hole = (size_t)(s - m->v);
	m->v[hole].key = NULL;
	m->n--;
	/* Pull back every following entry that may not sit after the hole. */
	for (i = (hole + 1) & mask; m->v[i].key != NULL; i = (i + 1) & mask) {
		home = m->v[i].hash & mask;
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			m->v[hole] = m->v[i];
			m->v[i].key = NULL;
			hole = i;
		}
	}
	return val;
}

long
idmap_values(const struct idmap *m, void ***out)
{
	void **v;
	size_t i, n = 0;

	*out = NULL;
	if (m->n == 0)
		return 0;
	v = calloc(m->n, sizeof(*v));
	if (v == NULL)
		return -1;
	for (i = 0; i < m->cap; i++)
		if (m->v[i].key != NULL)
			v[n++] = m->v[i].val;
	*out = v;
	return (long)n;
}

void
idmap_free(struct idmap *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}
