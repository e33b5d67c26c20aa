/*
 * fuzz_logread.c: the log reader the tools use (lshook snapshot, check,
 * tail, stats) on any bytes: a small line limit makes the overlong-line
 * path run too.  Every record it returns must have a NUL-free id.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "logread.h"

static void
quiet(void *arg, const char *path, unsigned long lineno, const char *why)
{
	(void)arg;
	(void)path;
	(void)lineno;
	(void)why;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logread lr;
	struct logrec *rec;
	int fd;

	fd = memfd_create("log", 0);
	if (fd == -1 || write(fd, data, size) != (ssize_t)size ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if (logread_init(&lr, fd, "fuzz.jsonl") == 0) {
		lr.report = quiet;
		lr.max_line = 4096;
		while (logread_next(&lr, &rec) == 1)
			if (strlen(rec->id) == 0 && rec->id[0] != '\0')
				abort();
	}
	logread_close(&lr);
	return 0;
}
