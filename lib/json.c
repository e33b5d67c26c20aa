/*
 * json.c: strict single-pass JSON scanner.
 *
 * Request bodies reach tens of megabytes (bulk TASKS_CREATED), so the hot
 * path never builds a tree: one pass validates, compacts, redacts and picks
 * out the ids the log envelope needs.  Only the first three levels of keys
 * are tracked, which is as deep as any field we act on.  Nesting never
 * recurses: the open containers are bits in the scanner (scan_value), so
 * a body nested to LSH_JSON_MAX_DEPTH costs no C stack.  cJSON decodes the
 * small tokens (json_string_decode).
 */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <cjson/cJSON.h>

#include "json.h"

#define PATH_DEPTH 3

/* What to do with a value, decided from its key path. */
enum role {
	ROLE_COPY,
	ROLE_REDACT,
	ROLE_ACTION,
	ROLE_PROJECT,
	ROLE_TASK,
	ROLE_ANNOTATION,
	ROLE_ANNOTATION_TASK,
	ROLE_ANNOTATION_VALUE
};

struct key {
	const char	*p;	/* key bytes inside the quotes; NULL: array item */
	size_t		 len;
	int		 escaped;
	int		 name;	/* enum name */
};

struct level {
	size_t		 start;
	enum role	 role;
	int		 emit;
};

struct scanner {
	const char		*in;
	size_t			 n;
	size_t			 pos;
	struct buf		*out;
	struct json_event	*ev;
	struct key		 path[PATH_DEPTH];
	int			 nomem;
	int			 emit;		/* copy to out (0: redacted) */
	/* One bit per open container, set for an object: the explicit stack
	 * that keeps deep nesting off the C stack. */
	unsigned char		 object[(LSH_JSON_MAX_DEPTH + 7) / 8];
	/* What the open containers of the first levels need when they
	 * close: their role, where they started, emit before them. */
	struct level		 top[PATH_DEPTH + 1];
};

static int
fail(struct scanner *s, const char *why)
{
	if (s->ev->err == NULL) {
		s->ev->err = why;
		s->ev->err_off = s->pos;
	}
	return -1;
}

static inline void
emit_bytes(struct scanner *s, int emit, const char *p, size_t n)
{
	struct buf *b = s->out;

	if (!emit)
		return;
	if (n <= b->cap - b->len) {	/* json_scan reserved the input's size */
		memcpy(b->p + b->len, p, n);
		b->len += n;
	} else
		buf_add(b, p, n);
}

/* One byte: json_scan reserved the input's size, so it always fits. */
static inline void
emit_byte(struct scanner *s, int emit, char c)
{
	struct buf *b = s->out;

	if (!emit)
		return;
	if (b->len < b->cap)
		b->p[b->len++] = c;
	else
		buf_add(b, &c, 1);
}

/* Bytes a string holds as they are: printable ASCII but '"' and '\\'. */
static const unsigned char plain[256] = {
	['\x20'] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Skip the plain bytes of a string from pos; returns the first other one. */
static inline size_t
skip_plain(const unsigned char *u, size_t pos, size_t n)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(0x20);
	__m128i v;
	int m;

	while (n - pos >= 16) {
		v = _mm_loadu_si128((const __m128i *)(u + pos));
		/* signed: bytes >= 0x80 are negative, so "< 0x20" takes them too */
		m = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
		    _mm_cmplt_epi8(v, space)));
		if (m != 0)
			return pos + (size_t)__builtin_ctz((unsigned)m);
		pos += 16;
	}
#endif
	while (pos < n && plain[u[pos]])
		pos++;
	return pos;
}

