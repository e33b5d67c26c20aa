#!/usr/bin/env bats
# bigbatch.bats: Label Studio's largest events under the shipped limits.
#
# Label Studio posts a bulk list (tasks imported, annotations created) in
# chunks of WEBHOOK_BATCH_SIZE, 5000 tasks each, every POST with the whole
# project.  5000 tasks of 15,000-character texts are about 98 MB as
# requests' json= writes them (bench/gen_payloads.py --long), over the
# 64 MiB limit lshook and its server configurations shipped before: such
# a batch got 413 and was lost (Label Studio does not retry).  Here it goes
# through lighttpd with the shipped configurations, FastCGI and CGI, with
# no setting lowered or raised, and is stored byte for byte; a body of
# exactly the shipped limit is stored too (one byte more is refused with
# 413 in lighttpd.bats and lighttpd-cgi.bats).
load helpers
load http

# The batch is made once for the file (1 to 2 s), with the SHA-256 of the
# payload lshook must store: the body compacted, the project's secrets
# redacted.
setup_file() {
	BATCH=$BATS_FILE_TMPDIR/batch.json
	/usr/bin/python3 "$ROOT/bench/gen_payloads.py" --long "$BATCH"
	BATCH_PAYLOAD_SHA=$(/usr/bin/python3 -c '
import hashlib, json, sys
body = json.load(open(sys.argv[1], "rb"))
for k in ("token", "task_data_login", "task_data_password"):
    if k in body["project"]:
        body["project"][k] = "[redacted]"
out = json.dumps(body, separators=(",", ":")).encode()
print(hashlib.sha256(out).hexdigest())' "$BATCH")
	export BATCH BATCH_PAYLOAD_SHA
}

setup() { setup_data; }

teardown() { stop_lighttpd; }

# post_batch: post the batch to the tasks handler, as Label Studio does
# (one POST, Content-Length, no Expect: 100-continue).
post_batch() {
	CURL_TIMEOUT=60 curl_http /hooks/tasks.fcgi \
	    -H 'Content-Type: application/json' -H "Authorization: Bearer $SECRET" \
	    -H 'Expect:' --data-binary "@$BATCH"
}

# check_batch_record: tasks.jsonl holds one record, the batch's: its 5000
# task ids, and its payload byte for byte.
check_batch_record() {
	[ "$(log_lines tasks.jsonl)" -eq 1 ] || fail "$(log_lines tasks.jsonl) records"
	run /usr/bin/python3 -c '
import hashlib, json, sys
line = open(sys.argv[1], "rb").read()
start = line.index(b",\"payload\":") + len(b",\"payload\":")
assert line.endswith(b"}\n")
rec = json.loads(line[:start - len(b",\"payload\":")] + b"}")
print(len(rec["task_ids"]), len(set(rec["task_ids"])), rec["action"],
      hashlib.sha256(line[start:-2]).hexdigest())' "$DATA/tasks.jsonl"
	[ "$status" -eq 0 ] || fail "record: $output"
	[ "$output" = "5000 5000 TASKS_CREATED $BATCH_PAYLOAD_SHA" ] ||
	    fail "record: $output, payload wanted $BATCH_PAYLOAD_SHA"
}

@test "bigbatch: 5000 tasks of long texts are over the old 64 MiB and under the shipped limit" {
	local size
	size=$(stat -c %s "$BATCH")
	[ "$size" -gt $((64 << 20)) ] || fail "only $size bytes"
	[ "$size" -lt $((BODY_LIMIT / 2)) ] || fail "$size bytes: no margin left"
	[ "$(jq '.tasks | length' "$BATCH")" -eq 5000 ]
}

@test "bigbatch: lighttpd FastCGI (shipped lshook.conf) stores the 5000-task batch byte for byte" {
	start_lighttpd
	post_batch
	assert_http 200 .status ok
	check_batch_record
	assert_file_not_exists "$DATA/ignored.jsonl"
}

@test "bigbatch: lighttpd CGI (shipped lshook-cgi.conf) stores the 5000-task batch byte for byte" {
	start_lighttpd_cgi
	post_batch
	assert_http 200 .status ok
	check_batch_record
}

# The same limit in lighttpd (server.max-request-size) and in lshook
# (LSHOOK_MAX_BODY's default): a body of exactly that size gets through.
@test "bigbatch: lighttpd FastCGI stores a body of exactly the shipped limit (256 MiB)" {
	start_lighttpd
	store_limit_body "$BATS_TEST_TMPDIR/limit.json"
}

@test "bigbatch: lighttpd CGI stores a body of exactly the shipped limit (256 MiB)" {
	start_lighttpd_cgi
	store_limit_body "$BATS_TEST_TMPDIR/limit.json"
}

# lshook's own check, as behind mod_proxy_fcgi where no server limit
# applies: the default LSHOOK_MAX_BODY is the same 256 MiB.
@test "bigbatch: the handler's default LSHOOK_MAX_BODY is the shipped limit" {
	run --separate-stderr env -i PATH="$PATH" REQUEST_METHOD=POST \
	    CONTENT_TYPE=application/json CONTENT_LENGTH=$((BODY_LIMIT + 1)) \
	    LSHOOK_DATA_DIR="$DATA" LSHOOK_SECRET="$SECRET" \
	    HTTP_AUTHORIZATION="Bearer $SECRET" "$HOOKS/tasks.fcgi" < /dev/null
	parse_response
	assert_http 413 .error "body too large"
	assert_nothing_stored
}
