#!/usr/bin/env bats
# config.bats: settings from the environment and the LSHOOK_CONFIG file,
# failing closed on anything unknown or unparsable; log file modes.
load helpers

setup() {
	setup_data
	CONF=$BATS_TEST_TMPDIR/lshook.conf
}

# A FastCGI handler a failed test left running would hold bats open.
teardown() {
	[ -z "${FCGI_PID:-}" ] || kill "$FCGI_PID" 2>/dev/null || true
}

EV='{"action":"TASKS_CREATED","tasks":[{"id":1}],"project":{"id":2}}'

# ev N: a TASKS_CREATED of task N, for a test that stores several: the same
# TASKS_CREATED again would be answered duplicate (a retried delivery).
ev() { printf '{"action":"TASKS_CREATED","tasks":[{"id":%s}],"project":{"id":2}}' "$1"; }

assert_stored() {
	assert_http 200 .status ok
	[ "$(log_lines "${2:-tasks.jsonl}")" -eq "${1:-1}" ] ||
	    fail "expected ${1:-1} records, found $(log_lines "${2:-tasks.jsonl}")"
}

# Run with settings from $CONF only.
run_conf() {
	run_cgi tasks "$EV" LSHOOK_CONFIG="$CONF" LSHOOK_DATA_DIR= LSHOOK_SECRET= "$@"
}

# --- the LSHOOK_CONFIG file -------------------------------------------

@test "config: data dir and secret come from the LSHOOK_CONFIG file" {
	local dir=$BATS_TEST_TMPDIR/from-file
	mkdir "$dir"
	cat > "$CONF" <<-EOF
	# lshook settings

	   LSHOOK_DATA_DIR = $dir
	LSHOOK_SECRET=$SECRET2	
	  # LSHOOK_SECRET = $SECRET
	EOF
	run_conf HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_http 200 .status ok
	[ "$(wc -l < "$dir/tasks.jsonl")" -eq 1 ]
	assert_nothing_stored
	run_conf HTTP_AUTHORIZATION="Bearer $SECRET"
	assert_http 401 .error "bad credentials"
	[ "$(wc -l < "$dir/tasks.jsonl")" -eq 1 ]
}

@test "config: other settings in the file take effect too" {
	cat > "$CONF" <<-EOF
	LSHOOK_DATA_DIR=$DATA
	LSHOOK_SECRET=$SECRET
	LSHOOK_MAX_BODY = 40
	LSHOOK_AUTH = hmac
	EOF
	run_conf
	assert_error 413 "body too large"
	run_cgi tasks '{"action":"TASKS_CREATED"}' LSHOOK_CONFIG="$CONF" \
	    LSHOOK_DATA_DIR= LSHOOK_SECRET=
	assert_error 401 "missing credentials"
	run_cgi tasks '{"action":"TASKS_CREATED"}' LSHOOK_CONFIG="$CONF" \
	    LSHOOK_DATA_DIR= LSHOOK_SECRET= HTTP_AUTHORIZATION= \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(printf '%s' '{"action":"TASKS_CREATED"}' |
	    openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)"
	assert_stored 1
}

@test "config: a file with CRLF line ends and values holding '=' is read" {
	printf 'LSHOOK_DATA_DIR=%s\r\nLSHOOK_SECRET=abc=def==0123456789\r\n\r\n' "$DATA" > "$CONF"
	run_conf HTTP_AUTHORIZATION="Bearer abc=def==0123456789"
	assert_stored 1
}

@test "config: a file without a final newline is read" {
	printf 'LSHOOK_SECRET=%s\nLSHOOK_DATA_DIR=%s' "$SECRET" "$DATA" > "$CONF"
	run_conf
	assert_stored 1
}

@test "config: an unknown key in the file is 500 naming file:line" {
	printf '# settings\nLSHOOK_DATA_DIR=%s\n\nLSHOOK_FSYNCC = never\nLSHOOK_SECRET=%s\n' \
	    "$DATA" "$SECRET" > "$CONF"
	run_conf
	assert_error 500 "bad configuration" "$CONF:4"
	[[ $stderr == *LSHOOK_FSYNCC* ]] || fail "key not named: $stderr"
}

