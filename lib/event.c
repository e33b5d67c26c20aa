/*
 * event.c: from a request body to one JSONL record.
 *
 * The record is {"v","id","received_at","action","family",["endpoint",
 * "reason",]"project_id","task_ids","annotation_ids","payload"}.  Ids and
 * the action are copied as the raw tokens the sender wrote, so nothing is
 * re-printed through a double.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "annidx.h"
#include "event.h"
#include "sha256.h"

/*
 * A webhook-id goes into the log verbatim: printable ASCII, no quotes.
 * '@' is lshook's own (<id>@<endpoint> in ignored.jsonl, which must not
 * meet a sender's id); Standard Webhooks ids never hold it.
 */
static int
valid_webhook_id(const char *id)
{
	size_t n = strlen(id), i;

	if (n == 0 || n > LSH_MAX_WEBHOOK_ID)
		return 0;
	for (i = 0; i < n; i++)
		if (id[i] < 0x21 || id[i] > 0x7e || id[i] == '"' || id[i] == '\\' ||
		    id[i] == '@')
			return 0;
	return 1;
}

static void
body_id(char *out, const char *body, size_t len)
{
	unsigned char h[crypto_hash_sha256_BYTES];

	lsh_sha256(h, body, len);
	memcpy(out, "sha256:", 7);
	sodium_bin2hex(out + 7, 2 * sizeof(h) + 1, h, sizeof(h));
}

static enum lsh_err
check_action(struct event *ev)
{
	const struct span *a = &ev->json.action;

	if (ev->json.action_count == 0)
		return LSH_E_NO_ACTION;
	if (ev->json.action_count > 1)
		return LSH_E_DUP_ACTION;
	if (!ev->json.action_string)
		return LSH_E_ACTION_TYPE;
	ev->action_tok = ev->body + a->off;
	if (json_string_decode(ev->body + a->off, a->len, ev->action,
	    sizeof(ev->action)) < 0)
		ev->action[0] = '\0';	/* too long or odd: an unknown action */
	ev->route = route_find(ev->action);
	return LSH_OK;
}

static enum lsh_err
parse_body(struct event *ev, const char *body, size_t len,
    const char *webhook_id)
{
	enum lsh_err e;

	memset(ev, 0, sizeof(*ev));
	ev->body = body;
	lsh_timestamp(ev->received_at, sizeof(ev->received_at));
	if (webhook_id != NULL) {
		if (!valid_webhook_id(webhook_id))
			return LSH_E_BAD_ID;
		memcpy(ev->id, webhook_id, strlen(webhook_id) + 1);
	} else
		body_id(ev->id, body, len);
	e = json_scan(body, len, &ev->payload, &ev->json);
	if (e == LSH_E_JSON) {
		ev->err = ev->json.err;
		ev->err_off = ev->json.err_off;
	}
	return e;
}

enum lsh_err
event_parse(struct event *ev, const char *body, size_t len,
    const char *webhook_id)
{
	enum lsh_err e = parse_body(ev, body, len, webhook_id);

	return e != LSH_OK ? e : check_action(ev);
}

enum lsh_err
event_parse_as(struct event *ev, const char *body, size_t len,
    const char *webhook_id, const char *action)
{
	enum lsh_err e = parse_body(ev, body, len, webhook_id);
	struct json_event *j = &ev->json;
	size_t n = strlen(action);

	if (e != LSH_OK)
		return e;
	if (n + 3 > sizeof(ev->action))
		return LSH_E_NOMEM;
	/* the action, and for the record its JSON token: it in quotes */
	memcpy(ev->action, action, n + 1);
	ev->given_tok[0] = '"';
	memcpy(ev->given_tok + 1, action, n);
	ev->given_tok[n + 1] = '"';
	ev->action_tok = ev->given_tok;
	j->action.len = n + 2;
	j->task_ids.n = j->annotation_ids.n = j->annotation_task_ids.n = 0;
	ev->route = route_find(ev->action);
	return LSH_OK;
}

static void
add_ids(struct buf *b, const char *body, const struct spans *ids)
{
	size_t i;

	buf_putc(b, '[');
	for (i = 0; i < ids->n; i++) {
		if (i > 0)
			buf_putc(b, ',');
		buf_add(b, body + ids->v[i].off, ids->v[i].len);
	}
	buf_putc(b, ']');
}

