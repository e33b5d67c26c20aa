/* test_counts.c: label counters: records, adds, other processes, torn
 * tails, replaced and foreign files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "counts.h"
#include "unit.h"

static char dir[] = "/tmp/lshook-unit-XXXXXX";

static void
dump_one(void *arg, const char *control, size_t clen, const char *label,
    size_t llen, uint64_t count)
{
	buf_printf(arg, "%.*s/%.*s=%llu ", (int)clen, control, (int)llen, label,
	    (unsigned long long)count);
}

/* Every record of project 1 as "control/label=count ...". */
static const char *
dump(void)
{
	static struct buf b;

	b.len = 0;
	if (counts_each(dir, 1, dump_one, &b) == -1)
		return "(error)";
	buf_putc(&b, '\0');
	return b.p != NULL ? b.p : "";
}

static const char *
counts_path(void)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/ontology/1.counts", dir);
	return p;
}

static void
test_known_and_new(void)
{
	struct count_key ab[] = { { "box", "A" }, { "box", "B" }, { "box", "A" } };
	struct count_key c[] = { { "box", "A" }, { "kind", "C" } };

	CHECK(counts_add_known(dir, 1, ab, 3, 1) == 0, "no file: nothing is known");
	CHECK_STR(dump(), "", "no file: no records");
	CHECK(counts_update(dir, 1, ab, 3, 1) == 0, "update adds records");
	CHECK_STR(dump(), "box/A=2 box/B=1 ", "a label twice in one event counts twice");
	CHECK(counts_add_known(dir, 1, ab, 3, 1) == 1, "all known: counted");
	CHECK_STR(dump(), "box/A=4 box/B=2 ", "known labels added");
	CHECK(counts_add_known(dir, 1, c, 2, 1) == 0, "one new label: not counted");
	CHECK_STR(dump(), "box/A=4 box/B=2 ", "nothing changed by a refusal");
	CHECK(counts_update(dir, 1, c, 2, 0) == 0, "first use without add");
	CHECK_STR(dump(), "box/A=4 box/B=2 kind/C=1 ", "a first use without add counts once");
	CHECK(counts_add_known(dir, 1, c, 2, 0) == 1, "known, without add");
	CHECK_STR(dump(), "box/A=4 box/B=2 kind/C=1 ", "without add nothing changes");
}

/* A child process appends a label and counts; the parent sees both. */
static void
test_other_process(void)
{
	struct count_key d[] = { { "box", "D" } }, a[] = { { "box", "A" } };
	pid_t pid;
	int st, i;

	pid = fork();
	if (pid == 0) {
		int ok = counts_update(dir, 1, d, 1, 1) == 0;

		for (i = 0; i < 1000; i++)
			ok &= counts_add_known(dir, 1, a, 1, 1) == 1;
		_exit(ok ? 0 : 1);
	}
	for (i = 0; i < 1000; i++)
		counts_add_known(dir, 1, a, 1, 1);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "the child counted");
	CHECK(counts_add_known(dir, 1, d, 1, 1) == 1, "the child's new label is seen");
	CHECK_STR(dump(), "box/A=2004 box/B=2 kind/C=1 box/D=2 ",
	    "adds from two processes are all kept");
}

static void
test_torn_tail(void)
{
	struct count_key e[] = { { "box", "E" } };
	FILE *f = fopen(counts_path(), "ab");

	CHECK(f != NULL && fwrite("\x05\0\0\0\0\0\0\0\x03\0\0\0", 1, 12, f) == 12,
	    "a torn record appended");
	fclose(f);
	CHECK_STR(dump(), "box/A=2004 box/B=2 kind/C=1 box/D=2 ", "a torn record is not read");
	CHECK(counts_update(dir, 1, e, 1, 1) == 0, "append over the torn tail");
	CHECK_STR(dump(), "box/A=2004 box/B=2 kind/C=1 box/D=2 box/E=1 ",
	    "the torn record replaced by a whole one");
}

static void
test_replaced_and_foreign(void)
{
	struct count_key a[] = { { "box", "A" } };
	FILE *f;

	CHECK(unlink(counts_path()) == 0, "the file removed (as a rebuild does)");
	CHECK(counts_add_known(dir, 1, a, 1, 1) == 0, "a removed file knows nothing");
	CHECK(counts_update(dir, 1, a, 1, 1) == 0, "a new file");
	CHECK_STR(dump(), "box/A=1 ", "counted afresh in the new file");
	f = fopen(counts_path(), "w");
	CHECK(f != NULL && fputs("not a counts file, and longer than the one it replaces\n", f) >= 0,
	    "overwritten by something else");
	fclose(f);
	CHECK_STR(dump(), "", "a foreign file reads as empty");
	CHECK(counts_add_known(dir, 1, a, 1, 1) == 0, "a foreign file knows nothing");
	CHECK(counts_update(dir, 1, a, 1, 1) == 0, "a foreign file is started afresh");
	CHECK_STR(dump(), "box/A=1 ", "counted in the fresh file");
}

static void
test_many_labels(void)
{
	struct count_key k;
	char label[32];
	int i, ok = 1;

	k.control = "many";
	k.label = label;
	for (i = 0; i < 3000; i++) {
		snprintf(label, sizeof(label), "L%d", i);
		ok &= counts_update(dir, 1, &k, 1, 1) == 0;
	}
	for (i = 0; i < 3000; i++) {
		snprintf(label, sizeof(label), "L%d", i);
		ok &= counts_add_known(dir, 1, &k, 1, 1) == 1;
	}
	CHECK(ok, "3000 labels: each added, then each known");
	counts_forget();
	snprintf(label, sizeof(label), "L2999");
	CHECK(counts_add_known(dir, 1, &k, 1, 1) == 1, "known again after forgetting the maps");
	CHECK(strstr(dump(), "many/L2999=3 ") != NULL, "its count");
}

int
main(void)
{
	char p[600];

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(p, sizeof(p), "%s/ontology", dir);
	mkdir(p, 0750);
	test_known_and_new();
	test_other_process();
	test_torn_tail();
	test_replaced_and_foreign();
	test_many_labels();
	counts_forget();
	unlink(counts_path());
	rmdir(p);
	rmdir(dir);
	return unit_done();
}
