/* test_wtf8.c: lone surrogates between JSON escapes and WTF-8 bytes. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "unit.h"
#include "wtf8.h"

static const char *
unescape(const char *in)
{
	static struct buf b;

	b.len = 0;
	wtf8_unescape_lone(&b, in, strlen(in));
	buf_putc(&b, '\0');
	return b.p;
}

static const char *
escape(const char *in)
{
	static struct buf b;

	b.len = 0;
	wtf8_escape(&b, in, strlen(in));
	buf_putc(&b, '\0');
	return b.p;
}

static const char *
json_escape(const char *in)
{
	static struct buf b;

	b.len = 0;
	buf_json_escape(&b, in, strlen(in));
	buf_putc(&b, '\0');
	return b.p;
}

static void
test_unescape(void)
{
	CHECK_STR(unescape("[\"\\ud83d\"]"), "[\"\xed\xa0\xbd\"]", "lone high");
	CHECK_STR(unescape("[\"\\uDC00x\"]"), "[\"\xed\xb0\x80x\"]", "lone low");
	CHECK_STR(unescape("[\"\\ud83d\\u0041\"]"), "[\"\xed\xa0\xbd\\u0041\"]",
	    "high + not low: only the high");
	CHECK_STR(unescape("[\"\\ud83d\\ude00\"]"), "[\"\\ud83d\\ude00\"]",
	    "a pair stays");
	CHECK_STR(unescape("[\"\\ude00\\ud83d\"]"), "[\"\xed\xb8\x80\xed\xa0\xbd\"]",
	    "low then high: two lone");
	CHECK_STR(unescape("[\"\\\\ud83d\"]"), "[\"\\\\ud83d\"]",
	    "an escaped backslash is no escape");
	CHECK_STR(unescape("[\"\\\"\\ud83d\"]"), "[\"\\\"\xed\xa0\xbd\"]",
	    "an escaped quote does not end the string");
	CHECK_STR(unescape("{\"\\udc00\":1}"), "{\"\xed\xb0\x80\":1}", "in a key");
	CHECK_STR(unescape("[\"\\ud83d"), "[\"\xed\xa0\xbd", "cut text");
	CHECK_STR(unescape("[\"\\ud8"), "[\"\\ud8", "cut escape: kept");
}

static void
test_escape(void)
{
	CHECK_STR(escape("[\"\xed\xa0\xbd\"]"), "[\"\\ud83d\"]", "high back");
	CHECK_STR(escape("[\"\xed\xbf\xbf\xed\x9f\xbf\"]"), "[\"\\udfff\xed\x9f\xbf\"]",
	    "U+D7FF is no surrogate");
	CHECK_STR(escape("\xed\xa0"), "\xed\xa0", "cut sequence: kept");
	CHECK_STR(json_escape("a\xed\xa0\xbd\"\xff"), "a\\ud83d\\\"\\u00ff",
	    "buf_json_escape writes WTF-8 surrogates as escapes");
	CHECK(wtf8_surrogate((const unsigned char *)"\xed\xb0\x80", 3) == 0xdc00 &&
	    wtf8_surrogate((const unsigned char *)"\xed\x9f\xbf", 3) == 0,
	    "wtf8_surrogate");
}

int
main(void)
{
	test_unescape();
	test_escape();
	return unit_done();
}
