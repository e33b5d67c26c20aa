/* store.h: durable, append-only JSONL logs in the data directory. */
#ifndef LSH_STORE_H
#define LSH_STORE_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "err.h"

enum lsh_log {
	LSH_LOG_TASKS,		/* the first four match enum lsh_family */
	LSH_LOG_ANNOTATIONS,
	LSH_LOG_PROJECTS,
	LSH_LOG_TRAINING,
	LSH_LOG_IGNORED,
	LSH_LOG_ONTOLOGY,	/* label changes (ontology.c) */
	LSH_LOG_COMMANDS,	/* what commands run on events did (command.c) */
	LSH_LOG__COUNT
};

struct store_file {
	int	fd;		/* -1 when not open */
	dev_t	dev;
	ino_t	ino;
	int	unsynced;	/* a record awaits store_sync */
	off_t	rec_start;	/* ... from here */
	off_t	rec_end;	/* ... to here */
};

/* Open descriptors kept across requests; rotation is noticed by inode. */
struct store {
	char			*dir;
	int			 dirfd;
	dev_t			 dev;
	ino_t			 ino;
	struct store_file	 files[LSH_LOG__COUNT];
};

/* File name of a log, e.g. "tasks.jsonl". */
const char *store_name(enum lsh_log);

void store_init(struct store *);

/*
 * Append one record, the concatenation of iov, to a log in dir (an
 * absolute path).  The record is one or more complete lines, each ending
 * in "\n".  Under an exclusive lock: a torn last line left by a crash is
 * ended first, so records are never glued; short writes are continued; on
 * any failure the file is truncated back so no partial record stays.  With
 * do_fsync the record is on disk before LSH_OK returns.  A renamed or
 * removed log (rotation) is noticed and a new one created.
 *
 * Returns LSH_OK, LSH_E_STORAGE (the directory or file is missing,
 * unreadable, a symlink...) or LSH_E_WRITE (ENOSPC, EIO...), with a
 * reason for the error log in why.
 */
enum lsh_err store_append(struct store *, const char *dir, enum lsh_log,
    const struct iovec *iov, int iovcnt, int do_fsync, char *why,
    size_t whysz);

/*
 * store_append, and stamp (when not NULL) points at LSH_STAMP_LEN bytes
 * of the record that get the time now (lsh_timestamp) once the log is
 * locked: the records of a log are then in the order of their times.
 */
#define LSH_STAMP_LEN	27	/* 2026-11-26T18:26:47.978609Z */
enum lsh_err store_append_stamped(struct store *, const char *dir,
    enum lsh_log, const struct iovec *iov, int iovcnt, char *stamp,
    int do_fsync, char *why, size_t whysz);

/*
 * do_fsync STORE_SYNC_LATER: write under the lock, sync after it with
 * store_sync.  Appenders then share the disk's syncs (a journal commit
 * covers every record written before it) instead of taking turns.
 */
#define STORE_SYNC_LATER	2

/*
 * Sync the record the last STORE_SYNC_LATER append to log wrote, with no
 * lock held.  On failure the record is taken back when it is still the
 * log's last (else its line stays: a repeat if the event is sent again,
 * never a loss) and LSH_E_WRITE (LSH_E_STORAGE for an unexpected errno)
 * is returned with why.  LSH_OK when there is nothing to sync.
 */
enum lsh_err store_sync(struct store *, enum lsh_log, char *why, size_t whysz);

/* A Unix time as a UTC calendar date (what gmtime_r gives, no time zone). */
struct lsh_date {
	long long	year;
	int		month, day, hour, min, sec;	/* 1-12, 1-31, 0-23, ... */
};
void lsh_utc(long long t, struct lsh_date *d);

/* The time now as UTC with microseconds: 2026-11-26T18:26:47.978609Z
 * (LSH_STAMP_LEN characters and a NUL when outsz allows). */
void lsh_timestamp(char *out, size_t outsz);

/*
 * Prove that an event could be stored in dir now, without storing one:
 * create, write, fsync and remove a probe file there (".lshook-check.<pid>"),
 * as an append would create, write and sync a log.  The free and total bytes
 * of its file system go to *free_bytes and *total_bytes.  Returns LSH_OK, or
 * the error an append would give (LSH_E_STORAGE, LSH_E_WRITE) with why set.
 */
enum lsh_err store_probe(const char *dir, unsigned long long *free_bytes,
    unsigned long long *total_bytes, char *why, size_t whysz);

/* Close every descriptor. */
void store_close(struct store *);

#endif /* LSH_STORE_H */
