/* route.h: which event family each Label Studio action belongs to. */
#ifndef LSH_ROUTE_H
#define LSH_ROUTE_H

enum lsh_family {
	LSH_FAM_TASKS,
	LSH_FAM_ANNOTATIONS,
	LSH_FAM_PROJECTS,
	LSH_FAM_TRAINING,
	LSH_FAM__COUNT,
	LSH_FAM_NONE = -1	/* an action in no table row */
};

struct route {
	const char	*action;	/* as Label Studio sends it */
	enum lsh_family	 family;
	const char	*canonical;	/* the action an alias stands for */
	int		 fresh;		/* each event's payload carries a new
					   id or a server time (updated_at):
					   the same body twice is a retry */
};

/* The row for an action, or NULL for an action in no row. */
const struct route *route_find(const char *action);

/* "tasks", "annotations", "projects", "training"; NULL for none. */
const char *family_name(enum lsh_family);

/* The whole table, ending in a row with a NULL action. */
extern const struct route lsh_routes[];

#endif /* LSH_ROUTE_H */
