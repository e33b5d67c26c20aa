#!/usr/bin/env bats
# fastcgi.bats: the handlers as long-lived FastCGI processes, started with
# spawn-fcgi on 127.0.0.1 and driven with cgi-fcgi (helpers.bash).
load helpers

setup() { setup_data; }

teardown() { stop_fcgi_guarded; }

# stop_fcgi, with a watchdog that SIGKILLs the handler if SIGTERM has not
# ended it within 30 s, so a hung process fails the test instead of
# hanging the suite.  The watchdog ends by itself once the handler is gone.
stop_fcgi_guarded() {
	[ -n "${FCGI_PID:-}" ] || return 0
	local pid=$FCGI_PID rc=0 dog
	(
		for _ in $(seq 300); do
			kill -0 "$pid" 2>/dev/null || exit 0
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	) 3>&- &
	dog=$!
	stop_fcgi || rc=$?
	wait "$dog" 2>/dev/null
	return "$rc"
}

# A small TASKS_CREATED body whose task id is $1; $2 is an optional marker.
task_body() {
	printf '{"action":"TASKS_CREATED","project":{"id":7},"tasks":[{"id":%s,"data":{"text":"task %s %s"}}]}' \
	    "$1" "$1" "${2:-}"
}

START_TRAINING='{"action":"START_TRAINING","project":{"id":2,"title":"New Project #2","token":"9105a1d897e52286"}}'

# The last record of a log, one field (jq filter).
last_field() {
	tail -n 1 "$DATA/$1" | jq -c "$2"
}

# The payload of the last record of a log equals this body (as JSON).
assert_last_payload() {
	local got want
	got=$(tail -n 1 "$DATA/$1" | jq -cS .payload)
	want=$(printf '%s' "$2" | jq -cS .)
	[ "$got" = "$want" ] || fail "payload $got, expected $want"
}

# Post a fixture file over FastCGI to the running handler.
fcgi_request_file() {
	local file=$1
	shift
	fcgi_request "$(cat "$file")" "$@"
}

# A failed request stores nothing, and the same process then stores a
# good request whose record holds that request's body and nothing else.
assert_next_request_clean() {
	assert_nothing_stored
	kill -0 "$FCGI_PID" || fail "the handler process is gone"
	local good
	good=$(task_body 501 after-error)
	fcgi_request "$good"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ] || fail "tasks.jsonl: $(cat "$DATA/tasks.jsonl")"
	assert_wellformed_log "$DATA/tasks.jsonl"
	assert_last_payload tasks.jsonl "$good"
	run grep -c LEAK "$DATA/tasks.jsonl"
	[ "$output" = 0 ] || fail "a failed request's body leaked: $(cat "$DATA/tasks.jsonl")"
	[ "$(event_files)" = tasks.jsonl ] || fail "unexpected logs: $(event_files)"
}

# --- each handler ----------------------------------------------------------

@test "fastcgi: tasks handler records a TASKS_CREATED fixture" {
	start_fcgi tasks
	fcgi_request_file "$LSDOCS/TASKS_CREATED.json"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	assert_wellformed_log "$DATA/tasks.jsonl"
	[ "$(last_field tasks.jsonl .action)" = '"TASKS_CREATED"' ]
	[ "$(last_field tasks.jsonl .task_ids)" = '[21,22,23]' ]
	[ "$(last_field tasks.jsonl .id)" = "\"$(printf '%s' "$http_body" | jq -r .id)\"" ]
}

@test "fastcgi: annotations handler records an ANNOTATION_CREATED fixture" {
	start_fcgi annotations
	fcgi_request_file "$LSDOCS/ANNOTATION_CREATED.json"
	assert_http 200 .status ok
	[ "$(log_lines annotations.jsonl)" -eq 1 ]
	assert_wellformed_log "$DATA/annotations.jsonl"
	[ "$(last_field annotations.jsonl .action)" = '"ANNOTATION_CREATED"' ]
	[ "$(last_field annotations.jsonl .annotation_ids)" = '[17]' ]
}

