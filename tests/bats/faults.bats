#!/usr/bin/env bats
# faults.bats: the append path under faults, through real servers.
#
#   concurrency  16 clients, 2000 events of mixed sizes through lighttpd
#   crash        handlers SIGKILLed under load (lighttpd respawns them)
#   disk full    a 1 MiB tmpfs as the data directory
#   rotation     logs renamed under load, as logrotate's create mode does
#   paths        unwritable, missing, inside the document root, symlinked
#   SIGTERM      in the middle of a request, and under load
#
# Load comes from tests/torture/load.py (bounded: a fixed number of
# requests and a time limit, 127.0.0.1 only), each body unique (a marker
# "lshk-<run>-<n>-") because deduplication is on in lighttpd/lshook.conf.
# tests/torture/verify.py then holds the logs against the answers: every
# event answered 2xx is recorded exactly once, with the answer's id, every
# line is a whole record, none is glued or unexplained.  Every process a
# test starts is stopped by its PID in teardown.
load helpers

LSHOOK=$ROOT/bin/lshook
TORTURE=$ROOT/tests/torture
PY=/usr/bin/python3

setup() {
	setup_data
	T=$BATS_TEST_TMPDIR
	MOUNTS=()
	IMMUTABLE=()
	BG_PIDS=()
}

teardown() {
	local pid m
	for pid in "${BG_PIDS[@]}"; do
		pkill -TERM -P "$pid" 2>/dev/null	# its children (load.py)
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	stop_lighttpd_guarded
	stop_fcgi_guarded || true
	for m in "${IMMUTABLE[@]}"; do
		chattr -i "$m" 2>/dev/null
	done
	for m in "${MOUNTS[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	[ -z "${NOBODY_DIR:-}" ] || rm -rf "$NOBODY_DIR"
	return 0
}

# stop_lighttpd / stop_fcgi with a watchdog that SIGKILLs the server if
# SIGTERM has not ended it within 30 s (as lighttpd.bats and fastcgi.bats).
watchdog() {
	local pid=$1
	(
		for _ in $(seq 300); do
			kill -0 "$pid" 2>/dev/null || exit 0
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	) 3>&- &
	DOG=$!
}
stop_lighttpd_guarded() {
	[ -n "${LIGHTTPD_PID:-}" ] || return 0
	watchdog "$LIGHTTPD_PID"
	stop_lighttpd || true
	wait "$DOG" 2>/dev/null
	return 0
}
stop_fcgi_guarded() {
	[ -n "${FCGI_PID:-}" ] || return 0
	local rc=0
	watchdog "$FCGI_PID"
	stop_fcgi || rc=$?
	wait "$DOG" 2>/dev/null
	return "$rc"
}

