/*
 * counts.c: the label use counters of ontology/<project>.counts.
 *
 * Layout: a 16-byte header ("LSHCNT01", then 8 reserved bytes), then
 * records, each 8-byte aligned:
 *
 *	uint64_t count;		changed only by atomic adds
 *	uint32_t control_len;
 *	uint32_t label_len;
 *	control bytes, label bytes, zeros up to the next multiple of 8
 *
 * A process maps the file shared and indexes its records in a small hash
 * table; it maps again when the file grew (another process appended) or
 * was replaced (a rebuild).  Not on a change of mtime: every first write
 * to a mapped page sets it.  Records are bounds-checked when read, so a
 * file changed in place by something else yields no count, never a fault.  Adds go straight to the shared pages: the
 * kernel keeps one copy of them for every process.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "counts.h"
#include "statefile.h"

#define MAGIC		"LSHCNT01"
#define HEADER		16
#define REC_HEAD	16		/* count, control_len, label_len */
#define MAX_PART	(1u << 16)	/* a control name or label, far above real ones */
#define MAX_MAPS	16		/* projects mapped at once per process */

struct slot {
	uint64_t	 hash;
	uint32_t	 off;		/* the record; 0: empty */
};

/* One project's file as this process mapped and indexed it. */
struct map {
	char		*path;		/* NULL: unused */
	dev_t		 dev;
	ino_t		 ino;
	unsigned char	*p;
	size_t		 len;		/* bytes mapped (the file's size then) */
	size_t		 end;		/* end of the last whole record */
	struct slot	*slots;
	size_t		 nslots;	/* a power of two */
	size_t		 used;
};

static struct map maps[MAX_MAPS];
static size_t next_evict;

static size_t
pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static uint64_t
hash_key(const char *c, size_t clen, const char *l, size_t llen)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	size_t i;

	for (i = 0; i < clen; i++)
		h = (h ^ (unsigned char)c[i]) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;	/* a separator no UTF-8 byte is */
	for (i = 0; i < llen; i++)
		h = (h ^ (unsigned char)l[i]) * 1099511628211ULL;
	return h;
}

static void
rec_lens(const unsigned char *r, uint32_t *clen, uint32_t *llen)
{
	memcpy(clen, r + 8, 4);
	memcpy(llen, r + 12, 4);
}