@test "config: a non-LSHOOK key in the file is 500 naming file:line" {
	printf 'LSHOOK_DATA_DIR=%s\nLSHOOK_SECRET=%s\nDATA_DIR=/tmp\n' "$DATA" "$SECRET" > "$CONF"
	run_conf
	assert_error 500 "bad configuration" "$CONF:3"
}

@test "config: a line without '=' is 500 naming file:line, not the line" {
	printf 'LSHOOK_DATA_DIR=%s\nLSHOOK_SECRET %s\n' "$DATA" "$SECRET" > "$CONF"
	run_conf
	assert_error 500 "bad configuration" "$CONF:2"
	[[ $stderr != *"$SECRET"* && $output != *"$SECRET"* ]] || fail "secret printed: $stderr"
}

@test "config: a misspelt secret key in the file is named without its value" {
	printf 'LSHOOK_DATA_DIR=%s\nLSHOOK_SECRETS=%s\n' "$DATA" "$SECRET" > "$CONF"
	run_conf
	assert_error 500 "bad configuration" "$CONF:2"
	[[ $stderr != *"$SECRET"* && $output != *"$SECRET"* ]] || fail "secret printed: $stderr"
}

@test "config: LSHOOK_CONFIG inside the file is refused" {
	printf 'LSHOOK_DATA_DIR=%s\nLSHOOK_SECRET=%s\nLSHOOK_CONFIG=/etc/other\n' \
	    "$DATA" "$SECRET" > "$CONF"
	run_conf
	assert_error 500 "bad configuration" "$CONF:3"
}

@test "config: a missing LSHOOK_CONFIG file is 500 naming it" {
	CONF=$BATS_TEST_TMPDIR/no-such.conf
	run_cgi tasks "$EV" LSHOOK_CONFIG="$CONF"
	assert_error 500 "bad configuration" "$CONF"
}

@test "config: a LSHOOK_CONFIG that is a directory is 500" {
	mkdir "$CONF"
	run_cgi tasks "$EV" LSHOOK_CONFIG="$CONF"
	assert_error 500 "bad configuration" "$CONF"
}

@test "config: an empty LSHOOK_CONFIG file changes nothing" {
	: > "$CONF"
	run_cgi tasks "$EV" LSHOOK_CONFIG="$CONF"
	assert_stored 1
}

@test "config: the environment overrides the file" {
	local other=$BATS_TEST_TMPDIR/other
	mkdir "$other"
	printf 'LSHOOK_DATA_DIR=%s\nLSHOOK_SECRET=%s\nLSHOOK_FSYNC=sometimes\n' \
	    "$other" "$SECRET" > "$CONF"
	run_cgi tasks "$EV" LSHOOK_CONFIG="$CONF" LSHOOK_SECRET= LSHOOK_FSYNC=never
	assert_stored 1
	[ -z "$(ls -A "$other")" ] || fail "the file's data dir was used"
	# the same secret in both is harmless
	run_cgi tasks "$(ev 2)" LSHOOK_CONFIG="$CONF" LSHOOK_FSYNC=never
	assert_stored 2
}

# Decision (README, "Settings"): a secret that two sources set differently
# is refused, not overridden: SetEnv LSHOOK_SECRET in .htaccess would
# otherwise silently replace the one in lshook.conf.
@test "config: a secret set differently by SetEnv/the environment and the file is 500 naming both" {
	printf 'LSHOOK_SECRET=%s\n' "$SECRET" > "$CONF"
	run_cgi tasks "$EV" LSHOOK_CONFIG="$CONF" LSHOOK_SECRET="$SECRET2" \
	    HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_error 500 "bad configuration" "LSHOOK_SECRET is set both in the environment (or SetEnv, under CGI) and in '$CONF'"
	[[ $stderr != *"$SECRET"* && $stderr != *"$SECRET2"* ]] || fail "secret printed: $stderr"
	printf 'LSHOOK_SECRET_FILE=/etc/lshook/secret\n' > "$CONF"
	run_cgi tasks "$EV" LSHOOK_CONFIG="$CONF" LSHOOK_SECRET_FILE=/run/secret
	assert_error 500 "bad configuration" "LSHOOK_SECRET_FILE is set both"
}

