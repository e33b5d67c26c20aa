/*
 * http.c: the smallest HTTP/1.1 client lshook send needs: one POST per
 * connection ("Connection: close"), plain TCP, one deadline for the whole
 * exchange.  The answer is read to its Content-Length, through chunked
 * transfer coding, or to the end of the connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"

#define MAX_ANSWER	(16u << 20)	/* handlers answer a few hundred bytes */

struct url {
	char	host[256];
	char	port[8];
	char	path[4096];
};

static int
parse_url(const char *s, struct url *u, char *why, size_t whysz)
{
	const char *host, *end, *colon;
	size_t n;

	if (strncasecmp(s, "https://", 8) == 0) {
		snprintf(why, whysz, "https is not supported: use an http:// "
		    "URL (a TLS proxy can forward to it)");
		return -1;
	}
	if (strncasecmp(s, "http://", 7) != 0) {
		snprintf(why, whysz, "'%s' is not an http:// URL", s);
		return -1;
	}
	host = s + 7;
	end = host + strcspn(host, "/?#");
	if (*host == '[') {
		colon = memchr(host, ']', (size_t)(end - host));
		if (colon == NULL)
			goto bad;
		n = (size_t)(colon - host - 1);
		host++;
		colon = colon[1] == ':' ? colon + 1 : NULL;
	} else {
		colon = memchr(host, ':', (size_t)(end - host));
		n = (size_t)((colon != NULL ? colon : end) - host);
	}
	if (n == 0 || n >= sizeof(u->host))
		goto bad;
	memcpy(u->host, host, n);
	u->host[n] = '\0';
	n = colon != NULL ? (size_t)(end - colon - 1) : 0;
	if (colon != NULL && (n == 0 || n > 5 ||
	    strspn(colon + 1, "0123456789") < n))
		goto bad;
	snprintf(u->port, sizeof(u->port), "%.*s", (int)n,
	    colon != NULL ? colon + 1 : "");
	if (n == 0)
		strcpy(u->port, "80");
	if (*end == '#' || strlen(end) >= sizeof(u->path) - 1)
		goto bad;
	snprintf(u->path, sizeof(u->path), "%s%s", *end == '/' ? "" : "/",
	    end);
	return 0;
bad:
	snprintf(why, whysz, "malformed URL '%s'", s);
	return -1;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until the deadline.  1 ready, 0 timed out, -1. */
static int
wait_fd(int fd, short events, long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long left;
	int r;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)left);
		if (r >= 0 || errno != EINTR)
			return r;
	}
}

static int
dial(const struct url *u, long deadline, char *why, size_t whysz)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, r, err = 0;
	socklen_t elen = sizeof(err);

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	r = getaddrinfo(u->host, u->port, &hints, &res);
	if (r != 0) {
		snprintf(why, whysz, "cannot resolve '%s': %s", u->host,
		    gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1)
			continue;
		err = 0;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
			err = errno;
			if (err == EINPROGRESS) {
				r = wait_fd(fd, POLLOUT, deadline);
				err = r == 0 ? ETIMEDOUT : 0;
				if (r > 0)
					getsockopt(fd, SOL_SOCKET, SO_ERROR,
					    &err, &elen);
			}
		}
		if (err == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		snprintf(why, whysz, "cannot connect to %s port %s: %s",
		    u->host, u->port, strerror(err ? err : EHOSTUNREACH));
	return fd;
}

