/* test_logread.c: records, torn and damaged lines, long lines, big files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "logread.h"
#include "unit.h"

static char dir[] = "/tmp/lshook-logread-XXXXXX";
static char path[512];

/* What the report callback was told, one "line: why" per line. */
static char reports[4096];

static void
collect(void *arg, const char *p, unsigned long lineno, const char *why)
{
	size_t n = strlen(reports);

	(void)arg;
	(void)p;
	snprintf(reports + n, sizeof(reports) - n, "%lu: %s\n", lineno, why);
}

static void
write_file(const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	fwrite(text, 1, len, f);
	fclose(f);
}

static int
start(struct logread *lr, const char *text)
{
	write_file(text, strlen(text));
	reports[0] = '\0';
	if (logread_open(lr, path) == -1)
		return -1;
	lr->report = collect;
	return 0;
}

#define REC(id, at, action) "{\"v\":1,\"id\":\"" id "\",\"received_at\":\"" \
	at "\",\"action\":\"" action "\",\"project_id\":9007199254740993," \
	"\"payload\":{\"tasks\":[{\"id\":1,\"data\":{\"t\":\"\\u00e9\"}}]}}"

static void
test_records(void)
{
	const char *text =
	    REC("e1", "2026-11-26T18:26:47.978609Z", "TASKS_CREATED") "\n"
	    "{\"torn\n"
	    "\n"
	    "[1]\n"
	    "{\"v\":2,\"id\":\"x\",\"received_at\":\"t\",\"action\":\"a\","
	    "\"payload\":{}}\n"
	    "{\"v\":1,\"id\":\"x\",\"received_at\":\"t\",\"action\":\"a\","
	    "\"payload\":[]}\n"
	    "{\"v\":1,\"id\":7,\"received_at\":\"t\",\"action\":\"a\","
	    "\"payload\":{}}\n"
	    REC("e2", "2026-11-26T18:26:48.000000Z", "TASKS_DELETED") "\n"
	    "{\"v\":1,\"id\":\"e3\",\"rec";
	const struct jnode *tasks;
	struct logread lr;
	struct logrec *rec;

	CHECK(start(&lr, text) == 0, "open");
	CHECK(logread_next(&lr, &rec) == 1, "first record");
	CHECK_STR(rec->id, "e1", "id decoded");
	CHECK_STR(rec->received_at, "2026-11-26T18:26:47.978609Z",
	    "received_at");
	CHECK_STR(rec->action, "TASKS_CREATED", "action");
	CHECK(rec->lineno == 1 && rec->offset == 0, "line 1 at offset 0");
	CHECK(rec->project_id != NULL && rec->project_id->toklen == 16 &&
	    memcmp(rec->project_id->tok, "9007199254740993", 16) == 0,
	    "project_id kept as its token");
	tasks = jtree_get(rec->payload, "tasks");
	CHECK(tasks != NULL && tasks->nkids == 1 &&
	    jtree_get(tasks->kids[0], "id") != NULL &&
	    jtree_get(tasks->kids[0], "data")->folded,
	    "payload.tasks[0].id is expanded, deeper levels folded");
	CHECK(logread_next(&lr, &rec) == 1, "the next record, past bad lines");
	CHECK_STR(rec->id, "e2", "second record");
	CHECK(rec->lineno == 8, "second record on line 8");
	CHECK(rec->offset == (off_t)(strstr(text, REC("e2", "2026-11-26T18:26"
	    ":48.000000Z", "TASKS_DELETED")) - text), "its offset");
	CHECK(logread_next(&lr, &rec) == 0, "then the end");
	CHECK(logread_next(&lr, &rec) == 0, "the end again");
	CHECK_STR(reports,
	    "2: skipped a line that is not JSON "
	    "(unterminated string at byte 6)\n"
	    "3: skipped an empty line\n"
	    "4: skipped a line that is not a record (not an object)\n"
	    "5: skipped a line that is not a record (\"v\" is not 1)\n"
	    "6: skipped a line that is not a record (\"payload\" is not an "
	    "object)\n"
	    "7: skipped a line that is not a record (\"id\" is not a short "
	    "string)\n"
	    "9: skipped a torn last line (unterminated string at byte 21)\n",
	    "each bad line reported with its number");
	CHECK(lr.records == 2 && lr.skipped == 7 && lr.lineno == 9,
	    "counters");
	CHECK(lr.consumed == (off_t)strlen(text) && lr.size == lr.consumed,
	    "every byte consumed");
	logread_close(&lr);
}

