#!/usr/bin/env bats
# readme.bats: the README's examples run, so they cannot go stale.  Every
# ```sh and ```python block of README.md either runs here or is marked
# "<!-- readme.bats: not run: REASON -->" on the line before it; a new
# block that is neither fails the first test, by name.
#
# The tour runs once (setup_file) as written, with only its port and run
# folder moved to ones this file picks; then lighttpd is started again on
# the data it left, and the other blocks run against it, in this folder
# (the dataset block in a folder of its own, as a dataset repository).
# Where the README shows what a command prints (lines "#   TEXT" after
# it, "..." for what differs between runs, such as ids and times), those
# lines must come out, whole and in that order.
load helpers

# The blocks this file runs: "SECTION N" (the Nth block of "## SECTION").
RUN_BLOCKS=(
	"A ten-minute tour 1"
	"Authentication 1"
	"Settings 1"
	"The logs 1"
	"The logs 2"
	"What lshook does with events 1"
	"Dataset versioning 1"
)

# blocks: every ```sh or ```python block of the README, one per line:
# "SECTION N<TAB>run" or "SECTION N<TAB>not run: REASON" (the marker on
# the line before).  Blocks before the first section are in "(top)".
blocks() {
	awk '
	    /^## / { section = substr($0, 4); k = 0 }
	    /^```(sh|python)$/ {
		k++
		mark = "run"
		if (prev ~ /^<!-- readme\.bats: not run: .*-->$/) {
			mark = prev
			sub(/^<!-- readme\.bats: /, "", mark)
			sub(/ -->$/, "", mark)
		}
		printf "%s %d\t%s\n", section == "" ? "(top)" : section, k, mark
	    }
	    { prev = $0 }' "$ROOT/README.md"
}

# block SECTION N: the Nth ```sh or ```python block after "## SECTION".
block() {
	awk -v h="## $1" -v n="$2" '
	    $0 == h { in_section = 1; next }
	    in_section && /^## / { exit }
	    in_section && /^```(sh|python)$/ { k++; if (k == n) { copy = 1; next } }
	    copy && /^```$/ { exit }
	    copy { print }' "$ROOT/README.md"
}

# as_run SCRIPT: the README's commands with this file's port and run
# folder, make quiet; nothing else changes.
as_run() {
	printf '%s\n' "$1" |
	    sed -e "s|127.0.0.1:8089|127.0.0.1:$LSHOOK_PORT|g" \
	        -e "s|run/secret|$LSHOOK_RUN_DIR/secret|g" \
	        -e "s|\$PWD/run/data|$LSHOOK_RUN_DIR/data|g" \
	        -e "s|\([ \"]\)run/data/|\1$LSHOOK_RUN_DIR/data/|g" \
	        -e "s|^make run|make -s run|; s|^make stop|make -s stop|"
}

# assert_shown SCRIPT: every "#   TEXT" line of SCRIPT is a whole line of
# $output ("\r" dropped), in the same order; "..." stands for any text
# without a double quote.
assert_shown() {
	local want=() line re i=0 n
	while IFS= read -r line; do
		[[ $line == '#   '* ]] && want+=("${line:4}")
	done <<<"$1"
	[ "${#want[@]}" -gt 0 ] || fail "the block shows no output"
	n=${#want[@]}
	while IFS= read -r line && [ "$i" -lt "$n" ]; do
		re=$(printf '%s' "${want[$i]}" |
		    sed -e 's/[][\.*^$+?(){}|/]/\\&/g' -e 's/\\\.\\\.\\\./[^"]*/g')
		[[ ${line%$'\r'} =~ ^$re$ ]] && i=$((i + 1))
	done <<<"$output"
	[ "$i" -eq "$n" ] ||
	    fail "the README shows '${want[$i]}', not printed (in order) by:
$output"
}

stop_server() {
	if [ -f "$LSHOOK_RUN_DIR/lighttpd.pid" ]; then
		kill -TERM "$(cat "$LSHOOK_RUN_DIR/lighttpd.pid")" 2>/dev/null || true
		rm -f "$LSHOOK_RUN_DIR/lighttpd.pid"
	fi
}

setup_file() {
	export LSHOOK_RUN_DIR=$BATS_FILE_TMPDIR/run LSHOOK_PORT
	LSHOOK_PORT=$(free_port)
	local script
	# tail -f follows forever
	script=$(block "A ten-minute tour" 1 | grep -v 'tail -f')
	cd "$ROOT" || return 1
	bash -ec "$(as_run "$script")" > "$BATS_FILE_TMPDIR/tour.out" 2>&1
	echo $? > "$BATS_FILE_TMPDIR/tour.status"
	# the tour ends with make stop; the next examples need the server
	make -s run > "$BATS_FILE_TMPDIR/run.out" 2>&1 || true
	# what the tour exported
	export LSHOOK_SECRET LSHOOK_DATA_DIR=$LSHOOK_RUN_DIR/data
	LSHOOK_SECRET=$(cat "$LSHOOK_RUN_DIR/secret")
}

teardown_file() { stop_server; }

@test "readme: every sh and python block runs here or is marked not run" {
	local b name found unlisted=""
	for b in "${RUN_BLOCKS[@]}"; do
		blocks | grep -qxF "$b"$'\t'run ||
		    fail "no unmarked block '$b' in README.md"
	done
	while IFS=$'\t' read -r name mark; do
		[ "$mark" = run ] || continue
		found=0
		for b in "${RUN_BLOCKS[@]}"; do
			[ "$b" = "$name" ] && found=1
		done
		[ "$found" = 1 ] || unlisted="$unlisted '$name'"
	done < <(blocks)
	[ -z "$unlisted" ] || fail "README blocks neither run by readme.bats nor marked
'<!-- readme.bats: not run: REASON -->':$unlisted"
	[ "$(blocks | grep -c $'\tnot run: ')" -ge 2 ]
}

@test "readme: the ten-minute tour runs as written and prints what it shows" {
	output=$(cat "$BATS_FILE_TMPDIR/tour.out")
	[ "$(cat "$BATS_FILE_TMPDIR/tour.status")" -eq 0 ] || fail "tour failed: $output"
	assert_shown "$(block "A ten-minute tour" 1)"
	# each fixture exactly once in the --all run, none a duplicate
	[ "$(grep -c '^tests/fixtures/labelstudio-docs/.*: 20[02] ' <<<"$output")" -eq 9 ]
	refute_output --partial '{"status":"duplicate"'
	[ "$(wc -l < "$LSHOOK_DATA_DIR/annotations.jsonl")" -eq 3 ]
}

@test "readme: the authentication example (Bearer, then HMAC) is answered 200 twice" {
	[ -f "$LSHOOK_RUN_DIR/lighttpd.pid" ] || fail "make run: $(cat "$BATS_FILE_TMPDIR/run.out")"
	script=$(block "Authentication" 1)
	cd "$ROOT"
	run bash -ec "$(as_run "$script")"
	assert_success
	assert_shown "$script"
	[ "$(grep -c '^HTTP/1.1 200 OK' <<<"$output")" -eq 2 ]
}

@test "readme: the install check of Settings answers ok and stores nothing" {
	[ -f "$LSHOOK_RUN_DIR/lighttpd.pid" ] || fail "make run: $(cat "$BATS_FILE_TMPDIR/run.out")"
	local before
	script=$(block "Settings" 1)
	[[ $script == *'?check'* ]] || fail "not the check block: $script"
	before=$(cat "$LSHOOK_RUN_DIR"/data/*.jsonl | wc -l)
	script=$(printf '%s\n' "$script" |
	    sed -e "s|https://your.host|http://127.0.0.1:$LSHOOK_PORT|g" \
	        -e "s|<secret>|$(head -n 1 "$LSHOOK_RUN_DIR/secret")|g")
	run bash -ec "$script"
	assert_success
	[ "$(jq -r '.status + " " + .check.handler' <<<"$output")" = "ok tasks" ] ||
	    fail "answer: $output"
	[ "$(cat "$LSHOOK_RUN_DIR"/data/*.jsonl | wc -l)" -eq "$before" ]
}

@test "readme: the jq examples run on the tour's logs" {
	script=$(block "The logs" 1)
	cd "$ROOT"
	run --separate-stderr bash -ec "$(as_run "$script")"
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	assert_shown "$script"
}

@test "readme: the Python example runs on the tour's logs" {
	script=$(block "The logs" 2)
	cd "$ROOT"
	run --separate-stderr /usr/bin/python3 -c "$(as_run "$script")"
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	# what the README says it prints
	grep -qF 'it prints one line, `2026-... TASKS_CREATED [21, 22, 23]`' "$ROOT/README.md"
	[[ $output =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\ TASKS_CREATED\ \[21,\ 22,\ 23\]$ ]] ||
	    fail "$output"
}

@test "readme: lshook ontology show prints the tour's project and its counts" {
	script=$(block "What lshook does with events" 1)
	cd "$ROOT"
	run --separate-stderr bash -ec "$(as_run "$script")"
	assert_success
	[ -z "$stderr" ] || fail "$stderr"
	assert_shown "$script"
}

@test "readme: the dataset example runs in a dataset folder and prints what it shows" {
	script=$(block "Dataset versioning" 1)
	mkdir "$BATS_TEST_TMPDIR/dataset"
	cd "$BATS_TEST_TMPDIR/dataset"
	PATH=$ROOT/bin:$PATH run --separate-stderr bash -c "$(as_run "$script")"
	# the last command, diff, exits 1: the two sides differ
	[ "$status" -eq 1 ] || fail "status $status: $stderr"
	[ -z "$stderr" ] || fail "$stderr"
	assert_shown "$script"
	# the id prefix stopped after the tour's first event: its three tasks
	[ "$(grep -c '^{"annotations":\[\],' <<<"$output")" -eq 3 ]
	[ "$(stat -c %a data) $(stat -c %a v1)" = "750 750" ]
	[ "$(cat v1/labels.json)" = $'[\n]' ]
}