enum lsh_err
event_record(struct event *ev, const char *family, const char *endpoint,
    const char *reason, struct iovec iov[3])
{
	const struct span *a = &ev->json.action, *p = &ev->json.project_id;
	struct buf *b = &ev->head;

	b->len = 0;
	buf_printf(b, "{\"v\":%d,\"id\":\"%s\",\"received_at\":\"",
	    LSH_RECORD_VERSION, ev->id);
	ev->stamp_off = b->len;
	buf_puts(b, ev->received_at);
	buf_puts(b, "\",\"action\":");
	buf_add(b, ev->action_tok, a->len);
	if (family != NULL)
		buf_printf(b, ",\"family\":\"%s\"", family);
	else
		buf_puts(b, ",\"family\":null");
	if (reason != NULL) {
		buf_printf(b, ",\"endpoint\":\"%s\",\"reason\":\"", endpoint);
		buf_json_escape(b, reason, strlen(reason));
		buf_putc(b, '"');
	}
	buf_puts(b, ",\"project_id\":");
	if (p->len > 0)
		buf_add(b, ev->body + p->off, p->len);
	else
		buf_puts(b, "null");
	/* ANNOTATION_* payloads may carry the task only as annotation.task. */
	buf_puts(b, ",\"task_ids\":");
	if (ev->known_tasks.len > 0)
		buf_add(b, ev->known_tasks.p, ev->known_tasks.len);
	else
		add_ids(b, ev->body, ev->json.task_ids.n > 0 ?
		    &ev->json.task_ids : &ev->json.annotation_task_ids);
	buf_puts(b, ",\"annotation_ids\":");
	add_ids(b, ev->body, &ev->json.annotation_ids);
	buf_puts(b, ",\"payload\":");
	if (b->failed || ev->payload.failed)
		return LSH_E_NOMEM;
	iov[0].iov_base = b->p;
	iov[0].iov_len = b->len;
	iov[1].iov_base = ev->payload.p;
	iov[1].iov_len = ev->payload.len;
	iov[2].iov_base = (void *)"}\n";
	iov[2].iov_len = 2;
	memcpy(ev->rec, iov, sizeof(ev->rec));
	return LSH_OK;
}

char *
event_stamp(struct event *ev)
{
	if (ev->head.p == NULL || strlen(ev->received_at) != LSH_STAMP_LEN ||
	    ev->head.len < ev->stamp_off + LSH_STAMP_LEN)
		return NULL;
	return ev->head.p + ev->stamp_off;
}

void
event_stamped(struct event *ev, const char *stamp)
{
	if (stamp != NULL) {
		memcpy(ev->received_at, stamp, LSH_STAMP_LEN);
		ev->received_at[LSH_STAMP_LEN] = '\0';
	}
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

void
event_know_tasks(struct event *ev, const char *data_dir)
{
	const struct spans *a = &ev->json.annotation_ids;
	int64_t *ids, *tasks;
	size_t i, n = 0;

	if (ev->route == NULL || strcmp(ev->route->canonical,
	    "ANNOTATIONS_DELETED") != 0 || a->n == 0 || ev->json.task_ids.n > 0 ||
	    ev->json.annotation_task_ids.n > 0)
		return;
	ids = calloc(2 * a->n, sizeof(*ids));
	if (ids == NULL)
		return;	/* then the record lists no task, as before */
	tasks = ids + a->n;
	for (i = 0; i < a->n; i++)
		ids[i] = annidx_id(ev->body + a->v[i].off, a->v[i].len);
	if (annidx_lookup(data_dir, ids, a->n, tasks) == 0) {
		/* ascending, each once: sorted, so a big delete costs n log n */
		qsort(tasks, a->n, sizeof(*tasks), cmp_id);
		buf_putc(&ev->known_tasks, '[');
		for (i = 0; i < a->n; i++) {
			if (tasks[i] == 0 || (i > 0 && tasks[i - 1] == tasks[i]))
				continue;	/* unknown, or listed */
			buf_printf(&ev->known_tasks, "%s%lld", n++ ? "," : "",
			    (long long)tasks[i]);
		}
		buf_putc(&ev->known_tasks, ']');
		if (n == 0 || ev->known_tasks.failed)
			ev->known_tasks.len = 0;
	}
	free(ids);
}

int
event_has_identity(const struct event *ev, int has_webhook_id)
{
	if (has_webhook_id)
		return 1;
	if (ev->route == NULL || !ev->route->fresh)
		return 0;
	return ev->payload.len != strlen("{\"action\":}") + ev->json.action.len;
}

void
event_make_unique(struct event *ev)
{
	unsigned char r[8];
	size_t n = strlen(ev->id);

	randombytes_buf(r, sizeof(r));
	ev->id[n] = '.';
	sodium_bin2hex(ev->id + n + 1, sizeof(ev->id) - n - 1, r, sizeof(r));
}

void
event_scope(struct event *ev, const char *endpoint)
{
	size_t n = strlen(ev->id);

	snprintf(ev->id + n, sizeof(ev->id) - n, "@%s", endpoint);
}

void
event_free(struct event *ev)
{
	json_event_free(&ev->json);
	buf_free(&ev->payload);
	buf_free(&ev->head);
	buf_free(&ev->known_tasks);
}
