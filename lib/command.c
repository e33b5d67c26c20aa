/*
 * command.c: programs run on events, detached from the request.
 *
 * The handler forks once; that child forks the supervisor and exits, so
 * the handler reaps it at once and never waits for the command.  The
 * supervisor closes every descriptor it inherited (the FastCGI sockets
 * among them), takes a slot (a lock file in <data>/state/), runs the
 * program with execve (no shell, an environment built from the event
 * alone), feeds it the record, collects bounded output, enforces the
 * timeout on the program's whole process group and records the outcome.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "command.h"
#include "event.h"
#include "store.h"

#define KILL_GRACE_MS	2000	/* SIGTERM, then SIGKILL after this */

struct outcome {
	struct buf	 out;
	struct buf	 err;
	int		 truncated;
	int		 status;	/* from waitpid; -1 when not started */
	int		 timed_out;
	long		 duration_ms;
	const char	*skipped;	/* why it did not run, or NULL */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Descriptors 0-2 on /dev/null, everything else closed. */
static void
detach_fds(void)
{
	long max = sysconf(_SC_OPEN_MAX), fd;
	int null;

	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		close((int)fd);
	null = open("/dev/null", O_RDWR);
	if (null == -1)
		_exit(1);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	if (null > 2)
		close(null);
}

/* Take one of max slots within deadline; the fd holds it, or -1. */
static int
take_slot(const char *dir, long max, long long deadline)
{
	char path[4096];
	long i;
	int fd;

	snprintf(path, sizeof(path), "%s/state", dir);
	if (mkdir(path, 0750) == -1 && errno != EEXIST)
		return -1;
	for (;;) {
		for (i = 0; i < max; i++) {
			snprintf(path, sizeof(path), "%s/state/command-slot-%ld", dir, i);
			fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
			if (fd == -1)
				return -1;
			if (flock(fd, LOCK_EX | LOCK_NB) == 0)
				return fd;
			close(fd);
		}
		if (now_ms() >= deadline)
			return -1;
		usleep(50 * 1000);
	}
}

static void
add_env(char **env, int *n, const char *name, const char *value)
{
	size_t len;

	if (value == NULL)
		return;
	len = strlen(name) + strlen(value) + 2;
	env[*n] = malloc(len);
	if (env[*n] == NULL)
		return;
	snprintf(env[*n], len, "%s=%s", name, value);
	(*n)++;
}

static void
exec_command(const struct config *cfg, char *const argv[],
    const struct command_event *ev, int in, int out, int err)
{
	char *env[12];
	int n = 0;

	dup2(in, 0);
	dup2(out, 1);
	dup2(err, 2);
	add_env(env, &n, "PATH", "/usr/local/bin:/usr/bin:/bin");
	add_env(env, &n, "LANG", "C.UTF-8");
	add_env(env, &n, "LSHOOK_EVENT_ID", ev->id);
	add_env(env, &n, "LSHOOK_ACTION", ev->action);
	add_env(env, &n, "LSHOOK_FAMILY", ev->family);
	add_env(env, &n, "LSHOOK_PROJECT_ID", ev->project_id);
	add_env(env, &n, "LSHOOK_DATA_DIR", cfg->data_dir);
	add_env(env, &n, "LSHOOK_LOG", ev->log);
	env[n] = NULL;
	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);	/* ignored signals would survive execve */
	execve(argv[0], argv, env);
	_exit(127);
}

static void
collect(int fd, struct buf *b, int *open_fd, int *truncated)
{
	char chunk[4096];
	ssize_t k = read(fd, chunk, sizeof(chunk));
	size_t keep;

	if (k <= 0) {
		if (k == 0 || errno != EINTR)
			*open_fd = 0;
		return;
	}
	keep = LSH_COMMAND_OUTPUT - b->len;
	if ((size_t)k > keep)
		*truncated = 1;	/* only when bytes are dropped */
	else
		keep = (size_t)k;
	buf_add(b, chunk, keep);
}

/* Feed stdin, read stdout and stderr until both close or the deadline. */
static int
pump(const struct command_event *ev, int in, int out, int err,
    struct outcome *o, long long deadline)
{
	struct pollfd p[3];
	size_t sent = 0;
	int open_in = 1, open_out = 1, open_err = 1, ms;
	ssize_t k;

