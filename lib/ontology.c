/*
 * ontology.c: which labels each project declares and uses.
 *
 * The view of a project, ontology/<id>.json, is small: it is read, changed
 * and rewritten (temp file + rename) under ontology/.lock, and every
 * change is appended to ontology.jsonl under the same lock.  Payloads are
 * parsed with cJSON; label configs with expat, which refuses external
 * entities and bounds entity expansion.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <expat.h>

#include "buf.h"
#include "counts.h"
#include "event.h"
#include "jtree.h"
#include "ontology.h"
#include "statefile.h"
#include "wtf8.h"

#define MAX_XML_DEPTH	64

/* --- lists ------------------------------------------------------------ */

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static int
list_add(struct onto_list *l, const char *control, const char *type,
    const char *target, const char *label, const char *alias)
{
	struct onto_item *v, *it;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 16;
		v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	it = &l->v[l->n];
	it->control = dup_or_null(control);
	it->type = dup_or_null(type);
	it->target = dup_or_null(target);
	it->label = dup_or_null(label);
	it->alias = dup_or_null(alias);
	l->n++;
	if (it->control == NULL || it->label == NULL)
		return -1;
	return 0;
}

void
onto_list_free(struct onto_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].control);
		free(l->v[i].type);
		free(l->v[i].target);
		free(l->v[i].label);
		free(l->v[i].alias);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* --- labels used in results ------------------------------------------- */

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A string node as a new C string; NULL when it is not a string, holds
 * a NUL, or memory is short. */
