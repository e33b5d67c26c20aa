#!/usr/bin/env bats
# hostile.bats: hostile and malformed requests, one test per row of the
# "Bad input" table of docs/SECURITY.md, then one test per item of its
# "Hardening" section.  Every refused request gets its documented status
# and stores nothing; every accepted one stores exactly what is asserted.
# The tasks handler serves as plain CGI unless noted.
load helpers

setup() { setup_data; }

teardown() {
	stop_guarded "${LIGHTTPD_PID:-}" stop_lighttpd
	stop_guarded "${FCGI_PID:-}" stop_fcgi
}

# stop_guarded PID FUNCTION: FUNCTION (stop_lighttpd, stop_fcgi), with a
# watchdog that SIGKILLs PID if it has not ended within 30 s.
stop_guarded() {
	[ -n "$1" ] || return 0
	local pid=$1 dog rc=0
	(
		for _ in $(seq 300); do
			kill -0 "$pid" 2>/dev/null || exit 0
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	) 3>&- &
	dog=$!
	"$2" || rc=$?
	wait "$dog" 2>/dev/null
	return "$rc"
}

EV='{"action":"TASKS_CREATED","tasks":[{"id":1}]}'
REALM='WWW-Authenticate: Basic realm="lshook"'
NOW=1700000000
SW_ID=msg_hostile_1

b64() { printf '%s' "$1" | base64 -w0; }

# A string of N bytes of "a".
repeat_a() { head -c "$1" /dev/zero | tr '\0' a; }

# gh_sign SECRET BODY: lower-case hex HMAC-SHA256 of BODY.
gh_sign() {
	printf '%s' "$2" | openssl dgst -sha256 -hmac "$1" -r | cut -d' ' -f1
}

