#!/usr/bin/env bats
# lighttpd.bats: end to end through lighttpd/lshook.conf on 127.0.0.1,
# with curl posting as Label Studio (and relays) do.
load helpers
load http

setup() { setup_data; }

teardown() { stop_lighttpd_guarded; }

# stop_lighttpd, with a watchdog that SIGKILLs lighttpd if SIGTERM has not
# ended it within 30 s.  The watchdog ends by itself once lighttpd is gone.
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

# post PATH FILE [curl args...]: POST a file's bytes as JSON.
post() {
	local path=$1 file=$2
	shift 2
	curl_http "$path" -H "Content-Type: application/json" \
	    --data-binary "@$file" "$@"
}

# post_bearer PATH FILE [curl args...]: post with the shared secret.
post_bearer() {
	local path=$1 file=$2
	shift 2
	post "$path" "$file" -H "Authorization: Bearer $SECRET" "$@"
}

# A body file holding a small TASKS_CREATED for task $1; prints its path.
task_file() {
	local f=$BATS_TEST_TMPDIR/task-$1.json
	printf '{"action": "TASKS_CREATED", "project": {"id": 7}, "tasks": [{"id": %s, "data": {"text": "task %s"}}]}' \
	    "$1" "$1" > "$f"
	printf '%s\n' "$f"
}

# The Standard Webhooks key of $SW_SECRET, in hex.
sw_key_hex() {
	printf '%s' "${SW_SECRET#whsec_}" | base64 -d | od -An -v -tx1 | tr -d ' \n'
}

# sw_sign ID TIMESTAMP FILE: the v1 signature of id.timestamp.body.
sw_sign() {
	{ printf '%s.%s.' "$1" "$2"; cat "$3"; } |
	    openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(sw_key_hex)" -binary |
	    base64 -w0
}

# Wait (up to 3 s) until the lighttpd error log holds a line matching $1.
wait_error_log() { wait_log "$BATS_TEST_TMPDIR/lighttpd/error.log" "$1"; }

# --- Label Studio traffic ----------------------------------------------------

