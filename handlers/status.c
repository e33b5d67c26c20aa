/*
 * status.c: the status endpoint behind www/status/, GET only.
 *
 * It answers one JSON object built from small files alone, so it costs
 * the same whatever the size of the logs: the counters the handlers keep
 * in state/stats.db (stats.c), the ontology views ontology/<id>.json, the
 * tail of training.jsonl read backwards from its end (bounded), statvfs
 * of the data directory, and the configuration in effect with every
 * secret masked.  Authentication is the handlers' own.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "handler.h"
#include "ontology.h"
#include "stats.h"

#define MAX_PROJECTS	500		/* ontology views listed */
#define TRAIN_RECENT	20		/* training.jsonl records listed */
#define TAIL_SCAN	(4 << 20)	/* bytes read backwards to find them */
#define TAIL_BLOCK	(64 << 10)
#define HEAD_READ	(64 << 10)	/* bytes of a record read for its envelope */

static void
json_str(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	buf_json_escape(b, s, strlen(s));
	buf_putc(b, '"');
}

/* 405 with the methods this endpoint takes (lsh_fail's are POST ones). */
static void
method_not_allowed(struct lsh_ctx *c, const char *m)
{
	req_log(&c->req, "%d %s (%s %s)", lsh_err_status(LSH_E_METHOD),
	    lsh_err_message(LSH_E_METHOD), m ? m : "-",
	    req_param(&c->req, "REMOTE_ADDR") ? req_param(&c->req,
	    "REMOTE_ADDR") : "-");
	stats_note_error(c->cfg, &c->req, LSH_E_METHOD, NULL);
	req_fail(&c->req, LSH_E_METHOD, "Allow: GET, HEAD\r\n");
}

/* --- projects: the ontology views --------------------------------------- */

/* "<digits>.json": a view; anything else (locks, temp files) is not. */
static int
is_view(const char *name)
{
	size_t n = strspn(name, "0123456789");

	return n > 0 && n <= 18 && strcmp(name + n, ".json") == 0;
}

static int
by_number(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx = strspn(x, "0123456789"), ly = strspn(y, "0123456789");

	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
}

/* One "<id>":{"ontology":<view>} member: the view with its counts. */
static void
project_json(struct buf *b, const char *dir, const char *name, int first)
{
	struct buf view = { 0 };
	char why[4600];

	buf_printf(b, "%s\"%.*s\":{\"ontology\":", first ? "" : ",",
	    (int)strspn(name, "0123456789"), name);
	if (ontology_show(dir, strtoll(name, NULL, 10), &view, why,
	    sizeof(why)) == LSH_OK)
		buf_add(b, view.p, view.len);
	else
		buf_puts(b, "null");
	buf_putc(b, '}');
	buf_free(&view);
}

static void
projects_json(struct buf *b, const char *dir)
{
	char path[PATH_MAX], *names[MAX_PROJECTS];
	struct dirent *d;
	size_t n = 0, i;
	DIR *dp;

	buf_puts(b, "\"projects\":{");
	snprintf(path, sizeof(path), "%s/ontology", dir);
	dp = opendir(path);
	while (dp != NULL && n < MAX_PROJECTS && (d = readdir(dp)) != NULL)
		if (is_view(d->d_name) && (names[n] = strdup(d->d_name)) != NULL)
			n++;
	if (dp != NULL)
		closedir(dp);
	qsort(names, n, sizeof(names[0]), by_number);
	for (i = 0; i < n; i++) {
		project_json(b, dir, names[i], i == 0);
		free(names[i]);
	}
	buf_putc(b, '}');
}

/* --- training: the tail of training.jsonl --------------------------------- */

/*
 * Where the last lines of fd start, newest first: at most max of them,
 * reading at most TAIL_SCAN bytes backwards from the end.  Empty lines
 * are skipped.  Returns how many starts were found.
 */
static size_t
line_starts(int fd, off_t size, off_t *starts, size_t max)
{
	char *block = malloc(TAIL_BLOCK);
	off_t pos = size, end = size, lo;
	size_t n = 0;
	ssize_t k, i;

	if (block == NULL)
		return 0;
	while (pos > 0 && n < max && size - pos < TAIL_SCAN) {
		lo = pos > TAIL_BLOCK ? pos - TAIL_BLOCK : 0;
		k = pread(fd, block, (size_t)(pos - lo), lo);
		if (k != pos - lo)
			break;
		for (i = k - 1; i >= 0 && n < max; i--) {
			if (block[i] != '\n')
				continue;
			if (lo + i + 1 < end)
				starts[n++] = lo + i + 1;
			end = lo + i;
		}
		pos = lo;
	}
	if (pos == 0 && n < max && end > 0)
		starts[n++] = 0;
	free(block);
	return n;
}