static char *
dup_string(const struct jnode *n)
{
	char *s;

	if (n == NULL || n->type != JT_STRING || (s = malloc(n->toklen)) == NULL)
		return NULL;
	if (jtree_string(n, s, n->toklen) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

static int
is(const struct jnode *n, enum jtype type)
{
	return n != NULL && n->type == type;
}

/* Whether a member's (decoded) name is lit, or ends with it (suffix). */
static int
name_is(const struct jnode *k, const char *lit, int suffix)
{
	size_t m = strlen(lit);

	if (k->namelen < m || (!suffix && k->namelen != m))
		return 0;
	return memcmp(k->name + k->namelen - m, lit, m) == 0;
}

/* A taxonomy path ["A","B"] as "A/B"; NULL when not all strings. */
static char *
join_path(const struct jnode *path)
{
	struct buf b = { 0 };
	char *step;
	size_t i;

	for (i = 0; i < path->nkids; i++) {
		step = dup_string(path->kids[i]);
		if (step == NULL) {
			buf_free(&b);
			return NULL;
		}
		if (b.len > 0)
			buf_putc(&b, '/');
		buf_puts(&b, step);
		free(step);
	}
	buf_putc(&b, '\0');
	if (b.failed || b.len <= 1) {
		buf_free(&b);
		return NULL;
	}
	return b.p;
}

static int
add_taxonomy(struct onto_list *out, const char *control, const char *type,
    const struct jnode *paths)
{
	char *label;
	size_t i;
	int rc = 0;

	for (i = 0; i < paths->nkids; i++) {
		if (!is(paths->kids[i], JT_ARRAY))
			continue;
		label = join_path(paths->kids[i]);
		if (label != NULL)
			rc |= list_add(out, control, type, NULL, label, NULL);
		free(label);
	}
	return rc;
}

/* Every label of one result: from_name is the control. */
static int
add_result(struct onto_list *out, const struct jnode *item)
{
	const struct jnode *value = jtree_get(item, "value"), *k;
	char *from = NULL, *type = NULL, *label;
	size_t i, j;
	int rc = 0;

	if (!is(value, JT_OBJECT) ||
	    (from = dup_string(jtree_get(item, "from_name"))) == NULL)
		return 0;
	type = dup_string(jtree_get(item, "type"));
	for (i = 0; i < value->nkids; i++) {
		k = value->kids[i];
		if (!is(k, JT_ARRAY))
			continue;
		if (name_is(k, "taxonomy", 0)) {
			rc |= add_taxonomy(out, from, type, k);
			continue;
		}
		if (!name_is(k, "choices", 0) && !name_is(k, "labels", 1))
			continue;
		for (j = 0; j < k->nkids; j++) {
			label = dup_string(k->kids[j]);
			if (label != NULL)
				rc |= list_add(out, from, type, NULL, label, NULL);
			free(label);
		}
	}
	free(from);
	free(type);
	return rc;
}

static int
add_annotation(struct onto_list *out, const struct jnode *annotation)
{
	const struct jnode *result = jtree_get(annotation, "result");
	size_t i;
	int rc = 0;

	for (i = 0; is(result, JT_ARRAY) && i < result->nkids; i++)
		if (is(result->kids[i], JT_OBJECT))
			rc |= add_result(out, result->kids[i]);
	return rc;
}

int
ontology_used(const struct jnode *payload, struct onto_list *out)
{
	return ontology_used_in(jtree_get(payload, "annotation"), out);
}

int
ontology_used_in(const struct jnode *a, struct onto_list *out)
{
	size_t i;
	int rc = 0;

	if (is(a, JT_OBJECT))
		return add_annotation(out, a);
	for (i = 0; is(a, JT_ARRAY) && i < a->nkids; i++)
		if (is(a->kids[i], JT_OBJECT))
			rc |= add_annotation(out, a->kids[i]);
	return rc;
}

/* --- labels declared in the label config ------------------------------- */

struct frame {
	char	*tag;
	char	*name;
	char	*target;
	char	*value;
	char	*alias;
};

struct xml_state {
	XML_Parser	 parser;
	struct onto_list *out;
	struct frame	 stack[MAX_XML_DEPTH];
	int		 depth;
	int		 failed;
};

static const char *
attr(const XML_Char **atts, const char *name)
{
	for (; atts[0] != NULL; atts += 2)
		if (strcmp(atts[0], name) == 0)
			return atts[1];
	return NULL;
}

static int
is_label_tag(const char *tag)
{
	return strcmp(tag, "Label") == 0 || strcmp(tag, "Choice") == 0;
}

/* A <Label> or <Choice>: filed under the nearest named ancestor.  In a
 * taxonomy the label is the path of values, and the alias the path as
 * Label Studio stores it (each step's alias where it has one). */
static void
add_declared(struct xml_state *x, const char *value, const char *alias)
{
	struct buf path = { 0 }, apath = { 0 };
	int i, ctl = -1, aliased = alias != NULL;

	for (i = x->depth - 1; i >= 0; i--) {
		if (!is_label_tag(x->stack[i].tag) && x->stack[i].name != NULL) {
			ctl = i;
			break;
		}
	}
	if (ctl < 0 || value == NULL)
		return;
	for (i = ctl + 1; i < x->depth; i++) {
		if (strcmp(x->stack[i].tag, "Choice") != 0 ||
		    x->stack[i].value == NULL)
			continue;
		buf_puts(&path, x->stack[i].value);
		buf_putc(&path, '/');
		buf_puts(&apath, x->stack[i].alias ? x->stack[i].alias :
		    x->stack[i].value);
		buf_putc(&apath, '/');
		aliased |= x->stack[i].alias != NULL;
	}
	buf_puts(&path, value);
	buf_putc(&path, '\0');
	buf_puts(&apath, alias ? alias : value);
	buf_putc(&apath, '\0');
	if (path.failed || apath.failed || list_add(x->out, x->stack[ctl].name,
	    x->stack[ctl].tag, x->stack[ctl].target, path.p,
	    aliased ? apath.p : NULL) == -1)
		x->failed = 1;
	buf_free(&path);
	buf_free(&apath);
}

static void XMLCALL
xml_start(void *ud, const XML_Char *tag, const XML_Char **atts)
{
	struct xml_state *x = ud;
	struct frame *f;

	if (x->failed)
		return;
	if (x->depth == MAX_XML_DEPTH) {
		x->failed = 1;
		XML_StopParser(x->parser, XML_FALSE);
		return;
	}
	if (is_label_tag(tag))
		add_declared(x, attr(atts, "value"), attr(atts, "alias"));
	f = &x->stack[x->depth++];
	f->tag = strdup(tag);
	f->name = dup_or_null(attr(atts, "name"));
	f->target = dup_or_null(attr(atts, "toName"));
	f->value = dup_or_null(attr(atts, "value"));
	f->alias = dup_or_null(attr(atts, "alias"));
	if (f->tag == NULL)
		x->failed = 1;
}

static void
frame_free(struct frame *f)
{
	free(f->tag);
	free(f->name);
	free(f->target);
	free(f->value);
	free(f->alias);
	memset(f, 0, sizeof(*f));
}

static void XMLCALL
xml_end(void *ud, const XML_Char *tag)
{
	struct xml_state *x = ud;

	(void)tag;
	if (x->depth > 0)
		frame_free(&x->stack[--x->depth]);
}

/* 0 parsed, -1 not XML we can read (the caller falls back). */
static int
parse_label_config(const char *xml, struct onto_list *out)
{
	struct xml_state x;
	int ok;

	if (strlen(xml) > LSH_MAX_LABEL_CONFIG)
		return -1;
	memset(&x, 0, sizeof(x));
	x.out = out;
	x.parser = XML_ParserCreate("UTF-8");
	if (x.parser == NULL)
		return -1;
	XML_SetUserData(x.parser, &x);
	XML_SetElementHandler(x.parser, xml_start, xml_end);
	ok = XML_Parse(x.parser, xml, (int)strlen(xml), XML_TRUE) ==
	    XML_STATUS_OK && !x.failed;
	while (x.depth > 0)
		frame_free(&x.stack[--x.depth]);
	XML_ParserFree(x.parser);
	return ok ? 0 : -1;
}

/* One control of parsed_label_config: {"type", "to_name": [..],
 * "labels": [..], "labels_attrs": {"label": {"alias": ..}}}. */
static int
add_parsed_control(struct onto_list *out, const struct jnode *ctl)
{
	const struct jnode *labels = jtree_get(ctl, "labels");
	const struct jnode *attrs = jtree_get(ctl, "labels_attrs");
	const struct jnode *to = jtree_get(ctl, "to_name");
	char *name, *type, *target, *label, *alias;
	size_t i;
	int rc = 0;

	if (!is(labels, JT_ARRAY) || memchr(ctl->name, '\0', ctl->namelen) != NULL ||
	    (name = strndup(ctl->name, ctl->namelen)) == NULL)
		return 0;
	type = dup_string(jtree_get(ctl, "type"));
	target = is(to, JT_ARRAY) && to->nkids > 0 ? dup_string(to->kids[0]) : NULL;
	for (i = 0; i < labels->nkids; i++) {
		label = dup_string(labels->kids[i]);
		if (label == NULL)
			continue;
		alias = dup_string(jtree_get(jtree_get(attrs, label), "alias"));
		rc |= list_add(out, name, type, target, label, alias);
		free(label);
		free(alias);
	}
	free(name);
	free(type);
	free(target);
	return rc;
}

int
ontology_declared(const struct jnode *project, struct onto_list *out)
{
	const struct jnode *pc;
	char *xml;
	size_t i;
	int rc = 0;

	xml = dup_string(jtree_get(project, "label_config"));
	if (xml != NULL && parse_label_config(xml, out) == 0) {
		free(xml);
		return 0;
	}
	free(xml);
	onto_list_free(out);
	pc = jtree_get(project, "parsed_label_config");
	if (!is(pc, JT_OBJECT))
		return 1;
	for (i = 0; i < pc->nkids; i++)
		rc |= add_parsed_control(out, pc->kids[i]);
	return rc == 0 ? 0 : -1;
}

/* --- the view --------------------------------------------------------- */

static int
cmp_key(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string);
}

static int
cmp_value(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	const cJSON *vx = cJSON_GetObjectItemCaseSensitive(x, "value");
	const cJSON *vy = cJSON_GetObjectItemCaseSensitive(y, "value");

	if (cJSON_IsString(vx) && cJSON_IsString(vy))
		return strcmp(vx->valuestring, vy->valuestring);
	if (cJSON_IsString(x) && cJSON_IsString(y))
		return strcmp(x->valuestring, y->valuestring);
	return 0;
}

/* Reorder a container's children; cJSON keeps a plain linked list. */
static void
sort_children(cJSON *c, int (*cmp)(const void *, const void *))
{
	cJSON **v, *p;
	size_t n = 0, i;

	for (p = c->child; p != NULL; p = p->next)
		n++;
	if (n < 2 || (v = malloc(n * sizeof(*v))) == NULL)
		return;
	for (i = 0, p = c->child; p != NULL; p = p->next)
		v[i++] = p;
	qsort(v, n, sizeof(*v), cmp);
	for (i = 0; i < n; i++) {
		v[i]->prev = i > 0 ? v[i - 1] : v[n - 1];
		v[i]->next = i + 1 < n ? v[i + 1] : NULL;
	}
	c->child = v[0];
	free(v);
}

static cJSON *
new_view(long long project_id)
{
	cJSON *v = cJSON_CreateObject();

	if (v == NULL || cJSON_AddNumberToObject(v, "project_id",
	    (double)project_id) == NULL ||
	    cJSON_AddObjectToObject(v, "controls") == NULL) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

/*
 * Views written before the counts moved to <project>.counts held "used" as
 * an object of counts: keep its labels, as a list.
 */
static void
used_as_lists(cJSON *view)
{
	cJSON *ctl, *used, *list, *u;

	cJSON_ArrayForEach(ctl, cJSON_GetObjectItemCaseSensitive(view, "controls")) {
		used = cJSON_GetObjectItemCaseSensitive(ctl, "used");
		if (!cJSON_IsObject(used) || (list = cJSON_CreateArray()) == NULL)
			continue;
		cJSON_ArrayForEach(u, used)
			cJSON_AddItemToArray(list, cJSON_CreateString(u->string));
		cJSON_ReplaceItemInObjectCaseSensitive(ctl, "used", list);
	}
}

/* The view at path, or a new one when there is none (or it is unreadable:
 * it can always be rebuilt from the logs). */
static cJSON *
load_view(const char *path, long long project_id)
{
	char buf[1 << 16], *text = NULL;
	struct buf b = { 0 }, wtf = { 0 };
	cJSON *v = NULL;
	ssize_t k;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return new_view(project_id);
	while ((k = read(fd, buf, sizeof(buf))) > 0)
		buf_add(&b, buf, (size_t)k);
	close(fd);
	/* Labels with a lone surrogate were written as escapes, which cJSON
	 * refuses: read them as the WTF-8 bytes they were (wtf8.h). */
	if (!b.failed && b.len > 0)
		wtf8_unescape_lone(&wtf, b.p, b.len);
	buf_putc(&wtf, '\0');
	text = b.failed || wtf.failed ? NULL : wtf.p;
	if (text != NULL)
		v = cJSON_Parse(text);
	buf_free(&b);
	buf_free(&wtf);
	if (!cJSON_IsObject(v) || !cJSON_IsObject(
	    cJSON_GetObjectItemCaseSensitive(v, "controls"))) {
		cJSON_Delete(v);
		return new_view(project_id);
	}
	used_as_lists(v);
	return v;
}

static cJSON *
control_of(cJSON *view, const char *name)
{
	cJSON *controls = cJSON_GetObjectItemCaseSensitive(view, "controls");
	cJSON *c = cJSON_GetObjectItemCaseSensitive(controls, name);

	if (c == NULL)
		c = cJSON_AddObjectToObject(controls, name);
	return c;
}

static void
set_string(cJSON *obj, const char *key, const char *value)
{
	if (value == NULL)
		return;
	if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddStringToObject(obj, key, value);
}

static const cJSON *
find_declared(const cJSON *ctl, const char *label)
{
	const cJSON *d, *v;

	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(ctl, "declared")) {
		v = cJSON_GetObjectItemCaseSensitive(d, "value");
		if (cJSON_IsString(v) && strcmp(v->valuestring, label) == 0)
			return d;
	}
	return NULL;
}

/* Whether a used label is declared, as its value or its alias. */
static int
is_declared(const cJSON *ctl, const char *label)
{
	const cJSON *d, *a;

	if (find_declared(ctl, label) != NULL)
		return 1;
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(ctl, "declared")) {
		a = cJSON_GetObjectItemCaseSensitive(d, "alias");
		if (cJSON_IsString(a) && strcmp(a->valuestring, label) == 0)
			return 1;
	}
	return 0;
}

