/* route.c: the action table (label_studio/webhooks/models.py and aliases). */
#include <string.h>

#include "route.h"

const struct route lsh_routes[] = {
	{ "TASKS_CREATED",	 LSH_FAM_TASKS,	      "TASKS_CREATED", 1 },
	{ "TASKS_DELETED",	 LSH_FAM_TASKS,	      "TASKS_DELETED", 0 },
	{ "TASK_CREATED",	 LSH_FAM_TASKS,	      "TASKS_CREATED", 1 },
	{ "TASK_DELETED",	 LSH_FAM_TASKS,	      "TASKS_DELETED", 0 },
	{ "ANNOTATION_CREATED",	 LSH_FAM_ANNOTATIONS, "ANNOTATION_CREATED", 1 },
	{ "ANNOTATIONS_CREATED", LSH_FAM_ANNOTATIONS, "ANNOTATIONS_CREATED", 1 },
	{ "ANNOTATION_UPDATED",	 LSH_FAM_ANNOTATIONS, "ANNOTATION_UPDATED", 1 },
	{ "ANNOTATIONS_DELETED", LSH_FAM_ANNOTATIONS, "ANNOTATIONS_DELETED", 0 },
	{ "ANNOTATION_DELETED",	 LSH_FAM_ANNOTATIONS, "ANNOTATIONS_DELETED", 0 },
	{ "REVIEW_CREATED",	 LSH_FAM_ANNOTATIONS, "REVIEW_CREATED", 0 },
	{ "REVIEW_UPDATED",	 LSH_FAM_ANNOTATIONS, "REVIEW_UPDATED", 0 },
	{ "REVIEWS_DELETED",	 LSH_FAM_ANNOTATIONS, "REVIEWS_DELETED", 0 },
	{ "PROJECT_CREATED",	 LSH_FAM_PROJECTS,    "PROJECT_CREATED", 1 },
	{ "PROJECT_UPDATED",	 LSH_FAM_PROJECTS,    "PROJECT_UPDATED", 0 },
	{ "PROJECT_DELETED",	 LSH_FAM_PROJECTS,    "PROJECT_DELETED", 0 },
	{ "LABEL_LINK_CREATED",	 LSH_FAM_PROJECTS,    "LABEL_LINK_CREATED", 0 },
	{ "LABEL_LINK_UPDATED",	 LSH_FAM_PROJECTS,    "LABEL_LINK_UPDATED", 0 },
	{ "LABEL_LINK_DELETED",	 LSH_FAM_PROJECTS,    "LABEL_LINK_DELETED", 0 },
	{ "START_TRAINING",	 LSH_FAM_TRAINING,    "START_TRAINING", 0 },
	{ NULL,			 LSH_FAM_NONE,	      NULL, 0 }
};

static const char *const family_names[LSH_FAM__COUNT] = {
	"tasks", "annotations", "projects", "training"
};

const struct route *
route_find(const char *action)
{
	const struct route *r;

	for (r = lsh_routes; r->action != NULL; r++)
		if (strcmp(r->action, action) == 0)
			return r;
	return NULL;
}

const char *
family_name(enum lsh_family f)
{
	if ((unsigned)f >= LSH_FAM__COUNT)
		return NULL;
	return family_names[f];
}
