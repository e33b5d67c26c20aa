/* projects.c: the projects endpoint; records projects events, files others as ignored. */
#include "handler.h"

int
main(void)
{
	return lsh_main("projects", LSH_FAM_PROJECTS, lsh_serve_events);
}
