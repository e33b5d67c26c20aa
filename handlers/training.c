/*
 * training.c: the training endpoint, a Label Studio ML backend.
 *
 * Label Studio's ML client (label_studio/ml/api_connector.py, User-Agent
 * "heartex/<version>", Basic auth when the model has a user and password)
 * calls <url>/health, /setup, /predict, /versions, and for "Start
 * Training" POST /webhook {"action":"START_TRAINING",...} (or, before
 * Label Studio 1.12 and with the training flag off, POST /train).  Those
 * training requests go to training.jsonl after authentication, each press
 * its own record: two presses send the same bytes (ARCHITECTURE.md, "What
 * is deduplicated").
 *
 * Label Studio also creates a webhook to <url>/webhook for every
 * connected model; its sender (User-Agent "python-requests/<version>")
 * posts every project event there.  Those get 200 "Unknown event", as
 * from the reference ML backend, so Label Studio never counts them as
 * failures, and are not stored: the other endpoints record them.
 *
 * Credentials are optional on every route but the training requests; when
 * presented they must be right (401 otherwise), so that "Connect Model"
 * with a wrong password fails at once instead of at the first training.
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

/*
 * Credentials presented with a request must be right (checked once its
 * body is read: a signature covers it).  They can only be checked against
 * a valid configuration, so with a bad one they are answered with what is
 * wrong with it.  Returns 0 to go on, -1 once answered.
 */
static int
presented_credentials(struct lsh_ctx *c)
{
	if (c->cfg->err != LSH_OK)
		return req_param(&c->req, "HTTP_AUTHORIZATION") == NULL ? 0 :
		    lsh_check_config(c);
	return lsh_has_credentials(c) ? lsh_authenticate(c) : 0;
}

/*
 * UP only when lshook could record a training request: unconfigured, it
 * answers the configuration error (500), which Label Studio's Connect
 * Model shows as a failed health check, and the error log says why.
 */
static void
health(struct lsh_ctx *c)
{
	if (is_method(c, "GET") && lsh_check_config(c) == 0 &&
	    presented_credentials(c) == 0)
		req_respond(&c->req, 200, NULL,
		    "{\"status\":\"UP\",\"model_class\":\"lshook\"}");
}

/* The body holds a live API token (access_token): it is never stored. */
static void
setup(struct lsh_ctx *c)
{
	char json[128];

	if (lsh_check_config(c) == -1 || lsh_read_post(c) == -1 ||
	    presented_credentials(c) == -1)
		return;
	snprintf(json, sizeof(json), "{\"model_version\":\"%s\"}",
	    c->cfg->model_version);
	req_respond(&c->req, 200, NULL, json);
}

/*
 * No predictions: one empty list per task asked about.  Label Studio
 * (ml/models.py, _get_predictions_from_ml_backend) matches "results" to
 * its tasks by position and needs as many items as tasks; an item that is
 * an empty list is "no prediction for this task", the only answer it takes
 * without logging an error ({"results": []} is one).
 */
static void
predict(struct lsh_ctx *c)
{
	struct json_event je;
	struct buf out = { 0 }, b = { 0 };
	enum lsh_err e;
	size_t i;

	if (lsh_check_config(c) == -1 || lsh_read_post(c) == -1 ||
	    presented_credentials(c) == -1)
		return;
	e = json_scan(c->req.body, c->req.body_len, &out, &je);
	buf_free(&out);
	if (e != LSH_OK) {
		lsh_fail(c, e, e == LSH_E_JSON ? je.err : NULL);
		json_event_free(&je);
		return;
	}
	buf_puts(&b, "{\"results\":[");
	for (i = 0; i < je.task_ids.n; i++)
		buf_puts(&b, i > 0 ? ",[]" : "[]");
	buf_printf(&b, "]}");	/* NUL-terminated */
	json_event_free(&je);
	lsh_respond_json(c, 200, &b);
}

static void
versions(struct lsh_ctx *c)
{
	char json[128];

	if (!is_method(c, "GET") || lsh_check_config(c) == -1 ||
	    presented_credentials(c) == -1)
		return;
	snprintf(json, sizeof(json), "{\"versions\":[\"%s\"]}",
	    c->cfg->model_version);
	req_respond(&c->req, 200, NULL, json);
}

/* Whether the request comes from Label Studio's ML client. */
static int
from_ml_client(struct lsh_ctx *c)
{
	const char *ua = req_param(&c->req, "HTTP_USER_AGENT");

	return ua != NULL && strncmp(ua, "heartex/", 8) == 0;
}

/*
 * Whether an event posted to /webhook is a training request: START_TRAINING,
 * or the PROJECT_UPDATED that Label Studio 1.12's ML client sent for "Start
 * Training".  A PROJECT_UPDATED from the webhook sender is a project edit.
 */
static int
is_training_request(struct lsh_ctx *c, const struct event *ev)
{
	if (strcmp(ev->action, "START_TRAINING") == 0)
		return 1;
	return strcmp(ev->action, "PROJECT_UPDATED") == 0 && from_ml_client(c);
}

static void
webhook(struct lsh_ctx *c)
{
	if (lsh_check_config(c) == -1 || lsh_read_post(c) == -1 ||
	    lsh_parse_event(c) == -1)
		return;
	if (is_training_request(c, &c->ev)) {
		if (lsh_authenticate(c) == 0)
			lsh_record(c, LSH_LOG_TRAINING, NULL);
	} else if (presented_credentials(c) == 0)
		req_respond(&c->req, 200, NULL, "{\"status\":\"Unknown event\"}");
}

/*
 * The legacy training call: {"annotations": [tasks...], "project":
 * "<id>.<time>", "label_config", "params": {login, password}} with no
 * action, recorded as START_TRAINING (the params are redacted).
 */
static void
train(struct lsh_ctx *c)
{
	char detail[96];
	enum lsh_err e;

	if (lsh_check_config(c) == -1 || lsh_read_post(c) == -1 ||
	    lsh_authenticate(c) == -1)
		return;
	c->have_event = 1;
	e = event_parse_as(&c->ev, c->req.body, c->req.body_len,
	    req_param(&c->req, "HTTP_WEBHOOK_ID"), "START_TRAINING");
	if (e == LSH_E_JSON) {
		snprintf(detail, sizeof(detail), "%s at byte %zu", c->ev.err,
		    c->ev.err_off);
		lsh_fail(c, e, detail);
	} else if (e != LSH_OK)
		lsh_fail(c, e, NULL);
	else
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
	{ "/train", train },
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
