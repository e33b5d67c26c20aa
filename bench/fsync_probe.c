/*
 * fsync_probe.c: the disk's own sync rate, the bound of LSHOOK_FSYNC=always.
 *
 *   fsync_probe FILE SECONDS BYTES
 *
 * Appends BYTES-byte lines to FILE (O_APPEND, as lshook does), each followed
 * by fsync, for SECONDS, and prints "syncs=N seconds=S rate=R p50_us=.. ".
 * One writer: lshook holds its lock across the fsync, so its appends to one
 * log are never synced concurrently either.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	double secs, start, t, *lat;
	size_t n = 0, cap = 1 << 20, len;
	char *line;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: fsync_probe FILE SECONDS BYTES\n");
		return 2;
	}
	secs = atof(argv[2]);
	len = (size_t)atol(argv[3]);
	if (len < 2 || secs <= 0)
		return 2;
	line = malloc(len);
	lat = malloc(cap * sizeof(*lat));
	if (line == NULL || lat == NULL)
		return 1;
	memset(line, 'x', len - 1);
	line[len - 1] = '\n';
	fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT, 0640);
	if (fd == -1) {
		perror(argv[1]);
		return 1;
	}
	start = now();
	while ((t = now()) - start < secs && n < cap) {
		if (write(fd, line, len) != (ssize_t)len || fsync(fd) != 0) {
			perror("write/fsync");
			return 1;
		}
		lat[n++] = now() - t;
	}
	t = now() - start;
	qsort(lat, n, sizeof(*lat), cmp);
	printf("syncs=%zu seconds=%.3f rate=%.1f p50_us=%.0f p99_us=%.0f\n", n, t,
	    n / t, n ? lat[n / 2] * 1e6 : 0, n ? lat[n * 99 / 100] * 1e6 : 0);
	close(fd);
	return 0;
}
