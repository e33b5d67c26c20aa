#!/usr/bin/env bats
# labelstudio.bats: Label Studio's own client paths, replayed as a user
# meets them, through lighttpd/lshook.conf with the shipped defaults.
# tests/tools/ls_webhooks.py sends events as label_studio/webhooks/utils.py
# does (each event to every webhook in turn, requests.post(json=...),
# python-requests' User-Agent); tests/tools/ls_ml.py talks to the training
# endpoint as label_studio/ml/api_connector.py does (heartex/<version>,
# Basic auth, /health, /setup, /predict, /versions, /webhook, /train).
load helpers
load http

LSWH=$ROOT/tests/tools/ls_webhooks.py
LSML=$ROOT/tests/tools/ls_ml.py
LSF=$FIXTURES/labelstudio
LSHOOK=$ROOT/bin/lshook
# The events of one labeling session, in the order Label Studio sends them.
SESSION=(TASKS_CREATED ANNOTATION_CREATED ANNOTATION_UPDATED
    ANNOTATIONS_DELETED TASKS_DELETED PROJECT_UPDATED)

setup() { setup_data; }

teardown() { stop_lighttpd; }

# session_files: the fixture file of each SESSION event.
session_files() {
	local a
	for a in "${SESSION[@]}"; do
		echo "$LSDOCS/$a.json"
	done
}

# hooks FAMILY...: sets H to the ls_webhooks arguments of one webhook of
# Label Studio's per endpoint, with the Authorization header users give it.
hooks() {
	local f
	H=()
	for f in "$@"; do
		H+=(--hook "$BASE_URL/hooks/$f.fcgi" --header "Authorization: Bearer $SECRET")
	done
}

# deliver [ls_webhooks args...]: run it; every answer must be 2xx.
deliver() {
	run "$LSWH" "$@"
	[ "$status" -eq 0 ] || fail "ls_webhooks: $output"
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/answers"
	if grep -v '^20[02] ' "$BATS_TEST_TMPDIR/answers"; then
		fail "an answer Label Studio counts as a failure: $output"
	fi
}

# count LOG JQ-FILTER: records of LOG matching the filter.
count() {
	[ -f "$DATA/$1" ] || { echo 0; return; }
	jq -c "select($2)" "$DATA/$1" | wc -l
}

# The data directory is clean for lshook check, and every event record's
# id is unique across all its logs.
assert_clean() {
	local f ids=$BATS_TEST_TMPDIR/ids
	run "$LSHOOK" check -d "$DATA"
	[ "$status" -eq 0 ] || fail "lshook check: $output"
	: > "$ids"
	for f in tasks annotations projects training ignored; do
		[ -f "$DATA/$f.jsonl" ] && jq -r .id "$DATA/$f.jsonl" >> "$ids"
	done
	[ -s "$ids" ] || fail "no records"
	run sh -c "sort '$ids' | uniq -d"
	[ -z "$output" ] || fail "ids stored twice: $output"
}

@test "labelstudio: three per-family webhooks, send for all actions: each event once in its log, once in ignored.jsonl per other endpoint" {
	start_lighttpd
	local a fam other
	hooks tasks annotations projects
	# shellcheck disable=SC2046
	deliver "${H[@]}" $(session_files)
	[ "$(wc -l < "$BATS_TEST_TMPDIR/answers")" -eq 18 ]
	for a in "${SESSION[@]}"; do
		fam=$(family_of "$a")
		[ "$(count "$fam.jsonl" ".action == \"$a\"")" -eq 1 ] ||
		    fail "$a is not once in $fam.jsonl"
		for other in tasks annotations projects; do
			[ "$other" = "$fam" ] && continue
			[ "$(count ignored.jsonl ".action == \"$a\" and .endpoint == \"$other\"")" -eq 1 ] ||
			    fail "$a is not once in ignored.jsonl from $other"
		done
	done
	[ "$(count ignored.jsonl true)" -eq 12 ]
	# annotation 17 of task 19 was created before it was deleted
	run jq -c 'select(.action == "ANNOTATIONS_DELETED") | [.annotation_ids, .task_ids]' \
	    "$DATA/annotations.jsonl"
	assert_output '[[17],[19]]'
	# what follows an annotation ran: its label is counted in the ontology
	run "$LSHOOK" ontology show 2 -d "$DATA"
	assert_success
	assert_output --partial Answer
	assert_clean
}