static int
send_all(int fd, const char *p, size_t n, long deadline)
{
	ssize_t w;

	while (n > 0) {
		if (wait_fd(fd, POLLOUT, deadline) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The value of header name in the head (CRLF lines), or NULL. */
static const char *
header(const char *head, const char *name)
{
	const char *p = head;
	size_t n = strlen(name);

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			return p + n + 1 + strspn(p + n + 1, " \t");
	}
	return NULL;
}

/* Decode a chunked body in place.  Returns its length, or -1. */
static long
dechunk(char *body, size_t len)
{
	char *in = body, *end = body + len, *out = body, *e;
	unsigned long n;

	for (;;) {
		n = strtoul(in, &e, 16);
		if (e == in || (e = strstr(e, "\r\n")) == NULL)
			return -1;
		in = e + 2;
		if (n == 0)
			return out - body;
		if ((size_t)(end - in) < n + 2)
			return -1;
		memmove(out, in, n);
		out += n;
		in += n + 2;
	}
}

/* Whether b holds a whole answer, so reading may stop before EOF. */
static int
complete(const struct buf *b)
{
	const char *end, *cl;
	size_t head;

	end = memmem(b->p, b->len, "\r\n\r\n", 4);
	if (end == NULL)
		return 0;
	head = (size_t)(end - b->p) + 4;
	cl = header(b->p, "Content-Length");
	if (cl == NULL || cl > end)
		return 0;
	return b->len - head >= strtoul(cl, NULL, 10);
}

static int
parse_answer(struct buf *b, struct http_answer *ans, char *why,
    size_t whysz)
{
	char *end, *te, *cl;
	size_t head, blen;
	long n;

	end = memmem(b->p, b->len, "\r\n\r\n", 4);
	if (strncmp(b->p, "HTTP/1.", 7) != 0 || b->len < 12 || end == NULL ||
	    b->p[8] != ' ' || strspn(b->p + 9, "0123456789") != 3) {
		snprintf(why, whysz, "malformed HTTP answer");
		return -1;
	}
	ans->status = atoi(b->p + 9);
	end[2] = '\0';
	head = (size_t)(end - b->p) + 4;
	blen = b->len - head;
	te = (char *)header(b->p, "Transfer-Encoding");
	cl = (char *)header(b->p, "Content-Length");
	if (te != NULL && strncasecmp(te, "chunked", 7) == 0) {
		n = dechunk(b->p + head, blen);
		if (n < 0) {
			snprintf(why, whysz, "malformed chunked answer");
			return -1;
		}
		blen = (size_t)n;
	} else if (cl != NULL) {
		if (strtoul(cl, NULL, 10) > blen) {
			snprintf(why, whysz, "answer shorter than its length");
			return -1;
		}
		blen = strtoul(cl, NULL, 10);
	}
	ans->body = strndup(b->p + head, blen);
	ans->len = blen;
	if (ans->body == NULL) {
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	return 0;
}

static int
receive(int fd, struct buf *b, long deadline, char *why, size_t whysz)
{
	ssize_t n;
	int r;

	while (b->len < MAX_ANSWER) {
		r = wait_fd(fd, POLLIN, deadline);
		if (r <= 0) {
			snprintf(why, whysz, r == 0 ? "timed out waiting for "
			    "the answer" : "poll failed");
			return -1;
		}
		if (buf_reserve(b, 65536 + 1) == -1) {
			snprintf(why, whysz, "out of memory");
			return -1;
		}
		n = recv(fd, b->p + b->len, 65536, 0);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == -1) {
			snprintf(why, whysz, "reading the answer: %s",
			    strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		b->p[b->len] = '\0';
		if (complete(b))
			break;
	}
	if (b->len == 0) {
		snprintf(why, whysz, "the server closed the connection "
		    "without an answer");
		return -1;
	}
	return 0;
}

int
http_post(const char *url, const char *const *headers, size_t nheaders,
    const char *body, size_t len, long timeout_ms, struct http_answer *ans,
    char *why, size_t whysz)
{
	struct url u;
	struct buf req = { 0 }, in = { 0 };
	long deadline = now_ms() + timeout_ms;
	size_t i;
	int fd, rc = -1;

	memset(ans, 0, sizeof(*ans));
	if (parse_url(url, &u, why, whysz) == -1)
		return -1;
	fd = dial(&u, deadline, why, whysz);
	if (fd == -1)
		return -1;
	buf_printf(&req, "POST %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\n", u.path,
	    strchr(u.host, ':') ? "[" : "", u.host,
	    strchr(u.host, ':') ? "]" : "", strcmp(u.port, "80") ? ":" : "",
	    strcmp(u.port, "80") ? u.port : "");
	buf_printf(&req, "Content-Length: %zu\r\nConnection: close\r\n", len);
	for (i = 0; i < nheaders; i++)
		buf_printf(&req, "%s\r\n", headers[i]);
	buf_puts(&req, "\r\n");
	if (req.failed) {
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	if (send_all(fd, req.p, req.len, deadline) == -1 ||
	    send_all(fd, body, len, deadline) == -1) {
		snprintf(why, whysz, "sending to %s port %s: %s", u.host,
		    u.port, strerror(errno));
		goto out;
	}
	if (receive(fd, &in, deadline, why, whysz) == 0)
		rc = parse_answer(&in, ans, why, whysz);
out:
	close(fd);
	buf_free(&req);
	buf_free(&in);
	return rc;
}
