/*
 * ontology.c: "lshook ontology rebuild|show": the label ontology views in
 * <data>/ontology/, rebuilt from the logs alone or printed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "ontology.h"

static const char usage[] =
    "lshook ontology rebuild [-d DATA_DIR]\n"
    "       lshook ontology show [-d DATA_DIR] PROJECT_ID";

static const char help[] =
    "rebuild  replace every ontology/<project>.json view by one rebuilt from\n"
    "         projects.jsonl and annotations.jsonl alone (ontology.jsonl, the\n"
    "         log of changes, is kept as it is); handlers wait meanwhile\n"
    "show     print the view of one project, with how often each label\n"
    "         was used (\"counts\")\n\n"
    "  -d, --data-dir DIR   the data directory (default $LSHOOK_DATA_DIR)\n"
    "  -h, --help           this help\n";

static int
rebuild(const char *dir)
{
	struct stat st;
	char why[512];
	size_t events;

	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		cli_error("cannot open data directory '%s': %s", dir,
		    errno ? strerror(errno) : "not a directory");
		return CLI_ERROR;
	}
	if (ontology_rebuild(dir, 1, &events, why, sizeof(why)) != LSH_OK) {
		cli_error("%s", why);
		return CLI_ERROR;
	}
	printf("rebuilt the ontology views of '%s' from %zu records\n", dir, events);
	return CLI_OK;
}

static int
show(const char *dir, const char *project)
{
	struct buf b = { 0 };
	char why[4600];
	enum lsh_err e;

	e = ontology_show(dir, strtoll(project, NULL, 10), &b, why, sizeof(why));
	if (e == LSH_OK) {
		buf_putc(&b, '\n');
		fwrite(b.p, 1, b.len, stdout);
	} else
		cli_error("%s", why);
	buf_free(&b);
	return e == LSH_OK ? CLI_OK : CLI_ERROR;
}

int
cmd_ontology(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "data-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dir = NULL;
	int c;

	while ((c = getopt_long(argc, argv, ":d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'h':
			printf("usage: %s\n\n%s", usage, help);
			return CLI_OK;
		case ':':
			return cli_usage_error(usage, "option '%s' needs a value",
			    argv[optind - 1]);
		default:
			return cli_usage_error(usage, "unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error(usage, "rebuild or show?");
	dir = cli_data_dir(dir);
	if (dir == NULL)
		return CLI_ERROR;
	if (strcmp(argv[optind], "rebuild") == 0 && optind + 1 == argc)
		return rebuild(dir);
	if (strcmp(argv[optind], "show") == 0 && optind + 2 == argc) {
		if (cli_check_project(usage, argv[optind + 1]) == -1)
			return CLI_ERROR;
		return show(dir, argv[optind + 1]);
	}
	return cli_usage_error(usage, "unknown ontology command '%s'",
	    argv[optind]);
}
