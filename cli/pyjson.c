/*
 * pyjson.c: a JSON text as Label Studio posts it.  Label Studio loads a
 * payload into Python objects and posts it with requests.post(json=...),
 * that is json.dumps with ", " and ": " between tokens and every byte
 * outside printable ASCII escaped (\uXXXX, surrogate pairs above the
 * BMP).  Strings are re-escaped from their tokens; numbers are kept as
 * they were written (Python would print 1E2 as 100.0: lshook keeps the
 * sender's token, as the handlers do).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "jtree.h"

static void
put_u(struct buf *b, unsigned cp)
{
	buf_printf(b, "\\u%04x", cp);
}

/* One code point: printable ASCII as is, the rest escaped like Python. */
static void
put_cp(struct buf *b, unsigned cp)
{
	switch (cp) {
	case '"': buf_puts(b, "\\\""); return;
	case '\\': buf_puts(b, "\\\\"); return;
	case '\b': buf_puts(b, "\\b"); return;
	case '\f': buf_puts(b, "\\f"); return;
	case '\n': buf_puts(b, "\\n"); return;
	case '\r': buf_puts(b, "\\r"); return;
	case '\t': buf_puts(b, "\\t"); return;
	}
	if (cp >= 0x20 && cp < 0x7f)
		buf_putc(b, (char)cp);
	else if (cp < 0x10000)
		put_u(b, cp);
	else {
		cp -= 0x10000;
		put_u(b, 0xd800 + (cp >> 10));
		put_u(b, 0xdc00 + (cp & 0x3ff));
	}
}

static unsigned
hex4(const unsigned char *p)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= p[i] - '0';
		else
			v |= (p[i] | 0x20) - 'a' + 10;
	}
	return v;
}