/* Whether a control's "used" list holds label. */
static int
is_used(const cJSON *ctl, const char *label)
{
	const cJSON *u;

	cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(ctl, "used"))
		if (cJSON_IsString(u) && strcmp(u->valuestring, label) == 0)
			return 1;
	return 0;
}

static int
list_has(const struct onto_list *l, const char *control, const char *label)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].control, control) == 0 &&
		    strcmp(l->v[i].label, label) == 0)
			return 1;
	return 0;
}

/* One ontology.jsonl line. */
static void
change_line(struct buf *out, const char *at, const char *event_id,
    long long project_id, const char *control, const char *label,
    const char *change, const char *alias, int declared)
{
	buf_printf(out, "{\"v\":1,\"at\":\"%s\",\"event_id\":\"", at);
	buf_json_escape(out, event_id, strlen(event_id));
	buf_printf(out, "\",\"project_id\":%lld,\"control\":\"", project_id);
	buf_json_escape(out, control, strlen(control));
	buf_puts(out, "\",\"label\":\"");
	buf_json_escape(out, label, strlen(label));
	buf_printf(out, "\",\"change\":\"%s\"", change);
	if (alias != NULL) {
		buf_puts(out, ",\"alias\":\"");
		buf_json_escape(out, alias, strlen(alias));
		buf_putc(out, '"');
	}
	if (strcmp(change, "first_used") == 0)
		buf_printf(out, ",\"declared\":%s", declared ? "true" : "false");
	buf_puts(out, "}\n");
}

