/*
 * stats.c: "lshook stats": what the logs hold, counted in one streaming
 * pass: events per family and action, per project and per day, the first
 * and the last, ignored and duplicate deliveries.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "stats.h"
#include "idmap.h"
#include "jtree.h"
#include "logread.h"

static const char usage[] = "lshook stats [-d DATA_DIR] [--json]";

static const char help[] =
"Count the events of the data directory's logs: per family and action\n"
"(derived TRAIN_REQUESTED and PROJECT_FIRST_SEEN records included), per\n"
"project and per day (UTC), the first and the last received_at, the\n"
"events kept in ignored.jsonl, and the duplicate deliveries when the\n"
"handlers count them (state/stats.db; else \"not counted\").\n"
"Ignored events count only as ignored (and in first and last).\n"
"\n"
"  -d, --data-dir DIR   the data directory (default: $LSHOOK_DATA_DIR)\n"
"  -j, --json           print one JSON object instead\n"
"  -h, --help           print this help\n"
"\n"
"Lines that are not records are reported and skipped.  Exit status: 0\n"
"printed, 2 error.\n";

#define IGNORED_LOG	4	/* cli_logs[4] */

struct count {
	unsigned long	 n;
	int		 log;		/* actions: the family's log */
	size_t		 len;
	char		 key[];		/* actions: without the log byte */
};

struct stats {
	struct idmap	 actions;	/* "<log><action>" */
	struct idmap	 projects;	/* raw project_id token, "null" */
	struct idmap	 days;		/* "YYYY-MM-DD" */
	unsigned long	 events;	/* recorded */
	unsigned long	 ignored;
	unsigned long	 skipped;	/* lines that are not records */
	char		 first[LOGREAD_MAX_TIME + 1];
	char		 last[LOGREAD_MAX_TIME + 1];
	char		 dups[64];	/* a number token, or "" */
	int		 have_dups;	/* state/stats.db read */
};

/* Add one under key (prefix byte log when log >= 0).  -1 out of memory. */
static int
bump(struct idmap *m, int log, const char *key, size_t len)
{
	struct count *c;
	char k[LOGREAD_MAX_ACTION + 2];
	const char *p = key;
	size_t n = len;

	if (log >= 0) {
		k[0] = (char)('0' + log);
		memcpy(k + 1, key, len);
		p = k;
		n = len + 1;
	}
	c = idmap_get(m, p, n);
	if (c != NULL) {
		c->n++;
		return 0;
	}
	c = malloc(sizeof(*c) + n + 1);
	if (c == NULL)
		return -1;
	c->n = 1;
	c->log = log;
	c->len = n;
	memcpy(c->key, p, n);
	c->key[n] = '\0';
	if (idmap_put(m, c->key, n, c) == -1) {
		free(c);
		return -1;
	}
	return 0;
}

static int
count_record(struct stats *s, int log, const struct logrec *r)
{
	const struct jnode *p = r->project_id;

	if (s->first[0] == '\0' || strcmp(r->received_at, s->first) < 0)
		strcpy(s->first, r->received_at);
	if (strcmp(r->received_at, s->last) > 0)
		strcpy(s->last, r->received_at);
	if (log == IGNORED_LOG) {
		s->ignored++;
		return 0;
	}
	s->events++;
	if (bump(&s->actions, log, r->action, strlen(r->action)) == -1 ||
	    bump(&s->projects, -1, p != NULL ? p->tok : "null",
	    p != NULL ? p->toklen : 4) == -1 ||
	    bump(&s->days, -1, r->received_at,
	    strnlen(r->received_at, 10)) == -1)
		return -1;
	return 0;
}

