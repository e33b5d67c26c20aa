#!/usr/bin/env bats
# status.bats: the status endpoint (handlers/status.c) and its counters
# (lib/stats.c): authentication, the JSON shape, counts kept by the
# handlers in state/stats.db, secrets never shown, and that the answer
# comes from that state rather than from the logs.
load helpers

setup() { setup_data; }

teardown() { [ -z "${LIGHTTPD_PID:-}" ] || stop_lighttpd; }

# status [VAR=value...]: GET status.fcgi as CGI, authenticated by default.
status_get() {
	run_cgi status "" REQUEST_METHOD=GET CONTENT_TYPE= CONTENT_LENGTH= "$@"
}

# post HANDLER FIXTURE [VAR=value...]: one event through run_cgi.
post() {
	local handler=$1 file=$2
	shift 2
	run_cgi_file "$handler" "$file" "$@"
	[[ $http_status == 20? ]] || fail "$handler: $http_status $http_body"
}

# jqb FILTER: FILTER applied to the last answer's body.
jqb() {
	printf '%s' "$http_body" | jq -r "$1"
}

post_fixtures() {
	post tasks "$LSDOCS/TASKS_CREATED.json"
	post tasks "$LSDOCS/TASKS_DELETED.json"
	post annotations "$LSDOCS/ANNOTATION_CREATED.json"
	post projects "$LSDOCS/PROJECT_UPDATED.json"
	post training "$FIXTURES/START_TRAINING.json" PATH_INFO=/webhook
	post tasks "$LSDOCS/ANNOTATION_CREATED.json"	# ignored
}

@test "status: GET without credentials is 401, with a wrong secret 401" {
	status_get HTTP_AUTHORIZATION=
	assert_error 401 "missing credentials"
	status_get HTTP_AUTHORIZATION="Bearer not-the-secret-0123456789"
	assert_error 401 "bad credentials"
}

