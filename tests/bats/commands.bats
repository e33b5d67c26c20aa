#!/usr/bin/env bats
# commands.bats: LSHOOK_ON_<KEY> programs run after a recorded event,
# detached from the answer, without a shell, with the record on stdin and
# an environment of their own; their outcome goes to commands.jsonl, with
# a timeout and at most LSHOOK_COMMAND_MAX running at once.
#
# Commands run asynchronously: every wait here polls a file with a bounded
# loop (wait_for), never a bare sleep.  The programs are the scripts of
# tests/fixtures/commands/.
load helpers

CMDS=$FIXTURES/commands

setup() {
	setup_data
	BLOCK=$BATS_TEST_TMPDIR/block
	STRAYS=$BATS_TEST_TMPDIR/strays
	mkdir -p "$BLOCK"
}

teardown() {
	local pid
	# let a blocked command end, and end what a command left behind
	: > "$BLOCK/go"
	if [ -f "$STRAYS" ]; then
		while read -r pid; do
			[ -n "$pid" ] && kill "$pid" 2>/dev/null
		done < "$STRAYS"
	fi
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

# argv PROGRAM [ARG...]: the JSON array for LSHOOK_ON_<KEY>.
argv() {
	jq -cn '$ARGS.positional' --args "$@"
}

# wait_for COMMAND...: poll every 0.1 s until COMMAND succeeds, for at most
# $WAIT_S seconds (10; 30 under valgrind, where the supervisor is slow).
WAIT_S=10
[ "${VALGRIND:-0}" = 1 ] && WAIT_S=30
wait_for() {
	local i
	for i in $(seq $((WAIT_S * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# Number of lines of commands.jsonl (0 when absent).
commands_count() {
	if [ -f "$DATA/commands.jsonl" ]; then wc -l < "$DATA/commands.jsonl"; else echo 0; fi
}
has_commands() { [ "$(commands_count)" -ge "$1" ]; }

# wait_commands N: wait until commands.jsonl holds N records; fail if it
# holds more, or fewer after the wait, or any line is not JSON.
wait_commands() {
	wait_for has_commands "$1" || fail "commands.jsonl has $(commands_count) records, want $1"
	[ "$(commands_count)" -eq "$1" ] ||
	    fail "commands.jsonl has $(commands_count) records, want $1: $(cat "$DATA/commands.jsonl")"
	jq -e . "$DATA/commands.jsonl" > /dev/null || fail "commands.jsonl: $(cat "$DATA/commands.jsonl")"
}

# cmd_field FILTER [N]: a jq filter over record N (1, the first, by
# default) of commands.jsonl, as compact JSON.
cmd_field() {
	sed -n "${2:-1}p" "$DATA/commands.jsonl" | jq -c "$1"
}

# The id answered for the last request.
answer_id() {
	printf '%s' "$http_body" | jq -r .id
}

task() {
	printf '{"action":"TASKS_CREATED","project":{"id":7},"tasks":[{"id":%s}]}' "$1"
}
# An event without a project; each request of a test gets its own task id
# $1, so that no two bodies are alike (a repeated delivery is not recorded).
noproject() {
	printf '{"action":"TASKS_CREATED","tasks":[{"id":%s}]}' "${1:-1}"
}

# Process group $1 has no member left.
group_gone() {
	! pgrep -g "$1" > /dev/null
}

# --- what the program gets -------------------------------------------------------

@test "commands: stdin is the log line, the environment exactly the documented set, arguments as is" {
	local rec=$BATS_TEST_TMPDIR/rec pwned=$BATS_TEST_TMPDIR/pwned id
	local args=("$CMDS/record.sh" "$rec" "\$(touch $pwned); *" '`touch '"$pwned"'`' \
	    "a b" "" 'q"\' '$HOME' '~' '>' 'é')
	run_cgi tasks "$(task 1)" LSHOOK_ON_TASKS="$(argv "${args[@]}")" \
	    HTTP_X_OTHER=header LSHOOK_FSYNC=never
	assert_http 200 .status ok
	[ -z "$stderr" ] || fail "stderr: $stderr"
	id=$(answer_id)
	wait_commands 1
	# stdin: the record line, byte for byte, newline included
	cmp "$rec/stdin" <(head -n 1 "$DATA/tasks.jsonl") || fail "stdin: $(cat "$rec/stdin")"
	[ "$(wc -l < "$DATA/tasks.jsonl")" -eq 1 ]
	# the arguments, without any shell expansion
	cmp "$rec/args" <(printf '%s\0' "${args[@]:1}") ||
	    fail "args: $(tr '\0' '|' < "$rec/args")"
	[ ! -e "$pwned" ] || fail "a shell ran an argument"
	# the environment: these and nothing else
	diff -u <(LC_ALL=C sort <<EOF
PATH=/usr/local/bin:/usr/bin:/bin
LANG=C.UTF-8
LSHOOK_EVENT_ID=$id
LSHOOK_ACTION=TASKS_CREATED
LSHOOK_FAMILY=tasks
LSHOOK_PROJECT_ID=7
LSHOOK_DATA_DIR=$DATA
LSHOOK_LOG=$DATA/tasks.jsonl
EOF
	) "$rec/env" || fail "environment differs"
	# the outcome record
	[ "$(cmd_field 'keys_unsorted')" = '["v","at","event_id","action","family","project_id","command","exit","signal","timed_out","duration_ms","stdout","stderr","truncated"]' ] ||
	    fail "keys: $(cmd_field keys_unsorted)"
	[ "$(cmd_field 'del(.at, .duration_ms)')" = "$(jq -cn --arg id "$id" \
	    --argjson cmd "$(argv "${args[@]}")" '{v: 1, event_id: $id,
	    action: "TASKS_CREATED", family: "tasks", project_id: 7, command: $cmd,
	    exit: 0, signal: null, timed_out: false, stdout: "recorded\n",
	    stderr: "", truncated: false}')" ] || fail "record: $(cat "$DATA/commands.jsonl")"
	cmd_field '.at' | grep -qE '^"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z"$'
	cmd_field '.duration_ms | type == "number" and . >= 0' | grep -qx true
}

@test "commands: LSHOOK_PROJECT_ID is absent when the event has no project" {
	local rec=$BATS_TEST_TMPDIR/rec
	run_cgi tasks "$(noproject 1)" LSHOOK_ON_TASKS="$(argv "$CMDS/record.sh" "$rec")"
	assert_http 200 .status ok
	wait_commands 1
	run grep -c '^LSHOOK_' "$rec/env"
	assert_output 5
	refute grep -q '^LSHOOK_PROJECT_ID=' "$rec/env"
	[ "$(cmd_field .project_id)" = null ]
	cmp "$rec/stdin" "$DATA/tasks.jsonl"
}

@test "commands: a record larger than a pipe buffer reaches stdin whole" {
	local rec=$BATS_TEST_TMPDIR/rec big
	big=$(head -c 300000 /dev/zero | tr '\0' x)
	run_cgi tasks '{"action":"TASKS_CREATED","project":{"id":7},"tasks":[{"id":1,"data":{"text":"'"$big"'"}}]}' \
	    LSHOOK_ON_TASKS="$(argv "$CMDS/record.sh" "$rec")"
	assert_http 200 .status ok
	wait_commands 1
	[ "$(cmd_field .exit)" = 0 ]
	cmp "$rec/stdin" "$DATA/tasks.jsonl"
}

# fds_run: run fds.sh for an event; sets $fds_out to what it printed.
fds_run() {
	run_cgi tasks "$(noproject 1)" LSHOOK_ON_TASKS="$(argv "$CMDS/fds.sh")"
	assert_http 200 .status ok
	wait_commands 1
	fds_out=$(cmd_field .stdout | jq -r .)
}

@test "commands: the program starts with SIGPIPE not ignored" {
	local mask
	fds_run
	mask=$(printf '%s\n' "$fds_out" | sed -n 's/^SigIgn:[[:space:]]*//p')
	[[ $mask =~ ^[0-9a-f]+$ ]] || fail "no SigIgn line: $fds_out"
	# SIGPIPE (13) ignored changes how every pipeline in the program behaves
	[ $(( (0x$mask >> 12) & 1 )) -eq 0 ] || fail "SIGPIPE is ignored in the program (SigIgn $mask)"
}

@test "commands: the program holds no pipe but its stdin, stdout and stderr" {
	# no copy of the other ends, which would keep the output open after
	# the program and its jobs closed theirs
	fds_run
	run grep -c pipe: <<< "$fds_out"
	[ "$output" = 3 ] || fail "pipes held by the program: $(grep pipe: <<< "$fds_out" | tr '\n' ' ')"
	run grep -o '^[0-9]*' <<< "$(grep pipe: <<< "$fds_out")"
	assert_output $'0\n1\n2'
}

# --- detached from the answer -------------------------------------------------------

@test "commands: CGI: the answer is complete while the command is still blocked" {
	run_cgi tasks "$(task 1)" LSHOOK_ON_TASKS="$(argv "$CMDS/block.sh" "$BLOCK")"
	assert_http 200 .status ok
	# the run has ended; the command cannot have: go does not exist yet
	[ ! -e "$BLOCK/gave-up" ] && [ ! -e "$BLOCK/finished" ] ||
	    fail "the handler waited for the command"
	[ "$(commands_count)" -eq 0 ]
	wait_for test -e "$BLOCK/started"
	[ "$(commands_count)" -eq 0 ]
	: > "$BLOCK/go"
	wait_commands 1
	[ -e "$BLOCK/finished" ]
	[ "$(cmd_field '[.exit, .timed_out, .event_id]')" = "[0,false,\"$(answer_id)\"]" ]
}

@test "commands: FastCGI: the process answers and serves again while commands are blocked, and keeps no socket in them" {
	local port ids
	start_fcgi tasks LSHOOK_ON_TASKS="$(argv "$CMDS/block.sh" "$BLOCK")"
	port=$FCGI_PORT
	fcgi_request "$(task 1)"
	assert_http 200 .status ok
	wait_for test -e "$BLOCK/started"
	fcgi_request "$(task 2)"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
	assert_not_exists "$BLOCK/finished"
	assert_not_exists "$BLOCK/gave-up"
	[ "$(commands_count)" -eq 0 ]
	# the handler stops cleanly while both commands are still blocked, and
	# nothing they run holds its listening socket: connections are refused
	stop_fcgi_guarded
	! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null ||
	    fail "port $port still accepts connections after the handler exited"
	[ "$(commands_count)" -eq 0 ]
	: > "$BLOCK/go"
	wait_commands 2
	run jq -c '[.exit, .timed_out]' "$DATA/commands.jsonl"
	assert_output $'[0,false]\n[0,false]'
	ids=$(jq -r .event_id "$DATA/commands.jsonl" | sort)
	[ "$ids" = "$(jq -r .id "$DATA/tasks.jsonl" | sort)" ]
}

# --- outcome ------------------------------------------------------------------------

@test "commands: a command over LSHOOK_COMMAND_TIMEOUT gets SIGTERM, with its process group" {
	local pgid
	run_cgi tasks "$(noproject 1)" LSHOOK_ON_TASKS="$(argv "$CMDS/sleep.sh")" \
	    LSHOOK_COMMAND_TIMEOUT=1
	assert_http 200 .status ok
	wait_commands 1
	[ "$(cmd_field '[.timed_out, .exit, .signal]')" = '[true,null,15]' ] ||
	    fail "record: $(cat "$DATA/commands.jsonl")"
	pgid=$(cmd_field .stdout | jq -r . | tr -d '\n')
	[[ $pgid =~ ^[0-9]+$ ]] || fail "stdout: $pgid"
	wait_for group_gone "$pgid" || fail "process group $pgid lives on: $(pgrep -a -g "$pgid")"
}

@test "commands: a command that ignores SIGTERM is killed with SIGKILL" {
	local pgid
	run_cgi tasks "$(noproject 1)" LSHOOK_ON_TASKS="$(argv "$CMDS/sleep.sh" 60 ignore-term)" \
	    LSHOOK_COMMAND_TIMEOUT=1
	assert_http 200 .status ok
	wait_commands 1
	[ "$(cmd_field '[.timed_out, .exit, .signal]')" = '[true,null,9]' ] ||
	    fail "record: $(cat "$DATA/commands.jsonl")"
	pgid=$(cmd_field .stdout | jq -r . | tr -d '\n')
	wait_for group_gone "$pgid" || fail "process group $pgid lives on: $(pgrep -a -g "$pgid")"
}

@test "commands: what a command leaves running with its output open is ended at the timeout" {
	local pid
	run_cgi tasks "$(noproject 1)" LSHOOK_ON_TASKS="$(argv "$CMDS/background.sh")" \
	    LSHOOK_COMMAND_TIMEOUT=1
	assert_http 200 .status ok
	wait_commands 1
	pid=$(cmd_field .stdout | jq -r . | tr -d '\n')
	[[ $pid =~ ^[0-9]+$ ]] || fail "stdout: $pid"
	echo "$pid" >> "$STRAYS"
	[ "$(cmd_field .exit)" = 0 ]
	# SIGTERM at 1 s, SIGKILL 2 s later: gone well within 5 s
	WAIT_S=$((WAIT_S / 2)) wait_for eval "! kill -0 $pid 2>/dev/null" ||
	    fail "the program's background sleep ($pid) outlived the timeout: $(cat "$DATA/commands.jsonl")"
}

@test "commands: a command is done when the program exits, whatever its background jobs do" {
	local pid
	# a job started nohup-style (own stdin, stdout, stderr) does not hold
	# the command open: its record is written when the program exits, long
	# before the 3 s timeout
	run_cgi tasks "$(noproject 1)" LSHOOK_ON_TASKS="$(argv "$CMDS/background.sh" redirect)" \
	    LSHOOK_COMMAND_TIMEOUT=3
	assert_http 200 .status ok
	wait_commands 1
	pid=$(cmd_field .stdout | jq -r . | tr -d '\n')
	echo "$pid" >> "$STRAYS"
	[ "$(cmd_field '[.exit, .timed_out]')" = '[0,false]' ]
	[ "$(cmd_field '.duration_ms < 3000')" = true ] ||
	    fail "the command was held until the timeout: $(cat "$DATA/commands.jsonl")"
}

@test "commands: a failing command's exit status and stderr are recorded" {
	run_cgi tasks "$(noproject 1)" LSHOOK_ON_TASKS="$(argv "$CMDS/fail.sh")"
	assert_http 200 .status ok
	wait_commands 1
	[ "$(cmd_field '[.exit, .signal, .timed_out, .truncated]')" = '[3,null,false,false]' ]
	[ "$(cmd_field .stderr)" = '"fail.sh: cannot handle TASKS_CREATED\n"' ]
	[ "$(cmd_field .stdout)" = '"about to fail\n"' ]
	rm "$DATA/commands.jsonl"
	run_cgi tasks "$(noproject 2)" LSHOOK_ON_TASKS="$(argv "$CMDS/fail.sh" 0)"
	wait_commands 1
	[ "$(cmd_field .exit)" = 0 ]
}

@test "commands: output over 16384 bytes is cut to 16384 bytes and marked truncated" {
	run_cgi tasks "$(noproject 1)" LSHOOK_ON_TASKS="$(argv "$CMDS/output.sh" 100000)"
	assert_http 200 .status ok
	wait_commands 1
	[ "$(cmd_field '[.exit, .timed_out, .truncated]')" = '[0,false,true]' ]
	[ "$(cmd_field '.stdout | length')" = 16384 ]
	[ "$(cmd_field '.stderr | length')" = 16384 ]
	[ "$(cmd_field '.stdout | test("^o+$")')" = true ]
	[ "$(cmd_field '.stderr | test("^e+$")')" = true ]
	# one stream over the cap is enough
	rm "$DATA/commands.jsonl"
	run_cgi tasks "$(noproject 2)" LSHOOK_ON_TASKS="$(argv "$CMDS/output.sh" 10 20000)"
	wait_commands 1
	[ "$(cmd_field '[.truncated, (.stdout | length), (.stderr | length)]')" = '[true,10,16384]' ]
}

@test "commands: output of up to exactly 16384 bytes is kept whole, not marked truncated" {
	local n
	for n in 16383 16384; do
		rm -f "$DATA/commands.jsonl"
		run_cgi tasks "$(noproject "$n")" LSHOOK_ON_TASKS="$(argv "$CMDS/output.sh" "$n")"
		assert_http 200 .status ok
		wait_commands 1
		[ "$(cmd_field '[(.stdout | length), (.stderr | length), .truncated]')" = "[$n,$n,false]" ] ||
		    fail "$n bytes: $(cmd_field '[(.stdout | length), (.stderr | length), .truncated]')"
	done
}

@test "commands: commands.jsonl stays valid UTF-8 JSON whatever bytes a command prints" {
	local rc
	# invalid UTF-8, a NUL, quotes, and a valid two-byte character
	run_cgi tasks "$(noproject 1)" LSHOOK_ON_TASKS="$(argv "$CMDS/bytes.sh" 0 '\377\376 \000 "caf\303\251"\n')"
	assert_http 200 .status ok
	wait_commands 1
	# a valid character cut in two at the 16384-byte cap
	run_cgi tasks "$(noproject 2)" LSHOOK_ON_TASKS="$(argv "$CMDS/bytes.sh" 16383 '\303\251')"
	wait_commands 2
	rc=0
	iconv -f UTF-8 -t UTF-8 "$DATA/commands.jsonl" > /dev/null 2>&1 || rc=$?
	[ "$rc" -eq 0 ] || fail "commands.jsonl is not valid UTF-8: $(od -c "$DATA/commands.jsonl" | grep -m 3 '377\|303')"
	[ "$(cmd_field '.stdout | (index("caf\u00e9") != null) and (index("\u0000") != null)' 1)" = true ]
}

# --- at most LSHOOK_COMMAND_MAX at once ----------------------------------------------------

@test "commands: a flood runs at most LSHOOK_COMMAND_MAX commands at once, each event recorded once" {
	local flood=$BATS_TEST_TMPDIR/flood i max
	mkdir -p "$flood"
	for i in 1 2 3 4 5 6; do
		run_cgi tasks "$(task "$i")" LSHOOK_ON_TASKS="$(argv "$CMDS/flood.sh" "$flood")" \
		    LSHOOK_COMMAND_MAX=2 LSHOOK_COMMAND_TIMEOUT=3
		assert_http 200 .status ok
	done
	WAIT_S=$((WAIT_S + 10)) wait_commands 6
	# every event exactly once, each run to the end or skipped for want of a slot
	[ "$(jq -r .event_id "$DATA/commands.jsonl" | sort)" = "$(jq -r .id "$DATA/tasks.jsonl" | sort)" ] ||
	    fail "records: $(cat "$DATA/commands.jsonl")"
	run jq -c 'select((.exit == 0 and .timed_out == false) or
	    (.skipped | strings | startswith("no free slot")) | not)' "$DATA/commands.jsonl"
	[ -z "$output" ] || fail "unexpected outcome: $output"
	max=$(sort -n "$flood/seen" | tail -n 1)
	[ "$max" -le 2 ] || fail "$max ran at once: $(tr '\n' ' ' < "$flood/seen")"
	[ "$(wc -l < "$flood/seen")" -eq "$(jq -r 'select(.exit == 0) | .event_id' "$DATA/commands.jsonl" | wc -l)" ]
	# two slots only
	run ls "$DATA/state"
	refute_line command-slot-2
}

# The lock file of slot $1 is held by someone.
slot_busy() {
	[ -e "$DATA/state/command-slot-$1" ] && ! flock -n "$DATA/state/command-slot-$1" true
}

@test "commands: with no free slot within the timeout the command is skipped and recorded" {
	local first second
	# the first holds the only slot: SIGTERM ignored, killed 2 s after its 3 s
	run_cgi tasks "$(task 1)" LSHOOK_ON_TASKS="$(argv "$CMDS/sleep.sh" 60 ignore-term)" \
	    LSHOOK_COMMAND_MAX=1 LSHOOK_COMMAND_TIMEOUT=3
	first=$(answer_id)
	wait_for slot_busy 0
	# the second gives up waiting for it after 1 s
	run_cgi tasks "$(task 2)" LSHOOK_ON_TASKS="$(argv "$CMDS/record.sh" "$BATS_TEST_TMPDIR/rec")" \
	    LSHOOK_COMMAND_MAX=1 LSHOOK_COMMAND_TIMEOUT=1
	assert_http 200 .status ok
	second=$(answer_id)
	wait_commands 2
	run jq -c --arg id "$second" 'select(.event_id == $id) | del(.at)' "$DATA/commands.jsonl"
	assert_output "$(jq -cn --arg id "$second" --argjson cmd "$(argv "$CMDS/record.sh" "$BATS_TEST_TMPDIR/rec")" \
	    '{v: 1, event_id: $id, action: "TASKS_CREATED", family: "tasks", project_id: 7,
	      command: $cmd, skipped: "no free slot: LSHOOK_COMMAND_MAX commands were running"}')"
	[ ! -e "$BATS_TEST_TMPDIR/rec" ] || fail "the skipped command ran"
	run jq -c --arg id "$first" 'select(.event_id == $id) | [.timed_out, .signal]' "$DATA/commands.jsonl"
	assert_output '[true,9]'
}

# --- which command ----------------------------------------------------------------------

@test "commands: an action's command wins over its family's" {
	local fam=$BATS_TEST_TMPDIR/fam act=$BATS_TEST_TMPDIR/act
	local on=(LSHOOK_ON_TASKS="$(argv "$CMDS/record.sh" "$fam")"
	    LSHOOK_ON_TASKS_CREATED="$(argv "$CMDS/record.sh" "$act")")
	run_cgi tasks "$(noproject 1)" "${on[@]}"
	assert_http 200 .status ok
	wait_commands 1
	[ "$(cmd_field .command)" = "$(argv "$CMDS/record.sh" "$act")" ]
	run_cgi tasks '{"action":"TASKS_DELETED","tasks":[{"id":1}]}' "${on[@]}"
	assert_http 200 .status ok
	wait_commands 2
	[ "$(cmd_field .command 2)" = "$(argv "$CMDS/record.sh" "$fam")" ]
	[ "$(cut -d' ' -f1 "$act/calls")" = TASKS_CREATED ]
	[ "$(cut -d' ' -f1 "$fam/calls")" = TASKS_DELETED ]
}

@test "commands: an alias runs the command of its canonical action, and is told that action" {
	local rec=$BATS_TEST_TMPDIR/rec
	run_cgi tasks '{"action":"TASK_CREATED","tasks":[{"id":1}]}' \
	    LSHOOK_ON_TASKS_CREATED="$(argv "$CMDS/record.sh" "$rec")"
	assert_http 200 .status ok
	wait_commands 1
	grep -qx LSHOOK_ACTION=TASKS_CREATED "$rec/env"
	[ "$(cmd_field .action)" = '"TASKS_CREATED"' ]
	# the line on stdin keeps the action as sent
	[ "$(jq -r .action "$rec/stdin")" = TASK_CREATED ]
	run_cgi annotations '{"action":"ANNOTATION_DELETED","annotation":{"id":1}}' \
	    LSHOOK_ON_ANNOTATIONS_DELETED="$(argv "$CMDS/record.sh" "$rec")"
	assert_http 200 .status ok
	wait_commands 2
	[ "$(cmd_field '[.action, .family]' 2)" = '["ANNOTATIONS_DELETED","annotations"]' ]
}

@test "commands: LSHOOK_ON_<alias> is refused as an unknown setting, not ignored" {
	# Commands are looked up by canonical action (config.c is_command_key),
	# so an alias's key is no setting: 500, and nothing runs.
	run_cgi tasks '{"action":"TASK_CREATED","tasks":[{"id":1}]}' \
	    LSHOOK_ON_TASK_CREATED="$(argv "$CMDS/record.sh" "$BATS_TEST_TMPDIR/rec")"
	assert_error 500 "bad configuration" LSHOOK_ON_TASK_CREATED
}

@test "commands: the training handler runs LSHOOK_ON_TRAINING, or LSHOOK_ON_START_TRAINING first" {
	local rec=$BATS_TEST_TMPDIR/rec
	run_cgi training "$(cat "$FIXTURES/START_TRAINING.json")" PATH_INFO=/webhook \
	    LSHOOK_ON_TRAINING="$(argv "$CMDS/record.sh" "$rec")"
	assert_http 200 .status ok
	wait_commands 1
	[ "$(cmd_field '[.action, .family, .project_id, .exit]')" = '["START_TRAINING","training",1,0]' ]
	grep -qx "LSHOOK_LOG=$DATA/training.jsonl" "$rec/env"
	cmp "$rec/stdin" <(records training.jsonl)
	run_cgi training "$(jq -c '.project.title = "again"' "$FIXTURES/START_TRAINING.json")" \
	    PATH_INFO=/webhook LSHOOK_ON_TRAINING="$(argv "$CMDS/fail.sh")" \
	    LSHOOK_ON_START_TRAINING="$(argv "$CMDS/record.sh" "$rec")"
	wait_commands 2
	[ "$(cmd_field .exit 2)" = 0 ]
}

@test "commands: PROJECT_FIRST_SEEN runs LSHOOK_ON_PROJECT_FIRST_SEEN with its own line" {
	local rec=$BATS_TEST_TMPDIR/rec
	run_cgi tasks "$(task 1)" LSHOOK_ON_PROJECT_FIRST_SEEN="$(argv "$CMDS/record.sh" "$rec")"
	assert_http 200 .status ok
	wait_commands 1
	cmp "$rec/stdin" <(grep '^{"v":1,"id":"first-seen:7\.' "$DATA/projects.jsonl")
	grep -qx LSHOOK_ACTION=PROJECT_FIRST_SEEN "$rec/env"
	grep -qx LSHOOK_FAMILY=projects "$rec/env"
	# the record's own id: first-seen:<project>.<16 random hex digits>
	grep -qxE 'LSHOOK_EVENT_ID=first-seen:7\.[0-9a-f]{16}' "$rec/env"
	grep -qx LSHOOK_PROJECT_ID=7 "$rec/env"
	grep -qx "LSHOOK_LOG=$DATA/projects.jsonl" "$rec/env"
	[ "$(cmd_field '[(.event_id | sub("\\.[0-9a-f]{16}$"; "")), .action, .family, .project_id, .exit]')" = \
	    '["first-seen:7","PROJECT_FIRST_SEEN","projects",7,0]' ]
	# the project is known now: the next event runs nothing more
	run_cgi tasks "$(task 2)" LSHOOK_ON_PROJECT_FIRST_SEEN="$(argv "$CMDS/record.sh" "$rec")" \
	    LSHOOK_ON_TASKS_CREATED="$(argv "$CMDS/fail.sh" 0)"
	wait_commands 2
	[ "$(cmd_field .action 2)" = '"TASKS_CREATED"' ]
	[ "$(wc -l < "$rec/calls")" -eq 1 ]
}

@test "commands: TRAIN_REQUESTED runs LSHOOK_ON_TRAIN_REQUESTED with its own line" {
	local rec=$BATS_TEST_TMPDIR/rec i
	for i in 1 2; do
		run_cgi annotations '{"action":"ANNOTATION_CREATED","project":{"id":2},"annotation":{"id":'"$i"',"task":1}}' \
		    LSHOOK_TRAIN_EVERY=2 LSHOOK_ON_TRAIN_REQUESTED="$(argv "$CMDS/record.sh" "$rec")"
		assert_http 200 .status ok
	done
	wait_commands 1
	cmp "$rec/stdin" <(grep '"action":"TRAIN_REQUESTED"' "$DATA/training.jsonl")
	grep -qx LSHOOK_ACTION=TRAIN_REQUESTED "$rec/env"
	grep -qx LSHOOK_FAMILY=training "$rec/env"
	grep -qxE 'LSHOOK_EVENT_ID=train:2:2\.[0-9a-f]{16}' "$rec/env"
	grep -qx LSHOOK_PROJECT_ID=2 "$rec/env"
	grep -qx "LSHOOK_LOG=$DATA/training.jsonl" "$rec/env"
	[ "$(cmd_field '[(.event_id | sub("\\.[0-9a-f]{16}$"; "")), .action, .family, .project_id, .exit]')" = \
	    '["train:2:2","TRAIN_REQUESTED","training",2,0]' ]
}

@test "commands: LSHOOK_ON_ settings work from the LSHOOK_CONFIG file" {
	local rec=$BATS_TEST_TMPDIR/rec
	printf 'LSHOOK_ON_TASKS=%s\n' "$(argv "$CMDS/record.sh" "$rec")" > "$BATS_TEST_TMPDIR/lshook.conf"
	run_cgi tasks "$(noproject 1)" LSHOOK_CONFIG="$BATS_TEST_TMPDIR/lshook.conf"
	assert_http 200 .status ok
	wait_commands 1
	[ "$(cmd_field .exit)" = 0 ]
}

# --- when nothing runs --------------------------------------------------------------------

@test "commands: nothing runs for 401, 400, 202 ignored or unrecorded events" {
	local rec=$BATS_TEST_TMPDIR/rec
	local on=(LSHOOK_ON_TASKS="$(argv "$CMDS/record.sh" "$rec")"
	    LSHOOK_ON_ANNOTATIONS="$(argv "$CMDS/record.sh" "$rec")"
	    LSHOOK_ON_PROJECTS="$(argv "$CMDS/record.sh" "$rec")"
	    LSHOOK_ON_TRAINING="$(argv "$CMDS/record.sh" "$rec")")
	run_cgi tasks "$(task 1)" "${on[@]}" HTTP_AUTHORIZATION="Bearer wrong-secret-0123456789"
	assert_error 401 "bad credentials"
	run_cgi tasks '{"action":"TASKS_CREATED",' "${on[@]}"
	assert_error 400 "invalid json"
	run_cgi tasks '{"tasks":[]}' "${on[@]}"
	assert_http 400
	run_cgi annotations "$(task 1)" "${on[@]}"
	assert_http 202 .status ignored
	run_cgi tasks '{"action":"SOMETHING_NEW","project":{"id":7}}' "${on[@]}"
	assert_http 202 .status ignored
	run_cgi training '{"action":"PROJECT_UPDATED","project":{"id":7}}' "${on[@]}" \
	    PATH_INFO=/webhook HTTP_AUTHORIZATION=
	assert_http 200 .status "Unknown event"
	run_cgi training '' "${on[@]}" PATH_INFO=/health REQUEST_METHOD=GET CONTENT_LENGTH=
	assert_http 200 .status UP
	# a recorded event after them all: its command is the only one
	run_cgi tasks "$(noproject 1)" "${on[@]}"
	assert_http 200 .status ok
	wait_commands 1
	[ "$(cmd_field .event_id)" = "\"$(answer_id)\"" ]
	wait_for test -e "$rec/calls"
	[ "$(cat "$rec/calls")" = "TASKS_CREATED $(answer_id)" ]
	[ -z "$(find "$DATA/state" -path '*projects/*' 2>/dev/null)" ]
}

@test "commands: a header or a body field cannot name the program" {
	local mine=$BATS_TEST_TMPDIR/mine theirs=$BATS_TEST_TMPDIR/theirs
	local bad
	bad=$(argv "$CMDS/record.sh" "$theirs")
	# no command configured: an HTTP_LSHOOK_ON_TASKS header changes nothing
	run_cgi tasks "$(noproject 1)" HTTP_LSHOOK_ON_TASKS="$bad" HTTP_LSHOOK_ON_TASKS_CREATED="$bad"
	assert_http 200 .status ok
	[ -z "$stderr" ] || fail "stderr: $stderr"
	# one configured: the header and body fields do not replace it
	run_cgi tasks '{"action":"TASKS_CREATED","LSHOOK_ON_TASKS":'"$bad"',"command":'"$bad"',"tasks":[{"id":2}]}' \
	    LSHOOK_ON_TASKS="$(argv "$CMDS/record.sh" "$mine")" HTTP_LSHOOK_ON_TASKS="$bad"
	assert_http 200 .status ok
	wait_commands 1
	[ "$(cmd_field .command)" = "$(argv "$CMDS/record.sh" "$mine")" ]
	[ "$(cmd_field .event_id)" = "\"$(answer_id)\"" ]
	[ ! -e "$theirs" ] || fail "the request chose the program"
	# the same over FastCGI, where headers are params like the server's own
	start_fcgi tasks LSHOOK_ON_TASKS="$(argv "$CMDS/record.sh" "$mine")"
	fcgi_request "$(noproject 2)" HTTP_LSHOOK_ON_TASKS="$bad" HTTP_LSHOOK_ON_TASKS_CREATED="$bad"
	assert_http 200 .status ok
	wait_commands 2
	[ "$(cmd_field .command 2)" = "$(argv "$CMDS/record.sh" "$mine")" ]
	[ ! -e "$theirs" ] || fail "the request chose the program"
}

# --- configuration ------------------------------------------------------------------------

@test "commands: a bad command setting is 500 bad configuration and stores nothing" {
	local plain=$BATS_TEST_TMPDIR/plain.sh setting
	printf '#!/bin/sh\necho hi\n' > "$plain"
	chmod 0644 "$plain"
	for setting in \
	    "LSHOOK_ON_TASKS=[\"tests/fixtures/commands/record.sh\"]" \
	    "LSHOOK_ON_TASKS=[\"record.sh\"]" \
	    "LSHOOK_ON_TASKS=[\"$plain\"]" \
	    "LSHOOK_ON_TASKS=[\"$BATS_TEST_TMPDIR/missing\"]" \
	    "LSHOOK_ON_TASKS=$CMDS/record.sh" \
	    "LSHOOK_ON_TASKS=\"$CMDS/record.sh\"" \
	    "LSHOOK_ON_TASKS={\"program\":\"$CMDS/record.sh\"}" \
	    "LSHOOK_ON_TASKS=[]" \
	    "LSHOOK_ON_TASKS=[1]" \
	    "LSHOOK_ON_TASKS=[\"$CMDS/record.sh\",2]" \
	    "LSHOOK_ON_TASKS=[\"$CMDS/record.sh\"" \
	    "LSHOOK_ON_TASKS=[\"$CMDS/record.sh\",null]" \
	    "LSHOOK_ON_ANNOTATIONS=[\"relative\"]" \
	    "LSHOOK_ON_PROJECT_FIRST_SEEN=[]" \
	    "LSHOOK_ON_FOO=[\"$CMDS/record.sh\"]" \
	    "LSHOOK_ON_tasks=[\"$CMDS/record.sh\"]" \
	    "LSHOOK_ON_=[\"$CMDS/record.sh\"]" \
	    "LSHOOK_COMMAND_TIMEOUT=0" \
	    "LSHOOK_COMMAND_TIMEOUT=x" \
	    "LSHOOK_COMMAND_MAX=0" \
	    "LSHOOK_COMMAND_MAX=65"; do
		rm -rf "$DATA" && mkdir "$DATA"
		run_cgi tasks "$(task 1)" "$setting"
		assert_error 500 "bad configuration" "${setting%%=*}"
	done
}

@test "commands: a directory is not an executable program" {
	run_cgi tasks "$(task 1)" LSHOOK_ON_TASKS='["/usr/bin"]'
	assert_error 500 "bad configuration" LSHOOK_ON_TASKS
}

@test "commands: a program that cannot be started is recorded as exit 127" {
	# Under valgrind the supervisor's child is valgrind's, which cannot
	# survive a failed execve ("EXEC FAILED ... I'm dying", exit 101).
	[ "${VALGRIND:-0}" != 1 ] || skip "valgrind ends a process whose execve fails"
	local prog=$BATS_TEST_TMPDIR/broken.sh
	# the program is checked when the configuration is built; a file with a
	# missing interpreter passes that check but cannot be executed
	printf '#!/nonexistent/interpreter\n' > "$prog"
	chmod +x "$prog"
	run_cgi tasks "$(noproject 1)" LSHOOK_ON_TASKS="$(argv "$prog")"
	assert_http 200 .status ok
	wait_commands 1
	[ "$(cmd_field '[.exit, .signal, .timed_out]')" = '[127,null,false]' ]
}