static void
map_drop(struct map *m)
{
	if (m->p != NULL)
		munmap(m->p, m->len);
	free(m->path);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* Unmap and forget the records, keep the path: the file is to be read anew. */
static void
map_drop_keep_path(struct map *m)
{
	char *path = m->path;

	m->path = NULL;
	map_drop(m);
	m->path = path;
}

void
counts_forget(void)
{
	size_t i;

	for (i = 0; i < MAX_MAPS; i++)
		map_drop(&maps[i]);
}

static int
index_put(struct map *m, uint64_t h, uint32_t off)
{
	struct slot *s, *old = m->slots;
	size_t i, n = m->nslots;

	if ((m->used + 1) * 2 > m->nslots) {
		n = n ? n * 2 : 64;
		s = calloc(n, sizeof(*s));
		if (s == NULL)
			return -1;
		m->slots = s;
		m->nslots = n;
		m->used = 0;
		for (i = 0; old != NULL && i < n / 2; i++)
			if (old[i].off != 0)
				index_put(m, old[i].hash, old[i].off);
		free(old);
	}
	for (i = h & (m->nslots - 1); m->slots[i].off != 0; i = (i + 1) & (m->nslots - 1))
		;
	m->slots[i].hash = h;
	m->slots[i].off = off;
	m->used++;
	return 0;
}

/* The offset of the record for (control, label), or 0. */
static uint32_t
index_find(const struct map *m, const char *c, size_t clen, const char *l,
    size_t llen)
{
	uint64_t h = hash_key(c, clen, l, llen);
	uint32_t rc, rl;
	size_t i;

	if (m->nslots == 0)
		return 0;
	for (i = h & (m->nslots - 1); m->slots[i].off != 0; i = (i + 1) & (m->nslots - 1)) {
		const unsigned char *r = m->p + m->slots[i].off;

		if (m->slots[i].hash != h)
			continue;
		rec_lens(r, &rc, &rl);
		if ((size_t)rc + rl > m->end - m->slots[i].off - REC_HEAD)
			continue;	/* changed under us: not trusted */
		if (rc == clen && rl == llen && memcmp(r + REC_HEAD, c, clen) == 0 &&
		    memcmp(r + REC_HEAD + clen, l, llen) == 0)
			return m->slots[i].off;
	}
	return 0;
}

/* The length of the whole record at off, or 0 when there is none there. */
static size_t
rec_size(const unsigned char *p, size_t len, size_t off)
{
	uint32_t clen, llen;
	size_t n;

	if (len - off < REC_HEAD)
		return 0;
	rec_lens(p + off, &clen, &llen);
	if (clen == 0 || clen > MAX_PART || llen > MAX_PART)
		return 0;
	n = pad8(REC_HEAD + (size_t)clen + llen);
	return n <= len - off ? n : 0;
}

/* Index the whole records from m->end on. */
static int
index_more(struct map *m)
{
	uint32_t clen, llen;
	size_t n;

	while ((n = rec_size(m->p, m->len, m->end)) != 0) {
		rec_lens(m->p + m->end, &clen, &llen);
		if (m->end > UINT32_MAX || index_put(m, hash_key((const char *)m->p +
		    m->end + REC_HEAD, clen, (const char *)m->p + m->end +
		    REC_HEAD + clen, llen), (uint32_t)m->end) == -1)
			return -1;
		m->end += n;
	}
	return 0;
}

/* (Re)map fd, of size st->st_size, into m; index what is new. */
static int
map_file(struct map *m, int fd, const struct stat *st)
{
	size_t len = (size_t)st->st_size;
	void *p;

	if (m->p != NULL && (m->dev != st->st_dev || m->ino != st->st_ino ||
	    len < m->end))
		map_drop_keep_path(m);	/* replaced or cut: start over */
	if (len < HEADER) {
		errno = EINVAL;
		return -1;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	if (m->p != NULL)
		munmap(m->p, m->len);
	m->p = p;
	m->len = len;
	m->dev = st->st_dev;
	m->ino = st->st_ino;
	if (memcmp(m->p, MAGIC, 8) != 0) {
		errno = EINVAL;
		return -1;
	}
	if (m->end < HEADER)
		m->end = HEADER;
	return index_more(m);
}

static struct map *
map_slot(const char *path)
{
	struct map *m;
	size_t i;

	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i].path != NULL && strcmp(maps[i].path, path) == 0)
			return &maps[i];
	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i].path == NULL)
			break;
	if (i == MAX_MAPS) {
		i = next_evict;
		next_evict = (next_evict + 1) % MAX_MAPS;
	}
	m = &maps[i];
	map_drop(m);
	m->path = strdup(path);
	return m->path != NULL ? m : NULL;
}

/* Whether fd starts with a whole header. */
static int
has_header(int fd)
{
	unsigned char head[HEADER];

	return pread(fd, head, HEADER, 0) == HEADER && memcmp(head, MAGIC, 8) == 0;
}

/* Start fd afresh: just the header. */
static int
reset_file(int fd)
{
	unsigned char head[HEADER] = MAGIC;

	return ftruncate(fd, 0) == 0 && pwrite(fd, head, HEADER, 0) == HEADER ?
	    0 : -1;
}

/*
 * The project's file, mapped and indexed as it is now; NULL with errno
 * ENOENT when there is none, EINVAL when it is not a counts file (create
 * starts both afresh).
 */
static struct map *
open_map(const char *dir, long long project, int create)
{
	char path[4096];
	struct stat st;
	struct map *m;
	int fd, rc, err;

	snprintf(path, sizeof(path), "%s/ontology/%lld.counts", dir, project);
	m = map_slot(path);
	if (m == NULL)
		return NULL;
	if (stat(path, &st) == 0 && m->p != NULL && st.st_dev == m->dev &&
	    st.st_ino == m->ino && (size_t)st.st_size == m->len)
		return m;	/* the usual case: nothing changed */
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0640);
	rc = fd == -1 ? -1 : 0;
	if (fd != -1 && create)
		statefile_own(fd, dir);
	if (rc == 0 && !has_header(fd)) {
		map_drop_keep_path(m);
		if (create)
			rc = reset_file(fd);
		else {
			errno = EINVAL;
			rc = -1;
		}
	}
	if (rc == 0)
		rc = fstat(fd, &st);
	if (rc == 0)
		rc = map_file(m, fd, &st);
	err = errno;
	if (fd != -1)
		close(fd);
	if (rc == -1) {
		map_drop(m);
		errno = err;
		return NULL;
	}
	return m;
}

