#!/usr/bin/env bats
# auth.bats: the three authentication modes (header, hmac, standard),
# secret rotation and files, and the configuration errors around them.
load helpers

setup() { setup_data; }

EV='{"action":"TASKS_CREATED","tasks":[{"id":1}],"project":{"id":2}}'

# ev N: a TASKS_CREATED of task N.  TASKS_CREATED is deduplicated (the same
# body again is a retry), so each request a test wants stored is its own task.
ev() { printf '{"action":"TASKS_CREATED","tasks":[{"id":%s}],"project":{"id":2}}' "$1"; }

REALM='WWW-Authenticate: Basic realm="lshook"'

# GitHub vector GH-1 (reference/signatures.md).
GH_SECRET="It's a Secret to Everybody"
GH_BODY='Hello, World!'
GH_SIG=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17

# Standard Webhooks vector SW-1.
SW1_ID=msg_p5jXN8AQM9LWM0D4loKWxJek
SW1_TS=1614265330
SW1_BODY='{"test": 2432232314}'
SW1_SIG='v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
SW1_BAD='v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA='
SW_DECOY='v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc='

# Standard Webhooks vector SW-2.
SW2_SECRET='whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'
SW2_ID=msg_27UH4WbU6Z5A5EzD8u03UvzRbpk
SW2_TS=1649367553
SW2_BODY='{"email":"test@example.com","username":"test_user"}'
SW2_SIG='v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw='

refute_header_named() {
	! printf '%s\n' "$http_headers" | grep -qi "^$1:" ||
	    fail "unexpected header $1 in: $http_headers"
}

# refute_leak STRING...: none of the strings is in stdout or stderr.
refute_leak() {
	local s
	for s in "$@"; do
		[[ $output != *"$s"* ]] || fail "secret '$s' in stdout: $output"
		[[ $stderr != *"$s"* ]] || fail "secret '$s' in stderr: $stderr"
	done
}

ALL_SECRETS=("$SECRET" "$SECRET2" "$SW_SECRET" "${SW_SECRET#whsec_}"
    "$GH_SECRET" "$SW2_SECRET")

# assert_refused STATUS MESSAGE: the error answer (helpers.bash) and no
# secret in the output.
assert_refused() {
	assert_error "$1" "$2"
	refute_leak "${ALL_SECRETS[@]}"
}

# assert_401 MESSAGE: 401 in header mode, with the Basic challenge.
assert_401() {
	assert_refused 401 "$1"
	assert_header "$REALM"
}

assert_stored() {
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq "${1:-1}" ] ||
	    fail "expected ${1:-1} records, found $(log_lines tasks.jsonl)"
	refute_leak "${ALL_SECRETS[@]}"
}

b64() { printf '%s' "$1" | base64 -w0; }

# gh_sign SECRET BODY: lower-case hex HMAC-SHA256 of BODY.
gh_sign() {
	printf '%s' "$2" | openssl dgst -sha256 -hmac "$1" -r | cut -d' ' -f1
}

