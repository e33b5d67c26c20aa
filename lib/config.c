/*
 * config.c: settings from FastCGI params, the process environment and an
 * optional key=value file, in that order of precedence.
 *
 * Security settings fail closed: an unknown key, an unparsable value or a
 * missing secret leaves c->err set, and every request gets a 500 until it
 * is fixed.  Nothing falls back to a silent default.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <cjson/cJSON.h>

#include "auth.h"
#include "config.h"
#include "request.h"
#include "route.h"

#define MAX_CONFIG_FILE	(64 * 1024)
#define PREFIX		"LSHOOK_"

static const char *const known_keys[] = {
	"LSHOOK_CONFIG", "LSHOOK_DATA_DIR", "LSHOOK_SECRET",
	"LSHOOK_SECRET_FILE", "LSHOOK_AUTH", "LSHOOK_AUTH_HEADER",
	"LSHOOK_HMAC_HEADER", "LSHOOK_TOLERANCE", "LSHOOK_MAX_BODY",
	"LSHOOK_FSYNC", "LSHOOK_MODEL_VERSION", "LSHOOK_CLOCK",
	"LSHOOK_TRAIN_EVERY", "LSHOOK_COMMAND_TIMEOUT", "LSHOOK_COMMAND_MAX",
	"LSHOOK_DEDUP_WINDOW", "LSHOOK_DEDUP_SLOTS", NULL
};

/* What LSHOOK_ON_<KEY> may name besides the actions of the route table. */
static const char *const command_keys[] = {
	"TASKS", "ANNOTATIONS", "PROJECTS", "TRAINING", "PROJECT_FIRST_SEEN",
	"TRAIN_REQUESTED", NULL
};

#define ON_PREFIX "LSHOOK_ON_"

/*
 * The secrets printed in lshook's own examples, refused as secrets: a copied
 * example would let anyone who read it in.  The one list; the tests read
 * each from the file that ships it (config.bats), so a changed example
 * cannot slip past.
 */
static const char *const placeholder_secrets[] = {
	"change-me-to-a-long-random-secret",	/* lshook.conf.example (bundle.sh) */
	"change-me-to-a-long-random-string",	/* www/.htaccess */
	"<at least 16 characters; openssl rand -hex 32 makes one>", /* SHARED-HOSTING.md */
	"<output of openssl rand -hex 32>",	/* README.md, shared hosting */
	NULL
};

/* Where settings come from while one configuration is built. */
struct sources {
	char	**params;
	char	**env;
	char	 *file_text;	/* the config file, NUL-separated lines */
	size_t	  file_len;
	const char *file_path;	/* "'<the config file read>'", or NULL */
	char	  file_name[PATH_MAX + 40];
	int	  file_default;	/* it is <www>/../lshook.conf, not LSHOOK_CONFIG */
};

/* How the error log names each source (under CGI, SetEnv is environment). */
#define FROM_PARAMS	"the server's per-request settings (SetEnv)"
#define FROM_ENV	"the environment (or SetEnv, under CGI)"

