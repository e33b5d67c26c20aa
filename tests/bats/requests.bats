#!/usr/bin/env bats
# requests.bats: what a request must look like before anything is stored:
# method, content type, length, body, JSON, webhook-id, and the storage
# checks around the append.  The tasks handler serves unless noted.
load helpers

setup() { setup_data; }

EV='{"action":"TASKS_CREATED","tasks":[{"id":1}],"project":{"id":2}}'

# ev N: a TASKS_CREATED of task N, for a test that stores several: the same
# TASKS_CREATED again would be answered duplicate (a retried delivery).
ev() { printf '{"action":"TASKS_CREATED","tasks":[{"id":%s}],"project":{"id":2}}' "$1"; }

# --- method -----------------------------------------------------------

@test "requests: GET, PUT and DELETE are 405 with Allow: POST" {
	local m
	for m in GET PUT DELETE; do
		run_cgi tasks "$EV" REQUEST_METHOD=$m
		assert_error 405 "method not allowed"
		assert_header "Allow: POST"
	done
}

@test "requests: a missing REQUEST_METHOD is 405" {
	run_cgi tasks "$EV" REQUEST_METHOD=
	assert_error 405 "method not allowed"
	assert_header "Allow: POST"
}

@test "requests: POST with a good event is 200 with a JSON content type" {
	run_cgi tasks "$EV"
	assert_http 200 .status ok
	assert_header "Content-Type: application/json"
	[ -z "$stderr" ] || fail "unexpected stderr: $stderr"
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	assert_wellformed_log "$DATA/tasks.jsonl"
}

# --- content type -----------------------------------------------------

@test "requests: application/json with or without charset, any case, or no type is accepted" {
	local n=0 ct
	for ct in application/json "application/json; charset=utf-8" \
	    APPLICATION/JSON "Application/Json;charset=UTF-8" ""; do
		n=$((n + 1))
		run_cgi tasks "$(ev $n)" CONTENT_TYPE="$ct"
		assert_http 200 .status ok
		[ "$(log_lines tasks.jsonl)" -eq "$n" ] ||
		    fail "content type '$ct' was not stored"
	done
}

@test "requests: text/plain, form encoding and application/jsonx are 415" {
	local ct
	for ct in text/plain application/x-www-form-urlencoded application/jsonx \
	    "application/json-patch+json" multipart/form-data; do
		run_cgi tasks "$EV" CONTENT_TYPE="$ct"
		assert_error 415 "content type must be application/json"
	done
}

# --- content length ---------------------------------------------------

@test "requests: a missing or empty CONTENT_LENGTH is 411" {
	run_cgi tasks "$EV" CONTENT_LENGTH=
	assert_error 411 "content length required"
}

@test "requests: a non-numeric CONTENT_LENGTH is 400 bad content length" {
	local cl
	for cl in abc -5 1e3 " 12" "12 " +12 0x10 "1.5"; do
		run_cgi tasks "$EV" CONTENT_LENGTH="$cl"
		assert_error 400 "bad content length"
	done
}

