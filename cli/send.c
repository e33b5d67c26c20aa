/*
 * send.c: "lshook send": post payloads the way Label Studio does, with
 * authentication, and print each answer.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "buf.h"
#include "cli.h"

static const char usage[] =
    "lshook send [-s SECRET | --secret-file FILE] "
    "[--scheme bearer|basic|hmac|standard]\n"
    "                   [--header 'Name: value']... [--timeout S] "
    "URL FILE|--all DIR";

static const char help[] =
"Post each payload as Label Studio does: the JSON parsed and written again\n"
"as Python's json.dumps writes it (one line, \", \" and \": \", non-ASCII as\n"
"\\uXXXX, \"action\" first), Content-Type: application/json, over plain HTTP.\n"
"Prints \"<file>: <status> <answer>\" per payload.\n"
"\n"
"  -s, --secret SECRET    the secret (default: the first of $LSHOOK_SECRET)\n"
"      --secret-file FILE the first secret in FILE\n"
"  -a, --scheme SCHEME    bearer (default with a secret): Authorization:\n"
"                         Bearer; basic: Basic lshook:<secret>; hmac:\n"
"                         X-Hub-Signature-256; standard: Standard Webhooks\n"
"  -H, --header 'N: V'    one more header (repeatable)\n"
"  -A, --all DIR          post every *.json of DIR, in name order\n"
"  -T, --timeout S        seconds to wait for each answer (default 10)\n"
"  -h, --help             print this help\n"
"\n"
"Without any secret nothing authenticates the requests.  https:// URLs are\n"
"refused.  Exit status: 0 every answer 2xx, 1 some other status, 2 error\n"
"(usage, unreadable file, no connection).\n";

#define MAX_HEADERS	32
#define MAX_FILE	(1u << 30)

enum scheme { SCH_NONE, SCH_BEARER, SCH_BASIC, SCH_HMAC, SCH_STANDARD };

struct send_opts {
	const char	*secret_arg;
	const char	*secret_file;
	char		*secret;
	enum scheme	 scheme;
	const char	*extra[MAX_HEADERS];
	size_t		 nextra;
	const char	*all;
	long		 timeout_ms;
	const char	*url;
	const char	*file;
};

static int
read_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL) {
		cli_error("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	do {
		if (buf_reserve(b, 65536) == -1)
			break;
		n = fread(b->p + b->len, 1, 65536, f);
		b->len += n;
	} while (n > 0 && b->len <= MAX_FILE);
	if (ferror(f) || b->failed || b->len > MAX_FILE) {
		cli_error("cannot read '%s': %s", path, b->len > MAX_FILE ?
		    "larger than 1 GiB" : b->failed ? "out of memory" :
		    strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* The authentication header lines for body into h; returns how many. */
static size_t
auth_headers(const struct send_opts *o, const struct buf *body,
    char h[3][512])
{
	char hex[65], id[29], ts[24], sig[128], *b64;
	struct buf up = { 0 };
	size_t n;

	switch (o->scheme) {
	case SCH_BEARER:
		snprintf(h[0], 512, "Authorization: Bearer %s", o->secret);
		return 1;
	case SCH_BASIC:
		if (strchr(o->secret, ':') == NULL)
			buf_puts(&up, "lshook:");
		buf_puts(&up, o->secret);
		n = sodium_base64_ENCODED_LEN(up.len,
		    sodium_base64_VARIANT_ORIGINAL);
		b64 = malloc(n);
		if (b64 == NULL || up.failed) {
			free(b64);
			buf_free(&up);
			return 0;
		}
		sodium_bin2base64(b64, n, (unsigned char *)up.p, up.len,
		    sodium_base64_VARIANT_ORIGINAL);
		snprintf(h[0], 512, "Authorization: Basic %s", b64);
		sodium_memzero(up.p, up.len);
		buf_free(&up);
		free(b64);
		return 1;
	case SCH_HMAC:
		cli_sign_hmac(o->secret, body->p, body->len, hex);
		snprintf(h[0], 512, "X-Hub-Signature-256: sha256=%s", hex);
		return 1;
	case SCH_STANDARD:
		cli_new_webhook_id(id);
		snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
		cli_sign_standard(o->secret, id, ts, body->p, body->len, sig,
		    sizeof(sig));
		snprintf(h[0], 512, "webhook-id: %s", id);
		snprintf(h[1], 512, "webhook-timestamp: %s", ts);
		snprintf(h[2], 512, "webhook-signature: %s", sig);
		return 3;
	default:
		return 0;
	}
}

