/*
 * snapshot.c: "lshook snapshot": the dataset as it stood at a cut of the
 * logs, in Label Studio's JSON export format, the same bytes every time.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dataset.h"
#include "replay.h"

static const char usage[] = "lshook snapshot [-d DATA_DIR] [--project ID] "
    "[--until CUT] [--format json|jsonl] [-o FILE]";

static const char help[] =
"Replay tasks.jsonl and annotations.jsonl of the data directory, merged in\n"
"received_at order, up to CUT, and write the dataset as it stood then in\n"
"Label Studio's JSON export format: tasks sorted by id, each with its\n"
"annotations sorted by id, keys sorted, numbers and strings as logged.\n"
"The same logs always give the same bytes.\n"
"\n"
"  -d, --data-dir DIR   the data directory (default: $LSHOOK_DATA_DIR)\n"
"  -p, --project ID     only the tasks of project ID\n"
"  -u, --until CUT      a received_at time or prefix of one, such as\n"
"                       2026-11-26 or 2026-11-26T18:30 (the whole day or\n"
"                       minute included), or an event id or a prefix\n"
"                       only one id starts with, such as the 12 digits\n"
"                       lshook tail shows (that event included);\n"
"                       default: everything\n"
"  -f, --format FORMAT  json: a JSON array, one task per line (default);\n"
"                       jsonl: one task per line\n"
"  -o, --output FILE    write FILE, replaced atomically (default: stdout);\n"
"                       missing parent directories are created (0750)\n"
"  -h, --help           print this help\n"
"\n"
"Lines that are not records (a torn last line after a crash) are reported\n"
"and skipped.  Exit status: 0 written, 2 error.\n";

static const struct option longopts[] = {
	{ "data-dir",	required_argument,	NULL, 'd' },
	{ "project",	required_argument,	NULL, 'p' },
	{ "until",	required_argument,	NULL, 'u' },
	{ "format",	required_argument,	NULL, 'f' },
	{ "output",	required_argument,	NULL, 'o' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 }
};

struct opts {
	const char	*dir;
	const char	*project;
	const char	*until;
	const char	*output;
	enum ds_format	 format;
};

/* Write the dataset to f; 0, or -1 with the error reported. */
static int
write_to(const struct dataset *ds, const struct opts *o, FILE *f,
    const char *name)
{
	if (ds_write(ds, f, o->format, o->project) == -1)
		return -1;
	if (fflush(f) == EOF || ferror(f)) {
		cli_error("cannot write %s: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

/* The file mode a plain create would give: 0666 less the umask. */
static mode_t
create_mode(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return 0666 & ~mask;
}

/* Make the rename durable; failures here lose nothing already written. */
static void
sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path + 1),
		    path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd != -1) {
		fsync(fd);
		close(fd);
	}
}

/* Directories snapshot -o creates: like the data directory, 0750. */
#define OUTPUT_DIR_MODE	0750

static int
make_dir(const char *dir)
{
	if (mkdir(dir, OUTPUT_DIR_MODE) == 0 || errno == EEXIST)
		return 0;
	cli_error("cannot create directory '%s': %s", dir, strerror(errno));
	return -1;
}

/*
 * Create the missing directories above path, as mkdir -p does, so that
 * "-o data/labels.json" works in a fresh checkout.  0, or -1 (reported).
 */
static int
make_parents(const char *path)
{
	char dir[PATH_MAX];
	char *p;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		cli_error("output path too long: '%s'", path);
		return -1;
	}
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (make_dir(dir) == -1)
			return -1;
		*p = '/';
	}
	return make_dir(dir);
}

/*
 * Write to a temporary file beside path, then rename it over path, so a
 * reader (DVC, git) sees the old file or the new one, never a part.
 */
static int
write_atomic(const struct dataset *ds, const struct opts *o)
{
	const char *path = o->output, *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;
	char tmp[PATH_MAX];
	FILE *f = NULL;
	int fd, r = -1;

	if (snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX",
	    (int)(base - path), path, base) >= (int)sizeof(tmp)) {
		cli_error("output path too long: '%s'", path);
		return -1;
	}
	if (make_parents(path) == -1)
		return -1;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd == -1) {
		cli_error("cannot create '%s': %s", tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, create_mode()) == -1 || (f = fdopen(fd, "w")) == NULL) {
		cli_error("cannot write '%s': %s", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	if (write_to(ds, o, f, tmp) == -1)
		goto out;
	if (fsync(fileno(f)) == -1) {
		cli_error("cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	r = fclose(f);
	f = NULL;
	if (r == 0 && (r = rename(tmp, path)) == 0)
		sync_dir(path);
	else
		cli_error("cannot write '%s': %s", path, strerror(errno));
out:
	if (f != NULL)
		fclose(f);
	if (r != 0)
		unlink(tmp);
	return r == 0 ? 0 : -1;
}

static int
parse_format(const char *arg, enum ds_format *format)
{
	if (strcmp(arg, "json") == 0)
		*format = DS_JSON;
	else if (strcmp(arg, "jsonl") == 0)
		*format = DS_JSONL;
	else
		return -1;
	return 0;
}

/* Unknown option: name it as typed. */
static int
bad_option(char **argv)
{
	if (optopt != 0)
		return cli_usage_error(usage, "unknown option '-%c'", optopt);
	return cli_usage_error(usage, "unknown option '%s'", argv[optind - 1]);
}

/* -1 to go on; else the exit status (help printed, usage error). */
static int
parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:p:u:f:o:h", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dir = optarg;
			break;
		case 'p':
			o->project = optarg;
			break;
		case 'u':
			o->until = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'f':
			if (parse_format(optarg, &o->format) == -1)
				return cli_usage_error(usage,
				    "unknown format '%s'", optarg);
			break;
		case 'h':
			printf("usage: %s\n\n%s", usage, help);
			return CLI_OK;
		case ':':
			return cli_usage_error(usage,
			    "option '%s' needs a value", argv[optind - 1]);
		default:
			return bad_option(argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(usage, "unexpected argument '%s'",
		    argv[optind]);
	if (o->project != NULL && cli_check_project(usage, o->project) == -1)
		return CLI_ERROR;
	return -1;
}

int
cmd_snapshot(int argc, char **argv)
{
	struct opts o = { .format = DS_JSON };
	struct dataset ds;
	const char *dir;
	struct cut cut;
	int r;

	r = parse_opts(argc, argv, &o);
	if (r != -1)
		return r;
	dir = cli_data_dir(o.dir);
	if (dir == NULL || cut_parse(&cut, o.until) == -1)
		return CLI_ERROR;
	ds_init(&ds);
	r = replay(&ds, dir, &cut);
	if (r == 0 && o.output != NULL && strcmp(o.output, "-") != 0)
		r = write_atomic(&ds, &o);
	else if (r == 0)
		r = write_to(&ds, &o, stdout, "standard output");
	ds_free(&ds);
	return r == 0 ? CLI_OK : CLI_ERROR;
}
