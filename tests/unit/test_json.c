/* test_json.c: the strict scanner: validity, compaction, redaction, ids. */
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "json.h"
#include "unit.h"

static enum lsh_err
scan(const char *in, size_t n, char *out, size_t outsz, struct json_event *ev)
{
	struct buf b = { 0 };
	enum lsh_err e;

	e = json_scan(in, n, &b, ev);
	snprintf(out, outsz, "%.*s", (int)b.len, b.p ? b.p : "");
	buf_free(&b);
	return e;
}

static void
test_validity(void)
{
	static const struct {
		const char *in;
		enum lsh_err want;
	} v[] = {
		{ "{}", LSH_OK },
		{ " {\"a\" : [1, -2.5e+3, true, false, null, \"x\"]}\n", LSH_OK },
		{ "{\"a\":\"\\u00e9\\ud83d\\ude00\\n\\\"\"}", LSH_OK },
		{ "{\"a\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}", LSH_OK },
		{ "[1]", LSH_E_NOT_OBJECT },
		{ "\"x\"", LSH_E_NOT_OBJECT },
		{ "[1", LSH_E_JSON },
		{ "", LSH_E_JSON },
		{ "   ", LSH_E_JSON },
		{ "{} x", LSH_E_JSON },
		{ "{}{}", LSH_E_JSON },
		{ "{\"a\":01}", LSH_E_JSON },
		{ "{\"a\":1.}", LSH_E_JSON },
		{ "{\"a\":.5}", LSH_E_JSON },
		{ "{\"a\":+1}", LSH_E_JSON },
		{ "{\"a\":1e}", LSH_E_JSON },
		{ "{\"a\":NaN}", LSH_E_JSON },
		{ "{\"a\":tru}", LSH_E_JSON },
		{ "{\"a\":1,}", LSH_E_JSON },
		{ "{,}", LSH_E_JSON },
		{ "{\"a\"}", LSH_E_JSON },
		{ "{a:1}", LSH_E_JSON },
		{ "{'a':1}", LSH_E_JSON },
		{ "{\"a\":\"\x01\"}", LSH_E_JSON },
		{ "{\"a\":\"\\x\"}", LSH_E_JSON },
		{ "{\"a\":\"\\u12G4\"}", LSH_E_JSON },
		{ "{\"a\":\"\xff\"}", LSH_E_JSON },
		{ "{\"a\":\"\xc0\xaf\"}", LSH_E_JSON },		/* overlong */
		{ "{\"a\":\"\xed\xa0\x80\"}", LSH_E_JSON },	/* surrogate */
		{ "{\"a\":\"\xf4\x90\x80\x80\"}", LSH_E_JSON },	/* > U+10FFFF */
		{ "{\"a\":\"\xe2\x82\"}", LSH_E_JSON },		/* truncated */
		{ "{\"a\":1\f}", LSH_E_JSON },			/* not JSON space */
		{ "{\"a\":\"unterminated}", LSH_E_JSON },
		{ "{\"a\":\"\\ud83d\\ude00\\uD83D\\uDE00\"}", LSH_OK },
		{ "{\"a\":\"\\ud83d\\u12G4\"}", LSH_E_JSON }, /* bad after high */
		{ "{\"a\":\"\\ud83d\\x\"}", LSH_E_JSON },
		{ "{\"project\\u0000\":{\"token\":\"x\"}}", LSH_E_JSON }, /* NUL key */
		{ "{\"a\":\"NUL \\u0000 in a value is kept\"}", LSH_OK },
	};
	char out[256], name[128];
	struct json_event ev;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(name, sizeof(name), "scan %zu: %.40s", i, v[i].in);
		for (char *p = name; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				*p = '?';
		CHECK(scan(v[i].in, strlen(v[i].in), out, sizeof(out), &ev) ==
		    v[i].want, name);
		json_event_free(&ev);
	}
	CHECK(scan("{}\0", 3, out, sizeof(out), &ev) == LSH_E_JSON,
	    "NUL after the object is refused");
	json_event_free(&ev);
	CHECK(scan("{\"a\":\"x\0y\"}", 11, out, sizeof(out), &ev) == LSH_E_JSON,
	    "NUL inside a string is refused");
	json_event_free(&ev);
}

static int
json_scan_ok(const char *in, size_t n)
{
	struct json_event ev;
	struct buf b = { 0 };
	int ok;

	ok = json_scan(in, n, &b, &ev) == LSH_OK && b.len == n &&
	    memcmp(b.p, in, n) == 0;
	json_event_free(&ev);
	buf_free(&b);
	return ok;
}