struct apply {
	cJSON		*view;
	struct buf	*changes;
	size_t		 count;
	const char	*at;
	const char	*event_id;
	long long	 project_id;
	int		 dirty;		/* the view changed: write it */
};

static void
note(struct apply *a, const char *control, const char *label,
    const char *change, const char *alias, int declared)
{
	change_line(a->changes, a->at, a->event_id, a->project_id, control,
	    label, change, alias, declared);
	a->count++;
	a->dirty = 1;
}

static void
apply_declared(struct apply *a, const struct onto_list *l)
{
	cJSON *controls = cJSON_GetObjectItemCaseSensitive(a->view, "controls");
	const cJSON *d, *v;
	cJSON *ctl, *decl, *entry;
	size_t i;

	a->dirty = 1;	/* types and targets may change without labels */
	cJSON_ArrayForEach(ctl, controls) {
		cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(ctl, "declared")) {
			v = cJSON_GetObjectItemCaseSensitive(d, "value");
			if (cJSON_IsString(v) && !list_has(l, ctl->string, v->valuestring))
				note(a, ctl->string, v->valuestring, "removed", NULL, 0);
		}
	}
	for (i = 0; i < l->n; i++) {
		ctl = cJSON_GetObjectItemCaseSensitive(controls, l->v[i].control);
		if (ctl == NULL || find_declared(ctl, l->v[i].label) == NULL)
			note(a, l->v[i].control, l->v[i].label, "declared",
			    l->v[i].alias, 0);
	}
	cJSON_ArrayForEach(ctl, controls)
		cJSON_DeleteItemFromObjectCaseSensitive(ctl, "declared");
	for (i = 0; i < l->n; i++) {
		ctl = control_of(a->view, l->v[i].control);
		if (ctl == NULL)
			continue;
		set_string(ctl, "type", l->v[i].type);
		set_string(ctl, "target", l->v[i].target);
		decl = cJSON_GetObjectItemCaseSensitive(ctl, "declared");
		if (decl == NULL)
			decl = cJSON_AddArrayToObject(ctl, "declared");
		if (decl == NULL || find_declared(ctl, l->v[i].label) != NULL)
			continue;
		entry = cJSON_CreateObject();
		cJSON_AddStringToObject(entry, "value", l->v[i].label);
		if (l->v[i].alias != NULL)
			cJSON_AddStringToObject(entry, "alias", l->v[i].alias);
		cJSON_AddItemToArray(decl, entry);
	}
}

