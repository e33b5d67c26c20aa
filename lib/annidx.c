/*
 * annidx.c: annotation id -> task id, kept beside annotations.jsonl.
 *
 * The table file: a 64-byte header ("LSHANIX1", slot count, slots used,
 * and the device, inode and offset of annotations.jsonl indexed so far),
 * then slots of two int64 (annotation id, 0 when empty; task id), open
 * addressing with linear probing, at most half full.  A slot is written
 * task first, annotation second, so a process that dies leaves it empty
 * or whole (a power loss may leave any mix: the table is a cache, rebuilt
 * by removing it).  The
 * offset is set back to 0 while the table grows, so a crash then means
 * the log is read again, never that entries are missing for good.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "annidx.h"
#include "buf.h"
#include "json.h"
#include "statefile.h"

#define MAGIC		"LSHANIX1"
#define HEADER		64
#define FIRST_SLOTS	4096
#define MAX_SLOTS	((uint64_t)1 << 32)	/* 64 GiB of table: never met */
#define LOG_NAME	"annotations.jsonl"
#define TABLE_NAME	"state/annotations.idx"

struct header {
	char		magic[8];
	uint64_t	slots;	/* a power of two */
	uint64_t	used;
	uint64_t	dev;
	uint64_t	ino;
	uint64_t	off;	/* bytes of the log indexed */
	char		pad[HEADER - 48];
};

struct table {
	int		 fd;
	struct header	*h;	/* the mapping */
	int64_t		*slot;	/* 2 per slot, after the header */
	size_t		 size;
};

static struct statefile file = STATEFILE_INIT;

int64_t
annidx_id(const char *tok, size_t len)
{
	int64_t v = 0;
	size_t i;

	if (len == 0 || len > 18 || tok[0] == '0')
		return 0;
	for (i = 0; i < len; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return 0;
		v = v * 10 + (tok[i] - '0');
	}
	return v;
}

static uint64_t
home(int64_t ann, uint64_t slots)
{
	return ((uint64_t)ann * 0x9e3779b97f4a7c15ULL) & (slots - 1);
}

/* The header describes a table of exactly size bytes (checked before any
 * product that could wrap: the file may be damaged or foreign). */
static int
valid(const struct header *h, off_t size)
{
	return memcmp(h->magic, MAGIC, 8) == 0 && size > HEADER &&
	    h->slots >= FIRST_SLOTS && h->slots <= MAX_SLOTS &&
	    (h->slots & (h->slots - 1)) == 0 && h->used < h->slots &&
	    h->slots == (uint64_t)(size - HEADER) / 16 &&
	    (uint64_t)(size - HEADER) % 16 == 0;
}

/* --- lookup --------------------------------------------------------------- */

static int64_t
probe(int fd, const struct header *h, int64_t ann)
{
	uint64_t i = home(ann, h->slots), n;
	int64_t s[2];

	for (n = 0; n < h->slots; n++, i = (i + 1) & (h->slots - 1)) {
		if (pread(fd, s, sizeof(s), HEADER + (off_t)i * 16) != sizeof(s))
			return 0;
		if (s[0] == 0)
			return 0;
		if (s[0] == ann)
			return s[1];
	}
	return 0;
}

int
annidx_lookup(const char *dir, const int64_t *ann, size_t n, int64_t *task)
{
	struct header h;
	struct stat st;
	size_t i;
	int fd, rc = -1;

	memset(task, 0, n * sizeof(*task));
	fd = statefile_lock(&file, dir, TABLE_NAME, LOCK_SH, &st);
	if (fd == -1)
		return -1;
	if (pread(fd, &h, sizeof(h), 0) == sizeof(h) && valid(&h, st.st_size)) {
		for (i = 0; i < n; i++)
			task[i] = ann[i] > 0 ? probe(fd, &h, ann[i]) : 0;
		rc = 0;
	}
	statefile_unlock(&file);
	return rc;
}

/* --- the table, under the exclusive lock ---------------------------------- */

/*
 * Map the table at size bytes.  The blocks are allocated first: a write
 * through the mapping into a hole the disk cannot fill would be SIGBUS,
 * not an error (ENOSPC, EDQUOT) this can report.
 */
static int
map(struct table *t, size_t size)
{
	void *p;
	int e;

	if ((e = posix_fallocate(t->fd, 0, (off_t)size)) != 0) {
		errno = e;
		return -1;
	}
	if (ftruncate(t->fd, (off_t)size) == -1)
		return -1;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);
	if (p == MAP_FAILED)
		return -1;
	t->h = p;
	t->slot = (int64_t *)((char *)p + HEADER);
	t->size = size;
	return 0;
}

static void
unmap(struct table *t)
{
	if (t->h != NULL)
		munmap(t->h, t->size);
	t->h = NULL;
}

/* Map the table, made afresh when it is new or not one of ours. */
static int
open_table(struct table *t, const struct stat *st)
{
	struct header h;

	if (st->st_size >= HEADER && pread(t->fd, &h, sizeof(h), 0) ==
	    sizeof(h) && valid(&h, st->st_size))
		return map(t, (size_t)st->st_size);
	if (ftruncate(t->fd, 0) == -1 || map(t, HEADER + FIRST_SLOTS * 16) == -1)
		return -1;
	memcpy(t->h->magic, MAGIC, 8);
	t->h->slots = FIRST_SLOTS;
	return 0;
}

static void
put(int64_t *slot, uint64_t slots, int64_t ann, int64_t task, uint64_t *used)
{
	uint64_t i = home(ann, slots);

	while (slot[2 * i] != 0 && slot[2 * i] != ann)
		i = (i + 1) & (slots - 1);
	if (slot[2 * i] == 0)
		(*used)++;
	slot[2 * i + 1] = task;
	__atomic_store_n(&slot[2 * i], ann, __ATOMIC_RELEASE);
}

