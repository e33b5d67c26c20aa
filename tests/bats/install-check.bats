#!/usr/bin/env bats
# install-check.bats: GET <handler>?check, the install check every handler
# answers: configuration, credentials and the data directory as for an
# event, a probe file written, synced and removed in place of the append,
# and nothing stored.
load helpers

setup() { setup_data; }

teardown() {
	stop_lighttpd
	[ -z "${NOBODY_DIR:-}" ] || rm -rf "$NOBODY_DIR"
}

HANDLERS="tasks annotations projects training status"

# check HANDLER [VAR=value...]: GET HANDLER?check with the default secret.
check() {
	local handler=$1
	shift
	run_cgi "$handler" "" REQUEST_METHOD=GET QUERY_STRING=check \
	    CONTENT_LENGTH= CONTENT_TYPE= "$@"
}

# The data directory holds no file at all: no event, no probe, no state.
assert_data_empty() {
	[ -z "$(ls -A "$DATA")" ] || fail "stored: $(ls -A "$DATA")"
}

@test "install-check: every handler answers ok with the data directory and free space, and stores nothing" {
	local h
	for h in $HANDLERS; do
		check "$h"
		assert_http 200 .status ok
		printf '%s' "$http_body" | jq -e --arg h "$h" --arg d "$DATA" '
		    .check.handler == $h and .check.data_dir == $d and
		    .check.config == null and .check.fsync == "always" and
		    (.check.free_bytes | type) == "number" and
		    .check.total_bytes >= .check.free_bytes and .check.free_bytes > 0' \
		    >/dev/null || fail "$h: $http_body"
		[ -z "$stderr" ] || fail "stderr: $stderr"
	done
	assert_data_empty
}

@test "install-check: the training handler answers it on any route, HEAD too" {
	check training PATH_INFO=/health
	assert_http 200 .check.handler training
	check tasks REQUEST_METHOD=HEAD
	assert_http 200
	assert_data_empty
}

@test "install-check: wrong or missing credentials are 401, as for an event" {
	check tasks HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_error 401 "bad credentials"
	check tasks HTTP_AUTHORIZATION=
	assert_error 401 "missing credentials"
	assert_header 'WWW-Authenticate: Basic realm="lshook"'
	check training HTTP_AUTHORIZATION=
	assert_error 401 "missing credentials"
}

@test "install-check: Basic and Standard Webhooks credentials pass; a bare HMAC of the empty body does not" {
	local sig
	check tasks HTTP_AUTHORIZATION="Basic $(printf 'x:%s' "$SECRET" | base64 -w0)"
	assert_http 200 .status ok
	sig=sha256=$(printf '' | openssl dgst -sha256 -hmac "$SECRET" | sed 's/.*= //')
	check tasks LSHOOK_AUTH=hmac HTTP_AUTHORIZATION= HTTP_X_HUB_SIGNATURE_256="$sig"
	assert_error 401 "unsupported authorization scheme"
}

@test "install-check: a missing configuration is the 500 an event gets" {
	check tasks LSHOOK_SECRET=
	assert_error 500 "not configured" "no secret"
	check tasks LSHOOK_SECRET= HTTP_AUTHORIZATION=
	assert_error 500 "not configured"
	check tasks LSHOOK_CONFIG="$BATS_TEST_TMPDIR/missing.conf"
	assert_error 500 "bad configuration" "$BATS_TEST_TMPDIR/missing.conf"
	check training LSHOOK_FSYNC=sometimes
	assert_error 500 "bad configuration" "LSHOOK_FSYNC"
}

@test "install-check: a missing data directory, or one inside the document root, is the 500 an event gets" {
	check tasks LSHOOK_DATA_DIR="$DATA/missing"
	assert_error 500 "data directory unusable" "$DATA/missing"
	[ ! -e "$DATA/missing" ]
	check tasks DOCUMENT_ROOT="$BATS_TEST_TMPDIR"
	assert_error 500 "data directory unusable" "inside the document root"
	# and the same for a real event
	run_cgi tasks '{"action":"TASKS_CREATED","tasks":[{"id":1}]}' LSHOOK_DATA_DIR="$DATA/missing"
	assert_error 500 "data directory unusable" "$DATA/missing"
}

@test "install-check: a data directory the handler's user cannot write is 500, as for an event" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	command -v setpriv > /dev/null || skip "no setpriv"
	NOBODY_DIR=$(mktemp -d /tmp/lshook-check.XXXXXX)
	chmod 755 "$NOBODY_DIR"
	DATA=$NOBODY_DIR/data
	mkdir -m 755 "$DATA"
	CGI_WRAPPER=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	check tasks
	assert_error 500 "data directory unusable" "cannot create '$DATA/.lshook-check."
	[[ $stderr == *"Permission denied"* ]] || fail "stderr: $stderr"
	run_cgi tasks '{"action":"TASKS_CREATED","tasks":[{"id":1}]}'
	assert_error 500 "data directory unusable" "Permission denied"
	assert_data_empty
	# once writable, the check passes and still stores nothing
	chown nobody "$DATA"
	check tasks
	assert_http 200 .status ok
	assert_data_empty
}

@test "install-check: POST ?check is an event like any other; without ?check a GET is 405" {
	run_cgi tasks '{"action":"TASKS_CREATED","tasks":[{"id":1}]}' QUERY_STRING=check
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	run_cgi tasks "" REQUEST_METHOD=GET CONTENT_LENGTH= QUERY_STRING=checks
	assert_http 405
}

@test "install-check: over FastCGI and lighttpd, the check stores nothing" {
	start_fcgi tasks
	fcgi_request "" REQUEST_METHOD=GET QUERY_STRING=check CONTENT_LENGTH= CONTENT_TYPE=
	assert_http 200 .check.handler tasks
	stop_fcgi
	start_lighttpd
	run curl -s -H "Authorization: Bearer $SECRET" "$BASE_URL/hooks/status.fcgi?check"
	assert_success
	printf '%s' "$output" | jq -e '.status == "ok" and .check.handler == "status"' >/dev/null ||
	    fail "lighttpd: $output"
	run curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/hooks/annotations.fcgi?check"
	assert_output 401
	stop_lighttpd
	assert_nothing_stored	# the 401 is counted in state/, for the status page
	[ -z "$(find "$DATA" -name '.lshook-check*')" ]
}
