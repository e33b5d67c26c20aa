/* wtf8.h: lone UTF-16 surrogates between JSON escapes and WTF-8 bytes. */
#ifndef LSH_WTF8_H
#define LSH_WTF8_H

#include <stddef.h>

#include "buf.h"

/*
 * The rule for text that holds a lone surrogate ("\ud83d" alone, as
 * Python's json writes it):
 *
 * - the logs keep the escape as it was sent (json.c copies it verbatim);
 * - a reader that decodes a string to bytes gets WTF-8: the surrogate as
 *   the 3 bytes UTF-8 would give it (ED A0..BF 80..BF), a valid pair as
 *   its code point (jtree.c).  Labels are compared as those bytes, so
 *   "\ud83d" in one annotation and in the next are the same label;
 * - whatever writes JSON turns such bytes back into the \uXXXX escape
 *   (buf_json_escape, wtf8_escape), so every file lshook writes stays
 *   valid UTF-8 and valid JSON for Python.
 */

/* The code unit of the WTF-8 surrogate at p (avail bytes), or 0. */
unsigned wtf8_surrogate(const unsigned char *p, size_t avail);

/*
 * Append JSON text s[0..n) to b with every WTF-8 surrogate replaced by
 * its \uXXXX escape.  For text whose bytes above 0x7f are all inside
 * strings (what cJSON prints).
 */
void wtf8_escape(struct buf *b, const char *s, size_t n);

/*
 * Append JSON text s[0..n) to b with every lone surrogate escape inside
 * a string replaced by its WTF-8 bytes, so cJSON, which refuses such an
 * escape, reads the text (and keeps the bytes).  Valid pairs, and
 * everything outside strings, are copied as they are.
 */
void wtf8_unescape_lone(struct buf *b, const char *s, size_t n);

#endif /* LSH_WTF8_H */