@test "fastcgi: projects handler records a PROJECT_UPDATED fixture" {
	start_fcgi projects
	fcgi_request_file "$LSDOCS/PROJECT_UPDATED.json"
	assert_http 200 .status ok
	[ "$(log_lines projects.jsonl)" -eq 1 ]
	assert_wellformed_log "$DATA/projects.jsonl"
	[ "$(records projects.jsonl | tail -n 1 | jq -c .action)" = '"PROJECT_UPDATED"' ]
	[ "$(last_field projects.jsonl .project_id)" = "$(jq -c .project.id "$LSDOCS/PROJECT_UPDATED.json")" ]
}

@test "fastcgi: training handler records START_TRAINING posted to /webhook" {
	start_fcgi training
	fcgi_request "$START_TRAINING" SCRIPT_FILENAME=/hooks/training.fcgi \
	    PATH_INFO=/webhook
	assert_http 200 .status ok
	[ "$(log_lines training.jsonl)" -eq 1 ]
	assert_wellformed_log "$DATA/training.jsonl"
	[ "$(last_field training.jsonl .action)" = '"START_TRAINING"' ]
	[ "$(last_field training.jsonl .project_id)" = 2 ]
	# the project token is a secret: never in the log
	run grep -c 9105a1d897e52286 "$DATA/training.jsonl"
	[ "$output" = 0 ]
}

@test "fastcgi: one process serves 20 requests in a row, 20 well-formed lines" {
	start_fcgi tasks
	local pid=$FCGI_PID i
	for i in $(seq 20); do
		fcgi_request "$(task_body "$i")"
		assert_http 200 .status ok
	done
	kill -0 "$pid"
	[ "$FCGI_PID" = "$pid" ]
	[ "$(log_lines tasks.jsonl)" -eq 20 ]
	assert_wellformed_log "$DATA/tasks.jsonl"
	# in order, one record per request, distinct ids
	[ "$(jq -c '.task_ids[0]' "$DATA/tasks.jsonl" | paste -sd,)" = "$(seq -s, 20)" ]
	[ "$(jq -r .id "$DATA/tasks.jsonl" | sort -u | wc -l)" -eq 20 ]
}

# --- configuration ---------------------------------------------------------

@test "fastcgi: configuration comes from the process environment, not the params" {
	start_fcgi training LSHOOK_MODEL_VERSION=env-model-7
	# fcgi_request passes no LSHOOK_ param at all
	fcgi_request "$START_TRAINING" SCRIPT_FILENAME=/hooks/training.fcgi \
	    PATH_INFO=/webhook
	assert_http 200 .status ok
	[ "$(log_lines training.jsonl)" -eq 1 ]
	fcgi_request "" REQUEST_METHOD=GET CONTENT_TYPE= CONTENT_LENGTH= \
	    SCRIPT_FILENAME=/hooks/training.fcgi PATH_INFO=/versions
	assert_http 200 '.versions[0]' env-model-7
	fcgi_request '{"project":"2.1","access_token":"tok"}' \
	    SCRIPT_FILENAME=/hooks/training.fcgi PATH_INFO=/setup
	assert_http 200 .model_version env-model-7
	# the environment's secret is the one in force
	fcgi_request "$START_TRAINING" SCRIPT_FILENAME=/hooks/training.fcgi \
	    PATH_INFO=/webhook HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_http 401
	[ "$(log_lines training.jsonl)" -eq 1 ]
}

