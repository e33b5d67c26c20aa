#!/usr/bin/env bats
# man.bats: the man pages lint clean, name every setting and subcommand
# the code has (so they cannot go stale), and install.
load helpers

PAGES=("$ROOT/man/lshook.1" "$ROOT/man/lshook.conf.5" "$ROOT/man/lshook-handlers.8")

@test "man: mandoc -Tlint reports no warning or error" {
	local page
	for page in "${PAGES[@]}"; do
		run mandoc -Tlint -Wwarning "$page"
		[ "$status" -eq 0 ] && [ -z "$output" ] ||
		    fail "$page: $output"
	done
}

@test "man: lshook.conf(5) names every setting of lib/config.c" {
	local keys key
	keys=$(sed -n '/known_keys\[\] = {/,/NULL/p' "$ROOT/lib/config.c" |
	    grep -o '"LSHOOK_[A-Z_]*"' | tr -d '"')
	[ "$(wc -w <<<"$keys")" -ge 15 ] || fail "cannot read known_keys: $keys"
	keys="$keys LSHOOK_ON_"
	for key in $keys; do
		grep -q "^\.It Ev $key\( \|$\)" "$ROOT/man/lshook.conf.5" ||
		    fail "$key is not described in lshook.conf.5"
	done
}

@test "man: lshook(1) describes every subcommand of cli/main.c" {
	local cmds cmd
	cmds=$(sed -n '/commands\[\] = {/,/NULL, NULL/p' "$ROOT/cli/main.c" |
	    grep -o '{ "[a-z-]*"' | tr -d '{ "')
	[ "$(wc -w <<<"$cmds")" -ge 8 ] || fail "cannot read the table: $cmds"
	for cmd in $cmds; do
		grep -qx "\.Ss $cmd" "$ROOT/man/lshook.1" ||
		    fail "$cmd has no section in lshook.1"
	done
}

@test "man: lshook --help points to the Label Studio setup of lshook-handlers(8)" {
	run --separate-stderr "$ROOT/bin/lshook" --help
	assert_success
	assert_output --partial 'section LABEL STUDIO SETUP of
"man lshook-handlers" ("man -l man/lshook-handlers.8"), and README.md,
"Configuring Label Studio".'
	grep -qx '\.Sh LABEL STUDIO SETUP' "$ROOT/man/lshook-handlers.8"
	# what a user needs from it: both menus, the header, every endpoint
	run sh -c "LC_ALL=C.UTF-8 man -l '$ROOT/man/lshook-handlers.8' 2>/dev/null |
	    sed -n '/^LABEL STUDIO SETUP/,/^SIGNALS/p'"
	assert_output --partial 'Settings → Webhooks → Add Webhook'
	assert_output --partial 'Settings → Model → Connect Model'
	assert_output --partial 'Authorization with the value Bearer <secret>'
	for h in tasks annotations projects training; do
		assert_output --partial "base/$h.fcgi"
	done
	grep -q '^## Configuring Label Studio$' "$ROOT/README.md"
}

@test "man: make install puts the pages in share/man, uninstall removes them" {
	local dest=$BATS_TEST_TMPDIR/dest
	run make -C "$ROOT" --no-print-directory install DESTDIR="$dest" PREFIX=/usr
	assert_success
	assert_file_exists "$dest/usr/share/man/man1/lshook.1"
	assert_file_exists "$dest/usr/share/man/man5/lshook.conf.5"
	assert_file_exists "$dest/usr/share/man/man8/lshook-handlers.8"
	cmp "$ROOT/man/lshook.1" "$dest/usr/share/man/man1/lshook.1"
	run make -C "$ROOT" --no-print-directory uninstall DESTDIR="$dest" PREFIX=/usr
	assert_success
	assert_file_not_exists "$dest/usr/share/man/man1/lshook.1"
	assert_file_not_exists "$dest/usr/share/man/man5/lshook.conf.5"
	assert_file_not_exists "$dest/usr/share/man/man8/lshook-handlers.8"
}
