/*
 * request.c: request I/O over libfcgi's fcgiapp API or plain CGI.
 *
 * fcgiapp is used rather than fcgi_stdio: it leaves environ alone, has no
 * stdio macros, and its printf is never used (it mishandles %zu), so all
 * output is formatted with snprintf and sent with FCGX_PutStr or write.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <time.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "buf.h"
#include "request.h"

const char *
req_param(const struct request *r, const char *name)
{
	size_t len = strlen(name);
	char **e;

	if (r->envp == NULL)
		return NULL;
	for (e = r->envp; *e != NULL; e++)
		if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
			return (*e)[len + 1] == '\0' ? NULL : *e + len + 1;
	return NULL;
}

int
parse_size(const char *s, size_t max, size_t *out)
{
	size_t v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 20)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (SIZE_MAX - 9) / 10)
			return -1;
		v = v * 10 + (size_t)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* Read up to n bytes; returns how many were read (short only at EOF), or -1. */
static long
read_full(struct request *r, char *p, size_t n)
{
	size_t got = 0;
	ssize_t k;
	int chunk;

	while (got < n) {
		if (r->fcgx != NULL) {
			chunk = n - got > INT_MAX ? INT_MAX : (int)(n - got);
			k = FCGX_GetStr(p + got, chunk, r->fcgx->in);
			if (k <= 0)
				break;
		} else {
			k = read(STDIN_FILENO, p + got, n - got);
			if (k == -1 && errno == EINTR)
				continue;
			if (k == -1)
				return -1;
			if (k == 0)
				break;
		}
		got += (size_t)k;
	}
	return (long)got;
}

enum lsh_err
req_read_body(struct request *r, size_t max)
{
	const char *cl = req_param(r, "CONTENT_LENGTH");
	size_t len;
	long got;

	if (cl == NULL)
		return LSH_E_LENGTH_REQUIRED;
	/* A length over the cap is 413 whatever its size; junk is 400. */
	if (parse_size(cl, SIZE_MAX / 2, &len) == -1) {
		if (strspn(cl, "0123456789") == strlen(cl))
			return LSH_E_TOO_LARGE;
		return LSH_E_BAD_LENGTH;
	}
	if (len > max)
		return LSH_E_TOO_LARGE;
	if (len == 0)
		return LSH_E_EMPTY_BODY;
	r->body = malloc(len + 1);
	if (r->body == NULL)
		return LSH_E_NOMEM;
	got = read_full(r, r->body, len);
	if (got < 0)
		return LSH_E_READ;
	if ((size_t)got < len)
		return LSH_E_SHORT_BODY;
	r->body[len] = '\0';
	r->body_len = len;
	return LSH_OK;
}

static void
send_out(struct request *r, const char *p, size_t n)
{
	ssize_t k;

	if (r->fcgx != NULL) {
		FCGX_PutStr(p, (int)n, r->fcgx->out);
		return;
	}
	while (n > 0) {
		k = write(STDOUT_FILENO, p, n);
		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		p += k;
		n -= (size_t)k;
	}
}

/* Whether the request is a HEAD: its answer carries no body. */
static int
is_head(const struct request *r)
{
	const char *m = req_param(r, "REQUEST_METHOD");

	return m != NULL && strcmp(m, "HEAD") == 0;
}

void
req_respond(struct request *r, int status, const char *headers,
    const char *json)
{
	struct buf b = { 0 };

	if (r->responded)
		return;
	r->responded = 1;
	/* No Content-Length: the server counts the body GET gets, and an
	 * answer to HEAD has the same headers and no body (RFC 9110 9.3.2). */
	buf_printf(&b, "Status: %d %s\r\nContent-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n%s\r\n", status,
	    lsh_status_reason(status), headers ? headers : "");
	if (!is_head(r))
		buf_printf(&b, "%s\n", json);
	if (!b.failed)
		send_out(r, b.p, b.len);
	buf_free(&b);
}

void
req_fail(struct request *r, enum lsh_err e, const char *headers)
{
	char json[160];

	snprintf(json, sizeof(json), "{\"status\":\"error\",\"error\":\"%s\"}",
	    lsh_err_message(e));
	req_respond(r, lsh_err_status(e), headers, json);
}

/* Copy src to dst, escaping what is not printable ASCII. */
static void
escape_line(char *dst, size_t dstsz, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	unsigned char c;

	for (; *src != '\0' && o + 5 < dstsz; src++) {
		c = (unsigned char)*src;
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			dst[o++] = (char)c;
			continue;
		}
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 15];
	}
	dst[o] = '\0';
}

void
req_log(struct request *r, const char *fmt, ...)
{
	char msg[512], clean[1024], line[1100];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	escape_line(clean, sizeof(clean), msg);
	n = snprintf(line, sizeof(line), "lshook-%s: %s\n", r->prog, clean);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (r->fcgx != NULL) {
		FCGX_PutStr(line, n, r->fcgx->err);
		FCGX_FFlush(r->fcgx->err);
	} else if (write(STDERR_FILENO, line, (size_t)n) < 0) {
		/* nowhere left to report to */
	}
}

void
req_drain(struct request *r, size_t max, int ms)
{
	struct timespec start, now;
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
	/* Static: 64 KiB of stack would be touched (page faults) on every
	 * call, even the usual one that returns at once. */
	static char sink[65536];
	size_t len, got = 0;
	long left;
	ssize_t k;

	if (r->fcgx != NULL || r->body != NULL ||
	    parse_size(req_param(r, "CONTENT_LENGTH"), SIZE_MAX / 2, &len) == -1)
		return;
	if (len > max)
		len = max;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (got < len) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = ms - ((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return;
		k = read(STDIN_FILENO, sink, len - got < sizeof(sink) ?
		    len - got : sizeof(sink));
		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		got += (size_t)k;
	}
}

void
req_end(struct request *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}
