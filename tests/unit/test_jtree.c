/* test_jtree.c: the raw-token tree: validity, folding, canonical form, ids. */
#include <stdlib.h>
#include <string.h>

#include "jtree.h"
#include "unit.h"

/* Parse in (to maxdepth) and write it canonically into out. */
static enum lsh_err
canon(const char *in, int maxdepth, char *out, size_t outsz)
{
	struct jtree t;
	struct buf b = { 0 };
	enum lsh_err e;

	out[0] = '\0';
	e = jtree_parse(&t, in, strlen(in), maxdepth);
	if (e == LSH_OK)
		e = jtree_write_canon(&b, t.root);
	if (e == LSH_OK)
		snprintf(out, outsz, "%.*s", (int)b.len, b.p);
	buf_free(&b);
	jtree_free(&t);
	return e;
}

static void
test_validity(void)
{
	static const struct {
		const char *in;
		const char *err;	/* NULL: valid */
	} v[] = {
		{ "{}", NULL },
		{ " [1, -2.5e+3, true, false, null, \"x\"] \n", NULL },
		{ "\"\\u00e9\\ud83d\\ude00\\n\\\"\"", NULL },
		{ "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", NULL },
		{ "0", NULL },
		{ "", "unexpected end of input" },
		{ "[1", "unterminated container" },
		{ "{} x", "trailing data" },
		{ "{}{}", "trailing data" },
		{ "{\"a\":01}", "expected ',' or end of container" },
		{ "[1.]", "bad number" },
		{ "[.5]", "unexpected character" },
		{ "[-]", "bad number" },
		{ "[1e]", "bad number" },
		{ "[tru]", "unexpected character" },
		{ "[1,]", "unexpected character" },
		{ "{,}", "expected a key" },
		{ "{\"a\"}", "expected ':'" },
		{ "{a:1}", "expected a key" },
		{ "\"\x01\"", "control character in string" },
		{ "\"\\x\"", "bad escape" },
		{ "\"\\u12G4\"", "bad \\u escape" },
		{ "\"\xff\"", "invalid UTF-8" },
		{ "\"\xc0\xaf\"", "invalid UTF-8" },
		{ "\"\xed\xa0\x80\"", "invalid UTF-8" },
		{ "\"\xf4\x90\x80\x80\"", "invalid UTF-8" },
		{ "\"\xe2\x82\"", "invalid UTF-8" },
		{ "{\"a\":\"unterminated}", "unterminated string" },
		{ "[1\f]", "expected ',' or end of container" },
	};
	struct jtree t;
	enum lsh_err e;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		e = jtree_parse(&t, v[i].in, strlen(v[i].in), JTREE_FULL);
		if (v[i].err == NULL)
			CHECK(e == LSH_OK && t.root != NULL, v[i].in);
		else {
			CHECK(e == LSH_E_JSON && t.root == NULL, v[i].in);
			CHECK_STR(t.err, v[i].err, v[i].in);
		}
		jtree_free(&t);
	}
	e = jtree_parse(&t, "[1,\0]", 5, JTREE_FULL);
	CHECK(e == LSH_E_JSON && strcmp(t.err, "NUL byte") == 0 &&
	    t.err_off == 3, "a NUL byte is refused where it is");
	jtree_free(&t);
}

static void
test_depth(void)
{
	size_t n = JTREE_MAX_DEPTH + 1, i;
	char *s = malloc(2 * n + 1);
	struct jtree t;

	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[2 * n - 1 - i] = ']';
	}
	s[2 * n] = '\0';
	CHECK(jtree_parse(&t, s + 1, 2 * n - 2, JTREE_FULL) == LSH_OK,
	    "JTREE_MAX_DEPTH levels of nesting parse");
	jtree_free(&t);
	CHECK(jtree_parse(&t, s, 2 * n, JTREE_FULL) == LSH_E_JSON &&
	    strcmp(t.err, "nested too deeply") == 0, "one more does not");
	jtree_free(&t);
	free(s);
}

