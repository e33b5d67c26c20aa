/*
 * handler.c: the process loop and the request pipeline.
 *
 * A request goes: configuration -> method -> content type -> length ->
 * body -> authentication -> JSON -> route -> append -> answer.  Each
 * step answers its own failure through lsh_fail, so nothing is stored
 * unless every step before the append passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <sodium.h>

#include "auth.h"
#include "follow.h"
#include "handler.h"
#include "seen.h"
#include "stats.h"

extern char **environ;

#define LSH_DRAIN_MS	10000	/* longest wait for an unread CGI body */

static sigset_t stop_signals;	/* SIGTERM and SIGUSR1: libfcgi's "stop" */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t idle;	/* waiting for a request, none in hand */

/*
 * Ours, installed first thing, so a SIGTERM during start-up (a server
 * stopping a process it just spawned) ends the loop cleanly instead of
 * killing the process; FCGX_Init keeps a handler it finds installed.
 * Between requests the process holds nothing and leaves at once: libfcgi
 * checks its own flag only when a signal interrupts accept(), so one that
 * came just before accept() would leave it waiting for good.  During a
 * request (the signals are blocked while it is served) the loop ends
 * after it.
 */
static void
on_stop(int sig)
{
	(void)sig;
	if (idle)
		_exit(0);
	stop_requested = 1;
	FCGX_ShutdownPending();
}

static void
install_stop_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: accept() returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

void
lsh_respond_json(struct lsh_ctx *c, int status, struct buf *b)
{
	if (b->failed || b->p == NULL)
		lsh_fail(c, LSH_E_NOMEM, NULL);
	else
		req_respond(&c->req, status, NULL, b->p);
	buf_free(b);
}

void
lsh_fail(struct lsh_ctx *c, enum lsh_err e, const char *detail)
{
	const char *hdr = NULL;
	const char *method = req_param(&c->req, "REQUEST_METHOD");

	if (e == LSH_E_METHOD)
		hdr = c->family == LSH_FAM_TRAINING ? "Allow: GET, POST\r\n" :
		    "Allow: POST\r\n";
	if (lsh_err_status(e) == 401 && c->cfg != NULL &&
	    (c->cfg->auth & LSH_AUTH_HEADER))
		hdr = "WWW-Authenticate: Basic realm=\"lshook\"\r\n";
	req_log(&c->req, "%d %s%s%s (%s %s)", lsh_err_status(e),
	    lsh_err_message(e), detail ? ": " : "", detail ? detail : "",
	    method ? method : "-", req_param(&c->req, "REMOTE_ADDR") ?
	    req_param(&c->req, "REMOTE_ADDR") : "-");
	stats_note_error(c->cfg, &c->req, e, detail);
	req_fail(&c->req, e, hdr);
}

int
lsh_check_config(struct lsh_ctx *c)
{
	if (c->cfg->err == LSH_OK)
		return 0;
	lsh_fail(c, c->cfg->err, c->cfg->errmsg);
	return -1;
}

