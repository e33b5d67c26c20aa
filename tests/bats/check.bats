#!/usr/bin/env bats
# check.bats: "lshook check" over data directories the real handlers
# wrote (every kind of log: events, ignored, derived records, ontology,
# commands), then over copies damaged the way crashes and hands damage
# them.  Problems are one line each, "log:line: what", then a summary.
load helpers

LSHOOK=$ROOT/bin/lshook

setup() { setup_data; }

# lshook ARGS...: run bin/lshook (under valgrind with VALGRIND=1).
lshook() {
	run --separate-stderr "${VALGRIND_CMD[@]}" "$LSHOOK" "$@"
	assert_clean_run
}

# wait_for COMMAND...: poll until COMMAND succeeds, 10 s at most (30
# under valgrind).
wait_for() {
	local i n=100
	[ "${VALGRIND:-0}" = 1 ] && n=300
	for i in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}
has_lines() { [ -f "$1" ] && [ "$(wc -l < "$1")" -ge "$2" ]; }

# A task event of its own for task $1.
task() {
	printf '{"action":"TASKS_CREATED","project":{"id":7},"tasks":[{"id":%s,"data":{"text":"t%s"}}]}' "$1" "$1"
}

# Fill $DATA through the handlers with one record of every kind.
populate() {
	run_cgi tasks "$(cat "$LSDOCS/TASKS_CREATED.json")" \
	    LSHOOK_ON_TASKS_CREATED='["/bin/true"]'
	assert_http 200
	run_cgi tasks "$(task 2)"
	assert_http 200
	run_cgi annotations "$(cat "$LSDOCS/ANNOTATION_CREATED.json")" \
	    LSHOOK_TRAIN_EVERY=1
	assert_http 200
	run_cgi projects "$(cat "$LSDOCS/PROJECT_UPDATED.json")"
	assert_http 200
	run_cgi training "$(cat "$FIXTURES/START_TRAINING.json")" PATH_INFO=/webhook
	assert_http 200
	# another family's event at tasks, and an unknown action: ignored.jsonl
	run_cgi tasks "$(cat "$LSDOCS/PROJECT_DELETED.json")"
	assert_http 202
	run_cgi tasks '{"action":"SOMETHING_NEW","project":{"id":7}}'
	assert_http 202
	wait_for has_lines "$DATA/commands.jsonl" 1 ||
	    fail "no commands.jsonl: $(ls "$DATA")"
}

# The number of lines of a log of $DATA.
nlines() { wc -l < "$DATA/$1"; }

