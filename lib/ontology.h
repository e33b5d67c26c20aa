/* ontology.h: the label ontology of each project, declared and used. */
#ifndef LSH_ONTOLOGY_H
#define LSH_ONTOLOGY_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "jtree.h"
#include "route.h"
#include "store.h"

#define LSH_MAX_LABEL_CONFIG	(1 << 20)	/* far above real configs */

/* One label of one control (a Choices, Labels, RectangleLabels... tag). */
struct onto_item {
	char	*control;	/* the control's name (from_name in results) */
	char	*type;		/* its tag, e.g. "RectangleLabels", or result type */
	char	*target;	/* its toName, or NULL */
	char	*label;		/* value; taxonomy paths joined with "/" */
	char	*alias;		/* declared alias, or NULL */
};

struct onto_list {
	struct onto_item	*v;
	size_t			 n;
	size_t			 cap;
};

enum onto_kind {
	ONTO_DECLARED,		/* the list replaces the declared labels */
	ONTO_CREATED,		/* labels used by new annotations: counted */
	ONTO_UPDATED		/* labels used by changed annotations: first use only */
};

/*
 * Labels used in the annotation results of an annotation event payload:
 * "annotation" as an object or a list (bulk).  Every array of strings
 * under "choices" or a key ending in "labels", and every taxonomy path.
 * Returns 0, or -1 when out of memory.
 */
int ontology_used(const struct jnode *payload, struct onto_list *out);

/* The same for the value of "annotation" alone (an object or a list). */
int ontology_used_in(const struct jnode *annotation, struct onto_list *out);

/*
 * Controls and labels a project declares: project.label_config parsed
 * with expat (aliases and nested taxonomy choices included), or
 * project.parsed_label_config when there is no usable XML.  Returns 0 with
 * out filled, 1 when the payload declares nothing (no config: leave the
 * declared labels alone), -1 when out of memory.
 */
int ontology_declared(const struct jnode *project, struct onto_list *out);

/*
 * Apply a list to project_id's view <dir>/ontology/<project_id>.json and
 * append one ontology.jsonl record per change (label declared, removed
 * from the config, used for the first time) naming event_id, all under
 * one lock, so concurrent handlers never lose or repeat a change.  The
 * view is replaced atomically, and only when the ontology changed; how
 * often each label was used goes to <project_id>.counts (counts.h), so an
 * annotation whose labels are all known costs a shared lock and a few
 * atomic adds.  *changes gets the number of changes.
 */
enum lsh_err ontology_apply(struct store *, const char *dir,
    long long project_id, const char *event_id, enum onto_kind,
    const struct onto_list *, int do_fsync, size_t *changes, char *why,
    size_t whysz);

/*
 * The change an event of a family makes (canonical action name), or -1
 * when it makes none: PROJECT_CREATED and PROJECT_UPDATED declare,
 * ANNOTATION_CREATED and ANNOTATIONS_CREATED use (counted),
 * ANNOTATION_UPDATED uses (first uses only).
 */
int ontology_kind(enum lsh_family family, const char *action);

/* ontology_declared or ontology_used on a payload, by kind. */
int ontology_extract(enum onto_kind, const struct jnode *payload,
    struct onto_list *);

/*
 * Rebuild every view of <dir>/ontology/ from projects.jsonl and
 * annotations.jsonl alone, replaying their records in received_at order
 * under the ontology lock (ontology.jsonl is left as it is).  Unparsable
 * lines are skipped.  *events gets the number of records replayed.
 */
enum lsh_err ontology_rebuild(const char *dir, int do_fsync, size_t *events,
    char *why, size_t whysz);

/*
 * Append project_id's view to out with the counts of its labels: each
 * control gets "counts", label -> how often used.  Read under the shared
 * lock.  LSH_E_NOT_FOUND (why says so) when the project has no view.
 */
enum lsh_err ontology_show(const char *dir, long long project_id,
    struct buf *out, char *why, size_t whysz);

void onto_list_free(struct onto_list *);

#endif /* LSH_ONTOLOGY_H */
