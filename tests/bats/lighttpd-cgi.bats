#!/usr/bin/env bats
# lighttpd-cgi.bats: end to end through lighttpd/lshook-cgi.conf (mod_cgi:
# one process per request) on 127.0.0.1.  Label Studio's traffic is posted
# with tests/tools/ls_send.py, byte for byte as Label Studio posts it.
load helpers
load http

LS_TIMEOUT=1	# Label Studio's own webhook timeout

setup() { setup_data; }

teardown() { stop_lighttpd_guarded; }

# stop_lighttpd, with a watchdog that SIGKILLs lighttpd if SIGTERM has not
# ended it within 30 s.
stop_lighttpd_guarded() {
	[ -n "${LIGHTTPD_PID:-}" ] || return 0
	local pid=$LIGHTTPD_PID dog
	(
		for _ in $(seq 300); do
			kill -0 "$pid" 2>/dev/null || exit 0
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	) 3>&- &
	dog=$!
	stop_lighttpd || true
	wait "$dog" 2>/dev/null
	return 0
}

# wait_error_log REGEX [LOG]: wait (up to 3 s) until a lighttpd log
# (error.log by default) holds a line matching REGEX.
wait_error_log() { wait_log "$BATS_TEST_TMPDIR/lighttpd/${2:-error.log}" "$1"; }

# The processes lighttpd has started that are still there (PID and
# command), after waiting up to 2 s for them to go.
leftover_children() {
	local i out
	for i in $(seq 20); do
		out=$(ps -o pid=,args= --ppid "$LIGHTTPD_PID" || true)
		[ -z "$out" ] && return 0
		sleep 0.1
	done
	printf '%s\n' "$out"
}

# --- Label Studio traffic ----------------------------------------------------

