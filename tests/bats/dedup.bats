#!/usr/bin/env bats
# dedup.bats: a delivery seen before (same webhook-id, or same body without
# one) within LSHOOK_DEDUP_WINDOW is answered 200 "duplicate" and not
# stored again; the table of seen ids is bounded, shared and persistent.
load helpers

setup() { setup_data; }

EV='{"action":"TASKS_CREATED","tasks":[{"id":1}],"project":{"id":2}}'
ON=(LSHOOK_DEDUP_WINDOW=)	# back to the default (on, 86400 s)

@test "dedup: the same body twice is stored once, the second answer says duplicate" {
	run_cgi tasks "$EV" "${ON[@]}"
	assert_http 200 .status ok
	id=$(printf '%s' "$http_body" | jq -r .id)
	run_cgi tasks "$EV" "${ON[@]}"
	assert_http 200 .status duplicate
	[ "$(printf '%s' "$http_body" | jq -r .id)" = "$id" ]
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	[ -z "$stderr" ]
}

@test "dedup: the same webhook-id with another body is a duplicate; another id is not" {
	run_cgi tasks "$EV" "${ON[@]}" HTTP_WEBHOOK_ID=msg_1
	assert_http 200 .status ok
	run_cgi tasks '{"action":"TASKS_CREATED","tasks":[{"id":9}]}' "${ON[@]}" HTTP_WEBHOOK_ID=msg_1
	assert_http 200 .status duplicate
	run_cgi tasks "$EV" "${ON[@]}" HTTP_WEBHOOK_ID=msg_2
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
}

@test "dedup: send_payload=false bodies have no identity and are all stored" {
	run_cgi tasks '{"action":"TASKS_CREATED"}' "${ON[@]}"
	assert_http 200 .status ok
	run_cgi tasks '{"action":"TASKS_CREATED"}' "${ON[@]}"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
	run_cgi tasks '{"action":"TASKS_CREATED"}' "${ON[@]}" HTTP_WEBHOOK_ID=msg_x
	run_cgi tasks '{"action":"TASKS_CREATED"}' "${ON[@]}" HTTP_WEBHOOK_ID=msg_x
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
}

@test "dedup: LSHOOK_DEDUP_WINDOW=0 turns it off" {
	run_cgi tasks "$EV" LSHOOK_DEDUP_WINDOW=0
	run_cgi tasks "$EV" LSHOOK_DEDUP_WINDOW=0
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
	[ ! -e "$DATA/state/seen.db" ]
}

@test "dedup: ignored deliveries are deduplicated too, and a duplicate sets nothing off" {
	run_cgi tasks '{"action":"NEW_THING","x":1}' "${ON[@]}"
	assert_http 202 .status ignored
	run_cgi tasks '{"action":"NEW_THING","x":1}' "${ON[@]}"
	assert_http 200 .status duplicate
	[ "$(log_lines ignored.jsonl)" -eq 1 ]
	run_cgi annotations "$(cat "$FIXTURES/ontology/ANNOTATION_CREATED.json")" "${ON[@]}" LSHOOK_TRAIN_EVERY=1
	run_cgi annotations "$(cat "$FIXTURES/ontology/ANNOTATION_CREATED.json")" "${ON[@]}" LSHOOK_TRAIN_EVERY=1
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
	run_cgi tasks "$EV" "${ON[@]}" HTTP_WEBHOOK_ID=msg_shared
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
	run_cgi tasks "$EV" LSHOOK_DEDUP_SLOTS=1024 "${ON[@]}"
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
	run_cgi tasks "$EV" LSHOOK_DEDUP_SLOTS=2048 "${ON[@]}"
	assert_http 200 .status ok
	[ "$(stat -c %s "$DATA/state/seen.db")" -eq $((16 + 2048 * 24)) ]
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