/* The answer on one line: line breaks and other controls as spaces. */
static void
print_answer(const char *file, const struct http_answer *a)
{
	size_t i, n = a->len;

	while (n > 0 && strchr(" \t\r\n", a->body[n - 1]) != NULL)
		n--;
	printf("%s: %d ", file, a->status);
	for (i = 0; i < n; i++)
		putchar((unsigned char)a->body[i] < 0x20 ? ' ' : a->body[i]);
	putchar('\n');
	fflush(stdout);
}

/* Post one file.  CLI_OK for a 2xx answer, CLI_DIFFERENT, or CLI_ERROR. */
static int
send_one(const struct send_opts *o, const char *path)
{
	const char *hdrs[MAX_HEADERS + 6];
	char auth[3][512], why[512];
	struct buf raw = { 0 }, body = { 0 };
	struct http_answer a;
	size_t n = 0, i, na;
	int rc = CLI_ERROR;

	if (read_file(path, &raw) == -1)
		goto out;
	if (cli_pyjson(&body, raw.p, raw.len, why, sizeof(why)) == -1) {
		cli_error("'%s': %s", path, why);
		goto out;
	}
	hdrs[n++] = "Content-Type: application/json";
	hdrs[n++] = "User-Agent: lshook-send";
	hdrs[n++] = "Accept: */*";
	na = auth_headers(o, &body, auth);
	for (i = 0; i < na; i++)
		hdrs[n++] = auth[i];
	for (i = 0; i < o->nextra; i++)
		hdrs[n++] = o->extra[i];
	if (http_post(o->url, hdrs, n, body.p, body.len, o->timeout_ms, &a,
	    why, sizeof(why)) == -1) {
		cli_error("%s: %s", path, why);
		goto out;
	}
	print_answer(path, &a);
	rc = a.status >= 200 && a.status < 300 ? CLI_OK : CLI_DIFFERENT;
	free(a.body);
out:
	sodium_memzero(auth, sizeof(auth));
	buf_free(&raw);
	buf_free(&body);
	return rc;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
is_json_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 &&
	    strcmp(d->d_name + n - 5, ".json") == 0;
}

static int
send_all(const struct send_opts *o)
{
	struct dirent **list;
	char path[4096];
	int i, n, rc = CLI_OK, r;

	n = scandir(o->all, &list, is_json_file, by_name);
	if (n == -1) {
		cli_error("cannot read directory '%s': %s", o->all,
		    strerror(errno));
		return CLI_ERROR;
	}
	if (n == 0)
		cli_error("no *.json file in '%s'", o->all);
	for (i = 0; i < n; i++) {
		if (rc != CLI_ERROR) {
			snprintf(path, sizeof(path), "%s%s%s", o->all,
			    o->all[strlen(o->all) - 1] == '/' ? "" : "/",
			    list[i]->d_name);
			r = send_one(o, path);
			if (r > rc)
				rc = r;
		}
		free(list[i]);
	}
	free(list);
	return n == 0 ? CLI_ERROR : rc;
}

static int
parse_scheme(const char *s, enum scheme *out)
{
	static const char *const names[] = { "", "bearer", "basic", "hmac",
	    "standard" };
	size_t i;

	for (i = 1; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum scheme)i;
			return 0;
		}
	}
	return -1;
}

static int
check_header(const char *h)
{
	const char *colon = strchr(h, ':');

	return colon != NULL && colon > h &&
	    strspn(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") == (size_t)(colon - h) &&
	    strpbrk(h, "\r\n") == NULL ? 0 : -1;
}

static int
parse_timeout(const char *s, long *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0) || v > 86400)
		return -1;
	*ms = (long)(v * 1000);
	if (*ms < 1)
		*ms = 1;
	return 0;
}