/* levels containers: lists ('l'), {"k":...} ('d') or both in turn ('m'). */
static char *
deep_text(size_t levels, char kind, size_t *n)
{
	char *p = malloc(levels * 6 + 2);
	size_t k = 0, i;
	int obj;

	for (i = 0; i < levels; i++) {
		obj = kind == 'd' || (kind == 'm' && i % 2 == 1);
		memcpy(p + k, obj ? "{\"k\":" : "[", obj ? 5 : 1);
		k += obj ? 5 : 1;
	}
	p[k++] = '0';
	for (i = levels; i-- > 0;) {
		obj = kind == 'd' || (kind == 'm' && i % 2 == 1);
		p[k++] = obj ? '}' : ']';
	}
	p[k] = '\0';
	*n = k;
	return p;
}

/* Deep trees parse, print and fold without recursion. */
static void
test_deep(void)
{
	static const char kinds[] = "ldm";
	struct buf b = { 0 };
	struct jtree t;
	char *s, name[96];
	size_t n, i;

	for (i = 0; i < 3; i++) {
		s = deep_text(900, kinds[i], &n);
		snprintf(name, sizeof(name), "900 levels (%c) parse and print back",
		    kinds[i]);
		b.len = 0;
		CHECK(jtree_parse(&t, s, n, JTREE_FULL) == LSH_OK &&
		    jtree_write_canon(&b, t.root) == LSH_OK && b.len == n &&
		    memcmp(b.p, s, n) == 0, name);
		jtree_free(&t);
		snprintf(name, sizeof(name), "900 levels (%c) folded at 2 print whole",
		    kinds[i]);
		b.len = 0;
		CHECK(jtree_parse(&t, s, n, 2) == LSH_OK && t.root->nkids == 1 &&
		    t.root->kids[0]->nkids == 1 && t.root->kids[0]->kids[0]->folded &&
		    jtree_write_canon(&b, t.root) == LSH_OK && b.len == n &&
		    memcmp(b.p, s, n) == 0, name);
		jtree_free(&t);
		free(s);
		s = deep_text(JTREE_MAX_DEPTH, kinds[i], &n);
		snprintf(name, sizeof(name),
		    "JTREE_MAX_DEPTH levels (%c) parse and print back", kinds[i]);
		b.len = 0;
		CHECK(jtree_parse(&t, s, n, JTREE_FULL) == LSH_OK &&
		    jtree_write_canon(&b, t.root) == LSH_OK && b.len == n &&
		    memcmp(b.p, s, n) == 0, name);
		jtree_free(&t);
		free(s);
		s = deep_text(JTREE_MAX_DEPTH + 1, kinds[i], &n);
		snprintf(name, sizeof(name), "one level more (%c) is refused",
		    kinds[i]);
		CHECK(jtree_parse(&t, s, n, JTREE_FULL) == LSH_E_JSON &&
		    strcmp(t.err, "nested too deeply") == 0, name);
		jtree_free(&t);
		free(s);
	}
	CHECK(JTREE_MAX_DEPTH == LSH_JSON_MAX_DEPTH + 1,
	    "a record (body + envelope) always parses");
	buf_free(&b);
}

/*
 * Lone surrogate escapes parse, print as written, and decode to WTF-8
 * (a surrogate as the 3 bytes UTF-8 would give it); a pair decodes to
 * the code point.
 */
