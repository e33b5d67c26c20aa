/* unit.h: a tiny TAP producer for the C unit tests. */
#ifndef LSH_UNIT_H
#define LSH_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_n, unit_failed;

/* Report one check; name is printf-free text. */
#define CHECK(cond, name) do {						\
	unit_n++;							\
	if (cond)							\
		printf("ok %d - %s\n", unit_n, (name));			\
	else {								\
		unit_failed++;						\
		printf("not ok %d - %s\n#   %s:%d: %s\n", unit_n, (name),	\
		    __FILE__, __LINE__, #cond);				\
	}								\
} while (0)

#define CHECK_STR(got, want, name) do {					\
	const char *g_ = (got), *w_ = (want);				\
	CHECK(g_ != NULL && strcmp(g_, w_) == 0, name);			\
	if (g_ == NULL || strcmp(g_, w_) != 0)				\
		printf("#   got  '%s'\n#   want '%s'\n", g_ ? g_ : "(null)", w_); \
} while (0)

/* Print the plan and return the exit status. */
static inline int
unit_done(void)
{
	printf("1..%d\n", unit_n);
	return unit_failed ? 1 : 0;
}

#endif /* LSH_UNIT_H */
