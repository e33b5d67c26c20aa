/*
 * store.c: the append path every acknowledged event goes through.
 *
 * One record is one writev on an O_APPEND descriptor while holding an
 * exclusive flock, so appenders in any number of processes never
 * interleave, also on NFS where flock becomes a byte-range lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

#define MAX_IOV 8

static const char *const names[LSH_LOG__COUNT] = {
	"tasks.jsonl", "annotations.jsonl", "projects.jsonl",
	"training.jsonl", "ignored.jsonl", "ontology.jsonl", "commands.jsonl"
};

const char *
store_name(enum lsh_log log)
{
	return (unsigned)log < LSH_LOG__COUNT ? names[log] : "?";
}

void
store_init(struct store *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	s->dirfd = -1;
	for (i = 0; i < LSH_LOG__COUNT; i++)
		s->files[i].fd = -1;
}

static void
close_file(struct store_file *f)
{
	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
}

void
store_close(struct store *s)
{
	int i;

	for (i = 0; i < LSH_LOG__COUNT; i++)
		close_file(&s->files[i]);
	if (s->dirfd != -1)
		close(s->dirfd);
	free(s->dir);
	store_init(s);
}

static enum lsh_err
storage_error(char *why, size_t whysz, const char *what, const char *path)
{
	int err = errno;

	snprintf(why, whysz, "%s '%s': %s", what, path, strerror(err));
	if (err == ENOSPC || err == EDQUOT || err == EIO || err == EFBIG)
		return LSH_E_WRITE;
	return LSH_E_STORAGE;
}

/* Make s->dirfd the directory now at path (it may have been replaced). */
static enum lsh_err
open_dir(struct store *s, const char *dir, char *why, size_t whysz)
{
	struct stat st;

	if (stat(dir, &st) == -1)
		return storage_error(why, whysz, "data directory", dir);
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return storage_error(why, whysz, "data directory", dir);
	}
	if (s->dirfd != -1 && s->dev == st.st_dev && s->ino == st.st_ino &&
	    strcmp(s->dir, dir) == 0)
		return LSH_OK;
	store_close(s);
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	s->dir = strdup(dir);
	if (s->dirfd == -1 || s->dir == NULL)
		return storage_error(why, whysz, "cannot open data directory", dir);
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return LSH_OK;
}

static int
open_log(struct store *s, const char *name, int do_fsync)
{
	/* Read access too: the last byte is read to find a torn tail. */
	int flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
	int fd;

	fd = openat(s->dirfd, name, flags);
	if (fd != -1 || errno != ENOENT)
		return fd;
	fd = openat(s->dirfd, name, flags | O_CREAT | O_EXCL, 0640);
	if (fd == -1 && errno == EEXIST)
		return openat(s->dirfd, name, flags);
	/* A new file is durable only once its directory entry is. */
	if (fd != -1 && do_fsync)
		fsync(s->dirfd);
	return fd;
}