@test "fastcgi: HEAD is answered with the headers of GET and no body, and the process serves on" {
	local raw=$BATS_TEST_TMPDIR/raw
	start_fcgi training
	env -i REQUEST_METHOD=HEAD SCRIPT_FILENAME=/hooks/training.fcgi PATH_INFO=/health \
	    REMOTE_ADDR=127.0.0.1 cgi-fcgi -bind -connect "127.0.0.1:$FCGI_PORT" \
	    < /dev/null > "$raw" || fail "cgi-fcgi failed"
	assert_raw_answer "$raw" "200 OK"
	env -i REQUEST_METHOD=HEAD SCRIPT_FILENAME=/hooks/training.fcgi PATH_INFO=/webhook \
	    REMOTE_ADDR=127.0.0.1 cgi-fcgi -bind -connect "127.0.0.1:$FCGI_PORT" \
	    < /dev/null > "$raw" || fail "cgi-fcgi failed"
	assert_raw_answer "$raw" "405 Method Not Allowed" "Allow: GET, POST"
	fcgi_request "" REQUEST_METHOD=GET CONTENT_TYPE= CONTENT_LENGTH= \
	    SCRIPT_FILENAME=/hooks/training.fcgi PATH_INFO=/health
	assert_http 200 .status UP
}

@test "fastcgi: a LSHOOK_DATA_DIR request param redirects that request only" {
	local other=$BATS_TEST_TMPDIR/other
	mkdir -p "$other"
	start_fcgi tasks
	fcgi_request "$(task_body 1)" LSHOOK_DATA_DIR="$other"
	assert_http 200 .status ok
	[ "$(wc -l < "$other/tasks.jsonl")" -eq 1 ]
	assert_nothing_stored
	fcgi_request "$(task_body 2)"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	[ "$(last_field tasks.jsonl '.task_ids[0]')" = 2 ]
	[ "$(wc -l < "$other/tasks.jsonl")" -eq 1 ]
	fcgi_request "$(task_body 3)" LSHOOK_DATA_DIR="$other"
	assert_http 200 .status ok
	[ "$(wc -l < "$other/tasks.jsonl")" -eq 2 ]
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	assert_wellformed_log "$other/tasks.jsonl"
	[ "$(jq -c '.task_ids[0]' "$other/tasks.jsonl" | paste -sd,)" = 1,3 ]
}

@test "fastcgi: a LSHOOK_SECRET request param holds for that request only" {
	start_fcgi tasks
	fcgi_request "$(task_body 1)" LSHOOK_SECRET="$SECRET2" \
	    HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_http 200 .status ok
	# the param replaces the environment's secret for its request
	fcgi_request "$(task_body 2)" LSHOOK_SECRET="$SECRET2"
	assert_http 401
	# the next requests without it use the environment's secret again
	fcgi_request "$(task_body 3)" HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_http 401
	fcgi_request "$(task_body 4)"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
	[ "$(jq -c '.task_ids[0]' "$DATA/tasks.jsonl" | paste -sd,)" = 1,4 ]
}

@test "fastcgi: a changed LSHOOK_CONFIG file is read again without a restart" {
	local cfg=$BATS_TEST_TMPDIR/lshook.conf
	printf 'LSHOOK_DATA_DIR=%s\nLSHOOK_SECRET=%s\n' "$DATA" "$SECRET" > "$cfg"
	# the settings come from the file only: drop start_fcgi's env ones
	start_fcgi tasks LSHOOK_CONFIG="$cfg" \
	    /usr/bin/env -u LSHOOK_DATA_DIR -u LSHOOK_SECRET
	fcgi_request "$(task_body 1)"
	assert_http 200 .status ok
	# rewrite in place: other secret, other size, other mtime
	printf '# rotated\nLSHOOK_DATA_DIR=%s\nLSHOOK_SECRET=%s\n' "$DATA" "$SECRET2" > "$cfg"
	touch -d '+2 seconds' "$cfg"
	fcgi_request "$(task_body 2)"
	assert_http 401
	fcgi_request "$(task_body 3)" HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_http 200 .status ok
	# replaced by rename (how editors and config tools write)
	printf 'LSHOOK_DATA_DIR=%s\nLSHOOK_SECRET=%s\n' "$DATA" "$SECRET" > "$cfg.new"
	mv "$cfg.new" "$cfg"
	fcgi_request "$(task_body 4)" HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_http 401
	fcgi_request "$(task_body 5)"
	assert_http 200 .status ok
	[ "$(jq -c '.task_ids[0]' "$DATA/tasks.jsonl" | paste -sd,)" = 1,3,5 ]
}