static void
test_lone_surrogates(void)
{
	static const char *v[] = {
		"{\"a\":\"\\ud83d\"}",			/* high at the end */
		"{\"a\":\"x\\ud83dy\"}",			/* high, then a byte */
		"{\"a\":\"\\ud83d/\\ude00\"}",		/* high, low apart */
		"{\"a\":\"\\udc00\"}",			/* lone low */
		"{\"a\":\"\\ude00\\ud83d\"}",		/* low, then high */
		"{\"a\":\"\\ud83d\\u0041\"}",		/* high + not low */
		"{\"a\":\"\\ud83d\\ud83d\\ude00\"}",	/* high, then a pair */
		"{\"a\":\"\\ud83d\\n\"}",			/* high + other escape */
		"{\"\\udc00\":\"in a key\"}",
		"{\"a\":\"\\ud83d\\ude00\"}",		/* a valid pair */
	};
	char out[256], name[128];
	struct json_event ev;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(name, sizeof(name), "surrogate %zu: %s kept as written",
		    i, v[i]);
		CHECK(scan(v[i], strlen(v[i]), out, sizeof(out), &ev) == LSH_OK &&
		    strcmp(out, v[i]) == 0, name);
		json_event_free(&ev);
	}
	CHECK(scan("{\"action\": \"A\\ud83d\"}", 21, out, sizeof(out), &ev) ==
	    LSH_OK && ev.action_count == 1 && ev.action.len == 9,
	    "an action with a lone surrogate is still captured raw");
	json_event_free(&ev);
}

/* {"a":...} with levels containers in all, object or array by pattern
 * ('l': lists, 'd': {"k":...}, 'm': both in turn). */
static char *
deep_body(int levels, char kind, size_t *n)
{
	char *p = malloc((size_t)levels * 6 + 16);
	size_t k = 0;
	int i, obj;

	memcpy(p, "{\"a\":", 5);
	k = 5;
	for (i = 1; i < levels; i++) {
		obj = kind == 'd' || (kind == 'm' && i % 2 == 0);
		memcpy(p + k, obj ? "{\"k\":" : "[", obj ? 5 : 1);
		k += obj ? 5 : 1;
	}
	p[k++] = '0';
	for (i = levels - 1; i >= 1; i--) {
		obj = kind == 'd' || (kind == 'm' && i % 2 == 0);
		p[k++] = obj ? '}' : ']';
	}
	p[k++] = '}';
	*n = k;
	return p;
}

static void
test_depth(void)
{
	static const char kinds[] = "ldm";
	char *deep, *out, name[96];
	struct json_event ev;
	size_t n, i;

	for (i = 0; i < 3; i++) {
		deep = deep_body(900, kinds[i], &n);
		out = malloc(n + 1);
		snprintf(name, sizeof(name), "900 levels (%c) copied whole", kinds[i]);
		CHECK(scan(deep, n, out, n + 1, &ev) == LSH_OK &&
		    strlen(out) == n && memcmp(out, deep, n) == 0, name);
		json_event_free(&ev);
		free(out);
		free(deep);
		deep = deep_body(LSH_JSON_MAX_DEPTH, kinds[i], &n);
		snprintf(name, sizeof(name), "nesting at the limit (%d, %c) accepted",
		    LSH_JSON_MAX_DEPTH, kinds[i]);
		CHECK(json_scan_ok(deep, n), name);
		free(deep);
		deep = deep_body(LSH_JSON_MAX_DEPTH + 1, kinds[i], &n);
		snprintf(name, sizeof(name), "one level more (%c) is refused", kinds[i]);
		CHECK(scan(deep, n, NULL, 0, &ev) == LSH_E_JSON &&
		    strcmp(ev.err, "nested too deeply") == 0, name);
		json_event_free(&ev);
		free(deep);
	}
	deep = deep_body(100000, 'l', &n);
	CHECK(scan(deep, n, NULL, 0, &ev) == LSH_E_JSON &&
	    strcmp(ev.err, "nested too deeply") == 0,
	    "100000 levels are refused, no stack growth");
	json_event_free(&ev);
	free(deep);
	/* Python 3.13's json.dumps writes 9998 levels: every body it can
	 * write is accepted, the root object included (lib/json.h) */
	CHECK(LSH_JSON_MAX_DEPTH >= 9998 + 1, "the bound takes 9998 levels");
}

static void
test_compact_and_redact(void)
{
	const char *in =
	    "{\"action\": \"PROJECT_UPDATED\", \"project\": {\"id\": 12, "
	    "\"token\": \"9105a1d897e52286\", \"task_data_login\": {\"u\": 1}, "
	    "\"task_data_password\": null, \"title\": \"a b\"}, "
	    "\"task\": {\"data\": {\"token\": \"keep me\", "
	    "\"tweet_id\": 1460323737035677698}}}";
	const char *want =
	    "{\"action\":\"PROJECT_UPDATED\",\"project\":{\"id\":12,"
	    "\"token\":\"[redacted]\",\"task_data_login\":\"[redacted]\","
	    "\"task_data_password\":\"[redacted]\",\"title\":\"a b\"},"
	    "\"task\":{\"data\":{\"token\":\"keep me\","
	    "\"tweet_id\":1460323737035677698}}}";
	char out[512];
	struct json_event ev;

	CHECK(scan(in, strlen(in), out, sizeof(out), &ev) == LSH_OK, "scan ok");
	CHECK_STR(out, want, "compacted, project secrets redacted, task data kept");
	CHECK(ev.project_id.len == 2 && memcmp(in + ev.project_id.off, "12", 2) == 0,
	    "project id captured");
	CHECK(ev.action_count == 1 && ev.action_string, "action captured");
	json_event_free(&ev);

	in = "{\"project\":{\"\\u0074oken\":\"secret-value\"}}";
	CHECK(scan(in, strlen(in), out, sizeof(out), &ev) == LSH_OK &&
	    strstr(out, "secret-value") == NULL, "escaped key is still redacted");
	json_event_free(&ev);
}

