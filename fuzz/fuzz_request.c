/*
 * fuzz_request.c: request framing.  Input: a CONTENT_LENGTH value, a NUL,
 * then the bytes on stdin.  The body read must be exactly the declared
 * length, or an error.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "request.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	char var[64], *env[2] = { var, NULL };
	struct request r;
	size_t cl_len, body_len;
	enum lsh_err e;
	int fd, saved;

	if (nul == NULL || (cl_len = (size_t)(nul - data)) > 40)
		return 0;
	memcpy(var, "CONTENT_LENGTH=", 15);
	memcpy(var + 15, data, cl_len);
	var[15 + cl_len] = '\0';
	body_len = size - cl_len - 1;
	fd = memfd_create("body", 0);
	if (fd == -1 || write(fd, nul + 1, body_len) != (ssize_t)body_len ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	saved = dup(0);
	dup2(fd, 0);
	memset(&r, 0, sizeof(r));
	r.envp = env;
	r.prog = "fuzz";
	e = req_read_body(&r, 1 << 20);
	if (e == LSH_OK && (r.body_len > body_len ||
	    memcmp(r.body, nul + 1, r.body_len) != 0 || r.body[r.body_len] != '\0'))
		abort();
	req_end(&r);
	dup2(saved, 0);
	close(saved);
	close(fd);
	return 0;
}