static void
test_last_line(void)
{
	struct logread lr;
	struct logrec *rec;

	start(&lr, REC("only", "t", "a"));
	CHECK(logread_next(&lr, &rec) == 1 && strcmp(rec->id, "only") == 0,
	    "a complete last line without a newline is a record");
	CHECK(logread_next(&lr, &rec) == 0 && reports[0] == '\0',
	    "nothing reported");
	logread_close(&lr);
	start(&lr, "");
	CHECK(logread_next(&lr, &rec) == 0 && lr.lineno == 0, "an empty file");
	logread_close(&lr);
}

static void
test_long_lines(void)
{
	static const char head[] = "{\"v\":1,\"id\":\"b\",\"received_at\":"
	    "\"t\",\"action\":\"x\",\"payload\":{\"pad\":\"";
	size_t big = 300000, n = sizeof(head) - 1;
	struct buf text = { 0 };
	struct logread lr;
	struct logrec *rec;
	char *junk;

	/* short, 300 kB of junk, a 300 kB record, short */
	junk = malloc(big);
	memset(junk, 'x', big);
	buf_puts(&text, REC("a", "t", "x") "\n");
	buf_add(&text, junk, big);
	buf_puts(&text, "\n");
	buf_puts(&text, head);
	memset(junk, 'y', big);
	buf_add(&text, junk, big);
	buf_puts(&text, "\"}}\n" REC("c", "t", "x") "\n");
	write_file(text.p, text.len);
	buf_free(&text);
	free(junk);

	reports[0] = '\0';
	CHECK(logread_open(&lr, path) == 0, "open a file with long lines");
	lr.report = collect;
	CHECK(logread_next(&lr, &rec) == 1 && strcmp(rec->id, "a") == 0, "a");
	CHECK(logread_next(&lr, &rec) == 1 && strcmp(rec->id, "b") == 0 &&
	    rec->len == n + big + 3, "a 300 kB record, whole");
	CHECK(logread_next(&lr, &rec) == 1 && strcmp(rec->id, "c") == 0, "c");
	CHECK(logread_next(&lr, &rec) == 0, "end");
	CHECK(strncmp(reports, "2: skipped a line that is not JSON", 34) == 0,
	    "the junk line reported");
	CHECK(lr.cap <= 4 * big, "the buffer grew to about the longest line");
	logread_close(&lr);

	reports[0] = '\0';
	logread_open(&lr, path);
	lr.report = collect;
	lr.max_line = 100000;
	CHECK(logread_next(&lr, &rec) == 1 && strcmp(rec->id, "a") == 0,
	    "max_line 100000: a");
	CHECK(logread_next(&lr, &rec) == 1 && strcmp(rec->id, "c") == 0,
	    "max_line 100000: the long lines are skipped");
	CHECK_STR(reports, "2: skipped a line longer than 100000 bytes\n"
	    "3: skipped a line longer than 100000 bytes\n",
	    "and reported with their numbers");
	CHECK(lr.cap <= 100000 + 65536, "the buffer stayed within max_line");
	CHECK(logread_next(&lr, &rec) == 0 && lr.consumed == lr.size,
	    "every byte consumed");
	logread_close(&lr);
}

static void
test_many(void)
{
	struct logread lr;
	struct logrec *rec;
	FILE *f = fopen(path, "w");
	int i, ok = 1;
	char id[32];

	for (i = 0; i < 20000; i++)
		fprintf(f, "{\"v\":1,\"id\":\"r%d\",\"received_at\":\"t\","
		    "\"action\":\"x\",\"payload\":{\"n\":%d}}\n", i, i);
	fclose(f);
	logread_open(&lr, path);
	for (i = 0; i < 20000 && ok; i++) {
		snprintf(id, sizeof(id), "r%d", i);
		ok = logread_next(&lr, &rec) == 1 && strcmp(rec->id, id) == 0 &&
		    rec->lineno == (unsigned long)i + 1;
	}
	CHECK(ok, "20000 records across many reads, in order");
	CHECK(logread_next(&lr, &rec) == 0 && lr.skipped == 0, "and no more");
	logread_close(&lr);
}

static void
test_errors(void)
{
	struct logread lr;
	struct logrec *rec;
	int fd;

	errno = 0;
	CHECK(logread_open(&lr, "/nonexistent/tasks.jsonl") == -1 &&
	    errno == ENOENT, "a missing file: ENOENT");
	logread_close(&lr);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(logread_init(&lr, fd, dir) == 0, "a directory opens");
	errno = 0;
	CHECK(logread_next(&lr, &rec) == -1 && errno == EISDIR,
	    "reading it fails with errno");
	logread_close(&lr);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/tasks.jsonl", dir);
	test_records();
	test_last_line();
	test_long_lines();
	test_many();
	test_errors();
	unlink(path);
	rmdir(dir);
	return unit_done();
}
