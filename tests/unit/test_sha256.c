/* test_sha256.c: lsh_sha256 (x86 SHA extensions when present) == libsodium. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "sha256.h"
#include "unit.h"

int
main(void)
{
	unsigned char buf[5000], a[32], b[32];
	size_t n, bad = 0;

	if (sodium_init() < 0)
		return 1;
	randombytes_buf(buf, sizeof(buf));
	for (n = 0; n <= sizeof(buf); n++) {
		lsh_sha256(a, buf, n);
		crypto_hash_sha256(b, buf, n);
		bad += memcmp(a, b, 32) != 0;
	}
	CHECK(bad == 0, "every length from 0 to 5000 bytes matches libsodium");
	lsh_sha256(a, "abc", 3);
	sodium_bin2hex((char *)buf, 65, a, 32);
	CHECK_STR((char *)buf,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "FIPS 180-2 vector \"abc\"");
	return unit_done();
}
