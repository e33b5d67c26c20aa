/*
 * sha256.c: SHA-256 of the request body (the event id), the one hash run
 * over every byte of every event.  libsodium's SHA-256 is portable C (about
 * 250 MB/s here); on x86-64 CPUs with the SHA extensions (Intel since Goldmont
 * and Ice Lake, AMD since Zen) the compression function runs on them, about
 * 5x faster.  Anywhere else, or when the CPU lacks them, libsodium's is used.
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "sha256.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

/* Compress n 64-byte blocks into state[8] (h0..h7). */
__attribute__((target("sha,sse4.1")))
static void
blocks_shani(uint32_t state[8], const unsigned char *p, size_t n)
{
	const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL,
	    0x0405060700010203ULL);
	__m128i s0, s1, tmp, msg, m[4], save0, save1;
	int i;

	tmp = _mm_loadu_si128((const __m128i *)&state[0]);
	s1 = _mm_loadu_si128((const __m128i *)&state[4]);
	tmp = _mm_shuffle_epi32(tmp, 0xB1);		/* CDAB */
	s1 = _mm_shuffle_epi32(s1, 0x1B);		/* EFGH */
	s0 = _mm_alignr_epi8(tmp, s1, 8);		/* ABEF */
	s1 = _mm_blend_epi16(s1, tmp, 0xF0);		/* CDGH */
	for (; n > 0; n--, p += 64) {
		save0 = s0;
		save1 = s1;
#pragma GCC unroll 16
		for (i = 0; i < 16; i++) {
			if (i < 4)
				m[i] = _mm_shuffle_epi8(_mm_loadu_si128(
				    (const __m128i *)(p + 16 * i)), mask);
			msg = _mm_add_epi32(m[i & 3], _mm_loadu_si128(
			    (const __m128i *)&K[4 * i]));
			s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
			if (i >= 3 && i <= 14) {
				tmp = _mm_alignr_epi8(m[i & 3], m[(i + 3) & 3], 4);
				m[(i + 1) & 3] = _mm_add_epi32(m[(i + 1) & 3], tmp);
				m[(i + 1) & 3] = _mm_sha256msg2_epu32(m[(i + 1) & 3],
				    m[i & 3]);
			}
			msg = _mm_shuffle_epi32(msg, 0x0E);
			s0 = _mm_sha256rnds2_epu32(s0, s1, msg);
			if (i >= 1 && i <= 12)
				m[(i + 3) & 3] = _mm_sha256msg1_epu32(m[(i + 3) & 3],
				    m[i & 3]);
		}
		s0 = _mm_add_epi32(s0, save0);
		s1 = _mm_add_epi32(s1, save1);
	}
	tmp = _mm_shuffle_epi32(s0, 0x1B);		/* FEBA */
	s1 = _mm_shuffle_epi32(s1, 0xB1);		/* DCHG */
	s0 = _mm_blend_epi16(tmp, s1, 0xF0);		/* DCBA */
	s1 = _mm_alignr_epi8(s1, tmp, 8);		/* ABEF */
	_mm_storeu_si128((__m128i *)&state[0], s0);
	_mm_storeu_si128((__m128i *)&state[4], s1);
}

static int
have_shani(void)
{
	static int known = -1;
	unsigned a, b, c, d;

	if (known == -1) {
		known = 0;
		if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1) &&
		    (c & bit_SSSE3) && __get_cpuid_count(7, 0, &a, &b, &c, &d))
			known = (b & bit_SHA) != 0;
	}
	return known;
}

static void
sha256_shani(unsigned char out[32], const unsigned char *p, size_t n)
{
	uint32_t st[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	unsigned char tail[128];
	uint64_t bits = (uint64_t)n * 8;
	size_t full = n / 64, rest = n % 64, tn, i;

	blocks_shani(st, p, full);
	memset(tail, 0, sizeof(tail));
	memcpy(tail, p + full * 64, rest);
	tail[rest] = 0x80;
	tn = rest + 9 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		tail[tn - 1 - i] = (unsigned char)(bits >> (8 * i));
	blocks_shani(st, tail, tn / 64);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(st[i] >> 24);
		out[4 * i + 1] = (unsigned char)(st[i] >> 16);
		out[4 * i + 2] = (unsigned char)(st[i] >> 8);
		out[4 * i + 3] = (unsigned char)st[i];
	}
}
#endif

void
lsh_sha256(unsigned char out[32], const void *p, size_t n)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (have_shani()) {
		sha256_shani(out, p, n);
		return;
	}
#endif
	crypto_hash_sha256(out, p, n);
}
