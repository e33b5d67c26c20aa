/*
 * tail.c: "lshook tail": the last events of the logs, merged by
 * received_at, one readable line each, and with -f the events that
 * arrive after.  Following polls the logs; a new inode at a log's path
 * (logrotate's create) is read from its start once the old file is
 * drained, and a file that shrank (copytruncate) is read again from 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "jtree.h"
#include "logread.h"

static const char usage[] =
    "lshook tail [-d DATA_DIR] [-f] [--json] [--family F]... "
    "[--action A]...\n"
    "                   [--project ID] [-n N]";

static const char help[] =
"Print the last N events of the data directory's logs (tasks, annotations,\n"
"projects, training and ignored), merged by received_at, one line each:\n"
"\n"
"  2026-11-26T18:26:47Z  ANNOTATION_CREATED   project 1      "
"tasks 4            annotations 17           sha256:96df1a2b3c4d\n"
"\n"
"Lists of ids longer than the column end in +K (K more); sha256: ids are\n"
"cut to 12 digits; events of ignored.jsonl end in (ignored).\n"
"\n"
"  -d, --data-dir DIR   the data directory (default: $LSHOOK_DATA_DIR)\n"
"  -n, --lines N        how many events (default 10; 0 with -f: only new)\n"
"  -f, --follow         then print new events as they arrive, until\n"
"                       interrupted (SIGINT or SIGTERM: exit 0)\n"
"  -j, --json           print the log lines as they are\n"
"  -F, --family F       only the log of F: tasks, annotations, projects,\n"
"                       training or ignored (repeatable)\n"
"  -a, --action A       only events of action A (repeatable)\n"
"  -p, --project ID     only events of project ID\n"
"  -h, --help           print this help\n"
"\n"
"Lines that are not records (a torn line after a crash) are reported and\n"
"skipped.  Exit status: 0 printed, 2 error.\n";

#define MAX_ACTIONS	32
#define MAX_N		1000000
#define POLL_MS		200
#define READ_CHUNK	65536

struct tail_opts {
	const char	*dir;
	long		 n;
	int		 follow;
	int		 json;
	int		 logs[CLI_NLOGS];	/* 1: read this log */
	const char	*actions[MAX_ACTIONS];
	size_t		 nactions;
	const char	*project;
};

/* One event to print. */
struct tev {
	char		 at[LOGREAD_MAX_TIME + 1];	/* received_at */
	int		 log;
	unsigned long	 seq;		/* read order, for ties */
	char		*text;		/* the output line, no newline */
};

/* A log being read. */
struct tlog {
	int		 idx;		/* in cli_logs */
	char		 path[4096];
	int		 fd;		/* -1: not open */
	dev_t		 dev;
	ino_t		 ino;
	off_t		 off;		/* bytes read */
	unsigned long	 lineno;	/* complete lines seen */
	struct buf	 part;		/* a line not ended yet */
};

/* Events kept: a ring of the last cap, or all of them when cap is 0. */
struct tlist {
	struct tev	*v;
	size_t		 n;
	size_t		 cap;		/* 0: unbounded */
	size_t		 alloc;
	size_t		 head;		/* ring: the oldest */
	unsigned long	 seq;
};

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* The ids of array node a, as "1,2,3" or "1,2 +5" within width bytes. */
static void
fmt_ids(const struct jnode *a, char *out, size_t width)
{
	char more[24];
	size_t i, len = 0, need;

	strcpy(out, "-");
	if (a == NULL || a->type != JT_ARRAY || a->nkids == 0)
		return;
	for (i = 0; i < a->nkids; i++) {
		need = len + (i > 0) + a->kids[i]->toklen;
		if (i + 1 < a->nkids)
			need += (size_t)snprintf(more, sizeof(more), " +%zu",
			    a->nkids - i - 1);
		if (need > width)
			break;
		if (i > 0)
			out[len++] = ',';
		memcpy(out + len, a->kids[i]->tok, a->kids[i]->toklen);
		len += a->kids[i]->toklen;
	}
	if (i < a->nkids)
		len += (size_t)snprintf(out + len, width + 1 - len, "%s+%zu",
		    len > 0 ? " " : "", a->nkids - i);
	out[len] = '\0';
}

/* The id as shown: sha256: ids cut to 12 digits, controls as '?'. */
static void
fmt_id(const char *id, char *out, size_t outsz)
{
	size_t i, n = strlen(id);

	if (strncmp(id, "sha256:", 7) == 0 && n > 19)
		n = 19;
	if (n > outsz - 1)
		n = outsz - 1;
	for (i = 0; i < n; i++)
		out[i] = (unsigned char)id[i] < 0x20 || id[i] == 0x7f ?
		    '?' : id[i];
	out[i] = '\0';
}

