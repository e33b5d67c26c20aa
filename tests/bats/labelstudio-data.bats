#!/usr/bin/env bats
# labelstudio-data.bats: task data as Label Studio really holds it, posted
# byte for byte as Label Studio posts it (tests/tools/ls_send.py, that is
# requests.post(json=...)) through lighttpd/lshook.conf: strings with lone
# UTF-16 surrogates (imported or truncated text; Python's json writes them
# as "\ud83d") and nesting far deeper than Label Studio's own fields
# (task data is arbitrary user JSON).  Each is answered 200, logged byte
# for byte, readable by Python's json.loads, "lshook check" clean, and
# "lshook snapshot" exports it.  Past the documented bound (LSH_JSON_MAX_DEPTH,
# 960 levels, lib/json.h) the answer is 400 and nothing is stored.
# Every test posts its own bodies (distinct ids), so the dedup window
# cannot hide a record.
load helpers
load http

LSHOOK=$ROOT/bin/lshook
PAYLOAD=$ROOT/tests/tools/ls_payload.py
LOG_PAYLOAD=$ROOT/tests/tools/log_payload.py
LS_TIMEOUT=10
BOUND=960	# LSH_JSON_MAX_DEPTH

setup() { setup_data; }

teardown() { stop_lighttpd; }

# lshook ARGS...: run bin/lshook (under valgrind with VALGRIND=1).
lshook() {
	run --separate-stderr "${VALGRIND_CMD[@]}" "$LSHOOK" "$@"
	assert_clean_run
}

# make_payload KIND SEED: write the payload (ls_payload.py) to
# $BATS_TEST_TMPDIR/KIND-SEED.json; sets $PAYLOAD_FILE.
make_payload() {
	PAYLOAD_FILE=$BATS_TEST_TMPDIR/${1%%:*}-$2.json
	/usr/bin/python3 "$PAYLOAD" "$1" "$2" "$PAYLOAD_FILE" ||
	    fail "ls_payload.py $1 failed"
}

# post_recorded KIND SEED FAMILY: post a new payload as Label Studio does;
# it must be answered 200 and its record hold the payload byte for byte
# (the compacted bytes Python sent), in a log json.loads reads whole.
post_recorded() {
	local id
	make_payload "$1" "$2"
	ls_post "/hooks/$3.fcgi" "$PAYLOAD_FILE" -H "Authorization: Bearer $SECRET"
	assert_http 200 .status ok
	id=$(printf '%s' "$http_body" | jq -r .id)
	[ "$id" = "sha256:$(sent_sha256 "$PAYLOAD_FILE")" ] ||
	    fail "$1: id $id is not the hash of the bytes sent"
	run /usr/bin/python3 "$LOG_PAYLOAD" "$DATA/$3.jsonl" "$id" \
	    "$PAYLOAD_FILE.compact"
	[ "$status" -eq 0 ] || fail "$1: $output"
}

# The data directory passes "lshook check" and "lshook snapshot" exports
# it as JSON that Python reads; the export is left in $SNAPSHOT.
assert_readable() {
	stop_lighttpd	# the handlers are done following their events
	lshook check -d "$DATA"
	[ "$status" -eq 0 ] || fail "check: $output $stderr"
	[[ $output == *"0 problems"* ]] || fail "check: $output"
	lshook snapshot -d "$DATA"
	[ "$status" -eq 0 ] || fail "snapshot: $stderr"
	SNAPSHOT=$output
	printf '%s' "$SNAPSHOT" > "$BATS_TEST_TMPDIR/snapshot.json"
	/usr/bin/python3 -c 'import json, sys
json.loads(open(sys.argv[1], "rb").read())' "$BATS_TEST_TMPDIR/snapshot.json" ||
	    fail "the snapshot does not parse with json.loads"
}

# json_loads FILE: every line of FILE (or the whole file with -w) parses
# with Python's json.loads from its bytes (valid UTF-8 included).
json_loads() {
	/usr/bin/python3 - "$@" <<'PY' || fail "json.loads refuses $*"
import json, sys
args = sys.argv[1:]
whole = args[0] == "-w"
data = open(args[-1], "rb").read()
for part in [data] if whole else data.splitlines():
    json.loads(part.decode("utf-8"))
PY
}

@test "labelstudio-data: TASKS_CREATED with lone surrogates in task data is recorded as sent" {
	start_lighttpd
	post_recorded tasks-surrogates 1 tasks
	grep -qF '"text":"truncated at a pair: \ud83d"' "$DATA/tasks.jsonl" ||
	    fail "the escape is not in the log as written"
	assert_readable
	[[ $SNAPSHOT == *'"low":"\udc00 a low half alone"'* ]] ||
	    fail "the snapshot lost the escape: $SNAPSHOT"
}

@test "labelstudio-data: ANNOTATION_CREATED with lone surrogates in task data and labels" {
	start_lighttpd
	post_recorded annotation-surrogates 2 annotations
	post_recorded annotation-surrogates 3 annotations
	assert_readable
	[[ $SNAPSHOT == *'"mixed":"\ud83dA \ude00\ud83d then a pair \ud83d\ude00"'* ]] ||
	    fail "snapshot: $SNAPSHOT"
	# the labels reach the ontology as escapes, in files Python reads
	json_loads -w "$DATA/ontology/3.json"
	json_loads "$DATA/ontology.jsonl"
	run grep -c '"change":"first_used"' "$DATA/ontology.jsonl"
	[ "$output" -eq 3 ] || fail "first uses: $output (the second annotation repeats them)"
	lshook ontology show -d "$DATA" 3
	[ "$status" -eq 0 ] || fail "ontology show: $stderr"
	printf '%s' "$output" > "$BATS_TEST_TMPDIR/show.json"
	json_loads -w "$BATS_TEST_TMPDIR/show.json"
	[[ $output == *'"A\ud83d":2'* && $output == *'"\udc00":2'* ]] ||
	    fail "ontology show: $output"
}

@test "labelstudio-data: 900 levels of lists and of dicts in task data are recorded" {
	start_lighttpd
	post_recorded tasks-deep-list:900 4 tasks
	post_recorded tasks-deep-dict:900 5 tasks
	post_recorded annotation-deep-dict:900 6 annotations
	assert_readable
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
	[ "$(log_lines annotations.jsonl)" -eq 1 ]
}

@test "labelstudio-data: a body nested exactly $BOUND levels is recorded" {
	start_lighttpd
	# TASKS_CREATED: the body, the tasks list and the task take 3 levels
	post_recorded tasks-deep-dict:$((BOUND - 3)) 7 tasks
	assert_readable
}

@test "labelstudio-data: one level more than $BOUND is answered 400, nothing stored" {
	start_lighttpd
	make_payload tasks-deep-list:$((BOUND - 2)) 8
	ls_post /hooks/tasks.fcgi "$PAYLOAD_FILE" -H "Authorization: Bearer $SECRET"
	assert_http 400
	[ "$http_body" = '{"status":"error","error":"invalid json"}' ] ||
	    fail "answer: $http_body"
	assert_nothing_stored
	# the same bytes as CGI: the diagnostic names the reason
	/usr/bin/python3 -c 'import json, sys
sys.stdout.write(json.dumps(json.load(open(sys.argv[1]))))' "$PAYLOAD_FILE" \
	    > "$BATS_TEST_TMPDIR/deeper"
	run_cgi_file tasks "$BATS_TEST_TMPDIR/deeper"
	assert_error 400 "invalid json" "nested too deeply"
}
