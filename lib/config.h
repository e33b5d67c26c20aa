/* config.h: settings from the environment, FastCGI params and a file. */
#ifndef LSH_CONFIG_H
#define LSH_CONFIG_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/*
 * The default body limit, and the one every shipped server configuration
 * sets: Label Studio's largest batch (WEBHOOK_BATCH_SIZE 5000 tasks) of
 * 15,000-character texts is 98 MB as it serializes it (bench/gen_payloads.py
 * --long); 256 MiB holds it with a margin of 2.7.  A request holds about
 * twice its body in memory (docs/SECURITY.md).
 */
#define LSH_DEFAULT_MAX_BODY	(256UL << 20)
#define LSH_MAX_MAX_BODY	(1UL << 30)	/* Apache's own default cap */
#define LSH_DEFAULT_TOLERANCE	300		/* Standard Webhooks: 5 minutes */
#define LSH_MIN_SECRET		16		/* shorter secrets are refused */
#define LSH_MAX_SECRETS		16
#define LSH_MAX_COMMANDS	32
#define LSH_MAX_ARGS		32

enum {
	LSH_AUTH_HEADER = 1,	/* shared secret in Authorization or a header */
	LSH_AUTH_HMAC = 2,	/* X-Hub-Signature-256: sha256=<hex> */
	LSH_AUTH_STANDARD = 4	/* Standard Webhooks v1 */
};

struct secret {
	unsigned char	*raw;		/* as configured */
	size_t		 raw_len;
	unsigned char	 digest[32];	/* keyed hash, for constant-time compare */
	unsigned char	*sw_key;	/* Standard Webhooks key, or NULL */
	size_t		 sw_len;
};

/* LSHOOK_ON_<KEY>: a program and its arguments for a family or action. */
struct command {
	char	*key;			/* "ANNOTATIONS", "PROJECT_FIRST_SEEN"... */
	char	*argv[LSH_MAX_ARGS + 1];	/* NULL-terminated */
};

/* A file the configuration came from, to notice when it changes. */
struct watched {
	char		*path;
	int		 exists;	/* it could be read */
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	long long	 mtime_ns;
};

struct config {
	char		*data_dir;
	struct secret	 secrets[LSH_MAX_SECRETS];
	size_t		 nsecrets;
	unsigned	 auth;		/* LSH_AUTH_* bits */
	char		*auth_header;	/* param name, e.g. HTTP_X_WEBHOOK_TOKEN */
	char		*hmac_header;	/* param name, e.g. HTTP_X_HUB_SIGNATURE_256 */
	long		 tolerance;	/* seconds */
	size_t		 max_body;
	int		 fsync;		/* 1: fsync every event */
	char		*model_version;
	long		 dedup_window;	/* seconds a delivery id is remembered; 0 off */
	unsigned long	 dedup_slots;	/* size of the table of seen ids */
	long		 train_every;	/* TRAIN_REQUESTED every N annotations; 0 off */
	struct command	 commands[LSH_MAX_COMMANDS];
	size_t		 ncommands;
	long		 command_timeout; /* seconds */
	long		 command_max;	/* commands running at once, all processes */
	long long	 clock;		/* fixed Unix time (tests), or 0 */
	struct watched	 files[2];	/* LSHOOK_CONFIG, LSHOOK_SECRET_FILE */
	enum lsh_err	 err;		/* LSH_OK, LSH_E_NOT_CONFIGURED, LSH_E_CONFIG */
	char		 errmsg[1024];	/* why, for the error log; never a secret */
};

/*
 * Build a configuration.  Settings are looked up in params (FastCGI params
 * of one request, may be NULL), then env (a "KEY=value" vector, usually a
 * copy of the startup environment), then the file named by LSHOOK_CONFIG.
 * Never fails outright: a problem sets c->err and c->errmsg, and the
 * handlers answer 500 while it lasts.  Free with config_free.
 */
void config_build(struct config *c, char **params, char **env);

/* Wipe the secrets and free everything. */
void config_free(struct config *c);

/*
 * The command for an action of a family: LSHOOK_ON_<ACTION> if set, else
 * LSHOOK_ON_<FAMILY> (family in upper case).  NULL when neither is.
 */
char *const *config_command(const struct config *c, const char *family,
    const char *action);

/* Whether any file the configuration was read from has changed. */
int config_stale(const struct config *c);

/* Whether a param vector carries any LSHOOK_ setting. */
int config_has_settings(char **params);

/* Copy the LSHOOK_ entries of a "KEY=value" vector; free with envcopy_free. */
char **envcopy(char **env);
void envcopy_free(char **copy);

#endif /* LSH_CONFIG_H */
