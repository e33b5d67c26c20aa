/*
 * diff.c: "lshook diff A B": which tasks and annotations were added,
 * changed or removed between two cuts of the logs or two snapshot files.
 * Both sides become datasets; their sorted ids are walked together and
 * equal ids compared as canonical bytes, so key order and spacing never
 * count as a change.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "cli.h"
#include "dataset.h"
#include "jtree.h"
#include "replay.h"

static const char usage[] =
    "lshook diff A B [-d DATA_DIR] [--project ID] [--json]";

static const char help[] =
"Compare the dataset at A with the dataset at B.  Each is a cut of the logs\n"
"(a time, an event id or a unique prefix of one, as lshook snapshot --until\n"
"takes it, or \"now\"/\"all\" for everything) or\n"
"a snapshot file (json or jsonl, as lshook snapshot writes it or Label\n"
"Studio exports it; an argument naming a file, holding a '/' or ending in\n"
".json or .jsonl is a file).  Prints what B has that A had not, sorted by\n"
"id, tasks first:\n"
"\n"
"  + task 12                    added\n"
"  ~ task 12 data meta          changed, with the keys that differ\n"
"  - task 7                     removed\n"
"  + annotation 33 (task 12)\n"
"  ~ annotation 33 result updated_at\n"
"  - annotation 30 (task 7)\n"
"\n"
"  -d, --data-dir DIR   the data directory (default: $LSHOOK_DATA_DIR)\n"
"  -p, --project ID     only the tasks of project ID\n"
"  -j, --json           print {\"tasks\":{\"added\":[...],\"changed\":[...],\n"
"                       \"removed\":[...]},\"annotations\":{...}} instead\n"
"  -h, --help           print this help\n"
"\n"
"Exit status: 0 the same, 1 different, 2 error.\n";

static const struct option longopts[] = {
	{ "data-dir",	required_argument,	NULL, 'd' },
	{ "project",	required_argument,	NULL, 'p' },
	{ "json",	no_argument,		NULL, 'j' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 }
};

struct opts {
	const char	*dir;
	const char	*project;
	int		 json;
	const char	*side[2];
};

enum { ADDED, CHANGED, REMOVED };
static const char marks[] = "+~-";
static const char *const change_names[] = { "added", "changed", "removed" };

/* A task or an annotation as the walk sees it. */
struct item {
	const char		*id;
	size_t			 idlen;
	const char		*json;
	size_t			 len;
	const struct ds_task	*task;	/* NULL: the item is a task */
};

struct report {
	int		 json;
	int		 differ;
	struct buf	 ids[2][3];	/* [task, annotation][ADDED...] */
	struct buf	 detail;
};

/*
 * Whether arg names a snapshot file rather than a cut: an existing file,
 * a path with a '/', a .json or .jsonl name; never "now" or "all".
 */
static int
is_file_arg(const char *arg)
{
	struct stat st;
	size_t n = strlen(arg);

	if (strcmp(arg, "now") == 0 || strcmp(arg, "all") == 0)
		return 0;
	if (stat(arg, &st) == 0 || strchr(arg, '/') != NULL)
		return 1;
	return (n > 5 && strcmp(arg + n - 5, ".json") == 0) ||
	    (n > 6 && strcmp(arg + n - 6, ".jsonl") == 0);
}

static int
load_side(struct dataset *ds, const struct opts *o, const char *arg)
{
	const char *dir;
	struct cut cut;

	if (is_file_arg(arg))
		return ds_load(ds, arg);
	if (cut_parse(&cut, arg) == -1 || (dir = cli_data_dir(o->dir)) == NULL)
		return -1;
	return replay(ds, dir, &cut);
}

static int
name_cmp(const struct jnode *a, const struct jnode *b)
{
	size_t n = a->namelen < b->namelen ? a->namelen : b->namelen;
	int c = memcmp(a->name, b->name, n);

	if (c != 0)
		return c;
	return a->namelen < b->namelen ? -1 : a->namelen > b->namelen;
}