static int
parse_args(int argc, char **argv, struct send_opts *o)
{
	static const struct option longopts[] = {
		{ "secret",	required_argument,	NULL, 's' },
		{ "secret-file", required_argument,	NULL, 'S' },
		{ "scheme",	required_argument,	NULL, 'a' },
		{ "header",	required_argument,	NULL, 'H' },
		{ "all",	required_argument,	NULL, 'A' },
		{ "timeout",	required_argument,	NULL, 'T' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, want;

	while ((c = getopt_long(argc, argv, ":s:a:H:A:T:h", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 's': o->secret_arg = optarg; break;
		case 'S': o->secret_file = optarg; break;
		case 'A': o->all = optarg; break;
		case 'a':
			if (parse_scheme(optarg, &o->scheme) == -1)
				return cli_usage_error(usage,
				    "unknown scheme '%s'", optarg);
			break;
		case 'H':
			if (check_header(optarg) == -1)
				return cli_usage_error(usage,
				    "bad header '%s' (want 'Name: value')",
				    optarg);
			if (o->nextra == MAX_HEADERS)
				return cli_usage_error(usage,
				    "more than %d headers", MAX_HEADERS);
			o->extra[o->nextra++] = optarg;
			break;
		case 'T':
			if (parse_timeout(optarg, &o->timeout_ms) == -1)
				return cli_usage_error(usage,
				    "bad timeout '%s'", optarg);
			break;
		case 'h':
			printf("usage: %s\n\n%s", usage, help);
			return CLI_OK;
		case ':':
			return cli_usage_error(usage, "option '%s' needs a value",
			    argv[optind - 1]);
		default:
			return cli_usage_error(usage, "unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	want = o->all != NULL ? 1 : 2;
	if (argc - optind != want)
		return cli_usage_error(usage, o->all != NULL ?
		    "URL, and no FILE with --all" : "URL and FILE, please");
	if (o->secret_arg != NULL && o->secret_file != NULL)
		return cli_usage_error(usage, "-s or --secret-file, not both");
	if (o->all != NULL && *o->all == '\0')
		return cli_usage_error(usage, "--all needs a directory");
	o->url = argv[optind];
	o->file = want == 2 ? argv[optind + 1] : NULL;
	return -1;
}

/* Find the secret and check it fits the scheme.  0, or -1 reported. */
static int
setup_auth(struct send_opts *o)
{
	char sig[128];
	int found;

	found = cli_secret(o->secret_arg, o->secret_file, &o->secret);
	if (found == -1)
		return -1;
	if (found == 0) {
		if (o->scheme != SCH_NONE) {
			cli_error("--scheme needs a secret (use -s, "
			    "--secret-file or set LSHOOK_SECRET)");
			return -1;
		}
		return 0;
	}
	if (strlen(o->secret) > 400 || strpbrk(o->secret, "\r\n")) {
		cli_error("the secret is too long or holds a line break");
		return -1;
	}
	if (o->scheme == SCH_NONE)
		o->scheme = SCH_BEARER;
	if (o->scheme == SCH_STANDARD &&
	    cli_sign_standard(o->secret, "x", "0", "", 0, sig, sizeof(sig))) {
		cli_error("--scheme standard needs a whsec_ or base64 secret");
		return -1;
	}
	return 0;
}

int
cmd_send(int argc, char **argv)
{
	struct send_opts o;
	int rc;

	memset(&o, 0, sizeof(o));
	o.timeout_ms = 10000;
	rc = parse_args(argc, argv, &o);
	if (rc != -1)
		return rc;
	if (sodium_init() < 0) {
		cli_error("cannot initialise libsodium");
		return CLI_ERROR;
	}
	if (setup_auth(&o) == -1)
		rc = CLI_ERROR;
	else if (o.all != NULL)
		rc = send_all(&o);
	else
		rc = send_one(&o, o.file);
	if (o.secret != NULL) {
		sodium_memzero(o.secret, strlen(o.secret));
		free(o.secret);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("cannot write the output");
		rc = CLI_ERROR;
	}
	return rc;
}
