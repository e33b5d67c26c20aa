/* dataset.h: tasks and annotations, as a Label Studio export holds them. */
#ifndef LSH_DATASET_H
#define LSH_DATASET_H

#include <stddef.h>
#include <stdio.h>

#include "idmap.h"
#include "logread.h"

struct ds_task;

/* An annotation, kept as the canonical bytes of its object. */
struct ds_ann {
	const char	*id;		/* raw id token */
	size_t		 idlen;
	char		*json;		/* canonical object */
	size_t		 len;
	struct ds_task	*task;
	struct ds_ann	*prev;		/* the task's other annotations */
	struct ds_ann	*next;
	char		 idbuf[];
};

/* A task: the canonical bytes of its object without "annotations". */
struct ds_task {
	const char	*id;		/* raw id token */
	size_t		 idlen;
	char		*json;		/* canonical object */
	size_t		 len;
	size_t		 ins;		/* where "annotations" goes */
	char		*project;	/* its project's raw token, or */
	size_t		 projlen;	/* NULL when unknown */
	struct ds_ann	*anns;		/* unordered */
	char		 idbuf[];
};

struct dataset {
	struct idmap	 tasks;		/* id -> struct ds_task */
	struct idmap	 anns;		/* id -> struct ds_ann, across tasks */
};

enum ds_format {
	DS_JSON,	/* "[\n", one task per line, ",\n" between, "\n]\n" */
	DS_JSONL	/* one task per line */
};

/* Make an empty dataset. */
void ds_init(struct dataset *);

/* Free every task and annotation. */
void ds_free(struct dataset *);

/*
 * Apply one log record: create, replace or delete the tasks and
 * annotations it names (other actions change nothing).  An annotation
 * whose task is unknown gets a stub task {"data","id"}.  Items that cannot
 * be applied (no id) are reported with the record's path and line and
 * skipped.  Returns 0, or -1 when out of memory (reported).
 */
int ds_apply(struct dataset *, const struct logrec *, const char *path);

/*
 * Load a snapshot file: a JSON array of tasks (lshook's json format or a
 * Label Studio export) or one task per line.  Each task's "annotations"
 * become its annotations.  Returns 0, or -1 with the error reported.
 */
int ds_load(struct dataset *, const char *path);

/*
 * The tasks of project (a raw id token; NULL: all) sorted by id, in a
 * malloc'ed array stored in *out.  Returns the count, or -1 when out of
 * memory (reported).
 */
long ds_tasks(const struct dataset *, const char *project,
    struct ds_task ***out);

/* The same for annotations, across tasks, sorted by id. */
long ds_anns(const struct dataset *, const char *project,
    struct ds_ann ***out);

/*
 * Write the tasks of project (NULL: all) to f in Label Studio's export
 * format: sorted by id, each with "annotations" (sorted by id) among its
 * sorted keys.  Returns 0, or -1 when out of memory (reported); the caller
 * checks f for write errors.
 */
int ds_write(const struct dataset *, FILE *f, enum ds_format,
    const char *project);

#endif /* LSH_DATASET_H */