@test "config: over FastCGI, a SetEnv secret that differs from the file's is 500 naming both" {
	printf '%s\n' "$SECRET2" > "$BATS_TEST_TMPDIR/secret"
	printf 'LSHOOK_SECRET_FILE=%s\n' "$BATS_TEST_TMPDIR/secret" > "$CONF"
	start_fcgi tasks LSHOOK_CONFIG="$CONF"
	fcgi_request "$EV" HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_http 200 .status ok
	fcgi_request "$EV" LSHOOK_SECRET_FILE=/etc/lshook/secret
	assert_http 500 .error "bad configuration"
	[[ $stderr == *"LSHOOK_SECRET_FILE is set both in the server's per-request settings (SetEnv) and in '$CONF'"* ]] ||
	    fail "stderr: $stderr"
	stop_fcgi
}

# --- placeholders ------------------------------------------------------

# Each placeholder secret lshook ships, read from the file that ships it:
# a changed placeholder must still be refused.
bundle_example() {	# the lshook.conf.example that bundle.sh writes
	sed -n "/<<'CONF'\$/,/^CONF\$/p" "$ROOT/scripts/bundle.sh" | sed '1d;$d'
}

shipped_placeholders() {
	bundle_example | sed -n 's/^LSHOOK_SECRET=//p'
	sed -n 's/^#SetEnv LSHOOK_SECRET //p' "$ROOT/www/.htaccess"
	sed -n 's/^ *LSHOOK_SECRET=\(<.*>\)$/\1/p' "$ROOT/apache/SHARED-HOSTING.md"
	grep -o 'LSHOOK_SECRET=<[^>]*>' "$ROOT/README.md" | sed 's/^LSHOOK_SECRET=//'
}

@test "config: the shipped lshook.conf.example is refused for its placeholder, naming the file" {
	bundle_example | sed "s|^LSHOOK_DATA_DIR=.*|LSHOOK_DATA_DIR=$DATA|" > "$CONF"
	grep -q '^LSHOOK_SECRET=change-me' "$CONF" || fail "example: $(cat "$CONF")"
	run_conf
	assert_error 500 "bad configuration" "LSHOOK_SECRET from '$CONF' is the example's placeholder"
}

@test "config: every shipped placeholder secret is 500, naming the setting and where it came from" {
	local p n=0
	while IFS= read -r p; do
		[ "${#p}" -ge 16 ] || fail "placeholder '$p' is short: found no placeholder?"
		n=$((n + 1))
		run_cgi tasks "$EV" LSHOOK_SECRET="$p" HTTP_AUTHORIZATION="Bearer $p"
		assert_error 500 "bad configuration" "LSHOOK_SECRET from the environment (or SetEnv, under CGI) is the example's placeholder"
		printf 'LSHOOK_SECRET=%s\n' "$p" > "$CONF"
		run_conf HTTP_AUTHORIZATION="Bearer $p"
		assert_error 500 "bad configuration" "LSHOOK_SECRET from '$CONF'"
		printf '%s\n' "$SECRET2" "$p" > "$BATS_TEST_TMPDIR/secret"
		run_cgi tasks "$EV" LSHOOK_SECRET= LSHOOK_SECRET_FILE="$BATS_TEST_TMPDIR/secret"
		assert_error 500 "bad configuration" "LSHOOK_SECRET_FILE '$BATS_TEST_TMPDIR/secret' is the example's placeholder"
		run_cgi tasks "$EV" LSHOOK_SECRET="$SECRET,$p"
		assert_error 500 "bad configuration" "placeholder"
	done < <(shipped_placeholders)
	# bundle.sh, .htaccess, SHARED-HOSTING.md, README.md
	[ "$n" -eq 4 ] || fail "found $n placeholders: $(shipped_placeholders)"
}

# --- the environment --------------------------------------------------

