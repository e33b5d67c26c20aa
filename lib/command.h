/* command.h: run a configured program when an event is recorded. */
#ifndef LSH_COMMAND_H
#define LSH_COMMAND_H

#include <stddef.h>

#include "config.h"

#define LSH_COMMAND_OUTPUT	16384	/* bytes of stdout and of stderr kept */

/* What a command is told about its event. */
struct command_event {
	const char	*id;		/* LSHOOK_EVENT_ID */
	const char	*action;	/* LSHOOK_ACTION */
	const char	*family;	/* LSHOOK_FAMILY */
	const char	*project_id;	/* LSHOOK_PROJECT_ID, or NULL */
	const char	*log;		/* LSHOOK_LOG: the log file of the line */
	const char	*line;		/* the JSONL record, fed on stdin */
	size_t		 line_len;
};

/*
 * Start argv (from the configuration, never from a request) for ev and
 * return at once: a detached supervisor process waits for one of
 * cfg->command_max slots (shared by all processes through lock files in
 * <data>/state/), runs the program without a shell, with the record on
 * stdin and an environment built from ev alone, kills it after
 * cfg->command_timeout seconds, and appends its exit status, duration and
 * (bounded) output to commands.jsonl.  When no slot frees up within the
 * timeout, the skip is recorded instead.  Returns 0, or -1 when the
 * supervisor could not be started.
 */
int command_spawn(const struct config *cfg, char *const argv[],
    const struct command_event *ev);

#endif /* LSH_COMMAND_H */
