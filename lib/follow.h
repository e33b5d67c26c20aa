/* follow.h: what follows a recorded event, once it has been answered. */
#ifndef LSH_FOLLOW_H
#define LSH_FOLLOW_H

#include "config.h"
#include "event.h"
#include "request.h"
#include "route.h"
#include "store.h"

/*
 * Everything an event recorded in family's own log sets off, run after
 * the answer so the sender never waits for it: the project's label
 * ontology (projects and annotations), the training trigger every
 * cfg->train_every annotations, PROJECT_FIRST_SEEN for a project id not
 * seen before, and the configured command.  Failures are logged through
 * req and never touch the recorded event.
 */
void follow_event(const struct config *cfg, struct store *st,
    struct request *req, const struct event *ev, enum lsh_family family);

#endif /* LSH_FOLLOW_H */
