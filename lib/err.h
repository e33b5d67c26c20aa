/* err.h: the one error type of lshook and its mapping to HTTP answers. */
#ifndef LSH_ERR_H
#define LSH_ERR_H

/*
 * Every check in the lib returns one of these.  err.c holds the single
 * table that maps each to an HTTP status and the short message that the
 * JSON error body carries; handlers never choose statuses themselves.
 */
enum lsh_err {
	LSH_OK = 0,
	LSH_E_METHOD,		/* 405 */
	LSH_E_MEDIA_TYPE,	/* 415 */
	LSH_E_LENGTH_REQUIRED,	/* 411 */
	LSH_E_BAD_LENGTH,	/* 400 */
	LSH_E_TOO_LARGE,	/* 413 */
	LSH_E_SHORT_BODY,	/* 400 */
	LSH_E_EMPTY_BODY,	/* 400 */
	LSH_E_JSON,		/* 400 */
	LSH_E_NOT_OBJECT,	/* 400 */
	LSH_E_NO_ACTION,	/* 400 */
	LSH_E_ACTION_TYPE,	/* 400 */
	LSH_E_DUP_ACTION,	/* 400 */
	LSH_E_BAD_ID,		/* 400 */
	LSH_E_AUTH_MISSING,	/* 401 */
	LSH_E_AUTH_BAD,		/* 401 */
	LSH_E_AUTH_SCHEME,	/* 401 */
	LSH_E_SIG_BAD,		/* 401 */
	LSH_E_SIG_MALFORMED,	/* 401 */
	LSH_E_TS_MALFORMED,	/* 401 */
	LSH_E_TS_STALE,		/* 401 */
	LSH_E_TS_FUTURE,	/* 401 */
	LSH_E_NOT_FOUND,	/* 404 */
	LSH_E_NOT_CONFIGURED,	/* 500 */
	LSH_E_CONFIG,		/* 500 */
	LSH_E_STORAGE,		/* 500 */
	LSH_E_WRITE,		/* 503 */
	LSH_E_NOMEM,		/* 503 */
	LSH_E_READ,		/* 400 */
	LSH_E__COUNT
};

/* HTTP status for an error (200 for LSH_OK). */
int lsh_err_status(enum lsh_err);

/* Short fixed message for the JSON body, e.g. "bad signature". */
const char *lsh_err_message(enum lsh_err);

/* Reason phrase for an HTTP status, e.g. "Not Found". */
const char *lsh_status_reason(int status);

#endif /* LSH_ERR_H */