@test "fastcgi: a changed LSHOOK_SECRET_FILE is read again without a restart" {
	local sf=$BATS_TEST_TMPDIR/secrets
	printf '%s\n' "$SECRET" > "$sf"
	start_fcgi tasks LSHOOK_SECRET_FILE="$sf" /usr/bin/env -u LSHOOK_SECRET
	fcgi_request "$(task_body 1)" HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_http 401
	# rotation: add the new secret, both valid
	printf '%s\n%s\n' "$SECRET" "$SECRET2" > "$sf"
	fcgi_request "$(task_body 2)" HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_http 200 .status ok
	fcgi_request "$(task_body 3)"
	assert_http 200 .status ok
	# then retire the old one
	printf '%s\n' "$SECRET2" > "$sf"
	fcgi_request "$(task_body 4)"
	assert_http 401
	[ "$(jq -c '.task_ids[0]' "$DATA/tasks.jsonl" | paste -sd,)" = 2,3 ]
}

@test "fastcgi: a broken LSHOOK_CONFIG file gives 500 until it is fixed" {
	local cfg=$BATS_TEST_TMPDIR/lshook.conf
	printf 'LSHOOK_DATA_DIR=%s\nLSHOOK_SECRET=%s\nLSHOOK_TYPO=1\n' "$DATA" "$SECRET" > "$cfg"
	start_fcgi tasks LSHOOK_CONFIG="$cfg" \
	    /usr/bin/env -u LSHOOK_DATA_DIR -u LSHOOK_SECRET
	fcgi_request "$(task_body 1)"
	assert_http 500 .error "bad configuration"
	[[ $stderr == *"lshook-tasks: 500"*LSHOOK_TYPO* ]] || fail "stderr: $stderr"
	assert_nothing_stored
	printf 'LSHOOK_DATA_DIR=%s\nLSHOOK_SECRET=%s\n' "$DATA" "$SECRET" > "$cfg"
	fcgi_request "$(task_body 2)"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
}

@test "fastcgi: a LSHOOK_CONFIG file created after start is picked up" {
	local cfg=$BATS_TEST_TMPDIR/lshook.conf
	start_fcgi tasks LSHOOK_CONFIG="$cfg" \
	    /usr/bin/env -u LSHOOK_DATA_DIR -u LSHOOK_SECRET
	fcgi_request "$(task_body 1)"
	assert_http 500 .error "bad configuration"
	assert_nothing_stored
	printf 'LSHOOK_DATA_DIR=%s\nLSHOOK_SECRET=%s\n' "$DATA" "$SECRET" > "$cfg"
	fcgi_request "$(task_body 2)"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
}

@test "fastcgi: a LSHOOK_SECRET_FILE briefly missing is read again once restored" {
	local sf=$BATS_TEST_TMPDIR/secrets
	printf '%s\n' "$SECRET" > "$sf"
	start_fcgi tasks LSHOOK_SECRET_FILE="$sf" /usr/bin/env -u LSHOOK_SECRET
	fcgi_request "$(task_body 1)"
	assert_http 200 .status ok
	# e.g. a deploy tool that deletes, then writes the file
	rm "$sf"
	fcgi_request "$(task_body 2)"
	assert_http 500 .error "bad configuration"
	printf '%s\n' "$SECRET" > "$sf"
	fcgi_request "$(task_body 3)"
	assert_http 200 .status ok
	[ "$(jq -c '.task_ids[0]' "$DATA/tasks.jsonl" | paste -sd,)" = 1,3 ]
}

