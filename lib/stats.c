/*
 * stats.c: counters for the status page.
 *
 * A handler notes in memory what its request came to (an event recorded,
 * ignored or duplicate, or an error answered) and, once the answer has
 * gone, adds it to <data>/state/stats.db: one fixed-layout struct, kept
 * mapped and changed in place under an exclusive flock of that file.
 * The status endpoint reads it under a shared lock, so it never reads a
 * log.  The file is bookkeeping, not a log: it is not synced, and one that
 * is not of this layout is started afresh.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "statefile.h"
#include "stats.h"

#define STATS_MAGIC	"lshstat1"
#define STATS_FILE	"state/stats.db"

/* What this process's current request came to, until stats_flush. */
static struct {
	int			have_event;
	enum stats_outcome	outcome;
	int			kind;	/* index into count[], per_hour[] */
	struct stats_event	ev;
	int			have_error;
	struct stats_error	err;
	long long		hour;
} pending;

static const char *const kind_names[STATS_KINDS] = {
	"tasks", "annotations", "projects", "training", "ignored"
};

/* Copy a string into a fixed field, cut to fit, always NUL-terminated. */
static void
field(char *dst, size_t dstsz, const char *src)
{
	size_t n = src != NULL ? strnlen(src, dstsz - 1) : 0;

	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Printable ASCII only: the detail of an error may hold request bytes. */
static void
printable(char *dst, size_t dstsz, const char *src)
{
	size_t i;

	for (i = 0; src != NULL && src[i] != '\0' && i + 1 < dstsz; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

/* The event's project id when it is a plain non-negative integer. */
static void
project_field(char *dst, size_t dstsz, const struct event *ev)
{
	const struct span *p = &ev->json.project_id;
	size_t i;

	dst[0] = '\0';
	if (p->len == 0 || p->len >= dstsz || ev->body == NULL)
		return;
	for (i = 0; i < p->len; i++)
		if (ev->body[p->off + i] < '0' || ev->body[p->off + i] > '9')
			return;
	memcpy(dst, ev->body + p->off, p->len);
	dst[p->len] = '\0';
}

void
stats_note_event(const struct event *ev, enum lsh_family endpoint,
    enum stats_outcome outcome)
{
	const char *family = NULL;

	if (endpoint < 0 || endpoint >= LSH_FAM__COUNT)
		return;
	memset(&pending.ev, 0, sizeof(pending.ev));
	pending.have_event = 1;
	pending.outcome = outcome;
	pending.hour = (long long)time(NULL) / 3600;
	if (outcome == STATS_RECORDED) {
		pending.kind = endpoint;
		family = family_name(endpoint);
	} else {
		pending.kind = STATS_IGNORED;
		if (ev->route != NULL)
			family = family_name(ev->route->family);
	}
	field(pending.ev.at, sizeof(pending.ev.at), ev->received_at);
	field(pending.ev.action, sizeof(pending.ev.action), ev->action);
	field(pending.ev.family, sizeof(pending.ev.family), family);
	project_field(pending.ev.project, sizeof(pending.ev.project), ev);
	field(pending.ev.id, sizeof(pending.ev.id), ev->id);
	field(pending.ev.outcome, sizeof(pending.ev.outcome),
	    outcome == STATS_RECORDED ? "recorded" : "ignored");
}

/* Whether dir lies inside DOCUMENT_ROOT; remembered for the last pair. */
static int
exposed(const struct request *req, const char *dir)
{
	static char last_root[PATH_MAX], last_dir[PATH_MAX];
	static int last = -1;
	const char *root = req_param(req, "DOCUMENT_ROOT");
	char rr[PATH_MAX], rd[PATH_MAX];
	size_t n;

	if (root == NULL)
		return 0;
	if (last != -1 && strcmp(root, last_root) == 0 &&
	    strcmp(dir, last_dir) == 0)
		return last;
	if (realpath(root, rr) == NULL || realpath(dir, rd) == NULL)
		return 1;	/* unknown: write nothing */
	n = strlen(rr);
	last = strncmp(rd, rr, n) == 0 && (rd[n] == '/' || rd[n] == '\0' ||
	    strcmp(rr, "/") == 0);
	field(last_root, sizeof(last_root), root);
	field(last_dir, sizeof(last_dir), dir);
	return last;
}

void
stats_note_error(const struct config *cfg, const struct request *req,
    enum lsh_err e, const char *detail)
{
	if (cfg == NULL || cfg->data_dir == NULL || exposed(req, cfg->data_dir))
		return;
	memset(&pending.err, 0, sizeof(pending.err));
	pending.have_error = 1;
	pending.hour = (long long)time(NULL) / 3600;
	lsh_timestamp(pending.err.at, sizeof(pending.err.at));
	field(pending.err.handler, sizeof(pending.err.handler), req->prog);
	pending.err.status = lsh_err_status(e);
	field(pending.err.message, sizeof(pending.err.message),
	    lsh_err_message(e));
	printable(pending.err.detail, sizeof(pending.err.detail), detail);
}

/* Make every string of a state read from disk end inside its field. */
static void
terminate(struct stats_state *st)
{
	size_t i;

	for (i = 0; i < STATS_KINDS; i++)
		st->last_at[i][sizeof(st->last_at[i]) - 1] = '\0';
	for (i = 0; i < STATS_RECENT; i++) {
		struct stats_event *e = &st->events[i];
		struct stats_error *r = &st->errs[i];

		e->at[sizeof(e->at) - 1] = e->action[sizeof(e->action) - 1] = '\0';
		e->family[sizeof(e->family) - 1] = '\0';
		e->project[sizeof(e->project) - 1] = e->id[sizeof(e->id) - 1] = '\0';
		e->outcome[sizeof(e->outcome) - 1] = '\0';
		r->at[sizeof(r->at) - 1] = r->handler[sizeof(r->handler) - 1] = '\0';
		r->message[sizeof(r->message) - 1] = '\0';
		r->detail[sizeof(r->detail) - 1] = '\0';
	}
	if (st->nevents > STATS_RECENT)
		st->nevents = STATS_RECENT;
	if (st->nerrors > STATS_RECENT)
		st->nerrors = STATS_RECENT;
	st->event_next %= STATS_RECENT;
	st->error_next %= STATS_RECENT;
}

/* Read the state from fd: a fresh one when the file is empty or foreign. */
static int
load(int fd, struct stats_state *st)
{
	ssize_t k;

	memset(st, 0, sizeof(*st));
	k = pread(fd, st, sizeof(*st), 0);
	if (k == -1)
		return -1;
	if ((size_t)k != sizeof(*st) || memcmp(st->magic, STATS_MAGIC, 8) != 0 ||
	    st->size != sizeof(*st))
		memset(st, 0, sizeof(*st));
	memcpy(st->magic, STATS_MAGIC, 8);
	st->size = sizeof(*st);
	terminate(st);
	return 0;
}

static int
lock_fd(int fd, int op)
{
	while (flock(fd, op) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

int
stats_read(const char *dir, struct stats_state *st)
{
	char path[PATH_MAX];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/" STATS_FILE, dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		memset(st, 0, sizeof(*st));
		return errno == ENOENT ? 0 : -1;
	}
	rc = lock_fd(fd, LOCK_SH) == -1 ? -1 : load(fd, st);
	close(fd);
	return rc;
}

/* The slot of hour h, emptied when it still holds an older hour. */
static uint32_t *
hour_slot(struct stats_state *st, long long h)
{
	size_t i = (size_t)(h % STATS_HOURS);

	if (st->hour[i] != h) {
		st->hour[i] = h;
		memset(st->per_hour[i], 0, sizeof(st->per_hour[i]));
	}
	return st->per_hour[i];
}

static void
apply(struct stats_state *st)
{
	if (pending.have_event && pending.outcome == STATS_DUPLICATE)
		st->duplicates++;
	else if (pending.have_event) {
		st->count[pending.kind]++;
		field(st->last_at[pending.kind], sizeof(st->last_at[0]),
		    pending.ev.at);
		hour_slot(st, pending.hour)[pending.kind]++;
		st->events[st->event_next] = pending.ev;
		st->event_next = (st->event_next + 1) % STATS_RECENT;
		if (st->nevents < STATS_RECENT)
			st->nevents++;
	}
	if (pending.have_error) {
		st->errors++;
		st->errs[st->error_next] = pending.err;
		st->error_next = (st->error_next + 1) % STATS_RECENT;
		if (st->nerrors < STATS_RECENT)
			st->nerrors++;
	}
}

/*
 * The state file, kept open and mapped across requests: an update is a
 * lock, a few stores into the shared pages and an unlock.  The status
 * readers pread it under the shared lock and see the same pages.
 */
static struct statefile file = STATEFILE_INIT;
static struct stats_state *mapped;	/* file's pages, or NULL */
static ino_t mapped_ino;
static dev_t mapped_dev;

static void
unmap(void)
{
	if (mapped != NULL)
		munmap(mapped, sizeof(*mapped));
	mapped = NULL;
}

/* Under the lock: the file mapped, of this layout (started afresh when
 * it is new or foreign).  NULL with errno set on failure. */
static struct stats_state *
map_locked(const struct stat *st)
{
	void *p;

	if (mapped != NULL && (st->st_ino != mapped_ino || st->st_dev != mapped_dev ||
	    (size_t)st->st_size != sizeof(*mapped)))
		unmap();
	if (mapped == NULL) {
		if ((size_t)st->st_size != sizeof(*mapped) &&
		    (ftruncate(file.fd, 0) == -1 ||
		    ftruncate(file.fd, (off_t)sizeof(*mapped)) == -1))
			return NULL;
		p = mmap(NULL, sizeof(*mapped), PROT_READ | PROT_WRITE, MAP_SHARED,
		    file.fd, 0);
		if (p == MAP_FAILED)
			return NULL;
		mapped = p;
		mapped_ino = st->st_ino;
		mapped_dev = st->st_dev;
	}
	if (memcmp(mapped->magic, STATS_MAGIC, 8) != 0 ||
	    mapped->size != sizeof(*mapped)) {
		memset(mapped, 0, sizeof(*mapped));
		memcpy(mapped->magic, STATS_MAGIC, 8);
		mapped->size = sizeof(*mapped);
	}
	terminate(mapped);
	return mapped;
}

void
stats_flush(const struct config *cfg, struct request *req)
{
	struct stats_state *st;
	struct stat sb;
	int quiet = !pending.have_event;

	if (!pending.have_event && !pending.have_error)
		return;
	if (cfg == NULL || cfg->data_dir == NULL)
		goto out;
	if (statefile_lock(&file, cfg->data_dir, "state/stats.db", LOCK_EX, &sb) == -1)
		goto fail;
	st = map_locked(&sb);
	if (st == NULL) {
		int err = errno;

		statefile_unlock(&file);
		unmap();
		statefile_close(&file);
		errno = err;
		goto fail;
	}
	apply(st);
	statefile_unlock(&file);
	goto out;
fail:
	/* An error answer in an unusable data directory says so already. */
	if (!quiet)
		req_log(req, "status counters '%s/" STATS_FILE "' not updated: %s",
		    cfg->data_dir, strerror(errno));
out:
	pending.have_event = pending.have_error = 0;
}

/* --- JSON for the status endpoint ------------------------------------------ */

static void
json_str(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	buf_json_escape(b, s, strlen(s));
	buf_putc(b, '"');
}

/* A time, or null when never. */
static void
json_time(struct buf *b, const char *at)
{
	if (at[0] == '\0')
		buf_puts(b, "null");
	else
		json_str(b, at);
}

static void
kind_json(struct buf *b, const struct stats_state *st, int k)
{
	buf_printf(b, "{\"count\":%llu,\"last_at\":",
	    (unsigned long long)st->count[k]);
	json_time(b, st->last_at[k]);
	buf_putc(b, '}');
}

static void
by_hour_json(struct buf *b, const struct stats_state *st, long long now)
{
	long long h, first = now / 3600 - (STATS_HOURS - 1);
	char at[32];
	struct lsh_date d;
	int k;

	buf_puts(b, "\"by_hour\":{");
	for (k = 0; k < STATS_KINDS; k++) {
		buf_printf(b, "%s\"%s\":[", k ? "," : "", kind_names[k]);
		for (h = first; h < first + STATS_HOURS; h++) {
			size_t i = (size_t)(h % STATS_HOURS);

			lsh_utc(h * 3600, &d);
			snprintf(at, sizeof(at), "%04lld-%02d-%02dT%02d:00:00Z",
			    d.year, d.month, d.day, d.hour);
			buf_printf(b, "%s[\"%s\",%u]", h > first ? "," : "", at,
			    st->hour[i] == h ? st->per_hour[i][k] : 0);
		}
		buf_putc(b, ']');
	}
	buf_putc(b, '}');
}

static void
event_json(struct buf *b, const struct stats_event *e)
{
	buf_puts(b, "{\"received_at\":");
	json_str(b, e->at);
	buf_puts(b, ",\"action\":");
	json_str(b, e->action);
	buf_puts(b, ",\"family\":");
	if (e->family[0] == '\0')
		buf_puts(b, "null");
	else
		json_str(b, e->family);
	buf_printf(b, ",\"project_id\":%s,\"id\":", e->project[0] ?
	    e->project : "null");
	json_str(b, e->id);
	buf_puts(b, ",\"outcome\":");
	json_str(b, e->outcome);
	buf_putc(b, '}');
}

static void
error_json(struct buf *b, const struct stats_error *r)
{
	buf_puts(b, "{\"time\":");
	json_str(b, r->at);
	buf_puts(b, ",\"handler\":");
	json_str(b, r->handler);
	buf_printf(b, ",\"status\":%d,\"message\":", (int)r->status);
	json_str(b, r->message);
	buf_puts(b, ",\"detail\":");
	if (r->detail[0] == '\0')
		buf_puts(b, "null");
	else
		json_str(b, r->detail);
	buf_putc(b, '}');
}

void
stats_json(struct buf *b, const struct stats_state *st, long long now)
{
	uint32_t i, slot;
	int k;

	buf_puts(b, "\"families\":{");
	for (k = 0; k < LSH_FAM__COUNT; k++) {
		buf_printf(b, "%s\"%s\":", k ? "," : "", kind_names[k]);
		kind_json(b, st, k);
	}
	buf_puts(b, "},\"ignored\":");
	kind_json(b, st, STATS_IGNORED);
	buf_printf(b, ",\"duplicates\":%llu,\"errors\":%llu,",
	    (unsigned long long)st->duplicates, (unsigned long long)st->errors);
	by_hour_json(b, st, now);
	buf_puts(b, ",\"recent\":[");
	for (i = 0; i < st->nevents; i++) {
		slot = (st->event_next + STATS_RECENT - 1 - i) % STATS_RECENT;
		if (i > 0)
			buf_putc(b, ',');
		event_json(b, &st->events[slot]);
	}
	buf_puts(b, "],\"recent_errors\":[");
	for (i = 0; i < st->nerrors; i++) {
		slot = (st->error_next + STATS_RECENT - 1 - i) % STATS_RECENT;
		if (i > 0)
			buf_putc(b, ',');
		error_json(b, &st->errs[slot]);
	}
	buf_putc(b, ']');
}