@test "requests: a body over LSHOOK_MAX_BODY is 413, one at the cap is stored" {
	local body
	body='{"action":"TASKS_CREATED","pad":"'
	while [ ${#body} -lt 98 ]; do body+=x; done
	body+='"}'
	[ ${#body} -eq 100 ]
	run_cgi tasks "$body" LSHOOK_MAX_BODY=100
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]

	rm -rf "$DATA" && mkdir "$DATA"
	body=${body%'"}'}'x"}'
	[ ${#body} -eq 101 ]
	run_cgi tasks "$body" LSHOOK_MAX_BODY=100
	assert_error 413 "body too large"
}

@test "requests: a huge numeric CONTENT_LENGTH is 413, not 400" {
	local cl
	for cl in 99999999999999999999999 18446744073709551616 \
	    18446744073709551615 $((BODY_LIMIT + 1)); do
		run_cgi tasks "$EV" CONTENT_LENGTH=$cl
		assert_error 413 "body too large"
	done
}

@test "requests: CONTENT_LENGTH=0 is 400 empty body" {
	run_cgi tasks "" CONTENT_LENGTH=0
	assert_error 400 "empty body"
}

@test "requests: a body shorter than CONTENT_LENGTH is 400" {
	run_cgi tasks "$EV" CONTENT_LENGTH=$(( ${#EV} + 1 ))
	assert_error 400 "body shorter than content length"
}

@test "requests: only CONTENT_LENGTH bytes are read: a JSON cut short by it is invalid" {
	run_cgi tasks "$EV" CONTENT_LENGTH=20
	assert_error 400 "invalid json"
}

@test "requests: bytes after CONTENT_LENGTH are not read or stored" {
	run_cgi tasks "$EV"'{"action":"PROJECT_CREATED"} trailing junk' \
	    CONTENT_LENGTH=${#EV}
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	run jq -c .payload "$DATA/tasks.jsonl"
	assert_output "$EV"
}

# --- JSON -------------------------------------------------------------

@test "requests: trailing garbage after the object is 400 invalid json" {
	run_cgi tasks "$EV x"
	assert_error 400 "invalid json"
	run_cgi tasks "$EV$EV"
	assert_error 400 "invalid json"
}

@test "requests: trailing whitespace and newlines after the object are fine" {
	run_cgi tasks "$EV"$' \t\r\n\n'
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	run_cgi tasks $'\n  '"$EV"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
}

@test "requests: a NUL byte inside a string is 400 invalid json" {
	local f=$BATS_TEST_TMPDIR/nul.json
	printf '{"action":"TASKS_CREATED","x":"a\x00b"}' > "$f"
	[ "$(tr -cd '\000' < "$f" | wc -c)" -eq 1 ]
	run_cgi_file tasks "$f"
	assert_error 400 "invalid json"
}

@test "requests: a NUL byte after the object is 400 invalid json" {
	local f=$BATS_TEST_TMPDIR/nul.json
	printf '%s\x00' "$EV" > "$f"
	run_cgi_file tasks "$f"
	assert_error 400 "invalid json"
	printf '%s\x00 ' "$EV" > "$f"
	run_cgi_file tasks "$f"
	assert_error 400 "invalid json"
}

@test "requests: invalid UTF-8 inside a string is 400 invalid json" {
	local f=$BATS_TEST_TMPDIR/bad.json bad
	for bad in '\xff' '\xc3' '\xc0\xaf' '\xed\xa0\x80' '\xf4\x90\x80\x80'; do
		printf '{"action":"TASKS_CREATED","x":"a'"$bad"'b"}' > "$f"
		run_cgi_file tasks "$f"
		assert_error 400 "invalid json"
	done
}

@test "requests: valid multi-byte UTF-8 is accepted and kept as is" {
	local f=$BATS_TEST_TMPDIR/utf8.json
	printf '{"action":"TASKS_CREATED","x":"caf\xc3\xa9 \xf0\x9f\x98\x80"}' > "$f"
	run_cgi_file tasks "$f"
	assert_http 200 .status ok
	grep -qF "$(printf '"x":"caf\xc3\xa9 \xf0\x9f\x98\x80"')" "$DATA/tasks.jsonl"
}

@test "requests: a raw control character inside a string is 400 invalid json" {
	local c
	for c in $'\t' $'\n' $'\x01' $'\x1f'; do
		run_cgi tasks '{"action":"TASKS_CREATED","x":"a'"$c"'b"}'
		assert_error 400 "invalid json"
	done
}

@test "requests: numbers with leading zeros and other non-JSON are 400 invalid json" {
	local bad
	for bad in '012' '-01' '1.' '.5' '+1' '1e' 'NaN' 'Infinity' "'x'" \
	    'tru' 'nul' '"\x41"' '"\u12"'; do
		run_cgi tasks '{"action":"TASKS_CREATED","x":'"$bad"'}'
		assert_error 400 "invalid json"
	done
	for bad in '{"action":"TASKS_CREATED",}' '{"action":"TASKS_CREATED"' \
	    '{action:"TASKS_CREATED"}' '{"action" "TASKS_CREATED"}' \
	    '{"action":"TASKS_CREATED","x":[1,]}' '{"action":"TASKS_CREATED"]'; do
		run_cgi tasks "$bad"
		assert_error 400 "invalid json"
	done
}

@test "requests: up to 10000 levels of nesting are accepted (what Python 3.13 writes), 10001 are 400" {
	local open close
	# 99 object levels: the record still reads with jq 1.6 (two units a level)
	open=$(printf '{"a":%.0s' $(seq 99))
	close=$(printf '}%.0s' $(seq 99))
	run_cgi tasks '{"action":"TASKS_CREATED","x":'"$open"'1'"$close"'}'
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	assert_wellformed_log "$DATA/tasks.jsonl"

	# 900 levels: Debian 12's python3 (3.11) reads the record as it is
	rm -f "$DATA/tasks.jsonl"
	open=$(printf '{"a":%.0s' $(seq 899))
	close=$(printf '}%.0s' $(seq 899))
	run_cgi tasks '{"action":"TASKS_CREATED","x":'"$open"'1'"$close"'}'
	assert_http 200 .status ok
	/usr/bin/python3 -c 'import json, sys; json.loads(sys.stdin.buffer.read())' \
	    < "$DATA/tasks.jsonl" || fail "json.loads refuses the record"

	# 10000 levels in all (LSH_JSON_MAX_DEPTH): stored; Python 3.11 reads
	# the record (10001 levels) once its recursion limit is raised
	rm -f "$DATA/tasks.jsonl"
	open=$(printf '{"a":%.0s' $(seq 9999))
	close=$(printf '}%.0s' $(seq 9999))
	run_cgi tasks '{"action":"TASKS_CREATED","x":'"$open"'1'"$close"'}'
	assert_http 200 .status ok
	/usr/bin/python3 -c 'import json, sys; sys.setrecursionlimit(100000)
json.loads(sys.stdin.buffer.read())' \
	    < "$DATA/tasks.jsonl" || fail "json.loads refuses the record"

	rm -f "$DATA/tasks.jsonl"
	run_cgi tasks '{"action":"TASKS_CREATED","x":['"$open"'1'"$close"']}'
	assert_error 400 "invalid json"
	open=$(printf '[%.0s' $(seq 10000))
	close=$(printf ']%.0s' $(seq 10000))
	run_cgi tasks '{"action":"TASKS_CREATED","x":'"$open$close"'}'
	assert_error 400 "invalid json"
	open=$(printf '{"a":%.0s' $(seq 20000))
	close=$(printf '}%.0s' $(seq 20000))
	run_cgi tasks '{"action":"TASKS_CREATED","x":'"$open"'1'"$close"'}'
	assert_error 400 "invalid json"
	[ ! -e "$DATA/tasks.jsonl" ] || fail "a refused body was stored"
}

@test "requests: a top-level array, string, number or null is 400 not an object" {
	local body
	for body in '[{"action":"TASKS_CREATED"}]' '"TASKS_CREATED"' '42' 'null'; do
		run_cgi tasks "$body"
		assert_error 400 "json body must be an object"
	done
}

@test "requests: a broken top-level array is invalid json, not a wrong type" {
	run_cgi tasks '[{"action":"TASKS_CREATED"}'
	assert_error 400 "invalid json"
}

@test "requests: an object without a top-level action is 400 missing action" {
	local body
	for body in '{}' '{"x":1}' '{"Action":"TASKS_CREATED"}' \
	    '{"project":{"action":"TASKS_CREATED"}}'; do
		run_cgi tasks "$body"
		assert_error 400 "missing action"
	done
}

@test "requests: an action that is a number, null or boolean is 400 not a string" {
	local v
	for v in 1 -2.5 null true false; do
		run_cgi tasks '{"action":'"$v"'}'
		assert_error 400 "action must be a string"
	done
}

@test "requests: an action that is an object or an array is 400 not a string" {
	local v
	for v in '{"a":1}' '["TASKS_CREATED"]' '{}' '[]'; do
		run_cgi tasks '{"action":'"$v"'}'
		assert_error 400 "action must be a string"
	done
}

@test "requests: two action keys are 400 duplicate action" {
	run_cgi tasks '{"action":"TASKS_CREATED","action":"TASKS_CREATED"}'
	assert_error 400 "duplicate action"
	run_cgi tasks '{"action":"TASKS_CREATED","x":1,"\u0061ction":"PROJECT_CREATED"}'
	assert_error 400 "duplicate action"
	run_cgi tasks '{"action":null,"action":"TASKS_CREATED"}'
	assert_error 400 "duplicate action"
}

@test "requests: an object or array action beside a string action is a duplicate" {
	run_cgi tasks '{"action":{"a":1},"action":"TASKS_CREATED"}'
	assert_error 400 "duplicate action"
	run_cgi tasks '{"action":"TASKS_CREATED","action":["PROJECT_CREATED"]}'
	assert_error 400 "duplicate action"
}

@test "requests: the JSON error diagnostic names the byte offset" {
	run_cgi tasks '{"action":"TASKS_CREATED"} x'
	assert_error 400 "invalid json"
	[[ $stderr == *"at byte 27"* ]] || fail "no offset in: $stderr"
}

# --- send_payload=false ----------------------------------------------

@test "requests: a bare {\"action\":\"TASKS_CREATED\"} is stored with null project and no ids" {
	run_cgi tasks '{"action":"TASKS_CREATED"}'
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	assert_wellformed_log "$DATA/tasks.jsonl"
	run jq -c '[.action, .family, .project_id, .task_ids, .annotation_ids, .payload]' \
	    "$DATA/tasks.jsonl"
	assert_output '["TASKS_CREATED","tasks",null,[],[],{"action":"TASKS_CREATED"}]'
}

# --- ids --------------------------------------------------------------

@test "requests: the webhook-id header is the record id and the answer id" {
	run_cgi tasks "$EV" HTTP_WEBHOOK_ID=msg_abc
	assert_http 200 .id msg_abc
	assert_http 200 .status ok
	run jq -r .id "$DATA/tasks.jsonl"
	assert_output msg_abc
}

@test "requests: a 200-character webhook-id is accepted" {
	local id
	id=$(printf 'a%.0s' $(seq 200))
	run_cgi tasks "$EV" HTTP_WEBHOOK_ID="$id"
	assert_http 200 .id "$id"
	run jq -r .id "$DATA/tasks.jsonl"
	assert_output "$id"
}

@test "requests: a webhook-id with a space, a quote, a backslash, an @, non-ASCII or 201 chars is 400" {
	local id
	# '@' is lshook's own: <id>@<endpoint> names a record in ignored.jsonl
	for id in "msg abc" 'msg"abc' 'msg\abc' $'msg\tabc' "msg@tasks" "$(printf 'msg\xc3\xa9')" \
	    "$(printf 'a%.0s' $(seq 201))"; do
		run_cgi tasks "$EV" HTTP_WEBHOOK_ID="$id"
		assert_error 400 "bad webhook-id"
	done
}

@test "requests: without webhook-id the id is sha256: of the exact body bytes" {
	local body=$'{ "action" : "TASKS_CREATED",\n  "project": {"id": 7} }\n' want
	want=sha256:$(printf '%s' "$body" | sha256sum | cut -d' ' -f1)
	run_cgi tasks "$body"
	assert_http 200 .id "$want"
	run jq -r .id "$DATA/tasks.jsonl"
	assert_output "$want"
	[ "$(jq -r .project_id "$DATA/tasks.jsonl")" = 7 ]
}

@test "requests: the same body sent twice gets the same id, a different body another" {
	run_cgi tasks "$EV"
	local first
	first=$(printf '%s' "$http_body" | jq -r .id)
	# a TASKS_CREATED is deduplicated: the second is a retry of the first
	run_cgi tasks "$EV"
	assert_http 200 .id "$first"
	assert_http 200 .status duplicate
	run_cgi tasks "$EV "
	assert_http 200 .status ok
	local third
	third=$(printf '%s' "$http_body" | jq -r .id)
	[ "$third" != "$first" ] || fail "a different body got the same id"
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
}

# --- answer and storage ----------------------------------------------

@test "requests: the answer is exactly {status:ok,id} and the line is in the file" {
	run_cgi tasks "$EV" HTTP_WEBHOOK_ID=msg_1
	assert_http 200
	[ "$http_body" = '{"status":"ok","id":"msg_1"}' ] || fail "body: $http_body"
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	[ "$(tail -c 1 "$DATA/tasks.jsonl" | od -An -c | tr -d ' ')" = '\n' ]
	run jq -r '[.v, .id, .action, .family, .project_id, (.task_ids|tostring)] | @tsv' \
	    "$DATA/tasks.jsonl"
	assert_output "$(printf '1\tmsg_1\tTASKS_CREATED\ttasks\t2\t[1]')"
}

@test "requests: a write that fails is 503, not 200, and leaves no partial line" {
	# A file size limit of 1 KiB makes the append fail with EFBIG part way.
	head -c 1000 /dev/zero | tr '\0' a > "$DATA/tasks.jsonl"
	echo >> "$DATA/tasks.jsonl"
	cp "$DATA/tasks.jsonl" "$BATS_TEST_TMPDIR/before"
	local f=$BATS_TEST_TMPDIR/ev.json
	printf '%s' "$EV" > "$f"
	CGI_WRAPPER=(bash -c 'trap "" XFSZ; ulimit -f 1; exec "$@"' _)
	# off: the 1 KiB limit would stop the 1.5 MB table of seen ids first
	run_cgi_file tasks "$f" LSHOOK_DEDUP_WINDOW=0
	assert_http 503 .error "write failed"
	assert_diag 503 "write failed"
	cmp "$DATA/tasks.jsonl" "$BATS_TEST_TMPDIR/before" ||
	    fail "the log changed: $(tail -c 200 "$DATA/tasks.jsonl")"
}

@test "requests: a missing data directory is 500 naming the path" {
	local dir=$BATS_TEST_TMPDIR/no-such-dir
	run_cgi tasks "$EV" LSHOOK_DATA_DIR="$dir"
	assert_error 500 "data directory unusable"
	[[ $stderr == *"$dir"* ]] || fail "path not named: $stderr"
	[ ! -e "$dir" ]
}

@test "requests: a data directory that is a file is 500" {
	local f=$BATS_TEST_TMPDIR/plain-file
	: > "$f"
	run_cgi tasks "$EV" LSHOOK_DATA_DIR="$f"
	assert_error 500 "data directory unusable"
	[ ! -s "$f" ]
}

@test "requests: a log path that is a directory is 500" {
	mkdir "$DATA/tasks.jsonl"
	run_cgi tasks "$EV"
	assert_error 500 "data directory unusable"
	[[ $stderr == *tasks.jsonl* ]] || fail "log not named: $stderr"
	[ -d "$DATA/tasks.jsonl" ]
}

@test "requests: a symlinked log file is refused with 500 and its target untouched" {
	local target=$BATS_TEST_TMPDIR/elsewhere.jsonl
	printf 'keep\n' > "$target"
	ln -s "$target" "$DATA/tasks.jsonl"
	run_cgi tasks "$EV"
	assert_error 500 "data directory unusable"
	[ "$(cat "$target")" = keep ]
	[ -L "$DATA/tasks.jsonl" ]
}

@test "requests: a dangling symlinked log file is refused and nothing is created" {
	local target=$BATS_TEST_TMPDIR/created-through-link.jsonl
	ln -s "$target" "$DATA/tasks.jsonl"
	run_cgi tasks "$EV"
	assert_error 500 "data directory unusable"
	[ ! -e "$target" ] || fail "the handler followed the symlink"
}

@test "requests: a data directory inside DOCUMENT_ROOT is 500 and nothing is written" {
	run_cgi tasks "$EV" DOCUMENT_ROOT="$BATS_TEST_TMPDIR" \
	    LSHOOK_DATA_DIR="$BATS_TEST_TMPDIR/data"
	assert_error 500 "data directory unusable"
	[[ $stderr == *"document root"* ]] || fail "reason not named: $stderr"
}

@test "requests: a data directory equal to DOCUMENT_ROOT or reached through .. is 500" {
	run_cgi tasks "$EV" DOCUMENT_ROOT="$DATA"
	assert_error 500 "data directory unusable"
	mkdir "$BATS_TEST_TMPDIR/www"
	run_cgi tasks "$EV" DOCUMENT_ROOT="$BATS_TEST_TMPDIR/www/.."
	assert_error 500 "data directory unusable"
}

@test "requests: a data directory beside DOCUMENT_ROOT with the same prefix is fine" {
	mkdir "$BATS_TEST_TMPDIR/dat"
	run_cgi tasks "$EV" DOCUMENT_ROOT="$BATS_TEST_TMPDIR/dat"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
}

@test "requests: after a torn last line the next record starts on a new line" {
	printf '{"v":1,"torn' > "$DATA/tasks.jsonl"
	run_cgi tasks "$EV"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
	[ "$(head -n 1 "$DATA/tasks.jsonl")" = '{"v":1,"torn' ]
	run jq -c .payload <(sed -n 2p "$DATA/tasks.jsonl")
	assert_success
	assert_output "$EV"
}

@test "requests: records are appended, never overwritten" {
	printf '{"old":1}\n' > "$DATA/tasks.jsonl"
	run_cgi tasks "$EV"
	assert_http 200 .status ok
	run_cgi tasks '{"action":"TASKS_DELETED","tasks":[{"id":1}]}'
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 3 ]
	[ "$(head -n 1 "$DATA/tasks.jsonl")" = '{"old":1}' ]
	run jq -r .action <(tail -n 2 "$DATA/tasks.jsonl")
	assert_output "$(printf 'TASKS_CREATED\nTASKS_DELETED')"
}
