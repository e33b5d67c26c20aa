/* fuzz.h: shared by the libFuzzer targets and the corpus replay driver. */
#ifndef LSH_FUZZ_H
#define LSH_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Every target defines this; libFuzzer or replay.c calls it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of data (caller frees). */
char *fuzz_cstr(const uint8_t *data, size_t size);

/* Split data at NUL bytes into at most n fields (pointers into copy). */
size_t fuzz_fields(char *copy, size_t size, const char **fields, size_t n);

/*
 * How deep the JSON text s[0..n) nests (brackets outside strings).  cJSON,
 * the oracle of the targets, refuses CJSON_NESTING_LIMIT (1000) levels or
 * more, and lshook accepts LSH_JSON_MAX_DEPTH (10000): deeper texts are
 * checked with jtree instead.
 */
size_t fuzz_json_depth(const char *s, size_t n);

#endif /* LSH_FUZZ_H */