/* Make f->fd the file now named name, reopening after rotation. */
static enum lsh_err
current_file(struct store *s, struct store_file *f, const char *name,
    int do_fsync, char *why, size_t whysz)
{
	struct stat st;

	if (f->fd != -1 && fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == f->dev && st.st_ino == f->ino)
		return LSH_OK;
	close_file(f);
	f->fd = open_log(s, name, do_fsync);
	if (f->fd == -1) {
		if (errno == ELOOP)
			errno = EPERM;	/* a symlink: refuse it, say so */
		return storage_error(why, whysz, "cannot open log", name);
	}
	if (fstat(f->fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close_file(f);
		errno = EINVAL;
		return storage_error(why, whysz, "not a regular file", name);
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	return LSH_OK;
}

static int
lock_file(int fd, int op)
{
	while (flock(fd, op) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* writev all of iov, continuing after short writes.  0 or -1. */
static int
write_all(int fd, struct iovec *iov, int n)
{
	ssize_t k;

	while (n > 0) {
		k = writev(fd, iov, n);
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1)
			return -1;
		if (k == 0) {
			errno = EIO;
			return -1;
		}
		while (n > 0 && (size_t)k >= iov->iov_len) {
			k -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + k;
			iov->iov_len -= (size_t)k;
		}
	}
	return 0;
}

/* With the lock held: write the record, ending a torn tail first. */
static enum lsh_err
append_locked(struct store_file *f, const char *name, const struct iovec *rec,
    int reccnt, int do_fsync, char *why, size_t whysz)
{
	struct iovec iov[MAX_IOV + 1];
	struct stat st;
	char last = '\n';
	int n = 0, i, saved;

	if (fstat(f->fd, &st) == -1)
		return storage_error(why, whysz, "cannot stat log", name);
	if (st.st_size > 0 && pread(f->fd, &last, 1, st.st_size - 1) != 1)
		return storage_error(why, whysz, "cannot read log", name);
	if (last != '\n') {
		iov[n].iov_base = (void *)"\n";
		iov[n++].iov_len = 1;
	}
	for (i = 0; i < reccnt && i < MAX_IOV; i++)
		iov[n++] = rec[i];
	if (write_all(f->fd, iov, n) == 0) {
		if (do_fsync == STORE_SYNC_LATER) {
			f->unsynced = 1;
			f->rec_start = st.st_size;
			for (f->rec_end = st.st_size, i = 0; i < n; i++)
				f->rec_end += (off_t)iov[i].iov_len;
			return LSH_OK;
		}
		if (!do_fsync || fsync(f->fd) == 0)
			return LSH_OK;
	}
	saved = errno;
	/* Take back whatever part of the record reached the file. */
	if (ftruncate(f->fd, st.st_size) == -1 || (do_fsync && fsync(f->fd) == -1)) {
		/* a torn tail stays; the next append ends it */
	}
	errno = saved;
	return storage_error(why, whysz, "cannot write log", name);
}

/*
 * The common case in one stat: the log we hold is still the file named
 * <dir>/<name> (neither the directory nor the file was replaced).
 */
static int
still_current(const struct store *s, const struct store_file *f,
    const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	int n;

	if (s->dirfd == -1 || f->fd == -1 || s->dir == NULL ||
	    strcmp(s->dir, dir) != 0)
		return 0;
	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	return fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == f->dev && st.st_ino == f->ino;
}

/* Write v as exactly width decimal digits at p; returns the end. */
static char *
digits(char *p, long v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

/*
 * The UTC date of a Unix time, without gmtime_r: glibc's reads the local
 * time zone (/etc/localtime, seven system calls) on its first call, which
 * a CGI run pays on every request.  Days to a civil date by Howard
 * Hinnant's published algorithm (eras of 400 years, March-based years).
 */
void
lsh_utc(long long t, struct lsh_date *d)
{
	long long days = t / 86400, secs = t % 86400, era, doe, yoe, doy, mp;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	days += 719468;		/* from 1970-01-01 to 0000-03-01 */
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	d->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	d->year = yoe + era * 400 + (d->month <= 2);
	d->hour = (int)(secs / 3600);
	d->min = (int)(secs / 60 % 60);
	d->sec = (int)(secs % 60);
}

/* Formatted by hand: strftime costs more than the rest of the stamp. */
void
lsh_timestamp(char *out, size_t outsz)
{
	struct timespec ts;
	struct lsh_date d;
	char *p = out;

	clock_gettime(CLOCK_REALTIME, &ts);
	lsh_utc((long long)ts.tv_sec, &d);
	if (outsz < 28 || d.year < 0 || d.year > 9999) {
		snprintf(out, outsz, "%04lld-%02d-%02dT%02d:%02d:%02d.%06ldZ",
		    d.year, d.month, d.day, d.hour, d.min, d.sec,
		    ts.tv_nsec / 1000);
		return;
	}
	p = digits(p, (long)d.year, 4);
	*p++ = '-';
	p = digits(p, d.month, 2);
	*p++ = '-';
	p = digits(p, d.day, 2);
	*p++ = 'T';
	p = digits(p, d.hour, 2);
	*p++ = ':';
	p = digits(p, d.min, 2);
	*p++ = ':';
	p = digits(p, d.sec, 2);
	*p++ = '.';
	p = digits(p, ts.tv_nsec / 1000 % 1000000, 6);
	*p++ = 'Z';
	*p = '\0';
}

enum lsh_err
store_sync(struct store *s, enum lsh_log log, char *why, size_t whysz)
{
	struct store_file *f;
	struct stat st;
	int saved;

	if ((unsigned)log >= LSH_LOG__COUNT || !s->files[log].unsynced)
		return LSH_OK;
	f = &s->files[log];
	f->unsynced = 0;
	if (fsync(f->fd) == 0)
		return LSH_OK;
	saved = errno;
	/* Take the record back if no record came after it. */
	if (lock_file(f->fd, LOCK_EX) == 0) {
		if (fstat(f->fd, &st) == 0 && st.st_size == f->rec_end &&
		    ftruncate(f->fd, f->rec_start) == 0 && fsync(f->fd) == -1) {
			/* nothing more to try: the answer says it failed */
		}
		lock_file(f->fd, LOCK_UN);
	}
	errno = saved;
	return storage_error(why, whysz, "cannot sync log", names[log]);
}

enum lsh_err
store_append(struct store *s, const char *dir, enum lsh_log log,
    const struct iovec *iov, int iovcnt, int do_fsync, char *why, size_t whysz)
{
	return store_append_stamped(s, dir, log, iov, iovcnt, NULL, do_fsync,
	    why, whysz);
}

enum lsh_err
store_append_stamped(struct store *s, const char *dir, enum lsh_log log,
    const struct iovec *iov, int iovcnt, char *stamp, int do_fsync, char *why,
    size_t whysz)
{
	char now[40];

	struct store_file *f;
	enum lsh_err e;

	if ((unsigned)log >= LSH_LOG__COUNT || iovcnt > MAX_IOV) {
		snprintf(why, whysz, "bad append call");
		return LSH_E_STORAGE;
	}
	f = &s->files[log];
	if (!still_current(s, f, dir, names[log])) {
		e = open_dir(s, dir, why, whysz);
		if (e != LSH_OK)
			return e;
		f = &s->files[log];
		e = current_file(s, f, names[log], do_fsync, why, whysz);
		if (e != LSH_OK)
			return e;
	}
	if (lock_file(f->fd, LOCK_EX) == -1)
		return storage_error(why, whysz, "cannot lock log", names[log]);
	if (stamp != NULL) {	/* under the lock: records in time order */
		lsh_timestamp(now, sizeof(now));
		memcpy(stamp, now, LSH_STAMP_LEN);
	}
	e = append_locked(f, names[log], iov, iovcnt, do_fsync, why, whysz);
	lock_file(f->fd, LOCK_UN);
	return e;
}

/* Write, sync and close the probe file; -1 with errno on failure. */
static int
probe_write(int fd)
{
	static const char text[] = "lshook check: safe to remove\n";
	ssize_t k = write(fd, text, sizeof(text) - 1);

	if (k != (ssize_t)sizeof(text) - 1) {
		if (k >= 0)
			errno = EIO;
		return -1;
	}
	return fsync(fd);
}

enum lsh_err
store_probe(const char *dir, unsigned long long *free_bytes,
    unsigned long long *total_bytes, char *why, size_t whysz)
{
	char path[PATH_MAX];
	struct statvfs sv;
	struct stat st;
	enum lsh_err e = LSH_OK;
	int fd, err;

	if (stat(dir, &st) == -1)
		return storage_error(why, whysz, "data directory", dir);
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return storage_error(why, whysz, "data directory", dir);
	}
	snprintf(path, sizeof(path), "%s/.lshook-check.%ld", dir, (long)getpid());
	/* a file of ours left by a killed process is removed, nothing else
	 * is ever opened: O_EXCL makes the probe a new file */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY |
	    O_CLOEXEC, 0640);
	if (fd == -1 && errno == EEXIST && unlink(path) == 0)
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_NOCTTY | O_CLOEXEC, 0640);
	if (fd == -1)
		return storage_error(why, whysz, "cannot create", path);
	if (probe_write(fd) == -1)
		e = storage_error(why, whysz, "cannot write", path);
	err = errno;
	if (close(fd) == -1 && e == LSH_OK)
		e = storage_error(why, whysz, "cannot write", path);
	if (unlink(path) == -1 && e == LSH_OK)
		e = storage_error(why, whysz, "cannot remove", path);
	errno = err;
	if (e != LSH_OK)
		return e;
	if (statvfs(dir, &sv) == -1)
		return storage_error(why, whysz, "cannot measure", dir);
	*free_bytes = (unsigned long long)sv.f_bavail * sv.f_frsize;
	*total_bytes = (unsigned long long)sv.f_blocks * sv.f_frsize;
	return LSH_OK;
}
