#!/usr/bin/env bats
# events.bats: what each handler records for Label Studio's events: the
# envelope, the routing between families, byte-exact payloads, redaction.
load helpers

setup() { setup_data; }

MINE=$FIXTURES/lshook
LS_TOKENS=(9105a1d897e52286 846c4da585704dd4 d881a308198ff9ac)

# The family whose handler records an action.
family_of() {
	case $1 in
	TASK_*|TASKS_*) echo tasks ;;
	ANNOTATION*|REVIEW*) echo annotations ;;
	PROJECT_*|LABEL_LINK_*) echo projects ;;
	START_TRAINING) echo training ;;
	*) return 1 ;;
	esac
}

# The jq program that turns a fixture into the record fields it must get.
EXPECT='. as $e | {
	action,
	project_id: (.project | if type == "object" then .id else . end),
	task_ids: ([.tasks[]?.id] + [.task | if type == "array" then .[].id
	    else objects | .id end]
	    | if length > 0 then . else
	      [$e.annotation | if type == "array" then .[] else objects end | .task]
	    end),
	annotation_ids: ([.annotation | if type == "array" then .[] else objects end
	    | .id] + [.annotations[]?.id]),
	payload: (if (.project | type) == "object" then .project |= with_entries(
	    if .key == "token" or .key == "task_data_login" or
	       .key == "task_data_password" then .value = "[redacted]" else . end)
	    else . end)
}'

# The same fields as found in a record, with the envelope.
ACTUAL='{id, action, project_id, task_ids, annotation_ids, payload,
    v, family, endpoint, reason}'

# body_id FILE: the id of a body sent with run_cgi_file FILE.
body_id() {
	printf 'sha256:%s' "$(sha256sum < "$1" | cut -d' ' -f1)"
}

