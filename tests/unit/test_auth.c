/* test_auth.c: HMAC vectors (RFC 4231, GitHub, Standard Webhooks) and modes. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth.h"
#include "unit.h"

static void
hex(char *out, const unsigned char *in, size_t n)
{
	sodium_bin2hex(out, 2 * n + 1, in, n);
}

static void
unhex(unsigned char *out, size_t max, const char *h, size_t *n)
{
	sodium_hex2bin(out, max, h, strlen(h), NULL, n, NULL);
}

/* RFC 4231 section 4: HMAC-SHA256 results for test cases 1-7. */
#define AA10 "aaaaaaaaaaaaaaaaaaaa"			/* 10 bytes of 0xaa */
#define KEY131 AA10 AA10 AA10 AA10 AA10 AA10 AA10 AA10 AA10 AA10 AA10 AA10 \
	AA10 "aa"					/* 131 bytes */
static void
test_rfc4231(void)
{
	static const struct {
		const char *key, *data, *mac;
		size_t truncate;
	} v[] = {
		{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", 32 },
		{ "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", 32 },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
		  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe", 32 },
		{ "0102030405060708090a0b0c0d0e0f10111213141516171819",
		  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
		  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b", 32 },
		{ "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
		  "546573742057697468205472756e636174696f6e",
		  "a3b6167473100ee06e0c796c2955552b", 16 },
		{ KEY131,
		  "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", 32 },
		{ KEY131,
		  "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
		  "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2", 32 },
	};
	unsigned char key[256], data[256], mac[32];
	char got[65], name[64];
	const void *parts[1];
	size_t klen, dlen, i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unhex(key, sizeof(key), v[i].key, &klen);
		unhex(data, sizeof(data), v[i].data, &dlen);
		parts[0] = data;
		auth_hmac(mac, key, klen, parts, &dlen, 1);
		hex(got, mac, v[i].truncate);
		snprintf(name, sizeof(name), "RFC 4231 test case %zu", i + 1);
		CHECK_STR(got, v[i].mac, name);
	}
}

/* HMAC over several parts equals HMAC over their concatenation. */
static void
test_multipart(void)
{
	const unsigned char key[] = "It's a Secret to Everybody";
	const void *one[1] = { "Hello, World!" };
	const void *three[3] = { "Hello", ", ", "World!" };
	size_t l1[1] = { 13 }, l3[3] = { 5, 2, 6 };
	unsigned char a[32], b[32];
	char got[65];

	auth_hmac(a, key, sizeof(key) - 1, one, l1, 1);
	auth_hmac(b, key, sizeof(key) - 1, three, l3, 3);
	hex(got, a, 32);
	CHECK_STR(got, "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
	    "GitHub vector GH-1");
	CHECK(memcmp(a, b, 32) == 0, "multi-part HMAC equals one-shot");
}

static const char *envv[8];

static void
make_config(struct config *c, const char *auth, const char *secret)
{
	static char a[64], s[256];

	snprintf(a, sizeof(a), "LSHOOK_AUTH=%s", auth);
	snprintf(s, sizeof(s), "LSHOOK_SECRET=%s", secret);
	envv[0] = "LSHOOK_DATA_DIR=/tmp";
	envv[1] = a;
	envv[2] = s;
	envv[3] = "LSHOOK_CLOCK=1614265330";
	envv[4] = NULL;
	config_build(c, NULL, (char **)envv);
}

static enum lsh_err
check(const struct config *c, struct auth_input *in)
{
	int basic;

	in->now = c->clock;
	return auth_check(c, in, &basic);
}

static void
test_standard(void)
{
	const char *body = "{\"test\": 2432232314}";
	struct auth_input in = { 0 };
	struct config c;

	make_config(&c, "standard", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	CHECK(c.err == LSH_OK, "standard config with a whsec_ secret");
	in.wh_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
	in.wh_timestamp = "1614265330";
	in.wh_signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
	in.body = body;
	in.body_len = strlen(body);
	CHECK(check(&c, &in) == LSH_OK, "SW-1 verifies");
	in.wh_signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=";
	CHECK(check(&c, &in) == LSH_E_SIG_BAD, "SW-1 negative vector is refused");
	in.wh_signature = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "
	    "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= "
	    "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
	CHECK(check(&c, &in) == LSH_OK, "SW-1 multi-signature header verifies");
	in.wh_signature = "v1,";
	CHECK(check(&c, &in) == LSH_E_SIG_MALFORMED, "empty v1 signature is malformed");
	in.wh_signature = "v1,g0hM9SsE";
	CHECK(check(&c, &in) == LSH_E_SIG_MALFORMED, "truncated signature is malformed");
	in.wh_signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
	in.wh_timestamp = "1614264999";
	CHECK(check(&c, &in) == LSH_E_TS_STALE, "301 s old is stale");
	in.wh_timestamp = "1614265631";
	CHECK(check(&c, &in) == LSH_E_TS_FUTURE, "301 s ahead is in the future");
	in.wh_timestamp = "hello";
	CHECK(check(&c, &in) == LSH_E_TS_MALFORMED, "non-numeric timestamp");
	config_free(&c);

	make_config(&c, "standard", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	in.wh_timestamp = "1614265330";
	CHECK(check(&c, &in) == LSH_OK, "secret without whsec_ gives the same key");
	config_free(&c);

	make_config(&c, "standard", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
	body = "{\"email\":\"test@example.com\",\"username\":\"test_user\"}";
	in.wh_id = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
	in.wh_timestamp = "1649367553";
	in.wh_signature = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";
	in.body = body;
	in.body_len = strlen(body);
	in.now = 0;
	{
		int basic;
		c.clock = 1649367553;
		in.now = c.clock;
		CHECK(auth_check(&c, &in, &basic) == LSH_OK, "SW-2 verifies");
		in.wh_signature = "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=";
		CHECK(auth_check(&c, &in, &basic) == LSH_E_SIG_BAD, "SW-2 negative");
	}
	config_free(&c);
}

static void
test_header_modes(void)
{
	struct auth_input in = { 0 };
	struct config c;
	char basic_hdr[128], b64[96];
	int basic;

	make_config(&c, "header", "first-secret-0123456789,second-secret-0123456789");
	CHECK(c.err == LSH_OK && c.nsecrets == 2, "two secrets load");
	CHECK(auth_check(&c, &in, &basic) == LSH_E_AUTH_MISSING, "no credentials");
	in.authorization = "Bearer first-secret-0123456789";
	CHECK(auth_check(&c, &in, &basic) == LSH_OK, "Bearer, first secret");
	in.authorization = "token second-secret-0123456789";
	CHECK(auth_check(&c, &in, &basic) == LSH_OK, "Token, rotated secret");
	in.authorization = "Bearer first-secret-012345678";
	CHECK(auth_check(&c, &in, &basic) == LSH_E_AUTH_BAD, "a prefix is refused");
	in.authorization = "Bearer first-secret-01234567890";
	CHECK(auth_check(&c, &in, &basic) == LSH_E_AUTH_BAD, "a longer value is refused");
	in.authorization = "Digest first-secret-0123456789";
	CHECK(auth_check(&c, &in, &basic) == LSH_E_AUTH_SCHEME, "unknown scheme");
	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)
	    "labelstudio:first-secret-0123456789", 35, sodium_base64_VARIANT_ORIGINAL);
	snprintf(basic_hdr, sizeof(basic_hdr), "Basic %s", b64);
	in.authorization = basic_hdr;
	CHECK(auth_check(&c, &in, &basic) == LSH_OK && basic, "Basic user:secret");
	in.authorization = "Basic !!!";
	CHECK(auth_check(&c, &in, &basic) == LSH_E_AUTH_BAD && basic, "Basic junk");
	config_free(&c);

	make_config(&c, "hmac", "It's a Secret to Everybody");
	memset(&in, 0, sizeof(in));
	in.body = "Hello, World!";
	in.body_len = 13;
	in.hmac = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
	CHECK(auth_check(&c, &in, &basic) == LSH_OK, "X-Hub-Signature-256 GH-1");
	in.hmac = "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17";
	CHECK(auth_check(&c, &in, &basic) == LSH_OK, "upper-case hex");
	in.hmac = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18";
	CHECK(auth_check(&c, &in, &basic) == LSH_E_SIG_BAD, "one bit off");
	in.hmac = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
	CHECK(auth_check(&c, &in, &basic) == LSH_E_SIG_MALFORMED, "no sha256= prefix");
	in.hmac = "sha256=abcd";
	CHECK(auth_check(&c, &in, &basic) == LSH_E_SIG_MALFORMED, "short hex");
	in.hmac = NULL;
	in.authorization = "Bearer It's a Secret to Everybody";
	CHECK(auth_check(&c, &in, &basic) == LSH_E_AUTH_MISSING,
	    "a header credential does not count when only hmac is enabled");
	config_free(&c);
}

static void
test_config_refusals(void)
{
	struct config c;

	make_config(&c, "header", "short");
	CHECK(c.err == LSH_E_CONFIG, "a secret under 16 characters is refused");
	config_free(&c);
	make_config(&c, "standard", "not-base64-secret-at-all");
	CHECK(c.err == LSH_E_CONFIG, "standard without a base64 secret is refused");
	config_free(&c);
	make_config(&c, "header,nope", "first-secret-0123456789");
	CHECK(c.err == LSH_E_CONFIG, "unknown mode is refused");
	config_free(&c);
	make_config(&c, "header", "");
	CHECK(c.err == LSH_E_NOT_CONFIGURED, "no secret: not configured");
	config_free(&c);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	auth_init();
	test_rfc4231();
	test_multipart();
	test_standard();
	test_header_modes();
	test_config_refusals();
	return unit_done();
}
