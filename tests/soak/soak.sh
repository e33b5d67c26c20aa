#!/bin/bash
# soak.sh: the soak test (`make soak`).  lighttpd serves www/ with
# lighttpd/lshook.conf on 127.0.0.1 (a free port, a data directory in a
# temporary folder, LSHOOK_FSYNC=always as that file sets it) and wrk with
# tests/soak/soak.lua POSTs SOAK_REQUESTS unique TASKS_CREATED events to
# /hooks/tasks.fcgi over SOAK_CONNECTIONS connections, bounded by
# SOAK_MAX_SECONDS.  It passes when:
#   - every event was answered before the time bound, each a 200 "ok"
#     (no other status, no "duplicate", no socket error or timeout);
#   - tasks.jsonl holds exactly as many lines as there were 200 "ok"
#     answers, all well-formed records with distinct ids;
#   - lighttpd's error log holds no lshook diagnostic;
#   - each tasks.fcgi process lighttpd started is the same process at the
#     end (none crashed and was respawned), and its VmRSS at the end is
#     within SOAK_RSS_SLACK_KB of its VmRSS after the first 1000 events.
# It prints the numbers, the machine and the load average it saw; with
# SOAK_WRITE=1 it also writes them into the "Load" section of
# docs/SECURITY.md (between the soak:begin and soak:end markers).
#
#   SOAK_REQUESTS=1000000 SOAK_CONNECTIONS=64 SOAK_THREADS=2
#   SOAK_MAX_SECONDS=900 SOAK_RSS_SLACK_KB=300 SOAK_WRITE=0 SOAK_KEEP=0
#
# As root, a missing wrk or lighttpd is installed with apt-get; otherwise
# the apt-get line is printed.  Exit 0 on success, 1 on a failed check,
# 2 when it cannot run.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2

REQUESTS=${SOAK_REQUESTS:-1000000}
CONNECTIONS=${SOAK_CONNECTIONS:-64}
THREADS=${SOAK_THREADS:-2}
MAX_SECONDS=${SOAK_MAX_SECONDS:-900}
RSS_SLACK_KB=${SOAK_RSS_SLACK_KB:-300}
EARLY=1000	# events after which the first VmRSS is taken
STALL_SECONDS=60	# no new record for this long: give up

say() { printf 'soak: %s\n' "$*"; }
die() { printf 'soak: %s\n' "$*" >&2; exit 2; }

for v in REQUESTS CONNECTIONS THREADS MAX_SECONDS RSS_SLACK_KB; do
	case ${!v} in ''|*[!0-9]*) die "SOAK_$v must be a number, not '${!v}'" ;; esac
done
[ "$THREADS" -ge 1 ] && [ "$CONNECTIONS" -ge "$THREADS" ] ||
    die "need SOAK_CONNECTIONS >= SOAK_THREADS >= 1"
[ "$REQUESTS" -ge "$THREADS" ] || die "need SOAK_REQUESTS >= SOAK_THREADS"
[ -x www/hooks/tasks.fcgi ] || die "www/hooks/tasks.fcgi is missing: run make"

# --- packages ------------------------------------------------------------

missing=""
command -v wrk >/dev/null 2>&1 || missing="$missing wrk"
command -v lighttpd >/dev/null 2>&1 || [ -x /usr/sbin/lighttpd ] || missing="$missing lighttpd"
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		die "the soak needs these Debian packages; as root run: apt-get install -y$missing"
	fi
	say "installing:$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    $missing >/dev/null || die "apt-get install$missing failed"
fi
LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)

# --- the server ------------------------------------------------------------

TMP=$(mktemp -d "${TMPDIR:-/tmp}/lshook-soak.XXXXXX") || die "mktemp failed"
RUN=$TMP/run
DATA=$TMP/data
STATE=$TMP/state
mkdir -p "$RUN" "$DATA" "$STATE"
chmod 700 "$RUN"
SECRET=soak-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$SECRET" > "$RUN/secret"