# assert_record LOG FIXTURE FAMILY [ENDPOINT REASON]: LOG holds exactly
# one record, for FIXTURE as sent by run_cgi_file, filed under FAMILY (a
# JSON value: "\"tasks\"" or null), and the answer matches it.
assert_record() {
	local log=$DATA/$1 fixture=$2 family=$3 id want got answer
	[ "$(log_lines "$1")" -eq 1 ] || fail "$1 has $(log_lines "$1") lines"
	assert_wellformed_log "$log"
	id=$(records "$1" | jq -r .id)
	assert_event_id "$id" "$(body_id "$fixture")" "$(jq -r .action "$fixture")" "${4:-}"
	want=$(jq -cS --arg id "$id" --argjson f "$family" --arg ep "${4:-}" \
	    --arg r "${5:-}" "$EXPECT"' + {id: $id, v: 1, family: $f,
	    endpoint: (if $ep == "" then null else $ep end),
	    reason: (if $r == "" then null else $r end)}' "$fixture")
	got=$(records "$1" | jq -cS "$ACTUAL")
	[ "$got" = "$want" ] || fail "record of $fixture differs:
want: $want
got:  $got"
	if [ $# -ge 5 ]; then
		answer='{"status":"ignored","id":"'$id'","reason":"'$5'"}'
		[ "$http_status" = 202 ] || fail "status $http_status, want 202"
	else
		answer='{"status":"ok","id":"'$id'"}'
		[ "$http_status" = 200 ] || fail "status $http_status, want 200"
	fi
	[ "$http_body" = "$answer" ] || fail "answer $http_body, want $answer"
}

# only_logs NAME...: the data directory holds exactly these files.
only_logs() {
	local got want
	got=$(event_files | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	[ "$got" = "$want" ] || fail "data directory holds '$got', want '$want'"
}

# check_fixture NAME: a docs fixture sent to its family's handler.
check_fixture() {
	local f=$LSDOCS/$1.json family
	family=$(family_of "$1")
	run_cgi_file "$family" "$f"
	[ -z "$stderr" ] || fail "stderr: $stderr"
	assert_record "$family.jsonl" "$f" "\"$family\""
	only_logs "$family.jsonl"
}

# --- every docs fixture, by its own handler ---------------------------

@test "events: TASKS_CREATED fixture is recorded by tasks" { check_fixture TASKS_CREATED; }
@test "events: TASKS_DELETED fixture is recorded by tasks" { check_fixture TASKS_DELETED; }
@test "events: ANNOTATION_CREATED fixture is recorded by annotations" { check_fixture ANNOTATION_CREATED; }
@test "events: ANNOTATION_UPDATED fixture is recorded by annotations" { check_fixture ANNOTATION_UPDATED; }
@test "events: ANNOTATIONS_DELETED fixture is recorded by annotations" { check_fixture ANNOTATIONS_DELETED; }
@test "events: PROJECT_CREATED fixture is recorded by projects" { check_fixture PROJECT_CREATED; }
@test "events: PROJECT_UPDATED fixture is recorded by projects" { check_fixture PROJECT_UPDATED; }
@test "events: PROJECT_DELETED fixture is recorded by projects" { check_fixture PROJECT_DELETED; }

@test "events: the docs fixtures give the ids Label Studio put in them" {
	# Spot checks written out by hand, independent of the jq above.
	run_cgi_file tasks "$LSDOCS/TASKS_CREATED.json"
	run jq -c '[.project_id, .task_ids, .annotation_ids]' "$DATA/tasks.jsonl"
	assert_output '[2,[21,22,23],[]]'
	run_cgi_file annotations "$LSDOCS/ANNOTATION_UPDATED.json"
	run jq -c '[.project_id, .task_ids, .annotation_ids]' "$DATA/annotations.jsonl"
	assert_output '[1,[5],[16]]'
	run_cgi_file annotations "$LSDOCS/ANNOTATIONS_DELETED.json"
	run jq -c '[.project_id, .task_ids, .annotation_ids]' <(tail -n 1 "$DATA/annotations.jsonl")
	assert_output '[2,[],[17]]'
	run_cgi_file projects "$LSDOCS/PROJECT_DELETED.json"
	run jq -c '[.project_id, .task_ids, .annotation_ids, .payload]' <(records projects.jsonl)
	assert_output '[3,[],[],{"action":"PROJECT_DELETED","project":{"id":3}}]'
}

# --- routing ----------------------------------------------------------

@test "events: a fixture sent to another family's handler is 202 ignored" {
	local f name family h n=0
	for f in "$LSDOCS"/*.json; do
		name=$(basename "$f" .json)
		family=$(family_of "$name")
		for h in tasks annotations projects; do
			[ "$h" != "$family" ] || continue
			rm -rf "$DATA" && mkdir "$DATA"
			run_cgi_file "$h" "$f"
			assert_record ignored.jsonl "$f" "\"$family\"" "$h" \
			    "action belongs to $family"
			only_logs ignored.jsonl
			n=$((n + 1))
		done
	done
	[ "$n" -eq 16 ]
}

@test "events: the ignored answer is exactly {status,id,reason}" {
	run_cgi annotations '{"action":"TASKS_CREATED"}' HTTP_WEBHOOK_ID=msg_ign
	assert_http 202
	# a deduplicated delivery that an endpoint ignores is filed under it
	[ "$http_body" = '{"status":"ignored","id":"msg_ign@annotations","reason":"action belongs to tasks"}' ] ||
	    fail "body: $http_body"
}

@test "events: an unknown action is 202 'unknown action' with family null at every handler" {
	local h body='{"action":"SOMETHING_NEW","project":{"id":9},"thing":{"id":1}}'
	printf '%s' "$body" > "$BATS_TEST_TMPDIR/new.json"
	for h in tasks annotations projects; do
		rm -rf "$DATA" && mkdir "$DATA"
		run_cgi "$h" "$body"
		assert_record ignored.jsonl "$BATS_TEST_TMPDIR/new.json" null "$h" \
		    "unknown action"
		only_logs ignored.jsonl
	done
}

@test "events: odd action strings are unknown actions, not errors" {
	local a
	for a in '""' '"tasks_created"' '"TASKS_CREATED "' '"TASKS_CREATED\u0000"' \
	    "\"$(printf 'A%.0s' $(seq 300))\""; do
		rm -rf "$DATA" && mkdir "$DATA"
		run_cgi tasks '{"action":'"$a"'}'
		assert_http 202 .reason "unknown action"
		only_logs ignored.jsonl
		grep -qF "\"action\":$a,\"family\":null," "$DATA/ignored.jsonl" ||
		    fail "action not kept as sent: $(cat "$DATA/ignored.jsonl")"
	done
}

@test "events: an escaped action name is routed by its decoded value, kept as sent" {
	run_cgi tasks '{"action":"TASKS\u005fCREATED"}'
	assert_http 200 .status ok
	grep -qF '"action":"TASKS\u005fCREATED"' "$DATA/tasks.jsonl"
}

@test "events: REVIEW_CREATED, REVIEW_UPDATED and REVIEWS_DELETED go to annotations" {
	local a n=0
	for a in REVIEW_CREATED REVIEW_UPDATED REVIEWS_DELETED; do
		run_cgi annotations '{"action":"'$a'","review":{"id":1},"project":{"id":7}}'
		assert_http 200 .status ok
		n=$((n + 1))
		[ "$(log_lines annotations.jsonl)" -eq $n ]
		[ "$(jq -r '.action + " " + .family' <(tail -n 1 "$DATA/annotations.jsonl"))" = \
		    "$a annotations" ]
		run_cgi tasks '{"action":"'$a'"}'
		assert_http 202 .reason "action belongs to annotations"
	done
	only_logs annotations.jsonl ignored.jsonl
	run_cgi_file annotations "$MINE/REVIEW_CREATED.json"
	run jq -c '[.project_id, .task_ids, .annotation_ids]' <(tail -n 1 "$DATA/annotations.jsonl")
	assert_output '[7,[40],[41]]'
}

@test "events: LABEL_LINK_CREATED, LABEL_LINK_UPDATED and LABEL_LINK_DELETED go to projects" {
	local a n=0
	for a in LABEL_LINK_CREATED LABEL_LINK_UPDATED LABEL_LINK_DELETED; do
		run_cgi projects '{"action":"'$a'","label_link":{"id":1},"project":{"id":8}}'
		assert_http 200 .status ok
		n=$((n + 1))
		[ "$(log_lines projects.jsonl)" -eq $n ]
		[ "$(jq -r '.action + " " + .family' <(records projects.jsonl | tail -n 1))" = \
		    "$a projects" ]
		run_cgi annotations '{"action":"'$a'"}'
		assert_http 202 .reason "action belongs to projects"
	done
	only_logs projects.jsonl ignored.jsonl
	run_cgi_file projects "$MINE/LABEL_LINK_CREATED.json"
	assert_http 200 .status ok
	[ "$(jq -r .project_id <(records projects.jsonl | tail -n 1))" = 8 ]
}

@test "events: START_TRAINING sent to an event handler is ignored as training's" {
	local h
	for h in tasks annotations projects; do
		rm -rf "$DATA" && mkdir "$DATA"
		run_cgi_file "$h" "$MINE/START_TRAINING.json"
		assert_http 202 .reason "action belongs to training"
		only_logs ignored.jsonl
		run jq -c '[.family, .endpoint, .project_id]' "$DATA/ignored.jsonl"
		assert_output '["training","'$h'",3]'
	done
}

@test "events: aliases TASK_CREATED and TASK_DELETED are recorded by tasks as sent" {
	run_cgi tasks '{"action":"TASK_CREATED","tasks":[{"id":5}],"project":{"id":1}}'
	assert_http 200 .status ok
	run_cgi tasks '{"action":"TASK_DELETED","tasks":[{"id":5}],"project":{"id":1}}'
	assert_http 200 .status ok
	run jq -c '[.action, .family, .task_ids]' "$DATA/tasks.jsonl"
	assert_output "$(printf '%s\n' '["TASK_CREATED","tasks",[5]]' '["TASK_DELETED","tasks",[5]]')"
	only_logs tasks.jsonl
	run_cgi projects '{"action":"TASK_CREATED"}'
	assert_http 202 .reason "action belongs to tasks"
}

@test "events: alias ANNOTATION_DELETED is recorded by annotations as sent" {
	run_cgi annotations '{"action":"ANNOTATION_DELETED","annotations":[{"id":17}],"project":{"id":2}}'
	assert_http 200 .status ok
	run jq -c '[.action, .family, .annotation_ids, .project_id]' "$DATA/annotations.jsonl"
	assert_output '["ANNOTATION_DELETED","annotations",[17],2]'
	only_logs annotations.jsonl
}

# --- bytes ------------------------------------------------------------

@test "events: big integers, \\u escapes and number forms are stored byte for byte" {
	run_cgi_file tasks "$MINE/bytes.json"
	assert_http 200 .status ok
	local log=$DATA/tasks.jsonl s
	for s in '"tweet_id":1460323737035677698' '"text":"caf\u00e9 \ud83d\ude00"' \
	    '"big":123456789012345678901234567890' '"ratio":1.0e-7' '"neg":-0.0' \
	    '"task_ids":[9007199254740993]' '"tasks":[{"id":9007199254740993,'; do
		grep -qF "$s" "$log" || fail "'$s' not in $(cat "$log")"
	done
}

@test "events: raw UTF-8 in the body is stored as the same bytes" {
	run_cgi tasks "$(printf '{"action":"TASKS_CREATED","x":"\xe2\x82\xac \xf0\x9f\x98\x80 \xc3\xa9"}')"
	assert_http 200 .status ok
	grep -qF "$(printf '"x":"\xe2\x82\xac \xf0\x9f\x98\x80 \xc3\xa9"')" "$DATA/tasks.jsonl"
}

@test "events: a pretty-printed body is stored as exactly one line" {
	local f=$LSDOCS/ANNOTATION_UPDATED.json
	[ "$(wc -l < "$f")" -gt 50 ]
	run_cgi_file annotations "$f"
	assert_http 200 .status ok
	[ "$(log_lines annotations.jsonl)" -eq 1 ]
	# Compact: with every string taken out, no whitespace is left.
	! sed -E 's/"([^"\\]|\\.)*"/""/g' "$DATA/annotations.jsonl" |
	    grep -q '[[:space:]]' ||
	    fail "not compact: $(head -c 300 "$DATA/annotations.jsonl")"
	grep -qF '"label_config":"<View> <Image name=' "$DATA/annotations.jsonl"
}

@test "events: a body with Python-style separators is stored compact" {
	run_cgi_file tasks "$MINE/redact.json"
	assert_http 200 .status ok
	grep -qF '"payload":{"action":"TASKS_CREATED","tasks":[{"id":31,"data":{"token":"task-data-token-kept","text":"a, b: c"},' \
	    "$DATA/tasks.jsonl" || fail "not compact: $(cat "$DATA/tasks.jsonl")"
}

@test "events: the record is the envelope then the payload, one line ending in newline" {
	run_cgi tasks '{"action":"TASKS_CREATED","project":{"id":2}}' HTTP_WEBHOOK_ID=msg_env
	assert_http 200
	run sed -E 's/"received_at":"[^"]*"/"received_at":"T"/' "$DATA/tasks.jsonl"
	assert_output '{"v":1,"id":"msg_env","received_at":"T","action":"TASKS_CREATED","family":"tasks","project_id":2,"task_ids":[],"annotation_ids":[],"payload":{"action":"TASKS_CREATED","project":{"id":2}}}'
	[ "$(tail -c 1 "$DATA/tasks.jsonl" | od -An -tx1 | tr -d ' ')" = 0a ]
}

@test "events: received_at is the current UTC time" {
	local before after t
	before=$(date -u +%s)
	run_cgi tasks '{"action":"TASKS_CREATED"}'
	after=$(date -u +%s)
	jq -r .received_at "$DATA/tasks.jsonl" |
	    grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$' ||
	    fail "received_at: $(jq -r .received_at "$DATA/tasks.jsonl")"
	t=$(jq -r '.received_at | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601' "$DATA/tasks.jsonl")
	[ "$t" -ge "$before" ] && [ "$t" -le "$after" ] ||
	    fail "received_at $t not within $before..$after"
}

# --- redaction --------------------------------------------------------

@test "events: project secrets from the fixtures never reach the data directory" {
	local f h
	for f in "$LSDOCS"/*.json; do
		for h in tasks annotations projects; do
			run_cgi_file "$h" "$f"
			[ "$http_status" = 200 ] || [ "$http_status" = 202 ] ||
			    fail "$h $f: $http_status"
		done
	done
	[ $(($(log_lines tasks.jsonl) + $(log_lines annotations.jsonl) +
	    $(log_lines projects.jsonl) + $(log_lines ignored.jsonl))) -eq 24 ]
	local t
	for t in "${LS_TOKENS[@]}"; do
		! grep -rqF "$t" "$DATA" || fail "token $t stored"
		[[ $stderr != *"$t"* ]] || fail "token $t in stderr"
	done
	[ "$(grep -o '"token":"\[redacted\]"' "$DATA"/*.jsonl | wc -l)" -eq 21 ]
}

@test "events: token, task_data_login and task_data_password are redacted, other tokens kept" {
	run_cgi_file tasks "$MINE/redact.json"
	assert_http 200 .status ok
	local log=$DATA/tasks.jsonl s
	for s in proj-token-8f3a2c91d0 storage-login-alice storage-password-hunter2; do
		! grep -rqF "$s" "$DATA" || fail "$s stored"
	done
	run jq -c '.payload.project' "$log"
	assert_output '{"id":5,"title":"Secrets","token":"[redacted]","task_data_login":"[redacted]","task_data_password":"[redacted]"}'
	run jq -r '[.payload.tasks[0].data.token, .payload.tasks[0].meta.task_data_password, .payload.token] | @tsv' "$log"
	assert_output "$(printf 'task-data-token-kept\tmeta-kept\ttop-level-token-kept')"
}

@test "events: a secret of any JSON type under project is redacted" {
	local v
	for v in null 12345678 '{"a":"nested-secret-1"}' '["nested-secret-2"]' true; do
		rm -rf "$DATA" && mkdir "$DATA"
		run_cgi projects '{"action":"PROJECT_UPDATED","project":{"id":1,"token":'"$v"',"task_data_password":'"$v"'}}'
		assert_http 200 .status ok
		run jq -c .payload.project <(records projects.jsonl)
		assert_output '{"id":1,"token":"[redacted]","task_data_password":"[redacted]"}'
	done
}

@test "events: a secret key spelt with \\u escapes is still redacted" {
	run_cgi projects '{"action":"PROJECT_UPDATED","project":{"id":1,"\u0074oken":"escaped-key-secret-1","task_data_\u006cogin":"escaped-key-secret-2"}}'
	assert_http 200 .status ok
	run_cgi projects '{"action":"PROJECT_UPDATED","\u0070roject":{"id":1,"token":"escaped-key-secret-3"}}'
	assert_http 200 .status ok
	[ "$(log_lines projects.jsonl)" -eq 2 ]
	! grep -rqF escaped-key-secret "$DATA" || fail "$(cat "$DATA/projects.jsonl")"
}

@test "events: a secret in a repeated project key is redacted in both" {
	run_cgi projects '{"action":"PROJECT_UPDATED","project":{"id":1,"token":"dup-secret-1"},"project":{"id":2,"token":"dup-secret-2"}}'
	assert_http 200 .status ok
	! grep -rqF dup-secret "$DATA" || fail "$(cat "$DATA/projects.jsonl")"
}

# --- ids --------------------------------------------------------------

@test "events: ANNOTATION_CREATED with a task object takes the task id once" {
	run_cgi_file annotations "$MINE/annotation_with_task.json"
	assert_http 200 .status ok
	run jq -c '[.project_id, .task_ids, .annotation_ids]' "$DATA/annotations.jsonl"
	assert_output '[7,[40],[41]]'
}

@test "events: bulk ANNOTATIONS_CREATED with lists records every id" {
	run_cgi_file annotations "$MINE/annotations_bulk.json"
	assert_http 200 .status ok
	run jq -c '[.action, .project_id, .task_ids, .annotation_ids]' "$DATA/annotations.jsonl"
	assert_output '["ANNOTATIONS_CREATED",6,[11,12],[101,102,103]]'
	run ! grep -qF bulk-token-77aa66bb "$DATA/annotations.jsonl"
}

@test "events: bulk annotations without a task list take annotation[].task" {
	run_cgi annotations '{"action":"ANNOTATIONS_CREATED","annotation":[{"id":1,"task":7},{"id":2,"task":8}],"project":{"id":6}}'
	assert_http 200 .status ok
	run jq -c '[.task_ids, .annotation_ids]' "$DATA/annotations.jsonl"
	assert_output '[[7,8],[1,2]]'
}

@test "events: TASKS_CREATED with 1000 tasks records 1000 task ids in order" {
	local f=$BATS_TEST_TMPDIR/bulk.json
	jq -nc '{action: "TASKS_CREATED",
	    tasks: [range(1; 1001) | {id: (. + 5000), data: {text: "t\(.)"}, project: 9}],
	    project: {id: 9, token: "bulk-project-token-1"}}' > "$f"
	run_cgi_file tasks "$f"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	run jq -c '[(.task_ids | length), .task_ids[0], .task_ids[999],
	    (.task_ids == [range(5001; 6001)]), .project_id, (.payload.tasks | length)]' \
	    "$DATA/tasks.jsonl"
	assert_output '[1000,5001,6000,true,9,1000]'
	run ! grep -qF bulk-project-token-1 "$DATA/tasks.jsonl"
}

@test "events: a bare numeric project is the project id" {
	run_cgi tasks '{"action":"TASKS_CREATED","project":5}'
	assert_http 200 .status ok
	run jq -c .project_id "$DATA/tasks.jsonl"
	assert_output 5
}

@test "events: ids nested deeper than the event's own are not taken" {
	run_cgi tasks '{"action":"TASKS_CREATED","tasks":[{"id":1,"annotations":[{"id":99}],"data":{"id":98,"task":{"id":97}}}],"meta":{"task":{"id":96}}}'
	assert_http 200 .status ok
	run jq -c '[.task_ids, .annotation_ids]' "$DATA/tasks.jsonl"
	assert_output '[[1],[]]'
}
