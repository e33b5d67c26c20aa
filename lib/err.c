/* err.c: the single place where errors become HTTP statuses. */
#include "err.h"

static const struct {
	int status;
	const char *message;
} errors[LSH_E__COUNT] = {
	[LSH_OK] = { 200, "ok" },
	[LSH_E_METHOD] = { 405, "method not allowed" },
	[LSH_E_MEDIA_TYPE] = { 415, "content type must be application/json" },
	[LSH_E_LENGTH_REQUIRED] = { 411, "content length required" },
	[LSH_E_BAD_LENGTH] = { 400, "bad content length" },
	[LSH_E_TOO_LARGE] = { 413, "body too large" },
	[LSH_E_SHORT_BODY] = { 400, "body shorter than content length" },
	[LSH_E_EMPTY_BODY] = { 400, "empty body" },
	[LSH_E_JSON] = { 400, "invalid json" },
	[LSH_E_NOT_OBJECT] = { 400, "json body must be an object" },
	[LSH_E_NO_ACTION] = { 400, "missing action" },
	[LSH_E_ACTION_TYPE] = { 400, "action must be a string" },
	[LSH_E_DUP_ACTION] = { 400, "duplicate action" },
	[LSH_E_BAD_ID] = { 400, "bad webhook-id" },
	[LSH_E_AUTH_MISSING] = { 401, "missing credentials" },
	[LSH_E_AUTH_BAD] = { 401, "bad credentials" },
	[LSH_E_AUTH_SCHEME] = { 401, "unsupported authorization scheme" },
	[LSH_E_SIG_BAD] = { 401, "bad signature" },
	[LSH_E_SIG_MALFORMED] = { 401, "malformed signature" },
	[LSH_E_TS_MALFORMED] = { 401, "malformed timestamp" },
	[LSH_E_TS_STALE] = { 401, "stale timestamp" },
	[LSH_E_TS_FUTURE] = { 401, "timestamp in the future" },
	[LSH_E_NOT_FOUND] = { 404, "not found" },
	[LSH_E_NOT_CONFIGURED] = { 500, "not configured" },
	[LSH_E_CONFIG] = { 500, "bad configuration" },
	[LSH_E_STORAGE] = { 500, "data directory unusable" },
	[LSH_E_WRITE] = { 503, "write failed" },
	[LSH_E_NOMEM] = { 503, "out of memory" },
	[LSH_E_READ] = { 400, "cannot read body" },
};

int
lsh_err_status(enum lsh_err e)
{
	if ((unsigned)e >= LSH_E__COUNT)
		return 500;
	return errors[e].status;
}

const char *
lsh_err_message(enum lsh_err e)
{
	if ((unsigned)e >= LSH_E__COUNT)
		return "internal error";
	return errors[e].message;
}

const char *
lsh_status_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}