/* First uses go into the view; how often labels are used, into counts.c. */
static void
apply_used(struct apply *a, const struct onto_list *l)
{
	cJSON *ctl, *used;
	size_t i;

	for (i = 0; i < l->n; i++) {
		ctl = control_of(a->view, l->v[i].control);
		if (ctl == NULL || is_used(ctl, l->v[i].label))
			continue;
		if (cJSON_GetObjectItemCaseSensitive(ctl, "type") == NULL)
			set_string(ctl, "type", l->v[i].type);
		used = cJSON_GetObjectItemCaseSensitive(ctl, "used");
		if (used == NULL)
			used = cJSON_AddArrayToObject(ctl, "used");
		cJSON_AddItemToArray(used, cJSON_CreateString(l->v[i].label));
		note(a, l->v[i].control, l->v[i].label, "first_used", NULL,
		    is_declared(ctl, l->v[i].label));
	}
}

/* Recompute "undeclared", drop empty controls, sort for stable output. */
static void
tidy(cJSON *view)
{
	cJSON *controls = cJSON_GetObjectItemCaseSensitive(view, "controls");
	cJSON *ctl, *next, *used, *u, *und;

	for (ctl = controls->child; ctl != NULL; ctl = next) {
		next = ctl->next;
		used = cJSON_GetObjectItemCaseSensitive(ctl, "used");
		if (used == NULL && cJSON_GetObjectItemCaseSensitive(ctl,
		    "declared") == NULL) {
			cJSON_Delete(cJSON_DetachItemViaPointer(controls, ctl));
			continue;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(ctl, "undeclared");
		und = cJSON_AddArrayToObject(ctl, "undeclared");
		cJSON_ArrayForEach(u, used)
			if (cJSON_IsString(u) && !is_declared(ctl, u->valuestring))
				cJSON_AddItemToArray(und, cJSON_CreateString(u->valuestring));
		if (used != NULL)
			sort_children(used, cmp_value);
		sort_children(und, cmp_value);
		if (cJSON_GetObjectItemCaseSensitive(ctl, "declared") != NULL)
			sort_children(cJSON_GetObjectItemCaseSensitive(ctl,
			    "declared"), cmp_value);
		sort_children(ctl, cmp_key);
	}
	sort_children(controls, cmp_key);
}

/* --- applying a list under the lock ------------------------------------ */

/*
 * The view as JSON text with its final newline.  Labels are WTF-8 inside
 * (wtf8.h), which cJSON prints as raw bytes: they go out as escapes, so
 * the file stays valid UTF-8 for Python.  NULL when out of memory.
 */
static char *
view_text(const cJSON *view, size_t *len)
{
	char *text = cJSON_PrintUnformatted(view);
	struct buf b = { 0 };

	if (text == NULL)
		return NULL;
	wtf8_escape(&b, text, strlen(text));
	cJSON_free(text);
	buf_putc(&b, '\n');
	if (b.failed) {
		buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

static int
write_view(const char *dir, const char *tmp, const char *path,
    const cJSON *view, int do_fsync)
{
	size_t len = 0, off = 0;
	char *text = view_text(view, &len);
	ssize_t k;
	int fd, rc = -1;

	if (text == NULL)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd == -1)
		goto out;
	statefile_own(fd, dir);
	while (off < len) {
		k = write(fd, text + off, len - off);
		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	if (off == len && (!do_fsync || fsync(fd) == 0) && close(fd) == 0 &&
	    rename(tmp, path) == 0)
		rc = 0;
	else
		unlink(tmp);
	fd = -1;
out:
	if (fd != -1)
		close(fd);
	free(text);
	return rc;
}

static enum lsh_err
fail_errno(char *why, size_t whysz, const char *what, const char *path)
{
	int err = errno;

	snprintf(why, whysz, "%s '%s': %s", what, path, strerror(err));
	return err == ENOSPC || err == EDQUOT || err == EIO ? LSH_E_WRITE :
	    LSH_E_STORAGE;
}

/* <dir>/ontology/.lock, kept open across requests (statefile.c). */
static struct statefile lockfile = STATEFILE_INIT;

/* Lock <dir>/ontology/.lock (op: LOCK_SH or LOCK_EX), creating the
 * folder; path gets the lock's path for messages. */
static int
lock_ontology(const char *dir, int op, char *path, size_t pathsz)
{
	struct stat st;

	snprintf(path, pathsz, "%s/ontology/.lock", dir);
	return statefile_lock(&lockfile, dir, "ontology/.lock", op, &st);
}

static void
unlock_ontology(void)
{
	statefile_unlock(&lockfile);
}

/*
 * Count the labels of l in the project's counts file: with exclusive set
 * (the exclusive lock held), adding records for new labels; else only
 * when every label is known (returns 0 otherwise).  Returns 1 when
 * counted, 0 when not, -1 on a system error.
 */
static int
count_list(const char *dir, long long project, const struct onto_list *l,
    int add, int exclusive)
{
	struct count_key one[16], *keys = one;
	size_t i;
	int rc;

	if (l->n > sizeof(one) / sizeof(one[0]) &&
	    (keys = calloc(l->n, sizeof(*keys))) == NULL)
		return -1;
	for (i = 0; i < l->n; i++) {
		keys[i].control = l->v[i].control;
		keys[i].label = l->v[i].label;
	}
	if (exclusive)
		rc = counts_update(dir, project, keys, l->n, add) == 0 ? 1 : -1;
	else
		rc = counts_add_known(dir, project, keys, l->n, add);
	if (keys != one)
		free(keys);
	return rc;
}

static enum lsh_err
apply_locked(struct store *st, const char *dir, struct apply *a,
    enum onto_kind kind, const struct onto_list *l, int do_fsync, int record,
    char *why, size_t whysz)
{
	char path[4096], tmp[4096];
	struct iovec iov[1];
	enum lsh_err e;

	snprintf(path, sizeof(path), "%s/ontology/%lld.json", dir, a->project_id);
	snprintf(tmp, sizeof(tmp), "%s/ontology/.%lld.json.tmp", dir, a->project_id);
	a->view = load_view(path, a->project_id);
	if (a->view == NULL) {
		snprintf(why, whysz, "out of memory");
		return LSH_E_NOMEM;
	}
	if (kind == ONTO_DECLARED)
		apply_declared(a, l);
	else
		apply_used(a, l);
	if (a->dirty) {
		tidy(a->view);
		if (a->changes->failed) {
			snprintf(why, whysz, "out of memory");
			return LSH_E_NOMEM;
		}
		/* The view is derived (ontology rebuild makes it again from
		 * the logs): replaced atomically, not synced. */
		if (write_view(dir, tmp, path, a->view, 0) == -1)
			return fail_errno(why, whysz, "cannot write ontology view",
			    path);
	}
	if (record && a->changes->len > 0) {
		iov[0].iov_base = a->changes->p;
		iov[0].iov_len = a->changes->len;
		e = store_append(st, dir, LSH_LOG_ONTOLOGY, iov, 1, do_fsync, why,
		    whysz);
		if (e != LSH_OK)
			return e;
	}
	/* Last: a label the view knows but the counts do not yet comes back
	 * here with the next event that uses it, and is counted then. */
	if (kind != ONTO_DECLARED && count_list(dir, a->project_id, l,
	    kind == ONTO_CREATED, 1) == -1) {
		snprintf(path, sizeof(path), "%s/ontology/%lld.counts", dir,
		    a->project_id);
		return fail_errno(why, whysz, "cannot count labels in", path);
	}
	return LSH_OK;
}

enum lsh_err
ontology_apply(struct store *st, const char *dir, long long project_id,
    const char *event_id, enum onto_kind kind, const struct onto_list *l,
    int do_fsync, size_t *changes, char *why, size_t whysz)
{
	struct buf lines = { 0 };
	struct apply a;
	char at[40], lockpath[4096];
	enum lsh_err e;
	int fd, done;

	*changes = 0;
	if (kind != ONTO_DECLARED && l->n == 0)
		return LSH_OK;	/* nothing used, nothing to change */
	if (kind != ONTO_DECLARED) {
		/* The usual case: every label known, only counted. */
		fd = lock_ontology(dir, LOCK_SH, lockpath, sizeof(lockpath));
		if (fd == -1)
			return fail_errno(why, whysz, "cannot lock", lockpath);
		done = count_list(dir, project_id, l, kind == ONTO_CREATED, 0);
		unlock_ontology();
		if (done == 1)
			return LSH_OK;
	}
	lsh_timestamp(at, sizeof(at));
	memset(&a, 0, sizeof(a));
	a.changes = &lines;
	a.at = at;
	a.event_id = event_id;
	a.project_id = project_id;
	fd = lock_ontology(dir, LOCK_EX, lockpath, sizeof(lockpath));
	if (fd == -1)
		return fail_errno(why, whysz, "cannot lock", lockpath);
	e = apply_locked(st, dir, &a, kind, l, do_fsync, 1, why, whysz);
	unlock_ontology();
	if (e == LSH_OK)
		*changes = a.count;
	cJSON_Delete(a.view);
	buf_free(&lines);
	return e;
}

/* --- reading a view with its counts ------------------------------------------ */

static void
add_count(void *arg, const char *control, size_t clen, const char *label,
    size_t llen, uint64_t count)
{
	cJSON *controls = arg, *ctl, *counts;
	char *c = strndup(control, clen), *l = strndup(label, llen);

	ctl = c != NULL ? cJSON_GetObjectItemCaseSensitive(controls, c) : NULL;
	counts = cJSON_GetObjectItemCaseSensitive(ctl, "counts");
	if (ctl != NULL && counts == NULL)
		counts = cJSON_AddObjectToObject(ctl, "counts");
	if (counts != NULL && l != NULL &&
	    cJSON_GetObjectItemCaseSensitive(counts, l) == NULL)
		cJSON_AddNumberToObject(counts, l, (double)count);
	free(c);
	free(l);
}

enum lsh_err
ontology_show(const char *dir, long long project_id, struct buf *out,
    char *why, size_t whysz)
{
	char path[4096], lockpath[4096];
	cJSON *view, *ctl, *counts;
	struct stat st;
	char *text;
	int fd;

	snprintf(path, sizeof(path), "%s/ontology/%lld.json", dir, project_id);
	if (stat(path, &st) == -1) {
		snprintf(why, whysz, "no ontology for project %lld ('%s': %s)",
		    project_id, path, strerror(errno));
		return errno == ENOENT ? LSH_E_NOT_FOUND : LSH_E_STORAGE;
	}
	fd = lock_ontology(dir, LOCK_SH, lockpath, sizeof(lockpath));
	if (fd == -1)
		return fail_errno(why, whysz, "cannot lock", lockpath);
	view = load_view(path, project_id);
	if (view != NULL && counts_each(dir, project_id, add_count,
	    cJSON_GetObjectItemCaseSensitive(view, "controls")) == -1) {
		unlock_ontology();
		cJSON_Delete(view);
		snprintf(path, sizeof(path), "%s/ontology/%lld.counts", dir, project_id);
		return fail_errno(why, whysz, "cannot read", path);
	}
	unlock_ontology();
	cJSON_ArrayForEach(ctl, cJSON_GetObjectItemCaseSensitive(view, "controls")) {
		counts = cJSON_GetObjectItemCaseSensitive(ctl, "counts");
		if (counts == NULL)
			counts = cJSON_AddObjectToObject(ctl, "counts");
		else
			sort_children(counts, cmp_key);
		sort_children(ctl, cmp_key);
	}
	text = view != NULL ? cJSON_PrintUnformatted(view) : NULL;
	cJSON_Delete(view);
	if (text == NULL) {
		snprintf(why, whysz, "out of memory");
		return LSH_E_NOMEM;
	}
	wtf8_escape(out, text, strlen(text));	/* as in view_text */
	cJSON_free(text);
	return out->failed ? LSH_E_NOMEM : LSH_OK;
}

/* --- kinds and rebuilding --------------------------------------------------- */

int
ontology_kind(enum lsh_family family, const char *action)
{
	if (family == LSH_FAM_PROJECTS && (strcmp(action, "PROJECT_CREATED") == 0 ||
	    strcmp(action, "PROJECT_UPDATED") == 0))
		return ONTO_DECLARED;
	if (family == LSH_FAM_ANNOTATIONS && (strcmp(action, "ANNOTATION_CREATED") == 0 ||
	    strcmp(action, "ANNOTATIONS_CREATED") == 0))
		return ONTO_CREATED;
	if (family == LSH_FAM_ANNOTATIONS && strcmp(action, "ANNOTATION_UPDATED") == 0)
		return ONTO_UPDATED;
	return -1;
}

int
ontology_extract(enum onto_kind kind, const struct jnode *payload,
    struct onto_list *l)
{
	if (kind == ONTO_DECLARED)
		return ontology_declared(jtree_get(payload, "project"), l);
	return ontology_used(payload, l);
}

/* One log being replayed: its current line, parsed. */
struct replay {
	FILE		*f;
	char		*line;
	size_t		 cap;
	struct jtree	 tree;
	const struct jnode *rec;	/* the record, NULL at EOF */
	char		 at[64];	/* its received_at */
	enum lsh_family	 family;
};

/* Advance to the next record of the log that parses; rec NULL at EOF. */
static void
replay_next(struct replay *r)
{
	ssize_t n;

	jtree_free(&r->tree);
	r->rec = NULL;
	while (r->f != NULL && (n = getline(&r->line, &r->cap, r->f)) != -1) {
		if (jtree_parse(&r->tree, r->line, (size_t)n, JTREE_FULL) == LSH_OK &&
		    is(r->tree.root, JT_OBJECT) && jtree_string(jtree_get(r->tree.root,
		    "received_at"), r->at, sizeof(r->at)) >= 0) {
			r->rec = r->tree.root;
			return;
		}
		jtree_free(&r->tree);	/* a torn or foreign line: skip it */
	}
}

static void
replay_open(struct replay *r, const char *dir, enum lsh_family family)
{
	char path[4096];

	memset(r, 0, sizeof(*r));
	r->family = family;
	snprintf(path, sizeof(path), "%s/%s", dir, store_name((enum lsh_log)family));
	r->f = fopen(path, "re");
	replay_next(r);
}

static void
replay_close(struct replay *r)
{
	jtree_free(&r->tree);
	free(r->line);
	if (r->f != NULL)
		fclose(r->f);
}

/* A plain non-negative integer token (as follow.c takes project ids), or -1. */
static long long
plain_id(const struct jnode *n)
{
	long long v = 0;
	size_t i;

	if (!is(n, JT_NUMBER) || n->toklen == 0 || n->toklen > 18)
		return -1;
	for (i = 0; i < n->toklen; i++) {
		if (n->tok[i] < '0' || n->tok[i] > '9')
			return -1;
		v = v * 10 + (n->tok[i] - '0');
	}
	return v;
}

/* Apply one logged record, as follow.c did when it arrived. */
static enum lsh_err
replay_record(struct store *st, const char *dir, const struct replay *r,
    int do_fsync, char *why, size_t whysz)
{
	char action[128], id[LSH_MAX_WEBHOOK_ID + 64];
	const struct route *route;
	struct onto_list l = { 0 };
	struct buf changes = { 0 };
	struct apply a;
	enum lsh_err e = LSH_OK;
	long long pid = plain_id(jtree_get(r->rec, "project_id"));
	int kind;

	if (pid < 0 || jtree_string(jtree_get(r->rec, "action"), action,
	    sizeof(action)) < 0 || jtree_string(jtree_get(r->rec, "id"), id,
	    sizeof(id)) < 0)
		return LSH_OK;
	route = route_find(action);
	kind = route ? ontology_kind(r->family, route->canonical) : -1;
	if (kind == -1 || ontology_extract((enum onto_kind)kind,
	    jtree_get(r->rec, "payload"), &l) != 0 ||
	    (kind != ONTO_DECLARED && l.n == 0)) {
		onto_list_free(&l);
		return LSH_OK;
	}
	memset(&a, 0, sizeof(a));
	a.changes = &changes;
	a.at = r->at;
	a.event_id = id;
	a.project_id = pid;
	e = apply_locked(st, dir, &a, (enum onto_kind)kind, &l, do_fsync, 0, why,
	    whysz);
	cJSON_Delete(a.view);
	buf_free(&changes);
	onto_list_free(&l);
	return e;
}

/* Remove every view and counts file, so projects no longer in the logs
 * disappear too. */
static void
remove_views(const char *dir)
{
	char path[4096];
	struct dirent *d;
	DIR *dp;

	snprintf(path, sizeof(path), "%s/ontology", dir);
	dp = opendir(path);
	if (dp == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.' || (!ends_with(d->d_name, ".json") &&
		    !ends_with(d->d_name, ".counts")))
			continue;
		snprintf(path, sizeof(path), "%s/ontology/%s", dir, d->d_name);
		unlink(path);
	}
	closedir(dp);
}

enum lsh_err
ontology_rebuild(const char *dir, int do_fsync, size_t *events, char *why,
    size_t whysz)
{
	struct replay p, an, *next;
	struct store st;
	char lockpath[4096];
	enum lsh_err e = LSH_OK;
	int fd;

	*events = 0;
	fd = lock_ontology(dir, LOCK_EX, lockpath, sizeof(lockpath));
	if (fd == -1)
		return fail_errno(why, whysz, "cannot lock", lockpath);
	store_init(&st);
	remove_views(dir);
	counts_forget();
	replay_open(&p, dir, LSH_FAM_PROJECTS);
	replay_open(&an, dir, LSH_FAM_ANNOTATIONS);
	while (e == LSH_OK && (p.rec != NULL || an.rec != NULL)) {
		/* received_at sorts as text; on a tie the project goes first */
		next = an.rec == NULL || (p.rec != NULL && strcmp(p.at, an.at) <= 0) ?
		    &p : &an;
		e = replay_record(&st, dir, next, do_fsync, why, whysz);
		(*events)++;
		replay_next(next);
	}
	replay_close(&p);
	replay_close(&an);
	store_close(&st);
	unlock_ontology();
	return e;
}
