/*
 * secret.c: the secret lshook sign and send use, and the signatures
 * made with it.  The HMAC and the Standard Webhooks key come from
 * lib/auth.c, so the tools sign exactly as the handlers verify.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "cli.h"

#define MAX_SECRET	4096	/* far above any real secret */

/* A copy of s[0..n) without surrounding blanks; NULL when out of memory. */
static char *
trimmed_copy(const char *s, size_t n)
{
	while (n > 0 && strchr(" \t\r\n", s[0]) != NULL) {
		s++;
		n--;
	}
	while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
		n--;
	return strndup(s, n);
}

static int
secret_from_file(const char *path, char **out)
{
	char line[MAX_SECRET];
	const char *p;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		cli_error("cannot read secret file '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		p = line + strspn(line, " \t");
		if (*p == '#' || strspn(p, " \t\r\n") == strlen(p))
			continue;
		fclose(f);
		*out = trimmed_copy(p, strlen(p));
		sodium_memzero(line, sizeof(line));
		return *out != NULL ? 1 : -1;
	}
	fclose(f);
	cli_error("no secret in '%s'", path);
	return -1;
}

int
cli_secret(const char *arg, const char *file, char **out)
{
	const char *env;

	*out = NULL;
	if (arg != NULL) {
		*out = trimmed_copy(arg, strlen(arg));
		return *out != NULL && **out != '\0' ? 1 : 0;
	}
	if (file != NULL)
		return secret_from_file(file, out);
	env = getenv("LSHOOK_SECRET");
	if (env == NULL || *env == '\0')
		return 0;
	*out = trimmed_copy(env, strcspn(env, ","));
	return *out != NULL && **out != '\0' ? 1 : 0;
}

void
cli_sign_hmac(const char *secret, const void *body, size_t len,
    char hex[65])
{
	unsigned char mac[LSH_HMAC_BYTES];
	const void *parts[1] = { body };
	size_t lens[1] = { len };

	auth_hmac(mac, (const unsigned char *)secret, strlen(secret), parts,
	    lens, 1);
	sodium_bin2hex(hex, 65, mac, sizeof(mac));
	sodium_memzero(mac, sizeof(mac));
}

int
cli_sign_standard(const char *secret, const char *id, const char *ts,
    const void *body, size_t len, char *out, size_t outsz)
{
	unsigned char mac[LSH_HMAC_BYTES], *key;
	const void *parts[5] = { id, ".", ts, ".", body };
	size_t lens[5] = { strlen(id), 1, strlen(ts), 1, len };
	size_t keylen;

	key = auth_sw_key(secret, strlen(secret), &keylen);
	if (key == NULL || outsz < 4 +
	    sodium_base64_ENCODED_LEN(LSH_HMAC_BYTES,
	    sodium_base64_VARIANT_ORIGINAL)) {
		if (key != NULL)
			sodium_free(key);
		return -1;
	}
	auth_hmac(mac, key, keylen, parts, lens, 5);
	sodium_free(key);
	memcpy(out, "v1,", 3);
	sodium_bin2base64(out + 3, outsz - 3, mac, sizeof(mac),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(mac, sizeof(mac));
	return 0;
}

void
cli_new_webhook_id(char out[29])
{
	unsigned char r[12];

	randombytes_buf(r, sizeof(r));
	memcpy(out, "msg_", 4);
	sodium_bin2hex(out + 4, 25, r, sizeof(r));
}