static char *
fmt_event(int log, const char *at, const char *action, const char *id,
    const struct jnode *root)
{
	const struct jnode *p = jtree_get(root, "project_id");
	char when[LOGREAD_MAX_TIME + 1], proj[32], tasks[24], anns[24], shown[64];
	struct buf b = { 0 };

	if (strlen(at) >= 19 && at[10] == 'T')
		snprintf(when, sizeof(when), "%.19sZ", at);
	else
		snprintf(when, sizeof(when), "%s", at);
	snprintf(proj, sizeof(proj), "%.*s", p != NULL && p->type !=
	    JT_NULL && p->toklen < sizeof(proj) ? (int)p->toklen : 1,
	    p != NULL && p->type != JT_NULL ? p->tok : "-");
	fmt_ids(jtree_get(root, "task_ids"), tasks, 12);
	fmt_ids(jtree_get(root, "annotation_ids"), anns, 12);
	fmt_id(id, shown, sizeof(shown));
	buf_printf(&b, "%-20s  %-19s  project %-6s tasks %-12s  "
	    "annotations %-12s  %s%s", when, action, proj, tasks, anns, shown,
	    strcmp(cli_logs[log], "ignored") == 0 ? "  (ignored)" : "");
	if (b.failed)
		return NULL;
	return b.p;
}

/* Whether the record passes the filters. */
static int
wanted(const struct tail_opts *o, const char *action,
    const struct jnode *root)
{
	const struct jnode *p;
	size_t i;

	if (o->project != NULL) {
		p = jtree_get(root, "project_id");
		if (p == NULL || p->type != JT_NUMBER ||
		    p->toklen != strlen(o->project) ||
		    memcmp(p->tok, o->project, p->toklen) != 0)
			return 0;
	}
	if (o->nactions == 0)
		return 1;
	for (i = 0; i < o->nactions; i++)
		if (strcmp(o->actions[i], action) == 0)
			return 1;
	return 0;
}

/* A string member of root into dst; -1 when absent or too long. */
static int
get_str(const struct jnode *root, const char *name, char *dst, size_t sz)
{
	return jtree_string(jtree_get(root, name), dst, sz) < 0 ? -1 : 0;
}

/* Why the parsed line is not a record, or NULL. */
static const char *
not_record(const struct jnode *root, char *id, char *at, char *action)
{
	const struct jnode *v, *payload;

	if (root->type != JT_OBJECT)
		return "not an object";
	v = jtree_get(root, "v");
	if (v == NULL || v->type != JT_NUMBER || v->toklen != 1 ||
	    v->tok[0] != '1')
		return "\"v\" is not 1";
	if (get_str(root, "id", id, LOGREAD_MAX_ID + 1) == -1)
		return "\"id\" is not a short string";
	if (get_str(root, "received_at", at, LOGREAD_MAX_TIME + 1) == -1)
		return "\"received_at\" is not a short string";
	if (get_str(root, "action", action, LOGREAD_MAX_ACTION + 1) == -1)
		return "\"action\" is not a short string";
	payload = jtree_get(root, "payload");
	if (payload == NULL || payload->type != JT_OBJECT)
		return "\"payload\" is not an object";
	return NULL;
}

static int
list_add(struct tlist *l, struct tev *ev)
{
	struct tev *v;
	size_t slot;

	if (l->cap > 0 && l->n == l->cap) {
		slot = l->head;
		free(l->v[slot].text);
		l->v[slot] = *ev;
		l->head = (l->head + 1) % l->cap;
		return 0;
	}
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 64;
		if (l->cap > 0 && l->alloc > l->cap)
			l->alloc = l->cap;
		v = realloc(l->v, l->alloc * sizeof(*v));
		if (v == NULL)
			return -1;
		l->v = v;
	}
	l->v[l->n++] = *ev;
	return 0;
}

static void
list_clear(struct tlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].text);
	l->n = l->head = 0;
}

/*
 * Take one line of a log: a record that passes the filters goes to l;
 * anything else is reported.  Returns 0, or -1 when out of memory.
 */
static int
take_line(const struct tail_opts *o, struct tlog *g, struct tlist *l,
    const char *line, size_t len, int torn)
{
	char id[LOGREAD_MAX_ID + 1], action[LOGREAD_MAX_ACTION + 1];
	struct jtree t;
	const char *bad = NULL;
	struct tev ev;
	enum lsh_err e;
	int rc = 0;

	g->lineno++;
	memset(&t, 0, sizeof(t));
	if (len == 0) {
		cli_error("%s:%lu: skipped an empty line", g->path, g->lineno);
		return 0;
	}
	e = jtree_parse(&t, line, len, 2);
	if (e == LSH_E_NOMEM)
		rc = -1;
	else if (e != LSH_OK)
		cli_error("%s:%lu: skipped %s (%s at byte %zu)", g->path,
		    g->lineno, torn ? "a torn last line" :
		    "a line that is not JSON", t.err, t.err_off);
	else if ((bad = not_record(t.root, id, ev.at, action)) != NULL)
		cli_error("%s:%lu: skipped a line that is not a record (%s)",
		    g->path, g->lineno, bad);
	else if (wanted(o, action, t.root)) {
		ev.log = g->idx;
		ev.seq = l->seq++;
		ev.text = o->json ? strndup(line, len) :
		    fmt_event(g->idx, ev.at, action, id, t.root);
		if (ev.text == NULL || list_add(l, &ev) == -1) {
			free(ev.text);
			rc = -1;
		}
	}
	jtree_free(&t);
	return rc;
}

