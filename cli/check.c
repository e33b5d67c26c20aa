/*
 * check.c: "lshook check": validate every JSONL log of a data directory.
 *
 * Each log is read one line at a time (logread), so memory grows with
 * the number of distinct ids of one log, never with its size: ids are
 * kept as 16-byte BLAKE2b digests with the line they were first seen on.
 * Problems are printed as they are found, one a line, then a summary.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "cli.h"
#include "jtree.h"
#include "logread.h"
#include "progress.h"

static const char usage[] = "lshook check [-d DATA_DIR] [--json]";

static const char help[] =
"Check every *.jsonl log of the data directory, line by line: each line\n"
"is JSON; the records of tasks, annotations, projects, training and\n"
"ignored.jsonl carry the envelope (v 1, id, received_at, action, family,\n"
"project_id, task_ids, annotation_ids, payload) with the right types;\n"
"ontology.jsonl and commands.jsonl carry their own fields; ids are unique\n"
"within each log (derived records included).  A torn line left by a crash\n"
"is reported with its log and line number.  Logs are read as a stream:\n"
"memory grows with the number of ids in a log, not with its size.  A line\n"
"being written while the check runs can show as torn: check again.\n"
"\n"
"  -d, --data-dir DIR   the data directory (default: $LSHOOK_DATA_DIR)\n"
"  -j, --json           print one JSON report instead of text\n"
"  -h, --help           print this help\n"
"\n"
"Output: one line per problem (\"tasks.jsonl:17: torn line (not JSON)\"),\n"
"then \"N records in M logs, K problems\".  Exit status: 0 no problem,\n"
"1 problems found, 2 usage error or unreadable data directory.\n";

enum kind {
	K_EVENT,	/* tasks, annotations, projects, training */
	K_IGNORED,
	K_ONTOLOGY,
	K_COMMANDS,
	K_OTHER		/* another *.jsonl: JSON only */
};

static const struct {
	const char	*name;
	enum kind	 kind;
	const char	*family;	/* what "family" must say */
} known[] = {
	{ "tasks.jsonl",	K_EVENT,	"tasks" },
	{ "annotations.jsonl",	K_EVENT,	"annotations" },
	{ "projects.jsonl",	K_EVENT,	"projects" },
	{ "training.jsonl",	K_EVENT,	"training" },
	{ "ignored.jsonl",	K_IGNORED,	NULL },
	{ "ontology.jsonl",	K_ONTOLOGY,	NULL },
	{ "commands.jsonl",	K_COMMANDS,	NULL },
};
#define NKNOWN	(sizeof(known) / sizeof(known[0]))

/* Ids seen in one log: open addressing, line 0 marks a free slot. */
struct idslot {
	unsigned char	key[16];
	unsigned long	line;
};

struct idset {
	struct idslot	*v;
	size_t		 cap;		/* a power of two, or 0 */
	size_t		 n;
};

struct logstat {
	char		*name;
	unsigned long	 lines;
	unsigned long	 records;
	unsigned long	 problems;
};

struct check {
	const char	*dir;
	int		 json;
	unsigned long	 records;
	unsigned long	 problems;
	unsigned long	 logs;
	off_t		 total;		/* bytes of every log, for progress */
	off_t		 done;
	struct logstat	*cur;
	int		 fatal;		/* out of memory: give up */
};

/* --- output ------------------------------------------------------------ */

/* s as the inside of a JSON string (text output uses it for ids too). */
static void
put_escaped(const char *s, size_t n)
{
	struct buf b = { 0 };

	buf_json_escape(&b, s, n);
	if (!b.failed && b.len > 0)
		fwrite(b.p, 1, b.len, stdout);
	buf_free(&b);
}

