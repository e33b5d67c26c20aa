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
	mapfile -t cmds < <(printf '%s\n' "$output" | grep '^curl ')
	[ "${#cmds[@]}" -eq 11 ]
	codes=()
	for c in "${cmds[@]}"; do
		codes+=("$(eval "$c -s -o /dev/null -w '%{http_code}'")")
	done
	[ "${codes[*]}" = "200 200 200 200 200 200 200 200 200 401 200" ] ||
	    fail "status codes: ${codes[*]}"
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
