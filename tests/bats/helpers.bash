# helpers.bash: shared setup for the bats suites.  Load with `load helpers`.
#
# run_cgi runs a handler exactly as a web server runs a CGI program: the
# CGI variables in a clean environment and the body on stdin.  FastCGI
# tests start a handler with spawn-fcgi on 127.0.0.1 and talk to it with
# cgi-fcgi; lighttpd tests start lighttpd from lighttpd/lshook.conf.
# Every server binds 127.0.0.1 on a port picked here and is stopped by PID.
# With VALGRIND=1 every handler run goes through valgrind, and an error or
# leak fails the test.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
HOOKS=$ROOT/www/hooks
FIXTURES=$ROOT/tests/fixtures
LSDOCS=$FIXTURES/labelstudio-docs
SECRET=test-secret-0123456789abcdef
# The body limit shipped everywhere: LSHOOK_MAX_BODY's default, lighttpd's
# server.max-request-size, Apache's FcgidMaxRequestLen and LimitRequestBody,
# nginx's client_max_body_size (256 MiB).
BODY_LIMIT=268435456
SECRET2=rotated-secret-abcdef0123456789
# Standard Webhooks vector SW-1 (reference/signatures.md)
SW_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw

VALGRIND_CMD=()
if [ "${VALGRIND:-0}" = 1 ]; then
	# --read-inline-info=no: a fifth less start-up per run; reports
	# name the enclosing functions instead of inlined ones
	VALGRIND_CMD=(valgrind -q --error-exitcode=99 --leak-check=full
	    --errors-for-leak-kinds=definite,indirect
	    --show-leak-kinds=definite,indirect --read-inline-info=no)
fi

# A fresh data directory per test.
setup_data() {
	DATA=$BATS_TEST_TMPDIR/data
	mkdir -p "$DATA"
}

# run_cgi HANDLER BODY [VAR=value...]
#   Runs www/hooks/HANDLER.fcgi as CGI with BODY on stdin.  Defaults:
#   POST, application/json, CONTENT_LENGTH of BODY, LSHOOK_DATA_DIR=$DATA,
#   LSHOOK_SECRET=$SECRET and Authorization: Bearer $SECRET; every other
#   setting is lshook's shipped default (deduplication on: a test that
#   sends one body twice and wants two records says why it turns it off,
#   or sends a body that is new each time).  Each VAR=value
#   overrides or adds; VAR= (empty) removes the default.  With CGI_WRAPPER
#   set (an array), the handler runs under that command.
#   Sets: $status (exit), $http_status, $http_headers, $http_body, $stderr,
#   and $LAST_HANDLER.
run_cgi() {
	local handler=$1 body=$2
	shift 2
	printf '%s' "$body" > "$BATS_TEST_TMPDIR/body"
	run_cgi_file "$handler" "$BATS_TEST_TMPDIR/body" "$@"
}