# start_lighttpd_www WWW: start_lighttpd with WWW as the document root
# (a copy whose hooks/ link to the real handlers), header auth only.
start_lighttpd_www() {
	mkdir -p "$1/hooks"
	ln -sf "$HOOKS"/*.fcgi "$1/hooks/"
	LIGHTTPD_WWW=$1 LIGHTTPD_AUTH=header start_lighttpd
}

# A TASKS_CREATED body for task $1 of about $2 bytes (default 200); the
# same arguments give the same bytes.
task() {
	local pad=
	[ "${2:-0}" -gt 120 ] && pad=$(head -c $(($2 - 120)) /dev/zero | tr '\0' p)
	printf '{"action":"TASKS_CREATED","project":{"id":7},"tasks":[{"id":%s,"data":{"text":"lshk-t-%s-%s"}}]}' \
	    "$1" "$1" "$pad"
}

# load_run NAME [load.py options]: post through lighttpd with load.py; the
# answers go to $T/NAME.tsv.  At most 100 s.
load_run() {
	local name=$1
	shift
	"$PY" "$TORTURE/load.py" --url "$BASE_URL" --secret "$SECRET" --run f \
	    --families tasks,annotations --max-seconds 100 --out "$T/$name.tsv" "$@" \
	    2>> "$T/load.err" 3>&-
}

# close_logs NAME: one more event per family, retried until both are
# answered 200 (handlers may be respawning): ends any torn tail.  The
# answers go to $T/NAME-*.tsv.
close_logs() {
	local try
	for try in $(seq 40); do
		load_run "$1-$try" --first $((1000000 + try * 10)) --count 2 --clients 1
		[ "$(awk -F'\t' '$4 == 200' "$T/$1-$try.tsv" | wc -l)" -eq 2 ] && return 0
		sleep 0.25
	done
	fail "the handlers did not come back: $(cat "$T/$1-$try.tsv")"
}

# verify [verify.py options]: hold $DATA against every $T/*.tsv; the
# summary goes to $T/summary.json.
verify() {
	run "$PY" "$TORTURE/verify.py" --data "$DATA" --run f --results "$T"/*.tsv \
	    --summary "$T/summary.json" "$@"
	[ "$status" -eq 0 ] || fail "verify: $output"
}
summary() { jq -r "$1" "$T/summary.json"; }

# Report a number observed, as a TAP comment.
note() { printf '# %s\n' "$*" >&3; }

# The number of answers in $T/NAME.tsv other than 200.
not_200() { awk -F'\t' '$4 != 200' "$T/$1.tsv" | wc -l; }

# What went wrong with the answers of $T/NAME.tsv: a few of them, and the
# end of lighttpd's logs.
answers_failed() {
	echo "not answered 200: $(awk -F'\t' '$4 != 200' "$T/$1.tsv" | head -n 5)"
	echo "lighttpd: $(tail -n 5 "$T/lighttpd/stderr" "$T/lighttpd/error.log" 2>/dev/null)"
}

# lshook check, under valgrind with VALGRIND=1.
lshook_check() {
	run --separate-stderr "${VALGRIND_CMD[@]}" "$LSHOOK" check "$@"
	assert_clean_run
}

# Every problem `lshook check --json` reports is a torn line, and they
# are exactly the torn lines verify.py found.
assert_check_reports_torn() {
	lshook_check -d "$DATA" --json
	local want got
	want=$(summary '.torn[]' | sort)
	if [ -z "$want" ]; then
		[ "$status" -eq 0 ] || fail "lshook check: exit $status: $output $stderr"
		return 0
	fi
	[ "$status" -eq 1 ] || fail "lshook check exit $status: $output"
	got=$(jq -r '.problems[] | "\(.log):\(.line)"' <<<"$output" | sort)
	[ "$got" = "$want" ] || fail "lshook check reported $got, the torn lines are $want: $output"
	[ "$(jq -r '[.problems[].kind] | unique | join(",")' <<<"$output")" = torn ] ||
	    fail "problems other than torn lines: $output"
}

# --- load ------------------------------------------------------------------

@test "faults: 16 clients post 2000 events of mixed sizes: each exactly once, whole lines" {
	start_lighttpd
	# 1940 of 1-3 KB, 50 of 100 KB, 10 of 3 MB, to tasks and annotations
	load_run load --count 2000 --clients 16 --medium 50 --large 10
	[ "$(wc -l < "$T/load.tsv")" -eq 2000 ]
	[ "$(not_200 load)" -eq 0 ] || fail "$(answers_failed load)"
	verify
	[ "$(summary .acked)" -eq 2000 ]
	[ "$(summary .torn)" = "[]" ]
	# the records are the 2000 events and the project's first-seen, no more
	[ "$(summary .records)" -eq 2001 ] || fail "$(cat "$T/summary.json")"
	[ "$(cat "$DATA/tasks.jsonl" "$DATA/annotations.jsonl" | wc -l)" -eq 2000 ]
	assert_wellformed_log "$DATA/tasks.jsonl"
	assert_wellformed_log "$DATA/annotations.jsonl"
	lshook_check -d "$DATA"
	[ "$status" -eq 0 ] || fail "lshook check: exit $status: $output $stderr"
	[[ ${lines[-1]} == *" records in "*" logs, 0 problems" ]]
	note "concurrency: 2000 events acknowledged, $(summary .records) records, $(du -sh "$DATA" | cut -f1)"
}

@test "faults: handlers SIGKILLed under load: acknowledged events kept once, torn lines isolated and reported" {
	start_lighttpd
	(load_run load --count 3000 --clients 16 --medium 60 --large 30 --backoff 0.2
	    : > "$T/done") 3>&- &
	local load=$!
	BG_PIDS+=("$load")
	# half of the kills land on a handler holding a log's lock (mid-append)
	"$PY" "$TORTURE/killer.py" --parent "$LIGHTTPD_PID" --data "$DATA" \
	    --kills 10 --gap-min 0.1 --gap-max 0.4 --until-file "$T/done" \
	    --max-seconds 100 > "$T/kills.txt" 3>&-
	wait "$load"
	local kills
	kills=$(awk '$1 == "kills" { print $2 }' "$T/kills.txt")
	[ "${kills:-0}" -ge 3 ] || fail "only ${kills:-0} kills landed: $(cat "$T/kills.txt")"
	# lighttpd respawned them; the next append ends any torn tail
	close_logs close
	verify --allow-unacked --max-torn "$kills"
	assert_check_reports_torn
	local f
	for f in tasks annotations; do
		[ "$(tail -c 1 "$DATA/$f.jsonl" | od -An -c | tr -d ' ')" = '\n' ]
	done
	note "crash: $(summary .sent) events, $(summary .acked) acknowledged, $kills kills" \
	    "($(tail -n 1 "$T/kills.txt")), torn lines: $(summary '.torn | length')" \
	    "$(summary '.torn | join(" ")'), recorded without an answer: $(summary .unacked_recorded)"
}

@test "faults: logs renamed under load: nothing lost, nothing twice, new lines go to the new file" {
	start_lighttpd
	(load_run load --count 3000 --clients 16 --medium 20 --large 4; : > "$T/done") 3>&- &
	local load=$!
	BG_PIDS+=("$load")
	# logrotate's create mode: rename, then create the new file (unless a
	# handler was first)
	local n=0 f
	while [ ! -e "$T/done" ] && [ "$n" -lt 2000 ]; do
		sleep 0.02
		n=$((n + 1))
		for f in tasks annotations; do
			mv "$DATA/$f.jsonl" "$DATA/$f.jsonl.$n" 2>/dev/null || continue
			(set -C; : > "$DATA/$f.jsonl") 2>/dev/null && chmod 640 "$DATA/$f.jsonl"
		done
	done
	wait "$load"
	[ "$(not_200 load)" -eq 0 ] || fail "$(answers_failed load)"
	local rotated
	rotated=$(ls "$DATA" | grep -c '\.jsonl\.[0-9]*$')
	[ "$rotated" -ge 20 ] || fail "only $rotated rotations"
	# once more, then quiet: 20 more events land in the new files only
	n=$((n + 1))
	for f in tasks annotations; do
		mv "$DATA/$f.jsonl" "$DATA/$f.jsonl.$n"
	done
	local sizes
	sizes=$(stat -c '%n %s' "$DATA"/*.jsonl.*)
	load_run after --first 500000 --count 20 --clients 4
	[ "$(not_200 after)" -eq 0 ] || fail "$(answers_failed after)"
	[ "$(stat -c '%n %s' "$DATA"/*.jsonl.*)" = "$sizes" ] || fail "a rotated log grew"
	[ "$(grep -c 'lshk-f-5000[0-9][0-9]-' "$DATA/tasks.jsonl" "$DATA/annotations.jsonl" |
	    awk -F: '{ s += $2 } END { print s }')" -eq 20 ]
	[ "$(stat -c %a "$DATA/tasks.jsonl")" = 640 ]
	verify --rotated
	[ "$(summary .acked)" -eq 3020 ]
	lshook_check -d "$DATA"
	[ "$status" -eq 0 ] || fail "lshook check: exit $status: $output $stderr"
	note "rotation: $((rotated + 2)) rotated files, 3020 events, each once"
}

# --- disk full ---------------------------------------------------------------

@test "faults: disk full: 503 write failed, no partial line; once space returns the next event is written" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount a tmpfs"
	DATA=$T/full
	mkdir -p "$DATA"
	mount -t tmpfs -o size=1m,mode=0750 tmpfs "$DATA" 2>/dev/null ||
	    skip "cannot mount a tmpfs here"
	MOUNTS+=("$DATA")
	# the shipped configuration: deduplication on
	start_fcgi tasks LSHOOK_DEDUP_WINDOW=86400
	fcgi_request "$(task 0 3000)"
	assert_http 200 .status ok
	# leave about 40 KiB (the loop variable is not "i": bats 1.8's run
	# sets a variable of that name in its caller)
	local avail
	avail=$(df --output=avail -B1 "$DATA" | tail -n 1)
	head -c $((avail - 40960)) /dev/zero > "$DATA/filler"
	local k before after nl ok=0 full=0 refused=()
	for k in $(seq 1 30); do
		before=$(stat -c %s "$DATA/tasks.jsonl")
		nl=$(wc -l < "$DATA/tasks.jsonl")
		fcgi_request "$(task "$k" 3000)"
		after=$(stat -c %s "$DATA/tasks.jsonl")
		case $http_status in
		200)
			ok=$((ok + 1))
			# grown by exactly this one record
			[ "$(wc -l < "$DATA/tasks.jsonl")" -eq $((nl + 1)) ]
			[ $((after - before)) -eq $(($(tail -n 1 "$DATA/tasks.jsonl" | wc -c))) ]
			tail -n 1 "$DATA/tasks.jsonl" | grep -q "lshk-t-$k-" ||
			    fail "request $k: last line $(tail -n 1 "$DATA/tasks.jsonl" | head -c 200)" ;;
		503)
			full=$((full + 1))
			refused+=("$k")
			[ "$http_body" = '{"status":"error","error":"write failed"}' ] ||
			    fail "body: $http_body"
			[[ $stderr == *"lshook-tasks: 503 write failed"*"No space left on device"* ]] ||
			    fail "stderr: $stderr"
			[ "$after" -eq "$before" ] || fail "a refused write left $((after - before)) bytes" ;;
		*)
			fail "request $k: $http_status $http_body $stderr" ;;
		esac
		[ "$(tail -c 1 "$DATA/tasks.jsonl" | od -An -c | tr -d ' ')" = '\n' ]
	done
	[ "$ok" -ge 2 ] && [ "$full" -ge 10 ] || fail "$ok stored, $full refused"
	assert_wellformed_log "$DATA/tasks.jsonl"
	[ "$(log_lines tasks.jsonl)" -eq $((ok + 1)) ]
	lshook_check -d "$DATA"
	[ "$status" -eq 0 ] || fail "lshook check: exit $status: $output $stderr"
	# space returns: the next event is written, by the same process
	rm "$DATA/filler"
	fcgi_request "$(task 100 3000)"
	assert_http 200 .status ok
	tail -n 1 "$DATA/tasks.jsonl" | grep -q 'lshk-t-100-'
	# a refused event was not remembered as delivered: sent again, it is stored
	fcgi_request "$(task "${refused[0]}" 3000)"
	assert_http 200 .status ok
	tail -n 1 "$DATA/tasks.jsonl" | grep -q "lshk-t-${refused[0]}-"
	assert_wellformed_log "$DATA/tasks.jsonl"
	stop_fcgi_guarded	# exit status 0 (and no valgrind report)
	note "disk full: $ok stored, $full refused with 503 while full"
}

# --- permissions and paths ------------------------------------------------

@test "faults: an immutable data directory (chattr +i) is 500 with one stderr line, nothing written" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	chattr +i "$DATA" 2>/dev/null || skip "chattr +i is not supported here"
	IMMUTABLE+=("$DATA")
	run_cgi tasks "$(task 1)"
	assert_error 500 "data directory unusable" "Operation not permitted"
	run_cgi tasks "$(task 1)" LSHOOK_DEDUP_WINDOW=86400
	assert_error 500 "data directory unusable" "Operation not permitted"
	[ -z "$(ls -A "$DATA")" ]
}

@test "faults: a data directory on a read-only mount is 500, its logs untouched" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	run_cgi tasks "$(task 1)"
	assert_http 200
	cp -a "$DATA" "$T/before"
	mount --bind "$DATA" "$DATA" 2>/dev/null || skip "cannot bind-mount here"
	MOUNTS+=("$DATA")
	mount -o remount,ro,bind "$DATA" 2>/dev/null || skip "cannot remount read-only"
	run_cgi tasks "$(task 2)"
	assert_http 500 .error "data directory unusable"
	assert_diag 500 "data directory unusable"
	[[ $stderr == *"Read-only file system"* ]] || fail "stderr: $stderr"
	run_cgi tasks "$(task 3)" LSHOOK_DEDUP_WINDOW=86400
	assert_http 500 .error "data directory unusable"
	assert_diag 500 "data directory unusable"
	diff -r "$T/before" "$DATA" || fail "the data directory changed"
}

@test "faults: a data directory the handler's user cannot write is 500, nothing written" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	command -v setpriv > /dev/null || skip "no setpriv"
	NOBODY_DIR=$(mktemp -d /tmp/lshook-faults.XXXXXX)
	chmod 755 "$NOBODY_DIR"
	DATA=$NOBODY_DIR/data
	mkdir -m 755 "$DATA"
	CGI_WRAPPER=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	run_cgi tasks "$(task 1)"
	assert_error 500 "data directory unusable" "Permission denied"
	run_cgi tasks "$(task 1)" LSHOOK_DEDUP_WINDOW=86400
	assert_error 500 "data directory unusable" "Permission denied"
	[ -z "$(ls -A "$DATA")" ]
}

@test "faults: lighttpd: a missing data directory is 500 with one error-log line, and is not created" {
	DATA=$T/missing
	start_lighttpd
	local code
	code=$(curl -sS --max-time 30 -o "$T/body" -w '%{http_code}' \
	    -H 'Content-Type: application/json' -H "Authorization: Bearer $SECRET" \
	    --data-binary "$(task 1)" "$BASE_URL/hooks/tasks.fcgi")
	[ "$code" = 500 ] || fail "got $code: $(cat "$T/body")"
	[ "$(cat "$T/body")" = '{"status":"error","error":"data directory unusable"}' ]
	stop_lighttpd_guarded	# flushes the error log
	local log=$T/lighttpd/error.log
	[ "$(grep -c 'lshook-' "$log")" -eq 1 ] || fail "error log: $(cat "$log")"
	grep -q "lshook-tasks: 500 data directory unusable: .*$T/missing" "$log" ||
	    fail "error log: $(cat "$log")"
	[ ! -e "$T/missing" ]
}

@test "faults: lighttpd: a data directory inside the document root is refused, nothing written there" {
	local www=$T/www
	DATA=$www/lshook-data
	mkdir -p "$DATA"
	start_lighttpd_www "$www"
	local code
	code=$(curl -sS --max-time 30 -o "$T/body" -w '%{http_code}' \
	    -H 'Content-Type: application/json' -H "Authorization: Bearer $SECRET" \
	    --data-binary "$(task 1)" "$BASE_URL/hooks/tasks.fcgi")
	[ "$code" = 500 ] || fail "got $code: $(cat "$T/body")"
	[ "$(cat "$T/body")" = '{"status":"error","error":"data directory unusable"}' ]
	# and reached through a symlink from outside: the same
	stop_lighttpd_guarded
	ln -s "$www/lshook-data" "$T/data-link"
	DATA=$T/data-link
	start_lighttpd_www "$www"
	code=$(curl -sS --max-time 30 -o "$T/body" -w '%{http_code}' \
	    -H 'Content-Type: application/json' -H "Authorization: Bearer $SECRET" \
	    --data-binary "$(task 2)" "$BASE_URL/hooks/tasks.fcgi")
	[ "$code" = 500 ] || fail "got $code: $(cat "$T/body")"
	stop_lighttpd_guarded
	local log=$T/lighttpd/error.log
	[ "$(grep -c 'lshook-tasks: 500 data directory unusable' "$log")" -eq 2 ] ||
	    fail "error log: $(cat "$log")"
	[ "$(grep -c 'inside the document root' "$log")" -eq 2 ] || fail "error log: $(cat "$log")"
	# nothing but the links to the handlers in the document root
	run find "$www" -not -type d -not -type l
	[ -z "$output" ] || fail "written in the document root: $output"
}

@test "faults: lighttpd: a log replaced by a symlink while handlers hold it open is refused" {
	start_lighttpd
	local k code target=$T/elsewhere.jsonl
	for k in 1 2 3 4; do
		code=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' \
		    -H 'Content-Type: application/json' -H "Authorization: Bearer $SECRET" \
		    --data-binary "$(task "$k")" "$BASE_URL/hooks/tasks.fcgi")
		[ "$code" = 200 ]
	done
	printf 'keep\n' > "$target"
	mv "$DATA/tasks.jsonl" "$DATA/tasks.jsonl.1"
	ln -s "$target" "$DATA/tasks.jsonl"
	for k in 5 6 7 8; do
		code=$(curl -sS --max-time 30 -o "$T/body" -w '%{http_code}' \
		    -H 'Content-Type: application/json' -H "Authorization: Bearer $SECRET" \
		    --data-binary "$(task "$k")" "$BASE_URL/hooks/tasks.fcgi")
		[ "$code" = 500 ] || fail "request $k: $code $(cat "$T/body")"
		[ "$(cat "$T/body")" = '{"status":"error","error":"data directory unusable"}' ]
	done
	[ "$(cat "$target")" = keep ] || fail "the symlink's target was written: $(head -c 300 "$target")"
	[ -L "$DATA/tasks.jsonl" ]
	[ "$(wc -l < "$DATA/tasks.jsonl.1")" -eq 4 ]
	# the link gone, writing resumes in a new file
	rm "$DATA/tasks.jsonl"
	code=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' \
	    -H 'Content-Type: application/json' -H "Authorization: Bearer $SECRET" \
	    --data-binary "$(task 9)" "$BASE_URL/hooks/tasks.fcgi")
	[ "$code" = 200 ]
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	stop_lighttpd_guarded
	local log=$T/lighttpd/error.log
	[ "$(grep -c 'lshook-' "$log")" -eq 4 ] || fail "error log: $(cat "$log")"
	[ "$(grep -c "lshook-tasks: 500 data directory unusable: cannot open log 'tasks.jsonl'" "$log")" -eq 4 ] ||
	    fail "error log: $(cat "$log")"
}

# --- SIGTERM -------------------------------------------------------------

@test "faults: SIGTERM while a request's body is arriving: the request is finished, then the process exits 0" {
	start_fcgi tasks
	local body head rest slow=2 wait=1
	[ "${VALGRIND:-0}" = 1 ] && slow=6 wait=3
	body=$(task 1 2000)
	head=${body:0:100}
	rest=${body:100}
	( { printf '%s' "$head"; sleep "$slow"; printf '%s' "$rest"; } |
	    env -i REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH=${#body} HTTP_AUTHORIZATION="Bearer $SECRET" \
	    SCRIPT_FILENAME=/hooks/tasks.fcgi REMOTE_ADDR=127.0.0.1 \
	    cgi-fcgi -bind -connect "127.0.0.1:$FCGI_PORT" > "$T/answer" 2>&1 ) 3>&- &
	local client=$!
	BG_PIDS+=("$client")
	sleep "$wait"	# the handler is reading the body now
	kill -TERM "$FCGI_PID"
	wait "$client"
	output=$(cat "$T/answer")
	parse_response
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ] || fail "not recorded; stderr: $(cat "$T/fcgi.err")"
	stop_fcgi_guarded	# exit status 0
}

@test "faults: handlers SIGTERMed under load: no torn line, acknowledged events kept once" {
	start_lighttpd
	(load_run load --count 4000 --clients 16 --medium 40 --large 8 --backoff 0.2
	    : > "$T/done") 3>&- &
	local load=$!
	BG_PIDS+=("$load")
	local terms=0 pids
	while [ ! -e "$T/done" ] && [ "$terms" -lt 10 ]; do
		sleep 0.2
		mapfile -t pids < <(pgrep -P "$LIGHTTPD_PID" -f '/hooks/(tasks|annotations)\.fcgi$')
		[ "${#pids[@]}" -gt 0 ] || continue
		kill -TERM "${pids[RANDOM % ${#pids[@]}]}" 2>/dev/null && terms=$((terms + 1))
	done
	wait "$load"
	[ "$terms" -ge 3 ] || fail "only $terms SIGTERMs sent"
	close_logs close
	verify --allow-unacked
	[ "$(summary .torn)" = "[]" ]
	lshook_check -d "$DATA"
	[ "$status" -eq 0 ] || fail "lshook check: exit $status: $output $stderr"
	note "SIGTERM: $terms sent, answers $(jq -c .codes "$T/summary.json")," \
	    "4xx: $(awk -F'\t' '$4 >= 400 && $4 < 500 { print $4 " " $8 }' "$T/load.tsv" | sort | uniq -c | tr '\n' ' ')"
}
