/* counts.h: how often each label of a project was used, shared counters. */
#ifndef LSH_COUNTS_H
#define LSH_COUNTS_H

#include <stddef.h>
#include <stdint.h>

/*
 * <dir>/ontology/<project>.counts holds one record per label a project has
 * used: an 8-byte counter, then the control's name and the label.  Records
 * are only ever appended, under the ontology lock held exclusively; the
 * counters change in place, with atomic adds on a shared mapping of the
 * file, under the same lock held shared.  So a handler counts an
 * annotation whose labels are all known without a write, a rename or an
 * exclusive lock, and concurrent handlers never lose an add.
 *
 * The file is derived data, like the views: it is not synced, and
 * `lshook ontology rebuild` makes it again from the logs.  A torn last
 * record (a crash while appending) is ignored, then overwritten.
 *
 * Every function takes the ontology lock's mode as its caller holds it;
 * each process keeps the files it mapped, checked against the file's
 * identity on every call (a rebuild replaces them).
 */

/* One label to count: the control it belongs to and the label. */
struct count_key {
	const char	*control;
	const char	*label;
};

/*
 * Under the shared lock: when every key of v[0..n) already has a record,
 * add one to each record per key naming it (when add is set) and return
 * 1.  Return 0, changing nothing, when a key is new (the caller takes the
 * exclusive lock and calls counts_update), -1 on a system error (errno).
 */
int counts_add_known(const char *dir, long long project, const struct count_key *v,
    size_t n, int add);

/*
 * Under the exclusive lock: give every key a record, then add one per key
 * when add is set; without add, a new record starts at 1 (a label first
 * used by a changed annotation counts once) and known ones stay.
 * Returns 0, or -1 on a system error (errno).
 */
int counts_update(const char *dir, long long project, const struct count_key *v,
    size_t n, int add);

/*
 * Under either lock: call fn for each record of the project, in the
 * order the labels were first used.  Returns 0 (also when the project has
 * no counts file), or -1 on a system error.
 */
typedef void counts_fn(void *arg, const char *control, size_t clen,
    const char *label, size_t llen, uint64_t count);
int counts_each(const char *dir, long long project, counts_fn *fn, void *arg);

/* Forget every mapping of this process (after a rebuild removed files). */
void counts_forget(void);

#endif /* LSH_COUNTS_H */
