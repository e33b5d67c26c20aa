/*
 * empty_fcgi.c: the ceiling of the benchmark.  A FastCGI responder on the
 * same libfcgi (fcgiapp) loop as lshook that reads the whole body and
 * answers 200, and does nothing else: no configuration, no authentication,
 * no parsing, no storage.  Whatever lshook costs above it is lshook's own.
 */
#include <stdlib.h>

#include <fcgiapp.h>

static const char answer[] = "Status: 200 OK\r\nContent-Type: application/json\r\n"
    "Cache-Control: no-store\r\n\r\n{\"status\":\"ok\"}\n";

int
main(void)
{
	static char buf[65536];
	FCGX_Request r;
	const char *cl;
	long left;
	int k;

	FCGX_Init();
	FCGX_InitRequest(&r, 0, 0);
	while (FCGX_Accept_r(&r) >= 0) {
		cl = FCGX_GetParam("CONTENT_LENGTH", r.envp);
		left = cl != NULL ? atol(cl) : 0;
		while (left > 0) {
			k = FCGX_GetStr(buf, left > (long)sizeof(buf) ?
			    (int)sizeof(buf) : (int)left, r.in);
			if (k <= 0)
				break;
			left -= k;
		}
		FCGX_PutStr(answer, (int)sizeof(answer) - 1, r.out);
		FCGX_Finish_r(&r);
	}
	FCGX_Free(&r, 1);
	return 0;
}