@test "check: a directory the handlers wrote is clean: exit 0, only the summary" {
	populate
	local f
	for f in tasks annotations projects training ignored ontology commands; do
		[ -s "$DATA/$f.jsonl" ] || fail "no $f.jsonl: $(ls "$DATA")"
	done
	grep -q '"id":"first-seen:' "$DATA/projects.jsonl"
	grep -q '"id":"train:' "$DATA/training.jsonl"
	local total
	total=$(cat "$DATA"/*.jsonl | wc -l)
	lshook check -d "$DATA"
	[ "$status" -eq 0 ] || fail "exit $status: $output $stderr"
	[ "$output" = "$total records in 7 logs, 0 problems" ] || fail "output: $output"
	[ -z "$stderr" ] || fail "stderr: $stderr"
	# $LSHOOK_DATA_DIR is the default
	LSHOOK_DATA_DIR=$DATA lshook check
	[ "$status" -eq 0 ]
	[ "$output" = "$total records in 7 logs, 0 problems" ]
}

@test "check: records of odd but accepted bodies pass too (a project id of true or false)" {
	# project.id is captured as any scalar but a string (lib/json.c), so
	# the envelope's project_id can be true: neither a number nor null
	run_cgi tasks '{"action":"TASKS_CREATED","project":{"id":true},"tasks":[{"id":1}]}'
	assert_http 200
	run_cgi tasks '{"action":"TASKS_CREATED","project":{"id":null},"tasks":[{"id":2}]}'
	assert_http 200
	run_cgi tasks '{"action":"TASKS_CREATED","project":{"id":-3.5e1},"tasks":[{"id":3}]}'
	assert_http 200
	lshook check -d "$DATA"
	[ "$status" -eq 0 ] || fail "a record the handler wrote fails the check: $output
project_id of the records: $(jq -c .project_id "$DATA/tasks.jsonl" | paste -sd' ')"
}

@test "check: an empty directory is clean" {
	lshook check -d "$DATA"
	[ "$status" -eq 0 ]
	[ "$output" = "0 records in 0 logs, 0 problems" ] || fail "output: $output"
}

@test "check: a torn line isolated by the next append is reported with file and line" {
	run_cgi tasks "$(task 1)"
	assert_http 200
	# a crash part way through a record, then the next append
	printf '{"v":1,"id":"sha256:00ff","received_at":"2026-11-' >> "$DATA/tasks.jsonl"
	run_cgi tasks "$(task 2)"
	assert_http 200
	[ "$(nlines tasks.jsonl)" -eq 3 ]
	lshook check -d "$DATA"
	[ "$status" -eq 1 ] || fail "exit $status: $output"
	[ "${lines[0]}" = "tasks.jsonl:2: torn line (not JSON)" ] || fail "output: $output"
	[ "${lines[1]}" = "3 records in 2 logs, 1 problem" ] || fail "output: $output"
	[ "${#lines[@]}" -eq 2 ]
	[ -z "$stderr" ]
}

@test "check: a torn last line with no append after it is reported" {
	run_cgi annotations "$(cat "$LSDOCS/ANNOTATION_CREATED.json")"
	assert_http 200
	head -c 100 "$DATA/annotations.jsonl" >> "$DATA/annotations.jsonl"
	lshook check -d "$DATA"
	[ "$status" -eq 1 ]
	assert_line "annotations.jsonl:2: torn line (not JSON)"
	assert_line --regexp ', 1 problem$'
	# a whole record whose newline never came is reported too
	run_cgi tasks "$(task 1)"
	assert_http 200
	truncate -s -1 "$DATA/tasks.jsonl"
	lshook check -d "$DATA"
	[ "$status" -eq 1 ]
	assert_line --partial "tasks.jsonl:1: last line has no newline"
	assert_line --regexp ', 2 problems$'
}

@test "check: a duplicate id is reported with both line numbers" {
	run_cgi tasks "$(task 1)"
	assert_http 200
	local id
	id=$(printf '%s' "$http_body" | jq -r .id)
	run_cgi tasks "$(task 2)"
	assert_http 200
	# the handlers give every record an id of its own: a line copied
	# twice (a restore, a merge of logs) is how an id repeats
	sed -n 1p "$DATA/tasks.jsonl" >> "$DATA/tasks.jsonl"
	lshook check -d "$DATA"
	[ "$status" -eq 1 ] || fail "exit $status: $output"
	[ "${lines[0]}" = "tasks.jsonl:3: duplicate id $id (first at line 1)" ] ||
	    fail "output: $output"
	[ "${#lines[@]}" -eq 2 ]
}

@test "check: bare {action} records: distinct ids now; one legacy sha256 id is no duplicate" {
	run_cgi tasks '{"action":"TASKS_CREATED"}'
	assert_http 200
	run_cgi tasks '{"action":"TASKS_CREATED"}'
	assert_http 200
	lshook check -d "$DATA"
	assert_success
	# logs written before every id was unique gave both the body's sha256
	sed -i 's/"id":"\(sha256:[0-9a-f]\{64\}\)\.[0-9a-f]\{16\}"/"id":"\1"/' "$DATA/tasks.jsonl"
	[ "$(jq -r .id "$DATA/tasks.jsonl" | uniq | wc -l)" -eq 1 ]
	lshook check -d "$DATA"
	assert_success
	# a new-style id repeated is a duplicate, bare body or not
	rm -rf "$DATA" && mkdir "$DATA"
	run_cgi tasks '{"action":"TASKS_CREATED"}'
	sed -n 1p "$DATA/tasks.jsonl" >> "$DATA/tasks.jsonl"
	lshook check -d "$DATA"
	[ "$status" -eq 1 ]
	assert_line --index 0 --regexp '^tasks\.jsonl:2: duplicate id sha256:[0-9a-f]{64}\.[0-9a-f]{16} \(first at line 1\)$'
}

@test "check: derived records count: a repeated first-seen id is a duplicate" {
	run_cgi tasks "$(task 1)"
	assert_http 200
	local fs
	fs=$(grep '"id":"first-seen:7\.' "$DATA/projects.jsonl")
	[ -n "$fs" ]
	run_cgi projects "$(cat "$LSDOCS/PROJECT_DELETED.json")"
	assert_http 200
	printf '%s\n' "$fs" >> "$DATA/projects.jsonl"
	local n
	n=$(nlines projects.jsonl)
	lshook check -d "$DATA"
	[ "$status" -eq 1 ]
	assert_line --regexp "^projects\.jsonl:$n: duplicate id first-seen:7\.[0-9a-f]{16} \(first at line 1\)$"
	# ids are unique per log: the same id in two logs is fine
	sed -i '$d' "$DATA/projects.jsonl"
	jq -c '.family = null | .endpoint = "tasks" | .reason = "r"' \
	    <(sed -n 1p "$DATA/tasks.jsonl") >> "$DATA/ignored.jsonl"
	lshook check -d "$DATA"
	[ "$status" -eq 0 ] || fail "output: $output"
}

@test "check: a missing field is reported by name" {
	run_cgi annotations "$(cat "$LSDOCS/ANNOTATION_CREATED.json")"
	assert_http 200
	run_cgi annotations "$(cat "$LSDOCS/ANNOTATION_UPDATED.json")"
	assert_http 200
	# the third record loses its task_ids
	run_cgi annotations "$(cat "$LSDOCS/ANNOTATIONS_DELETED.json")"
	assert_http 200
	jq -c 'del(.task_ids)' <(sed -n 3p "$DATA/annotations.jsonl") > "$BATS_TEST_TMPDIR/r3"
	sed -i '3d' "$DATA/annotations.jsonl"
	cat "$BATS_TEST_TMPDIR/r3" >> "$DATA/annotations.jsonl"
	lshook check -d "$DATA"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "annotations.jsonl:3: missing field task_ids" ] || fail "output: $output"
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[1]} == *", 1 problem" ]]
}

@test "check: fields of the wrong type or shape are reported, one line per record" {
	run_cgi tasks "$(task 1)"
	assert_http 200
	local rec
	rec=$(head -n 1 "$DATA/tasks.jsonl")
	{
		jq -c '.v = 2 | .id = "id2"' <<<"$rec"
		jq -c '.id = 5' <<<"$rec"
		jq -c '.received_at = "2026-11-26 18:26:47" | .id = "id4"' <<<"$rec"
		jq -c '.project_id = "7" | .id = "id5"' <<<"$rec"
		jq -c '.annotation_ids = {} | .payload = [] | .id = "id6"' <<<"$rec"
		jq -c '.family = "annotations" | .id = "id7"' <<<"$rec"
		jq -c '.project_id = null | .id = "id8"' <<<"$rec"
		echo '[1,2]'
		echo
	} >> "$DATA/tasks.jsonl"
	lshook check -d "$DATA"
	[ "$status" -eq 1 ]
	assert_line "tasks.jsonl:2: field v is 2, not 1"
	assert_line "tasks.jsonl:3: field id is not a string"
	assert_line --regexp '^tasks\.jsonl:4: field received_at is not a time'
	assert_line "tasks.jsonl:5: field project_id is not a number or null"
	assert_line "tasks.jsonl:6: field annotation_ids is not an array; field payload is not an object"
	assert_line 'tasks.jsonl:7: field family is "annotations", not "tasks"'
	assert_line "tasks.jsonl:9: not a JSON object"
	assert_line "tasks.jsonl:10: empty line"
	refute_line --partial "tasks.jsonl:8:"
	assert_line "10 records in 2 logs, 8 problems"
}

@test "check: ontology.jsonl and commands.jsonl are held to their own fields" {
	populate
	local o c
	o=$(head -n 1 "$DATA/ontology.jsonl")
	c=$(head -n 1 "$DATA/commands.jsonl")
	{
		jq -c 'del(.label)' <<<"$o"
		jq -c '.change = "renamed"' <<<"$o"
		jq -c '.change = "first_used" | del(.declared)' <<<"$o"
		# an event envelope is not an ontology record
		head -n 1 "$DATA/tasks.jsonl"
	} >> "$DATA/ontology.jsonl"
	{
		jq -c 'del(.exit)' <<<"$c"
		jq -c '.command = "/bin/true"' <<<"$c"
		jq -c 'del(.exit, .signal, .timed_out, .duration_ms, .stdout, .stderr, .truncated) | .skipped = "no free slot"' <<<"$c"
	} >> "$DATA/commands.jsonl"
	local on cn
	on=$(nlines ontology.jsonl)
	cn=$(nlines commands.jsonl)
	lshook check -d "$DATA"
	[ "$status" -eq 1 ]
	assert_line "ontology.jsonl:$((on - 3)): missing field label"
	assert_line "ontology.jsonl:$((on - 2)): field change is \"renamed\", not declared, removed or first_used"
	assert_line "ontology.jsonl:$((on - 1)): missing field declared"
	assert_line --regexp "^ontology\\.jsonl:$on: missing field at; missing field event_id"
	assert_line "commands.jsonl:$((cn - 2)): missing field exit"
	assert_line "commands.jsonl:$((cn - 1)): field command is not an array"
	refute_line --partial "commands.jsonl:$cn:"
	assert_line --regexp ', 6 problems$'
}

@test "check: ignored.jsonl may have family null but needs endpoint and reason" {
	run_cgi tasks '{"action":"SOMETHING_NEW","project":{"id":7}}'
	assert_http 202
	[ "$(jq -c .family "$DATA/ignored.jsonl")" = null ]
	lshook check -d "$DATA"
	[ "$status" -eq 0 ] || fail "output: $output"
	jq -c 'del(.reason)' "$DATA/ignored.jsonl" > "$BATS_TEST_TMPDIR/r2"
	cat "$BATS_TEST_TMPDIR/r2" >> "$DATA/ignored.jsonl"
	lshook check -d "$DATA"
	[ "$status" -eq 1 ]
	assert_line "ignored.jsonl:2: missing field reason"
	assert_line "ignored.jsonl:2: duplicate id $(jq -r .id <(head -n 1 "$DATA/ignored.jsonl")) (first at line 1)"
}

@test "check: a symlinked log is a problem; rotated copies and other files are not read" {
	run_cgi tasks "$(task 1)"
	assert_http 200
	printf 'not json\n' > "$DATA/tasks.jsonl.1"
	printf 'not json\n' > "$DATA/notes.txt"
	printf 'not json\n' > "$BATS_TEST_TMPDIR/elsewhere.jsonl"
	ln -s "$BATS_TEST_TMPDIR/elsewhere.jsonl" "$DATA/annotations.jsonl"
	lshook check -d "$DATA"
	[ "$status" -eq 1 ]
	assert_line --regexp '^annotations\.jsonl: a symbolic link'
	refute_line --partial "tasks.jsonl.1"
	refute_line --partial "notes.txt"
	assert_line --regexp ' in 3 logs, 1 problem$'
}

@test "check: another *.jsonl file is held to JSON only" {
	printf '{"any":"thing"}\n[1]\n{"torn\n' > "$DATA/extra.jsonl"
	lshook check -d "$DATA"
	[ "$status" -eq 1 ]
	assert_line "extra.jsonl:3: torn line (not JSON)"
	assert_line "2 records in 1 log, 1 problem"
}

@test "check: a missing or unusable data directory is exit 2 with one clear line" {
	lshook check -d "$BATS_TEST_TMPDIR/no-such-dir"
	[ "$status" -eq 2 ]
	[ -z "$output" ] || fail "stdout: $output"
	[ "$stderr" = "lshook: check: cannot open data directory '$BATS_TEST_TMPDIR/no-such-dir': No such file or directory" ] ||
	    fail "stderr: $stderr"
	: > "$BATS_TEST_TMPDIR/plain"
	lshook check -d "$BATS_TEST_TMPDIR/plain"
	[ "$status" -eq 2 ]
	[[ $stderr == *"cannot open data directory"*"Not a directory" ]] || fail "stderr: $stderr"
	[[ $stderr != *$'\n'* ]]
	# no directory named at all
	LSHOOK_DATA_DIR= lshook check
	[ "$status" -eq 2 ]
	[[ $stderr == *"no data directory"* ]] || fail "stderr: $stderr"
}

@test "check: usage errors are exit 2; --help is exit 0" {
	lshook check -d "$DATA" --bogus
	[ "$status" -eq 2 ]
	[[ $stderr == *"unknown option '--bogus'"*"usage: lshook check"* ]] || fail "stderr: $stderr"
	lshook check -d "$DATA" extra-argument
	[ "$status" -eq 2 ]
	lshook check -d
	[ "$status" -eq 2 ]
	lshook check --help
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "usage: lshook check [-d DATA_DIR] [--json]" ]]
	lshook help check
	[ "$status" -eq 0 ]
	[[ $output == *"Exit status"* ]]
	lshook --help
	assert_line --regexp '^  check +'
}

@test "check: --json prints one JSON report with every problem" {
	run_cgi tasks "$(task 1)"
	assert_http 200
	local id
	id=$(printf '%s' "$http_body" | jq -r .id)
	printf '{"v":1,"torn' >> "$DATA/tasks.jsonl"
	run_cgi tasks "$(task 2)"
	assert_http 200
	# every record's id is unique: a repeated one comes from a copied line
	sed -n 1p "$DATA/tasks.jsonl" >> "$DATA/tasks.jsonl"
	lshook check -d "$DATA" --json
	[ "$status" -eq 1 ]
	printf '%s' "$output" | jq -e . > /dev/null || fail "not JSON: $output"
	[ "$(jq -c '[.ok, .problem_count, .records, .logs_checked]' <<<"$output")" = '[false,2,4,2]' ] ||
	    fail "report: $output"
	[ "$(jq -c '.problems[0] | [.log, .line, .kind, .message]' <<<"$output")" = \
	    '["tasks.jsonl",2,"torn","torn line (not JSON)"]' ] || fail "report: $output"
	[ "$(jq -c '.problems[1] | [.log, .line, .kind, .id, .first_line]' <<<"$output")" = \
	    "[\"tasks.jsonl\",4,\"duplicate\",\"$id\",1]" ] || fail "report: $output"
	[ "$(jq -c '[.logs[] | [.log, .lines, .records, .problems]]' <<<"$output")" = \
	    '[["tasks.jsonl",4,3,2],["projects.jsonl",1,1,0]]' ] || fail "report: $output"
	[ "$(jq -r .data_dir <<<"$output")" = "$DATA" ]
	# clean: ok, exit 0
	sed -i '2d;4d' "$DATA/tasks.jsonl"
	lshook check -d "$DATA" --json
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.ok, .problem_count, .problems]' <<<"$output")" = '[true,0,[]]' ] || fail "report: $output"
}

@test "check: a big log streams: memory stays bounded whatever the file size" {
	# 40 records of 3 MB and 150000 small ones: about 165 MB (a tenth
	# of that under valgrind)
	local n=150040 every=3751
	[ "${VALGRIND:-0}" = 1 ] && n=15010 every=3751
	python3 - "$DATA/tasks.jsonl" "$n" "$every" <<-'EOF'
	import sys
	n, every = int(sys.argv[2]), int(sys.argv[3])
	pad = "x" * (3 * 1024 * 1024)
	def rec(i, text):
	    return ('{"v":1,"id":"sha256:%064x","received_at":"2026-11-26T18:26:47.978609Z",'
	            '"action":"TASKS_CREATED","family":"tasks","project_id":7,"task_ids":[%d],'
	            '"annotation_ids":[],"payload":{"action":"TASKS_CREATED","tasks":[{"id":%d,'
	            '"data":{"text":"%s"}}]}}\n' % (i, i, i, text))
	with open(sys.argv[1], "w") as f:
	    for i in range(n):
	        f.write(rec(i, pad if i % every == 0 else "t"))
	EOF
	[ "${VALGRIND:-0}" = 1 ] || [ "$(stat -c %s "$DATA/tasks.jsonl")" -gt 160000000 ]
	# its last record repeats the first id: found across the whole file
	tail -n 1 "$DATA/tasks.jsonl" | sed 's/"id":"sha256:[0-9a-f]*"/"id":"sha256:'"$(printf '%064x' 0)"'"/' \
	    >> "$DATA/tasks.jsonl"
	if [ "${VALGRIND:-0}" = 1 ] || sanitized_build; then
		# valgrind and ASan need more address space than the limit
		lshook check -d "$DATA"
	else
		# 64 MiB of address space: less than half the log
		run --separate-stderr bash -c 'ulimit -v 65536 && exec "$0" check -d "$1"' \
		    "$LSHOOK" "$DATA"
	fi
	[ "$status" -eq 1 ] || fail "exit $status: $output $stderr"
	[ "${lines[0]}" = "tasks.jsonl:$((n + 1)): duplicate id sha256:$(printf '%064x' 0) (first at line 1)" ] ||
	    fail "output: $output"
	[ "${lines[1]}" = "$((n + 1)) records in 1 log, 1 problem" ] || fail "output: $output"
}