@test "config: an unknown LSHOOK_ variable is 500 naming it" {
	run_cgi tasks "$EV" LSHOOK_FSYNCC=never
	assert_error 500 "bad configuration" LSHOOK_FSYNCC
	run_cgi tasks "$EV" LSHOOK_SECRETS="$SECRET2"
	assert_error 500 "bad configuration" LSHOOK_SECRETS
	[[ $stderr != *"$SECRET2"* ]] || fail "value printed: $stderr"
}

@test "config: a configuration error is 500 for every request" {
	run_cgi tasks "$EV" LSHOOK_FSYNCC=never REQUEST_METHOD=GET
	assert_error 500 "bad configuration"
	run_cgi tasks "$EV" LSHOOK_FSYNCC=never HTTP_AUTHORIZATION=
	assert_error 500 "bad configuration"
	run_cgi tasks "$EV" LSHOOK_FSYNCC=never CONTENT_TYPE=text/plain
	assert_error 500 "bad configuration"
}

@test "config: LSHOOK_FSYNC takes always or never, anything else is 500" {
	run_cgi tasks "$EV" LSHOOK_FSYNC=never
	assert_stored 1
	run_cgi tasks "$(ev 2)" LSHOOK_FSYNC=always
	assert_stored 2
	rm -rf "$DATA" && mkdir "$DATA"
	local v
	for v in sometimes Never 0 1 yes; do
		run_cgi tasks "$EV" LSHOOK_FSYNC=$v
		assert_error 500 "bad configuration" LSHOOK_FSYNC
	done
}

# run_cgi_traced HANDLER BODY [VAR=value...]: run_cgi under strace, keeping
# the handler's calls that sync (fsync, fdatasync, syncfs, sync,
# sync_file_range, msync) in $BATS_TEST_TMPDIR/syncs, one a line as
# "call(<path>)": the path relative to $DATA, "." for $DATA itself.  The
# work after the answer (derived records) is traced too: strace waits for
# the handler to exit.  Fails unless the trace shows the handler writing
# a log (writev, traced for that only), so no sync is no broken trace.
run_cgi_traced() {
	local trace=$BATS_TEST_TMPDIR/trace
	local CGI_WRAPPER=(strace -f -qq -y -e signal=none -o "$trace"
	    -e trace=fsync,fdatasync,syncfs,sync,sync_file_range,msync,writev)
	run_cgi "$@"
	# the trace saw the handler write its log (writev is traced for that)
	grep -q "writev([0-9]*<$DATA/[a-z]*\.jsonl>" "$trace" ||
	    fail "no write of a log traced: $(cat "$trace")"
	grep -v '^[0-9]* *writev(' "$trace" | sed -e 's/^[0-9]* *//' \
	    -e 's/ *= .*$//' -e 's/([0-9]*</(</' -e "s|<$DATA>|<.>|" \
	    -e "s|<$DATA/|<|" | sort > "$BATS_TEST_TMPDIR/syncs"
}

# assert_syncs [CALL...]: the traced run made exactly these sync calls, or
# none at all when $NO_SYNC is 1.
assert_syncs() {
	local want=
	[ "${NO_SYNC:-0}" = 1 ] || want=$(printf '%s\n' "$@" | sort)
	[ "$(cat "$BATS_TEST_TMPDIR/syncs")" = "$want" ] ||
	    fail "sync calls: $(cat "$BATS_TEST_TMPDIR/syncs"), want: $want"
}

# A recorded event with no project: no derived record follows it.
NOPROJ='{"action":"TASKS_DELETED","tasks":[{"id":1}]}'
NOPROJ2='{"action":"TASKS_DELETED","tasks":[{"id":2}]}'