	fcntl(in, F_SETFL, O_NONBLOCK);
	while (open_out || open_err) {
		ms = (int)(deadline - now_ms());
		if (ms <= 0)
			return -1;
		p[0] = (struct pollfd){ open_in ? in : -1, POLLOUT, 0 };
		p[1] = (struct pollfd){ open_out ? out : -1, POLLIN, 0 };
		p[2] = (struct pollfd){ open_err ? err : -1, POLLIN, 0 };
		if (poll(p, 3, ms) == -1 && errno != EINTR)
			return -1;
		if (open_in && (p[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
			k = write(in, ev->line + sent, ev->line_len - sent);
			if (k > 0)
				sent += (size_t)k;
			if ((k == -1 && errno != EAGAIN && errno != EINTR) ||
			    sent == ev->line_len) {
				close(in);
				open_in = 0;
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
			collect(out, &o->out, &open_out, &o->truncated);
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
			collect(err, &o->err, &open_err, &o->truncated);
	}
	if (open_in)
		close(in);
	return 0;
}

/*
 * Wait for the program.  Past the deadline (or when pump ran into it, as
 * when a child of the program still holds its output) the whole process
 * group gets SIGTERM, then SIGKILL after KILL_GRACE_MS.
 */
static void
reap(pid_t pid, struct outcome *o, long long deadline)
{
	long long killed_at = 0;
	int exited = 0;
	pid_t r;

	for (;;) {
		if (!exited) {
			r = waitpid(pid, &o->status, WNOHANG);
			if (r == pid || (r == -1 && errno != EINTR))
				exited = 1;
		}
		if (now_ms() >= deadline && killed_at == 0) {
			o->timed_out = 1;
			kill(-pid, SIGTERM);
			killed_at = now_ms();
		}
		if (exited && (killed_at == 0 || kill(-pid, 0) == -1))
			return;	/* done, and nothing of its group is left */
		if (killed_at != 0 && now_ms() - killed_at > KILL_GRACE_MS) {
			kill(-pid, SIGKILL);
			if (!exited)
				waitpid(pid, &o->status, 0);
			return;
		}
		usleep(10 * 1000);
	}
}

static void
run(const struct config *cfg, char *const argv[],
    const struct command_event *ev, struct outcome *o, long long deadline)
{
	int in[2], out[2], err[2];
	long long start = now_ms();
	pid_t pid;

	/* close-on-exec: the program gets only the copies on fds 0-2 */
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1 ||
	    pipe2(err, O_CLOEXEC) == -1) {
		o->skipped = "cannot make pipes";
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(in[1]);
		close(out[0]);
		close(err[0]);
		exec_command(cfg, argv, ev, in[0], out[1], err[1]);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	if (pid == -1) {
		o->skipped = "cannot fork";
	} else {
		setpgid(pid, pid);	/* also done by the child: no race */
		if (pump(ev, in[1], out[0], err[0], o, deadline) == -1)
			close(in[1]);
		reap(pid, o, deadline);
	}
	close(out[0]);
	close(err[0]);
	o->duration_ms = (long)(now_ms() - start);
}

static void
add_string(struct buf *b, const char *key, const char *v, size_t n)
{
	buf_printf(b, ",\"%s\":\"", key);
	buf_json_escape(b, v, n);
	buf_putc(b, '"');
}

/* The commands.jsonl record: non-UTF-8 output bytes are escaped too. */
static void
record(const struct config *cfg, char *const argv[],
    const struct command_event *ev, const struct outcome *o)
{
	struct buf b = { 0 };
	struct store st;
	struct iovec iov[1];
	char at[40], why[256];
	int i;

	lsh_timestamp(at, sizeof(at));
	buf_printf(&b, "{\"v\":1,\"at\":\"%s\"", at);
	add_string(&b, "event_id", ev->id, strlen(ev->id));
	add_string(&b, "action", ev->action, strlen(ev->action));
	add_string(&b, "family", ev->family, strlen(ev->family));
	buf_printf(&b, ",\"project_id\":%s", ev->project_id ? ev->project_id : "null");
	buf_puts(&b, ",\"command\":[");
	for (i = 0; argv[i] != NULL; i++) {
		buf_puts(&b, i ? ",\"" : "\"");
		buf_json_escape(&b, argv[i], strlen(argv[i]));
		buf_putc(&b, '"');
	}
	buf_putc(&b, ']');
	if (o->skipped != NULL) {
		add_string(&b, "skipped", o->skipped, strlen(o->skipped));
	} else {
		if (WIFEXITED(o->status))
			buf_printf(&b, ",\"exit\":%d,\"signal\":null", WEXITSTATUS(o->status));
		else
			buf_printf(&b, ",\"exit\":null,\"signal\":%d", WTERMSIG(o->status));
		buf_printf(&b, ",\"timed_out\":%s,\"duration_ms\":%ld",
		    o->timed_out ? "true" : "false", o->duration_ms);
		add_string(&b, "stdout", o->out.p ? o->out.p : "", o->out.len);
		add_string(&b, "stderr", o->err.p ? o->err.p : "", o->err.len);
		buf_printf(&b, ",\"truncated\":%s", o->truncated ? "true" : "false");
	}
	buf_puts(&b, "}\n");
	if (!b.failed) {
		iov[0].iov_base = b.p;
		iov[0].iov_len = b.len;
		store_init(&st);
		store_append(&st, cfg->data_dir, LSH_LOG_COMMANDS, iov, 1,
		    cfg->fsync, why, sizeof(why));
		store_close(&st);
	}
	buf_free(&b);
}

static void
supervise(const struct config *cfg, char *const argv[],
    const struct command_event *ev)
{
	long long deadline = now_ms() + cfg->command_timeout * 1000;
	struct outcome o;
	int slot;

	memset(&o, 0, sizeof(o));
	o.status = -1;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
	slot = take_slot(cfg->data_dir, cfg->command_max, deadline);
	if (slot == -1)
		o.skipped = "no free slot: LSHOOK_COMMAND_MAX commands were running";
	else {
		deadline = now_ms() + cfg->command_timeout * 1000;
		run(cfg, argv, ev, &o, deadline);
	}
	record(cfg, argv, ev, &o);
	if (slot != -1)
		close(slot);
	buf_free(&o.out);
	buf_free(&o.err);
}

int
command_spawn(const struct config *cfg, char *const argv[],
    const struct command_event *ev)
{
	pid_t pid, r;
	int status;

	pid = fork();
	if (pid == -1)
		return -1;
	if (pid == 0) {
		setsid();
		if (fork() != 0)
			_exit(0);
		detach_fds();
		supervise(cfg, argv, ev);
		_exit(0);
	}
	do
		r = waitpid(pid, &status, 0);
	while (r == -1 && errno == EINTR);
	return 0;
}
