#!/usr/bin/env bats
# cli.bats: "lshook sign", "send", "tail" and "stats" against the real
# handlers behind lighttpd, the published signature vectors
# (reference/signatures.md) and hand-made logs.
load helpers

LSHOOK=$ROOT/bin/lshook

setup() {
	setup_data
	unset LSHOOK_SECRET LSHOOK_DATA_DIR
}

teardown() {
	if [ -n "${TAIL_PID:-}" ]; then
		kill "$TAIL_PID" 2>/dev/null || true
		wait "$TAIL_PID" 2>/dev/null || true
	fi
	if [ -n "${CAPTURE_PID:-}" ]; then
		kill "$CAPTURE_PID" 2>/dev/null || true
		wait "$CAPTURE_PID" 2>/dev/null || true
	fi
	stop_lighttpd
}

# lshook ARGS...: run bin/lshook (under valgrind with VALGRIND=1).
lshook() {
	run --separate-stderr "${VALGRIND_CMD[@]}" "$LSHOOK" "$@"
	assert_clean_run
}

# The handler of a Label Studio docs fixture.
handler_of() {
	case $(basename "$1") in
	ANNOTATION*) echo annotations ;;
	PROJECT*) echo projects ;;
	*) echo tasks ;;
	esac
}

# Post every docs fixture to its own handler; sets nothing, asserts 200s.
post_fixtures() {
	local f
	for f in "$LSDOCS"/*.json; do
		lshook send -s "$SECRET" "$BASE_URL/hooks/$(handler_of "$f").fcgi" "$f"
		[ "$status" -eq 0 ] || fail "send $f: $status $output $stderr"
	done
}

# A payload as the handlers redact it, keys sorted.
redacted() {
	jq -S '.project |= (if type == "object" then with_entries(
	    if (.key | IN("token", "task_data_login", "task_data_password"))
	    then .value = "[redacted]" else . end) else . end)' "$1"
}

# An HTTP server on 127.0.0.1, until one POST came, on 127.0.0.1 that keeps the request's body
# and headers in $BATS_TEST_TMPDIR/{body,headers}; sets $CAPTURE_URL.
start_capture() {
	local port
	port=$(free_port)
	python3 - "$port" "$BATS_TEST_TMPDIR" <<'PY' &
import http.server, os, sys
port, out = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers["Content-Length"])
        open(out + "/body", "wb").write(self.rfile.read(n))
        open(out + "/headers", "w").write(str(self.headers))
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status":"captured"}\n')
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", port), H)
while not os.path.exists(out + "/headers"):
    srv.handle_request()
PY
	CAPTURE_PID=$!
	wait_port "$port" "$CAPTURE_PID" || fail "capture server did not start"
	CAPTURE_URL=http://127.0.0.1:$port/hook
}

# --- sign --------------------------------------------------------------

@test "sign: GitHub vector GH-1" {
	printf 'Hello, World!' > "$BATS_TEST_TMPDIR/body"
	lshook sign -s "It's a Secret to Everybody" "$BATS_TEST_TMPDIR/body"
	assert_success
	assert_line "X-Hub-Signature-256: sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	assert_line "Authorization: Bearer It's a Secret to Everybody"
	refute_line --partial webhook-
	[[ $stderr == *"not a whsec_ or base64 key"* ]] || fail "no note: $stderr"
}

@test "sign: Standard Webhooks vectors SW-1 and SW-2, stdin included" {
	printf '{"test": 2432232314}' > "$BATS_TEST_TMPDIR/b"
	lshook sign -s "$SW_SECRET" --id msg_p5jXN8AQM9LWM0D4loKWxJek \
	    --timestamp 1614265330 - < "$BATS_TEST_TMPDIR/b"
	assert_success
	assert_line "webhook-id: msg_p5jXN8AQM9LWM0D4loKWxJek"
	assert_line "webhook-timestamp: 1614265330"
	assert_line "webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	[ -z "$stderr" ]
	printf '{"email":"test@example.com","username":"test_user"}' > "$BATS_TEST_TMPDIR/b"
	echo 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' > "$BATS_TEST_TMPDIR/secret"
	lshook sign --secret-file "$BATS_TEST_TMPDIR/secret" \
	    --id msg_27UH4WbU6Z5A5EzD8u03UvzRbpk -t 1649367553 "$BATS_TEST_TMPDIR/b"
	assert_success
	assert_line "webhook-signature: v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
}

@test "sign: the secret from LSHOOK_SECRET (first of the list); errors exit 2" {
	printf 'x' > "$BATS_TEST_TMPDIR/b"
	LSHOOK_SECRET="$SECRET,$SECRET2" lshook sign "$BATS_TEST_TMPDIR/b"
	assert_success
	assert_line "Authorization: Bearer $SECRET"
	lshook sign "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 2 ]
	[ "$stderr" = "lshook: sign: no secret (use -s, --secret-file or set LSHOOK_SECRET)" ]
	lshook sign -s "$SECRET" "$BATS_TEST_TMPDIR/missing"
	[ "$status" -eq 2 ]
	[[ $stderr == "lshook: sign: cannot open '"*"missing': No such file or directory" ]]
	lshook sign -s "$SECRET"
	[ "$status" -eq 2 ]
	lshook sign --timestamp soon -s "$SECRET" "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 2 ]
	lshook sign --help
	assert_success
	assert_output --partial "usage: lshook sign"
}

@test "sign: the printed headers and curl lines pass lighttpd in every mode" {
	LIGHTTPD_AUTH=header,hmac,standard start_lighttpd
	local f=$LSDOCS/TASKS_CREATED.json h args line n=0
	lshook sign -s "$SW_SECRET" "$f"
	assert_success
	# one request per scheme: bearer, hmac, then the three standard lines
	for h in 1 2 3; do
		args=()
		case $h in
		1) args=(-H "$(sed -n 1p <<<"$output")") ;;
		2) args=(-H "$(sed -n 2p <<<"$output")") ;;
		3) while read -r line; do args+=(-H "$line"); done < <(sed -n 3,5p <<<"$output") ;;
		esac
		run curl -s -o /dev/null -w '%{http_code}' "${args[@]}" \
		    -H 'Content-Type: application/json' --data-binary @"$f" \
		    "$BASE_URL/hooks/tasks.fcgi"
		[ "$output" = 200 ] || fail "scheme $h: $output"
		lshook sign -s "$SW_SECRET" "$f"
	done
	lshook sign -s "$SW_SECRET" --curl "$BASE_URL/hooks/tasks.fcgi" "$f"
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	for line in "${lines[@]}"; do
		n=$((n + 1))
		[[ $line == "curl -i -H 'Content-Type: application/json' -H '"* ]]
		run bash -c "${line/curl -i/curl -s -o /dev/null -w '%{http_code}'}"
		[ "$output" = 200 ] || fail "curl line $n: $output"
	done
}

# --- send --------------------------------------------------------------

@test "send: the body is what Python's json.dumps writes, action first" {
	printf '%s' '{"n":1.50e3,"big":12345678901234567890,"s":"é😀\ud83d\"\\/\t\u0001\u007f","action":"X","o":{},"a":[[],{"k":null}],"t":true,"k":1,"k":2}' \
	    > "$BATS_TEST_TMPDIR/p.json"
	start_capture
	lshook send --header 'X-Extra: yes' "$CAPTURE_URL" "$BATS_TEST_TMPDIR/p.json"
	assert_success
	assert_output "$BATS_TEST_TMPDIR/p.json: 201 {\"status\":\"captured\"}"
	expected=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
p = {"action": d["action"]}
p.update(d)
s = json.dumps(p)
print(s.replace("1500.0", "1.50e3"), end="")' "$BATS_TEST_TMPDIR/p.json")
	[ "$(cat "$BATS_TEST_TMPDIR/body")" = "$expected" ] ||
	    fail "body: $(cat "$BATS_TEST_TMPDIR/body") expected: $expected"
	grep -qx 'Content-Type: application/json' "$BATS_TEST_TMPDIR/headers"
	grep -qx 'User-Agent: lshook-send' "$BATS_TEST_TMPDIR/headers"
	grep -qx 'X-Extra: yes' "$BATS_TEST_TMPDIR/headers"
	run ! grep -qi '^Authorization' "$BATS_TEST_TMPDIR/headers"
}

@test "send: every docs fixture to its handler; the records hold the fixtures" {
	start_lighttpd
	local f log
	post_fixtures
	for f in "$LSDOCS"/*.json; do
		log=$(handler_of "$f").jsonl
		jq -S -c "select(.action == \"$(jq -r .action "$f")\") | .payload" \
		    "$DATA/$log" > "$BATS_TEST_TMPDIR/got"
		[ "$(cat "$BATS_TEST_TMPDIR/got")" = "$(redacted "$f" | jq -c -S .)" ] ||
		    fail "payload of $f differs"
	done
}

@test "send --all to one URL: its family 200, the others 202; wrong secret: 401, exit 1" {
	start_lighttpd
	lshook send --all "$LSDOCS/" -s "$SECRET" "$BASE_URL/hooks/annotations.fcgi"
	assert_success
	[ "${#lines[@]}" -eq 8 ]
	# an ANNOTATIONS_DELETED is not deduplicated: its id is the sha256 of
	# the body sent (the fixture as Python's json.dumps writes it) and a
	# random suffix
	local key
	key=$(python3 -c 'import json, sys; sys.stdout.write(json.dumps(json.load(open(sys.argv[1]))))' \
	    "$LSDOCS/ANNOTATIONS_DELETED.json" | sha256sum | cut -d' ' -f1)
	assert_line --index 0 --regexp "^$LSDOCS/ANNOTATIONS_DELETED.json: 200 \\{\"status\":\"ok\",\"id\":\"sha256:$key\\.[0-9a-f]{16}\"\\}$"
	assert_line --index 7 --regexp "^$LSDOCS/TASKS_DELETED.json: 202 \\{\"status\":\"ignored\","
	[ "$(log_lines annotations.jsonl)" -eq 3 ]
	[ "$(log_lines ignored.jsonl)" -eq 5 ]
	lshook send -s wrong-secret-0123456789abcdef "$BASE_URL/hooks/tasks.fcgi" "$LSDOCS/TASKS_CREATED.json"
	[ "$status" -eq 1 ]
	assert_output "$LSDOCS/TASKS_CREATED.json: 401 {\"status\":\"error\",\"error\":\"bad credentials\"}"
}

@test "send: hmac, standard and basic schemes pass lighttpd" {
	LIGHTTPD_AUTH=header,hmac,standard start_lighttpd
	local url=$BASE_URL/hooks/tasks.fcgi
	lshook send -s "$SECRET" --scheme hmac "$url" "$LSDOCS/TASKS_CREATED.json"
	assert_success
	assert_output --partial ': 200 {"status":"ok"'
	lshook send -s "$SW_SECRET" --scheme standard "$url" "$LSDOCS/TASKS_DELETED.json"
	assert_success
	assert_output --partial ': 200 {"status":"ok","id":"msg_'
	lshook send -s "$SECRET" --scheme basic "$url" "$LSDOCS/PROJECT_DELETED.json"
	assert_success
	assert_output --partial ': 202 {"status":"ignored"'
	lshook send -s "$SECRET" --scheme standard "$url" "$LSDOCS/TASKS_DELETED.json"
	[ "$status" -eq 2 ]
	[ "$stderr" = "lshook: send: --scheme standard needs a whsec_ or base64 secret" ]
}

@test "send: https, no server, bad JSON and usage errors exit 2 with one line" {
	lshook send -s "$SECRET" https://127.0.0.1/hooks/tasks.fcgi "$LSDOCS/TASKS_CREATED.json"
	[ "$status" -eq 2 ]
	[ "$stderr" = "lshook: send: $LSDOCS/TASKS_CREATED.json: https is not supported: use an http:// URL (a TLS proxy can forward to it)" ]
	lshook send --timeout 2 -s "$SECRET" "http://127.0.0.1:$(free_port)/x" "$LSDOCS/TASKS_CREATED.json"
	[ "$status" -eq 2 ]
	[[ $stderr == *"cannot connect to 127.0.0.1 port "*": Connection refused" ]] || fail "$stderr"
	printf '{"action": "X",' > "$BATS_TEST_TMPDIR/bad.json"
	lshook send http://127.0.0.1:1/ "$BATS_TEST_TMPDIR/bad.json"
	[ "$status" -eq 2 ]
	[[ $stderr == "lshook: send: '$BATS_TEST_TMPDIR/bad.json': not JSON ("* ]] || fail "$stderr"
	lshook send http://127.0.0.1:1/
	[ "$status" -eq 2 ]
	lshook send --scheme rot13 -s "$SECRET" http://127.0.0.1:1/ x.json
	[ "$status" -eq 2 ]
	lshook send --header 'no colon' http://127.0.0.1:1/ x.json
	[ "$status" -eq 2 ]
	[[ ${lines[*]:-} == "" ]]
}

# --- tail --------------------------------------------------------------

@test "tail: the last events merged by time, readable, filtered, --json" {
	start_lighttpd
	post_fixtures
	lshook tail -d "$DATA" -n 3
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	assert_line --index 2 --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z  TASKS_DELETED        project [0-9]+      tasks [0-9,+ -]+  annotations [-0-9,+ ]+  sha256:[0-9a-f]{12}$'
	LSHOOK_DATA_DIR=$DATA lshook tail
	assert_success
	[ "${#lines[@]}" -eq 10 ]
	lshook tail -d "$DATA" -n 100
	[ "${#lines[@]}" -eq 11 ]
	assert_line --regexp '  PROJECT_FIRST_SEEN   project [0-9]  '
	lshook tail -d "$DATA" --family annotations --action ANNOTATION_CREATED --action X --project 2
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == *"  ANNOTATION_CREATED   project 2      tasks "*" annotations "* ]]
	lshook tail -d "$DATA" --project 99
	assert_success
	assert_output ""
	lshook tail -d "$DATA" --json -n 1 --family projects
	assert_success
	[ "$output" = "$(tail -n 1 "$DATA/projects.jsonl")" ]
}

@test "tail: torn lines are skipped with a warning; bad directories exit 2" {
	printf '%s\n' '{"v":1,"id":"a","received_at":"2026-01-02T03:04:05.000000Z","action":"TASKS_CREATED","family":"tasks","project_id":7,"task_ids":[1,2,3,4,5,6,7,8],"annotation_ids":[],"payload":{}}' \
	    '{"v":1,"id":"b","rece' > "$DATA/tasks.jsonl"
	printf '%s' '{"v":1,"id":"c","received_at":"2026-01-02T03:04:06.000000Z","action":"X","family":null,"project_id":null,"task_ids":[],"annotation_ids":[],"payload":{}' > "$DATA/ignored.jsonl"
	lshook tail -d "$DATA"
	assert_success
	assert_output "2026-01-02T03:04:05Z  TASKS_CREATED        project 7      tasks 1,2,3,4,5 +3  annotations -             a"
	[[ $stderr == *"tasks.jsonl:2: skipped a line that is not JSON"* ]] || fail "$stderr"
	[[ $stderr == *"ignored.jsonl:1: skipped a torn last line"* ]] || fail "$stderr"
	lshook tail -d "$DATA/none"
	[ "$status" -eq 2 ]
	[ "$stderr" = "lshook: tail: cannot open data directory '$DATA/none': No such file or directory" ]
	lshook tail
	[ "$status" -eq 2 ]
	[ "$stderr" = "lshook: tail: no data directory (use -d DIR or set LSHOOK_DATA_DIR)" ]
	lshook tail -d "$DATA" --family nope
	[ "$status" -eq 2 ]
	lshook tail -d "$DATA" -n -1
	[ "$status" -eq 2 ]
}

@test "tail -f: new events, a rotated log read from its start, stopped by SIGTERM" {
	start_lighttpd
	local url=$BASE_URL/hooks/tasks.fcgi out=$BATS_TEST_TMPDIR/tail.out
	"$LSHOOK" send -s "$SECRET" "$url" "$LSDOCS/TASKS_CREATED.json" >/dev/null
	timeout 60 "${VALGRIND_CMD[@]}" "$LSHOOK" tail -d "$DATA" -f -n 1 --family tasks \
	    > "$out" 2> "$BATS_TEST_TMPDIR/tail.err" &
	TAIL_PID=$!
	wait_lines() {
		local i
		for i in $(seq 150); do
			[ "$(wc -l < "$out")" -ge "$1" ] && return 0
			sleep 0.1
		done
		fail "tail printed $(wc -l < "$out") lines, not $1: $(cat "$out" "$BATS_TEST_TMPDIR/tail.err")"
	}
	wait_lines 1
	"$LSHOOK" send -s "$SECRET" "$url" "$LSDOCS/TASKS_DELETED.json" >/dev/null
	wait_lines 2
	mv "$DATA/tasks.jsonl" "$DATA/tasks.jsonl.1"
	jq '.tasks[0].id = 101' "$LSDOCS/TASKS_CREATED.json" > "$BATS_TEST_TMPDIR/t2.json"
	"$LSHOOK" send -s "$SECRET" "$url" "$BATS_TEST_TMPDIR/t2.json" >/dev/null
	wait_lines 3
	kill -TERM "$TAIL_PID"
	local rc=0
	wait "$TAIL_PID" || rc=$?
	TAIL_PID=
	[ "$rc" -eq 0 ] || fail "tail -f exited $rc: $(cat "$BATS_TEST_TMPDIR/tail.err")"
	run cat "$out"
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[0]} == *"  TASKS_CREATED  "* ]]
	[[ ${lines[1]} == *"  TASKS_DELETED  "* ]]
	[[ ${lines[2]} == *"  TASKS_CREATED  "* ]]
	[ ! -s "$BATS_TEST_TMPDIR/tail.err" ] || fail "$(cat "$BATS_TEST_TMPDIR/tail.err")"
}

# --- stats -------------------------------------------------------------

@test "stats: counts of the posted fixtures, text and --json" {
	start_lighttpd
	post_fixtures
	jq '.x = 1' "$LSDOCS/PROJECT_DELETED.json" > "$BATS_TEST_TMPDIR/p.json"
	lshook send -s "$SECRET" "$BASE_URL/hooks/tasks.fcgi" "$BATS_TEST_TMPDIR/p.json"
	assert_output --partial ': 202 {"status":"ignored"'
	lshook stats -d "$DATA"
	assert_success
	assert_line "events: 11"
	assert_line "ignored: 1"
	assert_line "duplicates: 0"
	assert_line --regexp '^  annotations  ANNOTATION_CREATED +1$'
	assert_line --regexp '^  projects     PROJECT_FIRST_SEEN +3$'
	assert_line --regexp '^  1 +3$'
	assert_line --regexp "^  $(date -u +%F) +11\$"
	lshook stats -d "$DATA" --json
	assert_success
	run jq -c '[.events, .ignored, .duplicates, .actions.tasks, .actions.projects.PROJECT_FIRST_SEEN, .projects, (.first <= .last)]' <<<"$output"
	assert_output '[11,1,0,{"TASKS_CREATED":1,"TASKS_DELETED":1},3,{"1":3,"2":5,"3":3},true]'
	# the handlers count duplicate deliveries in state/stats.db
	run_cgi tasks '{"action":"TASKS_CREATED","tasks":[{"id":99}]}' LSHOOK_DEDUP_WINDOW=3600
	run_cgi tasks '{"action":"TASKS_CREATED","tasks":[{"id":99}]}' LSHOOK_DEDUP_WINDOW=3600
	assert_http 200 .status duplicate
	lshook stats -d "$DATA"
	assert_line "duplicates: 1"
}

@test "stats: an empty directory, a torn line, and errors" {
	lshook stats -d "$DATA" --json
	assert_success
	assert_output '{"events":0,"ignored":0,"duplicates":null,"skipped":0,"first":null,"last":null,"actions":{},"projects":{},"days":{}}'
	printf '%s\n{"v":1,' '{"v":1,"id":"t","received_at":"2026-11-26T00:00:00.000000Z","action":"TRAIN_REQUESTED","family":"training","project_id":5,"task_ids":[],"annotation_ids":[],"payload":{}}' > "$DATA/training.jsonl"
	lshook stats -d "$DATA"
	assert_success
	assert_line "events: 1"
	assert_line "skipped lines: 1"
	assert_line --regexp '^  training     TRAIN_REQUESTED +1$'
	[[ $stderr == *"training.jsonl:2: skipped a torn last line"* ]] || fail "$stderr"
	lshook stats -d "$DATA/missing"
	[ "$status" -eq 2 ]
	[ "$stderr" = "lshook: stats: cannot open data directory '$DATA/missing': No such file or directory" ]
	lshook stats -d "$DATA" extra
	[ "$status" -eq 2 ]
}