@test "lighttpd-cgi: every Label Studio fixture is recorded by its family's handler, field by field" {
	start_lighttpd_cgi
	local f action fam id rec
	for f in "$LSDOCS"/*.json; do
		action=$(jq -r .action "$f")
		fam=$(family_of "$action")
		ls_post "/hooks/$fam.fcgi" "$f" -H "Authorization: Bearer $SECRET"
		assert_http 200 .status ok
		id=$(printf '%s' "$http_body" | jq -r .id)
		# the id hashes the exact bytes Label Studio sent (and adds a
		# random suffix for an action that is not deduplicated)
		assert_event_id "$id" "sha256:$(sent_sha256 "$f")" "$action"
		rec=$(jq -c --arg id "$id" 'select(.id == $id)' "$DATA/$fam.jsonl")
		[ "$(printf '%s\n' "$rec" | grep -c .)" -eq 1 ] ||
		    fail "$action: records with id $id: $rec"
		assert_record "$rec" "$f" "$fam"
	done
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
	[ "$(log_lines annotations.jsonl)" -eq 3 ]
	[ "$(log_lines projects.jsonl)" -eq 3 ]
	[ "$(log_lines ignored.jsonl)" -eq 0 ]
	for fam in tasks annotations projects; do
		assert_wellformed_log "$DATA/$fam.jsonl"
	done
	run grep -rlF -e 9105a1d897e52286 -e 846c4da585704dd4 -e d881a308198ff9ac "$DATA"
	[ -z "$output" ] || fail "project token in clear in: $output"
}

@test "lighttpd-cgi: Authorization reaches the programs, Bearer and Basic" {
	start_lighttpd_cgi
	local f=$LSDOCS/ANNOTATION_CREATED.json
	# distinct webhook-ids: the same body alone would be a duplicate delivery
	ls_post /hooks/annotations.fcgi "$f" -H "Authorization: Bearer $SECRET" -H "webhook-id: msg-1"
	assert_http 200 .status ok
	ls_post /hooks/annotations.fcgi "$f" --basic "labelstudio:$SECRET" -H "webhook-id: msg-2"
	assert_http 200 .status ok
	[ "$(log_lines annotations.jsonl)" -eq 2 ]
	assert_wellformed_log "$DATA/annotations.jsonl"
}

@test "lighttpd-cgi: a wrong or missing secret gets 401, nothing stored, one error log line" {
	start_lighttpd_cgi
	local f=$LSDOCS/TASKS_CREATED.json log=$BATS_TEST_TMPDIR/lighttpd/cgi-stderr.log
	ls_post /hooks/tasks.fcgi "$f" -H "Authorization: Bearer wrong-secret-0123456789"
	assert_http 401 .error "bad credentials"
	ls_post /hooks/tasks.fcgi "$f" --basic "labelstudio:not-the-secret-0123"
	assert_http 401 .error "bad credentials"
	ls_post /hooks/projects.fcgi "$LSDOCS/PROJECT_UPDATED.json"
	assert_http 401 .error "missing credentials"
	curl_http /hooks/tasks.fcgi -H 'Content-Type: application/json' \
	    --data-binary "@$f" -u "labelstudio:not-the-secret-0123"
	assert_http 401
	[[ $http_headers == *'WWW-Authenticate: Basic realm="lshook"'* ]] ||
	    fail "headers: $http_headers"
	assert_nothing_stored
	# a CGI program's stderr is server.breakagelog: one whole line each
	wait_error_log 'lshook-projects: 401' cgi-stderr.log || fail "error log: $(cat "$log")"
	grep -qx 'lshook-projects: 401 missing credentials (POST 127\.0\.0\.1)' "$log" ||
	    fail "error log: $(cat "$log")"
	[ "$(grep -cx 'lshook-tasks: 401 bad credentials (POST 127\.0\.0\.1)' "$log")" -eq 3 ] ||
	    fail "error log: $(cat "$log")"
	run grep -c -e wrong-secret -e not-the-secret -e "$SECRET" "$log"
	[ "$output" = 0 ]
}

@test "lighttpd-cgi: lighttpd's own environment does not reach the programs" {
	# mod_cgi passes only the CGI variables and setenv.add-environment:
	# an LSHOOK_ variable of lighttpd's is neither a setting nor an error
	start_lighttpd_cgi LSHOOK_SECRET="$SECRET2" LSHOOK_BOGUS=1
	local f=$LSDOCS/TASKS_DELETED.json
	ls_post /hooks/tasks.fcgi "$f" -H "Authorization: Bearer $SECRET2"
	assert_http 401 .error "bad credentials"
	ls_post /hooks/tasks.fcgi "$f" -H "Authorization: Bearer $SECRET"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
}

@test "lighttpd-cgi: a body over server.max-request-size gets 413 before any program runs" {
	start_lighttpd_cgi
	local f=$BATS_TEST_TMPDIR/huge.json log=$BATS_TEST_TMPDIR/lighttpd/error.log
	truncate -s $((BODY_LIMIT + 1)) "$f"
	curl_http /hooks/tasks.fcgi -H 'Content-Type: application/json' \
	    -H "Authorization: Bearer $SECRET" -H 'Expect:' --data-binary "@$f"
	[ "$http_status" = 413 ] || fail "got $http_status"
	wait_error_log 'request-size too long' || fail "no lighttpd 413 in the error log"
	[ "$(cat "$log" "${log%/*}/cgi-stderr.log" | grep -c lshook-)" = 0 ] ||
	    fail "a handler saw the request"
	assert_nothing_stored
}

@test "lighttpd-cgi: a 4 MiB event goes through the CGI pipe whole" {
	start_lighttpd_cgi
	local f=$BATS_TEST_TMPDIR/big.json
	{
		printf '{"action": "TASKS_CREATED", "project": {"id": 7}, "tasks": [{"id": 99, "data": {"text": "'
		head -c 4194304 /dev/zero | tr '\0' a
		printf '"}}]}'
	} > "$f"
	ls_post /hooks/tasks.fcgi "$f" -H "Authorization: Bearer $SECRET"
	assert_http 200 .status ok
	[ "$(jq '.payload.tasks[0].data.text | length' "$DATA/tasks.jsonl")" -eq 4194304 ]
	[ "$(jq -c .task_ids "$DATA/tasks.jsonl")" = '[99]' ]
}

@test "lighttpd-cgi: a chunked body reaches the program whole" {
	start_lighttpd_cgi
	local f=$LSDOCS/TASKS_DELETED.json
	curl_http /hooks/tasks.fcgi -H 'Content-Type: application/json' \
	    -H "Authorization: Bearer $SECRET" -H 'Transfer-Encoding: chunked' \
	    --data-binary "@$f"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	assert_record "$(cat "$DATA/tasks.jsonl")" "$f" tasks
}

# --- one process per request -----------------------------------------------------

@test "lighttpd-cgi: each request runs in its own short-lived process" {
	start_lighttpd_cgi
	local out=$BATS_TEST_TMPDIR/par i pids=() urls=() before after max n left
	# nothing runs before the first request (FastCGI would have 8 processes)
	left=$(leftover_children)
	[ -z "$left" ] || fail "lighttpd children at start: $left"
	# 12 GETs from one curl process: at least 12 new processes besides it
	for i in $(seq 12); do
		urls+=("$BASE_URL/hooks/training.fcgi/health")
	done
	max=$(cat /proc/sys/kernel/pid_max)
	before=$(cat /proc/sys/kernel/ns_last_pid)
	run curl -sS --max-time 30 "${urls[@]}"
	after=$(cat /proc/sys/kernel/ns_last_pid)
	[ "$status" -eq 0 ] || fail "curl: $output"
	[ "$(grep -o '"status":"UP"' <<< "$output" | wc -l)" -eq 12 ] || fail "$output"
	n=$(( (after - before + max) % max ))
	[ "$n" -ge 13 ] || fail "only $n processes were started for 12 requests"
	left=$(leftover_children)
	[ -z "$left" ] || fail "left after requests: $left"
	# 32 parallel posts: 32 processes appending to one log, 32 whole lines
	mkdir -p "$out"
	for i in $(seq 32); do
		printf '{"action": "TASKS_CREATED", "project": {"id": 7}, "tasks": [{"id": %s}]}' \
		    "$i" > "$out/$i.json"
	done
	for i in $(seq 32); do
		"$LS_SEND" --timeout 30 "$BASE_URL/hooks/tasks.fcgi" "$out/$i.json" \
		    -H "Authorization: Bearer $SECRET" > "$out/$i.out" 2>&1 3>&- &
		pids+=($!)
	done
	wait "${pids[@]}"	# not a bare wait: lighttpd is a child too
	for i in $(seq 32); do
		[[ $(cat "$out/$i.out") == '200 {"status":"ok"'* ]] ||
		    fail "post $i: $(cat "$out/$i.out")"
	done
	[ "$(log_lines tasks.jsonl)" -eq 32 ]
	assert_wellformed_log "$DATA/tasks.jsonl"
	[ "$(jq -s length "$DATA/tasks.jsonl")" -eq 32 ]
	[ "$(jq '.task_ids[0]' "$DATA/tasks.jsonl" | sort -n | paste -sd,)" = "$(seq -s, 32)" ]
	left=$(leftover_children)
	[ -z "$left" ] || fail "left after parallel requests: $left"
}

# --- the training endpoint (a Label Studio ML backend) ----------------------

@test "lighttpd-cgi: training answers the ML backend routes as Label Studio calls them" {
	start_lighttpd_cgi
	local t=/hooks/training.fcgi version f
	curl_http "$t/health" -A heartex/1.13.1
	assert_http 200 .status UP
	[ "$http_body" = '{"status":"UP","model_class":"lshook"}' ]
	curl_http "$t/"
	assert_http 200 .status UP
	curl_http "$t"
	assert_http 200 .status UP

	ls_post "$t/setup" "$FIXTURES/lshook/setup.json"
	assert_http 200
	version=$(printf '%s' "$http_body" | jq -r .model_version)
	[[ $version == lshook-?* ]] || fail "model_version: $http_body"

	# "Start Training": Basic auth of the model connection
	ls_post "$t/webhook" "$FIXTURES/START_TRAINING.json" --basic "labelstudio:$SECRET"
	assert_http 200 .status ok
	[ "$(log_lines training.jsonl)" -eq 1 ]
	assert_record "$(cat "$DATA/training.jsonl")" "$FIXTURES/START_TRAINING.json" training
	assert_wellformed_log "$DATA/training.jsonl"

	# the automatic model webhook: other actions, no credentials, not recorded
	for f in "$LSDOCS"/ANNOTATION_CREATED.json "$LSDOCS"/TASKS_CREATED.json \
	    "$LSDOCS"/PROJECT_UPDATED.json; do
		ls_post "$t/webhook" "$f"
		assert_http 200
		[ "$http_body" = '{"status":"Unknown event"}' ] || fail "$f: $http_body"
	done
	ls_post "$t/webhook" "$FIXTURES/START_TRAINING.json"
	assert_http 401
	[ "$(log_lines training.jsonl)" -eq 1 ]

	curl_http "$t/versions"
	assert_http 200 '.versions[0]' "$version"
	ls_post "$t/predict" "$FIXTURES/lshook/setup.json"
	assert_http 200
	[ "$http_body" = '{"results":[]}' ]
	curl_http "$t/nothing"
	assert_http 404
	run grep -rlF live-token-xyz "$DATA" "$BATS_TEST_TMPDIR/lighttpd"
	[ -z "$output" ] || fail "access_token leaked into: $output"
	[ "$(event_files | wc -l)" -eq 1 ]
}

# --- what lighttpd serves ---------------------------------------------------

@test "lighttpd-cgi: nothing of the document root is served" {
	start_lighttpd_cgi
	local p
	for p in / /hooks /hooks/ /hooks/tasks.fcgi.bak /hooks/tasks.fcgix \
	    /hooks/tasks.fcgi~ /hooks/TASKS.fcgi /hooks/%74asks.fcgi.bak \
	    /hooks/other.fcgi /hooks/tasks /index.html /README /hooks/../README \
	    /hooks/../hooks/../README; do
		curl_http "$p" --path-as-is
		[ "$http_status" = 403 ] || [ "$http_status" = 404 ] ||
		    fail "GET $p: $http_status"
		[[ $http_body != *ELF* ]] || fail "GET $p sent a binary"
	done
	# the program itself answers a GET; the binary is never sent
	curl_http /hooks/tasks.fcgi
	assert_http 405 .status error
	[[ $http_body != *ELF* ]]
	assert_nothing_stored
}