static void
ids(const char *in, const struct spans *s, char *out, size_t outsz)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < s->n && o + s->v[i].len + 2 < outsz; i++) {
		o += (size_t)snprintf(out + o, outsz - o, "%s%.*s", i ? "," : "",
		    (int)s->v[i].len, in + s->v[i].off);
	}
}

static void
test_ids(void)
{
	const char *in =
	    "{\"action\":\"ANNOTATIONS_CREATED\",\"annotation\":[{\"id\":1,\"task\":5},"
	    "{\"id\":2,\"task\":6}],\"task\":[{\"id\":5},{\"id\":6}],"
	    "\"project\":{\"id\":3}}";
	char out[256], got[64];
	struct json_event ev;

	scan(in, strlen(in), out, sizeof(out), &ev);
	ids(in, &ev.annotation_ids, got, sizeof(got));
	CHECK_STR(got, "1,2", "bulk annotation ids");
	ids(in, &ev.task_ids, got, sizeof(got));
	CHECK_STR(got, "5,6", "bulk task ids");
	ids(in, &ev.annotation_task_ids, got, sizeof(got));
	CHECK_STR(got, "5,6", "annotation.task ids");
	json_event_free(&ev);

	in = "{\"action\":\"TASKS_DELETED\",\"tasks\":[{\"id\":9007199254740993},"
	    "{\"id\":8}],\"annotations\":[{\"id\":4}]}";
	scan(in, strlen(in), out, sizeof(out), &ev);
	ids(in, &ev.task_ids, got, sizeof(got));
	CHECK_STR(got, "9007199254740993,8", "ids above 2^53 kept exactly");
	ids(in, &ev.annotation_ids, got, sizeof(got));
	CHECK_STR(got, "4", "annotations[].id");
	CHECK(ev.project_id.len == 0, "no project");
	json_event_free(&ev);
}

static void
test_event(void)
{
	const char *body = "{\"action\": \"TASK_CREATED\", \"tasks\": [{\"id\": 1}]}";
	struct event ev;
	struct iovec iov[3];
	char line[512];

	CHECK(event_parse(&ev, body, strlen(body), NULL) == LSH_OK, "event parses");
	CHECK(ev.route != NULL && ev.route->family == LSH_FAM_TASKS &&
	    strcmp(ev.route->canonical, "TASKS_CREATED") == 0, "alias routed");
	CHECK(strncmp(ev.id, "sha256:", 7) == 0 && strlen(ev.id) == 71, "body id");
	CHECK(event_record(&ev, "tasks", NULL, NULL, iov) == LSH_OK, "record");
	snprintf(line, sizeof(line), "%.*s%.*s%.*s", (int)iov[0].iov_len,
	    (char *)iov[0].iov_base, (int)iov[1].iov_len, (char *)iov[1].iov_base,
	    (int)iov[2].iov_len, (char *)iov[2].iov_base);
	CHECK(strstr(line, "\"action\":\"TASK_CREATED\",\"family\":\"tasks\","
	    "\"project_id\":null,\"task_ids\":[1],\"annotation_ids\":[],"
	    "\"payload\":{\"action\":\"TASK_CREATED\",\"tasks\":[{\"id\":1}]}}\n")
	    != NULL, "record layout");
	event_free(&ev);

	CHECK(event_parse(&ev, "{\"action\":1}", 12, NULL) == LSH_E_ACTION_TYPE,
	    "numeric action");
	event_free(&ev);
	CHECK(event_parse(&ev, "{\"a\":1}", 7, NULL) == LSH_E_NO_ACTION, "no action");
	event_free(&ev);
	CHECK(event_parse(&ev, "{\"action\":\"X\",\"action\":\"Y\"}", 27, NULL) ==
	    LSH_E_DUP_ACTION, "duplicate action");
	event_free(&ev);
	CHECK(event_parse(&ev, "{\"action\":\"X\"}", 14, "bad id") == LSH_E_BAD_ID,
	    "webhook-id with a space");
	event_free(&ev);
	CHECK(event_parse(&ev, "{\"action\":\"NEW\"}", 16, "msg_1") == LSH_OK &&
	    ev.route == NULL && strcmp(ev.id, "msg_1") == 0, "unknown action, webhook id");
	event_free(&ev);
}

int
main(void)
{
	test_validity();
	test_lone_surrogates();
	test_depth();
	test_compact_and_redact();
	test_ids();
	test_event();
	return unit_done();
}
