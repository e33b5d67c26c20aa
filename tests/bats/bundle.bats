#!/usr/bin/env bats
# bundle.bats: `make bundle` gives a tarball whose handlers and lshook run
# on a host without libfcgi, libcjson, libsodium and libexpat installed and
# with a C library as old as the documented floor (GLIBC_FLOOR in the
# Makefile), and whose INSTALL.md names only what it holds.
load helpers

MULTIARCH=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
SYSLIBS="/usr/lib/$MULTIARCH/libfcgi.so.0 /usr/lib/$MULTIARCH/libcjson.so.1 /usr/lib/$MULTIARCH/libsodium.so.23 /usr/lib/$MULTIARCH/libexpat.so.1"

# hidden_run CMD...: run CMD in a mount namespace where the system copies
# of the four libraries are replaced by /dev/null, as on a bare host.
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

# glibc_above FLOOR FILE: print each GLIBC_x.y version FILE imports (or
# defines) that is newer than FLOOR, one a line, with FILE's name.
glibc_above() {
	local floor=$1 file=$2 v newest
	for v in $(objdump -T "$file" | grep -o 'GLIBC_[0-9][0-9.]*' | sort -u); do
		newest=$(printf '%s\n%s\n' "${v#GLIBC_}" "$floor" | sort -V | tail -n 1)
		[ "$newest" = "$floor" ] || echo "${file#"$top"/}: $v"
	done
}

# The programs of the bundle and the library they load.
bundle_objects() {
	printf '%s\n' "$top"/www/hooks/*.fcgi "$top"/www/hooks/libcjson.so.1 \
	    "$top"/bin/lshook "$top"/bin/libcjson.so.1
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
	for h in tasks annotations projects training status; do
		assert_file_executable "$top/www/hooks/$h.fcgi"
	done
	assert_file_exists "$top/www/hooks/libcjson.so.1"
	assert_file_exists "$top/www/.htaccess"
	assert_file_exists "$top/www/status/index.html"
	assert_file_exists "$top/www/status/.htaccess"
	assert_file_executable "$top/bin/lshook"
	assert_file_exists "$top/bin/libcjson.so.1"
	assert_file_exists "$top/systemd/lshook-fcgi@.service"
	assert_file_exists "$top/INSTALL.md"
	assert_file_exists "$top/lshook.conf.example"
	assert_dir_exists "$top/lshook-data"
	[ "$(stat -c %a "$top/lshook-data")" = 750 ]
	grep -q '^## Deploying' "$top/INSTALL.md"
}

@test "bundle: handlers and lshook need only libc and the bundled libcjson, found through \$ORIGIN" {
	for f in "$top"/www/hooks/*.fcgi "$top/bin/lshook"; do
		run readelf -d "$f"
		assert_success
		needed=$(printf '%s\n' "$output" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
		# make check SANITIZE=1 builds every object with the sanitizers:
		# their runtimes are the only other libraries such a build needs
		sanitized_build && needed=$(printf '%s' "$needed" |
		    sed -e 's/libasan\.so\.[0-9]* //; s/libubsan\.so\.[0-9]* //')
		case $needed in
		*libfcgi*|*libsodium*|*libexpat*) fail "$f still needs system libraries: $needed" ;;
		esac
		[[ $needed == "libc.so.6 libcjson.so.1 " ]] || fail "$f needs: $needed"
		assert_output --partial 'Library runpath: [$ORIGIN]'
	done
}

@test "bundle: no program or library of the bundle imports a glibc symbol above the documented floor" {
	floor=$(make -s -C "$ROOT" --no-print-directory glibc-floor)
	[[ $floor =~ ^2\.[0-9]+$ ]] || fail "GLIBC_FLOOR: '$floor'"
	# control: the check sees a newer version where there is one (the
	# build machine's own libc defines its newest versions)
	libc=/lib/$MULTIARCH/libc.so.6
	if [ "$(glibc_above "$floor" "$libc")" = "" ]; then
		skip "this machine's glibc is not above the floor $floor"
	fi
	above=""
	objects=$(bundle_objects)
	[ "$(printf '%s\n' "$objects" | wc -l)" -eq 8 ]
	for f in $objects; do
		run objdump -T "$f"
		assert_success
		assert_output --partial '(GLIBC_'
		above+=$(glibc_above "$floor" "$f")
	done
	[ -z "$above" ] || fail "imports above glibc $floor: $above"
	# the docs name the same floor
	for doc in README.md INSTALL.md apache/SHARED-HOSTING.md; do
		grep -q "glibc $floor or later" "$top/$doc" || fail "$doc does not name glibc $floor"
		if grep -o 'glibc 2\.[0-9]* or later' "$top/$doc" | grep -v "glibc $floor or later"; then
			fail "$doc names another glibc floor"
		fi
	done
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

@test "bundle: with the system libraries hidden, the bundled lshook checks and tails the logs" {
	body=$(cat "$LSDOCS/TASKS_CREATED.json")
	run hidden_run env -i REQUEST_METHOD=POST CONTENT_LENGTH=${#body} \
	    CONTENT_TYPE=application/json HTTP_AUTHORIZATION="Bearer $SECRET" \
	    LSHOOK_SECRET="$SECRET" LSHOOK_DATA_DIR="$DATA" \
	    "$top/www/hooks/tasks.fcgi" < "$LSDOCS/TASKS_CREATED.json"
	assert_success
	# control: the regular build's lshook cannot load there
	run -127 hidden_run "$ROOT/bin/lshook" check -d "$DATA"
	assert_output --partial "error while loading shared libraries"
	run hidden_run "$top/bin/lshook" check -d "$DATA"
	assert_success
	assert_output --regexp '^[1-9][0-9]* records in [1-9][0-9]* logs, 0 problems$'
	run hidden_run "$top/bin/lshook" tail -d "$DATA"
	assert_success
	# the event, and the PROJECT_FIRST_SEEN it led to
	assert_line --regexp '  TASKS_CREATED +project 2 +tasks 21,22,23 '
	assert_line --regexp '  PROJECT_FIRST_SEEN +project 2 '
	# lshook reads its ontology from libexpat, linked in: rebuilding works
	run hidden_run "$top/bin/lshook" ontology rebuild -d "$DATA"
	assert_success
}

# install_paths: every file or folder INSTALL.md names, one a line: the
# relative paths in its `code` spans, and docs/... named in the text.
# Absolute paths, ~/, $(PREFIX), URLs and <placeholders> are the host's.
install_paths() {
	local span w
	tr '\n' ' ' < "$top/INSTALL.md" | grep -o '`[^`]*`' | tr -d '`' |
	while read -r span; do
		for w in $span; do
			case $w in
			*'<'*|*'>'*|'~'*|/*|'$'*|*://*) continue ;;
			esac
			w=${w%[,.;:)]}
			if [[ $w =~ ^[A-Za-z0-9_.@*{},-]+/[A-Za-z0-9_.@*/-]*$ ]] ||
			    [[ $w =~ ^(\.htaccess|[A-Za-z0-9_-]+\.md|[A-Za-z0-9_.-]+\.example|libcjson\.so\.1)$ ]]; then
				printf '%s\n' "$w"
			fi
		done
	done
	grep -oE '(^|[ (])docs/[A-Za-z0-9_.-]+' "$top/INSTALL.md" | sed 's/^[ (]//'
}

