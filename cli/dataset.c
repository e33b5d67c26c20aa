/*
 * dataset.c: the dataset a replay builds and a snapshot file holds.
 *
 * Memory grows with the dataset, not with the logs: each task and each
 * annotation is kept once, as the canonical bytes of its object (keys
 * sorted, compact, every token as logged), in hash tables by id.  A record
 * is parsed, applied and dropped; each task or annotation in it is parsed
 * on its own, so one huge bulk record never becomes one huge tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "dataset.h"
#include "jtree.h"
#include "route.h"

/* Where an item came from, for messages. */
struct origin {
	const char	*path;
	unsigned long	 line;
};

static void
warn(const struct origin *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
warn(const struct origin *o, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_error("%s:%lu: %s", o->path, o->line, msg);
}

static int
nomem(void)
{
	cli_error("out of memory");
	return -1;
}

void
ds_init(struct dataset *ds)
{
	memset(ds, 0, sizeof(*ds));
}

static void
free_task(struct ds_task *t)
{
	free(t->json);
	free(t->project);
	free(t);
}

void
ds_free(struct dataset *ds)
{
	size_t i;

	for (i = 0; i < ds->anns.cap; i++)
		if (ds->anns.v[i].key != NULL) {
			free(((struct ds_ann *)ds->anns.v[i].val)->json);
			free(ds->anns.v[i].val);
		}
	for (i = 0; i < ds->tasks.cap; i++)
		if (ds->tasks.v[i].key != NULL)
			free_task(ds->tasks.v[i].val);
	idmap_free(&ds->anns);
	idmap_free(&ds->tasks);
}

/* An id: a number or a string token. */
static int
is_id(const struct jnode *n)
{
	return n != NULL && (n->type == JT_NUMBER || n->type == JT_STRING);
}

/* The id of an item: its "id" member, or the item itself when scalar. */
static const struct jnode *
id_of(const struct jnode *item)
{
	if (item->type == JT_OBJECT)
		item = jtree_get(item, "id");
	return is_id(item) ? item : NULL;
}

/* A payload key holds one object or a list: how many items, and each. */
static size_t
count_items(const struct jnode *v)
{
	if (v == NULL)
		return 0;
	return v->type == JT_ARRAY ? v->nkids : 1;
}

static const struct jnode *
item_at(const struct jnode *v, size_t i)
{
	return v->type == JT_ARRAY ? v->kids[i] : v;
}

/* The payload's value under name, else under alt (NULL: none). */
static const struct jnode *
payload_list(const struct logrec *rec, const char *name, const char *alt)
{
	const struct jnode *v = jtree_get(rec->payload, name);

	return v != NULL ? v : jtree_get(rec->payload, alt);
}

/* Take the bytes out of b (which is left empty).  NULL when b failed. */
static char *
take_bytes(struct buf *b, size_t *len)
{
	char *p;

	if (b->failed) {
		buf_free(b);
		return NULL;
	}
	p = b->len > 0 ? realloc(b->p, b->len) : NULL;
	if (p == NULL)
		p = b->p;
	*len = b->len;
	memset(b, 0, sizeof(*b));
	return p;
}

static struct ds_task *
task_get(struct dataset *ds, const char *id, size_t idlen, int create)
{
	struct ds_task *t = idmap_get(&ds->tasks, id, idlen);

	if (t != NULL || !create)
		return t;
	t = calloc(1, sizeof(*t) + idlen);
	if (t == NULL)
		return NULL;
	memcpy(t->idbuf, id, idlen);
	t->id = t->idbuf;
	t->idlen = idlen;
	if (idmap_put(&ds->tasks, t->id, idlen, t) == -1) {
		free(t);
		return NULL;
	}
	return t;
}

/* Give task t the object in b and, when proj is an id, its project. */
static int
task_set(struct ds_task *t, struct buf *b, size_t ins, const struct jnode *proj)
{
	char *json, *p = NULL;
	size_t len, plen = 0;

	if (is_id(proj)) {
		plen = proj->toklen;
		p = malloc(plen);
		if (p == NULL)
			return -1;
		memcpy(p, proj->tok, plen);
	}
	json = take_bytes(b, &len);
	if (json == NULL) {
		free(p);
		return -1;
	}
	free(t->json);
	t->json = json;
	t->len = len;
	t->ins = ins;
	if (p != NULL) {
		free(t->project);
		t->project = p;
		t->projlen = plen;
	}
	return 0;
}

static void
ann_unlink(struct ds_ann *a)
{
	if (a->prev != NULL)
		a->prev->next = a->next;
	else if (a->task != NULL)
		a->task->anns = a->next;
	if (a->next != NULL)
		a->next->prev = a->prev;
	a->prev = a->next = NULL;
	a->task = NULL;
}

static void
ann_link(struct ds_ann *a, struct ds_task *t)
{
	a->task = t;
	a->prev = NULL;
	a->next = t->anns;
	if (t->anns != NULL)
		t->anns->prev = a;
	t->anns = a;
}

static struct ds_ann *
ann_new(struct dataset *ds, const struct jnode *id)
{
	struct ds_ann *a;

	a = calloc(1, sizeof(*a) + id->toklen);
	if (a == NULL)
		return NULL;
	memcpy(a->idbuf, id->tok, id->toklen);
	a->id = a->idbuf;
	a->idlen = id->toklen;
	if (idmap_put(&ds->anns, a->id, a->idlen, a) == -1) {
		free(a);
		return NULL;
	}
	return a;
}

/*
 * Create or replace annotation ann (a full tree) under task t; with t
 * NULL, a known annotation keeps its task.  0, or -1 when out of memory.
 */
static int
put_ann(struct dataset *ds, const struct jnode *ann, struct ds_task *t,
    const struct origin *o)
{
	const struct jnode *id = jtree_get(ann, "id");
	struct buf b = { 0 };
	struct ds_ann *a;
	char *json;
	size_t len;

	if (!is_id(id)) {
		warn(o, "skipped an annotation without an id");
		return 0;
	}
	a = idmap_get(&ds->anns, id->tok, id->toklen);
	if (a == NULL && t == NULL) {
		warn(o, "skipped annotation %.*s: no task id", (int)id->toklen,
		    id->tok);
		return 0;
	}
	if (jtree_write_canon(&b, ann) != LSH_OK ||
	    (json = take_bytes(&b, &len)) == NULL)
		return -1;
	if (a == NULL && (a = ann_new(ds, id)) == NULL) {
		free(json);
		return -1;
	}
	free(a->json);
	a->json = json;
	a->len = len;
	if (t != NULL && a->task != t) {
		ann_unlink(a);
		ann_link(a, t);
	}
	return 0;
}

static void
delete_ann(struct dataset *ds, const struct jnode *id)
{
	struct ds_ann *a = idmap_del(&ds->anns, id->tok, id->toklen);

	if (a == NULL)
		return;
	ann_unlink(a);
	free(a->json);
	free(a);
}

static void
delete_task(struct dataset *ds, const struct jnode *id)
{
	struct ds_task *t = idmap_del(&ds->tasks, id->tok, id->toklen);
	struct ds_ann *a, *next;

	if (t == NULL)
		return;
	for (a = t->anns; a != NULL; a = next) {
		next = a->next;
		idmap_del(&ds->anns, a->id, a->idlen);
		free(a->json);
		free(a);
	}
	free_task(t);
}

/* Whether member m's key sorts after "annotations". */
static int
after_annotations(const struct jnode *m)
{
	static const char key[] = "annotations";
	size_t n = m->namelen < sizeof(key) - 1 ? m->namelen : sizeof(key) - 1;
	int c = memcmp(m->name, key, n);

	return c > 0 || (c == 0 && m->namelen > sizeof(key) - 1);
}

static int
is_annotations(const struct jnode *m)
{
	return m->namelen == 11 && memcmp(m->name, "annotations", 11) == 0;
}

/*
 * Task object task (a full tree) in canonical form without its
 * "annotations", into b; *ins gets where they belong.  0 or -1 (ENOMEM).
 */
static int
write_task(struct buf *b, const struct jnode *task, size_t *ins)
{
	const struct jnode **m;
	long n, i;
	int first = 1, r = 0;

	n = jtree_members(task, &m);
	if (n < 0)
		return -1;
	*ins = 0;
	buf_putc(b, '{');
	for (i = 0; i < n && r == 0; i++) {
		if (is_annotations(m[i]))
			continue;
		if (*ins == 0 && after_annotations(m[i]))
			*ins = b->len;
		if (!first)
			buf_putc(b, ',');
		first = 0;
		buf_add(b, m[i]->key, m[i]->keylen);
		buf_putc(b, ':');
		if (jtree_write_canon(b, m[i]) != LSH_OK)
			r = -1;
	}
	if (*ins == 0)
		*ins = b->len;
	buf_putc(b, '}');
	free(m);
	return b->failed ? -1 : r;
}

/* The annotations a task object carries become its annotations. */
static int
put_embedded(struct dataset *ds, const struct jnode *task, struct ds_task *t,
    const struct origin *o)
{
	const struct jnode *anns = jtree_get(task, "annotations");
	size_t i;

	if (anns == NULL || anns->type != JT_ARRAY)
		return 0;
	for (i = 0; i < anns->nkids; i++) {
		if (anns->kids[i]->type != JT_OBJECT)
			warn(o, "skipped an annotation that is not an object");
		else if (put_ann(ds, anns->kids[i], t, o) == -1)
			return -1;
	}
	return 0;
}

/*
 * Create or replace a task from its object (a full tree); its project is
 * task.project, else rec_project.  0, or -1 when out of memory.
 */
static int
put_task(struct dataset *ds, const struct jnode *task,
    const struct jnode *rec_project, const struct origin *o)
{
	const struct jnode *id = jtree_get(task, "id");
	const struct jnode *proj = jtree_get(task, "project");
	struct buf b = { 0 };
	struct ds_task *t;
	size_t ins;

	if (!is_id(id)) {
		warn(o, "skipped a task without an id");
		return 0;
	}
	if (!is_id(proj))
		proj = rec_project;
	if (write_task(&b, task, &ins) == -1 ||
	    (t = task_get(ds, id->tok, id->toklen, 1)) == NULL ||
	    task_set(t, &b, ins, proj) == -1) {
		buf_free(&b);
		return -1;
	}
	return put_embedded(ds, task, t, o);
}

/*
 * A node of a partly folded tree, parsed again in full into t (freed by
 * the caller).  Its text was validated already: only ENOMEM fails.
 */
static const struct jnode *
parse_full(struct jtree *t, const struct jnode *n)
{
	if (jtree_parse(t, n->tok, n->toklen, JTREE_FULL) != LSH_OK)
		return NULL;
	return t->root;
}

static int
put_task_node(struct dataset *ds, const struct jnode *item,
    const struct jnode *rec_project, const struct origin *o)
{
	const struct jnode *task;
	struct jtree t;
	int r = -1;

	if (item->type != JT_OBJECT) {
		warn(o, "skipped a task that is not an object");
		return 0;
	}
	task = parse_full(&t, item);
	if (task != NULL)
		r = put_task(ds, task, rec_project, o);
	jtree_free(&t);
	return r;
}

/*
 * A stub for a task known only from an annotation: {"data","id","project"}
 * with the data of the task object the event carried (else {}) and the
 * project when known, so a snapshot file filters like the logs.
 */
static struct ds_task *
stub_task(struct dataset *ds, const struct jnode *tid,
    const struct jnode *task, const struct jnode *rec_project)
{
	const struct jnode *data = jtree_get(task, "data");
	const struct jnode *proj = jtree_get(task, "project");
	struct buf b = { 0 };
	struct ds_task *t;

	if (!is_id(proj))
		proj = is_id(rec_project) ? rec_project : NULL;
	buf_puts(&b, "{\"data\":");
	if (data != NULL)
		jtree_write_canon(&b, data);
	else
		buf_puts(&b, "{}");
	buf_puts(&b, ",\"id\":");
	buf_add(&b, tid->tok, tid->toklen);
	if (proj != NULL) {
		buf_puts(&b, ",\"project\":");
		buf_add(&b, proj->tok, proj->toklen);
	}
	buf_putc(&b, '}');
	if (b.failed || (t = task_get(ds, tid->tok, tid->toklen, 1)) == NULL ||
	    task_set(t, &b, 1, proj) == -1) {
		buf_free(&b);
		return NULL;
	}
	return t;
}

/*
 * The task an annotation belongs to: payload.task's id for a single
 * annotation, else annotation.task (an id, or an object with one).
 */
static const struct jnode *
task_id_of(const struct jnode *ann, const struct jnode *tasks, int single)
{
	const struct jnode *at = jtree_get(ann, "task"), *id;

	if (single && tasks != NULL && tasks->type == JT_OBJECT &&
	    (id = id_of(tasks)) != NULL)
		return id;
	if (is_id(at))
		return at;
	if (at != NULL && at->type == JT_OBJECT)
		return id_of(at);
	return NULL;
}

/* The task object with id tid among the payload's "task" (NULL: none). */
static const struct jnode *
find_task(const struct jnode *tasks, const struct jnode *tid)
{
	const struct jnode *item, *id;
	size_t i;

	for (i = 0; i < count_items(tasks); i++) {
		item = item_at(tasks, i);
		if (item->type != JT_OBJECT || (id = id_of(item)) == NULL)
			continue;
		if (id->toklen == tid->toklen &&
		    memcmp(id->tok, tid->tok, tid->toklen) == 0)
			return item;
	}
	return NULL;
}

/* One annotation object (a full tree) of an ANNOTATION(S)_* record. */
static int
apply_one_ann(struct dataset *ds, const struct logrec *rec,
    const struct jnode *ann, int single, const struct origin *o)
{
	const struct jnode *tasks = jtree_get(rec->payload, "task");
	const struct jnode *tid = task_id_of(ann, tasks, single);
	struct ds_task *t = NULL;

	if (tid != NULL) {
		t = task_get(ds, tid->tok, tid->toklen, 0);
		if (t == NULL)
			t = stub_task(ds, tid, find_task(tasks, tid),
			    rec->project_id);
		if (t == NULL)
			return -1;
	}
	return put_ann(ds, ann, t, o);
}

static int
apply_annotations(struct dataset *ds, const struct logrec *rec,
    const struct origin *o)
{
	const struct jnode *list, *item, *ann;
	struct jtree t;
	size_t i;
	int r;

	list = payload_list(rec, "annotation", "annotations");
	for (i = 0; i < count_items(list); i++) {
		item = item_at(list, i);
		if (item->type != JT_OBJECT) {
			warn(o, "skipped an annotation that is not an object");
			continue;
		}
		ann = parse_full(&t, item);
		r = ann != NULL ? apply_one_ann(ds, rec, ann,
		    list->type == JT_OBJECT, o) : -1;
		jtree_free(&t);
		if (r == -1)
			return -1;
	}
	return 0;
}

static int
apply_tasks_created(struct dataset *ds, const struct logrec *rec,
    const struct origin *o)
{
	const struct jnode *list = payload_list(rec, "tasks", "task");
	size_t i;

	for (i = 0; i < count_items(list); i++) {
		if (put_task_node(ds, item_at(list, i), rec->project_id,
		    o) == -1)
			return -1;
	}
	return 0;
}

static int
apply_tasks_deleted(struct dataset *ds, const struct logrec *rec,
    const struct origin *o)
{
	const struct jnode *list = payload_list(rec, "tasks", "task"), *id;
	size_t i;

	for (i = 0; i < count_items(list); i++) {
		id = id_of(item_at(list, i));
		if (id != NULL)
			delete_task(ds, id);
		else
			warn(o, "skipped a deleted task without an id");
	}
	return 0;
}

static int
apply_annotations_deleted(struct dataset *ds, const struct logrec *rec,
    const struct origin *o)
{
	const struct jnode *list, *id;
	size_t i;

	list = payload_list(rec, "annotations", "annotation");
	for (i = 0; i < count_items(list); i++) {
		id = id_of(item_at(list, i));
		if (id != NULL)
			delete_ann(ds, id);
		else
			warn(o, "skipped a deleted annotation without an id");
	}
	return 0;
}

/* What each action (route.c's canonical name) does to the dataset. */
static const struct {
	const char	*action;
	int		(*apply)(struct dataset *, const struct logrec *,
			    const struct origin *);
} appliers[] = {
	{ "TASKS_CREATED",	 apply_tasks_created },
	{ "TASKS_DELETED",	 apply_tasks_deleted },
	{ "ANNOTATION_CREATED",	 apply_annotations },
	{ "ANNOTATIONS_CREATED", apply_annotations },
	{ "ANNOTATION_UPDATED",	 apply_annotations },
	{ "ANNOTATIONS_DELETED", apply_annotations_deleted },
	{ NULL,			 NULL }
};

int
ds_apply(struct dataset *ds, const struct logrec *rec, const char *path)
{
	const struct route *r = route_find(rec->action);
	struct origin o = { path, rec->lineno };
	size_t i;

	if (r == NULL)
		return 0;
	for (i = 0; appliers[i].action != NULL; i++)
		if (strcmp(appliers[i].action, r->canonical) == 0) {
			if (appliers[i].apply(ds, rec, &o) == -1)
				return nomem();
			return 0;
		}
	return 0;
}

/* Report a file that is not a snapshot (line 0: the whole file). */
static int
not_snapshot(const char *path, enum lsh_err e, const struct jtree *t,
    unsigned long line)
{
	if (e == LSH_E_NOMEM)
		return nomem();
	if (e == LSH_OK)
		cli_error("'%s' line %lu: not a task object", path, line);
	else if (line > 0)
		cli_error("'%s' line %lu: not JSON (%s at byte %zu)", path,
		    line, t->err, t->err_off);
	else
		cli_error("'%s' is not a JSON snapshot (%s at byte %zu)", path,
		    t->err, t->err_off);
	return -1;
}

/* A JSON array of tasks. */
static int
load_array(struct dataset *ds, const char *path, const char *text, size_t len)
{
	struct origin o = { path, 0 };
	struct jtree t;
	enum lsh_err e;
	size_t i;
	int r = 0;

	e = jtree_parse(&t, text, len, 1);
	if (e != LSH_OK)
		r = not_snapshot(path, e, &t, 0);
	for (i = 0; r == 0 && i < t.root->nkids; i++) {
		o.line = i + 1;
		if (put_task_node(ds, t.root->kids[i], NULL, &o) == -1)
			r = nomem();
	}
	jtree_free(&t);
	return r;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
blank(const char *s, size_t n)
{
	while (n > 0 && is_space(s[n - 1]))
		n--;
	return n == 0;
}

static int
load_line(struct dataset *ds, const char *line, size_t n,
    const struct origin *o)
{
	struct jtree t;
	enum lsh_err e;
	int r;

	e = jtree_parse(&t, line, n, JTREE_FULL);
	if (e != LSH_OK || t.root->type != JT_OBJECT)
		r = not_snapshot(o->path, e, &t, o->line);
	else if (jtree_get(t.root, "received_at") != NULL &&
	    jtree_get(t.root, "payload") != NULL) {
		cli_error("'%s' is a log, not a snapshot (name its directory "
		    "with -d and give a cut instead)", o->path);
		r = -1;
	} else
		r = put_task(ds, t.root, NULL, o) == -1 ? nomem() : 0;
	jtree_free(&t);
	return r;
}

/* One task per line. */
static int
load_lines(struct dataset *ds, const char *path, const char *text, size_t len)
{
	struct origin o = { path, 0 };
	const char *line = text, *end = text + len, *nl;
	size_t n;
	int r = 0;

	while (r == 0 && line < end) {
		nl = memchr(line, '\n', (size_t)(end - line));
		n = nl != NULL ? (size_t)(nl - line) : (size_t)(end - line);
		o.line++;
		if (!blank(line, n))
			r = load_line(ds, line, n, &o);
		line += n + 1;
	}
	return r;
}

int
ds_load(struct dataset *ds, const char *path)
{
	struct stat st;
	const char *text;
	size_t i = 0, len;
	void *map;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1 || fstat(fd, &st) == -1) {
		cli_error("cannot open '%s': %s", path, strerror(errno));
		r = -1;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		if (!S_ISREG(st.st_mode))
			cli_error("'%s' is not a regular file", path);
		r = S_ISREG(st.st_mode) ? 0 : -1;
		goto out;
	}
	len = (size_t)st.st_size;
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		cli_error("cannot read '%s': %s", path, strerror(errno));
		r = -1;
		goto out;
	}
	text = map;
	while (i < len && is_space(text[i]))
		i++;
	if (i < len && text[i] == '[')
		r = load_array(ds, path, text, len);
	else
		r = load_lines(ds, path, text, len);
	munmap(map, len);
out:
	if (fd != -1)
		close(fd);
	return r;
}

