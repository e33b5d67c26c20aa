/* cli.h: the lshook command: its subcommands and what they share. */
#ifndef LSH_CLI_H
#define LSH_CLI_H

/* Exit statuses, as diff(1) has them. */
#define CLI_OK		0
#define CLI_DIFFERENT	1	/* diff: the two sides differ */
#define CLI_ERROR	2	/* usage, input or output error */

/* A subcommand: argv[0] is its name; returns an exit status. */
struct cli_cmd {
	const char	*name;
	int		(*run)(int argc, char **argv);
	const char	*help;		/* one line for "lshook --help" */
};

/* "lshook: snapshot" while a subcommand runs: the prefix of messages. */
extern const char *cli_name;

/*
 * Print "lshook: <subcommand>: <message>" on stderr (erasing a progress
 * line first).  For errors and warnings alike.
 */
void cli_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * Report a usage error: the message, then "usage: <usage>" on stderr.
 * Returns CLI_ERROR.
 */
int cli_usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The data directory: dir when given (-d), else $LSHOOK_DATA_DIR.  NULL,
 * with the error reported, when neither is set.
 */
const char *cli_data_dir(const char *dir);

/*
 * Check a --project value: a JSON integer, as Label Studio's ids are.
 * Returns 0, or -1 with the usage error reported.
 */
int cli_check_project(const char *usage, const char *arg);

/* The subcommands (snapshot.c, diff.c, ontology.c). */
int cmd_snapshot(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_ontology(int argc, char **argv);

#endif /* LSH_CLI_H */
