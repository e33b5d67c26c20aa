/*
 * fuzz_auth.c: authentication headers.  Input: NUL-separated fields
 * Authorization, custom header, X-Hub-Signature-256, webhook-id,
 * webhook-timestamp, webhook-signature, body.  All modes are on.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "fuzz.h"

static struct config cfg;

static void
setup(void)
{
	static char *env[] = {
		"LSHOOK_DATA_DIR=/nonexistent",
		"LSHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw,plain-secret-0123456789",
		"LSHOOK_AUTH=header,hmac,standard",
		"LSHOOK_AUTH_HEADER=X-Webhook-Token",
		"LSHOOK_CLOCK=1614265330",
		NULL
	};

	if (sodium_init() < 0)
		abort();
	auth_init();
	config_build(&cfg, NULL, env);
	if (cfg.err != LSH_OK)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct auth_input in;
	const char *f[7];
	char *copy;
	int basic;

	if (!ready) {
		setup();
		ready = 1;
	}
	copy = fuzz_cstr(data, size);
	fuzz_fields(copy, size, f, 7);
	memset(&in, 0, sizeof(in));
	in.authorization = f[0] && *f[0] ? f[0] : NULL;
	in.custom = f[1] && *f[1] ? f[1] : NULL;
	in.hmac = f[2] && *f[2] ? f[2] : NULL;
	in.wh_id = f[3] && *f[3] ? f[3] : NULL;
	in.wh_timestamp = f[4] && *f[4] ? f[4] : NULL;
	in.wh_signature = f[5] && *f[5] ? f[5] : NULL;
	in.body = f[6] ? f[6] : "";
	in.body_len = strlen(in.body);
	in.now = cfg.clock;
	(void)auth_presented(&cfg, &in);
	(void)auth_check(&cfg, &in, &basic);
	free(copy);
	return 0;
}