@test "lighttpd: every Label Studio fixture is recorded by its family's handler" {
	start_lighttpd
	local f action fam id
	for f in "$LSDOCS"/*.json; do
		action=$(jq -r .action "$f")
		fam=$(family_of "$action")
		post_bearer "/hooks/$fam.fcgi" "$f"
		assert_http 200 .status ok
		id=$(printf '%s' "$http_body" | jq -r .id)
		# the answer's id is the record's, and the record is this fixture
		run jq -c --arg id "$id" 'select(.id == $id) | [.action, .family, .task_ids, .annotation_ids]' \
		    "$DATA/$fam.jsonl"
		[ "${#lines[@]}" -eq 1 ] || fail "$action: records with id $id: $output"
		[ "${lines[0]}" = "$(jq -c --arg fam "$fam" \
		    '[.action, $fam, ([.tasks[]?.id] + [.task.id // empty] + [.annotation.task // empty]),
		      ([.annotations[]?.id] + [.annotation.id // empty])]' "$f")" ] ||
		    fail "$action: record ${lines[0]}"
	done
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
	[ "$(log_lines annotations.jsonl)" -eq 3 ]
	[ "$(log_lines projects.jsonl)" -eq 3 ]
	[ "$(log_lines ignored.jsonl)" -eq 0 ]
	for fam in tasks annotations projects; do
		assert_wellformed_log "$DATA/$fam.jsonl"
	done
	# project tokens are secrets: redacted, never in the logs in clear
	run grep -rlF -e 9105a1d897e52286 -e 846c4da585704dd4 -e d881a308198ff9ac "$DATA"
	[ -z "$output" ] || fail "project token in clear in: $output"
}

@test "lighttpd: Basic auth with the secret as password is accepted" {
	start_lighttpd
	post /hooks/tasks.fcgi "$LSDOCS/TASKS_CREATED.json" -u "labelstudio:$SECRET"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	assert_wellformed_log "$DATA/tasks.jsonl"
}

@test "lighttpd: a wrong secret gets 401 with WWW-Authenticate, nothing stored" {
	start_lighttpd
	post /hooks/tasks.fcgi "$LSDOCS/TASKS_CREATED.json" -u "labelstudio:not-the-secret-0123"
	assert_http 401 .status error
	[[ $http_headers == *'WWW-Authenticate: Basic realm="lshook"'* ]] ||
	    fail "headers: $http_headers"
	post /hooks/annotations.fcgi "$LSDOCS/ANNOTATION_CREATED.json" \
	    -H "Authorization: Bearer $SECRET2"
	assert_http 401
	post /hooks/projects.fcgi "$LSDOCS/PROJECT_UPDATED.json"
	assert_http 401 .error "missing credentials"
	assert_nothing_stored
}

@test "lighttpd: an X-Hub-Signature-256 HMAC over the body is accepted" {
	start_lighttpd
	local f=$LSDOCS/ANNOTATION_UPDATED.json sig
	sig=$(openssl dgst -sha256 -hmac "$SECRET" -r < "$f" | cut -d' ' -f1)
	[ "${#sig}" -eq 64 ]
	post /hooks/annotations.fcgi "$f" -H "X-Hub-Signature-256: sha256=$sig"
	assert_http 200 .status ok
	[ "$(log_lines annotations.jsonl)" -eq 1 ]
	assert_wellformed_log "$DATA/annotations.jsonl"
	# the same signature over other bytes is refused
	post /hooks/annotations.fcgi "$LSDOCS/ANNOTATION_CREATED.json" \
	    -H "X-Hub-Signature-256: sha256=$sig"
	assert_http 401 .error "bad signature"
	[ "$(log_lines annotations.jsonl)" -eq 1 ]
}

@test "lighttpd: a Standard Webhooks signature is accepted, the id is webhook-id" {
	LIGHTTPD_AUTH=header,hmac,standard start_lighttpd
	local f=$LSDOCS/TASKS_DELETED.json id=msg_lshook_$RANDOM$RANDOM ts sig
	ts=$(date +%s)
	sig=$(sw_sign "$id" "$ts" "$f")
	post /hooks/tasks.fcgi "$f" -H "webhook-id: $id" \
	    -H "webhook-timestamp: $ts" -H "webhook-signature: v1,$sig"
	assert_http 200 .id "$id"
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	[ "$(jq -r .id "$DATA/tasks.jsonl")" = "$id" ]
	assert_wellformed_log "$DATA/tasks.jsonl"
	# a stale timestamp, correctly signed, is refused
	ts=$((ts - 3600))
	sig=$(sw_sign "$id-old" "$ts" "$f")
	post /hooks/tasks.fcgi "$f" -H "webhook-id: $id-old" \
	    -H "webhook-timestamp: $ts" -H "webhook-signature: v1,$sig"
	assert_http 401 .error "stale timestamp"
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	# the shared secret still works beside it
	post_bearer /hooks/tasks.fcgi "$LSDOCS/TASKS_CREATED.json"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
}

@test "lighttpd: 32 parallel posts give 32 whole, distinct lines" {
	start_lighttpd
	local out=$BATS_TEST_TMPDIR/par i pids=()
	mkdir -p "$out"
	for i in $(seq 32); do
		task_file "$i" > /dev/null
	done
	for i in $(seq 32); do
		curl -sS --max-time 30 -o "$out/$i.body" -w '%{http_code}' \
		    -H "Content-Type: application/json" \
		    -H "Authorization: Bearer $SECRET" \
		    --data-binary "@$BATS_TEST_TMPDIR/task-$i.json" \
		    "$BASE_URL/hooks/tasks.fcgi" > "$out/$i.code" 2> "$out/$i.err" 3>&- &
		pids+=($!)
	done
	wait "${pids[@]}"	# not a bare wait: lighttpd is a child too
	for i in $(seq 32); do
		[ "$(cat "$out/$i.code")" = 200 ] ||
		    fail "post $i: $(cat "$out/$i.code" "$out/$i.body" "$out/$i.err")"
	done
	[ "$(log_lines tasks.jsonl)" -eq 32 ]
	assert_wellformed_log "$DATA/tasks.jsonl"
	# one object per line, none glued to another
	[ "$(jq -s length "$DATA/tasks.jsonl")" -eq 32 ]
	run grep -vc '^{"v":1,.*}$' "$DATA/tasks.jsonl"
	[ "$output" = 0 ]
	[ "$(jq -r .id "$DATA/tasks.jsonl" | sort -u | wc -l)" -eq 32 ]
	[ "$(jq '.task_ids[0]' "$DATA/tasks.jsonl" | sort -n | paste -sd,)" = "$(seq -s, 32)" ]
}

# --- the training endpoint (a Label Studio ML backend) ----------------------

@test "lighttpd: training answers the ML backend routes as Label Studio calls them" {
	start_lighttpd
	local t=/hooks/training.fcgi version
	curl_http "$t/health"
	assert_http 200 .status UP
	[ "$http_body" = '{"status":"UP","model_class":"lshook"}' ]
	curl_http "$t/"
	assert_http 200 .status UP

	printf '%s' '{"project": "2.1700000000", "schema": "<View></View>", "hostname": "http://localhost:8080", "access_token": "live-api-token-abcdef0123456789"}' \
	    > "$BATS_TEST_TMPDIR/setup.json"
	post "$t/setup" "$BATS_TEST_TMPDIR/setup.json"
	assert_http 200
	version=$(printf '%s' "$http_body" | jq -r .model_version)
	[[ $version == lshook-?* ]] || fail "model_version: $http_body"

	printf '%s' '{"action": "START_TRAINING", "project": {"id": 2, "title": "New Project #2", "token": "9105a1d897e52286"}}' \
	    > "$BATS_TEST_TMPDIR/start.json"
	post "$t/webhook" "$BATS_TEST_TMPDIR/start.json" -u "labelstudio:$SECRET"
	assert_http 200 .status ok
	[ "$(log_lines training.jsonl)" -eq 1 ]
	[ "$(jq -r .action "$DATA/training.jsonl")" = START_TRAINING ]
	[ "$(jq -r .project_id "$DATA/training.jsonl")" = 2 ]
	assert_wellformed_log "$DATA/training.jsonl"

	# Label Studio's automatic model webhook: no credentials, not recorded
	post "$t/webhook" "$LSDOCS/ANNOTATION_CREATED.json"
	assert_http 200
	[ "$http_body" = '{"status":"Unknown event"}' ]
	# START_TRAINING itself needs the secret
	post "$t/webhook" "$BATS_TEST_TMPDIR/start.json"
	assert_http 401
	[ "$(log_lines training.jsonl)" -eq 1 ]

	curl_http "$t/versions"
	assert_http 200 '.versions[0]' "$version"
	# the live API token of /setup is never written anywhere
	run grep -rlF live-api-token "$DATA" "$BATS_TEST_TMPDIR/lighttpd"
	[ -z "$output" ] || fail "access_token leaked into: $output"
	[ "$(event_files | wc -l)" -eq 1 ]
}

# --- what lighttpd serves ---------------------------------------------------

@test "lighttpd: nothing of the document root is served" {
	start_lighttpd
	local p
	for p in / /hooks /hooks/ /hooks/tasks.fcgi.bak /hooks/tasks.fcgix \
	    /hooks/tasks.fcgi~ /hooks/TASKS.fcgi /hooks/%74asks.fcgi.bak \
	    /hooks/other.fcgi /index.html /README /hooks/../README; do
		curl_http "$p"
		[ "$http_status" = 403 ] || [ "$http_status" = 404 ] ||
		    fail "GET $p: $http_status"
	done
	# the handler itself answers a GET; the binary is never sent
	curl_http /hooks/tasks.fcgi
	assert_http 405 .status error
	[[ $http_body != *ELF* ]]
	assert_nothing_stored
}

@test "lighttpd: a 1 MiB body is stored whole" {
	start_lighttpd
	local f=$BATS_TEST_TMPDIR/big.json
	{
		printf '{"action": "TASKS_CREATED", "project": {"id": 7}, "tasks": [{"id": 99, "data": {"text": "'
		head -c 1048576 /dev/zero | tr '\0' a
		printf '"}}]}'
	} > "$f"
	post_bearer /hooks/tasks.fcgi "$f"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	[ "$(jq '.payload.tasks[0].data.text | length' "$DATA/tasks.jsonl")" -eq 1048576 ]
	[ "$(jq -c .task_ids "$DATA/tasks.jsonl")" = '[99]' ]
}

@test "lighttpd: a chunked body reaches the handler whole" {
	start_lighttpd
	post_bearer /hooks/tasks.fcgi "$LSDOCS/TASKS_DELETED.json" \
	    -H "Transfer-Encoding: chunked"
	assert_http 200 .status ok
	[ "$(jq -c .task_ids "$DATA/tasks.jsonl")" = "$(jq -c '[.tasks[].id]' "$LSDOCS/TASKS_DELETED.json")" ]
	[ "$(jq -cS .payload.tasks "$DATA/tasks.jsonl")" = "$(jq -cS .tasks "$LSDOCS/TASKS_DELETED.json")" ]
}

@test "lighttpd: a bulk TASKS_CREATED of 5000 tasks records 5000 task ids" {
	start_lighttpd
	local f=$BATS_TEST_TMPDIR/bulk.json
	jq -nc '{action: "TASKS_CREATED", project: {id: 7},
	    tasks: [range(1; 5001) | {id: ., data: {text: "t\(.)"}}]}' > "$f"
	post_bearer /hooks/tasks.fcgi "$f"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	assert_wellformed_log "$DATA/tasks.jsonl"
	[ "$(jq '.task_ids | length' "$DATA/tasks.jsonl")" -eq 5000 ]
	[ "$(jq -c '[.task_ids[0], .task_ids[4999], (.task_ids | unique | length)]' "$DATA/tasks.jsonl")" = '[1,5000,5000]' ]
}

@test "lighttpd: a body over server.max-request-size is refused with 413 before the handler" {
	start_lighttpd
	local f=$BATS_TEST_TMPDIR/huge.json
	truncate -s $((BODY_LIMIT + 1)) "$f"
	post_bearer /hooks/tasks.fcgi "$f"
	[ "$http_status" = 413 ] || fail "got $http_status"
	wait_error_log 'request-size too long' || fail "no lighttpd 413 in the error log"
	run grep -c lshook-tasks "$BATS_TEST_TMPDIR/lighttpd/error.log"
	[ "$output" = 0 ] || fail "the handler saw the request"
	assert_nothing_stored
}

@test "lighttpd: a handler error lands in the error log as one line" {
	start_lighttpd
	local log=$BATS_TEST_TMPDIR/lighttpd/error.log
	post /hooks/tasks.fcgi "$LSDOCS/TASKS_CREATED.json" \
	    -H "Authorization: Bearer wrong-secret-0123456789"
	assert_http 401
	wait_error_log 'lshook-tasks: 401' || fail "error log: $(cat "$log")"
	[ "$(grep -c 'lshook-tasks: 401' "$log")" -eq 1 ]
	grep -q 'lshook-tasks: 401 bad credentials (POST 127\.0\.0\.1)$' "$log" ||
	    fail "error log: $(cat "$log")"
	# never the presented secret, nor the configured one
	run grep -c -e wrong-secret -e "$SECRET" "$log"
	[ "$output" = 0 ]
	# a good request adds nothing
	post_bearer /hooks/tasks.fcgi "$LSDOCS/TASKS_CREATED.json"
	assert_http 200
	[ "$(grep -c lshook- "$log")" -eq 1 ]
}

# lighttpd refuses a POST that has neither Content-Length nor
# Transfer-Encoding itself (request.c, "POST-request, but content-length
# missing -> 411"), with no setting to turn it off: such a request never
# reaches a handler.  README, "Status page" and "Troubleshooting", say so.
@test "lighttpd: a POST without a body is lighttpd's own HTML 411; with Content-Length: 0 status.fcgi answers 405" {
	start_lighttpd
	local log=$BATS_TEST_TMPDIR/lighttpd/error.log
	curl_http /hooks/status.fcgi -X POST -H "Authorization: Bearer $SECRET"
	[ "$http_status" = 411 ] || fail "status $http_status: $http_body"
	[[ $http_headers == *"Content-Type: text/html"* ]] || fail "headers: $http_headers"
	curl_http /hooks/status.fcgi -X POST -H 'Content-Length: 0' \
	    -H "Authorization: Bearer $SECRET"
	assert_http 405 .error "method not allowed"
	[[ $http_headers == *"Allow: GET, HEAD"* ]] || fail "headers: $http_headers"
	curl_http /hooks/status.fcgi -X POST --data '{}'
	assert_http 405
	wait_error_log 'lshook-status: 405' || fail "error log: $(cat "$log")"
	# the 411 left no line of the handler: only the two 405s
	[ "$(grep -c 'lshook-status:' "$log")" -eq 2 ] || fail "error log: $(cat "$log")"
}