/* The envelope of the record starting at off: its fields before "payload". */
static cJSON *
envelope_at(int fd, off_t off)
{
	static const char mark[] = ",\"payload\":";
	char *head = malloc(HEAD_READ + 2), *cut, *nl;
	cJSON *env = NULL;
	ssize_t k;

	if (head == NULL)
		return NULL;
	k = pread(fd, head, HEAD_READ, off);
	if (k > 0) {
		head[k] = '\0';
		nl = memchr(head, '\n', (size_t)k);
		if (nl != NULL)
			*nl = '\0';
		/* ",\"" never occurs inside a JSON string: the first is a key */
		cut = strstr(head, mark);
		if (cut != NULL)
			memcpy(cut, "}", 2);
		if (cut != NULL || nl != NULL)
			env = cJSON_Parse(head);
	}
	free(head);
	return env;
}

static void
scalar_member(struct buf *b, const cJSON *env, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(env, key);

	if (cJSON_IsString(v)) {
		buf_printf(b, ",\"%s\":", key);
		json_str(b, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		buf_printf(b, ",\"%s\":%.0f", key, v->valuedouble);
	} else if (v != NULL)
		buf_printf(b, ",\"%s\":null", key);
}

static void
training_record(struct buf *b, int fd, off_t off, int first)
{
	static const char *const keys[] = {
		"received_at", "action", "family", "project_id", "reason",
		"count", NULL
	};
	cJSON *env = envelope_at(fd, off);
	size_t i;

	buf_puts(b, first ? "{\"id\":" : ",{\"id\":");
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(env, "id")))
		json_str(b, cJSON_GetObjectItemCaseSensitive(env, "id")->valuestring);
	else
		buf_puts(b, "null");
	for (i = 0; keys[i] != NULL; i++)
		scalar_member(b, env, keys[i]);
	if (env == NULL)
		buf_puts(b, ",\"unreadable\":true");
	buf_putc(b, '}');
	cJSON_Delete(env);
}

static void
training_json(struct buf *b, const char *dir)
{
	char path[PATH_MAX];
	off_t starts[TRAIN_RECENT];
	struct stat st;
	size_t n = 0, i;
	int fd;

	buf_puts(b, "\"training\":[");
	snprintf(path, sizeof(path), "%s/%s", dir, store_name(LSH_LOG_TRAINING));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd != -1 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		n = line_starts(fd, st.st_size, starts, TRAIN_RECENT);
	for (i = 0; i < n; i++)
		training_record(b, fd, starts[i], i == 0);
	if (fd != -1)
		close(fd);
	buf_putc(b, ']');
}

/* --- disk and configuration ------------------------------------------------- */

static void
disk_json(struct buf *b, const char *dir)
{
	struct statvfs sv;

	if (statvfs(dir, &sv) == -1) {
		buf_puts(b, "\"disk\":null");
		return;
	}
	buf_printf(b, "\"disk\":{\"free_bytes\":%llu,\"total_bytes\":%llu}",
	    (unsigned long long)sv.f_bavail * sv.f_frsize,
	    (unsigned long long)sv.f_blocks * sv.f_frsize);
}

/* "HTTP_X_HUB_SIGNATURE_256" -> "X-Hub-Signature-256". */
static void
header_json(struct buf *b, const char *key, const char *param)
{
	char name[80];
	size_t i;
	int word = 1;

	buf_printf(b, ",\"%s\":", key);
	if (param == NULL || strncmp(param, "HTTP_", 5) != 0) {
		buf_puts(b, "null");
		return;
	}
	for (i = 0; param[5 + i] != '\0' && i + 1 < sizeof(name); i++) {
		name[i] = param[5 + i] == '_' ? '-' : (char)(word ?
		    param[5 + i] : tolower((unsigned char)param[5 + i]));
		word = name[i] == '-';
	}
	name[i] = '\0';
	json_str(b, name);
}

/* Whether s holds any configured secret (a command argument might). */
static int
holds_secret(const struct config *cfg, const char *s)
{
	size_t i;

	for (i = 0; i < cfg->nsecrets; i++)
		if (memmem(s, strlen(s), cfg->secrets[i].raw,
		    cfg->secrets[i].raw_len) != NULL)
			return 1;
	return 0;
}

