#!/usr/bin/env bats
# bundle.bats: `make bundle` gives a tarball whose handlers run on a host
# without libfcgi, libcjson and libsodium installed.
load helpers

MULTIARCH=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
SYSLIBS="/usr/lib/$MULTIARCH/libfcgi.so.0 /usr/lib/$MULTIARCH/libcjson.so.1 /usr/lib/$MULTIARCH/libsodium.so.23 /usr/lib/$MULTIARCH/libexpat.so.1"

# hidden_run CMD...: run CMD in a mount namespace where the system copies
# of the three libraries are replaced by /dev/null, as on a bare host.
hidden_run() {
	local hide=""
	for l in $SYSLIBS; do
		hide="$hide mount --bind /dev/null $l &&"
	done
	unshare --mount --propagation private sh -c "$hide exec \"\$@\"" sh "$@"
}

setup_file() {
	make -s -C "$ROOT" bundle >/dev/null
}

setup() {
	setup_data
	tarball=$(ls "$ROOT"/dist/lshook-*.tar.gz)
	dest=$BATS_TEST_TMPDIR/host
	mkdir -p "$dest"
	tar -C "$dest" -xzf "$tarball"
	top=$(ls -d "$dest"/lshook-*)
}

@test "bundle: the tarball holds www/ with the handlers, the library, the configs and the install steps" {
	for h in tasks annotations projects training; do
		assert_file_executable "$top/www/hooks/$h.fcgi"
	done
	assert_file_exists "$top/www/hooks/libcjson.so.1"
	assert_file_exists "$top/www/.htaccess"
	assert_file_exists "$top/INSTALL.md"
	assert_file_exists "$top/lshook.conf.example"
	assert_dir_exists "$top/lshook-data"
	[ "$(stat -c %a "$top/lshook-data")" = 750 ]
	grep -q '^## Deploying' "$top/INSTALL.md"
}

@test "bundle: handlers need only libc and the bundled libcjson, found through \$ORIGIN" {
	run readelf -d "$top/www/hooks/tasks.fcgi"
	assert_success
	needed=$(printf '%s\n' "$output" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
	case $needed in
	*libfcgi*|*libsodium*|*libexpat*) fail "still needs system libraries: $needed" ;;
	esac
	[[ $needed == *libcjson.so.1* ]]
	assert_output --partial 'Library runpath: [$ORIGIN]'
}

@test "bundle: with the system libraries hidden, the regular build fails and the bundle serves a request" {
	body=$(cat "$LSDOCS/TASKS_CREATED.json")
	# control: the hiding works, the normally linked handler cannot load
	run -127 hidden_run "$HOOKS/tasks.fcgi"
	assert_output --partial "error while loading shared libraries"
	run hidden_run env -i REQUEST_METHOD=POST CONTENT_LENGTH=${#body} \
	    CONTENT_TYPE=application/json HTTP_AUTHORIZATION="Bearer $SECRET" \
	    LSHOOK_SECRET="$SECRET" LSHOOK_DATA_DIR="$DATA" \
	    "$top/www/hooks/tasks.fcgi" < "$LSDOCS/TASKS_CREATED.json"
	assert_success
	parse_response
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	assert_wellformed_log "$DATA/tasks.jsonl"
}
