/* test_config.c: sources, precedence, refusals, reload; the route table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "auth.h"
#include "config.h"
#include "route.h"
#include "unit.h"

static char file[] = "/tmp/lshook-conf-XXXXXX";

static void
write_file(const char *text)
{
	FILE *f = fopen(file, "w");

	fputs(text, f);
	fclose(f);
}

static void
test_file_and_precedence(void)
{
	char *env[] = { "LSHOOK_CONFIG=", "LSHOOK_DATA_DIR=/from/env", NULL };
	char *params[] = { "LSHOOK_FSYNC=never", "HTTP_X=1", NULL };
	char cfgvar[64];
	struct config c;

	snprintf(cfgvar, sizeof(cfgvar), "LSHOOK_CONFIG=%s", file);
	env[0] = cfgvar;
	write_file("# comment\n\n  LSHOOK_DATA_DIR = /from/file  \n"
	    "LSHOOK_SECRET=file-secret-0123456789\r\nLSHOOK_AUTH=header,hmac\n"
	    "LSHOOK_AUTH_HEADER=X-Webhook-Token\nLSHOOK_MAX_BODY=1000\n");
	config_build(&c, params, env);
	CHECK(c.err == LSH_OK, "file config loads");
	CHECK_STR(c.data_dir, "/from/env", "environment beats the file");
	CHECK(c.fsync == 0, "params beat everything");
	CHECK(c.nsecrets == 1 && c.secrets[0].raw_len == 22, "secret trimmed");
	CHECK(c.auth == (LSH_AUTH_HEADER | LSH_AUTH_HMAC), "modes");
	CHECK_STR(c.auth_header, "HTTP_X_WEBHOOK_TOKEN", "custom header param name");
	CHECK_STR(c.hmac_header, "HTTP_X_HUB_SIGNATURE_256", "default hmac header");
	CHECK(c.max_body == 1000 && c.tolerance == 300, "limits");
	CHECK(!config_stale(&c), "not stale right after loading");
	write_file("LSHOOK_SECRET=another-secret-0123456789\n");
	CHECK(config_stale(&c), "a rewritten file is noticed");
	config_free(&c);

	write_file("LSHOOK_SECRET=file-secret-0123456789\nLSHOOK_SECERT=x\n");
	config_build(&c, NULL, env);
	CHECK(c.err == LSH_E_CONFIG && strstr(c.errmsg, ":2: unknown setting") &&
	    strstr(c.errmsg, "LSHOOK_SECERT"), "unknown key in the file, with its line");
	CHECK(strstr(c.errmsg, "file-secret") == NULL, "no secret in the message");
	config_free(&c);
	unlink(file);
	config_build(&c, NULL, env);
	CHECK(c.err == LSH_E_CONFIG && !config_stale(&c),
	    "a missing config file is an error, and stays one");
	write_file("LSHOOK_SECRET=file-secret-0123456789\n");
	CHECK(config_stale(&c), "creating the missing file is noticed");
	config_free(&c);
	write_file("LSHOOK_SECRET\n");
	config_build(&c, NULL, env);
	CHECK(c.err == LSH_E_CONFIG, "a line without '=' is refused");
	config_free(&c);
}

static void
expect_error(char **env, enum lsh_err want, const char *name)
{
	struct config c;

	config_build(&c, NULL, env);
	CHECK(c.err == want, name);
	if (c.err != want)
		printf("#   errmsg: %s\n", c.errmsg);
	config_free(&c);
}

static void
test_refusals(void)
{
	char *base[] = { "LSHOOK_DATA_DIR=/d", "LSHOOK_SECRET=secret-0123456789abc",
	    NULL, NULL };

	expect_error(base, LSH_OK, "a minimal configuration is fine");
	base[2] = "LSHOOK_FSYNCC=never";
	expect_error(base, LSH_E_CONFIG, "unknown LSHOOK_ variable");
	base[2] = "LSHOOK_FSYNC=sometimes";
	expect_error(base, LSH_E_CONFIG, "bad LSHOOK_FSYNC");
	base[2] = "LSHOOK_MAX_BODY=12k";
	expect_error(base, LSH_E_CONFIG, "bad LSHOOK_MAX_BODY");
	base[2] = "LSHOOK_MAX_BODY=2147483648";
	expect_error(base, LSH_E_CONFIG, "LSHOOK_MAX_BODY over 1 GiB");
	base[2] = "LSHOOK_TOLERANCE=0";
	expect_error(base, LSH_E_CONFIG, "zero tolerance");
	base[2] = "LSHOOK_AUTH_HEADER=X_Token";
	expect_error(base, LSH_E_CONFIG, "underscore header name");
	base[2] = "LSHOOK_AUTH_HEADER=Authorization";
	expect_error(base, LSH_E_CONFIG, "Authorization as custom header");
	base[2] = "LSHOOK_MODEL_VERSION=a b";
	expect_error(base, LSH_E_CONFIG, "model version with a space");
	base[2] = "LSHOOK_SECRET_FILE=/nonexistent/secret";
	expect_error(base, LSH_E_CONFIG, "missing secret file");
	base[0] = "LSHOOK_DATA_DIR=relative/dir";
	base[2] = NULL;
	expect_error(base, LSH_E_CONFIG, "relative data directory");
	base[0] = "LSHOOK_SECRET=secret-0123456789abc";
	base[1] = NULL;
	expect_error(base, LSH_E_NOT_CONFIGURED, "no data directory");
}

static void
test_routes(void)
{
	static const struct {
		const char *action;
		enum lsh_family family;
	} v[] = {
		{ "TASKS_CREATED", LSH_FAM_TASKS }, { "TASK_CREATED", LSH_FAM_TASKS },
		{ "TASKS_DELETED", LSH_FAM_TASKS }, { "TASK_DELETED", LSH_FAM_TASKS },
		{ "ANNOTATION_CREATED", LSH_FAM_ANNOTATIONS },
		{ "ANNOTATIONS_CREATED", LSH_FAM_ANNOTATIONS },
		{ "ANNOTATION_UPDATED", LSH_FAM_ANNOTATIONS },
		{ "ANNOTATIONS_DELETED", LSH_FAM_ANNOTATIONS },
		{ "ANNOTATION_DELETED", LSH_FAM_ANNOTATIONS },
		{ "REVIEW_CREATED", LSH_FAM_ANNOTATIONS },
		{ "REVIEW_UPDATED", LSH_FAM_ANNOTATIONS },
		{ "REVIEWS_DELETED", LSH_FAM_ANNOTATIONS },
		{ "PROJECT_CREATED", LSH_FAM_PROJECTS },
		{ "PROJECT_UPDATED", LSH_FAM_PROJECTS },
		{ "PROJECT_DELETED", LSH_FAM_PROJECTS },
		{ "LABEL_LINK_CREATED", LSH_FAM_PROJECTS },
		{ "LABEL_LINK_UPDATED", LSH_FAM_PROJECTS },
		{ "LABEL_LINK_DELETED", LSH_FAM_PROJECTS },
		{ "START_TRAINING", LSH_FAM_TRAINING },
	};
	const struct route *r;
	size_t i, n = 0;
	int ok = 1;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		r = route_find(v[i].action);
		ok &= r != NULL && r->family == v[i].family;
	}
	for (r = lsh_routes; r->action != NULL; r++)
		n++;
	CHECK(ok, "every action routes to its family");
	CHECK(n == sizeof(v) / sizeof(v[0]), "the table has exactly these rows");
	CHECK(route_find("tasks_created") == NULL, "actions are case-sensitive");
	CHECK(route_find("") == NULL, "the empty action is unknown");
	CHECK(strcmp(route_find("ANNOTATION_DELETED")->canonical,
	    "ANNOTATIONS_DELETED") == 0, "alias canonical name");
}

int
main(void)
{
	int fd;

	if (sodium_init() < 0 || (fd = mkstemp(file)) == -1)
		return 1;
	close(fd);
	auth_init();
	test_file_and_precedence();
	test_refusals();
	test_routes();
	unlink(file);
	return unit_done();
}
