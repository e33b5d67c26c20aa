/* fuzz_event.c: envelope and routing: a body becomes one valid record. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "event.h"
#include "fuzz.h"
#include "jtree.h"
#include "wtf8.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_cstr(data, size), *line, *nl;
	struct iovec iov[3];
	struct event ev;
	struct buf text = { 0 };
	struct jtree t;
	cJSON *rec;
	size_t n;

	if (event_parse(&ev, body, size, NULL) == LSH_OK &&
	    event_record(&ev, ev.route ? family_name(ev.route->family) : NULL,
	    "tasks", ev.route ? NULL : "unknown action", iov) == LSH_OK) {
		n = iov[0].iov_len + iov[1].iov_len + iov[2].iov_len;
		line = malloc(n + 1);
		memcpy(line, iov[0].iov_base, iov[0].iov_len);
		memcpy(line + iov[0].iov_len, iov[1].iov_base, iov[1].iov_len);
		memcpy(line + iov[0].iov_len + iov[1].iov_len, iov[2].iov_base, 2);
		line[n] = '\0';
		/* one line, ending in its only newline, and valid JSON */
		nl = memchr(line, '\n', n);
		if (nl != line + n - 1)
			abort();
		/* deeper than cJSON reads (fuzz.h): jtree, which reads
		 * lone surrogates itself */
		if (fuzz_json_depth(line, n) >= CJSON_NESTING_LIMIT) {
			if (jtree_parse(&t, line, n - 1, JTREE_FULL) != LSH_OK)
				abort();
			jtree_free(&t);
			event_free(&ev);
			free(line);
			free(body);
			return 0;
		}
		/* cJSON refuses lone surrogate escapes, which a record
		 * keeps as sent: it reads them as WTF-8 (wtf8.h) */
		wtf8_unescape_lone(&text, line, n);
		rec = text.failed ? NULL :
		    cJSON_ParseWithLength(text.p, text.len);
		if (rec == NULL)
			abort();
		cJSON_Delete(rec);
		buf_free(&text);
		free(line);
	}
	event_free(&ev);
	free(body);
	return 0;
}