# sw_sign SECRET ID TIMESTAMP BODY: a Standard Webhooks v1 signature.
sw_sign() {
	local key
	key=$(printf '%s' "${1#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \n')
	printf '%s' "v1,"
	printf '%s' "$2.$3.$4" | openssl dgst -sha256 -mac HMAC \
	    -macopt "hexkey:$key" -binary | base64 -w0
}

# Run the tasks handler in standard mode with SW-1 (overridable).
run_sw1() {
	run_cgi tasks "$SW1_BODY" LSHOOK_AUTH=standard LSHOOK_SECRET="$SW_SECRET" \
	    LSHOOK_CLOCK=$SW1_TS HTTP_AUTHORIZATION= HTTP_WEBHOOK_ID=$SW1_ID \
	    HTTP_WEBHOOK_TIMESTAMP=$SW1_TS HTTP_WEBHOOK_SIGNATURE="$SW1_SIG" "$@"
}

# Run the tasks handler in hmac mode with GH-1 (overridable).
run_gh1() {
	run_cgi tasks "$GH_BODY" LSHOOK_AUTH=hmac LSHOOK_SECRET="$GH_SECRET" \
	    HTTP_AUTHORIZATION= HTTP_X_HUB_SIGNATURE_256="sha256=$GH_SIG" "$@"
}

# --- header mode ------------------------------------------------------

@test "auth: header mode is the default and takes Authorization: Bearer" {
	run_cgi tasks "$(ev 1)" HTTP_AUTHORIZATION="Bearer $SECRET"
	assert_stored
	run_cgi tasks "$(ev 2)" HTTP_AUTHORIZATION="Bearer $SECRET" LSHOOK_AUTH=header
	assert_stored 2
}

@test "auth: Token scheme and any case of the scheme name are accepted" {
	local n=0 a
	for a in "Token $SECRET" "bearer $SECRET" "BEARER $SECRET" "token $SECRET" \
	    "Bearer   $SECRET"; do
		n=$((n + 1))
		run_cgi tasks "$(ev $n)" HTTP_AUTHORIZATION="$a"
		assert_stored $n
	done
}

@test "auth: Basic with the secret as password and any user name" {
	local n=0 user
	for user in label-studio admin "" "x y"; do
		n=$((n + 1))
		run_cgi tasks "$(ev $n)" HTTP_AUTHORIZATION="Basic $(b64 "$user:$SECRET")"
		assert_stored $n
	done
	run_cgi tasks "$(ev $((n + 1)))" HTTP_AUTHORIZATION="basic $(b64 "u:$SECRET")"
	assert_stored $((n + 1))
}

@test "auth: Basic with a secret holding a colon matches the whole user:pass" {
	local s=alice:s3cret-password-xyz
	run_cgi tasks "$(ev 1)" LSHOOK_SECRET="$s" HTTP_AUTHORIZATION="Basic $(b64 "$s")"
	assert_stored
	run_cgi tasks "$(ev 2)" LSHOOK_SECRET="$s" HTTP_AUTHORIZATION="Bearer $s"
	assert_stored 2
}

@test "auth: Basic with only the password part of a colon secret is 401" {
	local s=alice:s3cret-password-xyz
	rm -rf "$DATA" && mkdir "$DATA"
	run_cgi tasks "$EV" LSHOOK_SECRET="$s" \
	    HTTP_AUTHORIZATION="Basic $(b64 "bob:s3cret-password-xyz")"
	assert_401 "bad credentials"
	refute_leak "$s"
}

@test "auth: Basic failures are 401 bad credentials with the Basic challenge" {
	local cred
	for cred in "$(b64 "user:wrong-secret-0123456789")" "$(b64 "$SECRET")" \
	    "$(b64 "$SECRET:user")" '!!!not-base64' "$(b64 "user:${SECRET}x")" \
	    "$(b64 "user:${SECRET%?}")"; do
		run_cgi tasks "$EV" HTTP_AUTHORIZATION="Basic $cred"
		assert_401 "bad credentials"
	done
}

@test "auth: a custom header set by LSHOOK_AUTH_HEADER carries the secret" {
	run_cgi tasks "$(ev 1)" LSHOOK_AUTH_HEADER=X-Webhook-Token \
	    HTTP_X_WEBHOOK_TOKEN="$SECRET" HTTP_AUTHORIZATION=
	assert_stored
	run_cgi tasks "$(ev 2)" LSHOOK_AUTH_HEADER=x-webhook-token \
	    HTTP_X_WEBHOOK_TOKEN="$SECRET" HTTP_AUTHORIZATION=
	assert_stored 2
}

@test "auth: a wrong value in the custom header is 401 bad credentials" {
	run_cgi tasks "$EV" LSHOOK_AUTH_HEADER=X-Webhook-Token \
	    HTTP_X_WEBHOOK_TOKEN="Bearer $SECRET" HTTP_AUTHORIZATION=
	assert_401 "bad credentials"
	run_cgi tasks "$EV" LSHOOK_AUTH_HEADER=X-Webhook-Token \
	    HTTP_X_WEBHOOK_TOKEN="wrong-secret-0123456789" HTTP_AUTHORIZATION=
	assert_401 "bad credentials"
}

@test "auth: the custom header counts only when LSHOOK_AUTH_HEADER names it" {
	run_cgi tasks "$EV" HTTP_X_WEBHOOK_TOKEN="$SECRET" HTTP_AUTHORIZATION=
	assert_401 "missing credentials"
}

@test "auth: a wrong Bearer secret is 401 bad credentials with the challenge" {
	run_cgi tasks "$EV" HTTP_AUTHORIZATION="Bearer wrong-secret-0123456789"
	assert_401 "bad credentials"
	run_cgi tasks "$EV" HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_401 "bad credentials"
}

@test "auth: no credentials is 401 missing credentials with the challenge" {
	run_cgi tasks "$EV" HTTP_AUTHORIZATION=
	assert_401 "missing credentials"
}

@test "auth: an empty Authorization header counts as none" {
	# run_cgi drops empty variables, so pass an empty one with env directly.
	run --separate-stderr env -i PATH="$PATH" REQUEST_METHOD=POST \
	    CONTENT_TYPE=application/json CONTENT_LENGTH=${#EV} \
	    LSHOOK_DATA_DIR="$DATA" LSHOOK_SECRET="$SECRET" HTTP_AUTHORIZATION= \
	    REMOTE_ADDR=127.0.0.1 "${VALGRIND_CMD[@]}" "$HOOKS/tasks.fcgi" \
	    < <(printf '%s' "$EV")
	LAST_HANDLER=tasks
	parse_response
	assert_clean_run
	assert_401 "missing credentials"
}

@test "auth: a scheme with no credentials after it is 401 bad credentials" {
	local a
	for a in Bearer "Bearer " Basic Token Digest "$SECRET"; do
		run_cgi tasks "$EV" HTTP_AUTHORIZATION="$a"
		assert_401 "bad credentials"
	done
}

@test "auth: an unknown scheme is 401 unsupported authorization scheme" {
	local a
	for a in "Digest x" "Negotiate $SECRET" "Bearer-$SECRET x" \
	    "Bearerx $SECRET" "Bearer:$SECRET x"; do
		run_cgi tasks "$EV" HTTP_AUTHORIZATION="$a"
		assert_401 "unsupported authorization scheme"
	done
}

@test "auth: a prefix of the secret, a longer one or another case is 401" {
	local s
	for s in "${SECRET%?}" "${SECRET:0:16}" "${SECRET}x" "$SECRET " \
	    "${SECRET^^}" "x$SECRET"; do
		run_cgi tasks "$EV" HTTP_AUTHORIZATION="Bearer $s"
		assert_401 "bad credentials"
	done
}

@test "auth: with two secrets configured both work and a third does not" {
	run_cgi tasks "$(ev 1)" LSHOOK_SECRET="$SECRET,$SECRET2"
	assert_stored 1
	run_cgi tasks "$(ev 2)" LSHOOK_SECRET="$SECRET,$SECRET2" \
	    HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_stored 2
	run_cgi tasks "$(ev 3)" LSHOOK_SECRET=" $SECRET , $SECRET2 " \
	    HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_stored 3
	rm -rf "$DATA" && mkdir "$DATA"
	run_cgi tasks "$(ev 4)" LSHOOK_SECRET="$SECRET,$SECRET2" \
	    HTTP_AUTHORIZATION="Bearer third-secret-0123456789"
	assert_401 "bad credentials"
	run_cgi tasks "$(ev 5)" LSHOOK_SECRET="$SECRET,$SECRET2" \
	    HTTP_AUTHORIZATION="Bearer $SECRET,$SECRET2"
	assert_401 "bad credentials"
}

@test "auth: secrets from LSHOOK_SECRET_FILE, blank lines and comments ignored" {
	local f=$BATS_TEST_TMPDIR/secrets
	printf '# webhook secrets\n\n%s\n   \n  # old-secret-0123456789abc\n%s  \r\n' \
	    "$SECRET" "$SECRET2" > "$f"
	run_cgi tasks "$(ev 1)" LSHOOK_SECRET= LSHOOK_SECRET_FILE="$f"
	assert_stored 1
	run_cgi tasks "$(ev 2)" LSHOOK_SECRET= LSHOOK_SECRET_FILE="$f" \
	    HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_stored 2
	rm -rf "$DATA" && mkdir "$DATA"
	run_cgi tasks "$(ev 3)" LSHOOK_SECRET= LSHOOK_SECRET_FILE="$f" \
	    HTTP_AUTHORIZATION="Bearer # old-secret-0123456789abc"
	assert_401 "bad credentials"
	run_cgi tasks "$(ev 4)" LSHOOK_SECRET= LSHOOK_SECRET_FILE="$f" \
	    HTTP_AUTHORIZATION="Bearer old-secret-0123456789abc"
	assert_401 "bad credentials"
}

@test "auth: LSHOOK_SECRET and LSHOOK_SECRET_FILE together both count" {
	local f=$BATS_TEST_TMPDIR/secrets
	printf '%s\n' "$SECRET2" > "$f"
	run_cgi tasks "$(ev 1)" LSHOOK_SECRET_FILE="$f"
	assert_stored 1
	run_cgi tasks "$(ev 2)" LSHOOK_SECRET_FILE="$f" HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_stored 2
}

@test "auth: a missing LSHOOK_SECRET_FILE is 500 bad configuration" {
	run_cgi tasks "$EV" LSHOOK_SECRET= LSHOOK_SECRET_FILE="$BATS_TEST_TMPDIR/none"
	assert_refused 500 "bad configuration"
	[[ $stderr == *"$BATS_TEST_TMPDIR/none"* ]] || fail "file not named: $stderr"
}

@test "auth: header mode ignores signatures" {
	run_gh1 LSHOOK_AUTH=header
	assert_401 "missing credentials"
}

# --- hmac mode --------------------------------------------------------

@test "auth: hmac GH-1 with the right signature passes (then fails as invalid json)" {
	run_gh1
	assert_http 400 .error "invalid json"
	assert_diag 400 "invalid json"
	assert_nothing_stored
	refute_leak "$GH_SECRET"
}

@test "auth: hmac GH-1 with a wrong signature is 401 bad signature" {
	run_gh1 HTTP_X_HUB_SIGNATURE_256="sha256=${GH_SIG%?}6"
	assert_refused 401 "bad signature"
	refute_header_named WWW-Authenticate
	run_gh1 HTTP_X_HUB_SIGNATURE_256="sha256=$(gh_sign "$GH_SECRET" "Hello, World?")"
	assert_refused 401 "bad signature"
}

@test "auth: hmac accepts upper-case hex" {
	run_gh1 HTTP_X_HUB_SIGNATURE_256="sha256=${GH_SIG^^}"
	assert_http 400 .error "invalid json"
}

@test "auth: a JSON body signed with openssl is stored in hmac mode" {
	run_cgi tasks "$EV" LSHOOK_AUTH=hmac HTTP_AUTHORIZATION= \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(gh_sign "$SECRET" "$EV")"
	assert_stored
}

@test "auth: hmac signature made with another secret or over another body is 401" {
	run_cgi tasks "$EV" LSHOOK_AUTH=hmac HTTP_AUTHORIZATION= \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(gh_sign "$SECRET2" "$EV")"
	assert_refused 401 "bad signature"
	run_cgi tasks "$EV " LSHOOK_AUTH=hmac HTTP_AUTHORIZATION= \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(gh_sign "$SECRET" "$EV")"
	assert_refused 401 "bad signature"
}

@test "auth: hmac works with each rotated secret" {
	local body
	body=$(ev 1)
	run_cgi tasks "$body" LSHOOK_AUTH=hmac HTTP_AUTHORIZATION= \
	    LSHOOK_SECRET="$SECRET,$SECRET2" \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(gh_sign "$SECRET2" "$body")"
	assert_stored 1
	body=$(ev 2)
	run_cgi tasks "$body" LSHOOK_AUTH=hmac HTTP_AUTHORIZATION= \
	    LSHOOK_SECRET="$SECRET,$SECRET2" \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(gh_sign "$SECRET" "$body")"
	assert_stored 2
}

@test "auth: malformed hmac signatures are 401 malformed signature" {
	local sig
	for sig in "$GH_SIG" "sha1=$GH_SIG" "SHA256=$GH_SIG" "sha256=${GH_SIG}0" \
	    "sha256=${GH_SIG%?}" "sha256=${GH_SIG:0:62}" "sha256=${GH_SIG%?}g" \
	    "sha256=" "sha256=${GH_SIG}00" "sha256= $GH_SIG" "sha256=$GH_SIG "; do
		run_gh1 HTTP_X_HUB_SIGNATURE_256="$sig"
		assert_refused 401 "malformed signature"
	done
}

@test "auth: hmac mode without a signature is 401 missing credentials" {
	run_gh1 HTTP_X_HUB_SIGNATURE_256=
	assert_refused 401 "missing credentials"
	run_gh1 HTTP_X_HUB_SIGNATURE_256= HTTP_AUTHORIZATION="Bearer $GH_SECRET"
	assert_refused 401 "missing credentials"
}

@test "auth: LSHOOK_HMAC_HEADER moves the signature header" {
	run_gh1 LSHOOK_HMAC_HEADER=X-Signature HTTP_X_HUB_SIGNATURE_256= \
	    HTTP_X_SIGNATURE="sha256=$GH_SIG"
	assert_http 400 .error "invalid json"
	run_gh1 LSHOOK_HMAC_HEADER=X-Signature
	assert_refused 401 "missing credentials"
}

# --- standard mode ----------------------------------------------------

@test "auth: standard SW-1 passes (then fails as missing action)" {
	run_sw1
	assert_http 400 .error "missing action"
	assert_diag 400 "missing action"
	assert_nothing_stored
	refute_leak "${ALL_SECRETS[@]}"
}

@test "auth: standard SW-1 with the last character changed is 401 bad signature" {
	run_sw1 HTTP_WEBHOOK_SIGNATURE="$SW1_BAD"
	assert_refused 401 "bad signature"
}

@test "auth: standard SW-1 with another webhook-id, timestamp or body is 401 bad signature" {
	run_sw1 HTTP_WEBHOOK_ID=msg_p5jXN8AQM9LWM0D4loKWxJeK
	assert_refused 401 "bad signature"
	run_sw1 HTTP_WEBHOOK_TIMESTAMP=$((SW1_TS + 1))
	assert_refused 401 "bad signature"
	run_cgi tasks '{"test": 2432232315}' LSHOOK_AUTH=standard \
	    LSHOOK_SECRET="$SW_SECRET" LSHOOK_CLOCK=$SW1_TS HTTP_AUTHORIZATION= \
	    HTTP_WEBHOOK_ID=$SW1_ID HTTP_WEBHOOK_TIMESTAMP=$SW1_TS \
	    HTTP_WEBHOOK_SIGNATURE="$SW1_SIG"
	assert_refused 401 "bad signature"
}

@test "auth: standard multi-signature header passes when one v1 entry matches" {
	run_sw1 HTTP_WEBHOOK_SIGNATURE="$SW_DECOY v2,${SW_DECOY#v1,} $SW1_SIG $SW_DECOY"
	assert_http 400 .error "missing action"
	run_sw1 HTTP_WEBHOOK_SIGNATURE="v1a,${SW1_SIG#v1,} $SW1_SIG"
	assert_http 400 .error "missing action"
}

@test "auth: standard multi-signature header with no matching v1 is 401 bad signature" {
	run_sw1 HTTP_WEBHOOK_SIGNATURE="$SW_DECOY v2,${SW1_SIG#v1,} $SW1_BAD"
	assert_refused 401 "bad signature"
	run_sw1 HTTP_WEBHOOK_SIGNATURE="v2,${SW1_SIG#v1,} v1a,${SW1_SIG#v1,} $SW_DECOY"
	assert_refused 401 "bad signature"
}

@test "auth: a standard secret without the whsec_ prefix gives the same key" {
	run_sw1 LSHOOK_SECRET="${SW_SECRET#whsec_}"
	assert_http 400 .error "missing action"
	run_sw1 LSHOOK_SECRET="${SW_SECRET#whsec_}" HTTP_WEBHOOK_SIGNATURE="$SW1_BAD"
	assert_refused 401 "bad signature"
}

@test "auth: standard SW-2 passes, its negative vector does not" {
	run_cgi tasks "$SW2_BODY" LSHOOK_AUTH=standard LSHOOK_SECRET="$SW2_SECRET" \
	    LSHOOK_CLOCK=$SW2_TS HTTP_AUTHORIZATION= HTTP_WEBHOOK_ID=$SW2_ID \
	    HTTP_WEBHOOK_TIMESTAMP=$SW2_TS HTTP_WEBHOOK_SIGNATURE="$SW2_SIG"
	assert_http 400 .error "missing action"
	run_cgi tasks "$SW2_BODY" LSHOOK_AUTH=standard LSHOOK_SECRET="$SW2_SECRET" \
	    LSHOOK_CLOCK=$SW2_TS HTTP_AUTHORIZATION= HTTP_WEBHOOK_ID=$SW2_ID \
	    HTTP_WEBHOOK_TIMESTAMP=$SW2_TS \
	    HTTP_WEBHOOK_SIGNATURE="v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU="
	assert_refused 401 "bad signature"
}

@test "auth: standard with two secrets checks each one" {
	run_cgi tasks "$SW2_BODY" LSHOOK_AUTH=standard \
	    LSHOOK_SECRET="$SW_SECRET,$SW2_SECRET" LSHOOK_CLOCK=$SW2_TS \
	    HTTP_AUTHORIZATION= HTTP_WEBHOOK_ID=$SW2_ID \
	    HTTP_WEBHOOK_TIMESTAMP=$SW2_TS HTTP_WEBHOOK_SIGNATURE="$SW2_SIG"
	assert_http 400 .error "missing action"
	run_sw1 LSHOOK_SECRET="$SECRET,$SW2_SECRET,$SW_SECRET"
	assert_http 400 .error "missing action"
}

@test "auth: timestamps 300 s old or ahead pass, 301 s fail" {
	run_sw1 LSHOOK_CLOCK=$((SW1_TS + 300))
	assert_http 400 .error "missing action"
	run_sw1 LSHOOK_CLOCK=$((SW1_TS - 300))
	assert_http 400 .error "missing action"
	run_sw1 LSHOOK_CLOCK=$((SW1_TS + 301))
	assert_refused 401 "stale timestamp"
	run_sw1 LSHOOK_CLOCK=$((SW1_TS - 301))
	assert_refused 401 "timestamp in the future"
}

@test "auth: LSHOOK_TOLERANCE changes the timestamp window" {
	run_sw1 LSHOOK_TOLERANCE=10 LSHOOK_CLOCK=$((SW1_TS + 10))
	assert_http 400 .error "missing action"
	run_sw1 LSHOOK_TOLERANCE=10 LSHOOK_CLOCK=$((SW1_TS + 11))
	assert_refused 401 "stale timestamp"
	run_sw1 LSHOOK_TOLERANCE=10 LSHOOK_CLOCK=$((SW1_TS - 11))
	assert_refused 401 "timestamp in the future"
}

@test "auth: without LSHOOK_CLOCK the 2021 SW-1 timestamp is stale" {
	run_sw1 LSHOOK_CLOCK=
	assert_refused 401 "stale timestamp"
}

@test "auth: a non-integer timestamp is 401 malformed timestamp" {
	local ts
	for ts in hello -1614265330 1614265330.0 " 1614265330" 1e9 0x60379bf2; do
		run_sw1 HTTP_WEBHOOK_TIMESTAMP="$ts"
		assert_refused 401 "malformed timestamp"
	done
}

@test "auth: standard with a missing signature, timestamp or id is 401 missing credentials" {
	run_sw1 HTTP_WEBHOOK_SIGNATURE=
	assert_refused 401 "missing credentials"
	run_sw1 HTTP_WEBHOOK_TIMESTAMP=
	assert_refused 401 "missing credentials"
	run_sw1 HTTP_WEBHOOK_ID=
	assert_refused 401 "missing credentials"
	run_sw1 HTTP_WEBHOOK_ID= HTTP_WEBHOOK_TIMESTAMP= HTTP_WEBHOOK_SIGNATURE=
	assert_refused 401 "missing credentials"
}

@test "auth: a partial or truncated standard signature is 401 malformed signature" {
	local sig
	for sig in "v1," "${SW1_SIG:0:8}" "${SW1_SIG%???}" "v1" "$SW1_ID" \
	    "v1,${SW1_SIG#v1,}${SW1_SIG#v1,}" "v1,!!!!" "${SW1_SIG#v1,}"; do
		run_sw1 HTTP_WEBHOOK_SIGNATURE="$sig"
		assert_refused 401 "malformed signature"
	done
}

@test "auth: a JSON event signed the Standard Webhooks way is stored under its webhook-id" {
	local ts=1700000000 id=msg_2KWPBgLlAfxdpx2AI54pPJ85f4W sig
	sig=$(sw_sign "$SW_SECRET" $id $ts "$EV")
	run_cgi tasks "$EV" LSHOOK_AUTH=standard LSHOOK_SECRET="$SW_SECRET" \
	    LSHOOK_CLOCK=$((ts + 5)) HTTP_AUTHORIZATION= HTTP_WEBHOOK_ID=$id \
	    HTTP_WEBHOOK_TIMESTAMP=$ts HTTP_WEBHOOK_SIGNATURE="$sig"
	assert_stored
	assert_http 200 .id $id
	run jq -r .id "$DATA/tasks.jsonl"
	assert_output $id
}

@test "auth: standard mode ignores Authorization and hmac headers" {
	run_cgi tasks "$EV" LSHOOK_AUTH=standard LSHOOK_SECRET="$SW_SECRET" \
	    HTTP_AUTHORIZATION="Bearer $SW_SECRET" \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(gh_sign "$SW_SECRET" "$EV")"
	assert_refused 401 "missing credentials"
	refute_header_named WWW-Authenticate
}

# --- several modes ----------------------------------------------------

@test "auth: header,hmac accepts either credential" {
	local body
	body=$(ev 1)
	run_cgi tasks "$body" LSHOOK_AUTH=header,hmac
	assert_stored 1
	body=$(ev 2)
	run_cgi tasks "$body" LSHOOK_AUTH=header,hmac HTTP_AUTHORIZATION= \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(gh_sign "$SECRET" "$body")"
	assert_stored 2
	body=$(ev 3)
	run_cgi tasks "$body" LSHOOK_AUTH="hmac, header" \
	    HTTP_AUTHORIZATION="Bearer wrong-secret-0123456789" \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(gh_sign "$SECRET" "$body")"
	assert_stored 3
}

@test "auth: header,hmac with both credentials wrong or none is 401" {
	run_cgi tasks "$EV" LSHOOK_AUTH=header,hmac \
	    HTTP_AUTHORIZATION="Bearer wrong-secret-0123456789" \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(gh_sign "$SECRET2" "$EV")"
	assert_401 "bad credentials"
	run_cgi tasks "$EV" LSHOOK_AUTH=header,hmac HTTP_AUTHORIZATION=
	assert_401 "missing credentials"
	run_cgi tasks "$EV" LSHOOK_AUTH=header,hmac HTTP_AUTHORIZATION= \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(gh_sign "$SECRET2" "$EV")"
	assert_401 "bad signature"
}

@test "auth: header,hmac,standard accepts each of the three" {
	local ts=1700000000 id=msg_three body
	local modes=(LSHOOK_AUTH=header,hmac,standard
	    LSHOOK_SECRET="$SECRET,$SW_SECRET" LSHOOK_CLOCK=$ts)
	body=$(ev 1)
	run_cgi tasks "$body" "${modes[@]}"
	assert_stored 1
	body=$(ev 2)
	run_cgi tasks "$body" "${modes[@]}" HTTP_AUTHORIZATION= \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(gh_sign "$SW_SECRET" "$body")"
	assert_stored 2
	body=$(ev 3)
	run_cgi tasks "$body" "${modes[@]}" HTTP_AUTHORIZATION= HTTP_WEBHOOK_ID=$id \
	    HTTP_WEBHOOK_TIMESTAMP=$ts \
	    HTTP_WEBHOOK_SIGNATURE="$(sw_sign "$SW_SECRET" $id $ts "$body")"
	assert_stored 3
}

# --- configuration ----------------------------------------------------

@test "auth: no secret configured is 500 not configured for every request" {
	run_cgi tasks "$EV" LSHOOK_SECRET=
	assert_refused 500 "not configured"
	[[ $stderr == *"no secret"* ]] || fail "no reason given: $stderr"
	run_cgi tasks "$EV" LSHOOK_SECRET= HTTP_AUTHORIZATION=
	assert_refused 500 "not configured"
	run_cgi tasks "$EV" LSHOOK_SECRET= REQUEST_METHOD=GET
	assert_refused 500 "not configured"
	run_cgi tasks "not json" LSHOOK_SECRET=
	assert_refused 500 "not configured"
	run_cgi annotations "$EV" LSHOOK_SECRET=
	assert_http 500 .error "not configured"
	assert_diag 500 "not configured"
	assert_nothing_stored
}

@test "auth: standard mode with no base64 secret is 500 bad configuration" {
	run_cgi tasks "$EV" LSHOOK_AUTH=standard
	assert_refused 500 "bad configuration"
	run_cgi tasks "$EV" LSHOOK_AUTH=standard LSHOOK_SECRET="$SECRET,$SECRET2"
	assert_refused 500 "bad configuration"
	run_cgi tasks "$EV" LSHOOK_AUTH=header,standard
	assert_refused 500 "bad configuration"
}

@test "auth: an unknown LSHOOK_AUTH mode is 500 bad configuration" {
	local m
	for m in bogus "header,bogus" HEADER "header hmac" ","; do
		run_cgi tasks "$EV" LSHOOK_AUTH="$m"
		assert_refused 500 "bad configuration"
	done
	[[ $stderr == *LSHOOK_AUTH* ]] || fail "setting not named: $stderr"
}

@test "auth: a secret shorter than 16 characters is 500, 16 is enough" {
	local short=0123456789abcde
	run_cgi tasks "$EV" LSHOOK_SECRET=$short HTTP_AUTHORIZATION="Bearer $short"
	assert_refused 500 "bad configuration"
	refute_leak "$short"
	run_cgi tasks "$EV" LSHOOK_SECRET="$SECRET,$short"
	assert_refused 500 "bad configuration"
	refute_leak "$short"
	run_cgi tasks "$EV" LSHOOK_SECRET=${short}f HTTP_AUTHORIZATION="Bearer ${short}f"
	assert_stored
}

@test "auth: a short secret in LSHOOK_SECRET_FILE is 500 and not printed" {
	local f=$BATS_TEST_TMPDIR/secrets
	printf '%s\nshort-secret\n' "$SECRET" > "$f"
	run_cgi tasks "$EV" LSHOOK_SECRET= LSHOOK_SECRET_FILE="$f"
	assert_refused 500 "bad configuration"
	refute_leak short-secret
}

@test "auth: no secret text ever reaches stdout or stderr" {
	# Wrong, right and malformed credentials of every mode.
	run_cgi tasks "$EV" HTTP_AUTHORIZATION="Bearer $SECRET2"
	refute_leak "${ALL_SECRETS[@]}"
	run_cgi tasks "$EV" HTTP_AUTHORIZATION="Basic $(b64 "user:$SECRET2")"
	refute_leak "${ALL_SECRETS[@]}" "$(b64 "user:$SECRET2")"
	run_cgi tasks "not json" HTTP_AUTHORIZATION="Bearer $SECRET"
	refute_leak "${ALL_SECRETS[@]}"
	run_sw1 HTTP_WEBHOOK_SIGNATURE="v1,${SW_SECRET#whsec_}"
	refute_leak "${ALL_SECRETS[@]}"
	run_sw1 LSHOOK_SECRET="$SW_SECRET,$SECRET2" LSHOOK_CLOCK=1
	refute_leak "${ALL_SECRETS[@]}"
	run_gh1 HTTP_X_HUB_SIGNATURE_256="sha256=$GH_SECRET"
	refute_leak "${ALL_SECRETS[@]}"
	assert_nothing_stored
}