# run_cgi_file HANDLER FILE [VAR=value...]: run_cgi with the exact bytes of
# FILE on stdin (NUL bytes and final newlines included).
run_cgi_file() {
	local handler=$1 file=$2
	shift 2
	local -A vars=(
		[REQUEST_METHOD]=POST
		[CONTENT_TYPE]=application/json
		[CONTENT_LENGTH]=$(wc -c < "$file")
		[LSHOOK_DATA_DIR]=$DATA
		[LSHOOK_SECRET]=$SECRET
		[HTTP_AUTHORIZATION]="Bearer $SECRET"
		[SCRIPT_NAME]=/hooks/$handler.fcgi
		[GATEWAY_INTERFACE]=CGI/1.1
		[SERVER_PROTOCOL]=HTTP/1.1
		[REMOTE_ADDR]=127.0.0.1
	)
	local kv envargs=()
	for kv in "$@"; do
		vars[${kv%%=*}]=${kv#*=}
	done
	for kv in "${!vars[@]}"; do
		[ -n "${vars[$kv]}" ] && envargs+=("$kv=${vars[$kv]}")
	done
	LAST_HANDLER=$handler
	run --separate-stderr "${CGI_WRAPPER[@]}" env -i PATH="$PATH" \
	    "${envargs[@]}" "${VALGRIND_CMD[@]}" "$HOOKS/$handler.fcgi" < "$file"
	parse_response
	assert_clean_run
}

# run_cgi_raw RAWFILE HANDLER BODY [VAR=value...]: run_cgi that also keeps
# the handler's stdout byte for byte in RAWFILE (run drops final newlines).
run_cgi_raw() {
	local raw=$1
	shift
	local CGI_WRAPPER=(bash -c 'raw=$1; shift; "$@" > "$raw"; rc=$?; cat "$raw"; exit $rc'
	    raw "$raw")
	run_cgi "$@"
}

# assert_raw_answer RAWFILE STATUS-LINE [HEADER...]: RAWFILE holds exactly
# that CGI answer: the status, JSON content type, no-store, the headers
# given, the empty line, and no body (the answer to a HEAD).
assert_raw_answer() {
	local raw=$1 want=$BATS_TEST_TMPDIR/want-answer h
	shift
	{
		printf 'Status: %s\r\nContent-Type: application/json\r\n' "$1"
		printf 'Cache-Control: no-store\r\n'
		shift
		for h in "$@"; do
			printf '%s\r\n' "$h"
		done
		printf '\r\n'
	} > "$want"
	cmp -s "$raw" "$want" || fail "answer is not the headers alone: $(od -c "$raw" | head -20)"
}

# Whether the handlers were built with the sanitizers (make check
# SANITIZE=1): address-space limits and valgrind do not work with them.
sanitized_build() {
	nm "$HOOKS/tasks.fcgi" 2>/dev/null | grep -q __asan_init
}

# Fail on a valgrind error exit or a sanitizer report (SANITIZE=1 builds).
assert_clean_run() {
	[ "$status" -ne 99 ] || fail "valgrind reported errors: $stderr"
	case ${stderr:-} in
	*AddressSanitizer*|*LeakSanitizer*|*"runtime error:"*)
		fail "sanitizer report: $stderr" ;;
	esac
}

# assert_header LINE: the response carries exactly that header line.
assert_header() {
	printf '%s\n' "$http_headers" | tr -d '\r' | grep -qxF "$1" ||
	    fail "no header '$1' in: $http_headers"
}

# assert_diag STATUS MESSAGE: $stderr is one line, the diagnostic of the
# handler run last ("lshook-<handler>: <status> <message>...").
assert_diag() {
	local want="lshook-$LAST_HANDLER: $1 $2"
	[[ -n $stderr && $stderr != *$'\n'* ]] ||
	    fail "expected one stderr line, got: $stderr"
	[[ $stderr == "$want"* ]] || fail "expected stderr '$want...', got: $stderr"
}

