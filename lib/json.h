/* json.h: strict single-pass JSON scanner for request bodies. */
#ifndef LSH_JSON_H
#define LSH_JSON_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Nesting limit of a body: containers inside containers, the root object
 * counting one.  Task data is arbitrary user JSON, so the bound follows
 * Python, not Label Studio's own fields.  Measured with Debian 12's
 * /usr/bin/python3 (3.11, recursion limit 1000) called from the top of a
 * script: json.dumps writes and json.loads reads 993 levels of lists and
 * of dicts alike, one more raises RecursionError; each frame the caller
 * already stands in takes one level off.  The log record wraps the body
 * one level deeper (the envelope), so 960 keeps every record lshook
 * writes readable by json.loads with about 30 frames of caller, and
 * accepts what Label Studio can post: requests.post(json=...) runs
 * json.dumps from inside Django and requests, well below the top.
 * Beyond 960 the answer is 400 "nested too deeply".  The scanner keeps
 * no C stack per level (json.c: one bit per level), and jtree, which
 * reads records, allows JTREE_MAX_DEPTH.  jq 1.6 (Debian 12) reads far
 * less (256 parser units, an object takes two): docs/SECURITY.md says
 * what a user of jq then sees.
 */
#define LSH_JSON_MAX_DEPTH 960

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
 * project.task_data_login, project.task_data_password, and the ML client's
 * params.login, params.password, params.token) replaced by "[redacted]".  Every other byte is copied unchanged, so big integers and
 * \u escapes survive, lone UTF-16 surrogates ("\ud83d") included, as
 * Python writes them.  Nesting beyond LSH_JSON_MAX_DEPTH is LSH_E_JSON,
 * "nested too deeply".  Fills ev; the caller frees it with json_event_free.
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