static int
in_project(const struct ds_task *t, const char *project)
{
	return project == NULL || (t->project != NULL &&
	    t->projlen == strlen(project) &&
	    memcmp(t->project, project, t->projlen) == 0);
}

static int
task_cmp(const void *a, const void *b)
{
	const struct ds_task *x = *(struct ds_task *const *)a;
	const struct ds_task *y = *(struct ds_task *const *)b;

	return jtree_idcmp(x->id, x->idlen, y->id, y->idlen);
}

static int
ann_cmp(const void *a, const void *b)
{
	const struct ds_ann *x = *(struct ds_ann *const *)a;
	const struct ds_ann *y = *(struct ds_ann *const *)b;

	return jtree_idcmp(x->id, x->idlen, y->id, y->idlen);
}

long
ds_tasks(const struct dataset *ds, const char *project, struct ds_task ***out)
{
	void **v;
	long n, i, m = 0;

	n = idmap_values(&ds->tasks, &v);
	if (n < 0)
		return nomem();
	for (i = 0; i < n; i++)
		if (in_project(v[i], project))
			v[m++] = v[i];
	if (m > 0)
		qsort(v, (size_t)m, sizeof(*v), task_cmp);
	*out = (struct ds_task **)v;
	return m;
}

long
ds_anns(const struct dataset *ds, const char *project, struct ds_ann ***out)
{
	struct ds_ann *a;
	void **v;
	long n, i, m = 0;

	n = idmap_values(&ds->anns, &v);
	if (n < 0)
		return nomem();
	for (i = 0; i < n; i++) {
		a = v[i];
		if (in_project(a->task, project))
			v[m++] = a;
	}
	if (m > 0)
		qsort(v, (size_t)m, sizeof(*v), ann_cmp);
	*out = (struct ds_ann **)v;
	return m;
}

