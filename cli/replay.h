/* replay.h: the dataset the logs describe, up to a cut. */
#ifndef LSH_REPLAY_H
#define LSH_REPLAY_H

#include "dataset.h"
#include "logread.h"

enum cut_kind {
	CUT_ALL,	/* every record */
	CUT_TIME,	/* records with received_at <= the time, as text */
	CUT_ID		/* records up to and including the one with this id */
};

struct cut {
	enum cut_kind	kind;
	char		text[LOGREAD_MAX_ID + 1];	/* time prefix or id */
	size_t		len;
};

/*
 * Parse a cut: NULL, "now" or "all" is everything; a
 * received_at time or a prefix of one ("2026-11-26", "2026-11-26T18:30",
 * "2026-11-26 18:30:05Z", a full value) selects by time, a prefix taking
 * in the whole minute or day it names; anything else is an event id or
 * a prefix of one (replay resolves it).
 * Returns 0, or -1 (reported) for a malformed time or a too long id.
 */
int cut_parse(struct cut *, const char *arg);

/*
 * Replay tasks.jsonl and annotations.jsonl of dir into ds: records merged
 * by received_at (ties: tasks first, then file order) and applied while
 * inside the cut.  Missing logs are empty; torn lines are reported and
 * skipped.  Shows progress on a terminal.  An id cut is first resolved
 * in place: the whole id of the one record of those logs whose id is the
 * cut's text or starts with it.  Returns 0, or -1 with the error reported
 * (no directory, unreadable log, an id no record has or a prefix several
 * have, out of memory).
 */
int replay(struct dataset *ds, const char *dir, struct cut *);

#endif /* LSH_REPLAY_H */
