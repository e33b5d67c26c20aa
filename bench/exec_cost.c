/*
 * exec_cost.c: what one CGI run of a program costs, without a web server.
 *
 *	exec_cost BODY DATA_DIR SECRET_FILE N PROG...
 *
 * Runs each PROG N times as a CGI program on BODY (a JSON file holding
 * the number 987654321 once, replaced in every run so that each run is a
 * new delivery), with the settings the benchmark's CGI rows use, and
 * prints per program the CPU time of one run (median and 10th percentile,
 * user + system, from wait4) and its minor page faults (median).  Every
 * run must exit 0 and answer "Status: 200".  bench/profile.sh runs it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MARK "987654321"

static int
cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/* One run of prog on body; its CPU µs and page faults.  -1 on failure. */
static int
run_once(const char *prog, char **env, const char *body, size_t len,
    long *cpu_us, long *faults)
{
	int in[2], out[2], status;
	char answer[16] = "";
	struct rusage ru;
	pid_t pid;

	if (pipe(in) == -1 || pipe(out) == -1)
		return -1;
	if (write(in[1], body, len) != (ssize_t)len)	/* fits the pipe: < 64 KiB */
		return -1;
	close(in[1]);
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execle(prog, prog, (char *)NULL, env);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (read(out[0], answer, sizeof(answer) - 1) < 0)
		answer[0] = '\0';
	while (read(out[0], (char[4096]){ 0 }, 4096) > 0)
		;
	close(out[0]);
	if (pid == -1 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || strncmp(answer, "Status: 200", 11) != 0) {
		fprintf(stderr, "exec_cost: %s failed: %.15s\n", prog, answer);
		return -1;
	}
	*cpu_us = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
	*faults = ru.ru_minflt;
	return 0;
}

int
main(int argc, char **argv)
{
	static char body[1 << 16], cl[64], dd[4200], sf[4200];
	char *env[] = { "PATH=/usr/bin:/bin", "REQUEST_METHOD=POST",
	    "CONTENT_TYPE=application/json", cl, "GATEWAY_INTERFACE=CGI/1.1",
	    "HTTP_AUTHORIZATION=Bearer bench-secret-0123456789abcdef0123456789",
	    "REMOTE_ADDR=127.0.0.1", dd, sf, "LSHOOK_AUTH=header",
	    "LSHOOK_FSYNC=never", NULL };
	long *cpu, *flt;
	char *mark, num[16];
	size_t len;
	int n, i, p, fd;

	if (argc < 6 || (n = atoi(argv[4])) < 1) {
		fprintf(stderr, "usage: exec_cost BODY DATA_DIR SECRET_FILE N PROG...\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	len = fd == -1 ? 0 : (size_t)read(fd, body, sizeof(body) - 1);
	mark = memmem(body, len, MARK, strlen(MARK));
	if (mark == NULL || len >= 60000) {
		fprintf(stderr, "exec_cost: %s: no " MARK " in it, or too long\n", argv[1]);
		return 2;
	}
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu", len);
	snprintf(dd, sizeof(dd), "LSHOOK_DATA_DIR=%s", argv[2]);
	snprintf(sf, sizeof(sf), "LSHOOK_SECRET_FILE=%s", argv[3]);
	cpu = calloc((size_t)n, sizeof(*cpu));
	flt = calloc((size_t)n, sizeof(*flt));
	for (p = 5; p < argc; p++) {
		for (i = 0; i < n; i++) {
			snprintf(num, sizeof(num), "%09d", 100000000 + p * 1000000 + i);
			memcpy(mark, num, 9);
			if (run_once(argv[p], env, body, len, &cpu[i], &flt[i]) == -1)
				return 1;
		}
		qsort(cpu, (size_t)n, sizeof(*cpu), cmp);
		qsort(flt, (size_t)n, sizeof(*flt), cmp);
		printf("%5ld µs CPU per run (p10 %5ld), %3ld page faults  %s\n",
		    cpu[n / 2], cpu[n / 10], flt[n / 2], argv[p]);
	}
	free(cpu);
	free(flt);
	return 0;
}
