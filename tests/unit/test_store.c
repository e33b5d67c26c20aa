/* test_store.c: appends, torn tails, rotation, refusals, failed writes. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <errno.h>
#include <sys/syscall.h>

#include "store.h"
#include "unit.h"

/* fsync as the store calls it, failing the next fail_fsync calls. */
static int fail_fsync;

int
fsync(int fd)
{
	if (fail_fsync > 0) {
		fail_fsync--;
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fsync, fd);
}

static char dir[] = "/tmp/lshook-unit-XXXXXX";

static enum lsh_err
append(struct store *s, const char *rec)
{
	struct iovec iov[1] = { { (void *)rec, strlen(rec) } };
	char why[256];

	return store_append(s, dir, LSH_LOG_TASKS, iov, 1, 1, why, sizeof(why));
}

static char *
slurp(const char *name)
{
	static char text[65536];
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void
path_of(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static void
test_append_and_torn_tail(struct store *s)
{
	char p[512];
	struct stat st;
	FILE *f;

	CHECK(append(s, "{\"a\":1}\n") == LSH_OK, "first append");
	CHECK(append(s, "{\"a\":2}\n") == LSH_OK, "second append");
	CHECK_STR(slurp("tasks.jsonl"), "{\"a\":1}\n{\"a\":2}\n", "two lines");
	path_of(p, sizeof(p), "tasks.jsonl");
	CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0640, "created 0640");
	f = fopen(p, "a");
	fputs("{\"torn", f);
	fclose(f);
	CHECK(append(s, "{\"a\":3}\n") == LSH_OK, "append after a torn tail");
	CHECK_STR(slurp("tasks.jsonl"), "{\"a\":1}\n{\"a\":2}\n{\"torn\n{\"a\":3}\n",
	    "torn tail isolated on its own line");
}

static void
test_rotation(struct store *s)
{
	char a[512], b[512];

	path_of(a, sizeof(a), "tasks.jsonl");
	path_of(b, sizeof(b), "tasks.jsonl.1");
	CHECK(rename(a, b) == 0, "rotate by rename");
	CHECK(append(s, "{\"a\":4}\n") == LSH_OK, "append after rotation");
	CHECK_STR(slurp("tasks.jsonl"), "{\"a\":4}\n", "new line goes to the new file");
	unlink(b);
	unlink(a);
	CHECK(append(s, "{\"a\":5}\n") == LSH_OK && strcmp(slurp("tasks.jsonl"),
	    "{\"a\":5}\n") == 0, "a removed log is recreated");
}

static void
test_refusals(struct store *s)
{
	struct iovec iov[1] = { { (void *)"{}\n", 3 } };
	char why[256], p[512], other[512];

	path_of(p, sizeof(p), "projects.jsonl");
	path_of(other, sizeof(other), "elsewhere");
	close(open(other, O_CREAT | O_WRONLY, 0600));
	CHECK(symlink(other, p) == 0, "make a symlinked log");
	CHECK(store_append(s, dir, LSH_LOG_PROJECTS, iov, 1, 0, why, sizeof(why)) ==
	    LSH_E_STORAGE, "a symlinked log is refused");
	CHECK(strstr(why, "projects.jsonl") != NULL, "the reason names the file");
	CHECK_STR(slurp("elsewhere"), "", "the symlink target is untouched");
	path_of(p, sizeof(p), "training.jsonl");
	mkdir(p, 0700);
	CHECK(store_append(s, dir, LSH_LOG_TRAINING, iov, 1, 0, why, sizeof(why)) ==
	    LSH_E_STORAGE, "a directory in place of a log is refused");
	CHECK(store_append(s, "/nonexistent/lshook", LSH_LOG_TASKS, iov, 1, 0, why,
	    sizeof(why)) == LSH_E_STORAGE && strstr(why, "/nonexistent/lshook"),
	    "a missing data directory is refused and named");
}

/* A write that fails part-way (file size limit) leaves no partial record. */
static void
test_failed_write(struct store *s)
{
	struct rlimit old, rl;
	char big[8192], why[256];
	struct iovec iov[1] = { { big, sizeof(big) } };
	struct stat st;
	char p[512];
	off_t before;

	path_of(p, sizeof(p), "tasks.jsonl");
	stat(p, &st);
	before = st.st_size;
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	rl = old;
	rl.rlim_cur = (rlim_t)before + 4096;
	setrlimit(RLIMIT_FSIZE, &rl);
	CHECK(store_append(s, dir, LSH_LOG_TASKS, iov, 1, 1, why, sizeof(why)) ==
	    LSH_E_WRITE, "a write over the size limit fails with LSH_E_WRITE");
	setrlimit(RLIMIT_FSIZE, &old);
	stat(p, &st);
	CHECK(st.st_size == before, "no partial record is left");
	CHECK(append(s, "{\"a\":6}\n") == LSH_OK, "the next append works");
}

static off_t
size_of(const char *name)
{
	struct stat st;
	char p[512];

	path_of(p, sizeof(p), name);
	return stat(p, &st) == 0 ? st.st_size : -1;
}

/* One record, synced later (STORE_SYNC_LATER). */
static enum lsh_err
append_later(struct store *s, const char *rec)
{
	struct iovec iov[1] = { { (void *)rec, strlen(rec) } };
	char why[256];

	return store_append_stamped(s, dir, LSH_LOG_TASKS, iov, 1, NULL,
	    STORE_SYNC_LATER, why, sizeof(why));
}

static void
test_sync_later(struct store *s)
{
	struct iovec next[1] = { { (void *)"{\"b\":4}\n", 8 } };
	char why[256];
	off_t before = size_of("tasks.jsonl");

	CHECK(append_later(s, "{\"b\":1}\n") == LSH_OK &&
	    store_sync(s, LSH_LOG_TASKS, why, sizeof(why)) == LSH_OK,
	    "a record written, then synced");
	CHECK(store_sync(s, LSH_LOG_TASKS, why, sizeof(why)) == LSH_OK,
	    "nothing left to sync");
	CHECK(size_of("tasks.jsonl") == before + 8, "the record stays");
	before = size_of("tasks.jsonl");
	fail_fsync = 1;
	CHECK(append_later(s, "{\"b\":2}\n") == LSH_OK &&
	    store_sync(s, LSH_LOG_TASKS, why, sizeof(why)) == LSH_E_WRITE,
	    "a failed sync is LSH_E_WRITE");
	CHECK(strstr(why, "cannot sync log") != NULL, "and says so");
	CHECK(size_of("tasks.jsonl") == before, "the unsynced record is taken back");
	fail_fsync = 1;
	CHECK(append_later(s, "{\"b\":3}\n") == LSH_OK &&
	    store_append(s, dir, LSH_LOG_TASKS, next, 1, 0, why, sizeof(why)) ==
	    LSH_OK && store_sync(s, LSH_LOG_TASKS, why, sizeof(why)) == LSH_E_WRITE,
	    "a failed sync after another process's record");
	CHECK(size_of("tasks.jsonl") == before + 16,
	    "a record with another after it stays (a repeat if sent again)");
}

/* lsh_utc against gmtime_r, every 6 hours and 7 seconds over 1600-2400. */
static void
test_utc(void)
{
	long long t, bad = 0, n = 0;
	struct lsh_date d;
	struct tm tm;
	time_t tt;

	for (t = -11676096000LL; t < 13569465600LL; t += 6 * 3600 + 7, n++) {
		tt = (time_t)t;
		gmtime_r(&tt, &tm);
		lsh_utc(t, &d);
		if (d.year != tm.tm_year + 1900LL || d.month != tm.tm_mon + 1 ||
		    d.day != tm.tm_mday || d.hour != tm.tm_hour ||
		    d.min != tm.tm_min || d.sec != tm.tm_sec)
			bad++;
	}
	CHECK(bad == 0 && n > 1000000, "lsh_utc is gmtime_r's date, 1600 to 2400");
}

int
main(void)
{
	struct store s;
	char cmd[600];

	if (mkdtemp(dir) == NULL)
		return 1;
	umask(027);
	store_init(&s);
	test_append_and_torn_tail(&s);
	test_rotation(&s);
	test_refusals(&s);
	test_failed_write(&s);
	test_sync_later(&s);
	test_utc();
	store_close(&s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return unit_done();
}
