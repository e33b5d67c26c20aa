/*
 * statefile.c: bookkeeping files kept open across requests, checked under
 * their lock to still be the file their path names.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "statefile.h"

static unsigned long opens;

unsigned long
statefile_generation(void)
{
	return opens;
}

void
statefile_close(struct statefile *f)
{
	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
	f->path[0] = '\0';
}

void
statefile_unlock(struct statefile *f)
{
	if (f->fd != -1)
		flock(f->fd, LOCK_UN);
}

void
statefile_own(int fd, const char *dir)
{
	struct stat st;

	if (geteuid() == 0 && stat(dir, &st) == 0 && st.st_uid != 0 &&
	    fchown(fd, st.st_uid, st.st_gid) == -1) {
		/* then the handlers may not open it: they say so */
	}
}

static int
open_path(const char *path, const char *dir, const char *name)
{
	char sub[PATH_MAX];
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd == -1 && errno == ENOENT) {	/* first use: make its folder */
		snprintf(sub, sizeof(sub), "%s/%.*s", dir,
		    (int)strcspn(name, "/"), name);
		if (mkdir(sub, 0750) == 0) {
			fd = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd != -1) {
				statefile_own(fd, dir);
				close(fd);
			}
		} else if (errno != EEXIST)
			return -1;
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	}
	if (fd != -1)
		statefile_own(fd, dir);
	return fd;
}

int
statefile_lock(struct statefile *f, const char *dir, const char *name, int op,
    struct stat *st)
{
	char path[PATH_MAX];
	int tries;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (f->fd != -1 && strcmp(f->path, path) != 0)
		statefile_close(f);	/* another data directory */
	for (tries = 0; tries < 3; tries++) {
		if (f->fd == -1) {
			f->fd = open_path(path, dir, name);
			if (f->fd == -1)
				return -1;
			opens++;
			memcpy(f->path, path, sizeof(path));
		}
		while (flock(f->fd, op) == -1) {
			if (errno != EINTR) {
				statefile_close(f);
				return -1;
			}
		}
		if (fstat(f->fd, st) == -1) {
			statefile_close(f);
			return -1;
		}
		if (st->st_nlink > 0)
			return f->fd;
		statefile_close(f);	/* removed or replaced: the path's file */
	}
	errno = ESTALE;
	return -1;
}