static int
same_value(const struct jnode *a, const struct jnode *b)
{
	return a->toklen == b->toklen && memcmp(a->tok, b->tok, a->toklen) == 0;
}

/*
 * Append to r->detail, each after a space, the keys whose values differ
 * between two canonical objects (so equal values are equal bytes).
 */
static int
changed_keys(struct report *r, const struct item *a, const struct item *b)
{
	struct jtree ta = { 0 }, tb = { 0 };
	const struct jnode **ma = NULL, **mb = NULL, *k;
	long na = -1, nb = -1, i = 0, j = 0;
	int c;

	if (jtree_parse(&ta, a->json, a->len, 1) == LSH_OK &&
	    jtree_parse(&tb, b->json, b->len, 1) == LSH_OK) {
		na = jtree_members(ta.root, &ma);
		nb = jtree_members(tb.root, &mb);
	}
	while (na >= 0 && nb >= 0 && (i < na || j < nb)) {
		if (i == na || j == nb)
			c = i == na ? 1 : -1;
		else
			c = name_cmp(ma[i], mb[j]);
		k = c <= 0 ? ma[i] : mb[j];
		if (c != 0 || !same_value(ma[i], mb[j])) {
			buf_putc(&r->detail, ' ');
			buf_add(&r->detail, k->key + 1, k->keylen - 2);
		}
		i += c <= 0;
		j += c >= 0;
	}
	free(ma);
	free(mb);
	jtree_free(&ta);
	jtree_free(&tb);
	return na >= 0 && nb >= 0 ? 0 : -1;
}

/* One line, or one id in the JSON lists. */
static void
note(struct report *r, int annotation, int change, const struct item *it)
{
	struct buf *ids = &r->ids[annotation][change];

	r->differ = 1;
	if (r->json) {
		if (ids->len > 0)
			buf_putc(ids, ',');
		buf_add(ids, it->id, it->idlen);
		return;
	}
	printf("%c %s %.*s%.*s\n", marks[change],
	    annotation ? "annotation" : "task", (int)it->idlen, it->id,
	    (int)r->detail.len, r->detail.p != NULL ? r->detail.p : "");
}

static void
task_of(struct report *r, const struct item *it)
{
	buf_printf(&r->detail, " (task %.*s)", (int)it->task->idlen,
	    it->task->id);
}

/* Two items with the same id: a change when their bytes or tasks differ. */
static int
compare(struct report *r, const struct item *a, const struct item *b)
{
	int moved = a->task != NULL && (a->task->idlen != b->task->idlen ||
	    memcmp(a->task->id, b->task->id, a->task->idlen) != 0);

	if (!moved && a->len == b->len && memcmp(a->json, b->json, a->len) == 0)
		return 0;
	if (changed_keys(r, a, b) == -1)
		return -1;
	if (moved)
		buf_printf(&r->detail, " (task %.*s -> %.*s)",
		    (int)a->task->idlen, a->task->id, (int)b->task->idlen,
		    b->task->id);
	note(r, a->task != NULL, CHANGED, a);
	return 0;
}

/* Walk two id-sorted lists together. */
static int
walk(struct report *r, const struct item *a, size_t na, const struct item *b,
    size_t nb)
{
	size_t i = 0, j = 0;
	int c;

	while (i < na || j < nb) {
		r->detail.len = 0;
		if (i == na || j == nb)
			c = i == na ? 1 : -1;
		else
			c = jtree_idcmp(a[i].id, a[i].idlen, b[j].id,
			    b[j].idlen);
		if (c < 0) {
			if (a[i].task != NULL)
				task_of(r, &a[i]);
			note(r, a[i].task != NULL, REMOVED, &a[i]);
		} else if (c > 0) {
			if (b[j].task != NULL)
				task_of(r, &b[j]);
			note(r, b[j].task != NULL, ADDED, &b[j]);
		} else if (compare(r, &a[i], &b[j]) == -1)
			return -1;
		i += c <= 0;
		j += c >= 0;
	}
	return r->detail.failed ? -1 : 0;
}