static void
test_surrogates(void)
{
	static const struct {
		const char *in;
		const char *decoded;
	} v[] = {
		{ "\"\\ud83d\"", "\xed\xa0\xbd" },		/* lone high */
		{ "\"\\udc00\"", "\xed\xb0\x80" },		/* lone low */
		{ "\"\\ud83dA\"", "\xed\xa0\xbd" "A" },	/* high, a byte */
		{ "\"\\ud83d\\u0041\"", "\xed\xa0\xbd" "A" }, /* high + not low */
		{ "\"\\ude00\\ud83d\"", "\xed\xb8\x80\xed\xa0\xbd" },
		{ "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80" },	/* a pair */
		{ "\"\\ud83d\\ud83d\\ude00\"", "\xed\xa0\xbd\xf0\x9f\x98\x80" },
	};
	struct buf b = { 0 };
	struct jtree t;
	char out[32], name[96];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(name, sizeof(name), "surrogates %zu: %s", i, v[i].in);
		b.len = 0;
		CHECK(jtree_parse(&t, v[i].in, strlen(v[i].in), JTREE_FULL) ==
		    LSH_OK && jtree_string(t.root, out, sizeof(out)) ==
		    (long)strlen(v[i].decoded) && strcmp(out, v[i].decoded) == 0 &&
		    jtree_write_canon(&b, t.root) == LSH_OK &&
		    b.len == strlen(v[i].in) && memcmp(b.p, v[i].in, b.len) == 0,
		    name);
		jtree_free(&t);
	}
	CHECK(jtree_parse(&t, "{\"\\udc00\":1}", 12, JTREE_FULL) == LSH_OK &&
	    jtree_get(t.root, "\xed\xb0\x80") != NULL,
	    "a key with a lone surrogate is found by its WTF-8 name");
	jtree_free(&t);
	buf_free(&b);
}

static void
test_canonical(void)
{
	char out[512];

	CHECK(canon(" { \"b\" : [ 2 , 1 ] , \"a\" : { } } ", JTREE_FULL, out,
	    sizeof(out)) == LSH_OK, "canonical: parses");
	CHECK_STR(out, "{\"a\":{},\"b\":[2,1]}", "compact, keys sorted, "
	    "arrays kept in order");
	canon("{\"id\":9007199254740993,\"x\":-0.10e-7,\"s\":\"\\u00e9\\/\"}",
	    JTREE_FULL, out, sizeof(out));
	CHECK_STR(out, "{\"id\":9007199254740993,\"s\":\"\\u00e9\\/\","
	    "\"x\":-0.10e-7}", "numbers and strings byte for byte");
	canon("{\"\\u0062\":1,\"a\":2,\"ab\":3,\"B\":4}", JTREE_FULL, out,
	    sizeof(out));
	CHECK_STR(out, "{\"B\":4,\"a\":2,\"ab\":3,\"\\u0062\":1}",
	    "sorted by decoded key, byte order; keys written as given");
	canon("{\"a\":1,\"b\":2,\"a\":3}", JTREE_FULL, out, sizeof(out));
	CHECK_STR(out, "{\"a\":3,\"b\":2}", "a repeated key: the last wins");
	canon("{\"\\u00e9\":1,\"\xc3\xa9\":2,\"z\":3}", JTREE_FULL, out,
	    sizeof(out));
	CHECK_STR(out, "{\"z\":3,\"\xc3\xa9\":2}",
	    "an escaped and a plain spelling are one key");
	canon("[{\"z\":{\"y\":[{\"b\":1,\"a\":0}]}}]", JTREE_FULL, out,
	    sizeof(out));
	CHECK_STR(out, "[{\"z\":{\"y\":[{\"a\":0,\"b\":1}]}}]", "deep sort");
}

static void
test_folding(void)
{
	const char *in = "{\"b\":[3, {\"d\":1,\"c\":2}],\"a\":{ \"z\" : 1 ,"
	    " \"y\" : { } }}";
	const struct jnode *a, *b;
	struct buf buf = { 0 };
	struct jtree t;
	char out[256];

	CHECK(jtree_parse(&t, in, strlen(in), 1) == LSH_OK, "folded parse");
	a = jtree_get(t.root, "a");
	b = jtree_get(t.root, "b");
	CHECK(t.root->nkids == 2 && !t.root->folded, "the root is expanded");
	CHECK(a != NULL && a->folded && a->nkids == 0 &&
	    a->toklen == 23 && memcmp(a->tok, "{ \"z\" : 1 ,", 11) == 0,
	    "a level-1 container is folded, its text kept");
	CHECK(b != NULL && b->folded && b->type == JT_ARRAY, "arrays fold too");
	CHECK(jtree_get(a, "z") == NULL, "no members in a folded object");
	jtree_write_canon(&buf, t.root);
	snprintf(out, sizeof(out), "%.*s", (int)buf.len, buf.p);
	CHECK_STR(out, "{\"a\":{\"y\":{},\"z\":1},\"b\":[3,{\"c\":2,\"d\":1}]}",
	    "folded containers are written canonically too");
	buf_free(&buf);
	jtree_free(&t);
	CHECK(jtree_parse(&t, "[[}]", 4, 1) == LSH_E_JSON,
	    "folded containers are still validated");
	jtree_free(&t);
}

