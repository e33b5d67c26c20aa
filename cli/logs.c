/* logs.c: the event logs of a data directory, for tail and stats. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

const char *const cli_logs[CLI_NLOGS] = {
	"tasks", "annotations", "projects", "training", "ignored"
};

int
cli_check_data_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == -1) {
		cli_error("cannot open data directory '%s': %s", dir,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		cli_error("cannot open data directory '%s': not a directory",
		    dir);
		return -1;
	}
	if (access(dir, R_OK | X_OK) == -1) {
		cli_error("cannot read data directory '%s': %s", dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}
