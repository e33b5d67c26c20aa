#!/usr/bin/env bats
# browser.bats: the status page (www/status/) in headless Chromium.
# lighttpd serves www/ with the handlers; the fixtures are posted with
# curl; tests/browser/status.test.mjs (playwright-core) logs in and checks
# what the page shows, and leaves tests/artifacts/status.png.  Skips only
# when node or Chromium is missing, Chromium cannot start, or playwright-core
# is not installed and the npm registry cannot be reached.
load helpers

BROWSER=$ROOT/tests/browser

setup() { setup_data; }

teardown() { [ -z "${LIGHTTPD_PID:-}" ] || stop_lighttpd; }

# playwright-core from package-lock.json, once.  A registry this machine
# cannot reach is a skip that says so (a few seconds, not npm's minute of
# retries); any other npm failure fails the test.
install_playwright() {
	local log=$BATS_TEST_TMPDIR/npm-ci.log registry
	[ -f "$BROWSER/node_modules/playwright-core/package.json" ] && return 0
	command -v npm >/dev/null ||
	    skip "npm is not installed (it comes with Node.js): cannot install playwright-core"
	if (cd "$BROWSER" && npm ci --no-audit --no-fund --loglevel=error \
	    --fetch-retries=1 --fetch-retry-mintimeout=1000 \
	    --fetch-retry-maxtimeout=3000 --fetch-timeout=20000) > "$log" 2>&1; then
		sed "s/^/# /" "$log" >&3
		return 0
	fi
	registry=$(cd "$BROWSER" && npm config get registry 2>/dev/null)
	# no route, no name, refused, timed out; or something answering for
	# the registry (a proxy, a mirror) that does not serve the package
	if grep -qE 'code E(CONNREFUSED|CONNRESET|NOTFOUND|AI_AGAIN|TIMEDOUT|NETUNREACH|HOSTUNREACH|403|404|50[0-9])|network' "$log"; then
		skip "cannot get playwright-core from the npm registry ${registry:-?}: $(grep -m1 -oE 'code E[A-Z_0-9]+' "$log") (install tests/browser/node_modules with npm ci where the registry is reachable)"
	fi
	fail "npm ci in tests/browser failed: $(cat "$log")"
}

post() {	# post HANDLER FILE [PATH-SUFFIX]
	run curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $SECRET" \
	    -H 'Content-Type: application/json' --data-binary @"$2" \
	    "$BASE_URL/hooks/$1.fcgi${3:-}"
	[ "$output" = 200 ] || fail "$1: $output"
}

@test "browser: the status page shows counts, labels and the chart" {
	command -v node >/dev/null || skip "node is not installed"
	[ -x "${CHROMIUM:-/usr/bin/chromium}" ] ||
	    skip "no Chromium at ${CHROMIUM:-/usr/bin/chromium} (Debian package chromium)"
	install_playwright
	start_lighttpd
	post tasks "$LSDOCS/TASKS_CREATED.json"
	post tasks "$LSDOCS/TASKS_DELETED.json"
	post annotations "$LSDOCS/ANNOTATION_CREATED.json"
	post projects "$LSDOCS/PROJECT_UPDATED.json"
	post training "$FIXTURES/START_TRAINING.json" /webhook
	run --separate-stderr env EXPECT_TASKS=2 EXPECT_ANNOTATIONS=1 \
	    timeout 180 node "$BROWSER/status.test.mjs" "$BASE_URL" "$SECRET" \
	    "$ROOT/tests/artifacts"
	[ "$status" -ne 77 ] || skip "Chromium cannot start: $stderr"
	[ "$status" -eq 0 ] || fail "$output $stderr"
	assert_file_exists "$ROOT/tests/artifacts/status.png"
}
