/* tasks.c: the tasks endpoint; records tasks events, files others as ignored. */
#include "handler.h"

int
main(void)
{
	return lsh_main("tasks", LSH_FAM_TASKS, lsh_serve_events);
}