@test "bundle: every file and folder INSTALL.md names is in the bundle" {
	paths=$(install_paths | sort -u)
	# the extraction finds what the steps rely on
	for p in systemd/lshook-fcgi@.service apache/SHARED-HOSTING.md hooks/ status/ bin/lshook \
	    lshook.conf.example nginx/README.md docs/PERFORMANCE.md; do
		grep -qxF "$p" <<<"$paths" || fail "not extracted: $p"
	done
	missing=""
	for p in $paths; do
		case $p in
		tests/*)	# where a claim is tested: the source tree has it
			compgen -G "$ROOT/$p" >/dev/null || missing+=" $p (source)" ;;
		*)
			compgen -G "$top/$p" >/dev/null || compgen -G "$top/www/$p" >/dev/null ||
			    compgen -G "$top/www/hooks/$p" >/dev/null || missing+=" $p" ;;
		esac
	done
	[ -z "$missing" ] || fail "INSTALL.md names what the bundle lacks:$missing"
}

# has_section FILE TITLE: FILE (in the bundle) has a heading TITLE.
has_section() {
	grep -qxF -e "## $2" -e "### $2" -e "# $2" "$top/$1"
}

@test "bundle: INSTALL.md's steps start from the bundle and name sections that exist" {
	steps=$(awk '/^[0-9]+\. / { on = 1 } on && /^$/ { on = 0 } on' "$top/INSTALL.md" |
	    tr '\n' ' ' | sed 's/`[^`]*`//g')
	[[ $steps == "1. "* ]] || fail "no numbered steps"
	# the reader holds the bundle: step 1 unpacks it (not `make bundle`)
	[[ ${steps%% 2. *} == *unpack* ]] || fail "step 1: ${steps%% 2. *}"
	# an excerpt of the README: "above" and "below" point nowhere
	if grep -Eiwo 'above|below' <<<"$steps"; then
		fail "a step points outside INSTALL.md"
	fi
	titles=$(grep -o '"[^"]*"' <<<"$steps" | tr -d '"')
	[ -n "$titles" ]
	while read -r t; do
		has_section README.md "$t" || has_section INSTALL.md "$t" ||
		    fail "a step names a missing section: \"$t\""
	done <<<"$titles"
	# every FILE, "Section" reference of INSTALL.md resolves in the bundle
	refs=$(tr '\n' ' ' < "$top/INSTALL.md" | grep -oE '[A-Za-z/._-]+\.md`?, "[^"]+"')
	[ -n "$refs" ]
	while read -r r; do
		f=${r%%,*}; f=${f%\`}; t=${r#*\"}; t=${t%\"}
		has_section "$f" "$t" || fail "$f has no section \"$t\""
	done <<<"$refs"
}
