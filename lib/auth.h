/* auth.h: who sent the request: shared secrets, HMAC, Standard Webhooks. */
#ifndef LSH_AUTH_H
#define LSH_AUTH_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "err.h"

#define LSH_HMAC_BYTES 32

/* The request fields authentication looks at; NULL when absent. */
struct auth_input {
	const char	*authorization;	/* HTTP_AUTHORIZATION */
	const char	*custom;	/* the LSHOOK_AUTH_HEADER header */
	const char	*hmac;		/* the LSHOOK_HMAC_HEADER header */
	const char	*wh_id;		/* webhook-id */
	const char	*wh_timestamp;	/* webhook-timestamp */
	const char	*wh_signature;	/* webhook-signature */
	const char	*body;
	size_t		 body_len;
	long long	 now;		/* Unix time */
};

/* Call once, after sodium_init(), before any configuration is built. */
void auth_init(void);

/*
 * Fill sec->digest from sec->raw (config.c calls this), and sec->sw_key
 * when standard (LSHOOK_AUTH has it): nothing else reads the key, and
 * deriving it costs a guarded allocation per secret, per CGI run.
 */
void auth_prepare_secret(struct secret *sec, int standard);

/*
 * Check a request against every mode enabled in c.  The request passes
 * when any mode it presents credentials for verifies.  Returns LSH_OK,
 * LSH_E_AUTH_MISSING when it presents none, or the first failure (bad
 * credentials, bad or malformed signature, timestamp errors).  *basic is
 * set when a Basic Authorization header was tried, so the answer can
 * carry WWW-Authenticate.
 */
enum lsh_err auth_check(const struct config *c, const struct auth_input *in,
    int *basic);

/* Whether the request carries credentials for any mode enabled in c. */
int auth_presented(const struct config *c, const struct auth_input *in);

/*
 * HMAC-SHA256 over the concatenation of n parts with a key of any length.
 * out gets LSH_HMAC_BYTES bytes.
 */
void auth_hmac(unsigned char *out, const unsigned char *key, size_t keylen,
    const void *const *parts, const size_t *lens, size_t n);

/* Standard Webhooks key from a secret ("whsec_" optional).  Caller frees
 * with sodium_free.  NULL when it is not base64. */
unsigned char *auth_sw_key(const char *secret, size_t len, size_t *keylen);

#endif /* LSH_AUTH_H */
