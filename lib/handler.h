/* handler.h: the request pipeline every handler executable shares. */
#ifndef LSH_HANDLER_H
#define LSH_HANDLER_H

#include "config.h"
#include "event.h"
#include "request.h"
#include "route.h"
#include "store.h"

/* One request being served, with what it is served with. */
struct lsh_ctx {
	struct request		 req;
	const struct config	*cfg;
	struct store		*store;
	enum lsh_family		 family;	/* the endpoint's own family */
	struct event		 ev;		/* this request's event ... */
	int			 have_event;	/* ... when parsed (to free) */
	int			 recorded;	/* ev is in the endpoint's own log */
};

typedef void lsh_serve_fn(struct lsh_ctx *);

/*
 * Run a handler: as FastCGI when fd 0 is a listening socket (a loop that
 * ends cleanly on SIGTERM), otherwise as one CGI request.  Configuration
 * is read before the first accept.  Every handler also answers the
 * install check, GET <handler>?check, itself: configuration, credentials
 * and the data directory as for an event, a probe file in place of the
 * append, 200 {"status":"ok","check":{...}} and nothing stored.  Returns
 * the process exit status.
 */
int lsh_main(const char *prog, enum lsh_family family, lsh_serve_fn *serve);

/* The whole event pipeline of the tasks, annotations and projects handlers. */
void lsh_serve_events(struct lsh_ctx *);

/*
 * Pipeline steps for handlers that compose their own.  Each returns 0 to
 * go on, or -1 after it has answered the request with the error.
 */
int lsh_check_config(struct lsh_ctx *);
int lsh_read_post(struct lsh_ctx *);		/* method, type, length, body */
int lsh_authenticate(struct lsh_ctx *);
int lsh_parse_event(struct lsh_ctx *);	/* fills c->ev */

/*
 * lsh_authenticate for a GET: a secret in a header or a Standard Webhooks
 * signature (its timestamp bounds a replay); never a bare HMAC, which over
 * the empty body never changes, so one seen once would open it for good.
 */
int lsh_authenticate_get(struct lsh_ctx *);

/* Whether the request carries credentials for any enabled auth mode. */
int lsh_has_credentials(struct lsh_ctx *);

/*
 * Append c->ev to a log and answer: 200 {"status":"ok","id"} for an event
 * of the endpoint's family (what follows it, follow.c, then runs once the
 * answer is out), 202 {"status":"ignored","id","reason"} when reason is
 * set (the record goes to ignored.jsonl), or the storage error.
 */
void lsh_record(struct lsh_ctx *, enum lsh_log, const char *reason);

/*
 * Answer status with the NUL-terminated JSON built in b (500 out of
 * memory when building it failed), and free b.
 */
void lsh_respond_json(struct lsh_ctx *, int status, struct buf *b);

/* Answer e with its status and JSON body, logging detail (may be NULL). */
void lsh_fail(struct lsh_ctx *, enum lsh_err e, const char *detail);

#endif /* LSH_HANDLER_H */
