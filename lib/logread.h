/* logread.h: read a JSONL log line by line, one record at a time. */
#ifndef LSH_LOGREAD_H
#define LSH_LOGREAD_H

#include <stddef.h>
#include <sys/types.h>

#include "jtree.h"

/*
 * The longest line kept: twice the largest body LSHOOK_MAX_BODY allows
 * (1 GiB), which leaves room for the envelope and its id lists.  A longer
 * line is skipped and reported, never buffered whole.
 */
#define LOGREAD_MAX_LINE	((size_t)2 << 30)

/*
 * Levels of a record that logread expands: payload.tasks[i].id sits four
 * below the root.  Deeper containers stay folded (see jtree_parse).
 */
#define LOGREAD_DEPTH		4

#define LOGREAD_MAX_ID		255	/* webhook-ids are 200 at most */
#define LOGREAD_MAX_TIME	63
#define LOGREAD_MAX_ACTION	127

/*
 * Told about each line that holds no record: the file's path as given,
 * the line number (from 1) and a phrase such as "skipped a torn last line
 * (unterminated string at byte 17)".
 */
typedef void logread_report_fn(void *arg, const char *path,
    unsigned long lineno, const char *why);

/* One record: the envelope checked and decoded, the line parsed. */
struct logrec {
	const char		*line;	/* without its newline */
	size_t			 len;
	unsigned long		 lineno;
	off_t			 offset;	/* of the line in the file */
	struct jtree		 tree;	/* LOGREAD_DEPTH levels */
	const struct jnode	*payload;	/* an object */
	const struct jnode	*project_id;	/* NULL when absent */
	char			 id[LOGREAD_MAX_ID + 1];
	char			 received_at[LOGREAD_MAX_TIME + 1];
	char			 action[LOGREAD_MAX_ACTION + 1];
};

struct logread {
	const char	*path;		/* for messages; not owned */
	const char	*prog;		/* message prefix, or NULL */
	logread_report_fn *report;	/* NULL: one line on stderr */
	void		*report_arg;
	size_t		 max_line;	/* LOGREAD_MAX_LINE, or lower */
	unsigned long	 lineno;	/* lines read so far */
	off_t		 consumed;	/* bytes of those lines */
	off_t		 size;		/* the file's size when opened */
	unsigned long	 records;	/* records returned */
	unsigned long	 skipped;	/* lines reported */
	int		 fd;
	char		*buf;
	size_t		 cap;
	size_t		 start;		/* unread: buf[start..end) */
	size_t		 end;
	size_t		 scanned;	/* no '\n' in buf[start..scanned) */
	int		 eof;
	int		 overlong;	/* dropping a line over max_line */
	int		 torn;		/* the last line had no newline */
	struct logrec	 rec;
};

/*
 * Start reading the open file fd (logread owns it from now on, even on
 * failure); path names it in messages and must outlive the reader.  Set
 * prog, report and max_line after this call.  Returns 0, or -1 with errno
 * set.  Close with logread_close either way.
 */
int logread_init(struct logread *, int fd, const char *path);

/* The same for a file opened by path.  -1 with errno when open fails. */
int logread_open(struct logread *, const char *path);

/*
 * The next line, without its newline; the last line may lack one.  The
 * bytes stay valid until the next call.  A line over max_line is reported
 * and skipped.  Returns 1, 0 at the end of the file, or -1 with errno on
 * a read or allocation error.
 */
int logread_line(struct logread *, const char **line, size_t *len);

/*
 * The next record: a line holding a JSON object with "v":1, string "id",
 * "received_at" and "action", and an object "payload".  Any other line
 * (a torn tail from a crash, an empty line) is reported through report
 * and skipped.  *rec and everything it points to stay valid until the
 * next call.  Returns 1, 0 at the end, or -1 with errno (read error,
 * ENOMEM).
 */
int logread_next(struct logread *, struct logrec **rec);

/* Release the buffer and the record, close the file. */
void logread_close(struct logread *);

#endif /* LSH_LOGREAD_H */