static void
set_error(struct config *c, enum lsh_err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
set_error(struct config *c, enum lsh_err e, const char *fmt, ...)
{
	va_list ap;

	if (c->err != LSH_OK)
		return;
	c->err = e;
	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
}

static const char *
vec_lookup(char **v, const char *key)
{
	size_t len = strlen(key);

	for (; v != NULL && *v != NULL; v++)
		if (strncmp(*v, key, len) == 0 && (*v)[len] == '=')
			return *v + len + 1;
	return NULL;
}

/* The file's "KEY=value" lines, NUL-separated, already trimmed. */
static const char *
file_lookup(const struct sources *s, const char *key)
{
	size_t len = strlen(key), off;
	const char *line;

	for (off = 0; off < s->file_len; off += strlen(line) + 1) {
		line = s->file_text + off;
		if (strncmp(line, key, len) == 0 && line[len] == '=')
			return line + len + 1;
	}
	return NULL;
}

/*
 * A setting's value, or NULL when unset or empty; *where (when not NULL)
 * names the source it came from, for the error log.
 */
static const char *
lookup_from(const struct sources *s, const char *key, const char **where)
{
	const char *v, *from = FROM_PARAMS;

	v = vec_lookup(s->params, key);
	if (v == NULL) {
		v = vec_lookup(s->env, key);
		from = FROM_ENV;
	}
	if (v == NULL && s->file_text != NULL) {
		v = file_lookup(s, key);
		from = s->file_path;
	}
	if (where != NULL)
		*where = from;
	return v != NULL && *v != '\0' ? v : NULL;
}

static const char *
lookup(const struct sources *s, const char *key)
{
	return lookup_from(s, key, NULL);
}

/* Whether "LSHOOK_ON_<KEY>=..." names a family or an action. */
static int
is_command_key(const char *kv)
{
	const struct route *r;
	size_t i, len;

	if (strncmp(kv, ON_PREFIX, strlen(ON_PREFIX)) != 0)
		return 0;
	kv += strlen(ON_PREFIX);
	len = strcspn(kv, "=");
	for (i = 0; command_keys[i] != NULL; i++)
		if (strlen(command_keys[i]) == len &&
		    strncmp(kv, command_keys[i], len) == 0)
			return 1;
	/* canonical names only: commands are looked up by them */
	for (r = lsh_routes; r->action != NULL; r++)
		if (strcmp(r->action, r->canonical) == 0 &&
		    strlen(r->action) == len && strncmp(kv, r->action, len) == 0)
			return 1;
	return 0;
}

static int
is_known(const char *kv)
{
	size_t i, len;

	if (is_command_key(kv))
		return 1;
	for (i = 0; known_keys[i] != NULL; i++) {
		len = strlen(known_keys[i]);
		if (strncmp(kv, known_keys[i], len) == 0 && kv[len] == '=')
			return 1;
	}
	return 0;
}

static void
check_keys(struct config *c, char **v, const char *where)
{
	char name[64];

	for (; v != NULL && *v != NULL; v++) {
		if (strncmp(*v, PREFIX, strlen(PREFIX)) != 0 || is_known(*v))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(*v, "="), *v);
		set_error(c, LSH_E_CONFIG, "unknown setting '%s' in %s", name,
		    where);
	}
}

/* Read a small file whole; NULL and errno on failure. */
static char *
slurp(const char *path, size_t *lenp, struct watched *w)
{
	struct stat st;
	char *text = NULL;
	ssize_t k;
	int fd;

	/* Watch the path even when it is missing: creating it is a change. */
	free(w->path);
	w->path = strdup(path);
	w->exists = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > MAX_CONFIG_FILE) {
		errno = EFBIG;
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (text == NULL)
		goto out;
	k = read(fd, text, (size_t)st.st_size);
	if (k != st.st_size) {
		free(text);
		text = NULL;
		errno = EIO;
		goto out;
	}
	text[k] = '\0';
	*lenp = (size_t)k;
	w->exists = 1;
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	w->size = st.st_size;
	w->mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL +
	    st.st_mtim.tv_nsec;
out:
	close(fd);
	return text;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/*
 * Turn the config file into NUL-separated "KEY=value" lines in place,
 * dropping blanks and comments.  Returns 0, or -1 with c->err set.
 */
static int
parse_file(struct config *c, struct sources *s, const char *path)
{
	char *line, *next, *eq, *key, *val, *out;
	size_t lineno = 0, n, klen;

	out = s->file_text;
	for (line = s->file_text; line != NULL; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			set_error(c, LSH_E_CONFIG, "%s:%zu: expected KEY=value",
			    path, lineno);
			return -1;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		klen = strlen(key);
		n = strlen(val);
		memmove(out, key, klen);	/* out never passes key: lines shrink */
		out[klen] = '=';
		memmove(out + klen + 1, val, n);
		out[klen + 1 + n] = '\0';
		if (!is_known(out) || strncmp(out, "LSHOOK_CONFIG=", 14) == 0) {
			/* Echo only what looks like a setting name: a stray line
			 * may be a secret (openssl rand -base64 32 >> file). */
			if (klen <= 64 && strncmp(out, PREFIX, strlen(PREFIX)) == 0 &&
			    strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == klen)
				set_error(c, LSH_E_CONFIG, "%s:%zu: unknown setting "
				    "'%.*s'", path, lineno, (int)klen, out);
			else
				set_error(c, LSH_E_CONFIG, "%s:%zu: not a LSHOOK_ "
				    "setting (KEY=value expected)", path, lineno);
			return -1;
		}
		n += klen + 1;
		out += n + 1;
	}
	s->file_len = (size_t)(out - s->file_text);
	return 0;
}

/*
 * The defaults for a handler installed as <root>/hooks/<name>.fcgi, the
 * layout of www/: <root>/../lshook-data and <root>/../lshook.conf, beside
 * the document root and so never served.  "" for a handler elsewhere.
 */
/* For a handler running as <dir>/<docroot>/hooks/<name>: <dir>, or "". */
static const char *
install_root(void)
{
	static char root[PATH_MAX];
	static int done;
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (done)
		return root;
	done = 1;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return root;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL || slash - exe < 6 || strncmp(slash - 6, "/hooks", 6) != 0)
		return root;
	slash[-6] = '\0';
	slash = strrchr(exe, '/');
	if (slash != NULL) {
		*slash = '\0';
		snprintf(root, sizeof(root), "%s", exe);
	}
	return root;
}

