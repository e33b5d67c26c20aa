/*
 * follow.c: ontology updates, training triggers, first-seen projects and
 * commands, in that order, for one recorded event.
 *
 * Counters and markers live in <data>/state/ and change only under a lock
 * file there, so concurrent handlers count exactly and announce a new
 * project once.  A project id becomes part of a file name only after it
 * has been checked to be a plain decimal number.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "annidx.h"
#include "buf.h"
#include "command.h"
#include "follow.h"
#include "jtree.h"
#include "ontology.h"
#include "statefile.h"

/* The event's project id when it is a plain positive integer, else -1. */
static long long
project_of(const struct event *ev)
{
	const struct span *p = &ev->json.project_id;
	long long v = 0;
	size_t i;

	if (p->len == 0 || p->len > 18)
		return -1;
	for (i = 0; i < p->len; i++) {
		if (ev->body[p->off + i] < '0' || ev->body[p->off + i] > '9')
			return -1;
		v = v * 10 + (ev->body[p->off + i] - '0');
	}
	return v;
}

static const char *
canonical(const struct event *ev)
{
	return ev->route != NULL ? ev->route->canonical : ev->action;
}

/* --- commands ---------------------------------------------------------- */

static void
run_command(const struct config *cfg, struct request *req, const char *family,
    const char *action, const char *id, long long pid, enum lsh_log log,
    const char *line, size_t len)
{
	char *const *argv = config_command(cfg, family, action);
	struct command_event ce;
	char pidbuf[24], logpath[4096];

	if (argv == NULL)
		return;
	snprintf(pidbuf, sizeof(pidbuf), "%lld", pid);
	snprintf(logpath, sizeof(logpath), "%s/%s", cfg->data_dir, store_name(log));
	memset(&ce, 0, sizeof(ce));
	ce.id = id;
	ce.action = action;
	ce.family = family;
	ce.project_id = pid >= 0 ? pidbuf : NULL;
	ce.log = logpath;
	ce.line = line;
	ce.line_len = len;
	if (command_spawn(cfg, argv, &ce) == -1)
		req_log(req, "cannot start the command for %s: %s", action,
		    strerror(errno));
}

/* --- state files --------------------------------------------------------- */

