#!/usr/bin/env bats
# triggers.bats: what lshook records by itself after an event: the training
# trigger every LSHOOK_TRAIN_EVERY annotations (TRAIN_REQUESTED in
# training.jsonl, counter in <data>/state/train-<project>) and the first
# event of a project (PROJECT_FIRST_SEEN in projects.jsonl, marker in
# <data>/state/projects/<project>), across processes.
load helpers

setup() {
	setup_data
	BG_PIDS=()
	mkdir -p "$BATS_TEST_TMPDIR/bg"
}

teardown() {
	local p
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	stop_fcgi_guarded
}

# stop_fcgi, with a watchdog that SIGKILLs the handler if SIGTERM has not
# ended it within 30 s (as in fastcgi.bats).
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

# Bodies: ANNOTATION_CREATED of annotation $2 in project $1, and the like.
created() {
	printf '{"action":"ANNOTATION_CREATED","project":{"id":%s},"annotation":{"id":%s,"task":%s,"result":[]}}' \
	    "$1" "$2" "$((1000 + $2))"
}
updated() {
	printf '{"action":"ANNOTATION_UPDATED","project":{"id":%s},"annotation":{"id":%s,"task":1,"result":[]}}' \
	    "$1" "$2"
}
# bulk PROJECT ID...: ANNOTATIONS_CREATED of these annotation ids.
bulk() {
	local p=$1 id sep='' list=''
	shift
	for id in "$@"; do
		list+="$sep{\"id\":$id,\"task\":$((1000 + id)),\"result\":[]}"
		sep=,
	done
	printf '{"action":"ANNOTATIONS_CREATED","project":{"id":%s},"annotation":[%s]}' "$p" "$list"
}
task_event() {
	printf '{"action":"TASKS_CREATED","project":{"id":%s},"tasks":[{"id":%s}]}' "$1" "$2"
}

# The TRAIN_REQUESTED records of training.jsonl, one jq value each.
# Derived records' ids end in a random ".<16 hex digits>" (unique when an
# operator resets a counter or a marker): checked, then cut for comparing.
UNSUFFIX='(.id |= (if test("\\.[0-9a-f]{16}$") then sub("\\.[0-9a-f]{16}$"; "") else "no unique suffix: " + . end))'

train_requests() {
	[ -f "$DATA/training.jsonl" ] || return 0
	jq -c "select(.action == \"TRAIN_REQUESTED\") | $UNSUFFIX | ${1:-.}" "$DATA/training.jsonl"
}

# The PROJECT_FIRST_SEEN records of projects.jsonl.
first_seen() {
	[ -f "$DATA/projects.jsonl" ] || return 0
	jq -c "select(.action == \"PROJECT_FIRST_SEEN\") | $UNSUFFIX | ${1:-.}" "$DATA/projects.jsonl"
}

# Run ANNOTATION_CREATED of annotations FROM..TO in project P as CGI.
create_range() {
	local p=$1 i
	for i in $(seq "$2" "$3"); do
		run_cgi annotations "$(created "$p" "$i")" "${@:4}"
		assert_http 200 .status ok
	done
}

