#!/usr/bin/env bats
# labelstudio-data.bats: task data as Label Studio really holds it, posted
# byte for byte as Label Studio posts it (tests/tools/ls_send.py, that is
# requests.post(json=...)) through lighttpd/lshook.conf: strings with lone
# UTF-16 surrogates (imported or truncated text; Python's json writes them
# as "\ud83d") and nesting far deeper than Label Studio's own fields
# (task data is arbitrary user JSON).  Each is answered 200, logged byte
# for byte, readable by Python's json.loads, "lshook check" clean, and
# "lshook snapshot" exports it.  Past the documented bound (LSH_JSON_MAX_DEPTH,
# 10000 levels, lib/json.h: what Python 3.13's json.dumps writes) the
# answer is 400 and nothing is stored.  Debian 12's python3 (3.11) reads
# 993 levels with its default recursion limit: records up to 900 levels
# are checked with it as it is, deeper ones with the limit raised
# (measured: 3.11 then reads 20000 levels on the default 8 MiB stack) and
# with lshook's own tools, on a 256 KiB stack.
# Every test posts its own bodies (distinct ids), so the dedup window
# cannot hide a record.
load helpers
load http

LSHOOK=$ROOT/bin/lshook
PAYLOAD=$ROOT/tests/tools/ls_payload.py
LOG_PAYLOAD=$ROOT/tests/tools/log_payload.py
LS_TIMEOUT=10
BOUND=10000	# LSH_JSON_MAX_DEPTH

setup() { setup_data; }

teardown() { stop_lighttpd; }

