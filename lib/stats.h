/* stats.h: the counters behind the status page, in <data>/state/stats.db. */
#ifndef LSH_STATS_H
#define LSH_STATS_H

#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "event.h"
#include "request.h"
#include "route.h"

#define STATS_HOURS	48	/* per-hour buckets kept, the last two days */
#define STATS_RECENT	20	/* latest events and errors kept */
#define STATS_KINDS	(LSH_FAM__COUNT + 1)	/* the families, then ignored */
#define STATS_IGNORED	LSH_FAM__COUNT

enum stats_outcome {
	STATS_RECORDED,		/* in the endpoint's own log */
	STATS_IGNORED_EVENT,	/* in ignored.jsonl */
	STATS_DUPLICATE		/* delivered before: not stored */
};

/* One event as the status page lists it; every string NUL-terminated. */
struct stats_event {
	char	at[32];		/* received_at */
	char	action[128];
	char	family[16];	/* "" for none */
	char	project[24];	/* decimal project id, or "" */
	char	id[LSH_MAX_WEBHOOK_ID + 8];
	char	outcome[16];	/* "recorded", "ignored" */
};

/* One error a handler answered. */
struct stats_error {
	char	at[32];
	char	handler[16];
	int32_t	status;
	char	message[48];	/* lsh_err_message() */
	char	detail[160];	/* printable ASCII, cut */
};

/*
 * The whole state file: fixed layout, changed in place under an exclusive
 * flock of the file, read under a shared one.
 */
struct stats_state {
	char			magic[8];	/* "lshstat1" */
	uint32_t		size;		/* sizeof(struct stats_state) */
	uint32_t		reserved;
	uint64_t		count[STATS_KINDS];
	char			last_at[STATS_KINDS][32];
	uint64_t		duplicates;
	uint64_t		errors;
	int64_t			hour[STATS_HOURS];	/* Unix time / 3600 per slot */
	uint32_t		per_hour[STATS_HOURS][STATS_KINDS];
	uint32_t		nevents, event_next;	/* ring of events */
	struct stats_event	events[STATS_RECENT];
	uint32_t		nerrors, error_next;	/* ring of errors */
	struct stats_error	errs[STATS_RECENT];
};

/*
 * Note what a request came to, in this process's memory only: nothing is
 * written until stats_flush, after the answer.  An event noted replaces
 * none: one request makes one note of each kind at most.
 */
void stats_note_event(const struct event *ev, enum lsh_family endpoint,
    enum stats_outcome);

/*
 * Note an error answer.  Nothing is noted without a usable data directory,
 * or when that directory lies inside DOCUMENT_ROOT (lshook writes nothing
 * the web server could serve).
 */
void stats_note_error(const struct config *cfg, const struct request *req,
    enum lsh_err e, const char *detail);

/*
 * Add what was noted to <data>/state/stats.db under its lock, then forget
 * it.  Failures go to the error log through req; the answer has gone.
 */
void stats_flush(const struct config *cfg, struct request *req);

/*
 * Read <dir>/state/stats.db into st: 0 (all zero when there is no such
 * file yet), or -1 with errno when it cannot be read or is not a state
 * file of this layout.
 */
int stats_read(const char *dir, struct stats_state *st);

/*
 * Append the counters as members of a JSON object (no braces):
 * "families", "ignored", "duplicates", "errors", "by_hour" (the 48 hours
 * up to now, oldest first), "recent" and "recent_errors" (newest first).
 */
void stats_json(struct buf *b, const struct stats_state *st, long long now);

#endif /* LSH_STATS_H */
