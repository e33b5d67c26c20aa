#!/usr/bin/env bats
# testrun.bats: tests/run, which make check and .ci/run use, shows each
# test's TAP line as the test ends (not when the whole run is over) and
# closes with the line .ci/run reads.
load helpers

@test "tests/run: each TAP line shows as its test ends; the count closes" {
	# ${at}test: bats would take the lines as tests of this file
	local t=$BATS_TEST_TMPDIR at=@
	# the second test passes only once the first one's line was seen
	cat > "$t/three.bats" <<EOF
${at}test "first" { true; }
${at}test "second, after the first's line" {
	for i in \$(seq 100); do [ -e "$t/seen" ] && return 0; sleep 0.1; done
	false
}
${at}test "third" { skip "a reason"; }
EOF
	# a bats of its own: none of this run's variables and functions
	run env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$HOME" bash -c "
	    '$ROOT/tests/run' '$t/three.bats' | while IFS= read -r l; do
	    printf '%s\n' \"\$l\"
	    case \$l in 'ok 1 first'*) touch '$t/seen' ;; esac
	done"
	assert_success
	assert_line --regexp '^ok 2 second, after the first.s line'
	assert_line --regexp '^ok 3 third( in [0-9]+ms)? # skip a reason$'
	# the last line, as .ci/run parses it
	[ "${lines[-1]}" = "2 passed, 0 failed, 1 skipped" ]
	[[ ${lines[-1]} =~ ^[0-9]+\ passed,\ [0-9]+\ failed(,\ [0-9]+\ skipped)?$ ]]
}
