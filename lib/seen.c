/*
 * seen.c: the table of recently seen delivery ids.
 *
 * A fixed-size file of slots read and written with pread and pwrite under
 * an exclusive flock, kept open across requests (statefile.c).  A crash
 * can at worst leave one slot half written, which then matches nothing:
 * the table forgets an id, it never invents one.  The caller appends the event before remembering its id, so a crash
 * in between gives at-least-once, never a lost event.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "seen.h"
#include "statefile.h"

#define SLOT_SIZE	24	/* 16 bytes of hash, 8 of time */
#define HEADER_SIZE	16	/* "LSHSEEN1" and the slot count */

static off_t
table_size(unsigned long slots)
{
	return HEADER_SIZE + (off_t)slots * SLOT_SIZE;
}

static struct statefile table = STATEFILE_INIT;
static unsigned long table_checked;	/* statefile_generation() when its
					   header was last read; 0: never */

static enum lsh_err
fail(struct seen *s, const char *dir, char *why, size_t whysz, const char *what)
{
	int err = errno;

	snprintf(why, whysz, "%s '%s/state/seen.db': %s", what, dir, strerror(err));
	if (s->fd != -1) {
		statefile_unlock(&table);
		statefile_close(&table);
	}
	s->fd = -1;
	return err == ENOSPC || err == EDQUOT || err == EIO ? LSH_E_WRITE :
	    LSH_E_STORAGE;
}

/*
 * Make the file the right size with a valid header (under the lock).  A
 * file of the right size whose header this process has read is not read
 * again: only lshook resizes it, and always with a new header.
 */
static int
prepare(struct seen *s, const struct stat *st)
{
	unsigned char head[HEADER_SIZE];
	uint64_t n = s->slots;

	if (st->st_size == table_size(s->slots) &&
	    table_checked == statefile_generation())
		return 0;
	if (st->st_size == table_size(s->slots) &&
	    pread(s->fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) &&
	    memcmp(head, "LSHSEEN1", 8) == 0 && memcmp(head + 8, &n, 8) == 0) {
		table_checked = statefile_generation();
		return 0;
	}
	/* new, or sized for another LSHOOK_DEDUP_SLOTS: start afresh */
	if (ftruncate(s->fd, 0) == -1 || ftruncate(s->fd, table_size(s->slots)) == -1)
		return -1;
	memcpy(head, "LSHSEEN1", 8);
	memcpy(head + 8, &n, 8);
	if (pwrite(s->fd, head, sizeof(head), 0) != (ssize_t)sizeof(head))
		return -1;
	table_checked = statefile_generation();
	return 0;
}

static int
open_locked(struct seen *s, const char *dir)
{
	struct stat st;

	s->fd = statefile_lock(&table, dir, "state/seen.db", LOCK_EX, &st);
	if (s->fd == -1)
		return -1;
	return prepare(s, &st);
}

enum lsh_err
seen_check(struct seen *s, const char *dir, unsigned long slots, long window,
    long long now, const char *id, int *dup, char *why, size_t whysz)
{
	unsigned char h[crypto_hash_sha256_BYTES], buf[LSH_SEEN_PROBE * SLOT_SIZE];
	unsigned long first, i, idx, oldest_i = 0;
	int64_t t, oldest = INT64_MAX;
	uint64_t start;
	ssize_t k;

	*dup = 0;
	s->fd = -1;
	s->slots = slots;
	s->now = now;
	s->window = window;
	crypto_hash_sha256(h, (const unsigned char *)id, strlen(id));
	memcpy(s->key, h, sizeof(s->key));
	memcpy(&start, h + 16, sizeof(start));
	first = (unsigned long)(start % slots);
	if (open_locked(s, dir) == -1) {
		if (errno == ENOENT) {	/* say what is missing: the directory */
			snprintf(why, whysz, "data directory '%s': %s", dir,
			    strerror(errno));
			if (s->fd != -1) {
				statefile_unlock(&table);
				statefile_close(&table);
			}
			s->fd = -1;
			return LSH_E_STORAGE;
		}
		return fail(s, dir, why, whysz, "cannot open");
	}
	s->slot = first;
	if (first + LSH_SEEN_PROBE > slots)
		first = slots - LSH_SEEN_PROBE;	/* the window never wraps */
	k = pread(s->fd, buf, sizeof(buf), HEADER_SIZE + (off_t)first * SLOT_SIZE);
	if (k != (ssize_t)sizeof(buf))
		return fail(s, dir, why, whysz, "cannot read");
	for (i = 0; i < LSH_SEEN_PROBE; i++) {
		idx = first + i;
		memcpy(&t, buf + i * SLOT_SIZE + 16, sizeof(t));
		if (memcmp(buf + i * SLOT_SIZE, s->key, 16) == 0 && t > 0 &&
		    now - t <= window) {
			*dup = 1;
			return LSH_OK;
		}
		if (t < oldest) {	/* empty (0) and expired slots come first */
			oldest = t;
			oldest_i = idx;
		}
	}
	s->slot = oldest_i;
	return LSH_OK;
}

void
seen_done(struct seen *s, int remember)
{
	unsigned char slot[SLOT_SIZE];
	int64_t t = s->now > 0 ? s->now : 1;

	if (s->fd == -1)
		return;
	if (remember) {
		memcpy(slot, s->key, 16);
		memcpy(slot + 16, &t, sizeof(t));
		if (pwrite(s->fd, slot, sizeof(slot), HEADER_SIZE +
		    (off_t)s->slot * SLOT_SIZE) != (ssize_t)sizeof(slot)) {
			/* forgetting an id is safe: it may be stored again */
		}
	}
	statefile_unlock(&table);
	s->fd = -1;
}

void
seen_forget(struct seen *s, const char *dir)
{
	unsigned char slot[SLOT_SIZE];
	struct stat st;
	off_t at = HEADER_SIZE + (off_t)s->slot * SLOT_SIZE;

	if (statefile_lock(&table, dir, "state/seen.db", LOCK_EX, &st) == -1)
		return;	/* then a repeat is answered "duplicate" */
	if (pread(table.fd, slot, sizeof(slot), at) == (ssize_t)sizeof(slot) &&
	    memcmp(slot, s->key, 16) == 0) {
		memset(slot, 0, sizeof(slot));
		if (pwrite(table.fd, slot, sizeof(slot), at) != (ssize_t)sizeof(slot)) {
			/* then the id stays: a repeat is answered "duplicate" */
		}
	}
	statefile_unlock(&table);
}