@test "labelstudio: the same round delivered again is answered duplicate where it can only be a retry" {
	start_lighttpd
	hooks tasks annotations
	deliver "${H[@]}" "$LSDOCS/ANNOTATION_CREATED.json"
	deliver "${H[@]}" "$LSDOCS/ANNOTATION_CREATED.json"
	[ "$(grep -c '"status":"duplicate"' "$BATS_TEST_TMPDIR/answers")" -eq 2 ]
	[ "$(count annotations.jsonl true)" -eq 1 ]
	[ "$(count ignored.jsonl true)" -eq 1 ]
	assert_clean
}

@test "labelstudio: one webhook to one endpoint: its family recorded, every other event ignored once" {
	start_lighttpd
	hooks annotations
	# shellcheck disable=SC2046
	deliver "${H[@]}" $(session_files)
	[ "$(count annotations.jsonl true)" -eq 3 ]
	[ "$(count ignored.jsonl true)" -eq 3 ]
	[ "$(count ignored.jsonl '.endpoint == "annotations"')" -eq 3 ]
	assert_clean
}

@test "labelstudio: send_payload=false twice: two records with two ids" {
	start_lighttpd
	hooks annotations
	deliver --no-payload "${H[@]}" "$LSDOCS/ANNOTATION_CREATED.json" \
	    "$LSDOCS/ANNOTATION_CREATED.json"
	[ "$(count annotations.jsonl '.payload == {"action":"ANNOTATION_CREATED"}')" -eq 2 ]
	assert_clean
}

@test "labelstudio: the model's own webhook, without headers: every event 200 Unknown event, nothing stored" {
	start_lighttpd
	# create_ml_webhook: <url>/webhook, all actions, headers {}
	# shellcheck disable=SC2046
	deliver --hook "$BASE_URL/hooks/training.fcgi/webhook" $(session_files)
	[ "$(grep -c '^200 .* {"status":"Unknown event"}$' "$BATS_TEST_TMPDIR/answers")" -eq 6 ]
	assert_nothing_stored
}

@test "labelstudio: the model's own webhook given an Authorization header: a project edit is no training request" {
	start_lighttpd
	# shellcheck disable=SC2046
	deliver --hook "$BASE_URL/hooks/training.fcgi/webhook" \
	    --header "Authorization: Bearer $SECRET" $(session_files)
	[ "$(grep -c '{"status":"Unknown event"}$' "$BATS_TEST_TMPDIR/answers")" -eq 6 ]
	assert_nothing_stored
}

@test "labelstudio: Connect Model with the right credentials: health, setup and versions answer" {
	start_lighttpd
	run "$LSML" "$BASE_URL/hooks/training.fcgi" --basic "labelstudio:$SECRET" \
	    health setup "$LSF/project.json" versions
	assert_success
	assert_line --index 0 --regexp '^health ok '
	assert_line --index 1 'setup ok lshook-0.1.0'
	assert_line --index 2 'versions ok ["lshook-0.1.0"]'
}

@test "labelstudio: Connect Model with a wrong password: 401 on every route, as Label Studio shows it" {
	start_lighttpd
	run "$LSML" "$BASE_URL/hooks/training.fcgi" --basic "labelstudio:wrong-secret-0123456789" \
	    health setup "$LSF/project.json" versions predict "$LSF/tasks.json" \
	    train "$LSF/project.json"
	assert_success
	assert_line --index 0 --regexp '^health error 401 '
	assert_line --index 1 --regexp '^setup error 401 '
	assert_line --index 2 --regexp '^versions error 401 '
	assert_line --index 3 --regexp '^predict ok 0 errors 1 error 401 '
	assert_line --index 4 --regexp '^train error 401 '
	assert_nothing_stored
}