/* Decode one UTF-8 sequence (jtree has validated it); returns its length. */
static size_t
utf8(const unsigned char *p, unsigned *cp)
{
	if (p[0] < 0xe0) {
		*cp = (p[0] & 0x1fu) << 6 | (p[1] & 0x3fu);
		return 2;
	}
	if (p[0] < 0xf0) {
		*cp = (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 |
		    (p[2] & 0x3fu);
		return 3;
	}
	*cp = (p[0] & 0x07u) << 18 | (p[1] & 0x3fu) << 12 |
	    (p[2] & 0x3fu) << 6 | (p[3] & 0x3fu);
	return 4;
}

/*
 * A string token (quotes included), re-escaped.  A \uXXXX escape stays
 * one code unit, so lone surrogates survive as Python keeps them.
 */
static void
put_string(struct buf *b, const char *tok, size_t len)
{
	const unsigned char *p = (const unsigned char *)tok + 1;
	const unsigned char *end = (const unsigned char *)tok + len - 1;
	unsigned cp;

	buf_putc(b, '"');
	while (p < end) {
		if (*p == '\\') {
			if (p[1] == 'u') {
				put_cp(b, hex4(p + 2));
				p += 6;
				continue;
			}
			switch (p[1]) {
			case 'b': cp = '\b'; break;
			case 'f': cp = '\f'; break;
			case 'n': cp = '\n'; break;
			case 'r': cp = '\r'; break;
			case 't': cp = '\t'; break;
			default: cp = p[1]; break;	/* " \ / */
			}
			put_cp(b, cp);
			p += 2;
		} else if (*p < 0x80) {
			put_cp(b, *p++);
		} else {
			p += utf8(p, &cp);
			put_cp(b, cp);
		}
	}
	buf_putc(b, '"');
}

/* Whether an earlier member of obj than kids[i] has the same name. */
static int
seen_before(const struct jnode *obj, size_t i)
{
	const struct jnode *k = obj->kids[i];
	size_t j;

	for (j = 0; j < i; j++)
		if (obj->kids[j]->namelen == k->namelen &&
		    memcmp(obj->kids[j]->name, k->name, k->namelen) == 0)
			return 1;
	return 0;
}

/* The value of member k of obj: that of its last occurrence (a dict). */
static const struct jnode *
value_of(const struct jnode *obj, const struct jnode *k)
{
	char name[256];

	if (k->namelen >= sizeof(name) || memchr(k->name, 0, k->namelen) != NULL)
		return k;
	memcpy(name, k->name, k->namelen);
	name[k->namelen] = '\0';
	return jtree_get(obj, name);
}

static int
is_action(const struct jnode *k)
{
	return k->namelen == 6 && memcmp(k->name, "action", 6) == 0;
}

/*
 * One container being written: the next kid to consider, and for the
 * root object whether "action" goes first (and is still to come).
 */
struct pframe {
	const struct jnode	*n;
	size_t			 i;
	int			 action_first;
	int			 action_due;
	int			 first;
};

struct pstack {
	struct pframe	*v;
	size_t		 n;
	size_t		 cap;
};

/* The next kid of f to write (its key node in *key for an object), or NULL. */
static const struct jnode *
next_kid(struct pframe *f, const struct jnode **key)
{
	const struct jnode *k;
	size_t i;

	*key = NULL;
	if (f->n->type == JT_ARRAY)
		return f->i < f->n->nkids ? f->n->kids[f->i++] : NULL;
	if (f->action_due) {
		f->action_due = 0;
		for (i = 0; i < f->n->nkids; i++)
			if (is_action(f->n->kids[i])) {
				*key = f->n->kids[i];
				return value_of(f->n, *key);
			}
	}
	while (f->i < f->n->nkids) {
		i = f->i++;
		k = f->n->kids[i];
		if ((f->action_first && is_action(k)) || seen_before(f->n, i))
			continue;
		*key = k;
		return value_of(f->n, k);
	}
	return NULL;
}

/* Start n: a scalar is written whole, a container opened on the stack. */
static int
put_start(struct buf *b, struct pstack *st, const struct jnode *n,
    int action_first)
{
	struct pframe *v;
	size_t cap;

	if (n->type == JT_STRING) {
		put_string(b, n->tok, n->toklen);
		return 0;
	}
	if (n->type != JT_OBJECT && n->type != JT_ARRAY) {
		buf_add(b, n->tok, n->toklen);
		return 0;
	}
	if (st->n == st->cap) {
		cap = st->cap ? st->cap * 2 : 16;
		v = realloc(st->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		st->v = v;
		st->cap = cap;
	}
	v = &st->v[st->n++];
	memset(v, 0, sizeof(*v));
	v->n = n;
	v->action_first = v->action_due = action_first;
	v->first = 1;
	buf_putc(b, n->type == JT_OBJECT ? '{' : '[');
	return 0;
}

/*
 * Write n as Python would, without recursion: the open containers are on
 * an explicit stack, as deep as the tree (jtree bounds it).
 */
static int
put_tree(struct buf *b, const struct jnode *n, int action_first)
{
	struct pstack st = { NULL, 0, 0 };
	struct pframe *f;
	const struct jnode *kid, *key;
	int r;

	r = put_start(b, &st, n, action_first);
	while (r == 0 && st.n > 0) {
		f = &st.v[st.n - 1];
		kid = next_kid(f, &key);
		if (kid == NULL) {
			buf_putc(b, f->n->type == JT_OBJECT ? '}' : ']');
			st.n--;
			continue;
		}
		if (!f->first)
			buf_puts(b, ", ");
		f->first = 0;
		if (key != NULL) {
			put_string(b, key->key, key->keylen);
			buf_puts(b, ": ");
		}
		r = put_start(b, &st, kid, 0);
	}
	free(st.v);
	return r;
}

int
cli_pyjson(struct buf *out, const char *text, size_t len, char *why,
    size_t whysz)
{
	struct jtree t;
	enum lsh_err e;
	int r;

	memset(&t, 0, sizeof(t));
	e = jtree_parse(&t, text, len, JTREE_FULL);
	if (e != LSH_OK) {
		if (e == LSH_E_JSON)
			snprintf(why, whysz, "not JSON (%s at byte %zu)", t.err,
			    t.err_off);
		else
			snprintf(why, whysz, "out of memory");
		jtree_free(&t);
		return -1;
	}
	r = put_tree(out, t.root, t.root->type == JT_OBJECT);
	jtree_free(&t);
	if (r == -1 || out->failed) {
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	return 0;
}
