/* fuzz_config.c: the LSHOOK_CONFIG file parser and every setting's check. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <sodium.h>

#include "auth.h"
#include "config.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[] = "/tmp/lshook-fuzz-config-XXXXXX";
	static char var[64];
	static int fd = -1;
	char *env[] = { var, NULL };
	struct config c;

	if (fd == -1) {
		if (sodium_init() < 0 || (fd = mkstemp(path)) == -1)
			abort();
		auth_init();
		snprintf(var, sizeof(var), "LSHOOK_CONFIG=%s", path);
	}
	if (ftruncate(fd, 0) == -1 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	config_build(&c, NULL, env);
	(void)config_command(&c, "tasks", "TASKS_CREATED");
	config_free(&c);
	return 0;
}