/* Text output: control bytes of ids and paths become '?'. */
static void
put_text(const char *s)
{
	for (; *s != '\0'; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void
put_jstr(const char *s)
{
	putchar('"');
	put_escaped(s, strlen(s));
	putchar('"');
}

/*
 * One problem of log at line (0: the log as a whole).  id and first are
 * given for a duplicate id.
 */
static void problem(struct check *, const char *log, unsigned long line,
    const char *kind, const char *id, unsigned long first, const char *fmt,
    ...) __attribute__((format(printf, 7, 8)));

static void
problem(struct check *ck, const char *log, unsigned long line,
    const char *kind, const char *id, unsigned long first, const char *fmt,
    ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	progress_clear();
	if (ck->cur != NULL)
		ck->cur->problems++;
	if (!ck->json) {
		put_text(log);
		if (line > 0)
			printf(":%lu", line);
		fputs(": ", stdout);
		put_text(msg);
		putchar('\n');
	} else {
		fputs(ck->problems > 0 ? ",\n  " : "\n  ", stdout);
		fputs("{\"log\":", stdout);
		put_jstr(log);
		if (line > 0)
			printf(",\"line\":%lu", line);
		printf(",\"kind\":\"%s\"", kind);
		if (id != NULL) {
			fputs(",\"id\":", stdout);
			put_jstr(id);
			printf(",\"first_line\":%lu", first);
		}
		fputs(",\"message\":", stdout);
		put_jstr(msg);
		putchar('}');
	}
	ck->problems++;
}

/* --- ids --------------------------------------------------------------- */

static int
idset_grow(struct idset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024, i, j;
	struct idslot *v;

	v = calloc(cap, sizeof(*v));
	if (v == NULL)
		return -1;
	for (i = 0; i < s->cap; i++) {
		if (s->v[i].line == 0)
			continue;
		memcpy(&j, s->v[i].key, sizeof(j));
		for (j &= cap - 1; v[j].line != 0; j = (j + 1) & (cap - 1))
			;
		v[j] = s->v[i];
	}
	free(s->v);
	s->v = v;
	s->cap = cap;
	return 0;
}

/*
 * Remember id at line.  Returns 0 when new, the line of its first
 * occurrence when seen before, or -1 when out of memory.
 */
static long
idset_add(struct idset *s, const char *id, size_t len, unsigned long line)
{
	unsigned char key[16];
	size_t i;

	if ((s->n + 1) * 2 > s->cap && idset_grow(s) == -1)
		return -1;
	crypto_generichash(key, sizeof(key), (const unsigned char *)id, len,
	    NULL, 0);
	memcpy(&i, key, sizeof(i));
	for (i &= s->cap - 1; s->v[i].line != 0; i = (i + 1) & (s->cap - 1))
		if (memcmp(s->v[i].key, key, sizeof(key)) == 0)
			return (long)s->v[i].line;
	memcpy(s->v[i].key, key, sizeof(key));
	s->v[i].line = line;
	s->n++;
	return 0;
}

static void
idset_free(struct idset *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* --- fields ------------------------------------------------------------ */

/* What is wrong with one record, joined by "; ". */
struct issues {
	char	text[768];
	size_t	len;
	int	count;
};

static void add_issue(struct issues *, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
add_issue(struct issues *is, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (is->len + 8 >= sizeof(is->text)) {
		is->count++;
		return;
	}
	if (is->count > 0) {
		memcpy(is->text + is->len, "; ", 2);
		is->len += 2;
	}
	va_start(ap, fmt);
	n = vsnprintf(is->text + is->len, sizeof(is->text) - is->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		is->len += (size_t)n < sizeof(is->text) - is->len ? (size_t)n :
		    sizeof(is->text) - is->len - 1;
	is->count++;
}

/* Accepted types of a field, or'ed. */
#define T_NULL		0x01
#define T_BOOL		0x02
#define T_NUMBER	0x04
#define T_STRING	0x08
#define T_ARRAY		0x10
#define T_OBJECT	0x20

static int
type_bit(enum jtype t)
{
	switch (t) {
	case JT_NULL:	return T_NULL;
	case JT_FALSE:
	case JT_TRUE:	return T_BOOL;
	case JT_NUMBER:	return T_NUMBER;
	case JT_STRING:	return T_STRING;
	case JT_ARRAY:	return T_ARRAY;
	case JT_OBJECT:	return T_OBJECT;
	}
	return 0;
}

static const char *
type_words(int types)
{
	switch (types) {
	case T_BOOL:		return "a boolean";
	case T_NUMBER:		return "a number";
	case T_STRING:		return "a string";
	case T_ARRAY:		return "an array";
	case T_OBJECT:		return "an object";
	case T_NUMBER | T_NULL:	return "a number or null";
	case T_STRING | T_NULL:	return "a string or null";
	default:		return "of the right type";
	}
}

/*
 * The member name of root when it has one of the types, else NULL with
 * the issue noted (missing, or of another type).  Optional members may
 * be absent without an issue.
 */
static const struct jnode *
field(struct issues *is, const struct jnode *root, const char *name,
    int types, int optional)
{
	const struct jnode *n = jtree_get(root, name);

	if (n == NULL) {
		if (!optional)
			add_issue(is, "missing field %s", name);
		return NULL;
	}
	if (!(type_bit(n->type) & types)) {
		add_issue(is, "field %s is not %s", name, type_words(types));
		return NULL;
	}
	return n;
}

/* The string field name decoded into dst; -1 when it is not one. */
static long
string_field(struct issues *is, const struct jnode *root, const char *name,
    char *dst, size_t dstsz)
{
	const struct jnode *n = field(is, root, name, T_STRING, 0);
	long len;

	if (n == NULL)
		return -1;
	len = jtree_string(n, dst, dstsz);
	if (len < 0)
		add_issue(is, "field %s holds a NUL or is too long", name);
	return len;
}

/* "v": exactly the number 1. */
static void
check_version(struct issues *is, const struct jnode *root)
{
	const struct jnode *v = field(is, root, "v", T_NUMBER, 0);

	if (v != NULL && (v->toklen != 1 || v->tok[0] != '1'))
		add_issue(is, "field v is %.*s, not 1",
		    (int)(v->toklen < 20 ? v->toklen : 20), v->tok);
}

/* A time as lshook writes it: 2026-11-26T18:26:47.978609Z. */
static void
check_time(struct issues *is, const struct jnode *root, const char *name)
{
	static const char shape[] = "DDDD-DD-DDTDD:DD:DD.DDDDDDZ";
	const struct jnode *n = field(is, root, name, T_STRING, 0);
	size_t i;

	if (n == NULL)
		return;
	/* the token, quotes included: no escapes in a well-formed time */
	if (n->toklen == sizeof(shape) + 1) {
		for (i = 0; i < sizeof(shape) - 1; i++) {
			char c = n->tok[i + 1];

			if (shape[i] == 'D' ? c < '0' || c > '9' : c != shape[i])
				break;
		}
		if (i == sizeof(shape) - 1)
			return;
	}
	add_issue(is, "field %s is not a time like 2026-11-26T18:26:47.978609Z",
	    name);
}

/* Whether a string node is exactly the text s. */
static int
string_is(const struct jnode *n, const char *s)
{
	size_t len = strlen(s);

	return n != NULL && n->type == JT_STRING && n->toklen == len + 2 && memcmp(n->tok + 1, s, len) == 0;
}

static void
check_event(struct issues *is, const struct jnode *root, enum kind kind,
    const char *family, char *id, size_t idsz, long *idlen)
{
	const struct jnode *n;

	check_version(is, root);
	*idlen = string_field(is, root, "id", id, idsz);
	if (*idlen == 0)
		add_issue(is, "field id is empty");
	check_time(is, root, "received_at");
	field(is, root, "action", T_STRING, 0);
	n = field(is, root, "family", kind == K_IGNORED ? T_STRING | T_NULL :
	    T_STRING, 0);
	if (n != NULL && family != NULL && !string_is(n, family))
		add_issue(is, "field family is %.*s, not \"%s\"",
		    (int)(n->toklen < 40 ? n->toklen : 40), n->tok, family);
	if (kind == K_IGNORED) {
		field(is, root, "endpoint", T_STRING, 0);
		field(is, root, "reason", T_STRING, 0);
	}
	field(is, root, "project_id", T_NUMBER | T_NULL, 0);
	field(is, root, "task_ids", T_ARRAY, 0);
	field(is, root, "annotation_ids", T_ARRAY, 0);
	field(is, root, "payload", T_OBJECT, 0);
}

static void
check_ontology(struct issues *is, const struct jnode *root)
{
	const struct jnode *change;

	check_version(is, root);
	check_time(is, root, "at");
	field(is, root, "event_id", T_STRING, 0);
	field(is, root, "project_id", T_NUMBER, 0);
	field(is, root, "control", T_STRING, 0);
	field(is, root, "label", T_STRING, 0);
	change = field(is, root, "change", T_STRING, 0);
	field(is, root, "alias", T_STRING, 1);
	if (change == NULL)
		return;
	if (string_is(change, "first_used"))
		field(is, root, "declared", T_BOOL, 0);
	else if (!string_is(change, "declared") && !string_is(change, "removed"))
		add_issue(is, "field change is %.*s, not declared, removed or "
		    "first_used", (int)(change->toklen < 40 ? change->toklen : 40),
		    change->tok);
}

static void
check_command(struct issues *is, const struct jnode *root)
{
	check_version(is, root);
	check_time(is, root, "at");
	field(is, root, "event_id", T_STRING, 0);
	field(is, root, "action", T_STRING, 0);
	field(is, root, "family", T_STRING, 0);
	field(is, root, "project_id", T_NUMBER | T_NULL, 0);
	field(is, root, "command", T_ARRAY, 0);
	if (jtree_get(root, "skipped") != NULL) {
		field(is, root, "skipped", T_STRING, 0);
		return;
	}
	field(is, root, "exit", T_NUMBER | T_NULL, 0);
	field(is, root, "signal", T_NUMBER | T_NULL, 0);
	field(is, root, "timed_out", T_BOOL, 0);
	field(is, root, "duration_ms", T_NUMBER, 0);
	field(is, root, "stdout", T_STRING, 0);
	field(is, root, "stderr", T_STRING, 0);
	field(is, root, "truncated", T_BOOL, 0);
}

/* --- one log ----------------------------------------------------------- */

struct logctx {
	struct check	*ck;
	const char	*name;
};

/* logread's report: a line too long to keep. */
static void
report_line(void *arg, const char *path, unsigned long lineno, const char *why)
{
	struct logctx *lc = arg;

	(void)path;
	problem(lc->ck, lc->name, lineno, "overlong", NULL, 0, "%s", why);
}

static void
check_line(struct check *ck, const char *name, enum kind kind,
    const char *family, struct idset *ids, const char *line, size_t len,
    unsigned long lineno, int unterminated)
{
	char id[1024];
	struct issues is = { .len = 0 };
	const struct jnode *payload, *action;
	struct jtree t;
	enum lsh_err e;
	long idlen = -1, first;

	if (len == 0) {
		problem(ck, name, lineno, "empty", NULL, 0, "empty line");
		return;
	}
	e = jtree_parse(&t, line, len, 1);
	if (e == LSH_E_NOMEM) {
		jtree_free(&t);
		cli_error("out of memory reading %s line %lu", name, lineno);
		ck->fatal = 1;
		return;
	}
	if (e != LSH_OK) {
		jtree_free(&t);
		problem(ck, name, lineno, "torn", NULL, 0, "torn line (not JSON)");
		return;
	}
	ck->records++;
	ck->cur->records++;
	if (unterminated)
		problem(ck, name, lineno, "unterminated", NULL, 0,
		    "last line has no newline (a write was cut short)");
	if (kind != K_OTHER && t.root->type != JT_OBJECT) {
		jtree_free(&t);
		problem(ck, name, lineno, "field", NULL, 0, "not a JSON object");
		return;
	}
	switch (kind) {
	case K_EVENT:
	case K_IGNORED:
		check_event(&is, t.root, kind, family, id, sizeof(id), &idlen);
		break;
	case K_ONTOLOGY:
		check_ontology(&is, t.root);
		break;
	case K_COMMANDS:
		check_command(&is, t.root);
		break;
	case K_OTHER:
		break;
	}
	if (is.count > 0)
		problem(ck, name, lineno, "field", NULL, 0, "%s", is.text);
	/* Logs written before lshook 0.7 gave every body that is only
	 * {"action": ...} (send_payload=false) the same sha256 id; such
	 * records have ids of exactly "sha256:" and 64 digits, while newer
	 * ones end in a random ".<16 digits>" (every id is unique).  The
	 * payload is folded at this depth (no kids): a bare one is its
	 * action's token and nothing else, as the handler judges it
	 * (event_has_identity). */
	payload = kind == K_EVENT || kind == K_IGNORED ?
	    jtree_get(t.root, "payload") : NULL;
	action = jtree_get(t.root, "action");
	if (idlen > 0 && payload != NULL && payload->type == JT_OBJECT &&
	    action != NULL && payload->toklen == strlen("{\"action\":}") +
	    action->toklen && strncmp(payload->tok, "{\"action\":", 10) == 0 &&
	    strncmp(id, "sha256:", 7) == 0 && idlen == 7 + 64)
		idlen = 0;
	jtree_free(&t);
	if (idlen <= 0)
		return;
	first = idset_add(ids, id, (size_t)idlen, lineno);
	if (first == -1) {
		cli_error("out of memory: too many ids in %s", name);
		ck->fatal = 1;
	} else if (first > 0)
		problem(ck, name, lineno, "duplicate", id, (unsigned long)first,
		    "duplicate id %s (first at line %ld)", id, first);
}

static void
check_log(struct check *ck, int dirfd, const char *name, enum kind kind,
    const char *family)
{
	char path[4096];
	struct logctx lc = { ck, name };
	struct idset ids = { 0 };
	struct logread lr;
	struct stat st;
	const char *line;
	size_t len;
	off_t base = ck->done;
	int fd, r;

	ck->logs++;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		problem(ck, name, 0, "unreadable", NULL, 0, "cannot stat: %s",
		    strerror(errno));
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		problem(ck, name, 0, "not_regular", NULL, 0,
		    "a symbolic link (handlers refuse to write through it)");
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		problem(ck, name, 0, "not_regular", NULL, 0,
		    "not a regular file");
		return;
	}
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd == -1) {
		problem(ck, name, 0, "unreadable", NULL, 0, "cannot open: %s",
		    strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", ck->dir, name);
	if (logread_init(&lr, fd, path) == -1) {
		problem(ck, name, 0, "unreadable", NULL, 0, "cannot read: %s",
		    strerror(errno));
		logread_close(&lr);
		return;
	}
	lr.report = report_line;
	lr.report_arg = &lc;
	while (!ck->fatal && (r = logread_line(&lr, &line, &len)) == 1) {
		ck->cur->lines++;
		check_line(ck, name, kind, family, &ids, line, len, lr.lineno,
		    lr.torn);
		if ((lr.lineno & 1023) == 0) {
			ck->done = base + lr.consumed;
			progress_update(ck->done);
		}
	}
	if (!ck->fatal && r == -1) {
		if (errno == ENOMEM) {
			cli_error("out of memory reading %s", path);
			ck->fatal = 1;
		} else
			problem(ck, name, lr.lineno + 1, "unreadable", NULL, 0,
			    "read error: %s", strerror(errno));
	}
	ck->cur->lines = lr.lineno;
	ck->done = base + lr.consumed;
	logread_close(&lr);
	idset_free(&ids);
}

/* --- the directory ----------------------------------------------------- */

static int
known_index(const char *name)
{
	size_t i;

	for (i = 0; i < NKNOWN; i++)
		if (strcmp(known[i].name, name) == 0)
			return (int)i;
	return (int)NKNOWN;
}

/* The known logs first, in their usual order, then the others by name. */
static int
cmp_names(const void *a, const void *b)
{
	const struct logstat *x = a, *y = b;
	int i = known_index(x->name), j = known_index(y->name);

	if (i != j)
		return i - j;
	return strcmp(x->name, y->name);
}

static int
is_jsonl(const char *name)
{
	size_t n = strlen(name);

	return n > 6 && strcmp(name + n - 6, ".jsonl") == 0;
}

/* The *.jsonl names of the directory; -1 on error (reported). */
static long
list_logs(const char *dir, int dirfd, struct logstat **out)
{
	struct logstat *v = NULL, *nv;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int fd;

	fd = dup(dirfd);
	d = fd == -1 ? NULL : fdopendir(fd);
	if (d == NULL) {
		cli_error("cannot read data directory '%s': %s", dir,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (!is_jsonl(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL)
				goto nomem;
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		v[n].name = strdup(de->d_name);
		if (v[n].name == NULL)
			goto nomem;
		n++;
	}
	if (errno != 0) {
		cli_error("cannot read data directory '%s': %s", dir,
		    strerror(errno));
		goto fail;
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), cmp_names);
	*out = v;
	return (long)n;
nomem:
	cli_error("out of memory");
fail:
	closedir(d);
	while (n-- > 0)
		free(v[n].name);
	free(v);
	return -1;
}

static const char *
plural(unsigned long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static int
run_check(const char *dir, int json)
{
	struct check ck = { .dir = dir, .json = json };
	struct logstat *logs = NULL;
	struct stat st;
	long n, i;
	int dirfd, k, rc;

	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd == -1) {
		cli_error("cannot open data directory '%s': %s", dir,
		    strerror(errno));
		return CLI_ERROR;
	}
	n = list_logs(dir, dirfd, &logs);
	if (n == -1) {
		close(dirfd);
		return CLI_ERROR;
	}
	for (i = 0; i < n; i++)
		if (fstatat(dirfd, logs[i].name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			ck.total += st.st_size;
	if (json) {
		fputs("{\"data_dir\":", stdout);
		put_jstr(dir);
		fputs(",\"problems\":[", stdout);
	}
	progress_start(ck.total);
	for (i = 0; i < n && !ck.fatal; i++) {
		k = known_index(logs[i].name);
		ck.cur = &logs[i];
		check_log(&ck, dirfd, logs[i].name, k < (int)NKNOWN ?
		    known[k].kind : K_OTHER, k < (int)NKNOWN ? known[k].family :
		    NULL);
	}
	progress_end();
	close(dirfd);
	if (json) {
		fputs(ck.problems > 0 ? "\n],\"logs\":[" : "],\"logs\":[", stdout);
		for (i = 0; i < n; i++) {
			fputs(i ? ",\n  {\"log\":" : "\n  {\"log\":", stdout);
			put_jstr(logs[i].name);
			printf(",\"lines\":%lu,\"records\":%lu,\"problems\":%lu}",
			    logs[i].lines, logs[i].records, logs[i].problems);
		}
		printf("%s],\"logs_checked\":%lu,\"records\":%lu,"
		    "\"problem_count\":%lu,\"complete\":%s,\"ok\":%s}\n",
		    n > 0 ? "\n" : "", ck.logs, ck.records, ck.problems,
		    ck.fatal ? "false" : "true",
		    ck.problems == 0 && !ck.fatal ? "true" : "false");
	} else if (!ck.fatal)
		printf("%lu %s in %lu %s, %lu %s\n", ck.records,
		    plural(ck.records, "record", "records"), ck.logs,
		    plural(ck.logs, "log", "logs"), ck.problems,
		    plural(ck.problems, "problem", "problems"));
	for (i = 0; i < n; i++)
		free(logs[i].name);
	free(logs);
	rc = ck.problems > 0 ? CLI_DIFFERENT : CLI_OK;
	if (ck.fatal)
		rc = CLI_ERROR;
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cli_error("cannot write the report: %s", strerror(errno));
		rc = CLI_ERROR;
	}
	return rc;
}

int
cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "data-dir",	required_argument,	NULL, 'd' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *dir = NULL;
	int c, json = 0;

	while ((c = getopt_long(argc, argv, ":d:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'j':
			json = 1;
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
	dir = cli_data_dir(dir);
	if (dir == NULL)
		return CLI_ERROR;
	if (sodium_init() < 0) {
		cli_error("cannot initialise libsodium");
		return CLI_ERROR;
	}
	return run_check(dir, json);
}
