/* seen.h: deliveries seen before, for idempotency and replay refusal. */
#ifndef LSH_SEEN_H
#define LSH_SEEN_H

#include <stddef.h>

#include "err.h"

#define LSH_SEEN_PROBE	16	/* slots looked at per id */

/*
 * A bounded table of recently seen ids in <data>/state/seen.db, shared by
 * every process through a lock on the file, kept across restarts and
 * crashes.  Each slot holds 16 bytes of SHA-256 of the id and the time it
 * was seen; an id hashes to LSH_SEEN_PROBE neighbouring slots, and when
 * all are taken by live ids the oldest is forgotten (the table is
 * bounded, so under a flood of distinct ids a very old one may be
 * accepted again).
 */
struct seen {
	int		 fd;		/* the open, locked table, or -1 */
	unsigned long	 slots;
	long long	 now;
	long		 window;	/* seconds an id is remembered */
	unsigned char	 key[16];
	unsigned long	 slot;		/* where check() found room */
};

/*
 * Lock the table in dir (created with slots slots, or rebuilt when its
 * size differs) and look id up.  Returns LSH_OK with *dup set when it was
 * seen within window seconds of now; the table stays locked until
 * seen_done, so checking, appending and remembering are one step for all
 * processes.  Errors: LSH_E_STORAGE / LSH_E_WRITE with why.
 */
enum lsh_err seen_check(struct seen *, const char *dir, unsigned long slots,
    long window, long long now, const char *id, int *dup, char *why,
    size_t whysz);

/* Remember the id looked up (when remember) and unlock. */
void seen_done(struct seen *, int remember);

/*
 * Forget the id seen_done remembered (its event could not be synced, so
 * it was not acknowledged: sent again, it is to be stored again).
 */
void seen_forget(struct seen *, const char *dir);

#endif /* LSH_SEEN_H */