@test "labelstudio: Connect Model without credentials: health and setup answer, training is refused" {
	start_lighttpd
	run "$LSML" "$BASE_URL/hooks/training.fcgi" health setup "$LSF/project.json" \
	    train "$LSF/project.json"
	assert_success
	assert_line --index 0 --regexp '^health ok '
	assert_line --index 1 'setup ok lshook-0.1.0'
	assert_line --index 2 --regexp '^train error 401 '
	assert_nothing_stored
}

@test "labelstudio: /predict: no prediction for any task, and nothing Label Studio logs as an error" {
	start_lighttpd
	run "$LSML" "$BASE_URL/hooks/training.fcgi" --basic "labelstudio:$SECRET" \
	    predict "$LSF/tasks.json"
	assert_success
	assert_output 'predict ok 0 errors 0 '
	jq '.[0:1]' "$LSF/tasks.json" > "$BATS_TEST_TMPDIR/one.json"
	run "$LSML" "$BASE_URL/hooks/training.fcgi" predict "$BATS_TEST_TMPDIR/one.json"
	assert_output 'predict ok 0 errors 0 '
	assert_nothing_stored
}

@test "labelstudio: Start Training pressed twice: two training requests, two ids" {
	start_lighttpd
	run "$LSML" "$BASE_URL/hooks/training.fcgi" --basic "labelstudio:$SECRET" \
	    train "$LSF/project.json" train "$LSF/project.json"
	assert_success
	assert_line --index 0 --regexp '^train ok \{"status": "ok", "id": "sha256:'
	assert_line --index 1 --regexp '^train ok \{"status": "ok", "id": "sha256:'
	[ "$(count training.jsonl '.action == "START_TRAINING" and .project_id == 1')" -eq 2 ]
	run grep -c SECRET "$DATA/training.jsonl"
	assert_output 0
	assert_clean
}

@test "labelstudio: Label Studio 1.12's PROJECT_UPDATED from the ML client is a training request" {
	start_lighttpd
	run "$LSML" "$BASE_URL/hooks/training.fcgi" --basic "labelstudio:$SECRET" \
	    project-updated "$LSF/project.json"
	assert_success
	assert_line --regexp '^project-updated ok \{"status": "ok"'
	[ "$(count training.jsonl '.action == "PROJECT_UPDATED"')" -eq 1 ]
	assert_clean
}

@test "labelstudio: legacy POST /train is a training request, its login and password redacted" {
	start_lighttpd
	run "$LSML" "$BASE_URL/hooks/training.fcgi" --basic "labelstudio:$SECRET" \
	    train-legacy "$LSF/project.json" "$LSF/tasks.json" \
	    train-legacy "$LSF/project.json" "$LSF/tasks.json"
	assert_success
	assert_line --index 0 --regexp '^train-legacy ok \{"status": "ok"'
	assert_line --index 1 --regexp '^train-legacy ok \{"status": "ok"'
	[ "$(count training.jsonl '.action == "START_TRAINING" and .project_id == 1 and
	    .task_ids == [] and .annotation_ids == [] and
	    .payload.params == {"login":"[redacted]","password":"[redacted]"} and
	    (.payload.annotations | length) == 5')" -eq 2 ]
	run grep -c SECRET "$DATA/training.jsonl"
	assert_output 0
	assert_clean
}

@test "labelstudio: ANNOTATIONS_DELETED of annotations never seen lists no task" {
	start_lighttpd
	hooks annotations
	deliver "${H[@]}" "$LSDOCS/ANNOTATIONS_DELETED.json"
	run jq -c '[.annotation_ids, .task_ids]' "$DATA/annotations.jsonl"
	assert_output '[[17],[]]'
}