/*
 * The defaults for a handler installed as <www>/hooks/<name>.fcgi, the
 * layout of www/: <www>/../lshook-data and <www>/../lshook.conf, beside
 * the document root and so never served.  NULL for a handler elsewhere.
 * The returned string is overwritten by the next call.
 */
static const char *
default_path(const char *leaf)
{
	static char path[PATH_MAX + 32];
	const char *root = install_root();

	if (root[0] == '\0')
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", root, leaf);
	return path;
}

static void
load_file(struct config *c, struct sources *s)
{
	const char *path = vec_lookup(s->params, "LSHOOK_CONFIG");
	int fallback = 0;

	if (path == NULL)
		path = vec_lookup(s->env, "LSHOOK_CONFIG");
	if (path == NULL || *path == '\0') {
		path = default_path("lshook.conf");
		fallback = 1;
	}
	if (path == NULL)
		return;
	s->file_default = fallback;
	s->file_text = slurp(path, &s->file_len, &c->files[0]);
	if (s->file_text != NULL) {
		snprintf(s->file_name, sizeof(s->file_name), "'%s'", path);
		s->file_path = s->file_name;
	}
	if (s->file_text == NULL) {
		if (fallback && errno == ENOENT)
			return;	/* no default file: fine, still watched */
		set_error(c, LSH_E_CONFIG, "cannot read %s '%s': %s",
		    fallback ? "the default config" : "LSHOOK_CONFIG", path,
		    strerror(errno));
		return;
	}
	parse_file(c, s, path);
}

/*
 * Whether a secret is one of lshook's examples: listed above, or any value
 * in angle brackets (how the documentation writes "put yours here").
 */
static int
is_placeholder(const char *s, size_t len)
{
	size_t i;

	if (len >= 2 && s[0] == '<' && s[len - 1] == '>')
		return 1;
	for (i = 0; placeholder_secrets[i] != NULL; i++)
		if (strlen(placeholder_secrets[i]) == len &&
		    memcmp(placeholder_secrets[i], s, len) == 0)
			return 1;
	return 0;
}

/*
 * Which config file was tried, for a "not configured" line: a subfolder
 * install finds no lshook.conf beside the document root, and the user
 * must see the path that was looked for.  Returns buf.
 */
static const char *
config_file_tried(const struct sources *s, const struct config *c, char *buf,
    size_t bufsz)
{
	const struct watched *w = &c->files[0];

	if (w->path == NULL)
		snprintf(buf, bufsz, "no config file (LSHOOK_CONFIG is not set, "
		    "and the handler is not in a hooks/ folder)");
	else if (!w->exists)
		snprintf(buf, bufsz, "the default config '%s' (not found; name "
		    "yours with SetEnv LSHOOK_CONFIG)", w->path);
	else
		snprintf(buf, bufsz, "%s '%s'", s->file_default ?
		    "the default config" : "LSHOOK_CONFIG", w->path);
	return buf;
}

