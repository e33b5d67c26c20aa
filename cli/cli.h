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
int cmd_check(int argc, char **argv);

/* The subcommands sign.c, send.c, tail.c, stats.c. */
int cmd_sign(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_tail(int argc, char **argv);
int cmd_stats(int argc, char **argv);

/*
 * secret.c: the secret for sign and send: arg (-s) when given, else the
 * first secret of file (--secret-file: one a line, blank and '#' lines
 * skipped), else the first of $LSHOOK_SECRET's comma-separated list.
 * Stores a malloc'ed copy in *out.  Returns 1 found, 0 none anywhere, -1
 * with the error reported (unreadable file, a file without a secret).
 */
int cli_secret(const char *arg, const char *file, char **out);

/* hex of HMAC-SHA256(secret, body), as X-Hub-Signature-256 carries it. */
void cli_sign_hmac(const char *secret, const void *body, size_t len,
    char hex[65]);

/*
 * The Standard Webhooks signature "v1,<base64>" of id.timestamp.body into
 * out (at least 64 bytes).  Returns 0, or -1 when the secret is not a
 * whsec_/base64 key.
 */
int cli_sign_standard(const char *secret, const char *id, const char *ts,
    const void *body, size_t len, char *out, size_t outsz);

/* A fresh webhook-id, "msg_" and 24 hex digits, into out[29]. */
void cli_new_webhook_id(char out[29]);

/*
 * pyjson.c: text[0..len) as Python's json.dumps(json.loads(text),
 * separators=(", ", ": "), ensure_ascii=True) writes it, with an object's
 * "action" member moved first (Label Studio posts {"action": ...} merged
 * with the payload).  Numbers are kept byte for byte.  Returns 0, or -1
 * with why filled (not JSON, out of memory).
 */
struct buf;
int cli_pyjson(struct buf *out, const char *text, size_t len, char *why,
    size_t whysz);

/* http.c: a minimal HTTP/1.1 client over plain TCP. */
struct http_answer {
	int		 status;	/* 100-599 */
	char		*body;		/* malloc'ed, NUL-terminated */
	size_t		 len;
};

/*
 * POST body to url (http:// only) with the extra header lines given
 * ("Name: value", no CRLF) and wait at most timeout_ms for the whole
 * answer.  Returns 0 with *ans filled (free ans->body), or -1 with why
 * filled (bad URL, https, connection, timeout, malformed answer).
 */
int http_post(const char *url, const char *const *headers, size_t nheaders,
    const char *body, size_t len, long timeout_ms, struct http_answer *ans,
    char *why, size_t whysz);

/*
 * logs.c: the logs of events in a data directory, in tie order:
 * "tasks", "annotations", "projects", "training", "ignored" (<name>.jsonl).
 */
#define CLI_NLOGS 5
extern const char *const cli_logs[CLI_NLOGS];

/*
 * Check that dir is a readable directory.  Returns 0, or -1 with the
 * error reported.
 */
int cli_check_data_dir(const char *dir);

#endif /* LSH_CLI_H */
