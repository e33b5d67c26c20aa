/*
 * replay.c: run a fuzz target over corpus files without libFuzzer, so
 * `make check` replays every corpus with gcc (and under the sanitizers or
 * valgrind).  Prints TAP: one line per corpus directory or file given.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
run_file(const char *path)
{
	struct stat st;
	uint8_t *data;
	FILE *f;
	size_t n;

	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return 0;
	f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	data = malloc((size_t)st.st_size + 1);
	n = fread(data, 1, (size_t)st.st_size, f);
	fclose(f);
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	return 1;
}

static long
run_dir(const char *dir)
{
	char path[4096];
	struct dirent *d;
	long count = 0;
	DIR *dp;

	dp = opendir(dir);
	if (dp == NULL)
		return run_file(dir);
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (run_file(path) > 0)
			count++;
	}
	closedir(dp);
	return count;
}

int
main(int argc, char **argv)
{
	long n;
	int i;

	for (i = 1; i < argc; i++) {
		n = run_dir(argv[i]);
		/* a crash or sanitizer report ends the process before this */
		printf("%s %d - replay %s (%ld inputs)\n", n > 0 ? "ok" : "not ok",
		    i, argv[i], n);
	}
	printf("1..%d\n", argc - 1);
	return 0;
}