static int
add_secret(struct config *c, const char *s, size_t len, const char *where)
{
	struct secret *sec;

	if (is_placeholder(s, len)) {
		set_error(c, LSH_E_CONFIG, "%s is the example's placeholder, "
		    "not a secret: put your own (openssl rand -hex 32 makes one)",
		    where);
		return -1;
	}
	if (len < LSH_MIN_SECRET) {
		set_error(c, LSH_E_CONFIG, "a secret in %s is shorter than %d "
		    "characters", where, LSH_MIN_SECRET);
		return -1;
	}
	if (c->nsecrets == LSH_MAX_SECRETS) {
		set_error(c, LSH_E_CONFIG, "more than %d secrets", LSH_MAX_SECRETS);
		return -1;
	}
	sec = &c->secrets[c->nsecrets];
	sec->raw = sodium_malloc(len + 1);
	if (sec->raw == NULL) {
		set_error(c, LSH_E_CONFIG, "out of memory for secrets");
		return -1;
	}
	memcpy(sec->raw, s, len);
	sec->raw[len] = '\0';
	sec->raw_len = len;
	c->nsecrets++;
	auth_prepare_secret(sec, (c->auth & LSH_AUTH_STANDARD) != 0);
	return 0;
}

/* Add each entry of a list split at any of seps. */
static void
add_secrets(struct config *c, char *list, const char *seps, const char *where)
{
	char *p, *next, *t;

	for (p = list; p != NULL; p = next) {
		next = strpbrk(p, seps);
		if (next != NULL)
			*next++ = '\0';
		t = trim(p);
		if (*t == '\0' || (*t == '#' && strcmp(seps, "\n") == 0))
			continue;
		if (add_secret(c, t, strlen(t), where) == -1)
			return;
	}
}

/*
 * A secret setting that the config file and the server (SetEnv, the
 * environment) give different values is refused: SetEnv LSHOOK_SECRET in
 * .htaccess would otherwise silently replace the one in lshook.conf, and
 * the secret Label Studio was given would get 401 (README, "Settings").
 * The same value twice is harmless.  Between the server's own two (a
 * per-request FastCGI param over the process environment) the documented
 * precedence holds: one server configuration, one intent.
 */
static void
check_secret_sources(struct config *c, const struct sources *s,
    const char *key)
{
	const char *v[2], *from[2] = { FROM_PARAMS, FROM_ENV }, *f;
	size_t i;

	if (s->file_text == NULL || (f = file_lookup(s, key)) == NULL ||
	    *f == '\0')
		return;
	v[0] = vec_lookup(s->params, key);
	v[1] = vec_lookup(s->env, key);
	for (i = 0; i < 2; i++)
		if (v[i] != NULL && *v[i] != '\0' && strcmp(v[i], f) != 0)
			set_error(c, LSH_E_CONFIG, "%s is set both in %s and in "
			    "%s, differently: the first would override the "
			    "second; keep one", key, from[i], s->file_path);
}

static void
load_secrets(struct config *c, const struct sources *s)
{
	const char *from, *v = lookup_from(s, "LSHOOK_SECRET", &from);
	char *copy, where[PATH_MAX + 64];
	size_t len;

	check_secret_sources(c, s, "LSHOOK_SECRET");
	check_secret_sources(c, s, "LSHOOK_SECRET_FILE");
	if (c->err != LSH_OK)
		return;
	if (v != NULL) {
		copy = strdup(v);
		if (copy == NULL) {
			set_error(c, LSH_E_CONFIG, "out of memory");
			return;
		}
		snprintf(where, sizeof(where), "LSHOOK_SECRET from %s", from);
		add_secrets(c, copy, ",", where);
		sodium_memzero(copy, strlen(v));
		free(copy);
	}
	v = lookup(s, "LSHOOK_SECRET_FILE");
	if (v != NULL) {
		copy = slurp(v, &len, &c->files[1]);
		if (copy == NULL) {
			set_error(c, LSH_E_CONFIG, "cannot read "
			    "LSHOOK_SECRET_FILE '%s': %s", v, strerror(errno));
			return;
		}
		snprintf(where, sizeof(where), "LSHOOK_SECRET_FILE '%s'", v);
		add_secrets(c, copy, "\n", where);
		sodium_memzero(copy, len);
		free(copy);
	}
}

