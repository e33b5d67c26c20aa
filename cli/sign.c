/*
 * sign.c: "lshook sign": the headers that authenticate a body in each
 * scheme the handlers accept, ready to paste into curl.
 */
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
    "lshook sign [-s SECRET | --secret-file FILE] [--id ID] "
    "[--timestamp T] [--curl URL] FILE|-";

static const char help[] =
"Print the headers that authenticate the bytes of FILE (- for stdin), one\n"
"per line, in each scheme the handlers accept:\n"
"\n"
"  Authorization: Bearer <secret>                  (LSHOOK_AUTH=header)\n"
"  X-Hub-Signature-256: sha256=<hex>               (hmac)\n"
"  webhook-id, webhook-timestamp, webhook-signature: v1,<base64>\n"
"                                                  (standard; only for a\n"
"                                                  whsec_ or base64 secret)\n"
"\n"
"  -s, --secret SECRET    the secret (default: the first of $LSHOOK_SECRET)\n"
"      --secret-file FILE the first secret in FILE\n"
"  -i, --id ID            the webhook-id (default: a random msg_...)\n"
"  -t, --timestamp T      the webhook-timestamp, Unix seconds (default: now)\n"
"  -c, --curl URL         print one complete curl command per scheme\n"
"  -h, --help             print this help\n"
"\n"
"The body is signed as it is: send it byte for byte (curl --data-binary).\n"
"Exit status: 0 printed, 2 error.\n";

#define MAX_BODY	(1u << 30)	/* LSHOOK_MAX_BODY's own limit */

struct sign_opts {
	const char	*secret;
	const char	*secret_file;
	const char	*id;
	const char	*ts;
	const char	*url;
	const char	*file;
};