static void
commands_json(struct buf *b, const struct config *cfg)
{
	size_t i, j;

	buf_puts(b, ",\"commands\":{");
	for (i = 0; i < cfg->ncommands; i++) {
		buf_printf(b, "%s\"LSHOOK_ON_", i ? "," : "");
		buf_json_escape(b, cfg->commands[i].key,
		    strlen(cfg->commands[i].key));
		buf_puts(b, "\":[");
		for (j = 0; cfg->commands[i].argv[j] != NULL; j++) {
			if (j > 0)
				buf_putc(b, ',');
			if (holds_secret(cfg, cfg->commands[i].argv[j]))
				buf_puts(b, "\"****\"");
			else
				json_str(b, cfg->commands[i].argv[j]);
		}
		buf_putc(b, ']');
	}
	buf_putc(b, '}');
}

static void
path_member(struct buf *b, const char *key, const struct watched *w)
{
	buf_printf(b, ",\"%s\":", key);
	if (w->path != NULL && w->exists)
		json_str(b, w->path);
	else
		buf_puts(b, "null");
}

/* The settings in effect; secrets are counted, never shown. */
static void
config_json(struct buf *b, const struct config *cfg)
{
	char modes[32];

	buf_puts(b, "\"config\":{\"LSHOOK_DATA_DIR\":");
	json_str(b, cfg->data_dir);
	path_member(b, "LSHOOK_CONFIG", &cfg->files[0]);
	buf_printf(b, ",\"LSHOOK_SECRET\":\"****\",\"secrets\":%zu",
	    cfg->nsecrets);
	path_member(b, "LSHOOK_SECRET_FILE", &cfg->files[1]);
	snprintf(modes, sizeof(modes), "%s%s%s",
	    cfg->auth & LSH_AUTH_HEADER ? ",header" : "",
	    cfg->auth & LSH_AUTH_HMAC ? ",hmac" : "",
	    cfg->auth & LSH_AUTH_STANDARD ? ",standard" : "");
	buf_printf(b, ",\"LSHOOK_AUTH\":\"%s\"", modes[0] ? modes + 1 : "");
	header_json(b, "LSHOOK_AUTH_HEADER", cfg->auth_header);
	header_json(b, "LSHOOK_HMAC_HEADER", cfg->hmac_header);
	buf_printf(b, ",\"LSHOOK_TOLERANCE\":%ld,\"LSHOOK_MAX_BODY\":%zu,"
	    "\"LSHOOK_FSYNC\":\"%s\",\"LSHOOK_MODEL_VERSION\":",
	    cfg->tolerance, cfg->max_body, cfg->fsync ? "always" : "never");
	json_str(b, cfg->model_version);
	buf_printf(b, ",\"LSHOOK_DEDUP_WINDOW\":%ld,\"LSHOOK_DEDUP_SLOTS\":%lu,"
	    "\"LSHOOK_TRAIN_EVERY\":%ld,\"LSHOOK_COMMAND_TIMEOUT\":%ld,"
	    "\"LSHOOK_COMMAND_MAX\":%ld", cfg->dedup_window, cfg->dedup_slots,
	    cfg->train_every, cfg->command_timeout, cfg->command_max);
	if (cfg->clock != 0)
		buf_printf(b, ",\"LSHOOK_CLOCK\":%lld", cfg->clock);
	commands_json(b, cfg);
	buf_putc(b, '}');
}

/* --- the answer ---------------------------------------------------------------- */

static void
serve(struct lsh_ctx *c)
{
	const char *m = req_param(&c->req, "REQUEST_METHOD");
	const char *dir;
	struct stats_state *st;
	struct buf b = { 0 };
	char now[40];

	if (m == NULL || (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0)) {
		method_not_allowed(c, m);
		return;
	}
	if (lsh_check_config(c) == -1 || lsh_authenticate_get(c) == -1)
		return;
	dir = c->cfg->data_dir;
	st = malloc(sizeof(*st));
	if (st == NULL) {
		lsh_fail(c, LSH_E_NOMEM, NULL);
		return;
	}
	if (stats_read(dir, st) == -1)
		req_log(&c->req, "status counters in '%s/state': %s", dir,
		    strerror(errno));
	lsh_timestamp(now, sizeof(now));
	buf_puts(&b, "{\"version\":\"" LSHOOK_VERSION "\",\"now\":");
	json_str(&b, now);
	buf_putc(&b, ',');
	stats_json(&b, st, (long long)time(NULL));
	buf_putc(&b, ',');
	projects_json(&b, dir);
	buf_putc(&b, ',');
	training_json(&b, dir);
	buf_putc(&b, ',');
	disk_json(&b, dir);
	buf_putc(&b, ',');
	config_json(&b, c->cfg);
	buf_add(&b, "}", 2);	/* with the NUL req_respond needs */
	lsh_respond_json(c, 200, &b);
	free(st);
}

int
main(void)
{
	return lsh_main("status", LSH_FAM_NONE, serve);
}
