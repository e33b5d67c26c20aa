#!/usr/bin/env bats
# readme.bats: the README's examples run, so they cannot go stale.  The
# tour runs as written, with only its port and run folder moved to ones
# this test picks; the log examples run against the data it leaves.
load helpers

# block HEADING N: the Nth ```sh or ```python block after "## HEADING".
block() {
	awk -v h="## $1" -v n="$2" '
	    $0 == h { in_section = 1; next }
	    in_section && /^## / { exit }
	    in_section && /^```(sh|python)$/ { k++; if (k == n) { copy = 1; next } }
	    copy && /^```$/ { exit }
	    copy { print }' "$ROOT/README.md"
}

setup() {
	export LSHOOK_RUN_DIR=$BATS_TEST_TMPDIR/run LSHOOK_PORT
	LSHOOK_PORT=$(free_port)
}

teardown() {
	if [ -f "$LSHOOK_RUN_DIR/lighttpd.pid" ]; then
		kill -TERM "$(cat "$LSHOOK_RUN_DIR/lighttpd.pid")" 2>/dev/null || true
	fi
}

@test "readme: the ten-minute tour runs as written" {
	script=$(block "A ten-minute tour" 1)
	[ -n "$script" ] || fail "no tour block"
	# the port and run folder this test picked; tail -f follows forever
	script=$(printf '%s\n' "$script" | grep -v 'tail -f' |
	    sed -e "s|127.0.0.1:8089|127.0.0.1:$LSHOOK_PORT|g" \
	        -e "s|run/secret|$LSHOOK_RUN_DIR/secret|g" \
	        -e "s|\$PWD/run/data|$LSHOOK_RUN_DIR/data|g" \
	        -e "s|^make run|make -s run|; s|^make stop|make -s stop|")
	cd "$ROOT"
	run bash -ec "$script"
	assert_success
	assert_output --partial 'TASKS_CREATED.json: 200 {"status":"ok"'
	assert_output --partial 'ANNOTATION_CREATED.json: 200'
	assert_output --partial 'TASKS_DELETED.json: 202'
	assert_output --partial 'lshook stopped'
	DATA=$LSHOOK_RUN_DIR/data
	[ "$(log_lines annotations.jsonl)" -ge 3 ]
}

@test "readme: the log examples (jq and Python) run on real logs" {
	setup_data
	for f in ANNOTATION_CREATED ANNOTATION_UPDATED; do
		run_cgi_file annotations "$LSDOCS/$f.json"
		assert_http 200
	done
	run_cgi_file tasks "$LSDOCS/TASKS_CREATED.json"
	cd "$DATA/.."
	script=$(block "The logs" 1)
	run bash -ec "$script"
	assert_success
	assert_output --partial '"project_id":2'
	script=$(block "The logs" 2)
	run /usr/bin/python3 -c "$script"
	assert_success
	assert_output --partial "TASKS_CREATED [21, 22, 23]"
}