/*
 * Read what was appended to g since the last call.  Complete lines are
 * taken; an unended last line waits in g->part unless final is set (the
 * file will not grow: take it, torn).  Returns 0, or -1 reported.
 */
static int
read_more(const struct tail_opts *o, struct tlog *g, struct tlist *l,
    int final)
{
	char *nl, *start;
	size_t used;
	ssize_t n;

	for (;;) {
		if (buf_reserve(&g->part, READ_CHUNK) == -1)
			goto nomem;
		n = read(g->fd, g->part.p + g->part.len, READ_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			cli_error("cannot read '%s': %s", g->path,
			    strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		g->off += n;
		start = g->part.p;
		nl = memchr(start + g->part.len, '\n', (size_t)n);
		g->part.len += (size_t)n;
		while (nl != NULL) {
			if (take_line(o, g, l, start, (size_t)(nl - start),
			    0) == -1)
				goto nomem;
			start = nl + 1;
			nl = memchr(start, '\n', (size_t)(g->part.p +
			    g->part.len - start));
		}
		used = (size_t)(start - g->part.p);
		memmove(g->part.p, start, g->part.len - used);
		g->part.len -= used;
	}
	if (final && g->part.len > 0) {
		if (take_line(o, g, l, g->part.p, g->part.len, 1) == -1)
			goto nomem;
		g->part.len = 0;
	}
	return 0;
nomem:
	cli_error("out of memory");
	return -1;
}

static int
by_time(const void *a, const void *b)
{
	const struct tev *x = a, *y = b;
	int c = strcmp(x->at, y->at);

	if (c != 0)
		return c;
	if (x->log != y->log)
		return x->log - y->log;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Print the last n of the events (all when n < 0), in time order. */
static int
print_events(struct tlist *l, long n)
{
	size_t i, from = 0;

	if (l->n > 1)	/* qsort takes no NULL array, even empty */
		qsort(l->v, l->n, sizeof(*l->v), by_time);
	if (n >= 0 && l->n > (size_t)n)
		from = l->n - (size_t)n;
	for (i = from; i < l->n; i++)
		printf("%s\n", l->v[i].text);
	list_clear(l);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("cannot write the output: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Open g's path and note its inode.  0, 1 when absent, -1 reported. */
static int
open_log(struct tlog *g)
{
	struct stat st;

	g->fd = open(g->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (g->fd == -1 && errno == ENOENT)
		return 1;
	if (g->fd == -1 || fstat(g->fd, &st) == -1) {
		cli_error("cannot open '%s': %s", g->path, strerror(errno));
		if (g->fd != -1)
			close(g->fd);
		g->fd = -1;
		return -1;
	}
	g->dev = st.st_dev;
	g->ino = st.st_ino;
	g->off = 0;
	g->lineno = 0;
	g->part.len = 0;
	return 0;
}

/* One poll of a followed log: rotation, truncation, new lines. */
static int
poll_log(const struct tail_opts *o, struct tlog *g, struct tlist *l)
{
	struct stat st;
	int r;

	if (stat(g->path, &st) == -1) {
		if (errno != ENOENT)
			return 0;	/* a passing state; retried */
		return g->fd != -1 ? read_more(o, g, l, 0) : 0;
	}
	if (g->fd != -1 && (st.st_ino != g->ino || st.st_dev != g->dev)) {
		r = read_more(o, g, l, 1);
		close(g->fd);
		g->fd = -1;
		if (r == -1)
			return -1;
	}
	if (g->fd == -1) {
		r = open_log(g);
		return r == 0 ? read_more(o, g, l, 0) : r == 1 ? 0 : -1;
	}
	if (st.st_size < g->off) {
		if (lseek(g->fd, 0, SEEK_SET) == -1)
			return -1;
		g->off = 0;
		g->lineno = 0;
		g->part.len = 0;
	}
	return read_more(o, g, l, 0);
}

static int
follow(const struct tail_opts *o, struct tlog *logs, struct tlist *l)
{
	struct timespec pause = { 0, POLL_MS * 1000000L };
	struct sigaction sa;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop_requested) {
		nanosleep(&pause, NULL);
		for (i = 0; i < CLI_NLOGS && !stop_requested; i++) {
			if (o->logs[i] && poll_log(o, &logs[i], l) == -1)
				return CLI_ERROR;
		}
		if (print_events(l, -1) == -1)
			return CLI_ERROR;
	}
	return CLI_OK;
}

/* Move every event of from to the end of to (unbounded). */
static int
list_move(struct tlist *to, struct tlist *from)
{
	size_t i;

	for (i = 0; i < from->n; i++) {
		if (list_add(to, &from->v[i]) == -1)
			return -1;
	}
	from->n = from->head = 0;
	return 0;
}

/* Read log g whole, keeping its last n events (in one) for all. */
static int
read_log(const struct tail_opts *o, struct tlog *g, struct tlist *all)
{
	struct tlist one = { 0 };
	int r;

	one.cap = o->n > 0 ? (size_t)o->n : 1;
	r = open_log(g);
	if (r == 0)
		r = read_more(o, g, &one, !o->follow);
	if (r == 1)
		r = 0;
	if (r == 0 && list_move(all, &one) == -1) {
		cli_error("out of memory");
		r = -1;
	}
	list_clear(&one);
	free(one.v);
	return r;
}

static int
run_tail(const struct tail_opts *o)
{
	struct tlog logs[CLI_NLOGS];
	struct tlist all = { 0 };
	int i, rc = CLI_OK;

	memset(logs, 0, sizeof(logs));
	for (i = 0; i < CLI_NLOGS; i++) {
		logs[i].idx = i;
		logs[i].fd = -1;
		snprintf(logs[i].path, sizeof(logs[i].path), "%s/%s.jsonl",
		    o->dir, cli_logs[i]);
		if (o->logs[i] && read_log(o, &logs[i], &all) == -1) {
			rc = CLI_ERROR;
			goto out;
		}
	}
	if (print_events(&all, o->n) == -1)
		rc = CLI_ERROR;
	else if (o->follow)
		rc = follow(o, logs, &all);
out:
	list_clear(&all);
	free(all.v);
	for (i = 0; i < CLI_NLOGS; i++) {
		if (logs[i].fd != -1)
			close(logs[i].fd);
		buf_free(&logs[i].part);
	}
	return rc;
}

static int
set_family(struct tail_opts *o, const char *f, int *any)
{
	int i;

	if (!*any)
		memset(o->logs, 0, sizeof(o->logs));
	*any = 1;
	for (i = 0; i < CLI_NLOGS; i++) {
		if (strcmp(f, cli_logs[i]) == 0) {
			o->logs[i] = 1;
			return 0;
		}
	}
	return cli_usage_error(usage, "unknown family '%s' (tasks, "
	    "annotations, projects, training or ignored)", f);
}

static int
parse_args(int argc, char **argv, struct tail_opts *o)
{
	static const struct option longopts[] = {
		{ "data-dir",	required_argument,	NULL, 'd' },
		{ "lines",	required_argument,	NULL, 'n' },
		{ "follow",	no_argument,		NULL, 'f' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "family",	required_argument,	NULL, 'F' },
		{ "action",	required_argument,	NULL, 'a' },
		{ "project",	required_argument,	NULL, 'p' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int c, any = 0;

	while ((c = getopt_long(argc, argv, ":d:n:fjF:a:p:h", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 'f': o->follow = 1; break;
		case 'j': o->json = 1; break;
		case 'n':
			errno = 0;
			o->n = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o->n < 0 ||
			    o->n > MAX_N)
				return cli_usage_error(usage,
				    "bad number of events '%s'", optarg);
			break;
		case 'F':
			if (set_family(o, optarg, &any) != 0)
				return CLI_ERROR;
			break;
		case 'a':
			if (o->nactions == MAX_ACTIONS)
				return cli_usage_error(usage,
				    "more than %d actions", MAX_ACTIONS);
			o->actions[o->nactions++] = optarg;
			break;
		case 'p':
			if (cli_check_project(usage, optarg) == -1)
				return CLI_ERROR;
			o->project = optarg;
			break;
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
	return -1;
}

int
cmd_tail(int argc, char **argv)
{
	struct tail_opts o;
	int i, rc;

	memset(&o, 0, sizeof(o));
	o.n = 10;
	for (i = 0; i < CLI_NLOGS; i++)
		o.logs[i] = 1;
	rc = parse_args(argc, argv, &o);
	if (rc != -1)
		return rc;
	o.dir = cli_data_dir(o.dir);
	if (o.dir == NULL || cli_check_data_dir(o.dir) == -1)
		return CLI_ERROR;
	if (o.n == 0 && !o.follow)
		return CLI_OK;
	return run_tail(&o);
}
