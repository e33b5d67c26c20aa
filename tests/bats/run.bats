#!/usr/bin/env bats
# run.bats: `make run` starts a working server and its printed curl
# commands do what they say; `make stop` stops it.
load helpers

setup() {
	export LSHOOK_RUN_DIR=$BATS_TEST_TMPDIR/run
	export LSHOOK_PORT
	LSHOOK_PORT=$(free_port)
}

teardown() {
	[ -z "${HOLDER_PID:-}" ] || kill "$HOLDER_PID" 2>/dev/null || true
	if [ -f "$LSHOOK_RUN_DIR/lighttpd.pid" ]; then
		kill -TERM "$(cat "$LSHOOK_RUN_DIR/lighttpd.pid")" 2>/dev/null || true
	fi
}

@test "run: make run serves the four handlers and its curl commands work" {
	run make -s -C "$ROOT" run
	assert_success
	assert_output --partial "listening on http://127.0.0.1:$LSHOOK_PORT/hooks/"
	assert_output --partial "manual: man -l $ROOT/man/lshook.1 (Label Studio setup: man -l $ROOT/man/lshook-handlers.8)"
	secret=$(cat "$LSHOOK_RUN_DIR/secret")
	[[ $secret == whsec_* ]]
	[ "$(stat -c %a "$LSHOOK_RUN_DIR/secret")" = 600 ]
	assert_output --partial "status page: http://127.0.0.1:$LSHOOK_PORT/status/"
	mapfile -t cmds < <(printf '%s\n' "$output" | grep '^curl ')
	[ "${#cmds[@]}" -eq 13 ]
	[[ ${cmds[11]} == *"/hooks/tasks.fcgi?check'" ]] || fail "check: ${cmds[11]}"
	[[ ${cmds[12]} == *" http://127.0.0.1:$LSHOOK_PORT/hooks/status.fcgi" ]] ||
	    fail "status: ${cmds[12]}"
	codes=()
	for c in "${cmds[@]}"; do
		codes+=("$(eval "$c -s -o /dev/null -w '%{http_code}'")")
	done
	[ "${codes[*]}" = "200 200 200 200 200 200 200 200 200 401 200 200 200" ] ||
	    fail "status codes: ${codes[*]}"
	eval "${cmds[11]/curl -i/curl} -s" | jq -e '.status == "ok" and .check.handler == "tasks"'
	eval "${cmds[12]/curl -i/curl} -s" | jq -e '.families.tasks.count == 3'
	[ -z "$(find "$LSHOOK_RUN_DIR/data" -name '.lshook-check*')" ]
	DATA=$LSHOOK_RUN_DIR/data
	[ "$(log_lines tasks.jsonl)" -eq 3 ]
	[ "$(log_lines annotations.jsonl)" -eq 2 ]
	[ "$(log_lines projects.jsonl)" -eq 2 ]
	[ "$(log_lines training.jsonl)" -eq 2 ]
	for f in $(event_files); do assert_wellformed_log "$DATA/$f"; done
	run ! grep -rF "$secret" "$DATA"
	run make -s -C "$ROOT" stop
	assert_output "lshook stopped"
	run curl -s "http://127.0.0.1:$LSHOOK_PORT/hooks/training.fcgi/health"
	assert_failure
}

@test "run: make run twice keeps the secret and the server" {
	run make -s -C "$ROOT" run
	assert_success
	first=$(cat "$LSHOOK_RUN_DIR/secret")
	run make -s -C "$ROOT" run
	assert_success
	assert_output --partial "already running"
	[ "$(cat "$LSHOOK_RUN_DIR/secret")" = "$first" ]
	run make -s -C "$ROOT" stop
	assert_output "lshook stopped"
}

@test "run: a taken port is named, with the LSHOOK_PORT to use instead" {
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
time.sleep(60)' "$LSHOOK_PORT" 3>&- &
	HOLDER_PID=$!
	for i in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$LSHOOK_PORT") 2>/dev/null && break
		sleep 0.1
	done
	run --separate-stderr make -s -C "$ROOT" run
	assert_failure
	# the first line; make adds its own
	[[ ${stderr%%$'\n'*} =~ ^"port $LSHOOK_PORT is taken: LSHOOK_PORT="([0-9]+)" make run"$ ]] ||
	    fail "stderr: $stderr"
	[ "${BASH_REMATCH[1]}" -gt "$LSHOOK_PORT" ]
	[ ! -f "$LSHOOK_RUN_DIR/lighttpd.pid" ]
}
