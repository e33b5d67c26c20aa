#!/bin/bash
# tests/torture/run.sh: the concurrency, crash and rotation tests of
# faults.bats at a larger scale (`make torture`).  Each test starts lighttpd from
# lighttpd/lshook.conf on a free port of 127.0.0.1 over a fresh data
# directory, posts TORTURE_EVENTS unique events (load.py) from
# TORTURE_CLIENTS clients, and holds the logs against the answers
# (verify.py, `lshook check`).  The crash test SIGKILLs TORTURE_KILLS
# handlers on the way (killer.py); the rotation test renames the logs
# every 0.1 s meanwhile.  Prints TAP lines and ends with
# "N passed, N failed"; exit status 1 when any failed.
#
#   TORTURE_EVENTS=20000 TORTURE_CLIENTS=64 TORTURE_KILLS=20
#   TORTURE_KEEP=1   keep the work directory (printed) for a look
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
PY=/usr/bin/python3
TORTURE=$ROOT/tests/torture
LSHOOK=$ROOT/bin/lshook
EVENTS=${TORTURE_EVENTS:-20000}
CLIENTS=${TORTURE_CLIENTS:-64}
KILLS=${TORTURE_KILLS:-20}
SECRET=torture-secret-0123456789abcdef
# mixed sizes: 3 % of about 100 KB, 0.2 % of about 3 MB, the rest 1-3 KB
MEDIUM=$((EVENTS * 3 / 100))
LARGE=$((EVENTS / 500))

