/* buf.h: a growable byte buffer. */
#ifndef LSH_BUF_H
#define LSH_BUF_H

#include <stddef.h>

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 failed;	/* an allocation failed; later appends do nothing */
};

/* Make sure at least n more bytes fit.  Returns 0, or -1 (and sets failed). */
int buf_reserve(struct buf *, size_t n);

/* Append bytes, a NUL-terminated string, one char, or printf output. */
void buf_add(struct buf *, const void *, size_t);
void buf_puts(struct buf *, const char *);
void buf_putc(struct buf *, char);
void buf_printf(struct buf *, const char *, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Append s (n bytes) as the inside of a JSON string: quotes, backslashes
 * and control bytes escaped, a WTF-8 lone surrogate (wtf8.h) written as
 * its \uXXXX escape, and any other byte that is not part of valid UTF-8
 * escaped as \u00XX (read as Latin-1), so the result is always valid.
 */
void buf_json_escape(struct buf *, const char *s, size_t n);

/* Length of the valid UTF-8 sequence at p (avail bytes left), or 0. */
size_t utf8_seq_len(const unsigned char *p, size_t avail);

/* Release the memory and reset to empty. */
void buf_free(struct buf *);

#endif /* LSH_BUF_H */