/* Task t with its annotations, sorted by id, among its sorted keys. */
static int
write_task_line(struct buf *b, const struct ds_task *t)
{
	struct ds_ann **v = NULL, *a;
	size_t n = 0, i;

	for (a = t->anns; a != NULL; a = a->next)
		n++;
	if (n > 0 && (v = calloc(n, sizeof(*v))) == NULL)
		return -1;
	for (a = t->anns, i = 0; a != NULL; a = a->next)
		v[i++] = a;
	if (n > 0)
		qsort(v, n, sizeof(*v), ann_cmp);
	buf_add(b, t->json, t->ins);
	if (t->ins > 1)
		buf_putc(b, ',');
	buf_puts(b, "\"annotations\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(b, ',');
		buf_add(b, v[i]->json, v[i]->len);
	}
	buf_putc(b, ']');
	if (t->ins == 1 && t->json[1] != '}')
		buf_putc(b, ',');
	buf_add(b, t->json + t->ins, t->len - t->ins);
	free(v);
	return b->failed ? -1 : 0;
}

int
ds_write(const struct dataset *ds, FILE *f, enum ds_format format,
    const char *project)
{
	struct ds_task **v;
	struct buf b = { 0 };
	long n, i;
	int r = 0;

	n = ds_tasks(ds, project, &v);
	if (n < 0)
		return -1;
	if (format == DS_JSON)
		fputs("[\n", f);
	for (i = 0; i < n && r == 0; i++) {
		b.len = 0;
		if (write_task_line(&b, v[i]) == -1) {
			r = nomem();
			break;
		}
		if (format == DS_JSON && i > 0)
			fputs(",\n", f);
		fwrite(b.p, 1, b.len, f);
		if (format == DS_JSONL)
			fputc('\n', f);
	}
	if (format == DS_JSON && r == 0)
		fputs(n > 0 ? "\n]\n" : "]\n", f);
	buf_free(&b);
	free(v);
	return r;
}
