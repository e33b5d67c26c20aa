/* json.h: strict single-pass JSON scanner for request bodies. */
#ifndef LSH_JSON_H
#define LSH_JSON_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Nesting limit of a body.  The log record adds a level, and jq 1.6
 * (Debian 12) reads at most 128 levels of objects (its parser counts 256
 * units, two per object), so the limit keeps every record readable with
 * jq, Python (about 990) and cJSON (1000), and lies far above anything
 * Label Studio sends.
 */
#define LSH_JSON_MAX_DEPTH 100

/* A slice of the scanned input: raw token bytes, quotes included. */
struct span {
	size_t	 off;
	size_t	 len;
};

struct spans {
	struct span	*v;
	size_t		 n;
	size_t		 cap;
};

/*
 * What the scanner learns about a Label Studio event while it copies it.
 * Every span points into the scanned input, so it lives as long as that.
 */
struct json_event {
	struct span	 action;	/* raw value of top-level "action" */
	int		 action_count;	/* how many "action" keys the top had */
	int		 action_string;	/* that value is a string */
	struct span	 project_id;	/* project.id (or a numeric project) */
	struct spans	 task_ids;	/* task.id, task[].id, tasks[].id */
	struct spans	 annotation_ids; /* annotation.id, annotation[].id, annotations[].id */
	struct spans	 annotation_task_ids; /* annotation.task, annotation[].task */
	struct span	 annotation;	/* the (last) top-level "annotation" value */
	size_t		 err_off;	/* on LSH_E_JSON: byte offset ... */
	const char	*err;		/* ... and what was wrong there */
};

/*
 * Validate in[0..n) as exactly one JSON object under strict RFC 8259 rules
 * (UTF-8 checked, no control bytes in strings, no NUL, nothing but
 * whitespace after it) and append to out the same text with insignificant
 * whitespace removed and Label Studio's project secrets (project.token,
 * project.task_data_login, project.task_data_password) replaced by
 * "[redacted]".  Every other byte is copied unchanged, so big integers and
 * \u escapes survive.  Fills ev; the caller frees it with json_event_free.
 * Returns LSH_OK, LSH_E_JSON (ev->err says why), LSH_E_NOT_OBJECT or
 * LSH_E_NOMEM.
 */
enum lsh_err json_scan(const char *in, size_t n, struct buf *out,
    struct json_event *ev);

/* Free the arrays of an event filled by json_scan. */
void json_event_free(struct json_event *);

/*
 * Decode a raw JSON string token (quotes included) into dst as a C string.
 * Returns the length, or -1 when it is not a string, holds a NUL or does
 * not fit in dstsz (NUL included).
 */
long json_string_decode(const char *tok, size_t len, char *dst, size_t dstsz);

#endif /* LSH_JSON_H */