static void
load_auth(struct config *c, const struct sources *s)
{
	const char *v = lookup(s, "LSHOOK_AUTH");
	char list[128], *p, *next;

	c->auth = LSH_AUTH_HEADER;
	if (v == NULL)
		return;
	if (strlen(v) >= sizeof(list)) {
		set_error(c, LSH_E_CONFIG, "LSHOOK_AUTH is too long");
		return;
	}
	strcpy(list, v);
	c->auth = 0;
	for (p = list; p != NULL; p = next) {
		next = strchr(p, ',');
		if (next != NULL)
			*next++ = '\0';
		p = trim(p);
		if (strcmp(p, "header") == 0)
			c->auth |= LSH_AUTH_HEADER;
		else if (strcmp(p, "hmac") == 0)
			c->auth |= LSH_AUTH_HMAC;
		else if (strcmp(p, "standard") == 0)
			c->auth |= LSH_AUTH_STANDARD;
		else {
			/* echo a short word only: never a misplaced secret */
			if (strlen(p) <= 16 && strspn(p, "abcdefghijklmnopqrstuvwxyz") ==
			    strlen(p))
				set_error(c, LSH_E_CONFIG, "LSHOOK_AUTH: unknown mode "
				    "'%s' (use header, hmac, standard)", p);
			else
				set_error(c, LSH_E_CONFIG, "LSHOOK_AUTH: unknown mode "
				    "(use header, hmac, standard)");
			return;
		}
	}
}

/*
 * "X-Webhook-Token" -> "HTTP_X_WEBHOOK_TOKEN".  Names with anything but
 * letters, digits and dashes are refused: Apache drops headers whose
 * names hold an underscore.
 */
