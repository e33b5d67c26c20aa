/*
 * fuzz_redact.c: the scanner's compaction and redaction.  Properties: its
 * output is valid JSON (to cJSON, lone surrogate escapes read as WTF-8), scanning the output again changes nothing, and a
 * project secret never survives.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "json.h"
#include "jtree.h"
#include "wtf8.h"

static void
check_redacted(const cJSON *root)
{
	static const char *const keys[] = { "token", "task_data_login",
	    "task_data_password" };
	const cJSON *project = cJSON_GetObjectItemCaseSensitive(root, "project");
	const cJSON *v;
	size_t i;

	if (!cJSON_IsObject(project))
		return;
	for (i = 0; i < 3; i++) {
		cJSON_ArrayForEach(v, project) {
			if (v->string == NULL || strcmp(v->string, keys[i]) != 0)
				continue;
			if (!cJSON_IsString(v) || strcmp(v->valuestring, "[redacted]") != 0)
				abort();
		}
	}
}

/* check_redacted on a tree too deep for cJSON (fuzz.h), read by jtree */
static void
check_redacted_deep(const char *text, size_t len)
{
	static const char *const keys[] = { "token", "task_data_login",
	    "task_data_password" };
	const struct jnode *project;
	struct jtree t;
	char v[16];
	size_t i, k;

	if (jtree_parse(&t, text, len, JTREE_FULL) != LSH_OK)
		abort();
	project = jtree_get(t.root, "project");
	for (i = 0; project != NULL && project->type == JT_OBJECT &&
	    i < project->nkids; i++) {
		for (k = 0; k < 3; k++) {
			if (project->kids[i]->namelen != strlen(keys[k]) ||
			    memcmp(project->kids[i]->name, keys[k],
			    strlen(keys[k])) != 0)
				continue;
			if (jtree_string(project->kids[i], v, sizeof(v)) < 0 ||
			    strcmp(v, "[redacted]") != 0)
				abort();
		}
	}
	jtree_free(&t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a = { 0 }, b = { 0 }, w = { 0 };
	struct json_event ev, ev2;
	cJSON *root;

	if (json_scan((const char *)data, size, &a, &ev) == LSH_OK) {
		if (fuzz_json_depth(a.p, a.len) >= CJSON_NESTING_LIMIT)
			check_redacted_deep(a.p, a.len);
		else {
			wtf8_unescape_lone(&w, a.p, a.len);
			root = w.failed ? NULL :
			    cJSON_ParseWithLength(w.p, w.len);
			if (root == NULL)
				abort();
			check_redacted(root);
			cJSON_Delete(root);
		}
		if (json_scan(a.p, a.len, &b, &ev2) != LSH_OK || b.len != a.len ||
		    memcmp(a.p, b.p, a.len) != 0)
			abort();
		json_event_free(&ev2);
	}
	json_event_free(&ev);
	buf_free(&a);
	buf_free(&b);
	buf_free(&w);
	return 0;
}
