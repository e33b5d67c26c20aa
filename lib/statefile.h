/* statefile.h: a bookkeeping or lock file kept open across requests. */
#ifndef LSH_STATEFILE_H
#define LSH_STATEFILE_H

#include <limits.h>
#include <sys/stat.h>

/*
 * A FastCGI process serves many requests: the bookkeeping files it
 * touches on each (the dedup table, the status counters, the ontology
 * lock) stay open
 * between them.  statefile_lock opens the file (and state/) on first use
 * or when the data directory changed, takes the flock, and checks under
 * it that the descriptor still names the file: one removed or replaced
 * (its link count 0 then) is opened again, so processes never lock or
 * write different files.  Descriptors are close-on-exec.
 */
struct statefile {
	char	path[PATH_MAX];	/* "" until first opened */
	int	fd;		/* -1 when closed */
};

#define STATEFILE_INIT	{ "", -1 }

/*
 * Lock <dir>/<name> ("state/seen.db") with op (LOCK_EX or LOCK_SH),
 * creating it (0640) and its folder (0750) when missing; *st gets the file's status under
 * the lock.  Returns the descriptor, or -1 with errno set.
 */
int statefile_lock(struct statefile *, const char *dir, const char *name,
    int op, struct stat *st);

/* Release the lock; the file stays open. */
void statefile_unlock(struct statefile *);

/* Close the file (after an error, so the next use opens it afresh). */
void statefile_close(struct statefile *);

/*
 * Give a file just created under dir the owner of dir, when this process
 * runs as root (`lshook ontology rebuild` by an operator): the handlers,
 * running as the web server's user, must go on opening it.
 */
void statefile_own(int fd, const char *dir);

/*
 * How many times this process opened a state file: a change says the
 * data directory may have been replaced, and what a process remembers of
 * it is to be forgotten.
 */
unsigned long statefile_generation(void);

#endif /* LSH_STATEFILE_H */