static uint32_t
find_key(const struct map *m, const struct count_key *k)
{
	return index_find(m, k->control, strlen(k->control), k->label,
	    strlen(k->label));
}

static void
add_one(struct map *m, uint32_t off, uint64_t n)
{
	__atomic_fetch_add((uint64_t *)(void *)(m->p + off), n, __ATOMIC_RELAXED);
}

int
counts_add_known(const char *dir, long long project, const struct count_key *v,
    size_t n, int add)
{
	struct map *m = open_map(dir, project, 0);
	size_t i;

	if (m == NULL)
		return errno == ENOENT || errno == EINVAL ? 0 : -1;
	for (i = 0; i < n; i++)
		if (find_key(m, &v[i]) == 0)
			return 0;
	for (i = 0; add && i < n; i++)
		add_one(m, find_key(m, &v[i]), 1);
	return 1;
}

/* Append a record for k at m->end (over any torn tail), then map it. */
static int
append_key(struct map *m, const struct count_key *k, uint64_t start)
{
	size_t clen = strlen(k->control), llen = strlen(k->label), len;
	unsigned char *r;
	struct stat st;
	uint32_t c32 = (uint32_t)clen, l32 = (uint32_t)llen;
	int fd, rc = -1;

	if (clen == 0 || clen > MAX_PART || llen > MAX_PART) {
		errno = ENAMETOOLONG;
		return -1;
	}
	len = pad8(REC_HEAD + clen + llen);
	r = calloc(1, len);
	if (r == NULL)
		return -1;
	memcpy(r, &start, 8);
	memcpy(r + 8, &c32, 4);
	memcpy(r + 12, &l32, 4);
	memcpy(r + REC_HEAD, k->control, clen);
	memcpy(r + REC_HEAD + clen, k->label, llen);
	fd = open(m->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd != -1 && fstat(fd, &st) == 0 && st.st_dev == m->dev &&
	    st.st_ino == m->ino &&
	    ((size_t)st.st_size == m->end || ftruncate(fd, (off_t)m->end) == 0) &&
	    pwrite(fd, r, len, (off_t)m->end) == (ssize_t)len && fstat(fd, &st) == 0)
		rc = map_file(m, fd, &st);
	if (fd != -1)
		close(fd);
	free(r);
	return rc;
}

int
counts_update(const char *dir, long long project, const struct count_key *v,
    size_t n, int add)
{
	struct map *m = open_map(dir, project, 1);
	uint32_t off;
	size_t i;

	if (m == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		off = find_key(m, &v[i]);
		if (off == 0) {
			if (append_key(m, &v[i], add ? 0 : 1) == -1)
				return -1;
			off = find_key(m, &v[i]);
		}
		if (add && off != 0)
			add_one(m, off, 1);
	}
	return 0;
}

int
counts_each(const char *dir, long long project, counts_fn *fn, void *arg)
{
	struct map *m = open_map(dir, project, 0);
	uint32_t clen, llen;
	size_t off, k;

	if (m == NULL)
		return errno == ENOENT || errno == EINVAL ? 0 : -1;
	for (off = HEADER; off < m->end; off += k) {
		k = rec_size(m->p, m->end, off);
		if (k == 0)
			break;	/* changed under us (not by lshook) */
		rec_lens(m->p + off, &clen, &llen);
		fn(arg, (const char *)m->p + off + REC_HEAD, clen,
		    (const char *)m->p + off + REC_HEAD + clen, llen,
		    __atomic_load_n((uint64_t *)(void *)(m->p + off), __ATOMIC_RELAXED));
	}
	return 0;
}