static int
lock_state(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/state", dir);
	if (mkdir(path, 0750) == -1 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/state/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd == -1)
		return -1;
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static void
unlock_state(int fd)
{
	flock(fd, LOCK_UN);
	close(fd);
}

static long long
read_count(const char *path)
{
	char buf[32];
	ssize_t k;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return 0;
	k = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (k <= 0)
		return 0;
	buf[k] = '\0';
	return strtoll(buf, NULL, 10);
}

static int
write_count(const char *path, long long n, int do_fsync)
{
	char tmp[4200], buf[32];
	int fd, len, ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	len = snprintf(buf, sizeof(buf), "%lld\n", n);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd == -1)
		return -1;
	ok = write(fd, buf, (size_t)len) == len && (!do_fsync || fsync(fd) == 0);
	if (close(fd) == -1 || !ok || rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Append a record made here; its received_at is stamped under the lock. */
static enum lsh_err
append_line(const struct config *cfg, struct store *st, enum lsh_log log,
    const struct buf *line, char *why, size_t whysz)
{
	static const char key[] = "\"received_at\":\"";
	struct iovec iov[1];
	char *stamp;

	if (line->failed) {
		snprintf(why, whysz, "out of memory");
		return LSH_E_NOMEM;
	}
	stamp = memmem(line->p, line->len, key, sizeof(key) - 1);
	if (stamp != NULL)
		stamp += sizeof(key) - 1;
	iov[0].iov_base = line->p;
	iov[0].iov_len = line->len;
	return store_append_stamped(st, cfg->data_dir, log, iov, 1, stamp,
	    cfg->fsync, why, whysz);
}

/*
 * The id of a record lshook derives itself: "<kind>:<what>" and a random
 * ".<16 hex digits>", so that it stays unique when an operator resets
 * what it counts (a deleted state/train-<project> counts from 0 again, a
 * deleted state/projects/<project> announces the project again).
 */
static void
derived_id(char *out, size_t outsz, const char *what)
{
	unsigned char r[8];
	char hex[2 * sizeof(r) + 1];

	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
	snprintf(out, outsz, "%s.%s", what, hex);
}

/* --- training trigger ---------------------------------------------------- */

static void
train_record(struct buf *b, const struct config *cfg, const struct event *ev,
    const char *id, long long pid, long long count)
{
	char at[40];

	lsh_timestamp(at, sizeof(at));
	buf_printf(b, "{\"v\":1,\"id\":\"%s\",\"received_at\":\"%s\","
	    "\"action\":\"TRAIN_REQUESTED\",\"family\":\"training\","
	    "\"project_id\":%lld,\"task_ids\":[],\"annotation_ids\":[],"
	    "\"reason\":\"every %ld annotations\",\"count\":%lld,"
	    "\"payload\":{\"action\":\"TRAIN_REQUESTED\",\"project\":{\"id\":%lld},"
	    "\"count\":%lld,\"every\":%ld,\"event_id\":\"%s\"}}\n", id, at,
	    pid, cfg->train_every, count, pid, count, cfg->train_every, ev->id);
}

/* Count new annotations; every train_every of them, request training. */
static void
follow_training(const struct config *cfg, struct store *st,
    struct request *req, const struct event *ev, long long pid)
{
	struct buf line = { 0 };
	char path[4096], why[512], what[64], id[96];
	long long before, after, n;
	int fd, crossed = 0;

	if (cfg->train_every <= 0 || pid < 0)
		return;
	n = ev->json.annotation_ids.n > 0 ? (long long)ev->json.annotation_ids.n : 1;
	fd = lock_state(cfg->data_dir, ".train.lock");
	if (fd == -1) {
		req_log(req, "training counter: cannot lock: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/state/train-%lld", cfg->data_dir, pid);
	before = read_count(path);
	after = before + n;
	if (write_count(path, after, cfg->fsync) == -1)
		req_log(req, "training counter '%s': %s", path, strerror(errno));
	else if (before / cfg->train_every != after / cfg->train_every) {
		snprintf(what, sizeof(what), "train:%lld:%lld", pid, after);
		derived_id(id, sizeof(id), what);
		train_record(&line, cfg, ev, id, pid, after);
		crossed = append_line(cfg, st, LSH_LOG_TRAINING, &line, why,
		    sizeof(why)) == LSH_OK;
		if (!crossed)
			req_log(req, "TRAIN_REQUESTED not recorded: %s", why);
	}
	unlock_state(fd);
	if (crossed)
		run_command(cfg, req, "training", "TRAIN_REQUESTED", id, pid,
		    LSH_LOG_TRAINING, line.p, line.len);
	buf_free(&line);
}

/* --- first-seen projects ----------------------------------------------------- */

static void
first_seen_record(struct buf *b, const struct event *ev, const char *id,
    long long pid)
{
	char at[40];

	lsh_timestamp(at, sizeof(at));
	buf_printf(b, "{\"v\":1,\"id\":\"%s\",\"received_at\":\"%s\","
	    "\"action\":\"PROJECT_FIRST_SEEN\",\"family\":\"projects\","
	    "\"project_id\":%lld,\"task_ids\":[],\"annotation_ids\":[],"
	    "\"payload\":{\"action\":\"PROJECT_FIRST_SEEN\",\"project\":{\"id\":%lld},"
	    "\"event_id\":\"%s\",\"event_action\":\"", id, at, pid, pid, ev->id);
	buf_json_escape(b, ev->action, strlen(ev->action));
	buf_puts(b, "\"}}\n");
}

/*
 * Projects this process found announced (their marker exists), so their
 * next events cost no lookup: lshook never takes a marker back.  Forgotten
 * when the data directory changes, or a state file had to be opened
 * again (the directory was replaced).
 */
static struct {
	char		 dir[4096];
	unsigned long	 generation;
	long long	 pid[16];
	size_t		 n, next;
} known;

static int
known_project(const char *dir, long long pid)
{
	size_t i;

	if (strcmp(known.dir, dir) != 0 ||
	    known.generation != statefile_generation())
		return 0;
	for (i = 0; i < known.n; i++)
		if (known.pid[i] == pid)
			return 1;
	return 0;
}

static void
remember_project(const char *dir, long long pid)
{
	if (strcmp(known.dir, dir) != 0 ||
	    known.generation != statefile_generation()) {
		snprintf(known.dir, sizeof(known.dir), "%s", dir);
		known.generation = statefile_generation();
		known.n = known.next = 0;
	}
	known.pid[known.next] = pid;
	known.next = (known.next + 1) % (sizeof(known.pid) / sizeof(known.pid[0]));
	if (known.n < sizeof(known.pid) / sizeof(known.pid[0]))
		known.n++;
}

/*
 * Open-source Label Studio never sends PROJECT_CREATED, so the first event
 * of an unknown project announces it.  The record is written before the
 * marker: a crash in between repeats the announcement, never loses it.
 */
static void
follow_first_seen(const struct config *cfg, struct store *st,
    struct request *req, const struct event *ev, long long pid)
{
	struct buf line = { 0 };
	char marker[4096], dir[4096], why[512], what[40], id[72];
	int fd, fresh = 0, mfd;

	if (pid < 0 || known_project(cfg->data_dir, pid))
		return;
	snprintf(marker, sizeof(marker), "%s/state/projects/%lld", cfg->data_dir, pid);
	if (access(marker, F_OK) == 0) {
		remember_project(cfg->data_dir, pid);
		return;
	}
	fd = lock_state(cfg->data_dir, ".projects.lock");
	if (fd == -1) {
		req_log(req, "first-seen projects: cannot lock: %s", strerror(errno));
		return;
	}
	snprintf(dir, sizeof(dir), "%s/state/projects", cfg->data_dir);
	if (mkdir(dir, 0750) == -1 && errno != EEXIST)
		req_log(req, "first-seen projects: '%s': %s", dir, strerror(errno));
	if (access(marker, F_OK) == -1) {
		snprintf(what, sizeof(what), "first-seen:%lld", pid);
		derived_id(id, sizeof(id), what);
		first_seen_record(&line, ev, id, pid);
		fresh = append_line(cfg, st, LSH_LOG_PROJECTS, &line, why,
		    sizeof(why)) == LSH_OK;
		mfd = fresh ? open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0640) : -1;
		if (mfd != -1)
			close(mfd);
		else
			req_log(req, "PROJECT_FIRST_SEEN for %lld: %s", pid,
			    fresh ? strerror(errno) : why);
	}
	unlock_state(fd);
	if (fresh)
		run_command(cfg, req, "projects", "PROJECT_FIRST_SEEN", id, pid,
		    LSH_LOG_PROJECTS, line.p, line.len);
	buf_free(&line);
}

/* --- ontology ------------------------------------------------------------------ */

/*
 * The labels of the event: for annotation events, only the "annotation"
 * value is parsed (the task and the project around it are most of the
 * body); a project's whole payload, for its label config.
 */
static int
extract_labels(const struct event *ev, enum onto_kind kind, struct onto_list *l)
{
	const struct span *a = &ev->json.annotation;
	struct jtree t = { 0 };
	enum lsh_err e;
	int rc = -1;

	if (kind == ONTO_DECLARED)
		e = jtree_parse(&t, ev->payload.p, ev->payload.len, JTREE_FULL);
	else if (a->len > 0)
		e = jtree_parse(&t, ev->body + a->off, a->len, JTREE_FULL);
	else
		return 0;	/* no annotation: no label used */
	if (e == LSH_OK)
		rc = kind == ONTO_DECLARED ? ontology_extract(kind, t.root, l) :
		    ontology_used_in(t.root, l);
	jtree_free(&t);
	return rc;
}

static void
follow_ontology(const struct config *cfg, struct store *st,
    struct request *req, const struct event *ev, enum lsh_family family,
    long long pid)
{
	struct onto_list l = { 0 };
	char why[512];
	size_t changes;
	int kind;

	kind = ontology_kind(family, canonical(ev));
	if (kind == -1 || pid < 0)
		return;
	if (extract_labels(ev, (enum onto_kind)kind, &l) == 0 &&
	    ontology_apply(st, cfg->data_dir, pid, ev->id, (enum onto_kind)kind,
	    &l, cfg->fsync, &changes, why, sizeof(why)) != LSH_OK)
		req_log(req, "ontology of project %lld not updated: %s", pid, why);
	onto_list_free(&l);
}

/*
 * An annotation created or changed: the table of annotation tasks reads
 * the log up to it (annidx.h), at most ANNIDX_BUDGET bytes per event.
 */
static void
follow_index(const struct config *cfg, struct request *req,
    const struct event *ev, enum lsh_family family)
{
	const char *a = canonical(ev);
	char why[512];

	if (family != LSH_FAM_ANNOTATIONS || (strcmp(a, "ANNOTATION_CREATED") != 0 &&
	    strcmp(a, "ANNOTATIONS_CREATED") != 0 &&
	    strcmp(a, "ANNOTATION_UPDATED") != 0))
		return;
	if (annidx_catch_up(cfg->data_dir, ANNIDX_BUDGET, why, sizeof(why)) == -1)
		req_log(req, "annotation index not updated: %s", why);
}

void
follow_event(const struct config *cfg, struct store *st, struct request *req,
    const struct event *ev, enum lsh_family family)
{
	long long pid = project_of(ev);
	const char *fam = family_name(family);
	struct buf line = { 0 };
	size_t i;

	follow_ontology(cfg, st, req, ev, family, pid);
	if (family == LSH_FAM_ANNOTATIONS && (strcmp(canonical(ev),
	    "ANNOTATION_CREATED") == 0 || strcmp(canonical(ev),
	    "ANNOTATIONS_CREATED") == 0))
		follow_training(cfg, st, req, ev, pid);
	follow_first_seen(cfg, st, req, ev, pid);
	if (config_command(cfg, fam, canonical(ev)) != NULL) {
		for (i = 0; i < 3; i++)
			buf_add(&line, ev->rec[i].iov_base, ev->rec[i].iov_len);
		if (!line.failed)
			run_command(cfg, req, fam, canonical(ev), ev->id, pid,
			    (enum lsh_log)family, line.p, line.len);
		buf_free(&line);
	}
	/* last: reading the log may take longest, and nothing waits on it */
	follow_index(cfg, req, ev, family);
}