# lshook ARGS...: run bin/lshook (under valgrind with VALGRIND=1), on a
# 256 KiB stack with SMALL_STACK=1.
lshook() {
	local wrap=()
	[ "${SMALL_STACK:-0}" = 1 ] && wrap=(bash -c 'ulimit -s 256 && exec "$@"' stack256)
	run --separate-stderr "${wrap[@]}" "${VALGRIND_CMD[@]}" "$LSHOOK" "$@"
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
# (the compacted bytes Python sent), in a log json.loads reads whole (with
# DEEP=1, once Python's recursion limit is raised: lines deeper than 993).
post_recorded() {
	local id
	make_payload "$1" "$2"
	ls_post "/hooks/$3.fcgi" "$PAYLOAD_FILE" -H "Authorization: Bearer $SECRET"
	assert_http 200 .status ok
	id=$(printf '%s' "$http_body" | jq -r .id)
	[ "$id" = "sha256:$(sent_sha256 "$PAYLOAD_FILE")" ] ||
	    fail "$1: id $id is not the hash of the bytes sent"
	run /usr/bin/python3 "$LOG_PAYLOAD" ${DEEP:+--deep} "$DATA/$3.jsonl" "$id" \
	    "$PAYLOAD_FILE.compact"
	[ "$status" -eq 0 ] || fail "$1: $output"
}

# The data directory passes "lshook check" and "lshook snapshot" exports
# it as JSON that Python reads (DEEP=1: with its recursion limit raised);
# the export is left in $SNAPSHOT.
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
if sys.argv[2]: sys.setrecursionlimit(100000)
json.loads(open(sys.argv[1], "rb").read())' "$BATS_TEST_TMPDIR/snapshot.json" \
	    "${DEEP:-}" ||
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

@test "labelstudio-data: a body nested exactly $BOUND levels is recorded, and every tool reads it" {
	local DEEP=1 SMALL_STACK=1 id cut
	start_lighttpd
	# TASKS_CREATED: the body, the tasks list and the task take 3 levels;
	# ANNOTATION_CREATED: the body and the task take 2
	post_recorded tasks-deep-dict:$((BOUND - 3)) 7 tasks
	# jq 1.6 stops at such a line; jq -R 'fromjson? // empty' skips it
	run jq -c . "$DATA/tasks.jsonl"
	[[ $status -ne 0 && $output == *"Exceeds depth limit"* ]] ||
	    fail "jq 1.6 read it: $status $output"
	run jq -cR 'fromjson? // empty' "$DATA/tasks.jsonl"
	[ "$status" -eq 0 ] && [ -z "$output" ] || fail "jq -R: $status $output"
	cut=$(grep -o '"received_at":"[^"]*"' "$DATA/tasks.jsonl" | cut -d'"' -f4)
	post_recorded tasks-deep-list:$((BOUND - 3)) 9 tasks
	post_recorded annotation-deep-labels:$((BOUND - 2)) 10 annotations
	# the same bytes as CGI, on a 256 KiB stack: no C stack per level
	# (the scanner, and the annotation's tree for the ontology)
	make_payload annotation-deep-labels:$((BOUND - 2)) 11
	local CGI_WRAPPER=(bash -c 'ulimit -s 256 && exec "$@"' stack256)
	run_cgi_file annotations "$PAYLOAD_FILE.compact"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
	[ "$(log_lines annotations.jsonl)" -eq 2 ]
	# check, and a snapshot Python reads (3.11 with the limit raised)
	assert_readable
	[[ $SNAPSHOT == *'"leaf 7"'* && $SNAPSHOT == *'"leaf 11"'* ]] ||
	    fail "the snapshot lost the deep data"
	lshook snapshot -d "$DATA" -f jsonl -o "$BATS_TEST_TMPDIR/all.jsonl"
	[ "$status" -eq 0 ] || fail "snapshot jsonl: $stderr"
	lshook snapshot -d "$DATA" --until "$cut" -o "$BATS_TEST_TMPDIR/first.json"
	[ "$status" -eq 0 ] || fail "snapshot --until: $stderr"
	# diff: between cuts, and between snapshot files whose deepest leaf
	# differs
	lshook diff "$cut" now -d "$DATA"
	[ "$status" -eq 1 ] || fail "diff: $status $output $stderr"
	[[ $output == *"+ task 1009"* && $output == *"+ annotation 5010"* ]] ||
	    fail "diff: $output"
	sed 's/"leaf 9"/"leaf 99"/' "$BATS_TEST_TMPDIR/all.jsonl" \
	    > "$BATS_TEST_TMPDIR/changed.jsonl"
	lshook diff "$BATS_TEST_TMPDIR/all.jsonl" "$BATS_TEST_TMPDIR/changed.jsonl" -d "$DATA"
	[ "$status" -eq 1 ] && [ "$output" = "~ task 1009 data" ] ||
	    fail "diff of files: $status $output $stderr"
	# tail, as lines and as records (projects.jsonl holds project 3's
	# first sighting); stats; the ontology from the logs
	lshook tail -d "$DATA" -n 10
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -eq 5 ] ||
	    fail "tail: $output $stderr"
	lshook tail -d "$DATA" -n 10 --json
	[ "$status" -eq 0 ] || fail "tail --json: $stderr"
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/tail.jsonl"
	cmp -s <(sort "$BATS_TEST_TMPDIR/tail.jsonl") \
	    <(cat "$DATA"/{tasks,annotations,projects}.jsonl | sort) ||
	    fail "tail --json does not print the records as logged"
	lshook stats -d "$DATA"
	[ "$status" -eq 0 ] || fail "stats: $stderr"
	lshook ontology rebuild -d "$DATA"
	[ "$status" -eq 0 ] || fail "ontology rebuild: $stderr"
	[[ $output == *"from 3 records"* ]] || fail "ontology rebuild: $output"
	lshook ontology show -d "$DATA" 3
	[ "$status" -eq 0 ] || fail "ontology show: $stderr"
	[[ $output == *'"Deep 10":1'* && $output == *'"Deep 11":1'* ]] ||
	    fail "ontology show: $output"
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
sys.setrecursionlimit(100000)
sys.stdout.write(json.dumps(json.load(open(sys.argv[1]))))' "$PAYLOAD_FILE" \
	    > "$BATS_TEST_TMPDIR/deeper"
	local CGI_WRAPPER=(bash -c 'ulimit -s 256 && exec "$@"' stack256)
	run_cgi_file tasks "$BATS_TEST_TMPDIR/deeper"
	assert_error 400 "invalid json" "nested too deeply"
}
