/*
 * jtree.c: JSON into a tree of raw tokens, and back out canonically.
 *
 * Label Studio data holds integers above 2^53 (tweet ids, snowflakes) that
 * cJSON re-prints through a double, so nothing here converts a number or
 * re-escapes a string: every scalar stays the exact bytes of the input.
 * Nodes live in an arena freed at once.  A container deeper than the
 * caller's limit is validated but not expanded, so a record of tens of
 * megabytes costs nodes only for the levels the caller reads.  Parsing
 * and printing keep the open containers in arrays (frames), never on the
 * C stack.  Strings decode to WTF-8: a lone surrogate escape becomes the
 * 3 bytes UTF-8 would give it (wtf8.h has the rule).
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

/* A member's key token, k.start..k.end; end 0: no key. */
struct jkey {
	size_t		 start;
	size_t		 end;
	int		 escaped;
};

/* One open container: what its node needs once it closes. */
struct jframe {
	size_t		 start;		/* its opening bracket */
	size_t		 base;		/* its first kid on the stack */
	struct jkey	 key;
	int		 build;		/* its node is built */
	int		 expand;	/* its kids are built */
	char		 close;
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
	struct jframe	 *frames;	/* the open containers */
	size_t		  fcap;
	int		  nomem;
};

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

/* A scalar token at p->pos: scanned, its type in *type. */
static int
scan_scalar(struct parser *p, enum jtype *type)
{
	int escaped;

	switch (p->in[p->pos]) {
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

/* A key token and its ':' at p->pos, remembered in *k. */
static int
scan_key(struct parser *p, struct jkey *k)
{
	k->start = p->pos;
	if (p->pos >= p->n || p->in[p->pos] != '"')
		return fail(p, "expected a key");
	if (scan_string(p, &k->escaped) == -1)
		return -1;
	k->end = p->pos;
	skip_ws(p);
	if (p->pos >= p->n || p->in[p->pos] != ':')
		return fail(p, "expected ':'");
	p->pos++;
	skip_ws(p);
	return 0;
}

/*
 * The node of a value that spans start..p->pos, keyed by k (k->end 0: an
 * item or the root), pushed on the kids stack.
 */
static struct jnode *
add_node(struct parser *p, enum jtype type, size_t start,
    const struct jkey *k)
{
	struct jnode *n;

	n = arena_alloc(p->t, sizeof(*n));
	if (n == NULL) {
		nomem(p);
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->tok = p->in + start;
	n->toklen = p->pos - start;
	if (k->end != 0 && set_key(p, n, k->start, k->end, k->escaped) == -1)
		return NULL;
	if (push_kid(p, n) == -1)
		return NULL;
	return n;
}

/* Open the container at p->pos as frame depth. */
static int
open_container(struct parser *p, size_t depth, int build,
    const struct jkey *k)
{
	struct jframe *f;
	size_t cap;

	if (depth >= JTREE_MAX_DEPTH)
		return fail(p, "nested too deeply");
	if (depth == p->fcap) {
		cap = p->fcap ? p->fcap * 2 : 16;
		f = realloc(p->frames, cap * sizeof(*f));
		if (f == NULL)
			return nomem(p);
		p->frames = f;
		p->fcap = cap;
	}
	f = &p->frames[depth];
	f->start = p->pos;
	f->base = p->sn;
	f->key = *k;
	f->build = build;
	f->expand = build &&
	    (p->maxdepth == JTREE_FULL || depth < (size_t)p->maxdepth);
	f->close = p->in[p->pos] == '{' ? '}' : ']';
	p->pos++;
	skip_ws(p);
	return 0;
}

/* The container of frame f is complete (p->pos past its bracket). */
static int
close_container(struct parser *p, const struct jframe *f)
{
	struct jnode *n;
	size_t base = f->base;

	if (!f->build)
		return 0;
	n = add_node(p, f->close == '}' ? JT_OBJECT : JT_ARRAY, f->start,
	    &f->key);
	if (n == NULL)
		return -1;
	n->folded = !f->expand;
	if (!f->expand)
		return 0;
	/* The node went on the stack above its kids: take them below it. */
	p->sn--;
	if (adopt_kids(p, n, base) == -1)
		return -1;
	return push_kid(p, n);
}

/*
 * After a value inside the container of frame *depth - 1: a ',' and the
 * next key if any (returns 1: a value follows, its key in *k), or the
 * closing bracket, which completes the container and goes on outward.
 * Returns 0 when the root is complete, -1 on error.
 */
static int
after_value(struct parser *p, size_t *depth, struct jkey *k)
{
	const struct jframe *f;
	int r;

	while (*depth > 0) {
		f = &p->frames[*depth - 1];
		r = next_in(p, f->close);
		if (r == -1)
			return -1;
		if (r == 0) {
			k->end = 0;
			if (f->close == '}' && scan_key(p, k) == -1)
				return -1;
			return 1;
		}
		(*depth)--;
		if (close_container(p, f) == -1)
			return -1;
	}
	return 0;
}

/*
 * Parse one value at p->pos without recursion: p->frames holds the open
 * containers (at most JTREE_MAX_DEPTH), p->stack the nodes built and not
 * yet adopted.  A built root ends as the only node on the stack.
 */
/*
 * Just inside a container's opening bracket: its closing bracket (returns
 * 0, the container is empty) or a first value, with its key if any in *k
 * (returns 1).
 */
static int
next_in_first(struct parser *p, const struct jframe *f, struct jkey *k)
{
	if (p->pos < p->n && p->in[p->pos] == f->close) {
		p->pos++;
		return 0;
	}
	k->end = 0;
	if (f->close == '}' && scan_key(p, k) == -1)
		return -1;
	return 1;
}

static int
parse_value(struct parser *p)
{
	struct jkey k = { 0, 0, 0 };
	size_t depth = 0, start;
	enum jtype type;
	int build, r;

	for (;;) {
		if (p->pos >= p->n)
			return fail(p, "unexpected end of input");
		build = depth == 0 || p->frames[depth - 1].expand;
		start = p->pos;
		if (p->in[p->pos] == '{' || p->in[p->pos] == '[') {
			if (open_container(p, depth, build, &k) == -1)
				return -1;
			depth++;
			r = next_in_first(p, &p->frames[depth - 1], &k);
			if (r == -1)
				return -1;
			if (r == 1)
				continue;
			depth--;
			if (close_container(p, &p->frames[depth]) == -1)
				return -1;
		} else {
			if (scan_scalar(p, &type) == -1)
				return -1;
			if (build && add_node(p, type, start, &k) == NULL)
				return -1;
		}
		r = after_value(p, &depth, &k);
		if (r <= 0)
			return r;
	}
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
	r = parse_value(&p);
	if (r == 0) {
		t->root = p.stack[0];
		skip_ws(&p);
		if (p.pos != len)
			r = fail(&p, text[p.pos] == '\0' ? "NUL byte" :
			    "trailing data");
	}
	free(p.stack);
	free(p.frames);
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

/*
 * One container being written by jtree_write_canon: its members in
 * canonical order (objects), the next to write, and the tree parsed again
 * when the container was folded.
 */
struct wframe {
	const struct jnode	 *n;
	const struct jnode	**m;
	size_t			  count;
	size_t			  i;
	struct jtree		  sub;
};

struct writer {
	struct buf	*b;
	struct wframe	*v;
	size_t		 n;
	size_t		 cap;
};

static void
wframe_free(struct wframe *f)
{
	free(f->m);
	jtree_free(&f->sub);
}

/* A new frame for container n on the writer's stack, or NULL. */
static struct wframe *
wframe_push(struct writer *w, const struct jnode *n)
{
	struct wframe *v;
	size_t cap;

	if (w->n == w->cap) {
		cap = w->cap ? w->cap * 2 : 16;
		v = realloc(w->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		w->v = v;
		w->cap = cap;
	}
	v = &w->v[w->n++];
	memset(v, 0, sizeof(*v));
	v->n = n;
	return v;
}

/*
 * Start writing n: a scalar (or an empty folded container) is written
 * whole; a container gets its opening bracket and a frame, its kids
 * follow from write_loop.  A folded container is parsed again in full
 * (its text was validated already: only ENOMEM fails).
 */
static int
write_start(struct writer *w, const struct jnode *n)
{
	struct wframe *f;
	long count;

	if (n->type != JT_OBJECT && n->type != JT_ARRAY) {
		buf_add(w->b, n->tok, n->toklen);
		return 0;
	}
	if (n->folded && n->toklen == 2) {	/* {} or [] */
		buf_add(w->b, n->tok, 2);
		return 0;
	}
	if ((f = wframe_push(w, n)) == NULL)
		return -1;
	if (n->folded) {
		if (jtree_parse(&f->sub, n->tok, n->toklen, JTREE_FULL) != LSH_OK)
			return -1;
		f->n = f->sub.root;
	}
	if (f->n->type == JT_ARRAY) {
		f->count = f->n->nkids;
		buf_putc(w->b, '[');
		return 0;
	}
	count = jtree_members(f->n, &f->m);
	if (count < 0)
		return -1;
	f->count = (size_t)count;
	buf_putc(w->b, '{');
	return 0;
}

/* Write the kids of the open frames, innermost first, without recursion. */
static int
write_loop(struct writer *w)
{
	struct wframe *f;
	const struct jnode *kid;

	while (w->n > 0) {
		f = &w->v[w->n - 1];
		if (f->i == f->count) {
			buf_putc(w->b, f->n->type == JT_OBJECT ? '}' : ']');
			wframe_free(f);
			w->n--;
			continue;
		}
		if (f->i > 0)
			buf_putc(w->b, ',');
		if (f->m != NULL) {
			kid = f->m[f->i];
			buf_add(w->b, kid->key, kid->keylen);
			buf_putc(w->b, ':');
		} else
			kid = f->n->kids[f->i];
		f->i++;
		if (write_start(w, kid) == -1)
			return -1;
	}
	return 0;
}

enum lsh_err
jtree_write_canon(struct buf *b, const struct jnode *n)
{
	struct writer w = { b, NULL, 0, 0 };
	int r;

	r = write_start(&w, n);
	if (r == 0)
		r = write_loop(&w);
	while (w.n > 0)
		wframe_free(&w.v[--w.n]);
	free(w.v);
	if (r == -1 || b->failed)
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
