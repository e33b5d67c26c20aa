/* event.h: a Label Studio event and its JSONL record. */
#ifndef LSH_EVENT_H
#define LSH_EVENT_H

#include <stddef.h>
#include <sys/uio.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "route.h"
#include "store.h"

#define LSH_RECORD_VERSION 1
#define LSH_MAX_WEBHOOK_ID 200	/* Standard Webhooks ids are ~30 bytes */
/* room for ".<16 hex>" (event_make_unique) or "@<endpoint>" (event_scope) */
#define LSH_MAX_ID	(LSH_MAX_WEBHOOK_ID + 32)

struct event {
	char			 id[LSH_MAX_ID + 1];
	char			 received_at[32];	/* UTC, microseconds */
	char			 action[128];	/* decoded; "" when not plain */
	char			 given_tok[130]; /* event_parse_as's action */
	const struct route	*route;		/* NULL: an unknown action */
	const char		*action_tok;	/* the action's JSON token in the
					   record: from the body, or given */
	const char		*body;		/* the request body (not owned) */
	struct json_event	 json;
	struct buf		 payload;	/* compact, redacted body */
	struct buf		 head;		/* the record up to the payload */
	struct buf		 known_tasks;	/* task_ids as JSON, when the body
					   has none (event_know_tasks) */
	struct iovec		 rec[3];	/* the record, once event_record ran */
	size_t			 stamp_off;	/* received_at's offset in head */
	const char		*err;		/* on LSH_E_JSON: what was wrong */
	size_t			 err_off;	/* ... and where */
};

/*
 * Validate and scan a body.  webhook_id (may be NULL) becomes the
 * delivery's id; otherwise "sha256:<hex of the body>".  Returns LSH_OK,
 * LSH_E_BAD_ID, LSH_E_JSON, LSH_E_NOT_OBJECT, LSH_E_NO_ACTION,
 * LSH_E_ACTION_TYPE, LSH_E_DUP_ACTION or LSH_E_NOMEM.  Free with
 * event_free whatever it returns.
 */
enum lsh_err event_parse(struct event *, const char *body, size_t len,
    const char *webhook_id);

/*
 * The same for a body that names no action, filed as the action given (a
 * plain ASCII name): Label Studio's legacy POST /train.  The body's own
 * ids say what it is made of, not what the event is about, so the record
 * lists none of them but the project.
 */
enum lsh_err event_parse_as(struct event *, const char *body, size_t len,
    const char *webhook_id, const char *action);

/*
 * Build the record around the payload: the family it is filed under
 * (NULL for an unknown action) and, for ignored.jsonl, the endpoint that
 * received it and why it was ignored (both NULL otherwise).  Fills
 * iov[0..2] with the complete line; returns LSH_OK or LSH_E_NOMEM.
 */
enum lsh_err event_record(struct event *, const char *family,
    const char *endpoint, const char *reason, struct iovec iov[3]);

void event_free(struct event *);

/*
 * Whether a delivery of this event is told from another by its id: it came
 * with a webhook-id, or its action's payload is always new (route.fresh)
 * and is not a bare {"action": ...} (send_payload=false).  Otherwise the
 * same bytes twice are two events.
 */
int event_has_identity(const struct event *, int has_webhook_id);

/*
 * ANNOTATIONS_DELETED names annotations only: give the record the tasks
 * they belong to, as far as annotations.jsonl knows them (annidx.h).
 */
void event_know_tasks(struct event *, const char *data_dir);

/* Make the id unique to this record: ".<16 random hex digits>" added. */
void event_make_unique(struct event *);

/* File the id under the endpoint that ignored it: "@<endpoint>" added. */
void event_scope(struct event *, const char *endpoint);

/*
 * Where the record's received_at lies in its first iovec (for
 * store_append_stamped), or NULL when it cannot be stamped there; then
 * event_stamped copies the stamp given back into ev->received_at.
 */
char *event_stamp(struct event *);
void event_stamped(struct event *, const char *stamp);

#endif /* LSH_EVENT_H */