static int
read_log(struct stats *s, const char *dir, int log)
{
	struct logread lr;
	struct logrec *rec;
	char path[4096];
	int r;

	snprintf(path, sizeof(path), "%s/%s.jsonl", dir, cli_logs[log]);
	if (logread_open(&lr, path) == -1) {
		if (errno == ENOENT)
			return 0;
		cli_error("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	lr.prog = cli_name;
	while ((r = logread_next(&lr, &rec)) == 1) {
		if (count_record(s, log, rec) == -1) {
			errno = ENOMEM;
			r = -1;
			break;
		}
	}
	if (r == -1)
		cli_error("cannot read '%s': %s", path, strerror(errno));
	s->skipped += lr.skipped;
	logread_close(&lr);
	return r;
}

/* The duplicate counter the handlers keep in state/stats.db (stats.c). */
static void
read_dups(struct stats *s, const char *dir)
{
	struct stats_state st;
	char path[4096];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/state/stats.db", dir);
	if (stat(path, &sb) == -1)
		return;	/* no status handler counting: "not counted" */
	if (stats_read(dir, &st) == -1) {
		cli_error("cannot read '%s': %s", path, strerror(errno));
		return;
	}
	s->have_dups = 1;
	snprintf(s->dups, sizeof(s->dups), "%llu", (unsigned long long)st.duplicates);
}

static int
by_action(const void *a, const void *b)
{
	const struct count *x = *(struct count *const *)a;
	const struct count *y = *(struct count *const *)b;

	if (x->log != y->log)
		return x->log - y->log;
	return strcmp(x->key, y->key);
}

static int
by_id(const void *a, const void *b)
{
	const struct count *x = *(struct count *const *)a;
	const struct count *y = *(struct count *const *)b;

	return jtree_idcmp(x->key, x->len, y->key, y->len);
}

static int
by_key(const void *a, const void *b)
{
	return strcmp((*(struct count *const *)a)->key,
	    (*(struct count *const *)b)->key);
}

/* The counts of m sorted by cmp, in a malloc'ed array; -1 on ENOMEM. */
static long
sorted(const struct idmap *m, int (*cmp)(const void *, const void *),
    struct count ***out)
{
	long n = idmap_values(m, (void ***)out);

	if (n > 0)
		qsort(*out, (size_t)n, sizeof(**out), cmp);
	return n;
}

struct views {
	struct count	**actions, **projects, **days;
	long		  nactions, nprojects, ndays;
};

static void
put_text(const struct stats *s, const struct views *v)
{
	long i;

	printf("events: %lu\nignored: %lu\n", s->events, s->ignored);
	if (!s->have_dups)
		printf("duplicates: not counted\n");
	else
		printf("duplicates: %s\n", s->dups[0] ? s->dups : "unknown");
	if (s->skipped > 0)
		printf("skipped lines: %lu\n", s->skipped);
	printf("first: %s\nlast: %s\n", s->first[0] ? s->first : "-",
	    s->last[0] ? s->last : "-");
	printf("\nby action:\n");
	for (i = 0; i < v->nactions; i++)
		printf("  %-12s %-22s %8lu\n", cli_logs[v->actions[i]->log],
		    v->actions[i]->key + 1, v->actions[i]->n);
	printf("\nby project:\n");
	for (i = 0; i < v->nprojects; i++)
		printf("  %-12s %8lu\n", v->projects[i]->key,
		    v->projects[i]->n);
	printf("\nby day:\n");
	for (i = 0; i < v->ndays; i++)
		printf("  %-12s %8lu\n", v->days[i]->key, v->days[i]->n);
}

static void
put_json_map(struct buf *b, const char *name, struct count **c, long n)
{
	long i;

	buf_printf(b, ",\"%s\":{", name);
	for (i = 0; i < n; i++) {
		buf_puts(b, i ? ",\"" : "\"");
		buf_json_escape(b, c[i]->key, c[i]->len);
		buf_printf(b, "\":%lu", c[i]->n);
	}
	buf_putc(b, '}');
}

static void
put_json_str(struct buf *b, const char *name, const char *s)
{
	buf_printf(b, ",\"%s\":", name);
	if (*s == '\0') {
		buf_puts(b, "null");
		return;
	}
	buf_putc(b, '"');
	buf_json_escape(b, s, strlen(s));
	buf_putc(b, '"');
}

static int
put_json(const struct stats *s, const struct views *v)
{
	struct buf b = { 0 };
	long i;
	int log = -1;

	buf_printf(&b, "{\"events\":%lu,\"ignored\":%lu,\"duplicates\":%s,"
	    "\"skipped\":%lu", s->events, s->ignored,
	    s->dups[0] ? s->dups : "null", s->skipped);
	put_json_str(&b, "first", s->first);
	put_json_str(&b, "last", s->last);
	buf_puts(&b, ",\"actions\":{");
	for (i = 0; i < v->nactions; i++) {
		if (v->actions[i]->log != log) {
			buf_printf(&b, "%s\"%s\":{", log >= 0 ? "}," : "",
			    cli_logs[v->actions[i]->log]);
			log = v->actions[i]->log;
		} else
			buf_putc(&b, ',');
		buf_putc(&b, '"');
		buf_json_escape(&b, v->actions[i]->key + 1,
		    v->actions[i]->len - 1);
		buf_printf(&b, "\":%lu", v->actions[i]->n);
	}
	buf_puts(&b, log >= 0 ? "}}" : "}");
	put_json_map(&b, "projects", v->projects, v->nprojects);
	put_json_map(&b, "days", v->days, v->ndays);
	buf_puts(&b, "}\n");
	if (!b.failed)
		fwrite(b.p, 1, b.len, stdout);
	buf_free(&b);
	return b.failed ? -1 : 0;
}

static void
free_map(struct idmap *m)
{
	void **v;
	long i, n = idmap_values(m, &v);

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	idmap_free(m);
}

static int
report(const struct stats *s, int json)
{
	struct views v = { 0 };
	int rc = CLI_ERROR;

	v.nactions = sorted(&s->actions, by_action, &v.actions);
	v.nprojects = sorted(&s->projects, by_id, &v.projects);
	v.ndays = sorted(&s->days, by_key, &v.days);
	if (v.nactions < 0 || v.nprojects < 0 || v.ndays < 0)
		cli_error("out of memory");
	else if (json && put_json(s, &v) == -1)
		cli_error("out of memory");
	else {
		if (!json)
			put_text(s, &v);
		rc = CLI_OK;
	}
	free(v.actions);
	free(v.projects);
	free(v.days);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("cannot write the output: %s", strerror(errno));
		rc = CLI_ERROR;
	}
	return rc;
}

int
cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "data-dir",	required_argument,	NULL, 'd' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct stats s;
	const char *dir = NULL;
	int c, json = 0, log, rc = CLI_OK;

	while ((c = getopt_long(argc, argv, ":d:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'j': json = 1; break;
		case 'h':
			printf("usage: %s\n\n%s", usage, help);
			return CLI_OK;
		case ':':
			return cli_usage_error(usage, "option '%s' needs a value",
			    argv[optind - 1]);
		default:
			return cli_usage_error(usage, "unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(usage, "unexpected argument '%s'",
		    argv[optind]);
	dir = cli_data_dir(dir);
	if (dir == NULL || cli_check_data_dir(dir) == -1)
		return CLI_ERROR;
	memset(&s, 0, sizeof(s));
	for (log = 0; log < CLI_NLOGS && rc == CLI_OK; log++)
		if (read_log(&s, dir, log) == -1)
			rc = CLI_ERROR;
	if (rc == CLI_OK) {
		read_dups(&s, dir);
		rc = report(&s, json);
	}
	free_map(&s.actions);
	free_map(&s.projects);
	free_map(&s.days);
	return rc;
}
