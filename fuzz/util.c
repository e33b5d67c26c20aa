/* util.c: small helpers shared by the fuzz targets. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

size_t
fuzz_fields(char *copy, size_t size, const char **fields, size_t n)
{
	size_t i = 0, start = 0, k;

	for (k = 0; k <= size && i < n; k++) {
		if (k == size || copy[k] == '\0') {
			copy[k] = '\0';
			fields[i++] = copy + start;
			start = k + 1;
		}
	}
	while (i < n)
		fields[i++] = NULL;
	return n;
}

size_t
fuzz_json_depth(const char *s, size_t n)
{
	size_t i, depth = 0, max = 0;
	int in = 0;

	for (i = 0; i < n; i++) {
		if (in) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in = 0;
		} else if (s[i] == '"')
			in = 1;
		else if (s[i] == '[' || s[i] == '{') {
			if (++depth > max)
				max = depth;
		} else if ((s[i] == ']' || s[i] == '}') && depth > 0)
			depth--;
	}
	return max;
}
