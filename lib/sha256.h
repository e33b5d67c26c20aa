/* sha256.h: SHA-256 of a buffer, with the x86 SHA extensions when present. */
#ifndef LSH_SHA256_H
#define LSH_SHA256_H

#include <stddef.h>

void lsh_sha256(unsigned char out[32], const void *p, size_t n);

#endif /* LSH_SHA256_H */