/* Double the slots: the entries are read out, the file grown, put back. */
static int
grow(struct table *t)
{
	uint64_t old = t->h->slots, i, used = 0, off = t->h->off;
	size_t bytes = old * 16;
	int64_t *copy;

	if (2 * old > MAX_SLOTS) {
		errno = EFBIG;
		return -1;
	}
	if ((copy = malloc(bytes)) == NULL)
		return -1;
	memcpy(copy, t->slot, bytes);
	t->h->off = 0;	/* a crash from here on: index the log again */
	unmap(t);
	if (map(t, HEADER + 2 * bytes) == -1) {
		free(copy);
		return -1;
	}
	memset(t->slot, 0, 2 * bytes);
	t->h->slots = 2 * old;
	for (i = 0; i < old; i++)
		if (copy[2 * i] != 0)
			put(t->slot, t->h->slots, copy[2 * i], copy[2 * i + 1],
			    &used);
	free(copy);
	t->h->used = used;
	t->h->off = off;
	return 0;
}

/* --- reading the log ------------------------------------------------------- */

/*
 * The pairs of one record: its payload's annotation ids and their tasks,
 * in the same order (annotation.id/.task, annotation[i].id/.task); a
 * record whose lists differ in length is left out.
 */
static int
index_record(struct table *t, const char *line, size_t len, struct buf *tmp)
{
	static const char key[] = ",\"payload\":";
	const char *p = memmem(line, len, key, sizeof(key) - 1);
	struct json_event je;
	int64_t ann, task;
	size_t i, n;
	int rc = 0;

	if (p == NULL || line[len - 1] != '}')
		return 0;
	p += sizeof(key) - 1;
	tmp->len = 0;
	if (json_scan(p, (size_t)(line + len - 1 - p), tmp, &je) == LSH_OK &&
	    je.annotation_ids.n == je.annotation_task_ids.n) {
		n = je.annotation_ids.n;
		for (i = 0; i < n && rc == 0; i++) {
			ann = annidx_id(p + je.annotation_ids.v[i].off,
			    je.annotation_ids.v[i].len);
			task = annidx_id(p + je.annotation_task_ids.v[i].off,
			    je.annotation_task_ids.v[i].len);
			if (ann == 0 || task == 0)
				continue;
			if ((t->h->used + 1) * 2 > t->h->slots)
				rc = grow(t);
			if (rc == 0)
				put(t->slot, t->h->slots, ann, task, &t->h->used);
		}
	}
	json_event_free(&je);
	return rc;
}

/*
 * Index whole lines of fd from the table's offset, budget bytes or so; a
 * line without its newline (being written, or torn) waits for next time.
 */
static int
read_log(struct table *t, int fd, off_t size, size_t budget)
{
	struct buf line = { 0 }, tmp = { 0 };
	off_t at = (off_t)t->h->off, end = at + (off_t)budget;
	char chunk[65536], *p, *nl;
	ssize_t k;
	size_t left;
	int rc = 0;

	while (rc == 0 && at < size && at < end) {
		/* line holds the start of the line at "at", when it is long */
		k = pread(fd, chunk, sizeof(chunk), at + (off_t)line.len);
		if (k <= 0)
			break;
		for (p = chunk, left = (size_t)k; left > 0 && rc == 0 && at < end;
		    left -= (size_t)(nl - p) + 1, p = nl + 1) {
			if ((nl = memchr(p, '\n', left)) == NULL) {
				buf_add(&line, p, left);
				break;
			}
			buf_add(&line, p, (size_t)(nl - p));
			if (line.failed)
				rc = -1;
			else if (line.len > 0)
				rc = index_record(t, line.p, line.len, &tmp);
			if (rc == 0) {
				at += (off_t)line.len + 1;
				t->h->off = (uint64_t)at;
			}
			line.len = 0;
		}
		if (line.failed)
			rc = -1;
	}
	buf_free(&line);
	buf_free(&tmp);
	return rc;
}

int
annidx_catch_up(const char *dir, size_t budget, char *why, size_t whysz)
{
	struct table t = { -1, NULL, NULL, 0 };
	struct stat st, ls;
	char path[4096];
	int log, rc = -1;

	t.fd = statefile_lock(&file, dir, TABLE_NAME, LOCK_EX, &st);
	if (t.fd == -1) {
		snprintf(why, whysz, "cannot open '%s/%s': %s", dir, TABLE_NAME,
		    strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, LOG_NAME);
	if (open_table(&t, &st) == -1) {
		snprintf(why, whysz, "cannot map '%s/%s': %s", dir, TABLE_NAME,
		    strerror(errno));
	} else if ((log = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		rc = errno == ENOENT ? 0 : -1;	/* nothing to index yet */
		snprintf(why, whysz, "cannot open '%s': %s", path, strerror(errno));
	} else {
		if (fstat(log, &ls) == 0) {
			/* another file (rotated) or a shorter one: from its start */
			if ((uint64_t)ls.st_dev != t.h->dev ||
			    (uint64_t)ls.st_ino != t.h->ino ||
			    (uint64_t)ls.st_size < t.h->off) {
				t.h->dev = (uint64_t)ls.st_dev;
				t.h->ino = (uint64_t)ls.st_ino;
				t.h->off = 0;
			}
			rc = read_log(&t, log, ls.st_size, budget);
		}
		if (rc == -1)
			snprintf(why, whysz, "cannot index '%s': %s", path,
			    strerror(errno));
		close(log);
	}
	unmap(&t);
	statefile_unlock(&file);
	if (rc == -1)
		statefile_close(&file);
	return rc;
}
