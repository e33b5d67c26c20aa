/*
 * auth.c: authentication, fail-closed and constant-time.
 *
 * Shared secrets are never compared directly: both sides go through a
 * keyed hash under a per-process random key and the 32-byte digests are
 * compared with crypto_verify_32, so neither content nor length leaks.
 * Signatures use libsodium's multi-part HMAC, which takes keys of any
 * length.  Nothing here logs; callers name the failed check only.
 */
#include <string.h>

#include <sodium.h>

#include "auth.h"

#define MAX_SIG_HEADER	4096	/* far above any real list of signatures */
#define MAX_SIGNATURES	32

static unsigned char compare_key[crypto_generichash_KEYBYTES];

void
auth_init(void)
{
	randombytes_buf(compare_key, sizeof(compare_key));
}

static void
digest(unsigned char out[32], const void *p, size_t n)
{
	crypto_generichash(out, 32, p, n, compare_key, sizeof(compare_key));
}

void
auth_hmac(unsigned char *out, const unsigned char *key, size_t keylen,
    const void *const *parts, const size_t *lens, size_t n)
{
	crypto_auth_hmacsha256_state st;
	size_t i;

	crypto_auth_hmacsha256_init(&st, key, keylen);
	for (i = 0; i < n; i++)
		crypto_auth_hmacsha256_update(&st, parts[i], lens[i]);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

/* Decode standard base64, padded or not.  Returns 0 and *outlen, or -1. */
static int
b64_decode(unsigned char *out, size_t max, const char *s, size_t len,
    size_t *outlen)
{
	const char *end;

	if (sodium_base642bin(out, max, s, len, NULL, outlen, &end,
	    sodium_base64_VARIANT_ORIGINAL) == 0 && end == s + len)
		return 0;
	if (sodium_base642bin(out, max, s, len, NULL, outlen, &end,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING) == 0 && end == s + len)
		return 0;
	return -1;
}

unsigned char *
auth_sw_key(const char *secret, size_t len, size_t *keylen)
{
	unsigned char *key;

	if (len > 6 && strncmp(secret, "whsec_", 6) == 0) {
		secret += 6;
		len -= 6;
	}
	key = sodium_malloc(len + 1);
	if (key == NULL)
		return NULL;
	if (b64_decode(key, len, secret, len, keylen) == -1 || *keylen == 0) {
		sodium_free(key);
		return NULL;
	}
	return key;
}

void
auth_prepare_secret(struct secret *sec, int standard)
{
	digest(sec->digest, sec->raw, sec->raw_len);
	if (standard)
		sec->sw_key = auth_sw_key((const char *)sec->raw, sec->raw_len,
		    &sec->sw_len);
}

/* Whether the candidate equals any configured secret, in constant time. */
static int
matches_secret(const struct config *c, const void *p, size_t n)
{
	unsigned char d[32];
	int found = 0;
	size_t i;

	digest(d, p, n);
	for (i = 0; i < c->nsecrets; i++)
		found |= crypto_verify_32(d, c->secrets[i].digest) == 0;
	sodium_memzero(d, sizeof(d));
	return found;
}

/*
 * Basic: the password is the secret (any user name), or the whole
 * "user:password" when the secret itself holds a colon.
 */
static enum lsh_err
check_basic(const struct config *c, const char *b64)
{
	unsigned char dec[1024];
	size_t len;
	const unsigned char *colon;
	int ok;

	if (strlen(b64) >= sizeof(dec) ||
	    b64_decode(dec, sizeof(dec), b64, strlen(b64), &len) == -1)
		return LSH_E_AUTH_BAD;
	colon = memchr(dec, ':', len);
	if (colon == NULL) {
		sodium_memzero(dec, sizeof(dec));
		return LSH_E_AUTH_BAD;
	}
	ok = matches_secret(c, dec, len);
	ok |= matches_secret(c, colon + 1, len - (size_t)(colon + 1 - dec));
	sodium_memzero(dec, sizeof(dec));
	return ok ? LSH_OK : LSH_E_AUTH_BAD;
}

/* "Bearer x", "Token x" or "Basic x", scheme case-insensitive. */
static enum lsh_err
check_authorization(const struct config *c, const char *v, int *basic)
{
	size_t n = strcspn(v, " ");
	const char *cred = v + n;

	while (*cred == ' ')
		cred++;
	if (*cred == '\0')
		return LSH_E_AUTH_BAD;
	if (n == 5 && strncasecmp(v, "Basic", 5) == 0) {
		*basic = 1;
		return check_basic(c, cred);
	}
	if ((n == 6 && strncasecmp(v, "Bearer", 6) == 0) ||
	    (n == 5 && strncasecmp(v, "Token", 5) == 0))
		return matches_secret(c, cred, strlen(cred)) ? LSH_OK :
		    LSH_E_AUTH_BAD;
	return LSH_E_AUTH_SCHEME;
}

static enum lsh_err
check_header_mode(const struct config *c, const struct auth_input *in,
    int *basic)
{
	enum lsh_err e = LSH_E_AUTH_MISSING, a;

	if (in->custom != NULL) {
		if (matches_secret(c, in->custom, strlen(in->custom)))
			return LSH_OK;
		e = LSH_E_AUTH_BAD;
	}
	if (in->authorization != NULL) {
		a = check_authorization(c, in->authorization, basic);
		if (a == LSH_OK)
			return LSH_OK;
		if (e == LSH_E_AUTH_MISSING)
			e = a;
	}
	return e;
}

/* X-Hub-Signature-256: sha256=<64 hex digits>. */
static enum lsh_err
check_hmac_mode(const struct config *c, const struct auth_input *in)
{
	unsigned char want[32], got[32];
	const void *parts[1] = { in->body };
	size_t lens[1] = { in->body_len }, binlen, i;
	const char *hex = in->hmac;
	int ok = 0;

	if (strncmp(hex, "sha256=", 7) != 0)
		return LSH_E_SIG_MALFORMED;
	hex += 7;
	if (strlen(hex) != 64 || sodium_hex2bin(got, sizeof(got), hex, 64,
	    NULL, &binlen, NULL) != 0 || binlen != 32)
		return LSH_E_SIG_MALFORMED;
	for (i = 0; i < c->nsecrets; i++) {
		auth_hmac(want, c->secrets[i].raw, c->secrets[i].raw_len,
		    parts, lens, 1);
		ok |= crypto_verify_32(want, got) == 0;
	}
	sodium_memzero(want, sizeof(want));
	return ok ? LSH_OK : LSH_E_SIG_BAD;
}

static enum lsh_err
check_timestamp(const struct config *c, const char *ts, long long now)
{
	long long t = 0;
	size_t i, n = strlen(ts);

	if (n == 0 || n > 12 || strspn(ts, "0123456789") != n)
		return LSH_E_TS_MALFORMED;
	for (i = 0; i < n; i++)
		t = t * 10 + (ts[i] - '0');
	if (now - t > c->tolerance)
		return LSH_E_TS_STALE;
	if (t - now > c->tolerance)
		return LSH_E_TS_FUTURE;
	return LSH_OK;
}

/* Compute the expected v1 signature under every secret that has a key. */
static size_t
sw_expected(const struct config *c, const struct auth_input *in,
    unsigned char want[][32])
{
	const void *parts[5] = { in->wh_id, ".", in->wh_timestamp, ".", in->body };
	size_t lens[5] = { strlen(in->wh_id), 1, strlen(in->wh_timestamp), 1,
	    in->body_len };
	size_t i, n = 0;

	for (i = 0; i < c->nsecrets; i++) {
		if (c->secrets[i].sw_key == NULL)
			continue;
		auth_hmac(want[n++], c->secrets[i].sw_key, c->secrets[i].sw_len,
		    parts, lens, 5);
	}
	return n;
}

/* webhook-signature: space-separated "v1,<base64>" entries; others skipped. */
static enum lsh_err
check_standard_mode(const struct config *c, const struct auth_input *in)
{
	unsigned char want[LSH_MAX_SECRETS][32], got[64];
	const char *p, *end;
	size_t nwant, len, glen, i, seen = 0, wellformed = 0;
	enum lsh_err e;
	int ok = 0;

	if (in->wh_id == NULL || in->wh_timestamp == NULL ||
	    in->wh_signature == NULL)
		return LSH_E_AUTH_MISSING;
	e = check_timestamp(c, in->wh_timestamp, in->now);
	if (e != LSH_OK)
		return e;
	if (strlen(in->wh_signature) > MAX_SIG_HEADER)
		return LSH_E_SIG_MALFORMED;
	nwant = sw_expected(c, in, want);
	for (p = in->wh_signature; *p != '\0' && seen < MAX_SIGNATURES; p = end) {
		while (*p == ' ')
			p++;
		end = p + strcspn(p, " ");
		len = (size_t)(end - p);
		if (len == 0)
			continue;
		seen++;
		if (len < 3 || strncmp(p, "v1,", 3) != 0)
			continue;
		if (b64_decode(got, sizeof(got), p + 3, len - 3, &glen) == -1 ||
		    glen != 32)
			continue;
		wellformed++;
		for (i = 0; i < nwant; i++)
			ok |= crypto_verify_32(want[i], got) == 0;
	}
	sodium_memzero(want, sizeof(want));
	if (ok)
		return LSH_OK;
	return wellformed ? LSH_E_SIG_BAD : LSH_E_SIG_MALFORMED;
}

int
auth_presented(const struct config *c, const struct auth_input *in)
{
	if ((c->auth & LSH_AUTH_HEADER) &&
	    (in->authorization != NULL || in->custom != NULL))
		return 1;
	if ((c->auth & LSH_AUTH_HMAC) && in->hmac != NULL)
		return 1;
	if ((c->auth & LSH_AUTH_STANDARD) && (in->wh_signature != NULL ||
	    in->wh_timestamp != NULL))
		return 1;
	return 0;
}

enum lsh_err
auth_check(const struct config *c, const struct auth_input *in, int *basic)
{
	enum lsh_err first = LSH_E_AUTH_MISSING, e;

	*basic = 0;
	if ((c->auth & LSH_AUTH_HEADER) &&
	    (in->authorization != NULL || in->custom != NULL)) {
		e = check_header_mode(c, in, basic);
		if (e == LSH_OK)
			return LSH_OK;
		first = e;
	}
	if ((c->auth & LSH_AUTH_HMAC) && in->hmac != NULL) {
		e = check_hmac_mode(c, in);
		if (e == LSH_OK)
			return LSH_OK;
		if (first == LSH_E_AUTH_MISSING)
			first = e;
	}
	if ((c->auth & LSH_AUTH_STANDARD) && (in->wh_signature != NULL ||
	    in->wh_timestamp != NULL)) {
		e = check_standard_mode(c, in);
		if (e == LSH_OK)
			return LSH_OK;
		if (first == LSH_E_AUTH_MISSING)
			first = e;
	}
	return first;
}