static char *
header_param(struct config *c, const char *key, const char *name)
{
	size_t i, len = strlen(name);
	char *p;

	if (len == 0 || len > 64 || strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != len) {
		set_error(c, LSH_E_CONFIG, "%s: header names take letters, "
		    "digits and dashes only", key);
		return NULL;
	}
	if (strcasecmp(name, "Authorization") == 0 ||
	    strcasecmp(name, "Content-Type") == 0 ||
	    strcasecmp(name, "Content-Length") == 0) {
		set_error(c, LSH_E_CONFIG, "%s: '%s' cannot carry a secret",
		    key, name);
		return NULL;
	}
	p = malloc(len + 6);
	if (p == NULL)
		return NULL;
	memcpy(p, "HTTP_", 5);
	for (i = 0; i < len; i++)
		p[5 + i] = name[i] == '-' ? '_' :
		    (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
	p[5 + len] = '\0';
	return p;
}

static void
load_limits(struct config *c, const struct sources *s)
{
	const char *v;
	size_t n;

	c->max_body = LSH_DEFAULT_MAX_BODY;
	v = lookup(s, "LSHOOK_MAX_BODY");
	if (v != NULL && (parse_size(v, LSH_MAX_MAX_BODY, &c->max_body) == -1 ||
	    c->max_body == 0))
		set_error(c, LSH_E_CONFIG, "LSHOOK_MAX_BODY must be a byte count "
		    "from 1 to %lu", LSH_MAX_MAX_BODY);
	c->tolerance = LSH_DEFAULT_TOLERANCE;
	v = lookup(s, "LSHOOK_TOLERANCE");
	if (v != NULL) {
		if (parse_size(v, 86400, &n) == -1 || n == 0)
			set_error(c, LSH_E_CONFIG, "LSHOOK_TOLERANCE must be "
			    "seconds from 1 to 86400");
		else
			c->tolerance = (long)n;
	}
	v = lookup(s, "LSHOOK_CLOCK");
	if (v != NULL) {
		if (parse_size(v, (size_t)1 << 40, &n) == -1)
			set_error(c, LSH_E_CONFIG, "LSHOOK_CLOCK must be a Unix time");
		else
			c->clock = (long long)n;
	}
}

static void
load_storage(struct config *c, const struct sources *s)
{
	const char *v = lookup(s, "LSHOOK_FSYNC");
	char tried[PATH_MAX + 128];

	c->fsync = 1;
	if (v != NULL && strcmp(v, "never") == 0)
		c->fsync = 0;
	else if (v != NULL && strcmp(v, "always") != 0)
		set_error(c, LSH_E_CONFIG, "LSHOOK_FSYNC must be always or never");
	v = lookup(s, "LSHOOK_DATA_DIR");
	if (v == NULL)
		v = default_path("lshook-data");
	if (v == NULL) {
		set_error(c, LSH_E_NOT_CONFIGURED, "LSHOOK_DATA_DIR is not set "
		    "(looked in " FROM_PARAMS ", " FROM_ENV " and %s)",
		    config_file_tried(s, c, tried, sizeof(tried)));
		return;
	}
	if (v[0] != '/') {
		set_error(c, LSH_E_CONFIG, "LSHOOK_DATA_DIR must be an "
		    "absolute path");
		return;
	}
	c->data_dir = strdup(v);
}

static void
load_model_version(struct config *c, const struct sources *s)
{
	const char *v = lookup(s, "LSHOOK_MODEL_VERSION");
	const char *p;

	if (v == NULL)
		v = "lshook-" LSHOOK_VERSION;
	for (p = v; *p != '\0'; p++)
		if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\') {
			set_error(c, LSH_E_CONFIG, "LSHOOK_MODEL_VERSION "
			    "takes printable ASCII without quotes or spaces");
			return;
		}
	if (p - v > 64) {
		set_error(c, LSH_E_CONFIG, "LSHOOK_MODEL_VERSION is too long");
		return;
	}
	c->model_version = strdup(v);
}

static void
load_headers(struct config *c, const struct sources *s)
{
	const char *v;

	v = lookup(s, "LSHOOK_AUTH_HEADER");
	if (v != NULL)
		c->auth_header = header_param(c, "LSHOOK_AUTH_HEADER", v);
	v = lookup(s, "LSHOOK_HMAC_HEADER");
	c->hmac_header = header_param(c, "LSHOOK_HMAC_HEADER",
	    v != NULL ? v : "X-Hub-Signature-256");
}

/* '["/usr/bin/prog", "arg"]' -> cmd->argv; 0, or -1 with c->err set. */
static int
parse_command(struct config *c, struct command *cmd, const char *key,
    const char *value)
{
	cJSON *a = cJSON_Parse(value), *s;
	struct stat st;
	int n = 0;

	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < 1 ||
	    cJSON_GetArraySize(a) > LSH_MAX_ARGS) {
		set_error(c, LSH_E_CONFIG, "%s must be a JSON array of 1 to %d "
		    "strings: the program and its arguments", key, LSH_MAX_ARGS);
		cJSON_Delete(a);
		return -1;
	}
	cJSON_ArrayForEach(s, a) {
		if (!cJSON_IsString(s) || (cmd->argv[n] = strdup(s->valuestring)) == NULL) {
			set_error(c, LSH_E_CONFIG, "%s: arguments must be strings", key);
			break;
		}
		n++;
	}
	cJSON_Delete(a);
	if (c->err != LSH_OK)
		return -1;
	if (cmd->argv[0][0] != '/' || stat(cmd->argv[0], &st) == -1 ||
	    !S_ISREG(st.st_mode) || access(cmd->argv[0], X_OK) == -1 ||
	    (st.st_mode & 0111) == 0) {
		set_error(c, LSH_E_CONFIG, "%s: '%s' is not an executable file "
		    "given by its absolute path", key, cmd->argv[0]);
		return -1;
	}
	return 0;
}

static int
has_command(const struct config *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->ncommands; i++)
		if (strcmp(c->commands[i].key, key) == 0)
			return 1;
	return 0;
}