# sw_sign SECRET ID TIMESTAMP BODY: a Standard Webhooks v1 signature.
sw_sign() {
	local key
	key=$(printf '%s' "${1#whsec_}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
	printf '%s' "v1,"
	printf '%s' "$2.$3.$4" | openssl dgst -sha256 -mac HMAC \
	    -macopt "hexkey:$key" -binary | base64 -w0
}

# run_cgi_empty HANDLER BODY NAME [VAR=value...]: run_cgi with the variable
# NAME present but empty (run_cgi itself drops empty variables).
run_cgi_empty() {
	local handler=$1 body=$2 name=$3
	shift 3
	local VALGRIND_CMD=(env "$name=" "${VALGRIND_CMD[@]}")
	run_cgi "$handler" "$body" "$@"
}

# run_hmac BODY SIGNATURE [VAR=value...]: hmac mode only, this signature.
run_hmac() {
	local body=$1 sig=$2
	shift 2
	run_cgi tasks "$body" LSHOOK_AUTH=hmac HTTP_AUTHORIZATION= \
	    HTTP_X_HUB_SIGNATURE_256="$sig" "$@"
}

# run_sw BODY [VAR=value...]: standard mode only, signed for $SW_ID at $NOW
# (override HTTP_WEBHOOK_SIGNATURE, HTTP_WEBHOOK_TIMESTAMP...).
run_sw() {
	local body=$1
	shift
	run_cgi tasks "$body" LSHOOK_AUTH=standard LSHOOK_SECRET="$SW_SECRET" \
	    LSHOOK_CLOCK=$NOW HTTP_AUTHORIZATION= HTTP_WEBHOOK_ID=$SW_ID \
	    HTTP_WEBHOOK_TIMESTAMP=$NOW \
	    HTTP_WEBHOOK_SIGNATURE="$(sw_sign "$SW_SECRET" $SW_ID $NOW "$body")" "$@"
}

# assert_401 MESSAGE: 401 with that error, nothing stored.
assert_401() {
	assert_error 401 "$1"
}

# assert_stored_exactly LOG PAYLOAD: the data directory holds one record,
# in LOG, and its payload is byte for byte PAYLOAD.
assert_stored_exactly() {
	local files line payload
	files=$(event_files)
	[ "$files" = "$1" ] || fail "records in '$files', want only $1"
	[ "$(wc -l < "$DATA/$1")" -eq 1 ] || fail "$1 holds: $(cat "$DATA/$1")"
	assert_wellformed_log "$DATA/$1"
	line=$(cat "$DATA/$1")
	payload=${line#*,\"payload\":}
	payload=${payload%\}}
	[ "$payload" = "$2" ] || fail "payload $payload, want $2"
}

# ==========================================================================
# Bad input: the request's shape
# ==========================================================================

@test "hostile: PATCH, OPTIONS, TRACE, HEAD, lower-case post and 'POST ' are 405" {
	local m
	for m in PATCH OPTIONS TRACE CONNECT post "POST " " POST" "POST,GET"; do
		run_cgi tasks "$EV" REQUEST_METHOD="$m"
		assert_error 405 "method not allowed"
		assert_header "Allow: POST"
	done
	# the answer to HEAD has the same headers and no body
	run_cgi_raw "$BATS_TEST_TMPDIR/raw" tasks "$EV" REQUEST_METHOD=HEAD
	assert_http 405
	assert_diag 405 "method not allowed"
	assert_nothing_stored
	assert_raw_answer "$BATS_TEST_TMPDIR/raw" "405 Method Not Allowed" "Allow: POST"
}

@test "hostile: a content type other than application/json is 415" {
	local ct
	for ct in text/json application/json5 application/xml "application/json,text/plain" \
	    "application / json" "application/json-seq" "text/plain; charset=application/json" \
	    "$(printf 'application/js\xc3\xb6n')"; do
		run_cgi tasks "$EV" CONTENT_TYPE="$ct"
		assert_error 415 "content type must be application/json"
	done
}

@test "hostile: no content type at all is taken as JSON: 200, stored as sent" {
	run_cgi tasks "$EV" CONTENT_TYPE=
	assert_http 200 .status ok
	assert_stored_exactly tasks.jsonl "$EV"
}

@test "hostile: a missing Content-Length is 411" {
	run_cgi tasks "$EV" CONTENT_LENGTH=
	assert_error 411 "content length required"
}

@test "hostile: a negative Content-Length is 400" {
	local cl
	for cl in -1 -0 -46 -99999999999999999999; do
		run_cgi tasks "$EV" CONTENT_LENGTH="$cl"
		assert_error 400 "bad content length"
	done
}

@test "hostile: a huge Content-Length is 413 before any byte is read" {
	local cl
	for cl in $((BODY_LIMIT + 1)) 1073741825 18446744073709551615 18446744073709551616 \
	    $(printf '9%.0s' $(seq 400)); do
		run_cgi tasks "$EV" CONTENT_LENGTH="$cl"
		assert_error 413 "body too large"
	done
}

@test "hostile: a non-numeric Content-Length is 400" {
	local cl
	for cl in abc 46abc 0x2e 4.6e1 "46 " " 46" +46 "4 6" "$(printf '\xd9\xa4\xd9\xa6')" \
	    "$(printf '\xef\xbc\x94\xef\xbc\x96')"; do
		run_cgi tasks "$EV" CONTENT_LENGTH="$cl"
		assert_error 400 "bad content length"
	done
}

@test "hostile: a body shorter than its Content-Length is 400, without waiting" {
	local start=$SECONDS
	run_cgi tasks "$EV" CONTENT_LENGTH=$(( ${#EV} + 1 ))
	assert_error 400 "body shorter than content length"
	run_cgi tasks "$EV" CONTENT_LENGTH=1000000
	assert_error 400 "body shorter than content length"
	[ $((SECONDS - start)) -lt 30 ] || fail "took $((SECONDS - start)) s"
}

@test "hostile: a body longer than its Content-Length: only the declared bytes are stored" {
	run_cgi tasks "$EV"'{"action":"PROJECT_DELETED"}"smuggled"' CONTENT_LENGTH=${#EV}
	assert_http 200 .status ok
	assert_stored_exactly tasks.jsonl "$EV"
	! grep -rqF smuggled "$DATA" || fail "bytes past the length were stored"
}

@test "hostile: invalid UTF-8 in a string or a key is 400 invalid json" {
	local f=$BATS_TEST_TMPDIR/bad.json bad
	# overlong "/", overlong NUL, UTF-16 surrogate, 5-byte form, above
	# U+10FFFF, stray continuation byte, lone lead bytes, Latin-1
	for bad in '\xc0\xaf' '\xc0\x80' '\xed\xb0\x80' '\xf8\x88\x80\x80\x80' \
	    '\xf4\x90\x80\x80' '\x80' '\xe2\x82' '\xf0\x9f\x98' '\xe9t\xe9'; do
		printf '{"action":"TASKS_CREATED","x":"a'"$bad"'b"}' > "$f"
		run_cgi_file tasks "$f"
		assert_error 400 "invalid json"
		printf '{"action":"TASKS_CREATED","k'"$bad"'":1}' > "$f"
		run_cgi_file tasks "$f"
		assert_error 400 "invalid json"
	done
	# cut in the middle of a character by the end of the body
	printf '{"action":"TASKS_CREATED","x":"\xe2\x82' > "$f"
	run_cgi_file tasks "$f"
	assert_error 400 "invalid json"
}

@test "hostile: NUL bytes anywhere are 400 invalid json" {
	local f=$BATS_TEST_TMPDIR/nul.json
	printf '\x00' > "$f"
	run_cgi_file tasks "$f"
	assert_error 400 "invalid json"
	printf '\x00%s' "$EV" > "$f"
	run_cgi_file tasks "$f"
	assert_error 400 "invalid json"
	printf '{"action":"TASKS_CREATED","k\x00ey":1}' > "$f"
	run_cgi_file tasks "$f"
	assert_error 400 "invalid json"
	printf '{"action":"TASKS_CREATED",\x00"x":1}' > "$f"
	run_cgi_file tasks "$f"
	assert_error 400 "invalid json"
	printf '{"action":"TASKS\x00_CREATED"}' > "$f"
	run_cgi_file tasks "$f"
	assert_error 400 "invalid json"
}

@test "hostile: 100 levels of nesting are stored, and jq 1.6 reads the record" {
	local open close body
	# the top-level object, 49 times an object holding an array, then {}
	open=$(printf '{"a":[%.0s' $(seq 49))
	close=$(printf ']}%.0s' $(seq 49))
	body='{"action":"TASKS_CREATED","x":'"$open"'{}'"$close"'}'
	run_cgi tasks "$body"
	assert_http 200 .status ok
	assert_stored_exactly tasks.jsonl "$body"
	run jq -c '.payload' "$DATA/tasks.jsonl"
	assert_success
	assert_output "$body"
}

@test "hostile: 10001 levels of nesting, or 100000, are 400 invalid json" {
	local open close
	# LSH_JSON_MAX_DEPTH (10000) levels in all, the root object included,
	# on a 256 KiB stack: the scanner keeps no C stack per level
	local CGI_WRAPPER=(bash -c 'ulimit -s 256 && exec "$@"' stack256)
	open=$(repeat_a 9999 | tr a '[')
	close=$(repeat_a 9999 | tr a ']')
	run_cgi tasks '{"action":"TASKS_CREATED","x":'"$open$close"'}'
	assert_http 200 .status ok
	rm -f "$DATA/tasks.jsonl"
	run_cgi tasks '{"action":"TASKS_CREATED","x":['"$open$close"']}'
	assert_error 400 "invalid json" "nested too deeply"
	open=$(repeat_a 100000 | tr a '[')
	run_cgi tasks '{"action":"TASKS_CREATED","x":'"$open"
	assert_error 400 "invalid json" "nested too deeply"
	open=$(printf '{"a":%.0s' $(seq 100000))
	run_cgi tasks '{"action":"TASKS_CREATED","x":'"$open"
	assert_error 400 "invalid json" "nested too deeply"
}

@test "hostile: huge numbers are 200 and kept exactly as sent" {
	local body='{"action":"TASKS_CREATED","tasks":[{"id":9007199254740993}],'
	body+='"project":{"id":18446744073709551616},"big":1e400,"tiny":-1e-400,'
	body+='"long":123456789012345678901234567890123456789012345678901234567890,'
	body+='"frac":0.1000000000000000055511151231257827021181583404541015625,'
	body+='"exp":-0E+0001}'
	run_cgi tasks "$body"
	assert_http 200 .status ok
	assert_stored_exactly tasks.jsonl "$body"
	run jq -r '[.project_id, .task_ids[0]] | map(tostring) | join(" ")' "$DATA/tasks.jsonl"
	assert_success	# readable; jq itself rounds, the bytes in the file do not
	grep -qF '"project_id":18446744073709551616,"task_ids":[9007199254740993]' \
	    "$DATA/tasks.jsonl" || fail "ids re-printed: $(cat "$DATA/tasks.jsonl")"
}

@test "hostile: a duplicate action key is 400 duplicate action" {
	local body
	for body in '{"action":"TASKS_CREATED","action":"TASKS_CREATED"}' \
	    '{"action":"TASKS_CREATED","action":"PROJECT_DELETED"}' \
	    '{"action":"TASKS_CREATED","\u0061ction":"PROJECT_DELETED"}' \
	    '{"act\u0069on":"PROJECT_DELETED","tasks":[],"action":"TASKS_CREATED"}' \
	    '{"action":"TASKS_CREATED","action":1}'; do
		run_cgi tasks "$body"
		assert_error 400 "duplicate action"
	done
}

@test "hostile: other duplicate keys are 200 and stored as sent" {
	local body='{"action":"TASKS_CREATED","x":1,"x":"two","tasks":[{"id":1,"id":2}],'
	body+='"project":{"id":3,"token":"dup-token-1","token":"dup-token-2"}}'
	run_cgi tasks "$body"
	assert_http 200 .status ok
	# both copies kept, in order; both project tokens redacted
	assert_stored_exactly tasks.jsonl \
	    '{"action":"TASKS_CREATED","x":1,"x":"two","tasks":[{"id":1,"id":2}],"project":{"id":3,"token":"[redacted]","token":"[redacted]"}}'
	run jq -c '[.project_id, .task_ids]' "$DATA/tasks.jsonl"
	assert_output '[3,[1,2]]'
}

@test "hostile: a top level that is not an object is 400 not an object" {
	local body
	for body in '[]' '[{"action":"TASKS_CREATED"}]' '"TASKS_CREATED"' '0' '-1e9' \
	    'true' 'false' 'null' ' "x" '; do
		run_cgi tasks "$body"
		assert_error 400 "json body must be an object"
	done
}

@test "hostile: a body of nothing but whitespace is 400 invalid json" {
	local body
	for body in ' ' $'\n' $'\t\r\n ' "$(printf ' %.0s' $(seq 10000))"; do
		run_cgi tasks "$body"
		assert_error 400 "invalid json" "no value"
	done
}

@test "hostile: an object without a top-level action is 400 missing action" {
	local body
	for body in '{}' '{"ACTION":"TASKS_CREATED"}' '{"action ":"TASKS_CREATED"}' \
	    '{" action":"TASKS_CREATED"}' '{"tasks":[{"action":"TASKS_CREATED"}]}' \
	    '{"payload":{"action":"TASKS_CREATED"}}'; do
		run_cgi tasks "$body"
		assert_error 400 "missing action"
	done
}

@test "hostile: an action that is not a string is 400 action must be a string" {
	local v
	for v in 0 1e400 null true false '[]' '["TASKS_CREATED"]' '{}' '{"name":"TASKS_CREATED"}'; do
		run_cgi tasks '{"action":'"$v"'}'
		assert_error 400 "action must be a string"
	done
}

# ==========================================================================
# Bad input: signatures and timestamps
# ==========================================================================

@test "hostile: an X-Hub-Signature-256 that is not hex is 401 malformed signature" {
	local good sig
	good=$(gh_sign "$SECRET" "$EV")
	for sig in "sha256=$(printf 'z%.0s' $(seq 64))" "sha256=${good:0:63}g" \
	    "sha256=0x${good:2}" "sha256=$(printf '%s' "$EV" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64 -w0)" \
	    "sha256=${good:0:62}$(printf '\xc3\xa9')" "sha256:$good"; do
		run_hmac "$EV" "$sig"
		assert_401 "malformed signature"
	done
}

@test "hostile: an X-Hub-Signature-256 of the wrong length is 401 malformed signature" {
	local good sig
	good=$(gh_sign "$SECRET" "$EV")
	for sig in "sha256=${good:0:63}" "sha256=${good}0" "sha256=$good$good" \
	    "sha256=${good:0:40}" "sha256=" "sha256=$good "; do
		run_hmac "$EV" "$sig"
		assert_401 "malformed signature"
	done
}

@test "hostile: an empty X-Hub-Signature-256 counts as none: 401 missing credentials" {
	run_cgi_empty tasks "$EV" HTTP_X_HUB_SIGNATURE_256 LSHOOK_AUTH=hmac \
	    HTTP_AUTHORIZATION=
	assert_401 "missing credentials"
}

@test "hostile: a repeated X-Hub-Signature-256 (sha256=a,sha256=b) is 401 malformed, even with the right one in it" {
	local good bad sig
	good=$(gh_sign "$SECRET" "$EV")
	bad=$(gh_sign "$SECRET2" "$EV")
	for sig in "sha256=a,sha256=b" "sha256=$good,sha256=$bad" \
	    "sha256=$bad,sha256=$good" "sha256=$good, sha256=$good"; do
		run_hmac "$EV" "$sig"
		assert_401 "malformed signature"
	done
	# and the right one alone passes
	run_hmac "$EV" "sha256=$good"
	assert_http 200 .status ok
}

@test "hostile: a webhook-signature that is not base64 is 401 malformed signature" {
	local good sig
	good=$(sw_sign "$SW_SECRET" $SW_ID $NOW "$EV")
	for sig in "v1,!!!!" "v1,-${good:4}" "v1,_${good:4}" \
	    "v1,${good:3:20}*${good:24}" "v1,$(printf '%s' "${good#v1,}" | base64 -d | od -An -v -tx1 | tr -d ' \n')" \
	    "v1 ${good#v1,}" "v1,${good#v1,}==="; do
		run_sw "$EV" HTTP_WEBHOOK_SIGNATURE="$sig"
		assert_401 "malformed signature"
	done
}

@test "hostile: a webhook-signature of the wrong length is 401 malformed signature" {
	local n
	for n in 0 16 31 33 64; do
		run_sw "$EV" HTTP_WEBHOOK_SIGNATURE="v1,$(head -c $n /dev/zero | base64 -w0)"
		assert_401 "malformed signature"
	done
}

@test "hostile: an empty webhook-signature or webhook-timestamp counts as none: 401 missing credentials" {
	run_cgi_empty tasks "$EV" HTTP_WEBHOOK_SIGNATURE LSHOOK_AUTH=standard \
	    LSHOOK_SECRET="$SW_SECRET" LSHOOK_CLOCK=$NOW HTTP_AUTHORIZATION= \
	    HTTP_WEBHOOK_ID=$SW_ID HTTP_WEBHOOK_TIMESTAMP=$NOW
	assert_401 "missing credentials"
	run_cgi_empty tasks "$EV" HTTP_WEBHOOK_TIMESTAMP LSHOOK_AUTH=standard \
	    LSHOOK_SECRET="$SW_SECRET" LSHOOK_CLOCK=$NOW HTTP_AUTHORIZATION= \
	    HTTP_WEBHOOK_ID=$SW_ID \
	    HTTP_WEBHOOK_SIGNATURE="$(sw_sign "$SW_SECRET" $SW_ID $NOW "$EV")"
	assert_401 "missing credentials"
}

@test "hostile: a repeated webhook-signature (v1,a,v1,b) is 401 malformed, even with the right one in it" {
	local good bad sig
	good=$(sw_sign "$SW_SECRET" $SW_ID $NOW "$EV")
	bad=$(sw_sign "$SW_SECRET" msg_other $NOW "$EV")
	for sig in "v1,a,v1,b" "$good,$bad" "$bad,$good" "$good,$good"; do
		run_sw "$EV" HTTP_WEBHOOK_SIGNATURE="$sig"
		assert_401 "malformed signature"
	done
}

@test "hostile: a malformed webhook-timestamp is 401 malformed timestamp, even when signed" {
	local ts
	for ts in abc +$NOW "$NOW " " $NOW" -$NOW $NOW.0 1.7e9 0x6553f100 9999999999999 \
	    $(printf '1%.0s' $(seq 100)) "$(printf '\xef\xbc\x91')700000000"; do
		run_sw "$EV" HTTP_WEBHOOK_TIMESTAMP="$ts" \
		    HTTP_WEBHOOK_SIGNATURE="$(sw_sign "$SW_SECRET" $SW_ID "$ts" "$EV")"
		assert_401 "malformed timestamp"
	done
}

@test "hostile: a stale webhook-timestamp is 401 stale timestamp, even when signed" {
	local ts
	for ts in $((NOW - 301)) 0 1 000000000001; do
		run_sw "$EV" HTTP_WEBHOOK_TIMESTAMP="$ts" \
		    HTTP_WEBHOOK_SIGNATURE="$(sw_sign "$SW_SECRET" $SW_ID "$ts" "$EV")"
		assert_401 "stale timestamp"
	done
}

@test "hostile: a webhook-timestamp in the future is 401, even when signed" {
	local ts
	for ts in $((NOW + 301)) 999999999999; do
		run_sw "$EV" HTTP_WEBHOOK_TIMESTAMP="$ts" \
		    HTTP_WEBHOOK_SIGNATURE="$(sw_sign "$SW_SECRET" $SW_ID "$ts" "$EV")"
		assert_401 "timestamp in the future"
	done
}

# ==========================================================================
# Bad input: Authorization
# ==========================================================================

@test "hostile: Authorization without a scheme is 401 bad credentials" {
	local a
	for a in "$SECRET" "$(b64 "user:$SECRET")" "=$SECRET" "$(printf 'Bearer\t%s' "$SECRET")"; do
		run_cgi tasks "$EV" HTTP_AUTHORIZATION="$a"
		assert_401 "bad credentials"
		assert_header "$REALM"
	done
}

@test "hostile: an unknown Authorization scheme is 401 unsupported authorization scheme" {
	local a
	for a in "Digest username=\"u\", response=\"$SECRET\"" "Negotiate $SECRET" \
	    "AWS4-HMAC-SHA256 Credential=$SECRET" " Bearer $SECRET" "Bearer: $SECRET" \
	    "$(printf 'B\xc3\xa9arer %s' "$SECRET")"; do
		run_cgi tasks "$EV" HTTP_AUTHORIZATION="$a"
		assert_401 "unsupported authorization scheme"
		assert_header "$REALM"
	done
}

@test "hostile: a scheme with empty credentials is 401 bad credentials" {
	local a
	for a in Bearer "Bearer " "Bearer     " Token "Token " Basic "Basic "; do
		run_cgi tasks "$EV" HTTP_AUTHORIZATION="$a"
		assert_401 "bad credentials"
	done
}

@test "hostile: Basic without a colon is 401 bad credentials" {
	local c
	for c in "$(b64 "$SECRET")" "$(b64 "user$SECRET")" "$(b64 "")"; do
		run_cgi tasks "$EV" HTTP_AUTHORIZATION="Basic $c"
		assert_401 "bad credentials"
	done
}

@test "hostile: Basic that is not base64 is 401 bad credentials" {
	local c
	for c in '!!!' "user:$SECRET" "$(b64 "user:$SECRET" | tr '+/' '-_')x" \
	    "$(b64 "u:$SECRET")=" "$(b64 "u:$SECRET" | tr -d '=')*" \
	    "$(b64 "u:$SECRET") x"; do
		run_cgi tasks "$EV" HTTP_AUTHORIZATION="Basic $c"
		assert_401 "bad credentials"
	done
}

@test "hostile: a very long Authorization (8 KiB) is 401 bad credentials" {
	local big
	big=$(repeat_a 8192)
	run_cgi tasks "$EV" HTTP_AUTHORIZATION="Bearer $big"
	assert_401 "bad credentials"
	run_cgi tasks "$EV" HTTP_AUTHORIZATION="Token $SECRET$big"
	assert_401 "bad credentials"
	run_cgi tasks "$EV" HTTP_AUTHORIZATION="Basic $(b64 "user:$SECRET$big")"
	assert_401 "bad credentials"
	run_cgi tasks "$EV" HTTP_AUTHORIZATION="Basic $(b64 "user:$SECRET")$big"
	assert_401 "bad credentials"
}

@test "hostile: a 64 KiB Authorization reaching the handler (CGI, FastCGI) is 401 and the process lives on" {
	local big
	big=$(repeat_a 65536)
	run_cgi tasks "$EV" HTTP_AUTHORIZATION="Bearer $big"
	assert_401 "bad credentials"
	run_cgi tasks "$EV" HTTP_AUTHORIZATION="Basic $big"
	assert_401 "bad credentials"

	start_fcgi tasks
	fcgi_request "$EV" HTTP_AUTHORIZATION="Bearer $big"
	assert_http 401 .error "bad credentials"
	fcgi_request "$EV" HTTP_AUTHORIZATION="Basic $big" HTTP_X_PADDING="$big"
	assert_http 401 .error "bad credentials"
	assert_nothing_stored
	fcgi_request "$EV"
	assert_http 200 .status ok
	stop_fcgi	# fails unless it exits 0 on SIGTERM
	assert_stored_exactly tasks.jsonl "$EV"
}

@test "hostile: 64 KiB headers through lighttpd are refused by lighttpd (431) and the handlers live on" {
	local big
	big=$(repeat_a 65536)
	start_lighttpd
	run curl -sS --max-time 30 -o /dev/null -w '%{http_code}' \
	    -H "Authorization: Bearer $big" -H 'Content-Type: application/json' \
	    --data-binary "$EV" "$BASE_URL/hooks/tasks.fcgi"
	assert_success
	assert_output 431
	run curl -sS --max-time 30 -o /dev/null -w '%{http_code}' \
	    -H "Authorization: Bearer $SECRET" -H "X-Hub-Signature-256: sha256=$big" \
	    -H 'Content-Type: application/json' --data-binary "$EV" "$BASE_URL/hooks/tasks.fcgi"
	assert_output 431
	assert_nothing_stored
	run curl -sS --max-time 30 -H "Authorization: Bearer $SECRET" \
	    -H 'Content-Type: application/json' --data-binary "$EV" "$BASE_URL/hooks/tasks.fcgi"
	assert_success
	[ "$(printf '%s' "$output" | jq -r .status)" = ok ] || fail "answer: $output"
	assert_stored_exactly tasks.jsonl "$EV"
}

@test "hostile: 64 KiB signature headers are 401 malformed signature" {
	local big
	big=$(repeat_a 65536)
	run_hmac "$EV" "sha256=$big"
	assert_401 "malformed signature"
	run_sw "$EV" HTTP_WEBHOOK_SIGNATURE="v1,$big"
	assert_401 "malformed signature"
	# a long list of well-formed signatures, the right one last
	local good list
	good=$(sw_sign "$SW_SECRET" $SW_ID $NOW "$EV")
	list=$(for _ in $(seq 200); do printf 'v1,%s ' "$(head -c 32 /dev/zero | base64 -w0)"; done)
	run_sw "$EV" HTTP_WEBHOOK_SIGNATURE="$list$good"
	assert_401 "malformed signature"
}

# ==========================================================================
# Bad input: escapes
# ==========================================================================

@test "hostile: lone surrogate escapes are 200 and kept as sent (Python writes them)" {
	local s body line i=0
	for s in '\ud800' '\udfff' '\udc00\ud800' '\ud800\u0041' '\ud800x' '\ud83d' \
	    '\uDBFF\uDBFF' '\ud800\\udc00'; do
		i=$((i + 1))
		body='{"action":"TASKS_CREATED","x":"'"$s"'","'"$s"'":'"$i"'}'
		rm -rf "$DATA" && mkdir -p "$DATA"
		run_cgi tasks "$body"
		assert_http 200 .status ok
		line=$(cat "$DATA/tasks.jsonl")
		[ "${line#*,\"payload\":}" = "$body}" ] || fail "payload of $s: $line"
		/usr/bin/python3 -c 'import json, sys; json.loads(sys.stdin.buffer.read())' \
		    < "$DATA/tasks.jsonl" || fail "json.loads refuses the record of $s"
	done
	rm -rf "$DATA" && mkdir -p "$DATA"
	run_cgi tasks '{"action":"TASKS_CREATED","x":"\ud800\u12G4"}'
	assert_error 400 "invalid json" 'bad \x5cu escape'
}

@test "hostile: a key containing \\u0000 is 400 invalid json" {
	local body
	for body in '{"action":"TASKS_CREATED","\u0000":1}' \
	    '{"action\u0000":"TASKS_CREATED"}' '{"action":"TASKS_CREATED","act\u0000ion":"PROJECT_DELETED"}' \
	    '{"action":"TASKS_CREATED","project\u0000":{"token":"nul-key-secret"}}' \
	    '{"action":"TASKS_CREATED","project":{"id":1,"token\u0000":"nul-key-secret"}}' \
	    '{"action":"TASKS_CREATED","x":[{"\u0000\u0000":1}]}'; do
		run_cgi tasks "$body"
		assert_error 400 "invalid json" "NUL in a key"
	done
}

@test "hostile: an action holding \\u0000 is 202 ignored, filed in ignored.jsonl as sent" {
	local body='{"action":"TASKS_CREATED\u0000","tasks":[{"id":1}]}'
	run_cgi tasks "$body"
	assert_http 202 .status ignored
	assert_http 202 .reason "unknown action"
	assert_stored_exactly ignored.jsonl "$body"
}

# ==========================================================================
# Hardening
# ==========================================================================

# A program for LSHOOK_ON_<KEY> that writes the environment it was started
# with to $1/env, one variable a line.
env_recorder() {
	local f=$BATS_TEST_TMPDIR/record-env.sh
	printf '#!/bin/sh\ntr "\\0" "\\n" < /proc/$$/environ > "$1/env.tmp" && mv "$1/env.tmp" "$1/env"\n' > "$f"
	chmod 755 "$f"
	echo "$f"
}

wait_file() {
	local i n=100
	[ "${VALGRIND:-0}" = 1 ] && n=300
	for i in $(seq $n); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "hardening: HTTP_PROXY is ignored: the same answer and record, no socket, not passed to commands" {
	local proxy=(HTTP_PROXY=http://127.0.0.1:9/ http_proxy=http://127.0.0.1:9/
	    HTTPS_PROXY=http://127.0.0.1:9/ ALL_PROXY=socks5://127.0.0.1:9/)
	local out=$BATS_TEST_TMPDIR/cmd rec first
	mkdir -p "$out"
	rec=$(jq -cn '$ARGS.positional' --args "$(env_recorder)" "$out")

	run_cgi tasks "$EV"
	assert_http 200 .status ok
	first=$http_body
	# the same delivery with the proxy variables, into a data directory of
	# its own (into the first one it would be a duplicate, not stored)
	local plain=$DATA
	DATA=$BATS_TEST_TMPDIR/proxied
	mkdir "$DATA"
	run_cgi tasks "$EV" "${proxy[@]}" LSHOOK_ON_TASKS="$rec"
	assert_http 200 .status ok
	[ "$http_body" = "$first" ] || fail "answer changed: $http_body vs $first"
	[ -z "$stderr" ] || fail "stderr: $stderr"
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	run bash -c "sed 's/\"received_at\":\"[^\"]*\"//' '$plain/tasks.jsonl' '$DATA/tasks.jsonl' | uniq | wc -l"
	assert_output 1	# the two records differ only in received_at

	# the command's environment is lshook's own, no proxy in it
	wait_file "$out/env" || fail "the command did not run"
	! grep -qi 'proxy' "$out/env" || fail "proxy variable passed on: $(cat "$out/env")"

	# no socket is ever opened: every system call of a run, traced
	# (valgrind cannot run an ASan build: that check is for plain builds)
	sanitized_build && return 0
	printf '%s' "$EV" > "$BATS_TEST_TMPDIR/ev"
	# dedup off: the same body again is stored, so the append is traced
	env -i PATH="$PATH" REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH=${#EV} LSHOOK_DATA_DIR="$DATA" LSHOOK_SECRET="$SECRET" \
	    LSHOOK_DEDUP_WINDOW=0 HTTP_AUTHORIZATION="Bearer $SECRET" "${proxy[@]}" \
	    valgrind --trace-syscalls=yes --log-file="$BATS_TEST_TMPDIR/syscalls" \
	    "$HOOKS/tasks.fcgi" < "$BATS_TEST_TMPDIR/ev" > "$BATS_TEST_TMPDIR/answer"
	grep -q '"status":"ok"' "$BATS_TEST_TMPDIR/answer" || fail "$(cat "$BATS_TEST_TMPDIR/answer")"
	grep -q 'sys_openat' "$BATS_TEST_TMPDIR/syscalls" || fail "no system call traced"
	run grep -E 'sys_(socket|socketpair|connect|sendto|sendmsg|sendmmsg|bind|listen)\b' \
	    "$BATS_TEST_TMPDIR/syscalls"
	[ -z "$output" ] || fail "network system calls: $output"
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
}

@test "hardening: fds 0-2 closed by the caller never become a log: the data directory holds only records" {
	local f=$BATS_TEST_TMPDIR/ev.json dedup=(LSHOOK_DEDUP_WINDOW=) vg=
	# valgrind itself cannot start without a stderr: under VALGRIND=1 it
	# reports to fd 9, a copy of the test's stderr, and the handler still
	# starts with fd 2 closed.
	if [ "${VALGRIND:-0}" = 1 ]; then
		local VALGRIND_CMD=(valgrind --log-fd=9 "${VALGRIND_CMD[@]:1}")
		vg='9>&2'
	fi
	# run_closed REDIRECTIONS HANDLER FILE [VAR=value...]: run_cgi_file with
	# the handler started under those redirections; it must exit 0.
	run_closed() {
		local redir=$1
		shift
		CGI_WRAPPER=(bash -c 'exec "$@" '"$vg $redir" _)
		run_cgi_file "$@"
		CGI_WRAPPER=()
		[ "$status" -eq 0 ] || fail "exit $status with $redir: $stderr"
	}
	printf '{"action":"TASKS_CREATED","project":{"id":4},"tasks":[{"id":1}]}' > "$f"
	run_closed '1>&-' tasks "$f" "${dedup[@]}"
	run_closed '1>&-' tasks "$f" "${dedup[@]}"	# duplicate
	run_closed '1>&-' tasks "$f" HTTP_AUTHORIZATION="Bearer wrong-secret-0123456789"
	printf '{"action":"TASKS_CREATED","project":{"id":5},"tasks":[{"id":2}]}' > "$f"
	run_closed '2>&-' tasks "$f" "${dedup[@]}"
	run_closed '2>&-' tasks "$f" HTTP_AUTHORIZATION="Bearer wrong-secret-0123456789"
	run_closed '2>&-' tasks "$f" CONTENT_TYPE=text/plain
	printf '{"action":"TASKS_CREATED","project":{"id":6},"tasks":[{"id":3}]}' > "$f"
	run_closed '1>&- 2>&-' tasks "$f" "${dedup[@]}"
	run_closed '1>&- 2>&-' tasks "$f" HTTP_AUTHORIZATION=
	# stdin closed: the handler reads an empty /dev/null, not a directory
	run_closed '0<&-' tasks "$f" "${dedup[@]}"
	assert_http 400 .error "body shorter than content length"

	# A diagnostic written after the log is open: ontology/ is a plain file,
	# so updating the ontology fails and says so on stderr.  With fds 1 and 2
	# closed, the data directory and the log would take them without the
	# guard, and the diagnostic would land in projects.jsonl.
	: > "$DATA/ontology"
	jq -c '.project.id = 42' "$FIXTURES/ontology/PROJECT_UPDATED.json" > "$f"
	run_closed '' projects "$f"
	assert_http 200 .status ok
	[[ $stderr == *"ontology of project 42 not updated"* ]] || fail "stderr: $stderr"
	jq -c '.project.id = 43' "$FIXTURES/ontology/PROJECT_UPDATED.json" > "$f"
	run_closed '1>&- 2>&-' projects "$f"
	rm "$DATA/ontology"

	# five events recorded once each (plus lshook's first-seen records)
	[ "$(log_lines tasks.jsonl)" -eq 3 ] || fail "$(cat "$DATA/tasks.jsonl")"
	[ "$(log_lines projects.jsonl)" -eq 2 ] || fail "$(cat "$DATA/projects.jsonl")"
	local log
	for log in "$DATA"/*.jsonl; do
		assert_wellformed_log "$log"
		run jq -e -s 'all(.[]; .v == 1)' "$log"
		assert_success
	done
	run grep -raFl -e 'Status:' -e 'lshook-tasks' -e '"status":"error"' \
	    -e '"status":"ok"' -e '"status":"duplicate"' "$DATA"
	[ -z "$output" ] || fail "an answer or a diagnostic went into: $output"
}

@test "hardening: files are created 0640 and directories 0750, even under umask 000" {
	local out=$BATS_TEST_TMPDIR/cmd
	mkdir -p "$out"
	CGI_WRAPPER=(bash -c 'umask 000; exec "$@"' _)
	run_cgi_file projects "$FIXTURES/ontology/PROJECT_UPDATED.json" LSHOOK_DEDUP_WINDOW=
	assert_http 200 .status ok
	run_cgi_file annotations "$FIXTURES/ontology/ANNOTATION_CREATED.json" \
	    LSHOOK_DEDUP_WINDOW= LSHOOK_TRAIN_EVERY=1
	assert_http 200 .status ok
	run_cgi tasks "$EV" LSHOOK_DEDUP_WINDOW= \
	    LSHOOK_ON_TASKS="$(jq -cn '$ARGS.positional' --args "$(env_recorder)" "$out")"
	assert_http 200 .status ok
	run_cgi tasks '{"action":"SOMETHING_NEW"}'
	assert_http 202 .status ignored
	CGI_WRAPPER=()
	wait_file "$out/env" || fail "the command did not run"
	wait_file "$DATA/commands.jsonl" || fail "no commands.jsonl"

	# what the test exercised: logs, state/ and ontology/ with their files
	local want
	for want in projects.jsonl annotations.jsonl tasks.jsonl ignored.jsonl \
	    training.jsonl ontology.jsonl commands.jsonl state/seen.db ontology/41.json; do
		[ -f "$DATA/$want" ] || fail "$want was not created: $(cd "$DATA" && find .)"
	done
	assert_dir_exists "$DATA/state"
	assert_dir_exists "$DATA/ontology"
	run find "$DATA" -mindepth 1 -type f ! -perm 0640 -printf '%m %P\n'
	[ -z "$output" ] || fail "files not 0640: $output"
	run find "$DATA" -mindepth 1 -type d ! -perm 0750 -printf '%m %P\n'
	[ -z "$output" ] || fail "directories not 0750: $output"
	run find "$DATA" -mindepth 1 ! -type f ! -type d -printf '%y %P\n'
	[ -z "$output" ] || fail "neither file nor directory: $output"
}

@test "hardening: no file name is built from request data" {
	local marker=$BATS_TEST_TMPDIR/marker id onto
	touch "$marker"
	mkdir -p "$BATS_TEST_TMPDIR/d1/d2"
	local DATA=$BATS_TEST_TMPDIR/d1/d2/data
	mkdir "$DATA"
	for id in '"../../x"' '"../x"' "\"$BATS_TEST_TMPDIR/abs-x\"" 1e3 -1 1.5 -0 99999999999999999999 \
	    '"7"' '[7]' '{"id":7}' 7e0 true; do
		run_cgi tasks '{"action":"TASKS_CREATED","project":{"id":'"$id"'},"tasks":[{"id":"../x"}]}' \
		    LSHOOK_TRAIN_EVERY=1
		assert_http 200 .status ok
		run_cgi annotations '{"action":"ANNOTATION_CREATED","project":{"id":'"$id"'},"annotation":{"id":1,"task":"../x","result":[{"from_name":"../../x","value":{"choices":["../../x"]}}]}}' \
		    LSHOOK_TRAIN_EVERY=1
		assert_http 200 .status ok
		run_cgi projects '{"action":"PROJECT_UPDATED","project":{"id":'"$id"',"label_config":"<View><Choices name=\"../../x\" toName=\"../x\"><Choice value=\"../../x\"/></Choices></View>"}}'
		assert_http 200 .status ok
	done
	run_cgi tasks "$EV" HTTP_WEBHOOK_ID=../../x
	assert_http 200 .id ../../x
	run_cgi tasks '{"action":"../../x"}'
	assert_http 202 .status ignored
	# one well-formed project id, 7, for comparison
	run_cgi projects '{"action":"PROJECT_UPDATED","project":{"id":7,"label_config":"<View><Choices name=\"../../x\" toName=\"t\"><Choice value=\"a\"/></Choices></View>"}}'
	assert_http 200 .status ok

	# nothing outside the data directory
	run find "$BATS_TEST_TMPDIR" -mindepth 1 -path "$DATA" -prune -o -newer "$marker" \
	    ! -name body ! -name 'separate-stderr-*' ! -path "$BATS_TEST_TMPDIR/d1" \
	    ! -path "$BATS_TEST_TMPDIR/d1/d2" -print
	[ -z "$output" ] || fail "created outside the data directory: $output"
	assert_not_exists "$BATS_TEST_TMPDIR/abs-x"
	assert_not_exists "$BATS_TEST_TMPDIR/x"
	assert_not_exists "$BATS_TEST_TMPDIR/d1/x"
	assert_not_exists "$BATS_TEST_TMPDIR/d1/d2/x"
	# inside it, only lshook's own names; the only project number is 7
	run bash -c "cd '$DATA' && find . -mindepth 1 -printf '%P\n' | grep -vxE \
	    '(tasks|annotations|projects|training|ignored|ontology|commands)\.jsonl|state|state/[a-z]+\.db|state/annotations\.idx|state/\.[a-z]+\.lock|state/projects|state/projects/7|state/train-7|state/command-slot-[0-9]+|ontology|ontology/\.lock|ontology/7\.json'"
	[ -z "$output" ] || fail "unexpected names in the data directory: $output"
	assert_exists "$DATA/state/projects/7"
	assert_exists "$DATA/ontology/7.json"
}

@test "hardening: secrets never reach answers, diagnostics or the data directory" {
	local secret_file=$BATS_TEST_TMPDIR/secrets all=$BATS_TEST_TMPDIR/all-output
	printf '%s\n' "$SW_SECRET" > "$secret_file"
	local cfg=(LSHOOK_SECRET="$SECRET,$SECRET2" LSHOOK_SECRET_FILE="$secret_file"
	    LSHOOK_AUTH=header,hmac,standard LSHOOK_CLOCK=$NOW LSHOOK_DEDUP_WINDOW=
	    LSHOOK_TRAIN_EVERY=1)
	: > "$all"
	keep() { printf '%s\n%s\n' "$output" "$stderr" >> "$all"; }

	# every fixture, to its handler, with good credentials of each mode
	local f fam body n=0
	for f in "$LSDOCS"/*.json "$FIXTURES"/lshook/*.json "$FIXTURES"/ontology/*.json \
	    "$FIXTURES"/START_TRAINING.json; do
		[ "${f##*/}" != setup.json ] || continue	# /setup's body, below
		case $(jq -r '.action // ""' "$f") in
		TASK*) fam=tasks ;; ANNOTATION*|REVIEW*) fam=annotations ;;
		PROJECT*|LABEL_LINK*) fam=projects ;; *) fam=training ;;
		esac
		body=$(cat "$f"; echo .)	# the exact bytes, final newline included
		body=${body%.}
		n=$((n + 1))
		case $((n % 3)) in
		0) run_cgi_file "$fam" "$f" "${cfg[@]}" PATH_INFO=/webhook ;;
		1) run_cgi_file "$fam" "$f" "${cfg[@]}" PATH_INFO=/webhook HTTP_AUTHORIZATION= \
		       HTTP_X_HUB_SIGNATURE_256="sha256=$(gh_sign "$SECRET2" "$body")" ;;
		2) run_cgi_file "$fam" "$f" "${cfg[@]}" PATH_INFO=/webhook HTTP_AUTHORIZATION= \
		       HTTP_WEBHOOK_ID=msg_$n HTTP_WEBHOOK_TIMESTAMP=$NOW \
		       HTTP_WEBHOOK_SIGNATURE="$(sw_sign "$SW_SECRET" msg_$n $NOW "$body")" ;;
		esac
		keep
		[[ $http_status == 20? ]] || fail "$f: $http_status $http_body $stderr"
	done
	# the ML backend's /setup, which carries a Label Studio access token
	run_cgi_file training "$FIXTURES/lshook/setup.json" "${cfg[@]}" PATH_INFO=/setup \
	    HTTP_AUTHORIZATION="Basic $(b64 "labelstudio:$SECRET")"
	keep
	assert_http 200
	run_cgi_file training "$FIXTURES/lshook/setup.json" "${cfg[@]}" PATH_INFO=/setup \
	    HTTP_AUTHORIZATION="Bearer ${SECRET}x"
	keep

	# every failing authentication, with secrets in every wrong place
	local a
	for a in "Bearer $SECRET2-" "Bearer ${SECRET:0:16}" "Token ${SW_SECRET}x" \
	    "$SECRET" "Digest $SECRET" "Basic $(b64 "$SECRET")" "Basic $(b64 "$SECRET:x")" \
	    "Basic $SECRET" "Basic $(b64 "u:${SECRET}x")" "Bearer" "Bearer $SECRET $SECRET" \
	    "Bearer $(repeat_a 70000)"; do
		run_cgi tasks "$EV" "${cfg[@]}" HTTP_AUTHORIZATION="$a"
		keep
		assert_http 401
	done
	run_cgi tasks "$EV" "${cfg[@]}" HTTP_AUTHORIZATION= \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(gh_sign "$SECRET" "$EV x")"
	keep
	run_cgi tasks "$EV" "${cfg[@]}" HTTP_AUTHORIZATION= HTTP_X_HUB_SIGNATURE_256="sha256=$SECRET"
	keep
	run_cgi tasks "$EV" "${cfg[@]}" HTTP_AUTHORIZATION= HTTP_WEBHOOK_ID=m \
	    HTTP_WEBHOOK_TIMESTAMP=$NOW HTTP_WEBHOOK_SIGNATURE="v1,${SW_SECRET#whsec_}"
	keep
	run_cgi tasks "$EV" "${cfg[@]}" HTTP_AUTHORIZATION= HTTP_WEBHOOK_ID=m \
	    HTTP_WEBHOOK_TIMESTAMP=1 HTTP_WEBHOOK_SIGNATURE="$(sw_sign "$SW_SECRET" m 1 "$EV")"
	keep
	run_cgi tasks "$EV" "${cfg[@]}" LSHOOK_AUTH_HEADER=X-Token HTTP_AUTHORIZATION= \
	    HTTP_X_TOKEN="$SECRET2 "
	keep
	[ "$(grep -c '"status":"error"' "$all")" -ge 17 ] || fail "too few refusals: $(cat "$all")"

	# none of these strings, anywhere
	local secrets=("$SECRET" "$SECRET2" "$SW_SECRET" "${SW_SECRET#whsec_}"
	    "$(b64 "labelstudio:$SECRET")" "$(b64 "u:$SECRET")")
	local s
	while IFS= read -r s; do
		[ -n "$s" ] && secrets+=("$s")
	done < <(jq -r '((.project? // empty) | (.token, .task_data_login, .task_data_password)
	    | strings), (.access_token? // empty | strings)' "$LSDOCS"/*.json "$FIXTURES"/lshook/*.json \
	    "$FIXTURES"/ontology/*.json "$FIXTURES"/START_TRAINING.json)
	[ "${#secrets[@]}" -ge 12 ] || fail "fixture secrets not found: ${secrets[*]}"
	for s in "${secrets[@]}"; do
		! grep -qaF -- "$s" "$all" || fail "'$s' in an answer or diagnostic"
		run grep -raFl -- "$s" "$DATA"
		[ -z "$output" ] || fail "'$s' stored in $output"
	done
	[ "$(log_lines tasks.jsonl)" -ge 2 ] && [ "$(log_lines annotations.jsonl)" -ge 3 ] &&
	    [ "$(log_lines training.jsonl)" -ge 1 ] || fail "fixtures not recorded: $(event_files)"
}

@test "hardening: a configuration error never prints the secret" {
	local conf=$BATS_TEST_TMPDIR/lshook.conf s=$SECRET
	check_config_error() {
		assert_http 500
		[[ $output != *"$s"* && $stderr != *"$s"* ]] ||
		    fail "secret printed: $output $stderr"
		[[ $output != *"${s:4:12}"* && $stderr != *"${s:4:12}"* ]] ||
		    fail "part of the secret printed: $stderr"
		assert_nothing_stored
	}
	# an unknown setting beside the secret, in the environment
	run_cgi tasks "$EV" LSHOOK_SECRETS="$s"
	check_config_error
	# a secret that is too short, beside a good one
	run_cgi tasks "$EV" LSHOOK_SECRET="$s,0123456789"
	check_config_error
	# standard mode without a whsec_ key
	run_cgi tasks "$EV" LSHOOK_AUTH=standard
	check_config_error
	# a secret file that cannot be read
	run_cgi tasks "$EV" LSHOOK_SECRET_FILE="$BATS_TEST_TMPDIR/none"
	check_config_error
	# config files: the secret on a line with no "=", a bad value beside it
	printf 'LSHOOK_SECRET=%s\n%s\n' "$s" "$s" > "$conf"
	run_cgi tasks "$EV" LSHOOK_SECRET= LSHOOK_CONFIG="$conf"
	check_config_error
	printf 'LSHOOK_SECRET=%s\nLSHOOK_FSYNC=sometimes\n' "$s" > "$conf"
	run_cgi tasks "$EV" LSHOOK_SECRET= LSHOOK_CONFIG="$conf"
	check_config_error
}

@test "hardening: a config-file line holding a base64 secret is not echoed in the error" {
	# `openssl rand -base64 32 >> lshook.conf` appends a line such as
	# "w5tY...xPY=", and a YAML habit writes "LSHOOK_SECRET: w5tY...xPY=":
	# both have an "=", so the text before it reads as an unknown key.
	local conf=$BATS_TEST_TMPDIR/lshook.conf s=w5tY7b50kO6teQ81fxvmTe1HRKq8b2yhx4qbWzEwxPY=
	printf 'LSHOOK_SECRET=%s\n%s\n' "$s" "$s" > "$conf"
	run_cgi tasks "$EV" LSHOOK_SECRET= LSHOOK_CONFIG="$conf"
	assert_error 500 "bad configuration" "$conf:2"
	[[ $stderr != *"${s:0:16}"* ]] || fail "secret printed: $stderr"
	printf 'LSHOOK_SECRET: %s\n' "$s" > "$conf"
	run_cgi tasks "$EV" LSHOOK_SECRET= LSHOOK_CONFIG="$conf"
	assert_error 500 "bad configuration" "$conf:1"
	[[ $stderr != *"${s:0:16}"* ]] || fail "secret printed: $stderr"
}
