/* annotations.c: the annotations endpoint; records annotations events, files others as ignored. */
#include "handler.h"

int
main(void)
{
	return lsh_main("annotations", LSH_FAM_ANNOTATIONS, lsh_serve_events);
}
