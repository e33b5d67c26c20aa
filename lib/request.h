/* request.h: one request, served as FastCGI or as plain CGI. */
#ifndef LSH_REQUEST_H
#define LSH_REQUEST_H

#include <stddef.h>

#include "err.h"

struct FCGX_Request;

struct request {
	struct FCGX_Request	*fcgx;	/* NULL in CGI mode */
	char			**envp;	/* FastCGI params, or environ for CGI */
	const char		*prog;	/* program name for diagnostics */
	char			*body;	/* NUL-terminated copy of the body */
	size_t			 body_len;
	int			 responded;
};

/* Value of a CGI variable or FastCGI param; NULL when absent or empty. */
const char *req_param(const struct request *, const char *name);

/*
 * Check CONTENT_LENGTH against max and read exactly that many bytes into
 * r->body (owned by r, freed by req_end).  Returns LSH_OK,
 * LSH_E_LENGTH_REQUIRED, LSH_E_BAD_LENGTH, LSH_E_TOO_LARGE,
 * LSH_E_EMPTY_BODY, LSH_E_SHORT_BODY, LSH_E_READ or LSH_E_NOMEM.
 */
enum lsh_err req_read_body(struct request *, size_t max);

/*
 * Send the whole answer: status line, JSON content type, extra header
 * lines (each ending in "\r\n", or NULL) and the JSON body plus "\n";
 * to a HEAD request the same headers and no body.  Only the first call
 * per request sends anything.
 */
void req_respond(struct request *, int status, const char *headers,
    const char *json);

/* Answer {"status":"error","error":<message>} for e. */
void req_fail(struct request *, enum lsh_err e, const char *headers);

/*
 * One line on the server's error log: "lshook-<prog>: <message>".
 * Bytes outside printable ASCII are escaped.
 */
void req_log(struct request *, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * CGI only: read and discard a body that was never read (an early answer),
 * at most max bytes and for at most ms milliseconds.  A CGI that exits
 * with the body unread makes Apache's mod_cgid lose the answer (its write
 * of the body fails with EPIPE).
 */
void req_drain(struct request *, size_t max, int ms);

/* Release what the request holds (the body). */
void req_end(struct request *);

/*
 * Parse a decimal size with nothing else around it, no sign, at most
 * max.  Returns 0 and sets *out, or -1.
 */
int parse_size(const char *s, size_t max, size_t *out);

#endif /* LSH_REQUEST_H */
