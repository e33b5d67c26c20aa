/*
 * jtree.c: JSON into a tree of raw tokens, and back out canonically.
 *
 * Label Studio data holds integers above 2^53 (tweet ids, snowflakes) that
 * cJSON re-prints through a double, so nothing here converts a number or
 * re-escapes a string: every scalar stays the exact bytes of the input.
 * Nodes live in an arena freed at once.  A container deeper than the
 * caller's limit is validated but not expanded, so a record of tens of
 * megabytes costs nodes only for the levels the caller reads.
 *
 * The lexical rules (UTF-8, escapes, numbers) are json.c's, repeated here
 * because json.c keeps them inside its single-pass body scanner.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jtree.h"

#define CHUNK_MIN	4096
#define CHUNK_MAX	(1024 * 1024)

struct jchunk {
	struct jchunk	*next;
	size_t		 used;
	size_t		 cap;
	max_align_t	 data[];
};

struct parser {
	const char	 *in;
	size_t		  n;
	size_t		  pos;
	struct jtree	 *t;
	int		  maxdepth;
	struct jnode	**stack;	/* kids of the open containers */
	size_t		  sn;
	size_t		  scap;
	int		  nomem;
};

static int parse_value(struct parser *, int depth, int build,
    struct jnode **out);

static void *
arena_alloc(struct jtree *t, size_t size)
{
	struct jchunk *c = t->chunks;
	size_t cap;
	void *p;

	if (size > SIZE_MAX / 4)
		return NULL;
	size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) *
	    sizeof(max_align_t);
	if (c == NULL || c->cap - c->used < size) {
		cap = c == NULL ? CHUNK_MIN : c->cap * 2;
		if (cap > CHUNK_MAX)
			cap = CHUNK_MAX;
		if (cap < size)
			cap = size;
		c = malloc(sizeof(*c) + cap);
		if (c == NULL)
			return NULL;
		c->next = t->chunks;
		c->used = 0;
		c->cap = cap;
		t->chunks = c;
	}
	p = (char *)c->data + c->used;
	c->used += size;
	return p;
}

