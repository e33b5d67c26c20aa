#!/usr/bin/env bats
# snapshot.bats: "lshook snapshot" and "lshook diff" over logs the real
# handlers wrote (the events in fixtures/snapshot/events/, sent in order),
# and over hand-made logs for ties, torn lines and other edge cases.
# Outputs are compared byte for byte with fixtures/snapshot/.
load helpers

LSHOOK=$ROOT/bin/lshook
SNAP=$FIXTURES/snapshot
ORDER=$SNAP/logs/order

# Send every lifecycle event through its handler, in file name order.
post_events() {
	local f h
	for f in "$SNAP"/events/*.json; do
		case $(basename "$f") in
		*annotation*|*review*) h=annotations ;;
		*) h=tasks ;;
		esac
		run_cgi_file "$h" "$f"
		assert_http 200 .status ok
	done
}

setup_file() {
	DATA=$BATS_FILE_TMPDIR/lifecycle
	mkdir -p "$DATA"
	post_events
	export LIFECYCLE=$DATA
}

setup() { setup_data; }

teardown() {
	if [ -n "${PERM_DIR:-}" ]; then
		chmod -R u+rwx "$PERM_DIR"
		rm -rf "$PERM_DIR"
	fi
}

# lshook ARGS...: run bin/lshook (under valgrind with VALGRIND=1).
lshook() {
	run --separate-stderr "${VALGRIND_CMD[@]}" "$LSHOOK" "$@"
	assert_clean_run
}

# assert_output_file FILE: $output plus the newline run strips is FILE.
assert_output_file() {
	[ "$output"$'\n' = "$(cat "$1")"$'\n' ] ||
	    fail "output differs from $1:
$(diff <(printf '%s\n' "$output") "$1")"
}

# The id and received_at of the lifecycle's ANNOTATIONS_CREATED record.
bulk_field() {
	jq -r "select(.action == \"ANNOTATIONS_CREATED\") | .$1" \
	    "$LIFECYCLE/annotations.jsonl"
}

@test "snapshot: the lifecycle sent through the handlers gives the expected export" {
	[ "$(wc -l < "$LIFECYCLE/tasks.jsonl")" -eq 5 ]
	[ "$(wc -l < "$LIFECYCLE/annotations.jsonl")" -eq 9 ]
	lshook snapshot -d "$LIFECYCLE"
	assert_success
	assert_output_file "$SNAP/lifecycle.json"
	[ -z "$stderr" ] || fail "stderr: $stderr"
}

@test "snapshot: --format jsonl holds the same tasks, one per line" {
	lshook snapshot -d "$LIFECYCLE" --format jsonl
	assert_success
	assert_output_file "$SNAP/lifecycle.jsonl"
	[ "$output" = "$(sed -e '1d;$d' -e 's/,$//' "$SNAP/lifecycle.json")" ]
	lshook snapshot -d "$LIFECYCLE" -f json
	assert_output_file "$SNAP/lifecycle.json"
}

@test "snapshot: big integers and \\u escapes come out byte for byte" {
	grep -qF '9007199254740993' "$LIFECYCLE/tasks.jsonl"
	lshook snapshot -d "$LIFECYCLE"
	assert_success
	[[ $output == *'"data":{"text":"caf\u00e9 \ud83d\ude00","tweet_id":9007199254740993}'* ]] ||
	    fail "tokens changed: $output"
	[[ $output != *'e+15'* && $output != *'é'* ]]
}

@test "snapshot: every task of the export, and nothing else, is a Label Studio task" {
	lshook snapshot -d "$LIFECYCLE"
	# ids ascending, each task with an annotations list, keys sorted
	run jq -c '[.[].id]' <<< "$output"
	assert_output '[21,24,50,98,99]'
	lshook snapshot -d "$LIFECYCLE"
	run jq -e 'all(.[]; (.annotations | type) == "array" and
	    (keys_unsorted == keys) and ([.annotations[].id] == ([.annotations[].id] | sort)))' <<< "$output"
	assert_success
}

@test "snapshot: --project keeps one project's tasks, stubs by their record's project" {
	lshook snapshot -d "$LIFECYCLE" --project 2
	assert_success
	assert_output_file "$SNAP/lifecycle-project2.json"
	lshook snapshot -d "$LIFECYCLE" -p 5 --format jsonl
	assert_success
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
	[[ $output == *'"id":50,"inner_id":1'* ]]
	lshook snapshot -d "$LIFECYCLE" --project 7
	assert_success
	[ "$output" = $'[\n]' ]
}

@test "snapshot: --until an event id replays up to and including that event" {
	lshook snapshot -d "$LIFECYCLE" --until "$(bulk_field id)"
	assert_success
	assert_output_file "$SNAP/until-bulk.json"
}

@test "snapshot: --until a received_at includes that record, not the next" {
	local at
	at=$(bulk_field received_at)
	lshook snapshot -d "$LIFECYCLE" --until "$at"
	assert_success
	assert_output_file "$SNAP/until-bulk.json"
	# without the Z, with a space: the same cut after normalizing
	lshook snapshot -d "$LIFECYCLE" --until "${at:0:10} ${at:11:15}"
	assert_success
	assert_output_file "$SNAP/until-bulk.json"
}

@test "snapshot: --until a date takes in that whole day; an earlier one nothing" {
	local day
	day=$(head -n 1 "$LIFECYCLE/tasks.jsonl" | jq -r .received_at | cut -c1-10)
	[ "$(tail -n 1 "$LIFECYCLE/tasks.jsonl" | jq -r .received_at | cut -c1-10)" = "$day" ] ||
	    skip "the events straddle midnight"
	lshook snapshot -d "$LIFECYCLE" --until "$day"
	assert_success
	assert_output_file "$SNAP/lifecycle.json"
	lshook snapshot -d "$LIFECYCLE" --until 2000-01-01
	assert_success
	[ "$output" = $'[\n]' ]
	lshook snapshot -d "$LIFECYCLE" --until 2000 --format jsonl
	assert_success
	[ -z "$output" ]
}

@test "snapshot: a malformed time or an event id not in the logs is an error" {
	lshook snapshot -d "$LIFECYCLE" --until 2026-11-26T1
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ $stderr == "lshook: snapshot: bad time '2026-11-26T1' "* ]] || fail "$stderr"
	lshook snapshot -d "$LIFECYCLE" --until sha256:0000
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "lshook: snapshot: no record of tasks.jsonl or annotations.jsonl in '$LIFECYCLE' has an id starting with 'sha256:0000'" ]
}

@test "snapshot: --until a unique prefix of an id, as lshook tail shows it, is that id" {
	local id
	id=$(bulk_field id)
	[[ $id == sha256:* ]] || fail "id $id"
	# tail's column: sha256: and 12 digits
	lshook snapshot -d "$LIFECYCLE" --until "${id:0:19}"
	assert_success
	[ -z "$stderr" ]
	assert_output_file "$SNAP/until-bulk.json"
	lshook diff -d "$LIFECYCLE" "${id:0:19}" "$id"
	assert_success
	[ -z "$output" ]
	[ -z "$stderr" ]
}

# record ID TIME: a tasks.jsonl line with that id (an empty TASKS_DELETED).
record() {
	printf '{"v":1,"id":"%s","received_at":"%s","action":"TASKS_DELETED","family":"tasks","project_id":1,"task_ids":[],"annotation_ids":[],"payload":{"action":"TASKS_DELETED","tasks":[]}}\n' "$1" "$2"
}

@test "snapshot: an ambiguous id prefix lists the candidates, exit 2; a whole id wins" {
	local h=sha256:96df0000000000000000000000000000000000000000000000000000000000aa
	{
		record "$h" 2026-11-26T10:00:00.000000Z
		record "$h.0123456789abcdef" 2026-11-26T10:00:01.000000Z
		record "$h.fedcba9876543210" 2026-11-26T10:00:02.000000Z
		record first-seen:1 2026-11-26T10:00:03.000000Z
	} > "$DATA/tasks.jsonl"
	lshook snapshot -d "$DATA" --until sha256:96df
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "lshook: snapshot: id prefix 'sha256:96df' is ambiguous: 3 records match
  $h
  $h.0123456789abcdef
  $h.fedcba9876543210" ] || fail "$stderr"
	lshook diff -d "$DATA" "$h." now
	[ "$status" -eq 2 ]
	[[ $stderr == "lshook: diff: id prefix '$h.' is ambiguous: 2 records match"* ]] || fail "$stderr"
	# the whole id before the longer ids it begins; a unique prefix
	lshook snapshot -d "$DATA" --until "$h"
	assert_success
	lshook snapshot -d "$DATA" --until "$h.fed"
	assert_success
	lshook snapshot -d "$DATA" --until first-seen
	assert_success
	[ -z "$stderr" ]
	lshook diff -d "$DATA" sha256:96dX now
	[ "$status" -eq 2 ]
	[ "$stderr" = "lshook: diff: no record of tasks.jsonl or annotations.jsonl in '$DATA' has an id starting with 'sha256:96dX'" ]
}

@test "snapshot: -o creates the missing parent directories, mode 0750" {
	cd "$BATS_TEST_TMPDIR"
	umask 022
	lshook snapshot -d "$LIFECYCLE" -o out/v1/labels.json
	assert_success
	[ -z "$stderr" ]
	cmp out/v1/labels.json "$SNAP/lifecycle.json"
	[ "$(stat -c %a out)" = 750 ]
	[ "$(stat -c %a out/v1)" = 750 ]
	lshook snapshot -d "$LIFECYCLE" -o out/v1/labels.json
	assert_success
}

@test "snapshot: a torn last line is reported with its line and skipped, exit 0" {
	cp "$LIFECYCLE"/*.jsonl "$DATA"/
	printf '{"v":1,"id":"sha256:0f","received_at":"2099-01-01T00:00:00.0' >> "$DATA/annotations.jsonl"
	lshook snapshot -d "$DATA"
	assert_success
	assert_output_file "$SNAP/lifecycle.json"
	[ "$stderr" = "lshook: snapshot: $DATA/annotations.jsonl:10: skipped a torn last line (unterminated string at byte 60)" ] ||
	    fail "stderr: $stderr"
	# the handler ends the torn line before its next record
	run_cgi_file annotations "$SNAP/events/13-review-created.json"
	assert_http 200
	lshook snapshot -d "$DATA"
	assert_success
	assert_output_file "$SNAP/lifecycle.json"
	[[ $stderr == *"annotations.jsonl:10: skipped a line that is not JSON"* ]] || fail "$stderr"
}

@test "snapshot: merge order, ties, stubs, moves and damaged lines (hand-made logs)" {
	lshook snapshot -d "$ORDER"
	assert_success
	assert_output_file "$SNAP/order.json"
	[ "$stderr" = "lshook: snapshot: $ORDER/tasks.jsonl:4: skipped a line that is not JSON (unterminated string at byte 50)
lshook: snapshot: $ORDER/annotations.jsonl:7: skipped annotation 99: no task id
lshook: snapshot: $ORDER/tasks.jsonl:6: skipped a torn last line (unterminated string at byte 53)" ] ||
	    fail "stderr: $stderr"
}

@test "snapshot: two runs give the same bytes; reordered keys and spacing too" {
	"${VALGRIND_CMD[@]}" "$LSHOOK" snapshot -d "$LIFECYCLE" > "$BATS_TEST_TMPDIR/a.json"
	"${VALGRIND_CMD[@]}" "$LSHOOK" snapshot -d "$LIFECYCLE" > "$BATS_TEST_TMPDIR/b.json"
	cmp "$BATS_TEST_TMPDIR/a.json" "$BATS_TEST_TMPDIR/b.json"
	# Every object's keys reversed, task lists reversed, Python's
	# spacing: an equivalent log (Python keeps big integers exact).
	local f
	for f in tasks annotations; do
		python3 -c '
import json, sys
def rev(o):
    if isinstance(o, dict):
        return dict(reversed([(k, rev(v)) for k, v in o.items()]))
    return [rev(x) for x in o] if isinstance(o, list) else o
for line in sys.stdin:
    r = json.loads(line)
    if isinstance(r["payload"].get("tasks"), list) and r["action"].endswith("CREATED"):
        r["payload"]["tasks"].reverse()
    print(json.dumps(rev(r)))
' < "$LIFECYCLE/$f.jsonl" > "$DATA/$f.jsonl"
	done
	run ! cmp -s "$LIFECYCLE/tasks.jsonl" "$DATA/tasks.jsonl"
	grep -q '^{"payload": {' "$DATA/tasks.jsonl"
	lshook snapshot -d "$DATA"
	assert_success
	assert_output_file "$SNAP/lifecycle.json"
}

@test "snapshot: -o replaces the file atomically, mode from the umask" {
	local out=$BATS_TEST_TMPDIR/out
	mkdir "$out"
	lshook snapshot -d "$LIFECYCLE" --until "$(bulk_field id)" -o "$out/labels.json"
	assert_success
	[ -z "$output" ]
	cmp "$out/labels.json" "$SNAP/until-bulk.json"
	ln "$out/labels.json" "$out/old.json"
	(umask 022 && "${VALGRIND_CMD[@]}" "$LSHOOK" snapshot -d "$LIFECYCLE" -o "$out/labels.json")
	cmp "$out/labels.json" "$SNAP/lifecycle.json"
	# a new file was renamed over the name: the old inode kept its bytes
	cmp "$out/old.json" "$SNAP/until-bulk.json"
	[ "$(stat -c %a "$out/labels.json")" = 644 ]
	[ "$(ls -A "$out" | tr '\n' ' ')" = "labels.json old.json " ]
	# relative names work, and "-" is standard output
	(cd "$out" && "${VALGRIND_CMD[@]}" "$LSHOOK" snapshot -d "$LIFECYCLE" --format jsonl -o labels.jsonl)
	cmp "$out/labels.jsonl" "$SNAP/lifecycle.jsonl"
	lshook snapshot -d "$LIFECYCLE" -o -
	assert_output_file "$SNAP/lifecycle.json"
}

@test "snapshot: -o under a directory that cannot be created fails, naming it" {
	touch "$BATS_TEST_TMPDIR/file"
	lshook snapshot -d "$LIFECYCLE" -o "$BATS_TEST_TMPDIR/file/such/labels.json"
	[ "$status" -eq 2 ]
	[ "$stderr" = "lshook: snapshot: cannot create directory '$BATS_TEST_TMPDIR/file/such': Not a directory" ] ||
	    fail "stderr: $stderr"
}

@test "snapshot: an empty data directory is an empty dataset" {
	lshook snapshot -d "$DATA"
	assert_success
	[ "$output" = $'[\n]' ]
	lshook snapshot -d "$DATA" --format jsonl
	assert_success
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "snapshot: a missing data directory is one clear error, exit 2" {
	lshook snapshot -d /nonexistent/lshook-data
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "lshook: snapshot: cannot open data directory '/nonexistent/lshook-data': No such file or directory" ]
	lshook snapshot -d "$SNAP/lifecycle.json"
	[ "$status" -eq 2 ]
	[ "$stderr" = "lshook: snapshot: cannot open data directory '$SNAP/lifecycle.json': Not a directory" ]
}

@test "snapshot: an unreadable data directory or log is an error" {
	local as=()
	if [ "$(id -u)" -eq 0 ]; then	# root reads everything: be nobody
		command -v setpriv > /dev/null || skip "root, and no setpriv"
		as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	fi
	# outside the test's private temporary directory, which nobody cannot enter
	PERM_DIR=$(mktemp -d /tmp/lshook-perm.XXXXXX)
	chmod 755 "$PERM_DIR"
	cp "$LIFECYCLE"/*.jsonl "$PERM_DIR"/
	chmod 644 "$PERM_DIR"/*.jsonl
	chmod 000 "$PERM_DIR/tasks.jsonl"
	run --separate-stderr "${as[@]}" "${VALGRIND_CMD[@]}" "$LSHOOK" snapshot -d "$PERM_DIR"
	assert_clean_run
	[ "$status" -eq 2 ]
	[ "$stderr" = "lshook: snapshot: cannot open '$PERM_DIR/tasks.jsonl': Permission denied" ] ||
	    fail "stderr: $stderr"
	chmod 000 "$PERM_DIR"
	run --separate-stderr "${as[@]}" "${VALGRIND_CMD[@]}" "$LSHOOK" snapshot -d "$PERM_DIR"
	assert_clean_run
	[ "$status" -eq 2 ]
	[ "$stderr" = "lshook: snapshot: cannot open data directory '$PERM_DIR': Permission denied" ] ||
	    fail "stderr: $stderr"
}

@test "snapshot: the data directory defaults to LSHOOK_DATA_DIR; neither is an error" {
	LSHOOK_DATA_DIR=$LIFECYCLE lshook snapshot
	assert_success
	assert_output_file "$SNAP/lifecycle.json"
	LSHOOK_DATA_DIR= lshook snapshot
	[ "$status" -eq 2 ]
	[ "$stderr" = "lshook: snapshot: no data directory (use -d DIR or set LSHOOK_DATA_DIR)" ]
}

@test "lshook: --help, subcommand help, usage errors exit 2" {
	lshook --help
	assert_success
	[[ $output == "usage: lshook <command> [options]"* ]]
	[[ $output == *"  snapshot   "* && $output == *"  diff       "* ]]
	lshook snapshot --help
	assert_success
	[[ $output == "usage: lshook snapshot [-d DATA_DIR] [--project ID] [--until CUT] [--format json|jsonl] [-o FILE]"* ]]
	lshook help diff
	assert_success
	[[ $output == "usage: lshook diff A B [-d DATA_DIR] [--project ID] [--json]"* ]]
	lshook --version
	assert_success
	[[ $output == "lshook "[0-9]* ]]
	lshook
	[ "$status" -eq 2 ]
	[[ $stderr == "usage: lshook <command>"* ]]
	lshook frobnicate
	[ "$status" -eq 2 ]
	[ "$stderr" = "lshook: unknown command 'frobnicate' (see lshook --help)" ]
	lshook snapshot --bogus
	[ "$status" -eq 2 ]
	[ "$stderr" = "lshook: snapshot: unknown option '--bogus'
usage: lshook snapshot [-d DATA_DIR] [--project ID] [--until CUT] [--format json|jsonl] [-o FILE]" ]
	lshook snapshot -d "$LIFECYCLE" --format xml
	[ "$status" -eq 2 ]
	[[ $stderr == "lshook: snapshot: unknown format 'xml'"* ]]
	lshook snapshot -d "$LIFECYCLE" --project two
	[ "$status" -eq 2 ]
	[[ $stderr == "lshook: snapshot: bad project id 'two'"* ]]
	lshook snapshot -d "$LIFECYCLE" extra
	[ "$status" -eq 2 ]
	[[ $stderr == "lshook: snapshot: unexpected argument 'extra'"* ]]
	lshook snapshot -d
	[ "$status" -eq 2 ]
	[[ $stderr == "lshook: snapshot: option '-d' needs a value"* ]]
	[ -z "$output" ]
}

@test "diff: tasks and annotations added and removed between two cuts, exit 1" {
	lshook diff "$(bulk_field id)" now -d "$LIFECYCLE"
	[ "$status" -eq 1 ]
	assert_output_file "$SNAP/diff-bulk-now.txt"
	[ -z "$stderr" ]
	lshook diff "$(bulk_field id)" all -d "$LIFECYCLE" --json
	[ "$status" -eq 1 ]
	assert_output_file "$SNAP/diff-bulk-now.json"
	# the other way round
	lshook diff now "$(bulk_field received_at)" -d "$LIFECYCLE"
	[ "$status" -eq 1 ]
	[ "$output" = "$(tr '+-' '-+' < "$SNAP/diff-bulk-now.txt")" ]
}

@test "diff: changes name the keys that differ; moved annotations their tasks" {
	lshook diff a1 all -d "$ORDER"
	[ "$status" -eq 1 ]
	assert_output_file "$SNAP/diff-order.txt"
	lshook diff a2 a6 -d "$ORDER"
	[ "$status" -eq 1 ]
	[ "$output" = "~ task 3 meta
~ task 7 data
~ annotation 10 result
~ annotation 30 result task (task 3 -> 2)
+ annotation 70 (task 7)" ] || fail "$output"
	lshook diff a2 a6 -d "$ORDER" --json
	[ "$output" = '{"tasks":{"added":[],"changed":[3,7],"removed":[]},"annotations":{"added":[70],"changed":[10,30],"removed":[]}}' ]
}

@test "diff: a task imported again with new data is changed" {
	cp "$LIFECYCLE"/*.jsonl "$DATA"/
	run_cgi tasks '{"action": "TASKS_CREATED", "tasks": [{"id": 21, "data": {"text": "The food was superb."}, "meta": {}, "created_at": "2026-11-20T10:00:21.000000Z", "updated_at": "2026-11-22T08:00:00.000000Z", "is_labeled": false, "overlap": 1, "project": 2, "file_upload": 46, "inner_id": 1}], "project": {"id": 2}}'
	assert_http 200
	lshook snapshot -d "$LIFECYCLE" -o "$BATS_TEST_TMPDIR/before.json"
	lshook diff "$BATS_TEST_TMPDIR/before.json" now -d "$DATA"
	[ "$status" -eq 1 ]
	[ "$output" = "~ task 21 data updated_at" ]
}

@test "diff: the same dataset is equal, exit 0, nothing printed" {
	lshook diff now all -d "$LIFECYCLE"
	assert_success
	[ -z "$output" ]
	lshook diff "$SNAP/lifecycle.json" "$SNAP/lifecycle.jsonl"
	assert_success
	[ -z "$output" ]
	lshook diff "$SNAP/lifecycle.json" all -d "$LIFECYCLE"
	assert_success
	[ -z "$output" ]
}

@test "diff: snapshot files against a Label Studio-style export" {
	# pretty-printed, keys in another order, no empty annotation lists
	python3 -c '
import json, sys
tasks = json.load(sys.stdin)
for t in tasks:
    if not t["annotations"]:
        del t["annotations"]
print(json.dumps([dict(reversed(list(t.items()))) for t in tasks], indent=2))
' < "$SNAP/lifecycle.json" > "$BATS_TEST_TMPDIR/export.json"
	lshook diff "$BATS_TEST_TMPDIR/export.json" "$SNAP/lifecycle.json"
	assert_success
	[ -z "$output" ]
	lshook diff "$SNAP/until-bulk.json" "$BATS_TEST_TMPDIR/export.json"
	[ "$status" -eq 1 ]
	assert_output_file "$SNAP/diff-bulk-now.txt"
}

@test "diff: --project compares one project's tasks" {
	lshook diff "$(bulk_field id)" now -d "$LIFECYCLE" --project 5
	[ "$status" -eq 1 ]
	[ "$output" = "+ task 50" ]
	lshook diff "$SNAP/lifecycle-project2.json" now -d "$LIFECYCLE" -p 2
	assert_success
}

@test "diff: errors exit 2" {
	lshook diff now
	[ "$status" -eq 2 ]
	[[ $stderr == "lshook: diff: need two sides to compare, got 1"* ]]
	lshook diff "$BATS_TEST_TMPDIR/missing.json" now -d "$LIFECYCLE"
	[ "$status" -eq 2 ]
	[ "$stderr" = "lshook: diff: cannot open '$BATS_TEST_TMPDIR/missing.json': No such file or directory" ]
	printf '[{"id":1},' > "$BATS_TEST_TMPDIR/torn.json"
	lshook diff "$BATS_TEST_TMPDIR/torn.json" now -d "$LIFECYCLE"
	[ "$status" -eq 2 ]
	[[ $stderr == "lshook: diff: '$BATS_TEST_TMPDIR/torn.json' is not a JSON snapshot ("* ]]
	lshook diff "$LIFECYCLE/tasks.jsonl" now -d "$LIFECYCLE"
	[ "$status" -eq 2 ]
	[ "$stderr" = "lshook: diff: '$LIFECYCLE/tasks.jsonl' is a log, not a snapshot (name its directory with -d and give a cut instead)" ]
	lshook diff now all -d /nonexistent
	[ "$status" -eq 2 ]
	[ "$stderr" = "lshook: diff: cannot open data directory '/nonexistent': No such file or directory" ]
	LSHOOK_DATA_DIR= lshook diff now all
	[ "$status" -eq 2 ]
	lshook diff now all -d "$LIFECYCLE" --bogus
	[ "$status" -eq 2 ]
	[ -z "$output" ]
}
