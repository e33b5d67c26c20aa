/* test_ontology.c: labels declared (expat, parsed_label_config) and used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ontology.h"
#include "unit.h"

/* "control|type|target|label|alias;..." for comparison. */
static void
flatten(const struct onto_list *l, char *out, size_t n)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < l->n && o < n; i++)
		o += (size_t)snprintf(out + o, n - o, "%s|%s|%s|%s|%s;",
		    l->v[i].control, l->v[i].type ? l->v[i].type : "-",
		    l->v[i].target ? l->v[i].target : "-", l->v[i].label,
		    l->v[i].alias ? l->v[i].alias : "-");
}

static int
declared(const char *project_json, char *out, size_t n)
{
	struct onto_list l = { 0 };
	struct jtree t = { 0 };
	int rc;

	jtree_parse(&t, project_json, strlen(project_json), JTREE_FULL);
	rc = ontology_declared(t.root, &l);
	flatten(&l, out, n);
	onto_list_free(&l);
	jtree_free(&t);
	return rc;
}

static void
test_declared(void)
{
	char got[2048];

	CHECK(declared("{\"label_config\":\"<View><Image name=\\\"image\\\" "
	    "value=\\\"$image\\\"/><RectangleLabels name=\\\"label\\\" "
	    "toName=\\\"image\\\"><Label value=\\\"Airplane\\\"/><Label "
	    "value=\\\"Car\\\" alias=\\\"C\\\"/></RectangleLabels><Choices "
	    "name=\\\"q\\\" toName=\\\"image\\\"><Choice value=\\\"Good\\\"/>"
	    "</Choices></View><!-- comment -->\"}", got, sizeof(got)) == 0,
	    "label_config parses");
	CHECK_STR(got, "label|RectangleLabels|image|Airplane|-;"
	    "label|RectangleLabels|image|Car|C;q|Choices|image|Good|-;",
	    "several controls, alias kept");
	declared("{\"label_config\":\"<View><Taxonomy name=\\\"tax\\\" "
	    "toName=\\\"t\\\"><Choice value=\\\"Archaea\\\"/><Choice "
	    "value=\\\"Bacteria\\\"><Choice value=\\\"Cocci\\\" alias=\\\"co\\\"/>"
	    "</Choice></Taxonomy></View>\"}", got, sizeof(got));
	CHECK_STR(got, "tax|Taxonomy|t|Archaea|-;tax|Taxonomy|t|Bacteria|-;"
	    "tax|Taxonomy|t|Bacteria/Cocci|Bacteria/co;", "nested taxonomy choices as paths");
	CHECK(declared("{\"label_config\":\"<View><Labels\", \"parsed_label_config\":"
	    "{\"ner\":{\"type\":\"Labels\",\"to_name\":[\"text\"],\"labels\":[\"PER\","
	    "\"ORG\"],\"labels_attrs\":{\"ORG\":{\"alias\":\"O\"}}}}}", got,
	    sizeof(got)) == 0, "broken XML falls back to parsed_label_config");
	CHECK_STR(got, "ner|Labels|text|PER|-;ner|Labels|text|ORG|O;",
	    "parsed_label_config labels and aliases");
	CHECK(declared("{\"id\":3}", got, sizeof(got)) == 1,
	    "no config declares nothing (leave the labels alone)");
	CHECK(declared("{\"label_config\":\"<!DOCTYPE x [<!ENTITY a \\\"aaaaaaaaaa\\\">"
	    "<!ENTITY b \\\"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\\\"><!ENTITY c \\\"&b;&b;&b;"
	    "&b;&b;&b;&b;&b;&b;&b;\\\"><!ENTITY d \\\"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\\\">"
	    "<!ENTITY e \\\"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\\\"><!ENTITY f \\\"&e;&e;&e;"
	    "&e;&e;&e;&e;&e;&e;&e;\\\"><!ENTITY g \\\"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\\\">"
	    "]><View><Labels name=\\\"n\\\" toName=\\\"t\\\"><Label value=\\\"&g;\\\"/>"
	    "</Labels></View>\"}", got, sizeof(got)) == 1,
	    "an entity bomb is refused, not expanded");
}

