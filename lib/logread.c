/*
 * logread.c: the reading side of the logs store.c appends to.
 *
 * A log may be far larger than memory, and its last line may be torn by a
 * crash (store.c ends such a line before the next record, so torn lines
 * can sit anywhere).  One buffer holds the line being read plus what the
 * last read brought; it grows only while a single line does not fit.
 * Lines that hold no record are reported with their line number and
 * skipped: a damaged line never stops a reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logread.h"

#define READ_MIN	65536	/* first buffer size and smallest read */

int
logread_init(struct logread *lr, int fd, const char *path)
{
	struct stat st;

	memset(lr, 0, sizeof(*lr));
	lr->fd = fd;
	lr->path = path;
	lr->max_line = LOGREAD_MAX_LINE;
	if (fstat(fd, &st) == -1)
		return -1;
	if (S_ISREG(st.st_mode))
		lr->size = st.st_size;
	lr->buf = malloc(READ_MIN);
	if (lr->buf == NULL)
		return -1;
	lr->cap = READ_MIN;
	return 0;
}

int
logread_open(struct logread *lr, const char *path)
{
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		memset(lr, 0, sizeof(*lr));
		lr->fd = -1;
		return -1;
	}
	return logread_init(lr, fd, path);
}

void
logread_close(struct logread *lr)
{
	jtree_free(&lr->rec.tree);
	free(lr->buf);
	if (lr->fd != -1)
		close(lr->fd);
	memset(lr, 0, sizeof(*lr));
	lr->fd = -1;
}

static void
report(struct logread *lr, const char *why)
{
	lr->skipped++;
	if (lr->report != NULL)
		lr->report(lr->report_arg, lr->path, lr->lineno, why);
	else if (lr->prog != NULL)
		fprintf(stderr, "%s: %s:%lu: %s\n", lr->prog, lr->path,
		    lr->lineno, why);
	else
		fprintf(stderr, "%s:%lu: %s\n", lr->path, lr->lineno, why);
}

/* Make room after end: slide the partial line down, or grow the buffer. */
static int
make_room(struct logread *lr)
{
	size_t used = lr->end - lr->start, cap, limit;
	char *p;

	/* Never more than a longest line and one read. */
	limit = SIZE_MAX / 2;
	if (lr->max_line < limit)
		limit = lr->max_line + READ_MIN;
	if (used > lr->cap / 2 && lr->cap < limit) {
		cap = lr->cap < limit / 2 ? lr->cap * 2 : limit;
		p = realloc(lr->buf, cap);
		if (p == NULL)
			return -1;
		lr->buf = p;
		lr->cap = cap;
	}
	memmove(lr->buf, lr->buf + lr->start, used);
	lr->scanned -= lr->start;
	lr->end = used;
	lr->start = 0;
	return 0;
}

static int
fill(struct logread *lr)
{
	ssize_t n;

	if (lr->cap - lr->end < READ_MIN && make_room(lr) == -1)
		return -1;
	do
		n = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if (n == 0)
		lr->eof = 1;
	lr->end += (size_t)n;
	return 0;
}

/* Consume the next n bytes as a line.  1 when it is delivered, 0 if not. */
static int
take(struct logread *lr, size_t n, int newline, const char **line,
    size_t *len)
{
	char why[96];
	const char *p = lr->buf + lr->start;
	int overlong = lr->overlong || n > lr->max_line;

	lr->lineno++;
	lr->start += n + (newline ? 1 : 0);
	lr->scanned = lr->start;
	lr->consumed += (off_t)(n + (newline ? 1 : 0));
	lr->torn = !newline;
	lr->overlong = 0;
	if (overlong) {
		snprintf(why, sizeof(why),
		    "skipped a line longer than %zu bytes", lr->max_line);
		report(lr, why);
		return 0;
	}
	*line = p;
	*len = n;
	return 1;
}

/* A line too long to keep: forget what is buffered of it. */
static void
drop_partial(struct logread *lr)
{
	lr->consumed += (off_t)(lr->end - lr->start);
	lr->overlong = 1;
	lr->start = lr->end = lr->scanned = 0;
}

int
logread_line(struct logread *lr, const char **line, size_t *len)
{
	const char *nl;

	for (;;) {
		nl = memchr(lr->buf + lr->scanned, '\n', lr->end - lr->scanned);
		if (nl != NULL) {
			if (take(lr, (size_t)(nl - (lr->buf + lr->start)), 1,
			    line, len))
				return 1;
			continue;
		}
		lr->scanned = lr->end;
		if (lr->end - lr->start > lr->max_line)
			drop_partial(lr);
		if (lr->eof) {
			if (lr->start == lr->end && !lr->overlong)
				return 0;
			if (take(lr, lr->end - lr->start, 0, line, len))
				return 1;
			continue;
		}
		if (fill(lr) == -1)
			return -1;
	}
}

/* Why the parsed line is not a record, or NULL; fills rec from it. */
static const char *
check_envelope(struct logrec *rec)
{
	const struct jnode *root = rec->tree.root, *v;

	if (root->type != JT_OBJECT)
		return "not an object";
	v = jtree_get(root, "v");
	if (v == NULL || v->type != JT_NUMBER || v->toklen != 1 ||
	    v->tok[0] != '1')
		return "\"v\" is not 1";
	if (jtree_string(jtree_get(root, "id"), rec->id, sizeof(rec->id)) < 0)
		return "\"id\" is not a short string";
	if (jtree_string(jtree_get(root, "received_at"), rec->received_at,
	    sizeof(rec->received_at)) < 0)
		return "\"received_at\" is not a short string";
	if (jtree_string(jtree_get(root, "action"), rec->action,
	    sizeof(rec->action)) < 0)
		return "\"action\" is not a short string";
	rec->payload = jtree_get(root, "payload");
	if (rec->payload == NULL || rec->payload->type != JT_OBJECT)
		return "\"payload\" is not an object";
	rec->project_id = jtree_get(root, "project_id");
	return NULL;
}

/* 0: rec holds the record; 1: why says what the line is instead; -1: ENOMEM. */
static int
parse_record(struct logread *lr, struct logrec *rec, char *why, size_t whysz)
{
	const char *bad;
	enum lsh_err e;

	if (rec->len == 0) {
		snprintf(why, whysz, "skipped an empty line");
		return 1;
	}
	e = jtree_parse(&rec->tree, rec->line, rec->len, LOGREAD_DEPTH);
	if (e == LSH_E_NOMEM) {
		errno = ENOMEM;
		return -1;
	}
	if (e != LSH_OK) {
		snprintf(why, whysz, "skipped %s (%s at byte %zu)",
		    lr->torn ? "a torn last line" : "a line that is not JSON",
		    rec->tree.err, rec->tree.err_off);
		return 1;
	}
	bad = check_envelope(rec);
	if (bad == NULL)
		return 0;
	snprintf(why, whysz, "skipped a line that is not a record (%s)", bad);
	return 1;
}

int
logread_next(struct logread *lr, struct logrec **out)
{
	struct logrec *rec = &lr->rec;
	char why[160];
	int r;

	for (;;) {
		jtree_free(&rec->tree);
		rec->payload = rec->project_id = NULL;
		r = logread_line(lr, &rec->line, &rec->len);
		if (r != 1)
			return r;
		rec->lineno = lr->lineno;
		rec->offset = lr->consumed - (off_t)rec->len;
		if (!lr->torn)
			rec->offset--;
		r = parse_record(lr, rec, why, sizeof(why));
		if (r == -1)
			return -1;
		if (r == 0) {
			lr->records++;
			*out = rec;
			return 1;
		}
		report(lr, why);
	}
}