static inline void
skip_ws(struct scanner *s)
{
	while (s->pos < s->n) {
		char c = s->in[s->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		s->pos++;
	}
}

static int
spans_push(struct scanner *s, struct spans *v, size_t off, size_t len)
{
	struct span *p;
	size_t cap;

	if (v->n == v->cap) {
		cap = v->cap ? v->cap * 2 : 16;
		p = realloc(v->v, cap * sizeof(*p));
		if (p == NULL) {
			s->nomem = 1;
			return -1;
		}
		v->v = p;
		v->cap = cap;
	}
	v->v[v->n].off = off;
	v->v[v->n].len = len;
	v->n++;
	return 0;
}

/* Compare a key with an ASCII literal, decoding escapes if it has any. */
static int
key_is(const struct key *k, const char *lit)
{
	char tmp[64];
	long n;

	if (k->p == NULL)
		return 0;
	if (!k->escaped)
		return k->len == strlen(lit) && memcmp(k->p, lit, k->len) == 0;
	n = json_string_decode(k->p - 1, k->len + 2, tmp, sizeof(tmp));
	return n >= 0 && strcmp(tmp, lit) == 0;
}

/* The keys the roles depend on, named once when the key is read. */
enum name {
	N_OTHER, N_INDEX, N_ACTION, N_PROJECT, N_ID, N_TOKEN, N_LOGIN,
	N_PASSWORD, N_TASK, N_TASKS, N_ANNOTATION, N_ANNOTATIONS, N_PARAMS,
	N_PARAM_LOGIN, N_PARAM_PASSWORD
};

static const struct {
	const char	*lit;
	size_t		 len;
	enum name	 name;
} names[] = {
	{ "action", 6, N_ACTION }, { "project", 7, N_PROJECT }, { "id", 2, N_ID },
	{ "token", 5, N_TOKEN }, { "task_data_login", 15, N_LOGIN },
	{ "task_data_password", 18, N_PASSWORD }, { "task", 4, N_TASK },
	{ "tasks", 5, N_TASKS }, { "annotation", 10, N_ANNOTATION },
	{ "annotations", 11, N_ANNOTATIONS }, { "params", 6, N_PARAMS },
	{ "login", 5, N_PARAM_LOGIN }, { "password", 8, N_PARAM_PASSWORD }
};

static enum name
name_of(const struct key *k)
{
	size_t i;

	if (k->p == NULL)
		return N_INDEX;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (k->escaped ? key_is(k, names[i].lit) : (k->len == names[i].len &&
		    memcmp(k->p, names[i].lit, k->len) == 0))
			return names[i].name;
	return N_OTHER;
}

static enum role
role_of(const struct scanner *s, int depth)
{
	const struct key *k = s->path;
	enum name n0 = k[0].name, n1 = depth >= 2 ? k[1].name : N_OTHER;
	enum name n2 = depth >= 3 ? k[2].name : N_OTHER;

	if (depth == 1) {
		if (n0 == N_ACTION)
			return ROLE_ACTION;
		if (n0 == N_PROJECT)
			return ROLE_PROJECT;
		if (n0 == N_ANNOTATION)
			return ROLE_ANNOTATION_VALUE;
	} else if (depth == 2 && n0 == N_PARAMS) {
		/* Label Studio's /train and /predict: the task data login */
		if (n1 == N_PARAM_LOGIN || n1 == N_PARAM_PASSWORD || n1 == N_TOKEN)
			return ROLE_REDACT;
	} else if (depth == 2 && n0 == N_PROJECT) {
		if (n1 == N_ID)
			return ROLE_PROJECT;
		if (n1 == N_TOKEN || n1 == N_LOGIN || n1 == N_PASSWORD)
			return ROLE_REDACT;
	} else if (depth == 2) {
		if (n0 == N_TASK && n1 == N_ID)
			return ROLE_TASK;
		if (n0 == N_ANNOTATION && n1 == N_ID)
			return ROLE_ANNOTATION;
		if (n0 == N_ANNOTATION && n1 == N_TASK)
			return ROLE_ANNOTATION_TASK;
	} else if (depth == 3 && n1 == N_INDEX) {
		if ((n0 == N_TASK || n0 == N_TASKS) && n2 == N_ID)
			return ROLE_TASK;
		if ((n0 == N_ANNOTATION || n0 == N_ANNOTATIONS) && n2 == N_ID)
			return ROLE_ANNOTATION;
		if (n0 == N_ANNOTATION && n2 == N_TASK)
			return ROLE_ANNOTATION_TASK;
	}
	return ROLE_COPY;
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

/* The 4 hex digits of a \u escape at s->pos (after the 'u'), or -1. */
static long
scan_u4(struct scanner *s)
{
	long v = 0;
	int i, h;

	for (i = 0; i < 4; i++, s->pos++) {
		if (s->pos >= s->n || (h = hex_value(s->in[s->pos])) < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * A \u escape: four hex digits, nothing more.  A lone UTF-16 surrogate
 * ("\ud83d" alone, a "\udc00" low half alone, a high half followed by
 * anything but a low escape) is accepted: Python's json writes and reads
 * one, Label Studio stores such text from imported or truncated data, and
 * refusing it failed every later annotation of that task.  The payload is
 * copied verbatim, so the escape stays as written and the log stays valid
 * JSON for Python; the readers of the logs decode it to WTF-8 (jtree.c).
 */
static int
scan_unicode(struct scanner *s)
{
	if (scan_u4(s) < 0)
		return fail(s, "bad \\u escape");
	return 0;
}

static int
scan_escape(struct scanner *s)
{
	if (s->pos >= s->n)
		return fail(s, "unterminated string");
	switch (s->in[s->pos]) {
	case '"': case '\\': case '/': case 'b':
	case 'f': case 'n': case 'r': case 't':
		s->pos++;
		return 0;
	case 'u':
		s->pos++;
		return scan_unicode(s);
	default:
		return fail(s, "bad escape");
	}
}

/* Scan a string token at s->pos; *escaped tells whether it had escapes. */
static int
scan_string(struct scanner *s, int emit, int *escaped)
{
	const unsigned char *u = (const unsigned char *)s->in;
	size_t start = s->pos, n;

	*escaped = 0;
	s->pos++;	/* opening quote */
	for (;;) {
		s->pos = skip_plain(u, s->pos, s->n);
		if (s->pos >= s->n)
			return fail(s, "unterminated string");
		if (u[s->pos] == '"')
			break;
		if (u[s->pos] == '\\') {
			*escaped = 1;
			s->pos++;
			if (scan_escape(s) == -1)
				return -1;
		} else if (u[s->pos] < 0x20) {
			return fail(s, "control character in string");
		} else if (u[s->pos] < 0x80) {
			s->pos++;
		} else {
			n = utf8_seq_len(u + s->pos, s->n - s->pos);
			if (n == 0)
				return fail(s, "invalid UTF-8");
			s->pos += n;
		}
	}
	s->pos++;	/* closing quote */
	emit_bytes(s, emit, s->in + start, s->pos - start);
	return 0;
}

static size_t
skip_digits(struct scanner *s)
{
	size_t start = s->pos;

	while (s->pos < s->n && s->in[s->pos] >= '0' && s->in[s->pos] <= '9')
		s->pos++;
	return s->pos - start;
}

static int
scan_number(struct scanner *s, int emit)
{
	size_t start = s->pos;

	if (s->in[s->pos] == '-')
		s->pos++;
	if (s->pos < s->n && s->in[s->pos] == '0')
		s->pos++;
	else if (skip_digits(s) == 0)
		return fail(s, "bad number");
	if (s->pos < s->n && s->in[s->pos] == '.') {
		s->pos++;
		if (skip_digits(s) == 0)
			return fail(s, "bad number");
	}
	if (s->pos < s->n && (s->in[s->pos] == 'e' || s->in[s->pos] == 'E')) {
		s->pos++;
		if (s->pos < s->n && (s->in[s->pos] == '+' || s->in[s->pos] == '-'))
			s->pos++;
		if (skip_digits(s) == 0)
			return fail(s, "bad number");
	}
	emit_bytes(s, emit, s->in + start, s->pos - start);
	return 0;
}

static int
scan_literal(struct scanner *s, int emit, const char *lit)
{
	size_t len = strlen(lit);

	if (s->n - s->pos < len || memcmp(s->in + s->pos, lit, len) != 0)
		return fail(s, "unexpected character");
	emit_bytes(s, emit, lit, len);
	s->pos += len;
	return 0;
}

static void
set_path(struct scanner *s, int depth, const char *p, size_t len, int escaped)
{
	if (depth >= 1 && depth <= PATH_DEPTH) {
		s->path[depth - 1].p = p;
		s->path[depth - 1].len = len;
		s->path[depth - 1].escaped = escaped;
		s->path[depth - 1].name = name_of(&s->path[depth - 1]);
	}
}

/* Scan a key and its ':' at s->pos; the value goes to depth. */
static int
scan_key(struct scanner *s, int depth)
{
	size_t kstart;
	int escaped;

	if (s->pos >= s->n || s->in[s->pos] != '"')
		return fail(s, "expected a key");
	kstart = s->pos;
	if (scan_string(s, s->emit, &escaped) == -1)
		return -1;
	/* Readers disagree on a key with a NUL (cJSON cuts it there, jq and
	 * Python keep it), so "project\u0000" could hide a secret: refused. */
	if (escaped && memmem(s->in + kstart, s->pos - kstart, "\\u0000", 6) != NULL) {
		s->pos = kstart;
		return fail(s, "NUL in a key");
	}
	set_path(s, depth, s->in + kstart + 1, s->pos - kstart - 2, escaped);
	skip_ws(s);
	if (s->pos >= s->n || s->in[s->pos] != ':')
		return fail(s, "expected ':'");
	s->pos++;
	emit_byte(s, s->emit, ':');
	skip_ws(s);
	return 0;
}

static int
scan_scalar(struct scanner *s)
{
	int escaped;

	switch (s->in[s->pos]) {
	case '"':
		return scan_string(s, s->emit, &escaped);
	case 't':
		return scan_literal(s, s->emit, "true");
	case 'f':
		return scan_literal(s, s->emit, "false");
	case 'n':
		return scan_literal(s, s->emit, "null");
	default:
		if (s->in[s->pos] == '-' ||
		    (s->in[s->pos] >= '0' && s->in[s->pos] <= '9'))
			return scan_number(s, s->emit);
		return fail(s, s->in[s->pos] == '\0' ? "NUL byte" :
		    "unexpected character");
	}
}

/*
 * The ML API names a project "<id>.<created_at as seconds>"
 * (api_connector.py, _create_project_uid): its id is the digits before
 * the dot, taken from inside the string.
 */
static void
project_uid(struct json_event *ev, const char *tok, size_t len, size_t off)
{
	size_t i = 1, digits;

	while (i < len && tok[i] >= '0' && tok[i] <= '9')
		i++;
	digits = i - 1;
	if (digits == 0 || digits > 19 || tok[1] == '0' || i >= len ||
	    tok[i] != '.')
		return;
	for (i++; i < len - 1; i++)
		if (tok[i] < '0' || tok[i] > '9')
			return;
	ev->project_id.off = off + 1;
	ev->project_id.len = digits;
}

/* Record a scalar value's raw token for the envelope. */
static int
capture(struct scanner *s, enum role role, size_t start)
{
	struct json_event *ev = s->ev;
	size_t len = s->pos - start;
	char c = s->in[start];

	if (role == ROLE_ACTION) {
		ev->action_count++;
		if (ev->action_count == 1) {
			ev->action.off = start;
			ev->action.len = len;
			ev->action_string = c == '"';
		}
		return 0;
	}
	if (role == ROLE_ANNOTATION_VALUE) {	/* the last, as jq reads it */
		ev->annotation.off = start;
		ev->annotation.len = len;
		return 0;
	}
	if (c == '{' || c == '[')
		return 0;	/* ids are scalars */
	switch (role) {
	case ROLE_PROJECT:
		/* a number only: true, false and null are no project */
		if (ev->project_id.len == 0 && (c == '-' || (c >= '0' && c <= '9'))) {
			ev->project_id.off = start;
			ev->project_id.len = len;
		} else if (ev->project_id.len == 0 && c == '"')
			project_uid(ev, s->in + start, len, start);
		return 0;
	case ROLE_TASK:
		return spans_push(s, &ev->task_ids, start, len);
	case ROLE_ANNOTATION:
		return spans_push(s, &ev->annotation_ids, start, len);
	case ROLE_ANNOTATION_TASK:
		return spans_push(s, &ev->annotation_task_ids, start, len);
	default:
		return 0;
	}
}

/* Decide the role of the value at s->pos, at depth; redact it if so. */
static enum role
begin_value(struct scanner *s, int depth)
{
	enum role role = ROLE_COPY;

	if (s->emit && depth >= 1 && depth <= PATH_DEPTH)
		role = role_of(s, depth);
	if (role == ROLE_REDACT) {
		buf_puts(s->out, "\"[redacted]\"");
		s->emit = 0;
	}
	return role;
}

/* The value scanned from start is complete: capture it, end redaction. */
static int
end_value(struct scanner *s, enum role role, size_t start, int emit)
{
	s->emit = emit;
	if (role != ROLE_COPY && role != ROLE_REDACT)
		return capture(s, role, start);
	return 0;
}

static int
is_object(const struct scanner *s, int depth)
{
	return s->object[depth / 8] >> (depth % 8) & 1;
}

/* Open the container at s->pos, at depth. */
static int
open_container(struct scanner *s, int depth, enum role role, size_t start,
    int emit)
{
	unsigned char bit = (unsigned char)(1u << (depth % 8));

	if (depth >= LSH_JSON_MAX_DEPTH)
		return fail(s, "nested too deeply");
	if (s->in[s->pos] == '{')
		s->object[depth / 8] |= bit;
	else
		s->object[depth / 8] &= (unsigned char)~bit;
	if (depth <= PATH_DEPTH) {
		s->top[depth].start = start;
		s->top[depth].role = role;
		s->top[depth].emit = emit;
	}
	emit_byte(s, s->emit, s->in[s->pos]);
	s->pos++;
	skip_ws(s);
	return 0;
}

/* Close the container at depth, whose closing bracket is at s->pos. */
static int
close_container(struct scanner *s, int depth)
{
	emit_byte(s, s->emit, s->in[s->pos]);
	s->pos++;
	if (depth > PATH_DEPTH)
		return 0;
	return end_value(s, s->top[depth].role, s->top[depth].start,
	    s->top[depth].emit);
}

/* Before the next value in the container at depth: its key, if any. */
static int
next_slot(struct scanner *s, int depth)
{
	if (is_object(s, depth))
		return scan_key(s, depth + 1);
	set_path(s, depth + 1, NULL, 0, 0);
	return 0;
}

/*
 * After a value inside the container at *depth: a ',' (returns 1: a value
 * follows) or the closing bracket, which completes that container too, so
 * the loop goes on outward.  Returns 0 when the root is complete, -1 on
 * error.
 */
static int
after_value(struct scanner *s, int *depth)
{
	char close;

	while (*depth > 0) {
		skip_ws(s);
		if (s->pos >= s->n)
			return fail(s, "unterminated container");
		close = is_object(s, *depth - 1) ? '}' : ']';
		if (s->in[s->pos] == ',') {
			s->pos++;
			emit_byte(s, s->emit, ',');
			skip_ws(s);
			return next_slot(s, *depth - 1) == -1 ? -1 : 1;
		}
		if (s->in[s->pos] != close)
			return fail(s, "expected ',' or end of container");
		(*depth)--;
		if (close_container(s, *depth) == -1)
			return -1;
	}
	return 0;
}

/*
 * Scan one value at s->pos without recursion: depth is the number of
 * open containers, their kinds are bits in s->object, and the state the
 * first PATH_DEPTH levels need when they close is in s->top.
 */
static int
scan_value(struct scanner *s)
{
	int depth = 0, emit, r;
	enum role role;
	size_t start;
	char c;

	for (;;) {
		if (s->pos >= s->n)
			return fail(s, "unexpected end of input");
		emit = s->emit;
		start = s->pos;
		role = begin_value(s, depth);
		c = s->in[s->pos];
		if (c == '{' || c == '[') {
			if (open_container(s, depth, role, start, emit) == -1)
				return -1;
			if (s->pos >= s->n)
				return fail(s, "unterminated container");
			if (s->in[s->pos] == (c == '{' ? '}' : ']')) {
				if (close_container(s, depth) == -1)
					return -1;
			} else {
				if (next_slot(s, depth) == -1)
					return -1;
				depth++;
				continue;
			}
		} else if (scan_scalar(s) == -1 ||
		    end_value(s, role, start, emit) == -1)
			return -1;
		r = after_value(s, &depth);
		if (r <= 0)
			return r;
	}
}

enum lsh_err
json_scan(const char *in, size_t n, struct buf *out, struct json_event *ev)
{
	struct scanner s;

	memset(ev, 0, sizeof(*ev));
	memset(&s, 0, sizeof(s));
	s.in = in;
	s.n = n;
	s.out = out;
	s.ev = ev;
	if (buf_reserve(out, n + 64) == -1)
		return LSH_E_NOMEM;
	skip_ws(&s);
	if (s.pos >= n) {
		fail(&s, "no value");
		return LSH_E_JSON;
	}
	if (in[s.pos] != '{') {
		/* Still validate, so "[1" is invalid JSON, not a wrong type. */
		if (scan_value(&s) == -1)
			return s.nomem ? LSH_E_NOMEM : LSH_E_JSON;
		return LSH_E_NOT_OBJECT;
	}
	s.emit = 1;
	if (scan_value(&s) == -1)
		return s.nomem ? LSH_E_NOMEM : LSH_E_JSON;
	skip_ws(&s);
	if (s.pos != n) {
		fail(&s, in[s.pos] == '\0' ? "NUL byte" : "trailing data");
		return LSH_E_JSON;
	}
	return out->failed ? LSH_E_NOMEM : LSH_OK;
}

void
json_event_free(struct json_event *ev)
{
	free(ev->task_ids.v);
	free(ev->annotation_ids.v);
	free(ev->annotation_task_ids.v);
	memset(&ev->task_ids, 0, sizeof(ev->task_ids));
	memset(&ev->annotation_ids, 0, sizeof(ev->annotation_ids));
	memset(&ev->annotation_task_ids, 0, sizeof(ev->annotation_task_ids));
}

long
json_string_decode(const char *tok, size_t len, char *dst, size_t dstsz)
{
	cJSON *item;
	size_t n;
	long r = -1;

	item = cJSON_ParseWithLength(tok, len);
	if (item == NULL)
		return -1;
	/* cJSON stops at \u0000; such a string is not what was sent. */
	if (cJSON_IsString(item) && memmem(tok, len, "\\u0000", 6) == NULL) {
		n = strlen(item->valuestring);
		if (n < dstsz) {
			memcpy(dst, item->valuestring, n + 1);
			r = (long)n;
		}
	}
	cJSON_Delete(item);
	return r;
}