static void
test_used(void)
{
	const char *payload = "{\"annotation\":[{\"result\":["
	    "{\"from_name\":\"label\",\"type\":\"rectanglelabels\",\"value\":"
	    "{\"x\":1,\"rectanglelabels\":[\"Car\"]}},"
	    "{\"from_name\":\"q\",\"type\":\"choices\",\"value\":{\"choices\":[\"A\",\"B\"]}},"
	    "{\"from_name\":\"h\",\"type\":\"hypertextlabels\",\"value\":{\"htmllabels\":[\"X\"]}},"
	    "{\"from_name\":\"tax\",\"type\":\"taxonomy\",\"value\":{\"taxonomy\":"
	    "[[\"Bacteria\"],[\"Bacteria\",\"Cocci\"]]}},"
	    "{\"from_name\":\"txt\",\"type\":\"textarea\",\"value\":{\"text\":[\"free\"]}},"
	    "{\"from_name\":\"r\",\"type\":\"rating\",\"value\":{\"rating\":4}}]},"
	    "{\"result\":[{\"from_name\":\"p\",\"type\":\"polygonlabels\",\"value\":"
	    "{\"points\":[[1,2]],\"polygonlabels\":[\"Roof\"]}}]}]}";
	struct onto_list l = { 0 };
	struct jtree t = { 0 };
	char got[2048];

	CHECK(jtree_parse(&t, payload, strlen(payload), JTREE_FULL) == LSH_OK &&
	    ontology_used(t.root, &l) == 0, "used labels extracted");
	flatten(&l, got, sizeof(got));
	CHECK_STR(got, "label|rectanglelabels|-|Car|-;q|choices|-|A|-;"
	    "q|choices|-|B|-;h|hypertextlabels|-|X|-;tax|taxonomy|-|Bacteria|-;"
	    "tax|taxonomy|-|Bacteria/Cocci|-;p|polygonlabels|-|Roof|-;",
	    "every label-bearing type, bulk list, no free text or ratings");
	onto_list_free(&l);
	jtree_free(&t);
}

static char dir[] = "/tmp/lshook-onto-XXXXXX";

