#!/usr/bin/env bats
# install.bats: make install honours PREFIX and DESTDIR; uninstall undoes it.
load helpers

@test "install: make install puts the handlers and docs under DESTDIR/PREFIX" {
	dest=$BATS_TEST_TMPDIR/dest
	run make -s -C "$ROOT" install DESTDIR="$dest" PREFIX=/opt/lshook
	assert_success
	for h in tasks annotations projects training; do
		assert_file_executable "$dest/opt/lshook/libexec/lshook/$h.fcgi"
	done
	assert_file_exists "$dest/opt/lshook/share/doc/lshook/README.md"
	# the installed copy is a working handler
	setup_data
	HOOKS=$dest/opt/lshook/libexec/lshook run_cgi_file tasks "$LSDOCS/TASKS_CREATED.json"
	assert_http 200 .status ok
	run make -s -C "$ROOT" uninstall DESTDIR="$dest" PREFIX=/opt/lshook
	assert_success
	assert_file_not_exists "$dest/opt/lshook/libexec/lshook/tasks.fcgi"
	assert_file_not_exists "$dest/opt/lshook/share/doc/lshook/README.md"
}