/* Every LSHOOK_ON_ key of one source, with the value lookup() gives. */
static void
load_commands_from(struct config *c, const struct sources *s, char **v)
{
	char key[96];
	struct command *cmd;
	const char *value;
	size_t len;

	for (; v != NULL && *v != NULL && c->err == LSH_OK; v++) {
		if (strncmp(*v, ON_PREFIX, strlen(ON_PREFIX)) != 0)
			continue;
		len = strcspn(*v, "=");
		if (len >= sizeof(key))
			continue;
		memcpy(key, *v, len);
		key[len] = '\0';
		if (has_command(c, key + strlen(ON_PREFIX)) ||
		    (value = lookup(s, key)) == NULL)
			continue;
		if (c->ncommands == LSH_MAX_COMMANDS) {
			set_error(c, LSH_E_CONFIG, "more than %d LSHOOK_ON_ commands",
			    LSH_MAX_COMMANDS);
			return;
		}
		cmd = &c->commands[c->ncommands++];
		cmd->key = strdup(key + strlen(ON_PREFIX));
		if (cmd->key == NULL || parse_command(c, cmd, key, value) == -1)
			return;
	}
}

static void
load_commands(struct config *c, const struct sources *s)
{
	char **lines = NULL;
	size_t n = 0, off;

	load_commands_from(c, s, s->params);
	load_commands_from(c, s, s->env);
	if (s->file_text != NULL) {
		for (off = 0; off < s->file_len; off += strlen(s->file_text + off) + 1)
			n++;
		lines = calloc(n + 1, sizeof(*lines));
		if (lines == NULL)
			return;
		for (n = 0, off = 0; off < s->file_len;
		    off += strlen(s->file_text + off) + 1)
			lines[n++] = s->file_text + off;
		load_commands_from(c, s, lines);
		free(lines);
	}
}

static void
load_number(struct config *c, const struct sources *s, const char *key,
    long *out, long dflt, long min, long max)
{
	const char *v = lookup(s, key);
	size_t n;

	*out = dflt;
	if (v == NULL)
		return;
	if (parse_size(v, (size_t)max, &n) == -1 || (long)n < min) {
		set_error(c, LSH_E_CONFIG, "%s must be a number from %ld to %ld",
		    key, min, max);
		return;
	}
	*out = (long)n;
}

static void
load_dedup(struct config *c, const struct sources *s)
{
	long slots;

	load_number(c, s, "LSHOOK_DEDUP_WINDOW", &c->dedup_window, 86400, 0,
	    30L * 86400);
	load_number(c, s, "LSHOOK_DEDUP_SLOTS", &slots, 65536, 1024, 1L << 24);
	c->dedup_slots = (unsigned long)slots;
}

static void
load_jobs(struct config *c, const struct sources *s)
{
	load_number(c, s, "LSHOOK_TRAIN_EVERY", &c->train_every, 0, 0, 1000000);
	load_number(c, s, "LSHOOK_COMMAND_TIMEOUT", &c->command_timeout, 30, 1,
	    86400);
	load_number(c, s, "LSHOOK_COMMAND_MAX", &c->command_max, 4, 1, 64);
	load_commands(c, s);
}

char *const *
config_command(const struct config *c, const char *family, const char *action)
{
	char fam[32];
	size_t i;

	for (i = 0; i < c->ncommands; i++)
		if (action != NULL && strcmp(c->commands[i].key, action) == 0)
			return c->commands[i].argv;
	for (i = 0; family != NULL && family[i] != '\0' && i + 1 < sizeof(fam); i++)
		fam[i] = (char)(family[i] >= 'a' && family[i] <= 'z' ?
		    family[i] - 32 : family[i]);
	fam[i] = '\0';
	for (i = 0; family != NULL && i < c->ncommands; i++)
		if (strcmp(c->commands[i].key, fam) == 0)
			return c->commands[i].argv;
	return NULL;
}

