/*
 * main.c: "lshook <subcommand> [options]".  Subcommands live in one const
 * table; each parses its own options and returns an exit status.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "progress.h"

static const struct cli_cmd commands[] = {
	{ "snapshot", cmd_snapshot,
	    "write the dataset as it stood at a point of the logs" },
	{ "diff", cmd_diff,
	    "list the tasks and annotations that differ between two points" },
	{ "ontology", cmd_ontology,
	    "rebuild the label ontology views from the logs, or show one" },
	{ "sign", cmd_sign,
	    "print the authentication headers for a body, for curl" },
	{ "send", cmd_send,
	    "post payloads the way Label Studio does, and print the answers" },
	{ "tail", cmd_tail,
	    "print the last events of the logs, or follow them" },
	{ "stats", cmd_stats,
	    "count the events of the logs by action, project and day" },
	{ "check", cmd_check, "validate every log of a data directory" },
	{ NULL, NULL, NULL }
};

const char *cli_name = "lshook";

static void vmessage(const char *, va_list)
	__attribute__((format(printf, 1, 0)));

static void
vmessage(const char *fmt, va_list ap)
{
	progress_clear();
	fprintf(stderr, "%s: ", cli_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
}

int
cli_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	fprintf(stderr, "usage: %s\n", usage);
	return CLI_ERROR;
}

const char *
cli_data_dir(const char *dir)
{
	if (dir == NULL)
		dir = getenv("LSHOOK_DATA_DIR");
	if (dir == NULL || *dir == '\0') {
		cli_error("no data directory "
		    "(use -d DIR or set LSHOOK_DATA_DIR)");
		return NULL;
	}
	return dir;
}

int
cli_check_project(const char *usage, const char *arg)
{
	const char *p = arg;

	if (*p == '-')
		p++;
	if (*p >= '1' && *p <= '9')
		p += strspn(p, "0123456789");
	else if (*p == '0')
		p++;
	else
		p = arg;
	if (p != arg && *p == '\0')
		return 0;
	cli_usage_error(usage, "bad project id '%s'", arg);
	return -1;
}

static void
usage(FILE *f)
{
	const struct cli_cmd *c;

	fprintf(f, "usage: lshook <command> [options]\n\n");
	fprintf(f, "Work with the logs Label Studio webhooks left in the data "
	    "directory.\n\nCommands:\n");
	for (c = commands; c->name != NULL; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->help);
	fprintf(f, "\n\"lshook <command> --help\" describes a command; "
	    "\"man lshook\" all of them\n(in the source tree: "
	    "\"man -l man/lshook.1\").\n"
	    "\nSetting up Label Studio (the webhook URL of each endpoint, the "
	    "Authorization\nheader, Connect Model for training): section "
	    "LABEL STUDIO SETUP of\n\"man lshook-handlers\" "
	    "(\"man -l man/lshook-handlers.8\"), and README.md,\n"
	    "\"Configuring Label Studio\".\n");
}

static const struct cli_cmd *
find_command(const char *name)
{
	const struct cli_cmd *c;

	for (c = commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static int
run(const struct cli_cmd *c, int argc, char **argv)
{
	static char name[64];

	snprintf(name, sizeof(name), "lshook: %s", c->name);
	cli_name = name;
	return c->run(argc, argv);
}

/* "lshook help snapshot" is "lshook snapshot --help". */
static int
help(int argc, char **argv)
{
	char *args[] = { argv[1], (char *)"--help", NULL };
	const struct cli_cmd *c;

	if (argc < 2) {
		usage(stdout);
		return CLI_OK;
	}
	c = find_command(argv[1]);
	if (c == NULL) {
		fprintf(stderr, "lshook: unknown command '%s'\n", argv[1]);
		return CLI_ERROR;
	}
	return run(c, 2, args);
}

int
main(int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2) {
		usage(stderr);
		return CLI_ERROR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("lshook %s\n", LSHOOK_VERSION);
		return CLI_OK;
	}
	if (strcmp(argv[1], "help") == 0)
		return help(argc - 1, argv + 1);
	c = find_command(argv[1]);
	if (c == NULL) {
		fprintf(stderr,
		    "lshook: unknown command '%s' (see lshook --help)\n",
		    argv[1]);
		return CLI_ERROR;
	}
	return run(c, argc - 1, argv + 1);
}