/* application/json with any parameters (charset), or no type at all. */
static int
json_content_type(const char *ct)
{
	size_t n;

	if (ct == NULL)
		return 1;
	while (*ct == ' ')
		ct++;
	n = strcspn(ct, "; ");
	return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

int
lsh_read_post(struct lsh_ctx *c)
{
	const char *m = req_param(&c->req, "REQUEST_METHOD");
	enum lsh_err e;

	if (m == NULL || strcmp(m, "POST") != 0) {
		lsh_fail(c, LSH_E_METHOD, NULL);
		return -1;
	}
	if (!json_content_type(req_param(&c->req, "CONTENT_TYPE"))) {
		lsh_fail(c, LSH_E_MEDIA_TYPE, NULL);
		return -1;
	}
	e = req_read_body(&c->req, c->cfg->max_body);
	if (e != LSH_OK) {
		lsh_fail(c, e, NULL);
		return -1;
	}
	return 0;
}

static void
auth_input(struct lsh_ctx *c, struct auth_input *in)
{
	const struct config *cfg = c->cfg;

	memset(in, 0, sizeof(*in));
	in->authorization = req_param(&c->req, "HTTP_AUTHORIZATION");
	if (cfg->auth_header != NULL)
		in->custom = req_param(&c->req, cfg->auth_header);
	in->hmac = req_param(&c->req, cfg->hmac_header);
	in->wh_id = req_param(&c->req, "HTTP_WEBHOOK_ID");
	in->wh_timestamp = req_param(&c->req, "HTTP_WEBHOOK_TIMESTAMP");
	in->wh_signature = req_param(&c->req, "HTTP_WEBHOOK_SIGNATURE");
	in->body = c->req.body;
	in->body_len = c->req.body_len;
	in->now = cfg->clock ? cfg->clock : (long long)time(NULL);
}

int
lsh_has_credentials(struct lsh_ctx *c)
{
	struct auth_input in;

	auth_input(c, &in);
	return auth_presented(c->cfg, &in);
}

int
lsh_authenticate(struct lsh_ctx *c)
{
	struct auth_input in;
	enum lsh_err e;
	int basic;

	auth_input(c, &in);
	e = auth_check(c->cfg, &in, &basic);
	if (e == LSH_OK)
		return 0;
	lsh_fail(c, e, NULL);
	return -1;
}

int
lsh_parse_event(struct lsh_ctx *c)
{
	struct event *ev = &c->ev;
	char detail[96];
	enum lsh_err e;

	c->have_event = 1;
	e = event_parse(ev, c->req.body, c->req.body_len,
	    req_param(&c->req, "HTTP_WEBHOOK_ID"));
	if (e == LSH_OK)
		return 0;
	if (e == LSH_E_JSON) {
		snprintf(detail, sizeof(detail), "%s at byte %zu", ev->err,
		    ev->err_off);
		lsh_fail(c, e, detail);
	} else
		lsh_fail(c, e, NULL);
	return -1;
}

/* Whether path lies inside dir (both resolved); -1 when unknown. */
static int
path_inside(const char *path, const char *dir)
{
	/* The last pair on the heap: two PATH_MAX statics are two more pages
	 * written (page faults) in every CGI run. */
	static char *last_path, *last_dir;
	static int last = -1;
	char rp[PATH_MAX], rd[PATH_MAX];
	size_t n;
	int inside;

	if (last != -1 && strcmp(path, last_path) == 0 &&
	    strcmp(dir, last_dir) == 0)
		return last;
	if (realpath(path, rp) == NULL || realpath(dir, rd) == NULL)
		return -1;
	n = strlen(rd);
	inside = strncmp(rp, rd, n) == 0 && (rp[n] == '/' || rp[n] == '\0' ||
	    strcmp(rd, "/") == 0);
	free(last_path);
	free(last_dir);
	last_path = strdup(path);
	last_dir = strdup(dir);
	last = last_path != NULL && last_dir != NULL ? inside : -1;
	return inside;
}

/* The web server must never be able to serve the logs. */
static int
data_dir_exposed(struct lsh_ctx *c)
{
	const char *docroot = req_param(&c->req, "DOCUMENT_ROOT");

	return docroot != NULL && path_inside(c->cfg->data_dir, docroot) == 1;
}

/* The data directory is usable by where it lies: 0, or -1 once answered. */
static int
check_data_dir_place(struct lsh_ctx *c)
{
	char why[PATH_MAX + 64];

	if (!data_dir_exposed(c))
		return 0;
	snprintf(why, sizeof(why), "LSHOOK_DATA_DIR '%s' is inside the "
	    "document root", c->cfg->data_dir);
	lsh_fail(c, LSH_E_STORAGE, why);
	return -1;
}

static void
answer_stored(struct lsh_ctx *c, const struct event *ev, const char *reason)
{
	struct buf b = { 0 };

	if (reason == NULL)
		buf_printf(&b, "{\"status\":\"ok\",\"id\":\"%s\"}", ev->id);
	else
		buf_printf(&b, "{\"status\":\"ignored\",\"id\":\"%s\","
		    "\"reason\":\"%s\"}", ev->id, reason);
	lsh_respond_json(c, reason ? 202 : 200, &b);
}

/*
 * Whether this delivery is deduplicated: see event_has_identity and
 * docs/ARCHITECTURE.md ("What is deduplicated").
 */
static int
dedup_applies(const struct lsh_ctx *c, const struct event *ev)
{
	return c->cfg->dedup_window > 0 && event_has_identity(ev,
	    req_param(&c->req, "HTTP_WEBHOOK_ID") != NULL);
}

static void
answer_duplicate(struct lsh_ctx *c, const struct event *ev)
{
	struct buf b = { 0 };

	buf_printf(&b, "{\"status\":\"duplicate\",\"id\":\"%s\"}", ev->id);
	lsh_respond_json(c, 200, &b);
}

/*
 * Append under the seen-ids lock, so a repeated delivery is not stored;
 * with LSHOOK_FSYNC=always, sync once both locks are released.
 */
static enum lsh_err
append_once(struct lsh_ctx *c, enum lsh_log log, struct iovec *iov, int dedup,
    int *dup, char *why, size_t whysz)
{
	char *stamp = event_stamp(&c->ev);
	int sync = c->cfg->fsync ? STORE_SYNC_LATER : 0;
	char key[LSH_MAX_ID + 32];
	struct seen seen;
	enum lsh_err e;

	*dup = 0;
	if (!dedup) {
		e = store_append_stamped(c->store, c->cfg->data_dir, log, iov, 3,
		    stamp, sync, why, whysz);
		event_stamped(&c->ev, stamp);
		return e == LSH_OK ? store_sync(c->store, log, why, whysz) : e;
	}
	/* Seen per endpoint: what one endpoint ignored, another records. */
	snprintf(key, sizeof(key), "%s\n%s", family_name(c->family), c->ev.id);
	e = seen_check(&seen, c->cfg->data_dir, c->cfg->dedup_slots,
	    c->cfg->dedup_window, c->cfg->clock ? c->cfg->clock :
	    (long long)time(NULL), key, dup, why, whysz);
	if (e != LSH_OK)
		return e;
	if (!*dup) {
		e = store_append_stamped(c->store, c->cfg->data_dir, log, iov, 3,
		    stamp, sync, why, whysz);
		event_stamped(&c->ev, stamp);
	}
	seen_done(&seen, !*dup && e == LSH_OK);
	/* The sync comes after both locks, so that appenders share it. */
	if (e == LSH_OK && !*dup &&
	    (e = store_sync(c->store, log, why, whysz)) != LSH_OK)
		seen_forget(&seen, c->cfg->data_dir);
	return e;
}

void
lsh_record(struct lsh_ctx *c, enum lsh_log log, const char *reason)
{
	struct event *ev = &c->ev;
	struct iovec iov[3];
	const char *family;
	char why[512];
	enum lsh_err e;
	int dup, dedup;

	if (check_data_dir_place(c) == -1)
		return;
	/* Recorded events are filed under the endpoint; ignored, their own. */
	family = family_name(c->family);
	if (reason != NULL)
		family = ev->route ? family_name(ev->route->family) : NULL;
	/* Every record's id is unique: in the data directory, and so in a
	 * stream that several hosts forward to (docs/ARCHITECTURE.md). */
	event_know_tasks(ev, c->cfg->data_dir);
	dedup = dedup_applies(c, ev);
	if (!dedup)
		event_make_unique(ev);
	else if (reason != NULL)
		event_scope(ev, family_name(c->family));
	e = event_record(ev, family, family_name(c->family), reason, iov);
	if (e == LSH_OK)
		e = append_once(c, log, iov, dedup, &dup, why, sizeof(why));
	if (e != LSH_OK) {
		lsh_fail(c, e, e == LSH_E_NOMEM ? NULL : why);
		return;
	}
	stats_note_event(ev, c->family, dup ? STATS_DUPLICATE : reason ?
	    STATS_IGNORED_EVENT : STATS_RECORDED);
	if (dup) {
		answer_duplicate(c, ev);
		return;
	}
	c->recorded = reason == NULL;
	answer_stored(c, ev, reason);
}

/* Why an action is not recorded by this endpoint, or NULL if it is. */
static const char *
ignore_reason(const struct lsh_ctx *c, const struct event *ev, char *buf,
    size_t bufsz)
{
	if (ev->route == NULL)
		return "unknown action";
	if (ev->route->family == c->family)
		return NULL;
	snprintf(buf, bufsz, "action belongs to %s",
	    family_name(ev->route->family));
	return buf;
}

int
lsh_authenticate_get(struct lsh_ctx *c)
{
	static struct config cfg;	/* a shallow copy, 10 KiB: not on the stack */
	const struct config *own = c->cfg;
	int rc;

	cfg = *own;
	cfg.auth &= ~LSH_AUTH_HMAC;
	if (cfg.auth == 0) {
		lsh_fail(c, LSH_E_AUTH_SCHEME, "GET requests take LSHOOK_AUTH="
		    "header or standard credentials, not hmac alone");
		return -1;
	}
	c->cfg = &cfg;
	rc = lsh_authenticate(c);
	c->cfg = own;
	return rc;
}

/* Whether a request is the install check: GET or HEAD <handler>?check. */
static int
is_check(struct lsh_ctx *c)
{
	const char *m = req_param(&c->req, "REQUEST_METHOD");
	const char *q = req_param(&c->req, "QUERY_STRING");

	return m != NULL && q != NULL && strcmp(q, "check") == 0 &&
	    (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0);
}

static void
answer_check(struct lsh_ctx *c, unsigned long long free_bytes,
    unsigned long long total_bytes)
{
	const struct watched *conf = &c->cfg->files[0];
	struct buf b = { 0 };

	buf_printf(&b, "{\"status\":\"ok\",\"check\":{\"handler\":\"%s\","
	    "\"data_dir\":\"", c->req.prog);
	buf_json_escape(&b, c->cfg->data_dir, strlen(c->cfg->data_dir));
	buf_puts(&b, "\",\"config\":");
	if (conf->path != NULL && conf->exists) {
		buf_putc(&b, '"');
		buf_json_escape(&b, conf->path, strlen(conf->path));
		buf_putc(&b, '"');
	} else
		buf_puts(&b, "null");
	buf_printf(&b, ",\"fsync\":\"%s\",\"free_bytes\":%llu,"
	    "\"total_bytes\":%llu}}", c->cfg->fsync ? "always" : "never",
	    free_bytes, total_bytes);
	lsh_respond_json(c, 200, &b);
}

/*
 * The install check: the steps of an event up to its append, with a probe
 * file written, synced and removed in place of the append, so that a user
 * can check an install end to end without storing a fake event.
 */
static void
serve_check(struct lsh_ctx *c)
{
	unsigned long long free_bytes = 0, total_bytes = 0;
	char why[PATH_MAX + 128];
	enum lsh_err e;

	if (lsh_check_config(c) == -1 || lsh_authenticate_get(c) == -1 ||
	    check_data_dir_place(c) == -1)
		return;
	e = store_probe(c->cfg->data_dir, &free_bytes, &total_bytes, why,
	    sizeof(why));
	if (e != LSH_OK)
		lsh_fail(c, e, why);
	else
		answer_check(c, free_bytes, total_bytes);
}

void
lsh_serve_events(struct lsh_ctx *c)
{
	const char *reason;
	char buf[64];

	if (lsh_check_config(c) == -1 || lsh_read_post(c) == -1 ||
	    lsh_authenticate(c) == -1 || lsh_parse_event(c) == -1)
		return;
	reason = ignore_reason(c, &c->ev, buf, sizeof(buf));
	lsh_record(c, reason ? LSH_LOG_IGNORED : (enum lsh_log)c->family, reason);
}

/* fds 0-2 must be open, or a log file could become someone's stdout. */
static void
guard_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) != -1 && fd <= 2)
		fcntl(fd, F_SETFD, 0);
	if (fd > 2)
		close(fd);
}