# assert_error STATUS MESSAGE [STDERR-PART]: the exact error answer, its
# diagnostic line (holding STDERR-PART when given), and nothing stored.
assert_error() {
	assert_http "$1"
	[ "$http_body" = '{"status":"error","error":"'"$2"'"}' ] ||
	    fail "expected error '$2', got: $http_body"
	assert_diag "$1" "$2"
	assert_nothing_stored
	if [ $# -ge 3 ]; then
		[[ $stderr == *"$3"* ]] || fail "'$3' not in stderr: $stderr"
	fi
}

# Split $output (a CGI response) into $http_status, $http_headers, $http_body.
# run drops final newlines: an answer without a body ends in "\r\n\r" there.
parse_response() {
	local out=$output
	[[ $out != *$'\r\n\r' ]] || out+=$'\n'
	http_headers=${out%%$'\r\n\r\n'*}
	http_body=${out#*$'\r\n\r\n'}
	http_status=$(printf '%s\n' "$http_headers" | sed -n 's/^Status: \([0-9]*\).*/\1/p' | head -1)
}

# assert_http STATUS [JQ-FILTER EXPECTED]: check the status and a body field.
assert_http() {
	[ "$http_status" = "$1" ] || fail "expected HTTP $1, got '$http_status': $http_body (stderr: ${stderr:-})"
	if [ $# -ge 3 ]; then
		local got
		got=$(printf '%s' "$http_body" | jq -r "$2") || fail "body is not JSON: $http_body"
		[ "$got" = "$3" ] || fail "expected $2 = '$3', got '$got' in $http_body"
	fi
}

# Number of records a log file of $DATA holds for requests (0 when it does
# not exist): records lshook derives itself (PROJECT_FIRST_SEEN, ids
# "first-seen:..."; TRAIN_REQUESTED, ids "train:...") are not counted.
log_lines() {
	if [ -f "$DATA/$1" ]; then
		grep -cv '^{"v":1,"id":"\(first-seen\|train\):' "$DATA/$1" || true
	else
		echo 0
	fi
}

# records FILE: the lines of a log of $DATA that record requests (without
# the records lshook derives itself, see log_lines).
records() {
	grep -v '^{"v":1,"id":"\(first-seen\|train\):' "$DATA/$1" || true
}

# The logs of $DATA holding records of requests, one name a line, sorted
# (not the derived ontology.jsonl and commands.jsonl, nor state/).
event_files() {
	local f
	for f in "$DATA"/*.jsonl; do
		[ -f "$f" ] || continue
		case ${f##*/} in ontology.jsonl|commands.jsonl) continue ;; esac
		[ "$(log_lines "${f##*/}")" -gt 0 ] && echo "${f##*/}"
	done
	return 0
}

# Assert that nothing was written to the data directory (state/ holds
# lshook's own bookkeeping, such as the table of seen delivery ids).
assert_nothing_stored() {
	local files
	files=$(find "$DATA" -path "$DATA/state" -prune -o -type f -print 2>/dev/null)
	[ -z "$files" ] || fail "data directory holds: $files"
}

# A free TCP port on 127.0.0.1, below Linux's range for outgoing
# connections (32768-60999) so no client socket can hold it.
free_port() {
	local port
	while :; do
		port=$((10000 + RANDOM % 22000))
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
	done
	echo "$port"
}

# wait_handler PID: wait (up to 10 s) until the process catches SIGTERM,
# that is, runs the handler's main (spawn-fcgi listens on the port before
# it execs env and the handler: a signal sent earlier meets them instead).
wait_handler() {
	local i mask
	for i in $(seq 100); do
		mask=$(awk '/^SigCgt:/ { print $2 }' "/proc/$1/status" 2>/dev/null) ||
		    return 1
		[ -n "$mask" ] && (( (16#$mask >> 14) & 1 )) && return 0
		sleep 0.1
	done
	return 1
}

# start_fcgi HANDLER [VAR=value...]: run a handler as FastCGI with
# spawn-fcgi on 127.0.0.1; sets $FCGI_PORT and $FCGI_PID.
start_fcgi() {
	local handler=$1 try
	shift
	for try in 1 2 3 4 5; do
		FCGI_PORT=$(free_port)
		spawn-fcgi -n -a 127.0.0.1 -p "$FCGI_PORT" -- /usr/bin/env -i \
		    PATH="$PATH" LSHOOK_DATA_DIR="$DATA" LSHOOK_SECRET="$SECRET" \
		    "$@" \
		    "${VALGRIND_CMD[@]}" "$HOOKS/$handler.fcgi" \
		    2>"$BATS_TEST_TMPDIR/fcgi.err" &
		FCGI_PID=$!
		wait_port "$FCGI_PORT" "$FCGI_PID" && wait_handler "$FCGI_PID" &&
		    return 0
		kill "$FCGI_PID" 2>/dev/null || true
		wait "$FCGI_PID" 2>/dev/null || true
	done
	fail "cannot start $handler as FastCGI"
}

# wait_port PORT [PID]: wait until something listens on 127.0.0.1:PORT
# (about 10 s at most); give up at once when process PID has exited.
wait_port() {
	local i
	for i in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
	return 1
}

# Stop the FastCGI handler by PID; it must exit 0 on SIGTERM.  Each check
# returns at once: callers run this as `stop_fcgi || rc=$?`, where set -e
# does not stop at a failed line.
stop_fcgi() {
	[ -n "${FCGI_PID:-}" ] || return 0
	kill -TERM "$FCGI_PID" 2>/dev/null
	local rc=0
	wait "$FCGI_PID" || rc=$?
	FCGI_PID=
	if [ "$rc" -ne 0 ]; then
		fail "FastCGI handler exited with $rc: $(cat "$BATS_TEST_TMPDIR/fcgi.err")"
		return 1
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$BATS_TEST_TMPDIR/fcgi.err"; then
		fail "sanitizer report: $(cat "$BATS_TEST_TMPDIR/fcgi.err")"
		return 1
	fi
}

# fcgi_request BODY [VAR=value...]: one request over FastCGI with cgi-fcgi.
# Same defaults and results as run_cgi (no data-dir or secret defaults:
# those are the process's own environment, set in start_fcgi).
fcgi_request() {
	local body=$1
	shift
	local -A vars=(
		[REQUEST_METHOD]=POST
		[CONTENT_TYPE]=application/json
		[CONTENT_LENGTH]=$(printf '%s' "$body" | wc -c)
		[HTTP_AUTHORIZATION]="Bearer $SECRET"
		[SCRIPT_FILENAME]=/hooks/handler.fcgi
		[REMOTE_ADDR]=127.0.0.1
	)
	local kv envargs=()
	for kv in "$@"; do
		vars[${kv%%=*}]=${kv#*=}
	done
	for kv in "${!vars[@]}"; do
		[ -n "${vars[$kv]}" ] && envargs+=("$kv=${vars[$kv]}")
	done
	run --separate-stderr env -i "${envargs[@]}" \
	    cgi-fcgi -bind -connect "127.0.0.1:$FCGI_PORT" < <(printf '%s' "$body")
	parse_response
}

# start_lighttpd: serve www/ with lighttpd/lshook.conf on a free port of
# 127.0.0.1, data in $DATA, secret $SECRET; sets $LIGHTTPD_PORT,
# $LIGHTTPD_PID and $BASE_URL.  LSHOOK_AUTH for the handlers comes from
# $LIGHTTPD_AUTH (default header,hmac); the secret file holds $SECRET,
# and $SW_SECRET too when standard is among the modes.  $LIGHTTPD_WWW
# replaces www/ as the document root.
start_lighttpd() {
	local run=$BATS_TEST_TMPDIR/lighttpd
	local auth=${LIGHTTPD_AUTH:-header,hmac}
	mkdir -p "$run"
	printf '%s\n' "$SECRET" > "$run/secret"
	case $auth in *standard*) printf '%s\n' "$SW_SECRET" >> "$run/secret" ;; esac
	lighttpd_up "$ROOT/lighttpd/lshook.conf" "$auth" "${LIGHTTPD_WWW:-$ROOT/www}"
}

# start_lighttpd_cgi [VAR=value...]: start_lighttpd with
# lighttpd/lshook-cgi.conf (mod_cgi: one process per request); each
# VAR=value is added to lighttpd's own environment.
start_lighttpd_cgi() {
	local run=$BATS_TEST_TMPDIR/lighttpd
	mkdir -p "$run"
	printf '%s\n' "$SECRET" > "$run/secret"
	lighttpd_up "$ROOT/lighttpd/lshook-cgi.conf" header,hmac "$ROOT/www" "$@"
}

# lighttpd_up CONF AUTH WWW [VAR=value...]: lighttpd -D -f CONF on a free
# port (five tries), the LSHOOKD_* values from the arguments, $DATA and
# $BATS_TEST_TMPDIR/lighttpd.  bats' fd 3 is closed for it: a handler that
# outlived lighttpd would otherwise hold bats' output open to the end.
lighttpd_up() {
	local conf=$1 auth=$2 www=$3 run=$BATS_TEST_TMPDIR/lighttpd
	shift 3
	for _ in 1 2 3 4 5; do
		LIGHTTPD_PORT=$(free_port)
		env "$@" LSHOOKD_WWW="$www" LSHOOKD_RUN="$run" \
		    LSHOOKD_PORT="$LIGHTTPD_PORT" LSHOOKD_DATA="$DATA" \
		    LSHOOKD_SECRET_FILE="$run/secret" LSHOOKD_AUTH="$auth" \
		    lighttpd -D -f "$conf" 2>"$run/stderr" 3>&- &
		LIGHTTPD_PID=$!
		if wait_port "$LIGHTTPD_PORT" "$LIGHTTPD_PID"; then
			BASE_URL=http://127.0.0.1:$LIGHTTPD_PORT
			return 0
		fi
		kill "$LIGHTTPD_PID" 2>/dev/null || true
		wait "$LIGHTTPD_PID" 2>/dev/null || true
	done
	fail "cannot start lighttpd: $(cat "$run/stderr")"
}

# sized_task_body SIZE FILE: a valid TASKS_CREATED (task 99) of exactly SIZE
# bytes, one long text; its compacted payload is COMPACT_PRE + the text +
# TASK_POST (check_sized_record).
TASK_PRE='{"action": "TASKS_CREATED", "project": {"id": 7}, "tasks": [{"id": 99, "data": {"text": "'
COMPACT_PRE='{"action":"TASKS_CREATED","project":{"id":7},"tasks":[{"id":99,"data":{"text":"'
TASK_POST='"}}]}'
sized_task_body() {
	local pad=$(($1 - ${#TASK_PRE} - ${#TASK_POST}))
	{
		printf '%s' "$TASK_PRE"
		head -c "$pad" /dev/zero | tr '\0' a
		printf '%s' "$TASK_POST"
	} > "$2"
	[ "$(stat -c %s "$2")" -eq "$1" ]
}

# check_sized_record LOG SIZE: the last record of LOG holds the whole
# sized_task_body of SIZE bytes, compacted, byte for byte (without a JSON
# parser, which would take seconds on 256 MiB: the payload is the record's
# last member).
check_sized_record() {
	local want got off
	want=$({
		printf '%s' "$COMPACT_PRE"
		head -c $(($2 - ${#TASK_PRE} - ${#TASK_POST})) /dev/zero | tr '\0' a
		printf '%s}\n' "$TASK_POST"
	} | sha256sum)
	off=$(tail -n 1 "$1" | head -c 4096 | grep -abo '"payload":' | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || fail "no payload in the last record of $1"
	got=$(tail -n 1 "$1" | tail -c +$((off + 11)) | sha256sum)
	[ "$got" = "$want" ] || fail "the stored payload is not the body of $2 bytes"
}

stop_lighttpd() {
	[ -n "${LIGHTTPD_PID:-}" ] || return 0
	local kids
	kids=$(pgrep -P "$LIGHTTPD_PID" 2>/dev/null || true)
	kill -TERM "$LIGHTTPD_PID" 2>/dev/null || true
	wait "$LIGHTTPD_PID" 2>/dev/null || true
	LIGHTTPD_PID=
	# lighttpd sends its FastCGI children SIGTERM as it exits, but one it
	# stops between fork and exec catches the signal as lighttpd (its own
	# handler) and then runs on as an orphan: end those here, by PID.
	[ -n "$kids" ] && stop_orphans $kids
	return 0
}

# stop_orphans PID...: SIGTERM the ones still running, SIGKILL after 3 s.
stop_orphans() {
	local pid i alive
	kill -TERM "$@" 2>/dev/null || true
	for i in $(seq 30); do
		alive=
		for pid in "$@"; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		[ -z "$alive" ] && return 0
		sleep 0.1
	done
	kill -KILL "$@" 2>/dev/null || true
}

# is_fresh ACTION: whether lshook deduplicates ACTION without a webhook-id
# (route.c "fresh": its payload always holds a new id or updated_at, so the
# same bytes again are a retried delivery).
is_fresh() {
	case $1 in
	TASKS_CREATED|TASK_CREATED|ANNOTATION_CREATED|ANNOTATIONS_CREATED|\
	ANNOTATION_UPDATED|PROJECT_CREATED) return 0 ;;
	*) return 1 ;;
	esac
}

# assert_event_id ID KEY ACTION [ENDPOINT]: ID is the id lshook gives a
# delivery of ACTION with key KEY ("sha256:<hex of the body>", for a body
# that is not a bare {"action": ...}) on the shipped defaults: KEY for a
# deduplicated action, KEY@ENDPOINT when ENDPOINT ignored it, and for any
# other action KEY and a random ".<16 hex>".
assert_event_id() {
	local re
	if ! is_fresh "$3"; then
		re="^${2}\.[0-9a-f]{16}\$"
	elif [ -n "${4:-}" ]; then
		re="^${2}@${4}\$"
	else
		re="^${2}\$"
	fi
	[[ $1 =~ $re ]] || fail "$3: id $1, want $re"
}

# Every line of a log file is one JSON object with the envelope fields.
assert_wellformed_log() {
	local file=$1
	run jq -e -c 'select((.v == 1 and (.id|type) == "string" and
	    (.received_at|test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{6}Z$")) and
	    (.action|type) == "string" and (.task_ids|type) == "array" and
	    (.annotation_ids|type) == "array" and (.payload|type) == "object") | not)' "$file"
	[ "$status" -eq 4 ] || [ "$status" -eq 1 ] || fail "unparsable line in $file: $output"
	[ -z "$output" ] || fail "malformed record in $file: $output"
}