void
jtree_free(struct jtree *t)
{
	struct jchunk *c, *next;

	for (c = t->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	memset(t, 0, sizeof(*t));
}

static int
fail(struct parser *p, const char *why)
{
	if (p->t->err == NULL) {
		p->t->err = why;
		p->t->err_off = p->pos;
	}
	return -1;
}

static int
nomem(struct parser *p)
{
	p->nomem = 1;
	return fail(p, "out of memory");
}

static void
skip_ws(struct parser *p)
{
	while (p->pos < p->n) {
		char c = p->in[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
scan_escape(struct parser *p)
{
	int i;

	if (p->pos >= p->n)
		return fail(p, "unterminated string");
	switch (p->in[p->pos]) {
	case '"': case '\\': case '/': case 'b':
	case 'f': case 'n': case 'r': case 't':
		p->pos++;
		return 0;
	case 'u':
		p->pos++;
		for (i = 0; i < 4; i++, p->pos++)
			if (p->pos >= p->n || hex_value(p->in[p->pos]) < 0)
				return fail(p, "bad \\u escape");
		return 0;
	default:
		return fail(p, "bad escape");
	}
}

/* Scan the string token at p->pos; *escaped tells whether it had escapes. */
static int
scan_string(struct parser *p, int *escaped)
{
	const unsigned char *u = (const unsigned char *)p->in;
	size_t n;

	*escaped = 0;
	p->pos++;	/* opening quote */
	for (;;) {
		if (p->pos >= p->n)
			return fail(p, "unterminated string");
		if (u[p->pos] == '"')
			break;
		if (u[p->pos] == '\\') {
			*escaped = 1;
			p->pos++;
			if (scan_escape(p) == -1)
				return -1;
		} else if (u[p->pos] < 0x20) {
			return fail(p, "control character in string");
		} else if (u[p->pos] < 0x80) {
			p->pos++;
		} else {
			n = utf8_seq_len(u + p->pos, p->n - p->pos);
			if (n == 0)
				return fail(p, "invalid UTF-8");
			p->pos += n;
		}
	}
	p->pos++;	/* closing quote */
	return 0;
}

static size_t
skip_digits(struct parser *p)
{
	size_t start = p->pos;

	while (p->pos < p->n && p->in[p->pos] >= '0' && p->in[p->pos] <= '9')
		p->pos++;
	return p->pos - start;
}

static int
scan_number(struct parser *p)
{
	if (p->in[p->pos] == '-')
		p->pos++;
	if (p->pos < p->n && p->in[p->pos] == '0')
		p->pos++;
	else if (skip_digits(p) == 0)
		return fail(p, "bad number");
	if (p->pos < p->n && p->in[p->pos] == '.') {
		p->pos++;
		if (skip_digits(p) == 0)
			return fail(p, "bad number");
	}
	if (p->pos < p->n && (p->in[p->pos] == 'e' || p->in[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->n &&
		    (p->in[p->pos] == '+' || p->in[p->pos] == '-'))
			p->pos++;
		if (skip_digits(p) == 0)
			return fail(p, "bad number");
	}
	return 0;
}

static int
scan_literal(struct parser *p, const char *lit)
{
	size_t len = strlen(lit);

	if (p->n - p->pos < len || memcmp(p->in + p->pos, lit, len) != 0)
		return fail(p, "unexpected character");
	p->pos += len;
	return 0;
}

/* Append one code point as UTF-8 (lone surrogates too: WTF-8). */
static size_t
put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static unsigned long
hex4(const char *s)
{
	unsigned long v = 0;
	int i;

	for (i = 0; i < 4; i++)
		v = v << 4 | (unsigned long)hex_value(s[i]);
	return v;
}

/* The code point of the \u escape whose hex digits start at s[*i]. */
static unsigned long
decode_u(const char *s, size_t n, size_t *i)
{
	unsigned long cp = hex4(s + *i), lo;

	*i += 4;
	if (cp < 0xd800 || cp > 0xdbff || *i + 6 > n || s[*i] != '\\' ||
	    s[*i + 1] != 'u')
		return cp;
	lo = hex4(s + *i + 2);
	if (lo < 0xdc00 || lo > 0xdfff)
		return cp;
	*i += 6;
	return 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
}

/*
 * Decode the inside of a validated string token, s[0..n), into dst (cap
 * bytes; n always suffices).  Returns the length, or SIZE_MAX when it
 * does not fit.
 */
static size_t
decode(const char *s, size_t n, char *dst, size_t cap)
{
	static const char from[] = "bfnrt", to[] = "\b\f\n\r\t";
	char u[4];
	const char *c;
	size_t i = 0, o = 0, k;

	while (i < n) {
		if (s[i] != '\\') {
			u[0] = s[i++];
			k = 1;
		} else if (s[i + 1] == 'u') {
			i += 2;
			k = put_utf8(u, decode_u(s, n, &i));
		} else {
			c = strchr(from, s[i + 1]);
			u[0] = c != NULL ? to[c - from] : s[i + 1];
			k = 1;
			i += 2;
		}
		if (cap - o < k)
			return SIZE_MAX;
		memcpy(dst + o, u, k);
		o += k;
	}
	return o;
}

static int
push_kid(struct parser *p, struct jnode *kid)
{
	struct jnode **s;
	size_t cap;

	if (p->sn == p->scap) {
		cap = p->scap ? p->scap * 2 : 64;
		s = realloc(p->stack, cap * sizeof(*s));
		if (s == NULL)
			return nomem(p);
		p->stack = s;
		p->scap = cap;
	}
	p->stack[p->sn++] = kid;
	return 0;
}

static int
set_key(struct parser *p, struct jnode *kid, size_t kstart, size_t kend,
    int escaped)
{
	char *name;

	kid->key = p->in + kstart;
	kid->keylen = kend - kstart;
	if (!escaped) {
		kid->name = kid->key + 1;
		kid->namelen = kid->keylen - 2;
		return 0;
	}
	name = arena_alloc(p->t, kid->keylen);
	if (name == NULL)
		return nomem(p);
	kid->name = name;
	kid->namelen = decode(kid->key + 1, kid->keylen - 2, name, kid->keylen);
	return 0;
}

/* After a value in a container: ',' (0) or the closing bracket (1). */
static int
next_in(struct parser *p, char close)
{
	skip_ws(p);
	if (p->pos >= p->n)
		return fail(p, "unterminated container");
	if (p->in[p->pos] == close) {
		p->pos++;
		return 1;
	}
	if (p->in[p->pos] != ',')
		return fail(p, "expected ',' or end of container");
	p->pos++;
	skip_ws(p);
	return 0;
}

static int
parse_member(struct parser *p, int depth, int build)
{
	struct jnode *kid;
	size_t kstart = p->pos, kend;
	int escaped;

	if (p->pos >= p->n || p->in[p->pos] != '"')
		return fail(p, "expected a key");
	if (scan_string(p, &escaped) == -1)
		return -1;
	kend = p->pos;
	skip_ws(p);
	if (p->pos >= p->n || p->in[p->pos] != ':')
		return fail(p, "expected ':'");
	p->pos++;
	skip_ws(p);
	if (parse_value(p, depth + 1, build, &kid) == -1)
		return -1;
	if (!build)
		return 0;
	if (set_key(p, kid, kstart, kend, escaped) == -1)
		return -1;
	return push_kid(p, kid);
}

static int
parse_item(struct parser *p, int depth, int build)
{
	struct jnode *kid;

	if (parse_value(p, depth + 1, build, &kid) == -1)
		return -1;
	return build ? push_kid(p, kid) : 0;
}

/* An object or array at p->pos; kids built go on the stack. */
static int
parse_container(struct parser *p, int depth, int build)
{
	char close = p->in[p->pos] == '{' ? '}' : ']';
	int r;

	if (depth >= JTREE_MAX_DEPTH)
		return fail(p, "nested too deeply");
	p->pos++;
	skip_ws(p);
	if (p->pos < p->n && p->in[p->pos] == close) {
		p->pos++;
		return 0;
	}
	do {
		if (close == '}')
			r = parse_member(p, depth, build);
		else
			r = parse_item(p, depth, build);
		if (r == -1)
			return -1;
	} while ((r = next_in(p, close)) == 0);
	return r == 1 ? 0 : -1;
}

static int
scan_token(struct parser *p, int depth, int build, enum jtype *type)
{
	int escaped;

	switch (p->in[p->pos]) {
	case '{':
		*type = JT_OBJECT;
		return parse_container(p, depth, build);
	case '[':
		*type = JT_ARRAY;
		return parse_container(p, depth, build);
	case '"':
		*type = JT_STRING;
		return scan_string(p, &escaped);
	case 't':
		*type = JT_TRUE;
		return scan_literal(p, "true");
	case 'f':
		*type = JT_FALSE;
		return scan_literal(p, "false");
	case 'n':
		*type = JT_NULL;
		return scan_literal(p, "null");
	default:
		*type = JT_NUMBER;
		if (p->in[p->pos] == '-' ||
		    (p->in[p->pos] >= '0' && p->in[p->pos] <= '9'))
			return scan_number(p);
		return fail(p, p->in[p->pos] == '\0' ? "NUL byte" :
		    "unexpected character");
	}
}

/* Move the kids pushed since base into n, in the arena. */
static int
adopt_kids(struct parser *p, struct jnode *n, size_t base)
{
	size_t count = p->sn - base;

	if (count == 0)
		return 0;
	n->kids = arena_alloc(p->t, count * sizeof(*n->kids));
	if (n->kids == NULL)
		return nomem(p);
	memcpy(n->kids, p->stack + base, count * sizeof(*n->kids));
	n->nkids = count;
	p->sn = base;
	return 0;
}

/*
 * Parse one value at p->pos.  With build, *out gets its node; its kids
 * are built while depth is above the fold limit.
 */
static int
parse_value(struct parser *p, int depth, int build, struct jnode **out)
{
	struct jnode *n;
	size_t start = p->pos, base = p->sn;
	int expand = build &&
	    (p->maxdepth == JTREE_FULL || depth < p->maxdepth);
	enum jtype type;

	*out = NULL;
	if (p->pos >= p->n)
		return fail(p, "unexpected end of input");
	if (scan_token(p, depth, expand, &type) == -1)
		return -1;
	if (!build)
		return 0;
	n = arena_alloc(p->t, sizeof(*n));
	if (n == NULL)
		return nomem(p);
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->tok = p->in + start;
	n->toklen = p->pos - start;
	if (type == JT_OBJECT || type == JT_ARRAY) {
		n->folded = !expand;
		if (expand && adopt_kids(p, n, base) == -1)
			return -1;
	}
	*out = n;
	return 0;
}

enum lsh_err
jtree_parse(struct jtree *t, const char *text, size_t len, int maxdepth)
{
	struct parser p;
	int r;

	memset(t, 0, sizeof(*t));
	memset(&p, 0, sizeof(p));
	p.in = text;
	p.n = len;
	p.t = t;
	p.maxdepth = maxdepth;
	skip_ws(&p);
	r = parse_value(&p, 0, 1, &t->root);
	if (r == 0) {
		skip_ws(&p);
		if (p.pos != len)
			r = fail(&p, text[p.pos] == '\0' ? "NUL byte" :
			    "trailing data");
	}
	free(p.stack);
	if (r == 0)
		return LSH_OK;
	t->root = NULL;
	return p.nomem ? LSH_E_NOMEM : LSH_E_JSON;
}

const struct jnode *
jtree_get(const struct jnode *obj, const char *name)
{
	size_t len = strlen(name), i;

	if (obj == NULL || obj->type != JT_OBJECT)
		return NULL;
	for (i = obj->nkids; i-- > 0;)
		if (obj->kids[i]->namelen == len &&
		    memcmp(obj->kids[i]->name, name, len) == 0)
			return obj->kids[i];
	return NULL;
}

long
jtree_string(const struct jnode *n, char *dst, size_t dstsz)
{
	size_t len;

	if (n == NULL || n->type != JT_STRING || dstsz == 0)
		return -1;
	len = decode(n->tok + 1, n->toklen - 2, dst, dstsz - 1);
	if (len == SIZE_MAX || memchr(dst, '\0', len) != NULL)
		return -1;
	dst[len] = '\0';
	return (long)len;
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

/* A member and its input position, so equal keys keep their order. */
struct slot {
	const struct jnode	*n;
	size_t			 i;
};

static int
slot_cmp(const void *va, const void *vb)
{
	const struct slot *a = va, *b = vb;
	int c = name_cmp(a->n, b->n);

	if (c != 0)
		return c;
	return a->i < b->i ? -1 : a->i > b->i;
}

long
jtree_members(const struct jnode *obj, const struct jnode ***out)
{
	const struct jnode **v;
	struct slot *s;
	size_t i, m = 0;

	*out = NULL;
	if (obj == NULL || obj->type != JT_OBJECT || obj->folded)
		return -1;
	if (obj->nkids == 0)
		return 0;
	s = calloc(obj->nkids, sizeof(*s));
	v = calloc(obj->nkids, sizeof(*v));
	if (s == NULL || v == NULL) {
		free(s);
		free(v);
		return -1;
	}
	for (i = 0; i < obj->nkids; i++) {
		s[i].n = obj->kids[i];
		s[i].i = i;
	}
	qsort(s, obj->nkids, sizeof(*s), slot_cmp);
	for (i = 0; i < obj->nkids; i++)
		if (i + 1 == obj->nkids || name_cmp(s[i].n, s[i + 1].n) != 0)
			v[m++] = s[i].n;
	free(s);
	*out = v;
	return (long)m;
}

static int write_node(struct buf *, const struct jnode *);

static int
write_folded(struct buf *b, const struct jnode *n)
{
	struct jtree t;
	int r = -1;

	if (n->toklen == 2) {	/* {} or [] */
		buf_add(b, n->tok, 2);
		return 0;
	}
	if (jtree_parse(&t, n->tok, n->toklen, JTREE_FULL) == LSH_OK)
		r = write_node(b, t.root);
	jtree_free(&t);
	return r;
}

static int
write_object(struct buf *b, const struct jnode *n)
{
	const struct jnode **m;
	long count, i;
	int r = 0;

	count = jtree_members(n, &m);
	if (count < 0)
		return -1;
	buf_putc(b, '{');
	for (i = 0; i < count && r == 0; i++) {
		if (i > 0)
			buf_putc(b, ',');
		buf_add(b, m[i]->key, m[i]->keylen);
		buf_putc(b, ':');
		r = write_node(b, m[i]);
	}
	buf_putc(b, '}');
	free(m);
	return r;
}

static int
write_node(struct buf *b, const struct jnode *n)
{
	size_t i;

	if ((n->type == JT_OBJECT || n->type == JT_ARRAY) && n->folded)
		return write_folded(b, n);
	if (n->type == JT_OBJECT)
		return write_object(b, n);
	if (n->type != JT_ARRAY) {
		buf_add(b, n->tok, n->toklen);
		return 0;
	}
	buf_putc(b, '[');
	for (i = 0; i < n->nkids; i++) {
		if (i > 0)
			buf_putc(b, ',');
		if (write_node(b, n->kids[i]) == -1)
			return -1;
	}
	buf_putc(b, ']');
	return 0;
}

enum lsh_err
jtree_write_canon(struct buf *b, const struct jnode *n)
{
	if (write_node(b, n) == -1 || b->failed)
		return LSH_E_NOMEM;
	return LSH_OK;
}

/* 0: an integer; 1: another number; 2: a string; 3: anything else. */
static int
id_class(const char *t, size_t n)
{
	size_t i = 0;

	if (n == 0)
		return 3;
	if (t[0] == '"')
		return 2;
	if (t[0] == '-')
		i = 1;
	if (i == n || t[i] < '0' || t[i] > '9')
		return 3;
	for (; i < n; i++)
		if (t[i] < '0' || t[i] > '9')
			return 1;
	return 0;
}

static int
bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

int
jtree_idcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int ca = id_class(a, alen), cb = id_class(b, blen), na, nb, c;

	if (ca != cb)
		return ca < cb ? -1 : 1;
	if (ca != 0)
		return bytes_cmp(a, alen, b, blen);
	na = a[0] == '-';
	nb = b[0] == '-';
	if (na != nb)
		return na ? -1 : 1;
	/* Same sign, no leading zeros: more digits is bigger. */
	if (alen != blen)
		c = alen < blen ? -1 : 1;
	else
		c = memcmp(a, b, alen) < 0 ? -1 : memcmp(a, b, alen) > 0;
	return na ? -c : c;
}
