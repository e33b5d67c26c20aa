/*
 * replay.c: walk tasks.jsonl and annotations.jsonl together in received_at
 * order and apply each record to a dataset, up to the cut.
 *
 * Each log is read one record at a time; only the dataset stays.  Within
 * one log the order of the lines is kept even where two handlers' clocks
 * interleave (the order they took the lock is the order they happened),
 * so the merge compares only the heads of the two logs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"
#include "replay.h"
#include "store.h"

/* received_at's shape: 'D' is a digit, anything else itself. */
static const char time_shape[] = "DDDD-DD-DDTDD:DD:DD.DDDDDD";

struct source {
	struct logread	 lr;
	struct logrec	*rec;		/* the next record; NULL: none left */
	int		 open;
	char		 path[PATH_MAX];
};

/* A time cut ends where a field does: year, month, day, hour... */
static int
time_length_ok(size_t n)
{
	return n == 4 || n == 7 || n == 10 || n == 13 || n == 16 || n == 19 ||
	    (n >= 21 && n < sizeof(time_shape));
}

static int
has_time_shape(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (time_shape[i] == 'D' ? s[i] < '0' || s[i] > '9' :
		    s[i] != time_shape[i])
			return 0;
	}
	return 1;
}

/* Four digits alone or before '-': meant as a time, even when malformed. */
static int
looks_like_time(const char *arg)
{
	return strspn(arg, "0123456789") == 4 &&
	    (arg[4] == '\0' || arg[4] == '-');
}

int
cut_parse(struct cut *c, const char *arg)
{
	size_t n;

	memset(c, 0, sizeof(*c));
	if (arg == NULL || strcmp(arg, "now") == 0 || strcmp(arg, "all") == 0)
		return 0;
	n = strlen(arg);
	if (n == 0 || n > LOGREAD_MAX_ID) {
		cli_error("bad cut '%.64s': neither a time nor an event id",
		    arg);
		return -1;
	}
	memcpy(c->text, arg, n + 1);
	c->len = n;
	c->kind = CUT_ID;
	if (!looks_like_time(arg))
		return 0;
	if (n > 10 && (c->text[10] == ' ' || c->text[10] == 't'))
		c->text[10] = 'T';
	if (c->text[n - 1] == 'Z' || c->text[n - 1] == 'z')
		c->text[--n] = '\0';
	if (!time_length_ok(n) || !has_time_shape(c->text, n)) {
		cli_error("bad time '%s' (as in 2026-11-26, 2026-11-26T18:30 "
		    "or 2026-11-26T18:30:05.123456Z)", arg);
		return -1;
	}
	c->len = n;
	c->kind = CUT_TIME;
	return 0;
}

static void
report_line(void *arg, const char *path, unsigned long lineno, const char *why)
{
	(void)arg;
	cli_error("%s:%lu: %s", path, lineno, why);
}

/* The replay reports the lines that hold no record; the id search not. */
static void
report_none(void *arg, const char *path, unsigned long lineno, const char *why)
{
	(void)arg;
	(void)path;
	(void)lineno;
	(void)why;
}

/* One id on its own line, controls as '?': the logs are untrusted. */
static void
put_masked(FILE *f, const char *id)
{
	fputs("  ", f);
	for (; *id != '\0'; id++)
		fputc((unsigned char)*id < 0x20 || *id == 0x7f ? '?' : *id, f);
	fputc('\n', f);
}

/* Ids an ambiguous prefix lists; more are counted. */
#define CUT_CANDIDATES	10

/* The ids of the logs that start with the cut's text. */
struct id_matches {
	char	ids[CUT_CANDIDATES][LOGREAD_MAX_ID + 1];
	size_t	n;		/* matched, may exceed CUT_CANDIDATES */
	int	exact;		/* one id is the text itself */
};

