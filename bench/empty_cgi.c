/*
 * empty_cgi.c: the ceiling of CGI mode.  A CGI program that reads the
 * body (CONTENT_LENGTH bytes of stdin) and answers 200, nothing else;
 * linked like any C program (libc only, dynamically).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static const char answer[] = "Status: 200 OK\r\nContent-Type: application/json\r\n"
    "Cache-Control: no-store\r\n\r\n{\"status\":\"ok\"}\n";

int
main(void)
{
	static char buf[65536];
	const char *cl = getenv("CONTENT_LENGTH");
	long left = cl != NULL ? atol(cl) : 0;
	ssize_t k;

	while (left > 0) {
		k = read(0, buf, left > (long)sizeof(buf) ? sizeof(buf) : (size_t)left);
		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		left -= k;
	}
	return write(1, answer, sizeof(answer) - 1) == (ssize_t)sizeof(answer) - 1 ? 0 : 1;
}
