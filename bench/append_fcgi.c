/*
 * append_fcgi.c: a reference point between the ceiling and lshook.  The
 * empty responder plus the one thing lshook cannot skip: the body is
 * appended as one line to a log under an exclusive flock (as lshook's
 * store does), then 200.  No authentication, no JSON, no id.  What lshook
 * costs above this row is its checks; what this row costs above the
 * ceiling is the write itself.
 *
 * The log is $BENCH_APPEND_LOG, opened once (O_APPEND).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fcgiapp.h>

static const char answer[] = "Status: 200 OK\r\nContent-Type: application/json\r\n"
    "Cache-Control: no-store\r\n\r\n{\"status\":\"ok\"}\n";

int
main(void)
{
	const char *path = getenv("BENCH_APPEND_LOG");
	struct iovec iov[2];
	FCGX_Request r;
	const char *cl;
	char *body;
	long len, got;
	int fd, k;

	if (path == NULL)
		return 1;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1)
		return 1;
	FCGX_Init();
	FCGX_InitRequest(&r, 0, 0);
	while (FCGX_Accept_r(&r) >= 0) {
		cl = FCGX_GetParam("CONTENT_LENGTH", r.envp);
		len = cl != NULL ? atol(cl) : 0;
		body = malloc((size_t)len + 1);
		for (got = 0; body != NULL && got < len; got += k) {
			k = FCGX_GetStr(body + got, (int)(len - got), r.in);
			if (k <= 0)
				break;
		}
		if (body != NULL && got == len && len > 0) {
			iov[0].iov_base = body;
			iov[0].iov_len = (size_t)len;
			iov[1].iov_base = (void *)"\n";
			iov[1].iov_len = 1;
			flock(fd, LOCK_EX);
			k = writev(fd, iov, 2) == len + 1;
			flock(fd, LOCK_UN);
		} else
			k = 0;
		FCGX_PutS(k ? answer : "Status: 500 Internal Server Error\r\n\r\n", r.out);
		free(body);
		FCGX_Finish_r(&r);
	}
	return 0;
}
