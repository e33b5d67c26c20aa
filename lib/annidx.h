/* annidx.h: the task of each annotation seen, for ANNOTATIONS_DELETED. */
#ifndef LSH_ANNIDX_H
#define LSH_ANNIDX_H

#include <stddef.h>
#include <stdint.h>

/*
 * Label Studio's ANNOTATIONS_DELETED names annotations only ({"id": N});
 * their tasks are known from the ANNOTATION_* records of annotations.jsonl.
 * <data>/state/annotations.idx maps annotation id -> task id: a hash table
 * in a file, read under a shared lock, extended under an exclusive one by
 * annidx_catch_up, which reads annotations.jsonl from where the table
 * stopped (all of it when the table is missing, the new file after a
 * rotation).  The table is a cache of the log: removing it loses nothing.
 */

/* Bytes of annotations.jsonl one annidx_catch_up reads at most. */
#define ANNIDX_BUDGET	((size_t)16 << 20)

/*
 * The task of each of n annotation ids (task[i] = 0 when unknown).
 * Returns 0, or -1 when there is no table or it cannot be read (then all
 * are unknown).
 */
int annidx_lookup(const char *dir, const int64_t *ann, size_t n,
    int64_t *task);

/*
 * Index what annotations.jsonl holds beyond what the table has, reading
 * at most budget bytes of it (the next call goes on).  Returns 0, or -1
 * with why filled.
 */
int annidx_catch_up(const char *dir, size_t budget, char *why, size_t whysz);

/* A JSON number token that is a positive integer below 2^63, or 0. */
int64_t annidx_id(const char *tok, size_t len);

#endif /* LSH_ANNIDX_H */