# check_syncs VALUE: three recorded events under LSHOOK_FSYNC=VALUE (empty:
# unset), each with the syncs LSHOOK_FSYNC=always makes (none with NO_SYNC=1).
check_syncs() {
	sanitized_build && skip "LeakSanitizer does not run under strace"
	strace -qq -o /dev/null true || fail "strace cannot trace here"
	run_cgi_traced tasks "$NOPROJ" LSHOOK_FSYNC="$1"
	assert_stored 1
	# the new log's directory entry, then the record
	assert_syncs 'fsync(<.>)' 'fsync(<tasks.jsonl>)'
	run_cgi_traced tasks "$NOPROJ2" LSHOOK_FSYNC="$1"
	assert_stored 2
	assert_syncs 'fsync(<tasks.jsonl>)'
	# project 2 seen first: PROJECT_FIRST_SEEN goes to a new projects.jsonl
	run_cgi_traced tasks "$EV" LSHOOK_FSYNC="$1"
	assert_stored 3
	[ "$(jq -r .action "$DATA/projects.jsonl")" = PROJECT_FIRST_SEEN ]
	assert_syncs 'fsync(<tasks.jsonl>)' 'fsync(<.>)' 'fsync(<projects.jsonl>)'
}

@test "config: LSHOOK_FSYNC=always syncs each record's log, and the directory of a new log" {
	check_syncs always
}

@test "config: LSHOOK_FSYNC=never syncs nothing" {
	NO_SYNC=1 check_syncs never
}

@test "config: LSHOOK_FSYNC unset syncs as always does (the default)" {
	check_syncs ""
}

@test "config: a relative or missing LSHOOK_DATA_DIR is 500" {
	cd "$BATS_TEST_TMPDIR"
	run_cgi tasks "$EV" LSHOOK_DATA_DIR=data
	assert_error 500 "bad configuration" LSHOOK_DATA_DIR
	run_cgi tasks "$EV" LSHOOK_DATA_DIR=./data
	assert_error 500 "bad configuration" LSHOOK_DATA_DIR
	# unset: the default beside the document root, which does not exist here
	run_cgi tasks "$EV" LSHOOK_DATA_DIR=
	assert_error 500 "data directory unusable" "$(realpath "$ROOT")/lshook-data"
}

# A copy of the www/ layout: $SITE/www/hooks/tasks.fcgi.
make_site() {
	SITE=$BATS_TEST_TMPDIR/site
	mkdir -p "$SITE/www/hooks"
	cp "$HOOKS/tasks.fcgi" "$SITE/www/hooks/"
}

@test "config: without LSHOOK_DATA_DIR, a handler in <www>/hooks/ writes to <www>/../lshook-data" {
	make_site
	mkdir "$SITE/lshook-data"
	HOOKS=$SITE/www/hooks run_cgi tasks "$EV" LSHOOK_DATA_DIR=
	assert_http 200 .status ok
	[ "$(wc -l < "$SITE/lshook-data/tasks.jsonl")" -eq 1 ]
	assert_nothing_stored
}

@test "config: without LSHOOK_CONFIG, <www>/../lshook.conf is read when it exists" {
	make_site
	printf 'LSHOOK_DATA_DIR=%s\nLSHOOK_SECRET=%s\n' "$DATA" "$SECRET2" > "$SITE/lshook.conf"
	HOOKS=$SITE/www/hooks run_cgi tasks "$EV" LSHOOK_DATA_DIR= LSHOOK_SECRET= \
	    HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	echo 'LSHOOK_BOGUS=1' >> "$SITE/lshook.conf"
	HOOKS=$SITE/www/hooks run_cgi tasks "$EV" LSHOOK_DATA_DIR= LSHOOK_SECRET= \
	    HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_http 500 .error "bad configuration"
	[[ $stderr == *"$SITE/lshook.conf:3"* ]] || fail "stderr: $stderr"
}

@test "config: a subfolder install without LSHOOK_CONFIG names the config path it looked for" {
	make_site
	HOOKS=$SITE/www/hooks run_cgi tasks "$EV" LSHOOK_SECRET= HTTP_AUTHORIZATION= \
	    LSHOOK_DATA_DIR="$DATA"
	assert_error 500 "not configured" "no secret: set LSHOOK_SECRET or LSHOOK_SECRET_FILE (looked in the server's per-request settings (SetEnv), the environment (or SetEnv, under CGI) and the default config '$SITE/lshook.conf' (not found; name yours with SetEnv LSHOOK_CONFIG))"
	# a config file without a secret is named too
	printf 'LSHOOK_FSYNC=never\n' > "$CONF"
	HOOKS=$SITE/www/hooks run_cgi tasks "$EV" LSHOOK_SECRET= HTTP_AUTHORIZATION= \
	    LSHOOK_DATA_DIR="$DATA" LSHOOK_CONFIG="$CONF"
	assert_error 500 "not configured" "and LSHOOK_CONFIG '$CONF')"
}

