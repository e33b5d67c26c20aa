/*
 * progress.c: "lshook: snapshot: 812.4 MiB of 2.1 GiB (38%), 240.3 MiB/s".
 * One run at a time per process, so the state is static; cli_error erases
 * the line before it prints.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"

#define DELAY_NS	500000000LL	/* nothing for short runs */
#define PERIOD_NS	100000000LL	/* ten redraws a second at most */

static struct {
	int		on;
	int		drawn;
	off_t		total;
	long long	start;
	long long	last;
} pg;

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void
progress_start(off_t total)
{
	pg.on = isatty(STDERR_FILENO);
	pg.drawn = 0;
	pg.total = total;
	pg.start = pg.last = now_ns();
}

/* Print n bytes as "812.4 MiB" into out. */
static void
human(char *out, size_t outsz, double n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t u = 0;

	while (n >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		n /= 1024;
		u++;
	}
	snprintf(out, outsz, u == 0 ? "%.0f %s" : "%.1f %s", n, units[u]);
}

void
progress_update(off_t done)
{
	char d[32], t[32], r[32];
	long long now;
	double secs;

	if (!pg.on)
		return;
	now = now_ns();
	if (now - pg.start < DELAY_NS || now - pg.last < PERIOD_NS)
		return;
	pg.last = now;
	secs = (double)(now - pg.start) / 1e9;
	if (done > pg.total)
		done = pg.total;
	human(d, sizeof(d), (double)done);
	human(t, sizeof(t), (double)pg.total);
	human(r, sizeof(r), (double)done / secs);
	fprintf(stderr, "\r%s: %s of %s (%d%%), %s/s\033[K", cli_name, d, t,
	    pg.total > 0 ? (int)(done * 100 / pg.total) : 100, r);
	fflush(stderr);
	pg.drawn = 1;
}

void
progress_clear(void)
{
	if (!pg.drawn)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	pg.drawn = 0;
}

void
progress_end(void)
{
	progress_clear();
	pg.on = 0;
}