WORK=$(mktemp -d /tmp/lshook-torture.XXXXXX) || exit 1
LIGHTTPD_PID=
BG=()
cleanup() {
	local p
	for p in "${BG[@]}"; do
		kill "$p" 2>/dev/null
	done
	stop_lighttpd
	if [ "${TORTURE_KEEP:-0}" = 1 ]; then
		echo "# kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

n=0 passed=0 failed=0
ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
note() { printf '# %s\n' "$*"; }

free_port() {
	local port
	while :; do
		port=$((10000 + RANDOM % 22000))
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
	done
	echo "$port"
}

# start_lighttpd DIR: lighttpd over DIR/data, its run folder DIR/run.
start_lighttpd() {
	local dir=$1 try i
	mkdir -p "$dir/data" "$dir/run"
	printf '%s\n' "$SECRET" > "$dir/run/secret"
	for try in 1 2 3 4 5; do
		PORT=$(free_port)
		LSHOOKD_WWW=$ROOT/www LSHOOKD_RUN=$dir/run LSHOOKD_PORT=$PORT \
		LSHOOKD_DATA=$dir/data LSHOOKD_SECRET_FILE=$dir/run/secret \
		LSHOOKD_AUTH=header lighttpd -D -f "$ROOT/lighttpd/lshook.conf" \
		    2> "$dir/run/stderr" &
		LIGHTTPD_PID=$!
		for i in $(seq 100); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
				URL=http://127.0.0.1:$PORT
				return 0
			fi
			kill -0 "$LIGHTTPD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill "$LIGHTTPD_PID" 2>/dev/null
		wait "$LIGHTTPD_PID" 2>/dev/null
		LIGHTTPD_PID=
	done
	note "cannot start lighttpd: $(cat "$dir/run/stderr")"
	return 1
}

# Stop lighttpd by its PID: SIGTERM, SIGKILL after 30 s.
stop_lighttpd() {
	[ -n "$LIGHTTPD_PID" ] || return 0
	local i
	kill -TERM "$LIGHTTPD_PID" 2>/dev/null
	for i in $(seq 300); do
		kill -0 "$LIGHTTPD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$LIGHTTPD_PID" 2>/dev/null
	wait "$LIGHTTPD_PID" 2>/dev/null
	LIGHTTPD_PID=
}

# load DIR NAME [load.py options]: answers in DIR/NAME.tsv.
load() {
	local dir=$1 name=$2
	shift 2
	"$PY" "$TORTURE/load.py" --url "$URL" --secret "$SECRET" --run t \
	    --families tasks,annotations --max-seconds 200 --out "$dir/$name.tsv" \
	    "$@" 2>> "$dir/load.err"
}

# close_logs DIR: one event per family, retried until both get 200.
close_logs() {
	local dir=$1 try
	for try in $(seq 40); do
		load "$dir" "close-$try" --first $((10000000 + try * 10)) --count 2 --clients 1
		[ "$(awk -F'\t' '$4 == 200' "$dir/close-$try.tsv" | wc -l)" -eq 2 ] && return 0
		sleep 0.25
	done
	return 1
}

# verify DIR [verify.py options]: prints problems; summary in DIR/summary.json.
verify() {
	local dir=$1
	shift
	"$PY" "$TORTURE/verify.py" --data "$dir/data" --run t --results "$dir"/*.tsv \
	    --summary "$dir/summary.json" "$@" > /dev/null 2> "$dir/verify.err"
	local rc=$?
	[ $rc -eq 0 ] || sed 's/^/# /' "$dir/verify.err" | head -n 20
	return $rc
}
summary() { jq -r "$2" "$1/summary.json"; }

test_concurrency() {
	local dir=$WORK/concurrency t0 secs bad
	t0=$SECONDS
	start_lighttpd "$dir" || { not_ok "concurrency: lighttpd"; return; }
	load "$dir" load --count "$EVENTS" --clients "$CLIENTS" \
	    --medium "$MEDIUM" --large "$LARGE"
	secs=$((SECONDS - t0))
	bad=$(awk -F'\t' '$4 != 200' "$dir/load.tsv" | wc -l)
	stop_lighttpd
	local what="concurrency: $EVENTS events ($MEDIUM of 100 KB, $LARGE of 3 MB), $CLIENTS clients"
	if [ "$(wc -l < "$dir/load.tsv")" -ne "$EVENTS" ] || [ "$bad" -ne 0 ]; then
		awk -F'\t' '$4 != 200' "$dir/load.tsv" | head -n 5 | sed 's/^/# /'
		not_ok "$what: $bad not answered 200"
		return
	fi
	if ! verify "$dir"; then
		not_ok "$what: logs do not match the answers"
		return
	fi
	if ! "$LSHOOK" check -d "$dir/data" > "$dir/check.out" 2>&1; then
		sed 's/^/# /' "$dir/check.out" | head -n 20
		not_ok "$what: lshook check"
		return
	fi
	ok "$what: each exactly once, whole lines"
	note "$(summary "$dir" .records) records, $(du -sh "$dir/data" | cut -f1), load ${secs}s;" \
	    "$(tail -n 1 "$dir/check.out")"
	rm -rf "$dir/data"
}

test_crash() {
	local dir=$WORK/crash t0 secs load_pid kills what
	t0=$SECONDS
	start_lighttpd "$dir" || { not_ok "crash: lighttpd"; return; }
	(load "$dir" load --count "$EVENTS" --clients "$CLIENTS" \
	    --medium "$MEDIUM" --large "$((LARGE * 2))" --backoff 0.2
	    : > "$dir/done") &
	load_pid=$!
	BG+=("$load_pid")
	"$PY" "$TORTURE/killer.py" --parent "$LIGHTTPD_PID" --data "$dir/data" \
	    --kills "$KILLS" --gap-min 0.1 --gap-max 0.5 --until-file "$dir/done" \
	    --max-seconds 200 > "$dir/kills.txt"
	wait "$load_pid"
	secs=$((SECONDS - t0))
	kills=$(awk '$1 == "kills" { print $2 }' "$dir/kills.txt")
	what="crash: $EVENTS events, $CLIENTS clients, ${kills:-0} SIGKILLs"
	if ! close_logs "$dir"; then
		stop_lighttpd
		not_ok "$what: the handlers did not come back"
		return
	fi
	stop_lighttpd
	if [ "${kills:-0}" -lt $((KILLS / 2)) ]; then
		not_ok "$what: fewer than $((KILLS / 2)) kills landed"
		return
	fi
	if ! verify "$dir" --allow-unacked --max-torn "$kills"; then
		not_ok "$what: logs do not match the answers"
		return
	fi
	# lshook check reports exactly the torn lines
	local want got rc
	want=$(summary "$dir" '.torn[]' | sort)
	"$LSHOOK" check -d "$dir/data" --json > "$dir/check.json" 2> "$dir/check.err"
	rc=$?
	got=$(jq -r '.problems[] | "\(.log):\(.line) \(.kind)"' "$dir/check.json" | sort)
	local want_rc=0 bad=0
	[ -n "$want" ] && want_rc=1
	[ "$rc" -eq "$want_rc" ] || bad=1
	[ "$got" = "$(printf '%s\n' $want | sed '/^$/d; s/$/ torn/')" ] || bad=1
	if [ "$bad" -eq 1 ]; then
		note "lshook check exit $rc: $got; torn lines: $want"
		not_ok "$what: lshook check does not report exactly the torn lines"
		return
	fi
	ok "$what: acknowledged events once, torn lines isolated and reported"
	note "$(tail -n 1 "$dir/kills.txt"); $(summary "$dir" .acked) of $(summary "$dir" .sent)" \
	    "acknowledged; torn lines: $(summary "$dir" '.torn | length')" \
	    "$(summary "$dir" '.torn | join(" ")'); recorded without an answer:" \
	    "$(summary "$dir" .unacked_recorded); ${secs}s"
	rm -rf "$dir/data"
}

test_rotation() {
	local dir=$WORK/rotation t0 secs load_pid r=0 f what sizes
	t0=$SECONDS
	start_lighttpd "$dir" || { not_ok "rotation: lighttpd"; return; }
	(load "$dir" load --count "$EVENTS" --clients "$CLIENTS" \
	    --medium "$MEDIUM" --large "$LARGE"; : > "$dir/done") &
	load_pid=$!
	BG+=("$load_pid")
	# logrotate's create mode, every 0.1 s: rename, then create
	while [ ! -e "$dir/done" ] && [ "$r" -lt 5000 ]; do
		sleep 0.1
		r=$((r + 1))
		for f in tasks annotations; do
			mv "$dir/data/$f.jsonl" "$dir/data/$f.jsonl.$r" 2>/dev/null || continue
			(set -C; : > "$dir/data/$f.jsonl") 2>/dev/null &&
			    chmod 640 "$dir/data/$f.jsonl"
		done
	done
	wait "$load_pid"
	r=$((r + 1))
	for f in tasks annotations; do
		mv "$dir/data/$f.jsonl" "$dir/data/$f.jsonl.$r"
	done
	sizes=$(stat -c '%n %s' "$dir/data"/*.jsonl.*)
	load "$dir" after --first 5000000 --count 100 --clients 8
	secs=$((SECONDS - t0))
	stop_lighttpd
	what="rotation: $EVENTS events, $CLIENTS clients, logs renamed $r times"
	if [ "$(awk -F'\t' '$4 != 200' "$dir"/load.tsv "$dir"/after.tsv | wc -l)" -ne 0 ]; then
		not_ok "$what: not every event answered 200"
		return
	fi
	if [ "$(stat -c '%n %s' "$dir/data"/*.jsonl.*)" != "$sizes" ]; then
		not_ok "$what: a rotated log grew after its rotation"
		return
	fi
	if [ "$(cat "$dir/data/tasks.jsonl" "$dir/data/annotations.jsonl" | grep -c 'lshk-t-50000[0-9][0-9]-')" -ne 100 ]; then
		not_ok "$what: the events after the last rotation are not all in the new files"
		return
	fi
	if ! verify "$dir" --rotated; then
		not_ok "$what: logs do not match the answers"
		return
	fi
	ok "$what: nothing lost or doubled across $(ls "$dir/data" | grep -c '\.jsonl\.') files"
	note "$(summary "$dir" .records) records; ${secs}s"
	rm -rf "$dir/data"
}

[ -x "$LSHOOK" ] && [ -x "$ROOT/www/hooks/tasks.fcgi" ] || {
	echo "Bail out! build first (make)"
	exit 1
}
echo "1..3"
note "work directory $WORK"
test_concurrency
test_crash
test_rotation
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