@test "fastcgi: a data directory inside DOCUMENT_ROOT is refused with 500" {
	start_fcgi tasks
	fcgi_request "$(task_body 1)" DOCUMENT_ROOT="$BATS_TEST_TMPDIR"
	assert_http 500 .error "data directory unusable"
	[[ $stderr == *"lshook-tasks: 500"*"document root"* ]] || fail "stderr: $stderr"
	assert_nothing_stored
	# a document root beside it is fine
	mkdir "$BATS_TEST_TMPDIR/www"
	fcgi_request "$(task_body 2)" DOCUMENT_ROOT="$BATS_TEST_TMPDIR/www"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	# and the check is made again for the next request
	fcgi_request "$(task_body 3)" DOCUMENT_ROOT="$BATS_TEST_TMPDIR"
	assert_http 500
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
}

# --- errors ----------------------------------------------------------------

@test "fastcgi: 401 for a wrong secret, nothing stored, next request clean" {
	start_fcgi tasks
	fcgi_request "$(task_body 401 LEAK-401)" \
	    HTTP_AUTHORIZATION="Bearer wrong-secret-0123456789"
	assert_http 401 .error "bad credentials"
	[[ $http_headers == *'WWW-Authenticate: Basic realm="lshook"'* ]]
	assert_next_request_clean
}

@test "fastcgi: 411 for a missing length, nothing stored, next request clean" {
	start_fcgi tasks
	fcgi_request "$(task_body 411 LEAK-411)" CONTENT_LENGTH=
	assert_http 411 .status error
	assert_next_request_clean
}

@test "fastcgi: 413 over LSHOOK_MAX_BODY, nothing stored, next request clean" {
	start_fcgi tasks LSHOOK_MAX_BODY=4096
	local big
	big=$(task_body 413 "LEAK-413 $(printf '%05000d' 0)")
	fcgi_request "$big"
	assert_http 413 .error "body too large"
	assert_next_request_clean
}