static void
check_auth(struct config *c, const struct sources *s)
{
	char tried[PATH_MAX + 128];
	size_t i, usable = 0;

	if (c->nsecrets == 0) {
		set_error(c, LSH_E_NOT_CONFIGURED, "no secret: set "
		    "LSHOOK_SECRET or LSHOOK_SECRET_FILE (looked in " FROM_PARAMS
		    ", " FROM_ENV " and %s)",
		    config_file_tried(s, c, tried, sizeof(tried)));
		return;
	}
	for (i = 0; i < c->nsecrets; i++)
		if (c->secrets[i].sw_key != NULL)
			usable++;
	if ((c->auth & LSH_AUTH_STANDARD) && usable == 0)
		set_error(c, LSH_E_CONFIG, "LSHOOK_AUTH has standard but no "
		    "secret is a whsec_ base64 key");
}

void
config_build(struct config *c, char **params, char **env)
{
	static struct sources s;	/* a path buffer: off the stack */

	memset(&s, 0, sizeof(s));
	s.params = params;
	s.env = env;
	memset(c, 0, sizeof(*c));
	check_keys(c, params, "the server's FastCGI params");
	check_keys(c, env, "the environment");
	load_file(c, &s);
	load_storage(c, &s);
	load_auth(c, &s);
	load_secrets(c, &s);
	load_headers(c, &s);
	load_limits(c, &s);
	load_model_version(c, &s);
	load_jobs(c, &s);
	load_dedup(c, &s);
	if (c->err == LSH_OK)
		check_auth(c, &s);
	if (c->err == LSH_OK && (c->data_dir == NULL || c->model_version == NULL ||
	    c->hmac_header == NULL))
		set_error(c, LSH_E_CONFIG, "out of memory");
	if (s.file_text != NULL) {
		sodium_memzero(s.file_text, s.file_len);
		free(s.file_text);
	}
}

void
config_free(struct config *c)
{
	size_t i, j;

	for (i = 0; i < c->nsecrets; i++) {
		sodium_free(c->secrets[i].raw);
		sodium_free(c->secrets[i].sw_key);
	}
	for (i = 0; i < 2; i++)
		free(c->files[i].path);
	for (i = 0; i < c->ncommands; i++) {
		free(c->commands[i].key);
		for (j = 0; c->commands[i].argv[j] != NULL; j++)
			free(c->commands[i].argv[j]);
	}
	free(c->data_dir);
	free(c->auth_header);
	free(c->hmac_header);
	free(c->model_version);
	sodium_memzero(c, sizeof(*c));
}

int
config_stale(const struct config *c)
{
	const struct watched *w;
	struct stat st;
	size_t i;

	for (i = 0; i < 2; i++) {
		w = &c->files[i];
		if (w->path == NULL)
			continue;
		if (stat(w->path, &st) == -1) {
			if (w->exists)
				return 1;
			continue;
		}
		if (!w->exists || st.st_dev != w->dev ||
		    st.st_ino != w->ino || st.st_size != w->size ||
		    (long long)st.st_mtim.tv_sec * 1000000000LL +
		    st.st_mtim.tv_nsec != w->mtime_ns)
			return 1;
	}
	return 0;
}

int
config_has_settings(char **params)
{
	for (; params != NULL && *params != NULL; params++)
		if (strncmp(*params, PREFIX, strlen(PREFIX)) == 0)
			return 1;
	return 0;
}

char **
envcopy(char **env)
{
	size_t n = 0, i = 0;
	char **copy;

	while (env != NULL && env[n] != NULL)
		n++;
	copy = calloc(n + 1, sizeof(*copy));
	if (copy == NULL)
		return NULL;
	for (; env != NULL && *env != NULL; env++) {
		if (strncmp(*env, PREFIX, strlen(PREFIX)) != 0)
			continue;
		copy[i] = strdup(*env);
		if (copy[i] == NULL)
			break;
		i++;
	}
	return copy;
}

void
envcopy_free(char **copy)
{
	size_t i;

	for (i = 0; copy != NULL && copy[i] != NULL; i++) {
		sodium_memzero(copy[i], strlen(copy[i]));
		free(copy[i]);
	}
	free(copy);
}
