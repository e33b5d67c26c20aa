/* route.c: the action table (label_studio/webhooks/models.py and aliases). */
#include <string.h>

#include "route.h"

const struct route lsh_routes[] = {
	{ "TASKS_CREATED",	 LSH_FAM_TASKS,	      "TASKS_CREATED" },
	{ "TASKS_DELETED",	 LSH_FAM_TASKS,	      "TASKS_DELETED" },
	{ "TASK_CREATED",	 LSH_FAM_TASKS,	      "TASKS_CREATED" },
	{ "TASK_DELETED",	 LSH_FAM_TASKS,	      "TASKS_DELETED" },
	{ "ANNOTATION_CREATED",	 LSH_FAM_ANNOTATIONS, "ANNOTATION_CREATED" },
	{ "ANNOTATIONS_CREATED", LSH_FAM_ANNOTATIONS, "ANNOTATIONS_CREATED" },
	{ "ANNOTATION_UPDATED",	 LSH_FAM_ANNOTATIONS, "ANNOTATION_UPDATED" },
	{ "ANNOTATIONS_DELETED", LSH_FAM_ANNOTATIONS, "ANNOTATIONS_DELETED" },
	{ "ANNOTATION_DELETED",	 LSH_FAM_ANNOTATIONS, "ANNOTATIONS_DELETED" },
	{ "REVIEW_CREATED",	 LSH_FAM_ANNOTATIONS, "REVIEW_CREATED" },
	{ "REVIEW_UPDATED",	 LSH_FAM_ANNOTATIONS, "REVIEW_UPDATED" },
	{ "REVIEWS_DELETED",	 LSH_FAM_ANNOTATIONS, "REVIEWS_DELETED" },
	{ "PROJECT_CREATED",	 LSH_FAM_PROJECTS,    "PROJECT_CREATED" },
	{ "PROJECT_UPDATED",	 LSH_FAM_PROJECTS,    "PROJECT_UPDATED" },
	{ "PROJECT_DELETED",	 LSH_FAM_PROJECTS,    "PROJECT_DELETED" },
	{ "LABEL_LINK_CREATED",	 LSH_FAM_PROJECTS,    "LABEL_LINK_CREATED" },
	{ "LABEL_LINK_UPDATED",	 LSH_FAM_PROJECTS,    "LABEL_LINK_UPDATED" },
	{ "LABEL_LINK_DELETED",	 LSH_FAM_PROJECTS,    "LABEL_LINK_DELETED" },
	{ "START_TRAINING",	 LSH_FAM_TRAINING,    "START_TRAINING" },
	{ NULL,			 LSH_FAM_NONE,	      NULL }
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