static char *
slurp(const char *name)
{
	static char text[8192];
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return "";
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* ontology_show of a project, or "(error)". */
static const char *
show(long long project)
{
	static struct buf b;
	char why[256];

	b.len = 0;
	if (ontology_show(dir, project, &b, why, sizeof(why)) != LSH_OK)
		return "(error)";
	buf_putc(&b, '\0');
	return b.p;
}

static size_t
apply(struct store *st, enum onto_kind kind, const char *json)
{
	struct onto_list l = { 0 };
	struct jtree t = { 0 };
	char why[256];
	size_t changes = 0;

	jtree_parse(&t, json, strlen(json), JTREE_FULL);
	ontology_extract(kind, t.root, &l);
	if (ontology_apply(st, dir, 9, "ev", kind, &l, 0, &changes, why,
	    sizeof(why)) != LSH_OK) {
		printf("# apply: %s\n", why);
		changes = (size_t)-1;	/* fails every check */
	}
	onto_list_free(&l);
	jtree_free(&t);
	return changes;
}

static void
test_apply(void)
{
	const char *cfg2 = "{\"project\":{\"label_config\":\"<View><Labels "
	    "name=\\\"n\\\" toName=\\\"t\\\"><Label value=\\\"A\\\"/><Label "
	    "value=\\\"B\\\" alias=\\\"b\\\"/></Labels></View>\"}}";
	const char *cfg1 = "{\"project\":{\"label_config\":\"<View><Labels "
	    "name=\\\"n\\\" toName=\\\"t\\\"><Label value=\\\"A\\\"/></Labels>"
	    "</View>\"}}";
	const char *use = "{\"annotation\":{\"result\":[{\"from_name\":\"n\","
	    "\"type\":\"labels\",\"value\":{\"labels\":[\"b\",\"Z\"]}},"
	    "{\"from_name\":\"n\",\"type\":\"labels\",\"value\":{\"labels\":[\"Z\"]}}]}}";
	struct store st;
	char *view;

	store_init(&st);
	CHECK(apply(&st, ONTO_DECLARED, cfg2) == 2, "two labels declared");
	CHECK(apply(&st, ONTO_DECLARED, cfg2) == 0, "the same config changes nothing");
	CHECK(apply(&st, ONTO_CREATED, use) == 2, "two first uses (b and Z)");
	CHECK(apply(&st, ONTO_CREATED, use) == 0, "used again: no change ...");
	view = slurp("ontology/9.json");
	CHECK(strstr(view, "\"used\":[\"Z\",\"b\"]") != NULL, "the view lists the used labels");
	CHECK(strstr(view, "\"undeclared\":[\"Z\"]") != NULL,
	    "an alias counts as declared, Z does not");
	CHECK_STR(show(9), "{\"project_id\":9,\"controls\":{\"n\":{\"counts\":"
	    "{\"Z\":4,\"b\":2},\"declared\":[{\"value\":\"A\"},{\"value\":\"B\","
	    "\"alias\":\"b\"}],\"target\":\"t\",\"type\":\"Labels\",\"undeclared\":"
	    "[\"Z\"],\"used\":[\"Z\",\"b\"]}}}", "... and show adds the counts");
	CHECK(apply(&st, ONTO_UPDATED, use) == 0 &&
	    strstr(show(9), "\"counts\":{\"Z\":4,\"b\":2}") != NULL,
	    "updates do not count again");
	CHECK(apply(&st, ONTO_DECLARED, cfg1) == 1, "B removed from the config");
	CHECK(strstr(slurp("ontology.jsonl"), "\"label\":\"B\",\"change\":\"removed\"")
	    != NULL, "the removal is logged");
	CHECK(strstr(slurp("ontology.jsonl"), "\"label\":\"Z\",\"change\":"
	    "\"first_used\",\"declared\":false") != NULL, "first use of Z logged");
	store_close(&st);
}

/*
 * Labels holding lone surrogates (as Python's json sends them): compared
 * as WTF-8, written back as the escapes, so the view and ontology.jsonl
 * stay valid UTF-8 and the view reads back (no second first use).
 */
static void
test_lone_surrogate_labels(void)
{
	const char *use = "{\"annotation\":{\"result\":[{\"from_name\":\"s\","
	    "\"type\":\"labels\",\"value\":{\"labels\":[\"x\\ud83d\","
	    "\"\\udc00\",\"\\ud83d\\ude00\"]}}]}}";
	const char *same = "{\"annotation\":{\"result\":[{\"from_name\":\"s\","
	    "\"type\":\"labels\",\"value\":{\"labels\":[\"x\\uD83D\","
	    "\"\xf0\x9f\x98\x80\"]}}]}}";
	struct store st;
	const char *view;

	store_init(&st);
	CHECK(apply(&st, ONTO_CREATED, use) == 3, "three labels with surrogates");
	view = slurp("ontology/9.json");
	CHECK(strstr(view, "\"used\":[\"x\\ud83d\",\"\\udc00\",\"\xf0\x9f\x98\x80\"]")
	    != NULL, "the view keeps lone surrogates as escapes, a pair as UTF-8");
	CHECK(memmem(view, strlen(view), "\xed", 1) == NULL,
	    "no WTF-8 byte in the view file");
	CHECK(apply(&st, ONTO_CREATED, same) == 0,
	    "the view reads back: the same labels are no first use");
	CHECK(strstr(show(9), "\"\\udc00\":1") != NULL &&
	    strstr(show(9), "\"x\\ud83d\":2") != NULL, "show counts them");
	CHECK(strstr(slurp("ontology.jsonl"), "\"label\":\"x\\ud83d\",\"change\":"
	    "\"first_used\"") != NULL, "ontology.jsonl escapes the surrogate");
	store_close(&st);
}

static void
test_rebuild(void)
{
	char before[8192], why[256];
	size_t events;
	FILE *f;
	char path[512];

	/* logs that hold what test_apply applied, as the handlers write them */
	snprintf(path, sizeof(path), "%s/projects.jsonl", dir);
	f = fopen(path, "w");
	fputs("{\"v\":1,\"id\":\"p1\",\"received_at\":\"2026-01-01T00:00:01.000000Z\","
	    "\"action\":\"PROJECT_UPDATED\",\"family\":\"projects\",\"project_id\":4,"
	    "\"payload\":{\"project\":{\"id\":4,\"label_config\":\"<View><Choices "
	    "name=\\\"c\\\" toName=\\\"t\\\"><Choice value=\\\"Y\\\"/></Choices>"
	    "</View>\"}}}\n{\"torn", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/annotations.jsonl", dir);
	f = fopen(path, "w");
	fputs("{\"v\":1,\"id\":\"a1\",\"received_at\":\"2026-01-01T00:00:02.000000Z\","
	    "\"action\":\"ANNOTATION_CREATED\",\"family\":\"annotations\",\"project_id\":4,"
	    "\"payload\":{\"annotation\":{\"result\":[{\"from_name\":\"c\",\"type\":"
	    "\"choices\",\"value\":{\"choices\":[\"Y\",\"N\"]}}]}}}\n", f);
	fclose(f);
	CHECK(ontology_rebuild(dir, 0, &events, why, sizeof(why)) == LSH_OK &&
	    events == 2, "rebuild replays both logs, skipping the torn line");
	snprintf(before, sizeof(before), "%s", slurp("ontology/4.json"));
	CHECK_STR(before, "{\"project_id\":4,\"controls\":{\"c\":{\"declared\":"
	    "[{\"value\":\"Y\"}],\"target\":\"t\",\"type\":\"Choices\",\"undeclared\":"
	    "[\"N\"],\"used\":[\"N\",\"Y\"]}}}\n", "the rebuilt view");
	CHECK(strstr(show(4), "\"counts\":{\"N\":1,\"Y\":1}") != NULL,
	    "the rebuilt counts");
	CHECK(slurp("ontology/9.json")[0] == '\0',
	    "a view with no records left in the logs is dropped");
}

int
main(void)
{
	char cmd[600];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_declared();
	test_used();
	test_apply();
	test_lone_surrogate_labels();
	test_rebuild();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return unit_done();
}