# bg_cgi N HANDLER FILE [VAR=value...]: run_cgi_file in the background;
# its HTTP status goes to $BATS_TEST_TMPDIR/bg/N.  wait_bg waits for all.
bg_cgi() {
	local n=$1
	shift
	(
		run_cgi_file "$@"
		printf '%s\n' "$http_status" > "$BATS_TEST_TMPDIR/bg/$n"
	) &
	BG_PIDS+=($!)
}
wait_bg() {
	local p rc=0
	for p in "${BG_PIDS[@]}"; do
		wait "$p" || rc=1
	done
	BG_PIDS=()
	[ "$rc" -eq 0 ] || fail "a background run failed"
	local statuses
	statuses=$(cat "$BATS_TEST_TMPDIR"/bg/* | sort | uniq -c | tr -s ' ')
	[ "$statuses" = " $1 200" ] || fail "statuses: $statuses"
}

# --- training trigger ------------------------------------------------------

@test "triggers: every=3, seven creates request training at counts 3 and 6 only" {
	local ids
	create_range 2 1 7 LSHOOK_TRAIN_EVERY=3
	[ "$(train_requests .count | tr '\n' ' ')" = "3 6 " ] ||
	    fail "TRAIN_REQUESTED counts: $(train_requests .count | tr '\n' ' ')"
	[ "$(cat "$DATA/state/train-2")" = 7 ] || fail "counter: $(cat "$DATA/state/train-2")"
	assert_wellformed_log "$DATA/training.jsonl"
	# Each one is exactly the documented record, naming the event that
	# crossed the multiple.
	mapfile -t ids < <(records annotations.jsonl | jq -r .id)
	[ "${#ids[@]}" -eq 7 ]
	run train_requests 'del(.received_at)'
	assert_line -n 0 '{"v":1,"id":"train:2:3","action":"TRAIN_REQUESTED","family":"training","project_id":2,"task_ids":[],"annotation_ids":[],"reason":"every 3 annotations","count":3,"payload":{"action":"TRAIN_REQUESTED","project":{"id":2},"count":3,"every":3,"event_id":"'"${ids[2]}"'"}}'
	assert_line -n 1 '{"v":1,"id":"train:2:6","action":"TRAIN_REQUESTED","family":"training","project_id":2,"task_ids":[],"annotation_ids":[],"reason":"every 3 annotations","count":6,"payload":{"action":"TRAIN_REQUESTED","project":{"id":2},"count":6,"every":3,"event_id":"'"${ids[5]}"'"}}'
	[ "${#lines[@]}" -eq 2 ]
	# only TRAIN_REQUESTED lines in training.jsonl
	[ "$(log_lines training.jsonl)" -eq 0 ]
	[ "$(wc -l < "$DATA/training.jsonl")" -eq 2 ]
}

@test "triggers: counters are per project" {
	run_cgi annotations "$(created 2 1)" LSHOOK_TRAIN_EVERY=2
	run_cgi annotations "$(created 3 2)" LSHOOK_TRAIN_EVERY=2
	[ -z "$(train_requests)" ] || fail "$(train_requests)"
	run_cgi annotations "$(created 3 3)" LSHOOK_TRAIN_EVERY=2
	[ "$(train_requests '[.project_id, .count]')" = '[3,2]' ]
	[ "$(cat "$DATA/state/train-2")" = 1 ]
	[ "$(cat "$DATA/state/train-3")" = 2 ]
}

@test "triggers: ANNOTATIONS_CREATED of 5 annotations counts 5" {
	run_cgi annotations "$(bulk 4 11 12 13 14)" LSHOOK_TRAIN_EVERY=5
	assert_http 200 .status ok
	[ "$(cat "$DATA/state/train-4")" = 4 ]
	[ -z "$(train_requests)" ] || fail "$(train_requests)"
	run_cgi annotations "$(bulk 4 15 16 17 18 19)" LSHOOK_TRAIN_EVERY=5
	assert_http 200 .status ok
	[ "$(cat "$DATA/state/train-4")" = 9 ]
	[ "$(train_requests '[.count, .payload.every]')" = '[9,5]' ]
	# a bulk event without annotation ids still counts 1
	run_cgi annotations '{"action":"ANNOTATIONS_CREATED","project":{"id":4}}' \
	    LSHOOK_TRAIN_EVERY=5
	assert_http 200 .status ok
	[ "$(cat "$DATA/state/train-4")" = 10 ]
	[ "$(train_requests .count | tr '\n' ' ')" = "9 10 " ]
}

@test "triggers: ANNOTATION_UPDATED, 401s, 400s, ignored and other actions do not count" {
	local e=LSHOOK_TRAIN_EVERY=1
	run_cgi annotations "$(updated 2 1)" $e
	assert_http 200 .status ok
	run_cgi annotations '{"action":"ANNOTATIONS_DELETED","project":{"id":2},"annotation":{"id":1}}' $e
	assert_http 200 .status ok
	run_cgi annotations '{"action":"REVIEW_CREATED","project":{"id":2},"annotation":{"id":1}}' $e
	assert_http 200 .status ok
	run_cgi annotations "$(created 2 2)" $e HTTP_AUTHORIZATION="Bearer wrong-secret-0123456789"
	assert_http 401
	run_cgi annotations '{"action":"ANNOTATION_CREATED","project":{"id":2},' $e
	assert_http 400
	# ANNOTATION_CREATED at the other handlers is 202 ignored
	run_cgi tasks "$(created 2 3)" $e
	assert_http 202 .status ignored
	run_cgi projects "$(created 2 4)" $e
	assert_http 202 .status ignored
	run_cgi training "$(created 2 5)" $e PATH_INFO=/webhook
	assert_http 200 .status "Unknown event"
	[ ! -e "$DATA/state/train-2" ] || fail "counter: $(cat "$DATA/state/train-2")"
	[ ! -e "$DATA/training.jsonl" ] || fail "training.jsonl: $(cat "$DATA/training.jsonl")"
	# the next real create is the first one counted
	run_cgi annotations "$(created 2 6)" $e
	[ "$(cat "$DATA/state/train-2")" = 1 ]
	[ "$(train_requests .id)" = '"train:2:1"' ]
}

@test "triggers: an annotation without a plain integer project id counts nowhere" {
	local body
	for body in '{"action":"ANNOTATION_CREATED","annotation":{"id":1}}' \
	    '{"action":"ANNOTATION_CREATED","project":{"id":"2"},"annotation":{"id":1}}' \
	    '{"action":"ANNOTATION_CREATED","project":{"id":-2},"annotation":{"id":1}}'; do
		run_cgi annotations "$body" LSHOOK_TRAIN_EVERY=1
		assert_http 200 .status ok
	done
	run ls "$DATA/state"
	refute_output --partial train-
	[ ! -e "$DATA/training.jsonl" ]
}

@test "triggers: the training trigger is off by default" {
	create_range 2 1 3
	[ -z "$(find "$DATA" -name 'train-*')" ] || fail "$(find "$DATA" -name 'train-*')"
	[ ! -e "$DATA/training.jsonl" ]
	create_range 2 4 5 LSHOOK_TRAIN_EVERY=0
	[ -z "$(find "$DATA" -name 'train-*')" ] || fail "$(find "$DATA" -name 'train-*')"
	[ ! -e "$DATA/training.jsonl" ]
}

@test "triggers: a bad LSHOOK_TRAIN_EVERY is 500 bad configuration" {
	local v
	for v in -1 abc 1000001 3x; do
		rm -rf "$DATA" && mkdir "$DATA"
		run_cgi annotations "$(created 2 1)" LSHOOK_TRAIN_EVERY=$v
		assert_error 500 "bad configuration" LSHOOK_TRAIN_EVERY
	done
}

@test "triggers: 24 concurrent creates with every=4 request training exactly 6 times" {
	local i
	for i in $(seq 24); do
		created 6 "$i" > "$BATS_TEST_TMPDIR/body.$i"
		bg_cgi "$i" annotations "$BATS_TEST_TMPDIR/body.$i" LSHOOK_TRAIN_EVERY=4
	done
	wait_bg 24
	[ "$(log_lines annotations.jsonl)" -eq 24 ]
	[ "$(cat "$DATA/state/train-6")" = 24 ]
	[ "$(train_requests .count | tr '\n' ' ')" = "4 8 12 16 20 24 " ] ||
	    fail "counts: $(train_requests .count | tr '\n' ' ')"
	# each names a distinct recorded event
	[ "$(train_requests .payload.event_id | sort -u | wc -l)" -eq 6 ]
	run comm -23 <(train_requests .payload.event_id | jq -r . | sort) \
	    <(records annotations.jsonl | jq -r .id | sort)
	[ -z "$output" ] || fail "unknown event ids: $output"
	assert_wellformed_log "$DATA/training.jsonl"
}

@test "triggers: the counter survives a restart: a new FastCGI process continues it" {
	start_fcgi annotations LSHOOK_TRAIN_EVERY=3
	fcgi_request "$(created 2 1)"
	assert_http 200 .status ok
	fcgi_request "$(created 2 2)"
	assert_http 200 .status ok
	stop_fcgi_guarded
	[ "$(cat "$DATA/state/train-2")" = 2 ]
	[ -z "$(train_requests)" ]
	start_fcgi annotations LSHOOK_TRAIN_EVERY=3
	fcgi_request "$(created 2 3)"
	assert_http 200 .status ok
	[ "$(train_requests .count)" = 3 ]
	fcgi_request "$(created 2 4)"
	stop_fcgi_guarded
	# and a CGI run shares it too
	run_cgi annotations "$(created 2 5)" LSHOOK_TRAIN_EVERY=3
	run_cgi annotations "$(created 2 6)" LSHOOK_TRAIN_EVERY=3
	[ "$(train_requests .count | tr '\n' ' ')" = "3 6 " ]
	[ "$(cat "$DATA/state/train-2")" = 6 ]
}

@test "triggers: START_TRAINING and TRAIN_REQUESTED records share the envelope" {
	local keys='["action","annotation_ids","family","id","payload","project_id","received_at","task_ids","v"]'
	run_cgi training "$(cat "$FIXTURES/START_TRAINING.json")" PATH_INFO=/webhook
	assert_http 200 .status ok
	run_cgi annotations "$(created 1 1)" LSHOOK_TRAIN_EVERY=1
	assert_http 200 .status ok
	[ "$(wc -l < "$DATA/training.jsonl")" -eq 2 ]
	assert_wellformed_log "$DATA/training.jsonl"
	run jq -c '[.action, .family, .project_id, (.payload.action), (.payload.project.id)]' \
	    "$DATA/training.jsonl"
	assert_line -n 0 '["START_TRAINING","training",1,"START_TRAINING",1]'
	assert_line -n 1 '["TRAIN_REQUESTED","training",1,"TRAIN_REQUESTED",1]'
	# every envelope key of START_TRAINING, with the same type, in both
	run jq -c --argjson k "$keys" '[$k[] as $key | [$key, (.[$key] | type)]]' \
	    "$DATA/training.jsonl"
	[ "${lines[0]}" = "${lines[1]}" ] || fail "envelopes differ: $output"
	run jq -c "keys - $keys" "$DATA/training.jsonl"
	assert_line -n 0 '[]'
	assert_line -n 1 '["count","reason"]'
	# one filter selects both for a training job
	run jq -r 'select(.payload.action == "START_TRAINING" or
	    .payload.action == "TRAIN_REQUESTED") | .project_id' "$DATA/training.jsonl"
	assert_output $'1\n1'
}

# --- PROJECT_FIRST_SEEN ----------------------------------------------------------

@test "triggers: the first event of a project appends PROJECT_FIRST_SEEN once" {
	local id
	run_cgi tasks "$(task_event 7 1)"
	assert_http 200 .status ok
	id=$(printf '%s' "$http_body" | jq -r .id)
	[ -f "$DATA/state/projects/7" ]
	run first_seen 'del(.received_at)'
	assert_output '{"v":1,"id":"first-seen:7","action":"PROJECT_FIRST_SEEN","family":"projects","project_id":7,"task_ids":[],"annotation_ids":[],"payload":{"action":"PROJECT_FIRST_SEEN","project":{"id":7},"event_id":"'"$id"'","event_action":"TASKS_CREATED"}}'
	assert_wellformed_log "$DATA/projects.jsonl"
	# later events of project 7, by every handler, add nothing
	run_cgi tasks "$(task_event 7 2)"
	run_cgi annotations "$(created 7 1)"
	run_cgi projects '{"action":"PROJECT_UPDATED","project":{"id":7,"title":"x"}}'
	run_cgi training '{"action":"START_TRAINING","project":{"id":7}}' PATH_INFO=/webhook
	assert_http 200 .status ok
	[ "$(first_seen .id)" = '"first-seen:7"' ]
	# a new project is announced by any handler, with the action as sent
	run_cgi annotations '{"action":"ANNOTATION_DELETED","project":{"id":8},"annotation":{"id":1}}'
	assert_http 200 .status ok
	run_cgi training '{"action":"START_TRAINING","project":{"id":9}}' PATH_INFO=/webhook
	run_cgi projects '{"action":"PROJECT_CREATED","project":{"id":10}}'
	run first_seen '[.id, .project_id, .payload.event_action]'
	assert_output '["first-seen:7",7,"TASKS_CREATED"]
["first-seen:8",8,"ANNOTATION_DELETED"]
["first-seen:9",9,"START_TRAINING"]
["first-seen:10",10,"PROJECT_CREATED"]'
	run ls "$DATA/state/projects"
	assert_output $'10\n7\n8\n9'
	# the event itself is recorded first, in its own log
	[ "$(records projects.jsonl | jq -r .action)" = PROJECT_UPDATED$'\n'PROJECT_CREATED ]
	[[ $(tail -n 1 "$DATA/projects.jsonl" | jq -r .id) =~ ^first-seen:10\.[0-9a-f]{16}$ ]]
}

@test "triggers: 20 concurrent first events of one project give one PROJECT_FIRST_SEEN" {
	local i h
	for i in $(seq 20); do
		case $((i % 3)) in
		0) h=tasks; task_event 11 "$i" ;;
		1) h=annotations; created 11 "$i" ;;
		2) h=projects; printf '{"action":"PROJECT_UPDATED","project":{"id":11,"n":%s}}' "$i" ;;
		esac > "$BATS_TEST_TMPDIR/body.$i"
		bg_cgi "$i" "$h" "$BATS_TEST_TMPDIR/body.$i"
	done
	wait_bg 20
	[ "$(first_seen .id)" = '"first-seen:11"' ] || fail "first seen: $(first_seen .id)"
	# and it names one of the 20 recorded events
	local ev
	ev=$(first_seen .payload.event_id | jq -r .)
	cat "$DATA"/tasks.jsonl "$DATA"/annotations.jsonl "$DATA"/projects.jsonl |
	    jq -r .id | grep -qxF "$ev" || fail "event $ev not recorded"
	[ "$(ls "$DATA/state/projects")" = 11 ]
}

@test "triggers: ignored, rejected and unrecorded events announce no project" {
	run_cgi annotations "$(task_event 12 1)"
	assert_http 202 .status ignored
	run_cgi tasks '{"action":"SOMETHING_NEW","project":{"id":12}}'
	assert_http 202 .status ignored
	run_cgi training '{"action":"PROJECT_CREATED","project":{"id":12}}' \
	    PATH_INFO=/webhook HTTP_AUTHORIZATION=
	assert_http 200 .status "Unknown event"
	[ -z "$(find "$DATA" -path '*state/projects*' -o -name 'train-*')" ] ||
	    fail "state: $(find "$DATA" -path '*state/projects*' -o -name 'train-*')"
	[ -z "$(first_seen)" ] || fail "$(first_seen)"
	rm -rf "$DATA" && mkdir "$DATA"
	run_cgi tasks "$(task_event 12 1)" HTTP_AUTHORIZATION="Bearer wrong-secret-0123456789"
	assert_error 401 "bad credentials"
	run_cgi tasks '{"action":"TASKS_CREATED","project":{"id":12},'
	assert_error 400 "invalid json"
	run_cgi tasks "$(task_event 12 1)" LSHOOK_TRAIN_EVERY=x
	assert_error 500 "bad configuration"
}

@test "triggers: a project id that is not a plain integer never makes a marker or a record" {
	local id
	for id in '"12"' -12 12.0 1.2e1 123456789012345678901234 '{"id":12}' null true '[12]'; do
		run_cgi tasks '{"action":"TASKS_CREATED","project":{"id":'"$id"'},"tasks":[{"id":1}]}'
		assert_http 200 .status ok
	done
	run_cgi tasks '{"action":"TASKS_CREATED","project":{"id":"../../x"},"tasks":[{"id":1}]}'
	assert_http 200 .status ok
	run_cgi tasks '{"action":"TASKS_CREATED","project":{"id":"7/../../x"},"tasks":[{"id":1}]}'
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 11 ]
	[ "$(event_files)" = tasks.jsonl ] || fail "logs: $(event_files)"
	[ ! -e "$DATA/projects.jsonl" ] || fail "projects.jsonl: $(cat "$DATA/projects.jsonl")"
	# no marker, no counter, nor any file named after one of those ids
	run find "$DATA" -path '*/projects/*' -o -name 'train-*' -o -name x -o -name '*12*'
	assert_output ""
	assert_not_exists "$DATA/../x"
	assert_not_exists "$DATA/../../x"
}

# --- after the answer ----------------------------------------------------------------

# hold_lock NAME: take <data>/state/NAME (a lock file of the handlers) on
# fd 8 of this shell, so that a handler needing it waits.  A watchdog lets
# it go after 20 s, so a handler that would wait for itself cannot hang the
# test; release_lock fails when the watchdog had to.
hold_lock() {
	mkdir -p "$DATA/state"
	exec 8> "$DATA/state/$1"
	flock 8
	(
		for _ in $(seq 200); do
			[ -e "$BATS_TEST_TMPDIR/released" ] && exit 0
			sleep 0.1
		done
		flock -u 8
		: > "$BATS_TEST_TMPDIR/watchdog"
	) 3>&- &
	LOCK_DOG=$!
}
release_lock() {
	: > "$BATS_TEST_TMPDIR/released"
	wait "$LOCK_DOG" 2>/dev/null || true
	flock -u 8
	exec 8>&-
	[ ! -e "$BATS_TEST_TMPDIR/watchdog" ] ||
	    fail "the answer waited for the lock that what follows it needs"
}

@test "triggers: CGI: the answer is complete before what follows the event runs" {
	local fifo=$BATS_TEST_TMPDIR/out body pid answer
	body=$(task_event 13 1)
	printf '%s' "$body" > "$BATS_TEST_TMPDIR/body"
	mkfifo "$fifo"
	hold_lock .projects.lock
	# the handler as run_cgi runs it, with its stdout on a pipe we read
	env -i PATH="$PATH" REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH=${#body} LSHOOK_DATA_DIR="$DATA" LSHOOK_SECRET="$SECRET" \
	    HTTP_AUTHORIZATION="Bearer $SECRET" "${VALGRIND_CMD[@]}" "$HOOKS/tasks.fcgi" \
	    < "$BATS_TEST_TMPDIR/body" > "$fifo" 2> "$BATS_TEST_TMPDIR/err" 8>&- &
	pid=$!
	# end of file on its stdout while it still waits for the lock
	answer=$(cat "$fifo")
	[ ! -e "$BATS_TEST_TMPDIR/watchdog" ] && kill -0 "$pid" ||
	    fail "the answer ended only when the handler exited"
	[[ $answer == *'"status":"ok"'* ]] || fail "answer: $answer"
	[ -z "$(first_seen)" ]
	release_lock
	local rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ] || fail "handler exited $rc: $(cat "$BATS_TEST_TMPDIR/err")"
	[ "$(first_seen .id)" = '"first-seen:13"' ]
}

@test "triggers: FastCGI: the request is finished before what follows the event runs" {
	start_fcgi annotations LSHOOK_TRAIN_EVERY=1
	hold_lock .train.lock
	fcgi_request "$(created 14 1)"
	[ -z "$(train_requests)" ] && [ ! -e "$BATS_TEST_TMPDIR/watchdog" ] ||
	    fail "the request was finished only after the training trigger"
	assert_http 200 .status ok
	release_lock
	wait_train() { [ -n "$(train_requests)" ]; }
	local i
	for i in $(seq 100); do
		wait_train && break
		sleep 0.1
	done
	[ "$(train_requests .id)" = '"train:14:1"' ]
	# and the process serves the next request as usual
	fcgi_request "$(created 14 2)"
	assert_http 200 .status ok
	[ "$(train_requests .id | tail -n 1)" = '"train:14:2"' ]
}