@test "fastcgi: LSHOOK_MAX_BODY is inclusive: exactly that many bytes is stored" {
	start_fcgi tasks LSHOOK_MAX_BODY=4096
	local body pad
	body=$(task_body 1 x)
	pad=$(printf '%*s' $((4096 - ${#body})) '' | tr ' ' y)
	body=$(task_body 1 "x$pad")
	[ "$(printf '%s' "$body" | wc -c)" -eq 4096 ]
	fcgi_request "$body"
	assert_http 200 .status ok
	body=$(task_body 2 "xx$pad")
	fcgi_request "$body"
	assert_http 413
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
}

@test "fastcgi: 400 for invalid JSON, nothing stored, next request clean" {
	start_fcgi tasks
	fcgi_request '{"action":"TASKS_CREATED","tasks":[{"id":400,"data":{"text":"LEAK-400"}}],'
	assert_http 400 .error "invalid json"
	assert_next_request_clean
}

@test "fastcgi: 400 for a body shorter than its length, next request clean" {
	start_fcgi tasks
	local body
	body=$(task_body 400 LEAK-short)
	fcgi_request "$body" CONTENT_LENGTH=$((${#body} + 100))
	assert_http 400 .error "body shorter than content length"
	assert_next_request_clean
}

@test "fastcgi: 405 for GET, nothing stored, next request clean" {
	start_fcgi tasks
	fcgi_request "$(task_body 405 LEAK-405)" REQUEST_METHOD=GET
	assert_http 405 .status error
	[[ $http_headers == *"Allow: POST"* ]]
	assert_next_request_clean
}

@test "fastcgi: the error line goes to the FastCGI stderr stream" {
	start_fcgi tasks
	fcgi_request "$(task_body 1)" HTTP_AUTHORIZATION="Bearer wrong-secret-0123456789"
	assert_http 401
	[[ $stderr == *"lshook-tasks: 401"* ]] || fail "stderr: '$stderr'"
	[ "$(printf '%s\n' "$stderr" | grep -c 'lshook-tasks: 401')" -eq 1 ]
	# never the presented secret, never the response body
	[[ $stderr != *wrong-secret* ]]
	[[ $http_body != *lshook-tasks* ]]
	# not the process's own fd 2
	run grep -c lshook-tasks "$BATS_TEST_TMPDIR/fcgi.err"
	[ "$output" = 0 ]
	# a good request writes nothing there
	fcgi_request "$(task_body 2)"
	assert_http 200
	[ -z "$stderr" ] || fail "stderr of a good request: $stderr"
}

# --- process life ----------------------------------------------------------

@test "fastcgi: SIGTERM while idle ends the process with status 0" {
	start_fcgi tasks
	local pid=$FCGI_PID
	fcgi_request "$(task_body 1)"
	assert_http 200
	stop_fcgi_guarded	# fails unless the exit status is 0
	run ! kill -0 "$pid"
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	assert_wellformed_log "$DATA/tasks.jsonl"
}

@test "fastcgi: SIGTERM before any request ends the process with status 0" {
	start_fcgi annotations
	stop_fcgi_guarded
	assert_nothing_stored
}

@test "fastcgi: SIGTERM during a request finishes it first" {
	skip "a request in flight cannot be timed reliably from the shell"
}

@test "fastcgi: a log moved away (rotation) is followed by a new file" {
	start_fcgi tasks
	fcgi_request "$(task_body 1)"
	assert_http 200
	mv "$DATA/tasks.jsonl" "$DATA/tasks.jsonl.1"
	fcgi_request "$(task_body 2)"
	assert_http 200
	[ "$(wc -l < "$DATA/tasks.jsonl.1")" -eq 1 ]
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	[ "$(jq -c '.task_ids[0]' "$DATA/tasks.jsonl.1")" = 1 ]
	[ "$(last_field tasks.jsonl '.task_ids[0]')" = 2 ]
	[ "$(stat -c %a "$DATA/tasks.jsonl")" = 640 ]
	assert_wellformed_log "$DATA/tasks.jsonl"
	assert_wellformed_log "$DATA/tasks.jsonl.1"
}

@test "fastcgi: a log deleted between requests is created again" {
	start_fcgi tasks
	fcgi_request "$(task_body 1)"
	assert_http 200
	rm "$DATA/tasks.jsonl"
	fcgi_request "$(task_body 2)"
	assert_http 200
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	[ "$(last_field tasks.jsonl '.task_ids[0]')" = 2 ]
	fcgi_request "$(task_body 3)"
	assert_http 200
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
	assert_wellformed_log "$DATA/tasks.jsonl"
}

@test "fastcgi: LSHOOK_FSYNC=never stores" {
	start_fcgi tasks LSHOOK_FSYNC=never
	fcgi_request "$(task_body 1)"
	assert_http 200 .status ok
	fcgi_request "$(task_body 2)"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
	assert_wellformed_log "$DATA/tasks.jsonl"
}

@test "fastcgi: LSHOOK_FSYNC=always stores" {
	start_fcgi tasks LSHOOK_FSYNC=always
	fcgi_request "$(task_body 1)"
	assert_http 200 .status ok
	fcgi_request "$(task_body 2)"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
	assert_wellformed_log "$DATA/tasks.jsonl"
}

@test "fastcgi: an unknown LSHOOK_FSYNC value fails closed with 500" {
	start_fcgi tasks LSHOOK_FSYNC=sometimes
	fcgi_request "$(task_body 1)"
	assert_http 500 .error "bad configuration"
	[[ $stderr == *"lshook-tasks: 500"*LSHOOK_FSYNC* ]] || fail "stderr: $stderr"
	assert_nothing_stored
	# a request param with a valid value builds a good configuration
	fcgi_request "$(task_body 2)" LSHOOK_FSYNC=never
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
}
