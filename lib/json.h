/* json.h: strict single-pass JSON scanner for request bodies. */
#ifndef LSH_JSON_H
#define LSH_JSON_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Nesting limit of a body: containers inside containers, the root object
 * counting one.  Task data is arbitrary user JSON and a body we refuse is
 * an event lost for good (Label Studio never retries it, and counts the
 * failure toward switching the webhook off), so the bound takes whatever
 * a current Python's json.dumps can write.  Measured (json.dumps writes
 * and json.loads reads, lists and dicts alike, called from the top of a
 * script, default recursion limit): Python 3.11 (Debian 12) 993 levels,
 * 3.12 1497, 3.13 9998; one more raises RecursionError.  10000 covers
 * 3.13's 9998 with a margin.  The log record wraps the body one level
 * deeper (the envelope), so a record deeper than about 990 levels needs
 * Python 3.12 (to 1497) or 3.13 to read it with json.loads (or 3.11 with
 * sys.setrecursionlimit raised: it reads 20000 levels on an 8 MiB stack),
 * or lshook's own tools; jq 1.6 (Debian 12) reads far less (256 parser
 * units, an object takes two) and `jq -R 'fromjson? // empty'` skips such
 * lines: docs/SECURITY.md.  Beyond 10000 the answer is 400 "nested too
 * deeply".  Nothing costs C stack per level: the scanner keeps one bit a
 * level (json.c, 1250 bytes in all), and jtree, which reads records
 * (JTREE_MAX_DEPTH, one more), its parser and canonical writer, keep
 * their open containers on heap stacks (about 200 bytes a level).
 */
#define LSH_JSON_MAX_DEPTH 10000

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