LPID=""
WPID=""
cleanup() {
	[ -n "$WPID" ] && kill -INT "$WPID" 2>/dev/null && wait "$WPID" 2>/dev/null
	if [ -n "$LPID" ]; then
		kill -TERM "$LPID" 2>/dev/null
		wait "$LPID" 2>/dev/null
	fi
	if [ "${SOAK_KEEP:-0}" = 1 ]; then
		say "kept $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM

# A free port of 127.0.0.1 below the range for outgoing connections.
free_port() {
	local port
	while :; do
		port=$((10000 + RANDOM % 22000))
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
	done
	echo "$port"
}

wait_port() {
	local i
	for i in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

for try in 1 2 3 4 5; do
	PORT=$(free_port)
	LSHOOKD_WWW=$ROOT/www LSHOOKD_RUN=$RUN LSHOOKD_PORT=$PORT \
	LSHOOKD_DATA=$DATA LSHOOKD_SECRET_FILE=$RUN/secret LSHOOKD_AUTH=header \
	    "$LIGHTTPD" -D -f "$ROOT/lighttpd/lshook.conf" 2>"$RUN/stderr" &
	LPID=$!
	wait_port "$PORT" "$LPID" && break
	kill "$LPID" 2>/dev/null
	wait "$LPID" 2>/dev/null
	LPID=""
done
[ -n "$LPID" ] || die "cannot start lighttpd: $(cat "$RUN/stderr" "$RUN/error.log" 2>/dev/null)"
URL=http://127.0.0.1:$PORT/hooks/tasks.fcgi

# The tasks.fcgi processes lighttpd started (max-procs of lshook.conf), as
# "PID:START-TIME" (so a respawned process never looks the same).  By
# argv[0], not /proc/PID/exe: a `make` elsewhere may replace the file.
task_pids() {
	local p
	for p in $(pgrep -P "$LPID"); do
		[ "$(tr '\0' '\n' < "/proc/$p/cmdline" 2>/dev/null | head -1)" = \
		    "$ROOT/www/hooks/tasks.fcgi" ] || continue
		printf '%s:%s\n' "$p" "$(cut -d' ' -f22 "/proc/$p/stat" 2>/dev/null)"
	done | sort -n | tr '\n' ' ' | sed 's/ $//'
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

for i in $(seq 50); do	# lighttpd starts them one after the other
	PIDS=$(task_pids)
	[ "$(printf '%s\n' $PIDS | wc -l)" -ge 2 ] && break
	sleep 0.1
done
[ -n "$PIDS" ] || die "lighttpd started no tasks.fcgi process"
PROCS=$PIDS
PIDS=$(printf '%s\n' $PROCS | cut -d: -f1 | tr '\n' ' ' | sed 's/ $//')

# --- the machine -----------------------------------------------------------

NPROC=$(nproc)
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
KERNEL=$(uname -sr)
MEM=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
FS=$(df -PT "$DATA" | awk 'NR == 2 { print $2 }')
REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- lib handlers lighttpd 2>/dev/null || REV="$REV + uncommitted changes"
load1() { cut -d' ' -f1 /proc/loadavg; }
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
LOAD_MAX=$(load1)

say "$REQUESTS events, $CONNECTIONS connections, $THREADS wrk threads, at most $MAX_SECONDS s"
say "machine: $NPROC CPUs ($CPU), $KERNEL, $MEM, data on $FS; load average $LOAD_START"
say "lighttpd $LPID on 127.0.0.1:$PORT, tasks.fcgi: $PIDS; data in $DATA"

# --- the load ----------------------------------------------------------------

WRK_CMD=(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${MAX_SECONDS}s" --timeout 30s
    -s "$ROOT/tests/soak/soak.lua" "$URL")
SOAK_REQUESTS=$REQUESTS SOAK_THREADS=$THREADS SOAK_STATE=$STATE SOAK_SECRET=$SECRET \
    "${WRK_CMD[@]}" > "$TMP/wrk.out" 2>&1 &
WPID=$!
START=$(date +%s.%N)

declare -A RSS_EARLY RSS_END
early_lines=""
last_size=-1
last_change=$SECONDS
last_report=$SECONDS
stalled=0
log=$DATA/tasks.jsonl
while kill -0 "$WPID" 2>/dev/null; do
	if [ -z "$early_lines" ] && [ -f "$log" ]; then
		n=$(wc -l < "$log")
		if [ "$n" -ge "$EARLY" ] || [ "$n" -ge "$REQUESTS" ]; then
			for p in $PIDS; do RSS_EARLY[$p]=$(rss_kb "$p"); done
			early_lines=$n
		fi
	fi
	if [ "$(ls "$STATE" | wc -l)" -ge "$THREADS" ]; then
		kill -INT "$WPID" 2>/dev/null	# wrk sleeps until -d otherwise
		break
	fi
	size=$(stat -c %s "$log" 2>/dev/null || echo 0)
	if [ "$size" != "$last_size" ]; then
		last_size=$size
		last_change=$SECONDS
	elif [ $((SECONDS - last_change)) -ge "$STALL_SECONDS" ]; then
		say "no new record for $STALL_SECONDS s: stopping wrk"
		stalled=1
		kill -INT "$WPID" 2>/dev/null
		break
	fi
	l=$(load1)
	awk -v a="$l" -v b="$LOAD_MAX" 'BEGIN { exit !(a > b) }' && LOAD_MAX=$l
	if [ $((SECONDS - last_report)) -ge 30 ]; then
		last_report=$SECONDS
		say "$(awk -v s="$size" 'BEGIN { printf "%.0f MB", s / 1e6 }') of records after $(( SECONDS )) s, load average $l"
	fi
	if [ -z "$early_lines" ]; then sleep 0.02; else sleep 0.5; fi
done
wait "$WPID"
wrk_rc=$?
WPID=""
END=$(date +%s.%N)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
l=$(load1)
awk -v a="$l" -v b="$LOAD_MAX" 'BEGIN { exit !(a > b) }' && LOAD_MAX=$l

PROCS_END=$(task_pids)
for p in $PIDS; do RSS_END[$p]=$(rss_kb "$p"); done
kill -TERM "$LPID" 2>/dev/null
wait "$LPID" 2>/dev/null
LPID=""

# --- the checks ----------------------------------------------------------------

failed=0
check() {	# check DESCRIPTION TEST...
	local what=$1
	shift
	if "$@"; then
		say "ok: $what"
	else
		say "FAILED: $what"
		failed=1
	fi
}

line=$(grep '^SOAK ' "$TMP/wrk.out" | tail -1)
if [ -z "$line" ]; then
	cat "$TMP/wrk.out" >&2
	die "wrk gave no summary (exit $wrk_rc)"
fi
field() { printf '%s\n' "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
posts=$(field posts) ok=$(field ok) dup=$(field dup) bad=$(field bad)
first_bad=$(field first_bad)
sock_errors=$(( $(field connect) + $(field read) + $(field write) + $(field timeout) ))
duration_us=$(field duration_us)
lines=$(wc -l < "$log" 2>/dev/null || echo 0)
wellformed=$(grep -c '^{"v":1,"id":"sha256:[0-9a-f]\{64\}","received_at":"[^"]*","action":"TASKS_CREATED","family":"tasks","project_id":1,"task_ids":\[[0-9]*\],"annotation_ids":\[\],"payload":{.*}}$' "$log" 2>/dev/null)
distinct=$(cut -d'"' -f6 "$log" 2>/dev/null | sort -u | wc -l)
diags=$(grep -c 'lshook-' "$RUN/error.log" 2>/dev/null)
elapsed=$(awk -v a="$START" -v b="$END" 'BEGIN { printf "%.1f", b - a }')
rate=$(awk -v n="$posts" -v us="$duration_us" 'BEGIN { printf "%.0f", (us > 0 ? n / (us / 1e6) : 0) }')

rss_ok=1
rss_lines=""
for p in $PIDS; do
	e=${RSS_EARLY[$p]:-0} f=${RSS_END[$p]:-0}
	rss_lines+="  tasks.fcgi $p: VmRSS ${e} KiB after ${early_lines:-?} events, ${f} KiB at the end ($((f - e)) KiB)"$'\n'
	[ "$e" -gt 0 ] && [ "$f" -gt 0 ] && [ $((f - e)) -le "$RSS_SLACK_KB" ] &&
	    [ $((e - f)) -le "$RSS_SLACK_KB" ] || rss_ok=0
done

say "wrk: $(printf '%s' "$line" | sed 's/^SOAK //')"
say "$posts events answered in ${elapsed} s ($rate events/s): $ok ok, $dup duplicate, $bad other (first: ${first_bad}), $sock_errors socket errors or timeouts"
say "tasks.jsonl: $lines lines, $wellformed well-formed, $distinct distinct ids; $diags lshook lines in error.log"
printf '%s' "$rss_lines" | sed 's/^  /soak: /'
say "load average: $LOAD_START at the start, $LOAD_END at the end, 1-minute peak $LOAD_MAX"

check "all $REQUESTS events answered within $MAX_SECONDS s" \
    test "$stalled" -eq 0 -a "$posts" -eq "$REQUESTS"
check "every answer a 200 ok (no other status, no duplicate)" \
    test "$ok" -eq "$posts" -a "$bad" -eq 0 -a "$dup" -eq 0
check "no socket error or timeout" test "$sock_errors" -eq 0
check "tasks.jsonl holds exactly as many lines as 200 answers ($lines = $ok)" \
    test "$lines" -eq "$ok"
check "every line a well-formed record with its own id" \
    test "$wellformed" -eq "$lines" -a "$distinct" -eq "$lines"
check "no lshook diagnostic in lighttpd's error log" test "$diags" -eq 0
check "the same tasks.fcgi processes at the end (PID:start $PROCS_END)" \
    test "$PROCS_END" = "$PROCS"
check "VmRSS of each tasks.fcgi within $RSS_SLACK_KB KiB of its value after $EARLY events" \
    test "$rss_ok" -eq 1
[ "$failed" -eq 0 ] && result=passed || result=FAILED
say "$result"

# --- the Load section --------------------------------------------------------------

if [ "${SOAK_WRITE:-0}" = 1 ]; then
	doc=$ROOT/docs/SECURITY.md
	block=$TMP/block.md
	{
		echo "<!-- soak:begin (written by tests/soak/soak.sh with SOAK_WRITE=1) -->"
		echo "Last run: $(date -u +%Y-%m-%d), $result."
		echo
		echo '```'
		echo "make soak SOAK_REQUESTS=$REQUESTS SOAK_WRITE=1"
		echo "# which runs, against lighttpd/lshook.conf on 127.0.0.1 (LSHOOK_FSYNC=always):"
		echo "SOAK_REQUESTS=$REQUESTS ${WRK_CMD[*]}" | sed "s|$ROOT/||; s|:$PORT/|:PORT/|"
		echo '```'
		echo
		echo "| | |"
		echo "|---|---|"
		echo "| code | $REV |"
		echo "| machine | $NPROC CPUs ($CPU), $KERNEL, $MEM, data on $FS |"
		echo "| load average | $LOAD_START at the start, $LOAD_END at the end, 1-minute peak $LOAD_MAX (other work shared the machine) |"
		echo "| events | $posts answered in $elapsed s, $rate events/s |"
		echo "| answers | $ok \`200 ok\`, $dup duplicate, $bad other; $sock_errors socket errors or timeouts |"
		echo "| latency | p50 $(( $(field p50_us) / 1000 )) ms, p99 $(( $(field p99_us) / 1000 )) ms, max $(( $(field max_us) / 1000 )) ms |"
		echo "| tasks.jsonl | $lines lines, $wellformed well-formed, $distinct distinct ids |"
		for p in $PIDS; do
			e=${RSS_EARLY[$p]:-0} f=${RSS_END[$p]:-0}
			echo "| tasks.fcgi VmRSS | ${e} KiB after ${early_lines:-?} events, ${f} KiB after $posts ($((f - e)) KiB) |"
		done
		echo "<!-- soak:end -->"
	} > "$block"
	if grep -q '^<!-- soak:begin' "$doc" && grep -q '^<!-- soak:end -->' "$doc"; then
		awk -v block="$block" '
			/^<!-- soak:begin/ { while ((getline l < block) > 0) print l; skip = 1; next }
			/^<!-- soak:end -->/ { skip = 0; next }
			!skip' "$doc" > "$doc.tmp" && mv "$doc.tmp" "$doc"
		say "wrote the Load section of docs/SECURITY.md"
	else
		say "docs/SECURITY.md has no soak:begin/soak:end markers; not written"
	fi
fi

[ "$failed" -eq 0 ] && exit 0
exit 1