/* Pick the configuration for one request. */
static const struct config *
request_config(struct config *base, struct config *own, char **params,
    char **env)
{
	if (params != NULL && config_has_settings(params)) {
		config_build(own, params, env);
		return own;
	}
	if (config_stale(base)) {
		config_free(base);
		config_build(base, NULL, env);
	}
	return base;
}

/* End the answer, so the server can complete it before what follows. */
static void
finish_answer(struct lsh_ctx *c)
{
	if (c->req.fcgx != NULL) {
		FCGX_Finish_r(c->req.fcgx);	/* drains the body itself */
		c->req.fcgx = NULL;	/* later log lines go to fd 2 */
		c->req.envp = NULL;	/* freed by FCGX_Finish_r */
	} else {
		req_drain(&c->req, LSH_MAX_MAX_BODY, LSH_DRAIN_MS);
		close(STDOUT_FILENO);
	}
}

static void
serve_one(struct lsh_ctx *c, lsh_serve_fn *serve, struct config *base,
    char **env)
{
	/* Static, not 10 KiB more of stack touched by every request: one
	 * request at a time per process, and CGI never uses it. */
	static struct config own;
	sigset_t old_mask;
	int owned, blocked;

	c->cfg = request_config(base, &own, c->req.fcgx ? c->req.envp : NULL,
	    env);
	owned = c->cfg == &own;
	c->have_event = c->recorded = 0;
	/*
	 * libfcgi's SIGTERM handler does not restart interrupted reads: held
	 * off while a FastCGI request is served, the signal only ends the loop
	 * after it, instead of cutting the body short.  Commands started after
	 * the answer get the old mask back.
	 */
	if (c->req.fcgx != NULL)
		sigprocmask(SIG_BLOCK, &stop_signals, &old_mask);
	if (is_check(c))
		serve_check(c);
	else
		serve(c);
	if (!c->req.responded)
		lsh_fail(c, LSH_E_NOT_FOUND, "no answer");
	blocked = c->req.fcgx != NULL;
	finish_answer(c);
	if (blocked)
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
	stats_flush(c->cfg, &c->req);
	if (c->recorded)
		follow_event(c->cfg, c->store, &c->req, &c->ev, c->family);
	if (c->have_event)
		event_free(&c->ev);
	req_end(&c->req);
	if (owned)
		config_free(&own);
}