/* Note each id of one log starting with c->text; 0, or -1 (reported). */
static int
match_ids(struct id_matches *m, int dirfd, const char *dir, const char *name,
    const struct cut *c)
{
	struct logread lr;
	struct logrec *rec;
	char path[PATH_MAX];
	int fd, r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1 && errno == ENOENT)
		return 0;
	if (fd == -1 || logread_init(&lr, fd, path) == -1) {
		cli_error("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	lr.report = report_none;
	while ((r = logread_next(&lr, &rec)) == 1) {
		if (strncmp(rec->id, c->text, c->len) != 0)
			continue;
		if (rec->id[c->len] == '\0')
			m->exact = 1;
		if (m->n < CUT_CANDIDATES)
			memcpy(m->ids[m->n], rec->id, sizeof(m->ids[0]));
		m->n++;
	}
	if (r == -1)
		cli_error("cannot read '%s': %s", path, strerror(errno));
	logread_close(&lr);
	return r;
}

/*
 * An id cut names a record of tasks.jsonl or annotations.jsonl by its
 * whole id or, as git takes hashes, by a prefix only one id starts with
 * (such as the 12 digits lshook tail shows).  A whole id wins over the
 * longer ids it begins ("sha256:<hex>" before "sha256:<hex>.<random>").
 * Returns 0 with c->text the whole id, or -1 (reported, candidates
 * listed when several ids match).
 */
static int
resolve_id(struct cut *c, int dirfd, const char *dir)
{
	struct id_matches m;
	size_t i;

	memset(&m, 0, sizeof(m));
	if (match_ids(&m, dirfd, dir, store_name(LSH_LOG_TASKS), c) == -1 ||
	    match_ids(&m, dirfd, dir, store_name(LSH_LOG_ANNOTATIONS), c) == -1)
		return -1;
	if (m.exact)
		return 0;
	if (m.n == 0) {
		cli_error("no record of tasks.jsonl or annotations.jsonl in "
		    "'%s' has an id starting with '%s'", dir, c->text);
		return -1;
	}
	if (m.n > 1) {
		cli_error("id prefix '%s' is ambiguous: %zu records match",
		    c->text, m.n);
		for (i = 0; i < m.n && i < CUT_CANDIDATES; i++)
			put_masked(stderr, m.ids[i]);
		if (m.n > CUT_CANDIDATES)
			fprintf(stderr, "  (and %zu more)\n",
			    m.n - CUT_CANDIDATES);
		return -1;
	}
	c->len = strlen(m.ids[0]);
	memcpy(c->text, m.ids[0], c->len + 1);
	return 0;
}

static int
source_next(struct source *s)
{
	int r;

	s->rec = NULL;
	if (!s->open)
		return 0;
	r = logread_next(&s->lr, &s->rec);
	if (r == 1)
		return 0;
	s->rec = NULL;
	if (r == 0)
		return 0;
	cli_error("cannot read '%s': %s", s->path, strerror(errno));
	return -1;
}

/* Open a log of the directory and read its first record; none if missing. */
static int
source_open(struct source *s, int dirfd, const char *dir, const char *name)
{
	size_t dlen = strlen(dir);
	int fd;

	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	snprintf(s->path, sizeof(s->path), "%.*s/%s", (int)dlen, dir, name);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1 && errno == ENOENT)
		return 0;
	if (fd != -1) {
		s->open = 1;
		if (logread_init(&s->lr, fd, s->path) == 0) {
			s->lr.report = report_line;
			return source_next(s);
		}
	}
	cli_error("cannot open '%s': %s", s->path, strerror(errno));
	return -1;
}

static void
source_close(struct source *s)
{
	if (s->open)
		logread_close(&s->lr);
	s->open = 0;
}

/* The source whose next record comes first; tasks win ties. */
static struct source *
earliest(struct source *src)
{
	if (src[0].rec == NULL)
		return src[1].rec != NULL ? &src[1] : NULL;
	if (src[1].rec == NULL)
		return &src[0];
	if (strcmp(src[0].rec->received_at, src[1].rec->received_at) <= 0)
		return &src[0];
	return &src[1];
}

static int
in_cut(const struct cut *c, const struct logrec *rec)
{
	if (c->kind != CUT_TIME)
		return 1;
	return strncmp(rec->received_at, c->text, c->len) <= 0;
}

/* Apply records in order; 1 when an id cut was reached, 0, or -1. */
static int
merge(struct dataset *ds, struct source *src, const struct cut *cut)
{
	struct source *s;

	while ((s = earliest(src)) != NULL) {
		if (in_cut(cut, s->rec) && ds_apply(ds, s->rec, s->path) == -1)
			return -1;
		if (cut->kind == CUT_ID && strcmp(s->rec->id, cut->text) == 0)
			return 1;
		if (source_next(s) == -1)
			return -1;
		progress_update(src[0].lr.consumed + src[1].lr.consumed);
	}
	return 0;
}

int
replay(struct dataset *ds, const char *dir, struct cut *cut)
{
	struct source src[2];
	int dirfd, r = -1;

	memset(src, 0, sizeof(src));
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd == -1) {
		cli_error("cannot open data directory '%s': %s", dir,
		    strerror(errno));
		return -1;
	}
	if (cut->kind == CUT_ID && resolve_id(cut, dirfd, dir) == -1)
		goto out;
	if (source_open(&src[0], dirfd, dir, store_name(LSH_LOG_TASKS)) == -1 ||
	    source_open(&src[1], dirfd, dir,
	    store_name(LSH_LOG_ANNOTATIONS)) == -1)
		goto out;
	progress_start(src[0].lr.size + src[1].lr.size);
	r = merge(ds, src, cut);
	progress_end();
	if (r == 0 && cut->kind == CUT_ID) {
		cli_error("no record with id '%s' in '%s'", cut->text, dir);
		r = -1;
	}
out:
	source_close(&src[0]);
	source_close(&src[1]);
	close(dirfd);
	return r == -1 ? -1 : 0;
}
