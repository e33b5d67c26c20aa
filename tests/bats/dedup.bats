#!/usr/bin/env bats
# dedup.bats: a delivery with an identity (a webhook-id, or the body of an
# action whose payload is always new: TASKS_CREATED, ANNOTATION_CREATED,
# ANNOTATIONS_CREATED, ANNOTATION_UPDATED, PROJECT_CREATED, not a bare
# {"action": ...}) seen before by the same endpoint within
# LSHOOK_DEDUP_WINDOW is answered 200 "duplicate" and not stored again;
# any other delivery is a new event each time, stored with an id of its
# own.  The table of seen ids is bounded, shared and persistent, and
# "lshook check" finds no repeated id in what every test leaves.
load helpers

LSHOOK=$ROOT/bin/lshook

setup() { setup_data; }

# Every record id is unique, whatever the test sent: check is clean.  A
# test that stores a delivery again once it is forgotten (the window
# passed, the table rebuilt) sets REPEATED to its id: that one repeat, and
# only it, is what check reports.
teardown() {
	[ -d "$DATA" ] || return 0
	run "$LSHOOK" check -d "$DATA"
	if [ -z "${REPEATED:-}" ]; then
		[ "$status" -eq 0 ] || fail "lshook check: $output"
		return 0
	fi
	[ "$status" -eq 1 ] && [ "${#lines[@]}" -eq 2 ] &&
	    [[ ${lines[0]} == *": duplicate id $REPEATED (first at line 1)" ]] ||
	    fail "lshook check: $output"
}

EV='{"action":"TASKS_CREATED","tasks":[{"id":1}],"project":{"id":2}}'
HEX16='[0-9a-f]{16}'

# key BODY: the delivery key of a body sent without a webhook-id.
key() {
	printf 'sha256:%s' "$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)"
}

# answer_id: the id of the last answer.
answer_id() {
	printf '%s' "$http_body" | jq -r .id
}

@test "dedup: the same TASKS_CREATED twice is stored once, the second answer says duplicate" {
	run_cgi tasks "$EV"
	assert_http 200 .status ok
	id=$(printf '%s' "$http_body" | jq -r .id)
	run_cgi tasks "$EV"
	assert_http 200 .status duplicate
	[ "$(printf '%s' "$http_body" | jq -r .id)" = "$id" ]
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	[ -z "$stderr" ]
}

@test "dedup: the same webhook-id with another body is a duplicate; another id is not" {
	run_cgi tasks "$EV" HTTP_WEBHOOK_ID=msg_1
	assert_http 200 .status ok
	run_cgi tasks '{"action":"TASKS_CREATED","tasks":[{"id":9}]}' HTTP_WEBHOOK_ID=msg_1
	assert_http 200 .status duplicate
	run_cgi tasks "$EV" HTTP_WEBHOOK_ID=msg_2
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
}

@test "dedup: send_payload=false bodies have no identity and are all stored" {
	run_cgi tasks '{"action":"TASKS_CREATED"}'
	assert_http 200 .status ok
	run_cgi tasks '{"action":"TASKS_CREATED"}'
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
	run_cgi tasks '{"action":"TASKS_CREATED"}' HTTP_WEBHOOK_ID=msg_x
	run_cgi tasks '{"action":"TASKS_CREATED"}' HTTP_WEBHOOK_ID=msg_x
	assert_http 200 .status duplicate
	[ "$(log_lines tasks.jsonl)" -eq 3 ]
}

@test "dedup: an id is remembered for the window, then stored again" {
	run_cgi tasks "$EV" LSHOOK_DEDUP_WINDOW=60 LSHOOK_CLOCK=1000000
	assert_http 200 .status ok
	run_cgi tasks "$EV" LSHOOK_DEDUP_WINDOW=60 LSHOOK_CLOCK=1000060
	assert_http 200 .status duplicate
	run_cgi tasks "$EV" LSHOOK_DEDUP_WINDOW=60 LSHOOK_CLOCK=1000061
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
	# stored again under the same id: at least once, never lost
	REPEATED=$(key "$EV")
}

@test "dedup: LSHOOK_DEDUP_WINDOW=0 turns it off: each delivery stored under an id of its own" {
	assert_twice tasks "$EV" LSHOOK_DEDUP_WINDOW=0
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
	[ ! -e "$DATA/state/seen.db" ]
}

@test "dedup: ignored deliveries are deduplicated too, and a duplicate sets nothing off" {
	local ann
	ann=$(cat "$LSDOCS/ANNOTATION_CREATED.json")
	run_cgi tasks "$ann"
	assert_http 202 .status ignored
	run_cgi tasks "$ann"
	assert_http 200 .status duplicate
	[ "$(answer_id)" = "$(key "$ann")@tasks" ]
	[ "$(log_lines ignored.jsonl)" -eq 1 ]
	# an unknown action has no identity: each delivery is stored
	run_cgi tasks '{"action":"NEW_THING","x":1}'
	assert_http 202 .status ignored
	run_cgi tasks '{"action":"NEW_THING","x":1}'
	assert_http 202 .status ignored
	[ "$(log_lines ignored.jsonl)" -eq 3 ]
	run_cgi annotations "$(cat "$FIXTURES/ontology/ANNOTATION_CREATED.json")" LSHOOK_TRAIN_EVERY=1
	run_cgi annotations "$(cat "$FIXTURES/ontology/ANNOTATION_CREATED.json")" LSHOOK_TRAIN_EVERY=1
	assert_http 200 .status duplicate
	[ "$(cat "$DATA/state/train-41")" -eq 1 ]
	[ "$(grep -c TRAIN_REQUESTED "$DATA/training.jsonl")" -eq 1 ]
	[ "$(jq -r .change "$DATA/ontology.jsonl" | sort | uniq -c | awk '{print $1}')" -eq 4 ]
}

