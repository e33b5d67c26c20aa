/* progress.h: one progress line on stderr, when stderr is a terminal. */
#ifndef LSH_PROGRESS_H
#define LSH_PROGRESS_H

#include <sys/types.h>

/*
 * Begin a run over total bytes.  Nothing is drawn unless stderr is a
 * terminal and the run lasts over half a second; then the line is redrawn
 * at most ten times a second.
 */
void progress_start(off_t total);

/* done bytes of the total are read. */
void progress_update(off_t done);

/* Erase the line if it is drawn (before any other message). */
void progress_clear(void);

/* Erase the line and stop. */
void progress_end(void);

#endif /* LSH_PROGRESS_H */
