/* test_annidx.c: the annotation -> task table: lookups, growth past its
 * first size, a torn last line, a missing table, a rotated log, a budget. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "annidx.h"
#include "unit.h"

static char dir[] = "/tmp/lshook-unit-XXXXXX";
static char log_path[512], table_path[512];

/* Append an ANNOTATION_CREATED record of annotation ann on task task. */
static void
add(FILE *f, long ann, long task)
{
	fprintf(f, "{\"v\":1,\"id\":\"sha256:%ld\",\"received_at\":\"T\","
	    "\"action\":\"ANNOTATION_CREATED\",\"family\":\"annotations\","
	    "\"project_id\":1,\"task_ids\":[%ld],\"annotation_ids\":[%ld],"
	    "\"payload\":{\"action\":\"ANNOTATION_CREATED\",\"annotation\":"
	    "{\"id\":%ld,\"result\":[{\"id\":\"x\",\"payload\":{}}],\"task\":%ld},"
	    "\"task\":{\"id\":%ld,\"data\":{\"text\":\",\\\"payload\\\":\"}}}}\n",
	    ann, task, ann, ann, task, task);
}

static int64_t
task_of(int64_t ann)
{
	int64_t t = -1;

	if (annidx_lookup(dir, &ann, 1, &t) == -1)
		return -1;
	return t;
}

static int
catch_up(size_t budget)
{
	char why[512];

	return annidx_catch_up(dir, budget, why, sizeof(why));
}

int
main(void)
{
	int64_t ids[3] = { 5, 99999, 7 }, tasks[3];
	FILE *f;
	long i;
	int ok;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(log_path, sizeof(log_path), "%s/annotations.jsonl", dir);
	snprintf(table_path, sizeof(table_path), "%s/state/annotations.idx", dir);

	CHECK(task_of(5) == -1, "no table: lookups fail");
	CHECK(catch_up(ANNIDX_BUDGET) == 0, "no log: nothing to do");

	f = fopen(log_path, "w");
	for (i = 1; i <= 5000; i++)	/* past the first 4096 slots, half full */
		add(f, i, 100000 + i);
	fprintf(f, "{\"v\":1,\"action\":\"ANNOTATIONS_DELETED\",\"payload\":"
	    "{\"annotations\":[{\"id\":3}]}}\n");
	fprintf(f, "{\"v\":1,\"payload\":{\"annotation\":{\"id\":777777,\"task\":");
	fclose(f);	/* a torn last line */
	CHECK(catch_up(ANNIDX_BUDGET) == 0, "catch up");
	ok = 1;
	for (i = 1; i <= 5000; i++)
		ok &= task_of(i) == 100000 + i;
	CHECK(ok, "5000 annotations found after the table grew");
	CHECK(task_of(5001) == 0, "an annotation never seen is unknown");
	CHECK(task_of(777777) == 0, "a torn last line is not indexed");
	CHECK(annidx_lookup(dir, ids, 3, tasks) == 0 && tasks[0] == 100005 &&
	    tasks[1] == 0 && tasks[2] == 100007, "several ids at once");

	f = fopen(log_path, "a");	/* the torn line completed, one more */
	fprintf(f, "1}}}\n");
	add(f, 6000, 42);
	fclose(f);
	CHECK(catch_up(ANNIDX_BUDGET) == 0 && task_of(6000) == 42,
	    "a later catch up reads on from where it stopped");
	CHECK(task_of(777777) == 1, "a line completed later is read whole");

	unlink(table_path);
	CHECK(catch_up(4096) == 0 && task_of(1) == 100001 && task_of(4999) == 0,
	    "a removed table is rebuilt, a budget at a time");
	for (i = 0; i < 10000; i++)
		catch_up(4096);
	CHECK(task_of(4999) == 100000 + 4999 && task_of(6000) == 42,
	    "further catch ups finish it");

	unlink(log_path);	/* rotated: a new file under the name */
	f = fopen(log_path, "w");
	add(f, 7000, 70);
	fclose(f);
	CHECK(catch_up(ANNIDX_BUDGET) == 0 && task_of(7000) == 70 &&
	    task_of(1) == 100001, "a rotated log is read from its start, "
	    "what was known stays");

	/* a damaged header whose slot count would wrap the size check */
	f = fopen(table_path, "r+");
	if (f != NULL) {
		unsigned long long huge = 1ULL << 60;

		fseek(f, 8, SEEK_SET);
		fwrite(&huge, sizeof(huge), 1, f);
		fclose(f);
		if (truncate(table_path, 64) != 0)
			perror("truncate");
	}
	CHECK(task_of(7000) == -1, "a damaged table is no table to lookups");
	CHECK(catch_up(ANNIDX_BUDGET) == 0 && task_of(7000) == 70,
	    "a damaged table is made afresh and read again from the log");

	CHECK(annidx_id("18", 2) == 18 && annidx_id("0", 1) == 0 &&
	    annidx_id("-1", 2) == 0 && annidx_id("1.5", 3) == 0 &&
	    annidx_id("\"7\"", 3) == 0 && annidx_id("9999999999999999999", 19) == 0,
	    "ids: positive integer tokens only");
	return unit_done();
}
