/*
 * wtf8.c: lone UTF-16 surrogates between JSON escapes and WTF-8 bytes.
 * The rule these helpers keep is in wtf8.h.
 */
#include <string.h>

#include "wtf8.h"

unsigned
wtf8_surrogate(const unsigned char *p, size_t avail)
{
	if (avail < 3 || p[0] != 0xed || p[1] < 0xa0 || p[1] > 0xbf ||
	    (p[2] & 0xc0) != 0x80)
		return 0;
	return 0xd000u | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
}

static void
put_escape(struct buf *b, unsigned cu)
{
	buf_printf(b, "\\u%04x", cu);
}

void
wtf8_escape(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, from = 0;
	unsigned cu;

	while (i < n) {
		if (u[i] != 0xed || (cu = wtf8_surrogate(u + i, n - i)) == 0) {
			i++;
			continue;
		}
		buf_add(b, s + from, i - from);
		put_escape(b, cu);
		i += 3;
		from = i;
	}
	buf_add(b, s + from, n - from);
}

/* The code unit of the \uXXXX escape at s[i] (i at the '\\'), or -1. */
static long
escape_at(const char *s, size_t n, size_t i)
{
	long v = 0;
	size_t k;
	char c;

	if (n - i < 6 || s[i] != '\\' || s[i + 1] != 'u')
		return -1;
	for (k = i + 2; k < i + 6; k++) {
		c = s[k];
		if (c >= '0' && c <= '9')
			v = v * 16 + (c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v = v * 16 + ((c | 0x20) - 'a' + 10);
		else
			return -1;
	}
	return v;
}

static int
is_high(long cu)
{
	return cu >= 0xd800 && cu <= 0xdbff;
}

static int
is_low(long cu)
{
	return cu >= 0xdc00 && cu <= 0xdfff;
}

/* The escape at s[i] inside a string: how many bytes it spans; *lone
 * tells whether it is a lone surrogate (then *cu holds it). */
static size_t
escape_span(const char *s, size_t n, size_t i, int *lone, long *cu)
{
	*lone = 0;
	*cu = escape_at(s, n, i);
	if (*cu < 0)
		return n - i < 2 ? n - i : 2;	/* \" \\ \n ...: two bytes */
	if (is_high(*cu) && is_low(escape_at(s, n, i + 6)))
		return 12;			/* a pair stays as it is */
	*lone = is_high(*cu) || is_low(*cu);
	return 6;
}

void
wtf8_unescape_lone(struct buf *b, const char *s, size_t n)
{
	size_t i = 0, from = 0, k;
	int in_string = 0, lone;
	long cu;
	char w[3];

	while (i < n) {
		if (s[i] == '"') {
			in_string = !in_string;
			i++;
		} else if (!in_string || s[i] != '\\') {
			i++;
		} else {
			k = escape_span(s, n, i, &lone, &cu);
			if (lone) {
				buf_add(b, s + from, i - from);
				w[0] = (char)0xed;
				w[1] = (char)(0x80 | ((cu >> 6) & 0x3f));
				w[2] = (char)(0x80 | (cu & 0x3f));
				buf_add(b, w, 3);
				from = i + k;
			}
			i += k;
		}
	}
	buf_add(b, s + from, n - from);
}