@test "dedup: the table is shared by processes and survives a restart" {
	start_fcgi tasks LSHOOK_DEDUP_WINDOW=3600
	fcgi_request "$EV" HTTP_WEBHOOK_ID=msg_shared
	assert_http 200 .status ok
	stop_fcgi
	run_cgi tasks "$EV" HTTP_WEBHOOK_ID=msg_shared
	assert_http 200 .status duplicate
	start_fcgi tasks LSHOOK_DEDUP_WINDOW=3600
	fcgi_request "$EV" HTTP_WEBHOOK_ID=msg_shared
	assert_http 200 .status duplicate
	stop_fcgi
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
}

@test "dedup: 20 concurrent identical deliveries are stored exactly once" {
	local i
	printf '%s' "$EV" > "$BATS_TEST_TMPDIR/ev"
	for i in $(seq 1 20); do
		env -i PATH="$PATH" REQUEST_METHOD=POST CONTENT_LENGTH=${#EV} \
		    HTTP_AUTHORIZATION="Bearer $SECRET" LSHOOK_SECRET="$SECRET" \
		    LSHOOK_DATA_DIR="$DATA" "$HOOKS/tasks.fcgi" \
		    < "$BATS_TEST_TMPDIR/ev" > "$BATS_TEST_TMPDIR/out$i" &
	done
	wait
	[ "$(grep -l '"status":"ok"' "$BATS_TEST_TMPDIR"/out* | wc -l)" -eq 1 ]
	[ "$(grep -l '"status":"duplicate"' "$BATS_TEST_TMPDIR"/out* | wc -l)" -eq 19 ]
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
}

@test "dedup: the table has a fixed size however many ids it sees" {
	local i
	run_cgi tasks "$EV" LSHOOK_DEDUP_SLOTS=1024
	[ "$(stat -c %s "$DATA/state/seen.db")" -eq $((16 + 1024 * 24)) ]
	start_fcgi tasks LSHOOK_DEDUP_SLOTS=1024
	for i in $(seq 1 300); do
		fcgi_request '{"action":"TASKS_CREATED","tasks":[{"id":'"$i"'}]}'
	done
	assert_http 200 .status ok
	stop_fcgi
	[ "$(stat -c %s "$DATA/state/seen.db")" -eq $((16 + 1024 * 24)) ]
	[ "$(log_lines tasks.jsonl)" -eq 301 ]
	# a different size rebuilds the table rather than misreading it
	run_cgi tasks "$EV" LSHOOK_DEDUP_SLOTS=2048
	assert_http 200 .status ok
	[ "$(stat -c %s "$DATA/state/seen.db")" -eq $((16 + 2048 * 24)) ]
	REPEATED=$(key "$EV")	# the rebuilt table forgot it: stored again
}

@test "dedup: a Standard Webhooks delivery replayed inside the window is a duplicate" {
	local key body=$EV ts=1700000000 id=msg_replay sig
	key=$(printf '%s' "${SW_SECRET#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \n')
	sig=$(printf '%s.%s.%s' "$id" "$ts" "$body" |
	    openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | base64)
	set -- LSHOOK_AUTH=standard LSHOOK_SECRET="$SW_SECRET" HTTP_AUTHORIZATION= \
	    HTTP_WEBHOOK_ID=$id HTTP_WEBHOOK_TIMESTAMP=$ts HTTP_WEBHOOK_SIGNATURE="v1,$sig" \
	    LSHOOK_DEDUP_WINDOW=600
	run_cgi tasks "$body" "$@" LSHOOK_CLOCK=$ts
	assert_http 200 .status ok
	run_cgi tasks "$body" "$@" LSHOOK_CLOCK=$((ts + 200))
	assert_http 200 .status duplicate
	run_cgi tasks "$body" "$@" LSHOOK_CLOCK=$((ts + 301))
	assert_http 401 .error "stale timestamp"
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
}

# --- per endpoint ---------------------------------------------------------

@test "dedup: one ANNOTATION_CREATED sent to all three endpoints: recorded once, ignored twice, each endpoint its own id" {
	# Label Studio with three webhooks "for all actions" sends each event
	# to tasks, annotations and projects.
	local ann k h
	ann=$(cat "$LSDOCS/ANNOTATION_CREATED.json")
	k=$(key "$ann")
	run_cgi tasks "$ann"
	assert_http 202 .id "$k@tasks"
	run_cgi annotations "$ann"
	assert_http 200 .id "$k"
	run_cgi projects "$ann"
	assert_http 202 .id "$k@projects"
	[ "$(log_lines annotations.jsonl)" -eq 1 ]
	[ "$(log_lines ignored.jsonl)" -eq 2 ]
	[ "$(jq -r .id "$DATA/annotations.jsonl")" = "$k" ]
	[ "$(records ignored.jsonl | jq -r '.endpoint + " " + .id' | tr '\n' ,)" = \
	    "tasks $k@tasks,projects $k@projects," ]
	# the same round again (Label Studio retrying all three): duplicates
	for h in tasks annotations projects; do
		run_cgi "$h" "$ann"
		assert_http 200 .status duplicate
	done
	[ "$(log_lines annotations.jsonl)" -eq 1 ]
	[ "$(log_lines ignored.jsonl)" -eq 2 ]
	[ "$(event_files | tr '\n' ' ')" = "annotations.jsonl ignored.jsonl " ]
}

@test "dedup: the same webhook-id at two endpoints is stored by each, then duplicate at each" {
	run_cgi tasks "$EV" HTTP_WEBHOOK_ID=msg_both
	assert_http 200 .id msg_both
	run_cgi annotations "$EV" HTTP_WEBHOOK_ID=msg_both
	assert_http 202 .id msg_both@annotations
	run_cgi tasks "$EV" HTTP_WEBHOOK_ID=msg_both
	assert_http 200 .status duplicate
	run_cgi annotations "$EV" HTTP_WEBHOOK_ID=msg_both
	assert_http 200 .status duplicate
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	[ "$(log_lines ignored.jsonl)" -eq 1 ]
}

# --- what is not deduplicated ----------------------------------------------

# assert_twice HANDLER BODY [VAR=value...]: BODY sent twice to HANDLER is
# stored twice (never a duplicate), under two ids of the form
# sha256:<hex of the body>.<16 random hex>.
assert_twice() {
	local handler=$1 body=$2 k first second
	shift 2
	k=$(key "$body")
	run_cgi "$handler" "$body" "$@"
	[[ $http_status == 20[02] ]] || fail "$handler: $http_status $http_body"
	first=$(answer_id)
	run_cgi "$handler" "$body" "$@"
	[[ $http_status == 20[02] ]] || fail "$handler: $http_status $http_body"
	[ "$(printf '%s' "$http_body" | jq -r .status)" != duplicate ] ||
	    fail "$handler answered duplicate: $http_body"
	second=$(answer_id)
	[[ $first =~ ^${k}\.${HEX16}$ ]] || fail "first id $first, want $k.<16 hex>"
	[[ $second =~ ^${k}\.${HEX16}$ ]] || fail "second id $second, want $k.<16 hex>"
	[ "$first" != "$second" ] || fail "both deliveries got id $first"
}

@test "dedup: repeatable actions sent twice are stored twice under distinct ids" {
	local del proj bare
	del=$(cat "$LSDOCS/TASKS_DELETED.json")
	proj=$(cat "$LSDOCS/PROJECT_UPDATED.json")
	bare='{"action":"ANNOTATION_CREATED"}'
	assert_twice tasks "$del"
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
	assert_twice projects "$proj"
	[ "$(log_lines projects.jsonl)" -eq 2 ]
	assert_twice annotations "$bare"
	[ "$(log_lines annotations.jsonl)" -eq 2 ]
	assert_twice training "$(cat "$FIXTURES/START_TRAINING.json")" PATH_INFO=/webhook
	[ "$(log_lines training.jsonl)" -eq 2 ]
	# ignored ones too: another family's repeatable action, an unknown one
	assert_twice annotations "$del"
	assert_twice tasks '{"action":"SOMETHING_NEW","x":1}'
	[ "$(log_lines ignored.jsonl)" -eq 4 ]
	# the records carry the ids the answers gave: all distinct
	[ "$(cat "$DATA"/{tasks,projects,annotations,training,ignored}.jsonl |
	    grep -v '"id":"\(first-seen\|train\):' | jq -r .id | sort | uniq -d)" = "" ]
}

@test "dedup: a repeatable action with a webhook-id is deduplicated by it" {
	local del
	del=$(cat "$LSDOCS/TASKS_DELETED.json")
	run_cgi tasks "$del" HTTP_WEBHOOK_ID=msg_del
	assert_http 200 .id msg_del
	run_cgi tasks "$del" HTTP_WEBHOOK_ID=msg_del
	assert_http 200 .status duplicate
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
}

@test "dedup: lshook check is clean after every kind of delivery, twice over" {
	local f h
	for f in "$LSDOCS"/*.json "$FIXTURES/START_TRAINING.json"; do
		for h in tasks annotations projects; do
			run_cgi_file "$h" "$f"
			run_cgi_file "$h" "$f"
			[[ $http_status == 20[02] ]] || fail "$h $f: $http_status $http_body"
		done
	done
	run_cgi tasks '{"action":"TASKS_CREATED"}'
	run_cgi tasks '{"action":"TASKS_CREATED"}'
	run "$LSHOOK" check -d "$DATA"
	assert_success
	assert_line --regexp ', 0 problems$'
}