static void
test_access(void)
{
	const char *in = "{\"a\":1,\"s\":\"caf\\u00e9 \\ud83d\\ude00\\n\\t\","
	    "\"a\":2,\"nul\":\"x\\u0000y\",\"k\\u0065y\":true}";
	const struct jnode **m, *n;
	struct jtree t;
	char s[64];
	long count;

	CHECK(jtree_parse(&t, in, strlen(in), JTREE_FULL) == LSH_OK, "access");
	n = jtree_get(t.root, "a");
	CHECK(n != NULL && n->toklen == 1 && n->tok[0] == '2',
	    "jtree_get: the last of a repeated key");
	CHECK(jtree_get(t.root, "key") != NULL &&
	    jtree_get(t.root, "key")->type == JT_TRUE, "escaped keys decoded");
	CHECK(jtree_get(t.root, "b") == NULL, "missing key");
	CHECK(jtree_string(jtree_get(t.root, "s"), s, sizeof(s)) == 12 &&
	    strcmp(s, "caf\xc3\xa9 \xf0\x9f\x98\x80\n\t") == 0,
	    "jtree_string decodes escapes and surrogate pairs");
	CHECK(jtree_string(jtree_get(t.root, "s"), s, 12) == -1,
	    "jtree_string: too small a buffer");
	CHECK(jtree_string(jtree_get(t.root, "nul"), s, sizeof(s)) == -1,
	    "jtree_string: an embedded NUL");
	CHECK(jtree_string(jtree_get(t.root, "a"), s, sizeof(s)) == -1,
	    "jtree_string: not a string");
	count = jtree_members(t.root, &m);
	CHECK(count == 4 && m[0]->namelen == 1 && m[0]->tok[0] == '2' &&
	    memcmp(m[1]->name, "key", 3) == 0 &&
	    memcmp(m[2]->name, "nul", 3) == 0 && m[3]->name[0] == 's',
	    "jtree_members: sorted, repeats dropped");
	free(m);
	jtree_free(&t);
}

static int
idcmp(const char *a, const char *b)
{
	return jtree_idcmp(a, strlen(a), b, strlen(b));
}

static void
test_idcmp(void)
{
	CHECK(idcmp("2", "10") < 0, "2 < 10");
	CHECK(idcmp("10", "2") > 0, "10 > 2");
	CHECK(idcmp("7", "7") == 0, "7 == 7");
	CHECK(idcmp("-5", "3") < 0, "-5 < 3");
	CHECK(idcmp("-10", "-2") < 0, "-10 < -2");
	CHECK(idcmp("9007199254740993", "9007199254740992") > 0,
	    "2^53 + 1 > 2^53");
	CHECK(idcmp("123456789012345678901234567890", "99") > 0,
	    "any number of digits");
	CHECK(idcmp("1.5", "1") > 0, "integers before other numbers");
	CHECK(idcmp("\"a\"", "99") > 0, "numbers before strings");
	CHECK(idcmp("\"a\"", "\"b\"") < 0, "strings by bytes");
}

int
main(void)
{
	test_validity();
	test_depth();
	test_deep();
	test_surrogates();
	test_canonical();
	test_folding();
	test_access();
	test_idcmp();
	return unit_done();
}