@test "config: a handler outside a hooks/ folder has no default data directory" {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cp "$HOOKS/tasks.fcgi" "$BATS_TEST_TMPDIR/bin/"
	HOOKS=$BATS_TEST_TMPDIR/bin run_cgi tasks "$EV" LSHOOK_DATA_DIR=
	assert_error 500 "not configured" "LSHOOK_DATA_DIR is not set (looked in the server's per-request settings (SetEnv), the environment (or SetEnv, under CGI) and no config file (LSHOOK_CONFIG is not set, and the handler is not in a hooks/ folder))"
}

@test "config: a bad LSHOOK_MAX_BODY is 500" {
	local v
	for v in abc 0 -1 1k 1073741825 " 100"; do
		run_cgi tasks "$EV" LSHOOK_MAX_BODY="$v"
		assert_error 500 "bad configuration" LSHOOK_MAX_BODY
	done
	run_cgi tasks "$EV" LSHOOK_MAX_BODY=1073741824
	assert_stored 1
}

@test "config: header names with anything but letters, digits and dashes are 500" {
	local v
	for v in X_Under "X Token" "X-Token:" "X.Token"; do
		run_cgi tasks "$EV" LSHOOK_AUTH_HEADER="$v"
		assert_error 500 "bad configuration" LSHOOK_AUTH_HEADER
		run_cgi tasks "$EV" LSHOOK_HMAC_HEADER="$v"
		assert_error 500 "bad configuration" LSHOOK_HMAC_HEADER
	done
}

@test "config: Authorization, Content-Type and Content-Length cannot be the secret header" {
	local v
	for v in Authorization content-type Content-Length; do
		run_cgi tasks "$EV" LSHOOK_AUTH_HEADER="$v"
		assert_error 500 "bad configuration" LSHOOK_AUTH_HEADER
	done
}

@test "config: bad LSHOOK_TOLERANCE, LSHOOK_CLOCK and LSHOOK_MODEL_VERSION are 500" {
	local kv
	for kv in LSHOOK_TOLERANCE=0 LSHOOK_TOLERANCE=abc LSHOOK_TOLERANCE=86401 \
	    LSHOOK_CLOCK=yesterday LSHOOK_CLOCK=-1 "LSHOOK_MODEL_VERSION=my model" \
	    'LSHOOK_MODEL_VERSION=a"b' "LSHOOK_MODEL_VERSION=$(printf 'v%.0s' $(seq 65))"; do
		run_cgi tasks "$EV" "$kv"
		assert_error 500 "bad configuration" "${kv%%=*}"
	done
}

# --- file modes -------------------------------------------------------

@test "config: logs are created mode 0640 whatever the caller's umask" {
	local mask
	for mask in 000 077 022; do
		rm -rf "$DATA" && mkdir "$DATA"
		umask $mask
		run_cgi tasks "$EV"
		assert_stored 1
		run_cgi projects "$EV"
		assert_http 202 .status ignored
		umask 022
		[ "$(stat -c %a "$DATA/tasks.jsonl")" = 640 ] ||
		    fail "umask $mask: tasks.jsonl is $(stat -c %a "$DATA/tasks.jsonl")"
		[ "$(stat -c %a "$DATA/ignored.jsonl")" = 640 ] ||
		    fail "umask $mask: ignored.jsonl is $(stat -c %a "$DATA/ignored.jsonl")"
	done
}

@test "config: an existing log keeps its mode" {
	: > "$DATA/tasks.jsonl"
	chmod 600 "$DATA/tasks.jsonl"
	run_cgi tasks "$EV"
	assert_stored 1
	[ "$(stat -c %a "$DATA/tasks.jsonl")" = 600 ]
}