static void
run_fastcgi(struct lsh_ctx *c, lsh_serve_fn *serve, struct config *base,
    char **env)
{
	FCGX_Request fr;
	int rc;

	FCGX_Init();
	FCGX_InitRequest(&fr, 0, 0);
	for (;;) {
		idle = 1;	/* first: a signal from here on ends the process */
		if (stop_requested)
			break;
		rc = FCGX_Accept_r(&fr);
		idle = 0;
		if (rc < 0)
			break;
		c->req.fcgx = &fr;
		c->req.envp = fr.envp;
		c->req.responded = 0;
		serve_one(c, serve, base, env);
	}
	FCGX_Free(&fr, 1);
}

int
lsh_main(const char *prog, enum lsh_family family, lsh_serve_fn *serve)
{
	struct lsh_ctx c;
	struct config base;
	struct store store;
	char **env;

	install_stop_handler();
	umask(027);
	guard_std_fds();
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGUSR1);
	if (sodium_init() < 0) {
		dprintf(2, "lshook-%s: cannot initialise libsodium\n", prog);
		return 1;
	}
	auth_init();
	memset(&c, 0, sizeof(c));
	c.req.prog = prog;
	c.family = family;
	c.store = &store;
	store_init(&store);
	env = envcopy(environ);
	config_build(&base, NULL, env);
	if (FCGX_IsCGI()) {
		c.req.envp = environ;
		serve_one(&c, serve, &base, env);
	} else
		run_fastcgi(&c, serve, &base, env);
	config_free(&base);
	envcopy_free(env);
	store_close(&store);
	return 0;
}
