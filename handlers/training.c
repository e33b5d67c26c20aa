/*
 * training.c: the training endpoint, a Label Studio ML backend.
 *
 * Label Studio calls <url>/health, /setup, /webhook, /predict and
 * /versions.  Only /webhook records anything: START_TRAINING (and the
 * PROJECT_UPDATED that Label Studio 1.12 sent for "Start Training") go to
 * training.jsonl after authentication.  The other events Label Studio's
 * automatic model webhook posts there carry no credentials; they get 200
 * "Unknown event", as from the reference ML backend, so Label Studio
 * never counts them as failures.
 */
#include <stdio.h>
#include <string.h>

#include "handler.h"

static int
is_method(struct lsh_ctx *c, const char *want)
{
	const char *m = req_param(&c->req, "REQUEST_METHOD");

	if (m != NULL && (strcmp(m, want) == 0 ||
	    (strcmp(want, "GET") == 0 && strcmp(m, "HEAD") == 0)))
		return 1;
	lsh_fail(c, LSH_E_METHOD, NULL);
	return 0;
}

static void
health(struct lsh_ctx *c)
{
	if (is_method(c, "GET"))
		req_respond(&c->req, 200, NULL,
		    "{\"status\":\"UP\",\"model_class\":\"lshook\"}");
}

/* The body holds a live API token (access_token): it is never read. */
static void
setup(struct lsh_ctx *c)
{
	char json[128];

	if (!is_method(c, "POST") || lsh_check_config(c) == -1)
		return;
	snprintf(json, sizeof(json), "{\"model_version\":\"%s\"}",
	    c->cfg->model_version);
	req_respond(&c->req, 200, NULL, json);
}

static void
predict(struct lsh_ctx *c)
{
	if (is_method(c, "POST"))
		req_respond(&c->req, 200, NULL, "{\"results\":[]}");
}

static void
versions(struct lsh_ctx *c)
{
	char json[128];

	if (!is_method(c, "GET") || lsh_check_config(c) == -1)
		return;
	snprintf(json, sizeof(json), "{\"versions\":[\"%s\"]}",
	    c->cfg->model_version);
	req_respond(&c->req, 200, NULL, json);
}

/* Whether this event is a training request rather than model traffic. */
static int
is_training_request(struct lsh_ctx *c, const struct event *ev)
{
	if (strcmp(ev->action, "START_TRAINING") == 0)
		return 1;
	return strcmp(ev->action, "PROJECT_UPDATED") == 0 &&
	    lsh_has_credentials(c);
}

static void
webhook(struct lsh_ctx *c)
{
	if (lsh_check_config(c) == -1 || lsh_read_post(c) == -1 ||
	    lsh_parse_event(c) == -1)
		return;
	if (!is_training_request(c, &c->ev))
		req_respond(&c->req, 200, NULL, "{\"status\":\"Unknown event\"}");
	else if (lsh_authenticate(c) == 0)
		lsh_record(c, LSH_LOG_TRAINING, NULL);
}

static const struct {
	const char	*path;
	void		(*fn)(struct lsh_ctx *);
} routes[] = {
	{ "", health },
	{ "/", health },
	{ "/health", health },
	{ "/setup", setup },
	{ "/webhook", webhook },
	{ "/predict", predict },
	{ "/versions", versions },
};

static void
serve(struct lsh_ctx *c)
{
	const char *path = req_param(&c->req, "PATH_INFO");
	size_t i;

	if (path == NULL)
		path = "";
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(path, routes[i].path) == 0) {
			routes[i].fn(c);
			return;
		}
	}
	lsh_fail(c, LSH_E_NOT_FOUND, NULL);
}

int
main(void)
{
	return lsh_main("training", LSH_FAM_TRAINING, serve);
}