@test "status: GET with the secret answers the whole JSON shape" {
	status_get
	assert_http 200
	[ -z "$stderr" ] || fail "stderr: $stderr"
	printf '%s' "$http_body" | jq -e '
	    (.version | type) == "string" and (.now | type) == "string" and
	    (.families | keys) == ["annotations","projects","tasks","training"] and
	    ([.families[] | (.count == 0 and .last_at == null)] | all) and
	    .ignored == {"count":0,"last_at":null} and .duplicates == 0 and
	    (.by_hour | keys) == ["annotations","ignored","projects","tasks","training"] and
	    ([.by_hour[] | length == 48] | all) and
	    (.by_hour.tasks[0][0] | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:00:00Z$")) and
	    .recent == [] and .recent_errors == [] and .projects == {} and
	    .training == [] and (.disk.free_bytes | type) == "number" and
	    .disk.total_bytes >= .disk.free_bytes and
	    .config.LSHOOK_DATA_DIR == "'"$DATA"'" and .config.LSHOOK_SECRET == "****" and
	    .config.secrets == 1' >/dev/null || fail "shape: $http_body"
}

@test "status: a bare HMAC of the empty body does not open it (replayable); header credentials do" {
	local sig
	sig=sha256=$(printf '' | openssl dgst -sha256 -hmac "$SECRET" | sed 's/.*= //')
	status_get LSHOOK_AUTH=hmac HTTP_AUTHORIZATION= HTTP_X_HUB_SIGNATURE_256="$sig"
	assert_error 401 "unsupported authorization scheme"
	[[ $stderr == *"not hmac alone"* ]] || fail "stderr: $stderr"
	status_get LSHOOK_AUTH=header,hmac HTTP_AUTHORIZATION= HTTP_X_HUB_SIGNATURE_256="$sig"
	assert_error 401 "missing credentials"
	status_get LSHOOK_AUTH=header,hmac
	assert_http 200
}

@test "status: HEAD is answered without a body, POST is 405 with Allow: GET, HEAD" {
	local raw=$BATS_TEST_TMPDIR/raw
	run_cgi_raw "$raw" status "" REQUEST_METHOD=HEAD CONTENT_TYPE= CONTENT_LENGTH=
	assert_http 200
	[ -z "$http_body" ] || fail "body of a HEAD answer: $http_body"
	assert_raw_answer "$raw" "200 OK"
	run_cgi_raw "$raw" status "" REQUEST_METHOD=HEAD CONTENT_TYPE= CONTENT_LENGTH= \
	    HTTP_AUTHORIZATION=
	assert_http 401
	assert_raw_answer "$raw" "401 Unauthorized" 'WWW-Authenticate: Basic realm="lshook"'
	run_cgi status '{"action":"TASKS_CREATED"}'
	assert_error 405 "method not allowed"
	assert_header "Allow: GET, HEAD"
}

@test "status: counts, last times, hours and the latest events after posting fixtures" {
	post_fixtures
	# a TASKS_DELETED is a new event each time; the TASKS_CREATED again is
	# a retry of the one post_fixtures sent: a duplicate
	post tasks "$LSDOCS/TASKS_DELETED.json"
	post tasks "$LSDOCS/TASKS_CREATED.json"
	assert_http 200 .status duplicate
	status_get
	assert_http 200
	[ "$(jqb '[.families[] | .count] | join(",")')" = "3,1,1,1" ] ||
	    fail "counts: $(jqb .families)"
	[ "$(jqb .ignored.count)" = 1 ]
	[ "$(jqb .duplicates)" = 1 ]
	[ "$(jqb '.families.tasks.last_at')" = "$(jq -r .received_at "$DATA/tasks.jsonl" | tail -1)" ]
	[ "$(jqb '[.by_hour.tasks[][1]] | add')" = 3 ]
	[ "$(jqb '.by_hour.tasks[-1][1] + .by_hour.tasks[-2][1]')" = 3 ]
	[ "$(jqb '.recent | length')" = 7 ]
	[ "$(jqb '.recent[0] | [.action, .family, .outcome] | join(" ")')" = "TASKS_DELETED tasks recorded" ]
	[ "$(jqb '.recent[1] | [.action, .family, .outcome, .project_id] | join(" ")')" = \
	    "ANNOTATION_CREATED annotations ignored 2" ]
	[ "$(jqb '.recent[-1].id')" = "$(jq -r .id "$DATA/tasks.jsonl" | head -1)" ]
	[ "$(jqb '.projects["1"].ontology.controls.label.declared[0].value')" = Airplane ]
	[ "$(jqb '.projects["2"].ontology.controls.answer | [.used, .counts] | tostring')" = \
	    '[["Answer"],{"Answer":1}]' ] || fail "$(jqb '.projects["2"]')"
	[ "$(jqb '.training[0] | [.action, .project_id] | join(" ")')" = "START_TRAINING 1" ]
}

@test "status: the latest events and errors are bounded to 20, newest first" {
	local i
	for i in $(seq 25); do
		run_cgi tasks '{"action":"TASKS_CREATED","project":{"id":'"$i"'}}'
		run_cgi tasks '{"action":' HTTP_AUTHORIZATION="Bearer $SECRET"
	done
	status_get
	[ "$(jqb '.families.tasks.count')" = 25 ]
	[ "$(jqb '.recent | length')" = 20 ]
	[ "$(jqb '[.recent[0].project_id, .recent[19].project_id] | join(",")')" = 25,6 ]
	[ "$(jqb '.recent_errors | length')" = 20 ]
	[ "$(jqb '.recent_errors[0] | [.handler, .status, .message] | join(" ")')" = \
	    "tasks 400 invalid json" ]
}

@test "status: errors answered by handlers are listed with time, handler, status and message" {
	run_cgi annotations '{"action":"ANNOTATION_CREATED"}' HTTP_AUTHORIZATION="Bearer wrong-secret-0123456789"
	run_cgi training '' PATH_INFO=/nowhere REQUEST_METHOD=GET
	status_get
	[ "$(jqb '.recent_errors | length')" = 2 ]
	[ "$(jqb '.recent_errors[1] | [.handler, .status, .message] | join(" ")')" = \
	    "annotations 401 bad credentials" ]
	[ "$(jqb '.recent_errors[0] | [.handler, .status, .message] | join(" ")')" = \
	    "training 404 not found" ]
	jqb '.recent_errors[0].time' | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T'
}

@test "status: the answer comes from the state, not from the logs" {
	post_fixtures
	rm "$DATA/tasks.jsonl" "$DATA/annotations.jsonl" "$DATA/ignored.jsonl"
	status_get
	[ "$(jqb '[.families[] | .count] | join(",")')" = "2,1,1,1" ]
	[ "$(jqb .ignored.count)" = 1 ]
	[ "$(jqb '.recent | length')" = 6 ]
}

@test "status: secrets never appear, in the answer nor in the state" {
	local cmd=$BATS_TEST_TMPDIR/notify
	printf '#!/bin/sh\nexit 0\n' > "$cmd"
	chmod +x "$cmd"
	printf '%s\n%s\n' "$SECRET2" "$SECRET" > "$BATS_TEST_TMPDIR/secrets"
	post_fixtures
	run_cgi tasks '{}' HTTP_AUTHORIZATION="Bearer $SECRET2-wrong"
	status_get LSHOOK_SECRET= LSHOOK_SECRET_FILE="$BATS_TEST_TMPDIR/secrets" \
	    LSHOOK_ON_TASKS='["'"$cmd"'","--token","'"$SECRET2"'","plain"]'
	assert_http 200
	[[ $http_body != *"$SECRET"* && $http_body != *"$SECRET2"* ]] || fail "a secret in: $http_body"
	[ "$(jqb .config.secrets)" = 2 ]
	[ "$(jqb .config.LSHOOK_SECRET)" = "****" ]
	[ "$(jqb '.config.commands.LSHOOK_ON_TASKS | join(" ")')" = "$cmd --token **** plain" ]
	! grep -rqF -e "$SECRET" -e "$SECRET2" "$DATA/state" || fail "a secret in state/"
}

@test "status: a state file of another layout is started afresh" {
	mkdir -p "$DATA/state"
	printf 'not a state file' > "$DATA/state/stats.db"
	status_get
	assert_http 200 .families.tasks.count 0
	post tasks "$LSDOCS/TASKS_CREATED.json"
	status_get
	assert_http 200 .families.tasks.count 1
}

@test "status: nothing is counted when the data directory is inside the document root" {
	run_cgi tasks '{"action":"TASKS_CREATED"}' DOCUMENT_ROOT="$BATS_TEST_TMPDIR"
	assert_http 500
	[ ! -e "$DATA/state/stats.db" ]
}

@test "status: concurrent handlers lose no count" {
	local i pids=() body=$BATS_TEST_TMPDIR/event.json
	printf '{"action":"TASKS_CREATED"}' > "$body"
	for i in $(seq 4); do
		( for _ in $(seq 10); do post tasks "$body"; done ) &
		pids+=($!)
	done
	wait "${pids[@]}"
	[ "$(log_lines tasks.jsonl)" = 40 ]
	status_get
	[ "$(jqb .families.tasks.count)" = 40 ] || fail "$(jqb .families.tasks)"
}

@test "status: through lighttpd, with the page's files served and nothing else" {
	start_lighttpd
	curl -s -H "Authorization: Bearer $SECRET" -H 'Content-Type: application/json' \
	    --data-binary @"$LSDOCS/TASKS_CREATED.json" "$BASE_URL/hooks/tasks.fcgi" >/dev/null
	run curl -s -H "Authorization: Bearer $SECRET" "$BASE_URL/hooks/status.fcgi"
	[ "$(printf '%s' "$output" | jq -r .families.tasks.count)" = 1 ] || fail "$output"
	run curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/hooks/status.fcgi"
	[ "$output" = 401 ]
	# HEAD: the status and headers of GET, no body
	run curl -s -X HEAD --max-time 10 -D "$BATS_TEST_TMPDIR/head" -o "$BATS_TEST_TMPDIR/body" \
	    -w '%{http_code} %{content_type}' -H "Authorization: Bearer $SECRET" \
	    "$BASE_URL/hooks/status.fcgi"
	assert_success
	assert_output "200 application/json"
	[ ! -s "$BATS_TEST_TMPDIR/body" ] || fail "body of HEAD: $(cat "$BATS_TEST_TMPDIR/body")"
	run curl -s -I --max-time 10 "$BASE_URL/hooks/status.fcgi"
	assert_success
	assert_line --partial 'HTTP/1.1 401'
	run curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	    --data '{}' -H "Authorization: Bearer $SECRET" "$BASE_URL/hooks/status.fcgi"
	[ "$output" = 405 ]
	run curl -s -o /dev/null -w '%{http_code} %{content_type}' "$BASE_URL/status/"
	[ "$output" = "200 text/html; charset=utf-8" ]
	run curl -s -o /dev/null -w '%{http_code} %{content_type}' "$BASE_URL/status/status.js"
	[ "$output" = "200 text/javascript; charset=utf-8" ]
	run curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/status/other.html"
	[ "$output" = 403 ]
	run curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/hooks/status.c"
	[ "$output" = 403 ]
}