/* The tasks (annotations: 1) of a dataset as sorted items. */
static long
items_of(const struct dataset *ds, const char *project, int annotations,
    struct item **out)
{
	struct ds_task **t = NULL;
	struct ds_ann **a = NULL;
	struct item *v = NULL;
	long n, i;

	n = annotations ? ds_anns(ds, project, &a) : ds_tasks(ds, project, &t);
	if (n > 0 && (v = calloc((size_t)n, sizeof(*v))) == NULL)
		n = -1;
	for (i = 0; i < n; i++) {
		if (annotations)
			v[i] = (struct item){ a[i]->id, a[i]->idlen, a[i]->json,
			    a[i]->len, a[i]->task };
		else
			v[i] = (struct item){ t[i]->id, t[i]->idlen, t[i]->json,
			    t[i]->len, NULL };
	}
	free(t);
	free(a);
	*out = v;
	return n;
}

static int
walk_kind(struct report *r, struct dataset *ds, const char *project,
    int annotations)
{
	struct item *a = NULL, *b = NULL;
	long na, nb;
	int ret = -1;

	na = items_of(&ds[0], project, annotations, &a);
	nb = items_of(&ds[1], project, annotations, &b);
	if (na >= 0 && nb >= 0)
		ret = walk(r, a, (size_t)na, b, (size_t)nb);
	else
		cli_error("out of memory");
	free(a);
	free(b);
	return ret;
}

static void
print_json(struct report *r)
{
	static const char *const kinds[] = { "tasks", "annotations" };
	int k, c;

	for (k = 0; k < 2; k++) {
		printf("%s\"%s\":{", k == 0 ? "{" : ",", kinds[k]);
		for (c = ADDED; c <= REMOVED; c++)
			printf("%s\"%s\":[%.*s]", c == ADDED ? "" : ",",
			    change_names[c], (int)r->ids[k][c].len,
			    r->ids[k][c].p != NULL ? r->ids[k][c].p : "");
		printf("}");
	}
	printf("}\n");
}

static void
report_free(struct report *r)
{
	int k, c;

	for (k = 0; k < 2; k++)
		for (c = ADDED; c <= REMOVED; c++)
			buf_free(&r->ids[k][c]);
	buf_free(&r->detail);
}

/* Unknown option: name it as typed. */
static int
bad_option(char **argv)
{
	if (optopt != 0)
		return cli_usage_error(usage, "unknown option '-%c'", optopt);
	return cli_usage_error(usage, "unknown option '%s'", argv[optind - 1]);
}

/* -1 to go on; else the exit status (help printed, usage error). */
static int
parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:p:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dir = optarg;
			break;
		case 'p':
			o->project = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'h':
			printf("usage: %s\n\n%s", usage, help);
			return CLI_OK;
		case ':':
			return cli_usage_error(usage,
			    "option '%s' needs a value", argv[optind - 1]);
		default:
			return bad_option(argv);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(usage,
		    "need two sides to compare, got %d", argc - optind);
	if (o->project != NULL && cli_check_project(usage, o->project) == -1)
		return CLI_ERROR;
	o->side[0] = argv[optind];
	o->side[1] = argv[optind + 1];
	return -1;
}

int
cmd_diff(int argc, char **argv)
{
	struct opts o = { 0 };
	struct report r = { 0 };
	struct dataset ds[2];
	int status;

	status = parse_opts(argc, argv, &o);
	if (status != -1)
		return status;
	ds_init(&ds[0]);
	ds_init(&ds[1]);
	r.json = o.json;
	status = CLI_ERROR;
	if (load_side(&ds[0], &o, o.side[0]) == -1 ||
	    load_side(&ds[1], &o, o.side[1]) == -1 ||
	    walk_kind(&r, ds, o.project, 0) == -1 ||
	    walk_kind(&r, ds, o.project, 1) == -1)
		goto out;
	if (r.json)
		print_json(&r);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cli_error("cannot write standard output");
		goto out;
	}
	status = r.differ ? CLI_DIFFERENT : CLI_OK;
out:
	report_free(&r);
	ds_free(&ds[0]);
	ds_free(&ds[1]);
	return status;
}