/* Read all of path ("-": stdin) into b.  Returns 0, or -1 reported. */
static int
read_body(const char *path, struct buf *b)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
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
	} while (n > 0 && b->len <= MAX_BODY);
	if (ferror(f) || b->failed || b->len > MAX_BODY) {
		cli_error("cannot read '%s': %s", path, b->len > MAX_BODY ?
		    "larger than 1 GiB" : b->failed ? "out of memory" :
		    strerror(errno));
		if (f != stdin)
			fclose(f);
		return -1;
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

/* s in single quotes for sh, quotes inside it escaped. */
static void
put_quoted(FILE *out, const char *s, size_t n)
{
	size_t i;

	fputc('\'', out);
	for (i = 0; i < n; i++) {
		if (s[i] == '\'')
			fputs("'\\''", out);
		else
			fputc(s[i], out);
	}
	fputc('\'', out);
}

static void
put_curl(const struct sign_opts *o, const struct buf *body,
    const char *const *hdrs, size_t n)
{
	size_t i;

	fputs("curl -i -H 'Content-Type: application/json'", stdout);
	for (i = 0; i < n; i++) {
		fputs(" -H ", stdout);
		put_quoted(stdout, hdrs[i], strlen(hdrs[i]));
	}
	fputs(" --data-binary ", stdout);
	if (strcmp(o->file, "-") == 0) {
		put_quoted(stdout, body->p, body->len);
	} else {
		fputc('@', stdout);
		put_quoted(stdout, o->file, strlen(o->file));
	}
	fputc(' ', stdout);
	put_quoted(stdout, o->url, strlen(o->url));
	fputc('\n', stdout);
}

static int
print_headers(const struct sign_opts *o, const char *secret,
    const struct buf *body)
{
	char bearer[4200], hmac[100], hex[65], id[300], ts[64], sig[128];
	char sigh[160], fresh[29];
	const char *std[3] = { id, ts, sigh };
	const char *one[1];
	int have_std;

	snprintf(bearer, sizeof(bearer), "Authorization: Bearer %s", secret);
	cli_sign_hmac(secret, body->p, body->len, hex);
	snprintf(hmac, sizeof(hmac), "X-Hub-Signature-256: sha256=%s", hex);
	if (o->id == NULL)
		cli_new_webhook_id(fresh);
	snprintf(id, sizeof(id), "webhook-id: %s", o->id ? o->id : fresh);
	if (o->ts != NULL)
		snprintf(ts, sizeof(ts), "webhook-timestamp: %s", o->ts);
	else
		snprintf(ts, sizeof(ts), "webhook-timestamp: %lld",
		    (long long)time(NULL));
	have_std = cli_sign_standard(secret, id + 12, ts + 19, body->p,
	    body->len, sig, sizeof(sig)) == 0;
	if (have_std)
		snprintf(sigh, sizeof(sigh), "webhook-signature: %s", sig);
	else
		cli_error("note: no Standard Webhooks headers: the secret is "
		    "not a whsec_ or base64 key");
	if (o->url == NULL) {
		printf("%s\n%s\n", bearer, hmac);
		if (have_std)
			printf("%s\n%s\n%s\n", id, ts, sigh);
	} else {
		one[0] = bearer;
		put_curl(o, body, one, 1);
		one[0] = hmac;
		put_curl(o, body, one, 1);
		if (have_std)
			put_curl(o, body, std, 3);
	}
	sodium_memzero(bearer, sizeof(bearer));
	return fflush(stdout) == 0 && !ferror(stdout) ? CLI_OK : CLI_ERROR;
}

static int
parse_args(int argc, char **argv, struct sign_opts *o)
{
	static const struct option longopts[] = {
		{ "secret",	required_argument,	NULL, 's' },
		{ "secret-file", required_argument,	NULL, 'S' },
		{ "id",		required_argument,	NULL, 'i' },
		{ "timestamp",	required_argument,	NULL, 't' },
		{ "curl",	required_argument,	NULL, 'c' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, ":s:i:t:c:h", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 's': o->secret = optarg; break;
		case 'S': o->secret_file = optarg; break;
		case 'i': o->id = optarg; break;
		case 't': o->ts = optarg; break;
		case 'c': o->url = optarg; break;
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
	if (optind + 1 != argc)
		return cli_usage_error(usage, optind >= argc ?
		    "which file?" : "one file only");
	if (o->secret != NULL && o->secret_file != NULL)
		return cli_usage_error(usage, "-s or --secret-file, not both");
	if (o->id != NULL && (*o->id == '\0' || strlen(o->id) > 200 ||
	    strpbrk(o->id, "\r\n") != NULL))
		return cli_usage_error(usage, "bad webhook-id '%s'", o->id);
	if (o->ts != NULL && (*o->ts == '\0' || strlen(o->ts) > 12 ||
	    strspn(o->ts, "0123456789") != strlen(o->ts)))
		return cli_usage_error(usage, "bad timestamp '%s'", o->ts);
	o->file = argv[optind];
	return -1;
}

int
cmd_sign(int argc, char **argv)
{
	struct sign_opts o = { 0 };
	struct buf body = { 0 };
	char *secret = NULL;
	int rc, found;

	rc = parse_args(argc, argv, &o);
	if (rc != -1)
		return rc;
	if (sodium_init() < 0) {
		cli_error("cannot initialise libsodium");
		return CLI_ERROR;
	}
	found = cli_secret(o.secret, o.secret_file, &secret);
	if (found == 0)
		cli_error("no secret (use -s, --secret-file or set "
		    "LSHOOK_SECRET)");
	if (found != 1 || read_body(o.file, &body) == -1) {
		rc = CLI_ERROR;
		goto out;
	}
	if (strpbrk(secret, "\r\n") != NULL || strlen(secret) > 4000) {
		cli_error("the secret holds a line break or is too long");
		rc = CLI_ERROR;
		goto out;
	}
	rc = print_headers(&o, secret, &body);
out:
	if (secret != NULL) {
		sodium_memzero(secret, strlen(secret));
		free(secret);
	}
	buf_free(&body);
	return rc;
}
