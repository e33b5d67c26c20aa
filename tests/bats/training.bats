#!/usr/bin/env bats
# training.bats: the training handler as a Label Studio ML backend,
# routed by PATH_INFO: /health, /setup, /webhook, /predict, /versions.
load helpers

setup() { setup_data; }

MINE=$FIXTURES/lshook
UP='{"status":"UP","model_class":"lshook"}'

# assert_body STATUS JSON: the exact answer.
assert_body() {
	assert_http "$1"
	[ "$http_body" = "$2" ] || fail "body $http_body, want $2"
	assert_header "Content-Type: application/json"
}

# assert_training_error STATUS MESSAGE: also answered as JSON.
assert_training_error() {
	assert_error "$1" "$2"
	assert_header "Content-Type: application/json"
}

# get PATH [VAR=value...]: a GET without body or credentials.
get() {
	local path=$1
	shift
	run_cgi training "" REQUEST_METHOD=GET PATH_INFO="$path" CONTENT_LENGTH= \
	    CONTENT_TYPE= HTTP_AUTHORIZATION= "$@"
}

# --- health -----------------------------------------------------------

@test "training: GET /health, / and no path are 200 UP without credentials" {
	local p
	for p in /health / ""; do
		get "$p"
		assert_body 200 "$UP"
		[ -z "$stderr" ] || fail "stderr: $stderr"
	done
	assert_nothing_stored
}

@test "training: GET /health unconfigured is 500 with the configuration error, not UP" {
	local p
	for p in /health / ""; do
		get "$p" LSHOOK_SECRET=
		assert_training_error 500 "not configured"
		[[ $stderr == *"no secret"* ]] || fail "stderr: $stderr"
	done
	get /health LSHOOK_FSYNC=sometimes
	assert_training_error 500 "bad configuration"
	[[ $stderr == *LSHOOK_FSYNC* ]] || fail "stderr: $stderr"
	get /health LSHOOK_SECRET=change-me-to-a-long-random-secret
	assert_training_error 500 "bad configuration"
	# with credentials too: what is wrong is the configuration
	get /health LSHOOK_SECRET= HTTP_AUTHORIZATION="Bearer $SECRET"
	assert_training_error 500 "not configured"
}

@test "training: HEAD /health is answered like GET, without the body" {
	local raw=$BATS_TEST_TMPDIR/raw
	get /health
	assert_body 200 "$UP"
	run_cgi_raw "$raw" training "" REQUEST_METHOD=HEAD PATH_INFO=/health \
	    CONTENT_LENGTH= CONTENT_TYPE= HTTP_AUTHORIZATION=
	assert_http 200
	[ -z "$http_body" ] || fail "body of a HEAD answer: $http_body"
	assert_raw_answer "$raw" "200 OK"
	# an error answered to HEAD has no body either
	run_cgi_raw "$raw" training "" REQUEST_METHOD=HEAD PATH_INFO=/nowhere \
	    CONTENT_LENGTH= CONTENT_TYPE= HTTP_AUTHORIZATION=
	assert_http 404
	assert_raw_answer "$raw" "404 Not Found"
}

@test "training: POST /health is 405 with Allow: GET, POST" {
	run_cgi training '{}' PATH_INFO=/health
	assert_training_error 405 "method not allowed"
	assert_header "Allow: GET, POST"
}

@test "training: PUT and DELETE / are 405" {
	local m
	for m in PUT DELETE; do
		get / REQUEST_METHOD=$m
		assert_training_error 405 "method not allowed"
		assert_header "Allow: GET, POST"
	done
}

# --- setup ------------------------------------------------------------

@test "training: POST /setup answers the model version" {
	run_cgi_file training "$MINE/setup.json" PATH_INFO=/setup
	assert_body 200 '{"model_version":"lshook-0.1.0"}'
	assert_nothing_stored
}

@test "training: POST /setup without credentials answers too (Label Studio may send none)" {
	run_cgi_file training "$MINE/setup.json" PATH_INFO=/setup HTTP_AUTHORIZATION=
	assert_body 200 '{"model_version":"lshook-0.1.0"}'
}

@test "training: LSHOOK_MODEL_VERSION overrides the model version" {
	run_cgi_file training "$MINE/setup.json" PATH_INFO=/setup \
	    LSHOOK_MODEL_VERSION=my-model-7
	assert_body 200 '{"model_version":"my-model-7"}'
	get /versions LSHOOK_MODEL_VERSION=my-model-7
	assert_body 200 '{"versions":["my-model-7"]}'
}

@test "training: the /setup access token appears nowhere" {
	run_cgi_file training "$MINE/setup.json" PATH_INFO=/setup
	assert_http 200
	run_cgi_file training "$MINE/setup.json" PATH_INFO=/setup REQUEST_METHOD=GET
	assert_http 405
	run_cgi_file training "$MINE/setup.json" PATH_INFO=/webhook
	run_cgi_file training "$MINE/setup.json" PATH_INFO=/setup LSHOOK_FSYNC=bogus
	assert_http 500
	[[ $output != *live-token-xyz* && $stderr != *live-token-xyz* ]] ||
	    fail "token in output: $output $stderr"
	! grep -rqF live-token-xyz "$DATA" || fail "token stored"
}

@test "training: GET /setup is 405" {
	get /setup
	assert_training_error 405 "method not allowed"
}

# --- webhook ----------------------------------------------------------

@test "training: START_TRAINING with credentials is recorded in training.jsonl" {
	run_cgi_file training "$MINE/START_TRAINING.json" PATH_INFO=/webhook
	assert_http 200 .status ok
	[ "$(log_lines training.jsonl)" -eq 1 ]
	[ "$(event_files | wc -l)" -eq 1 ]
	assert_wellformed_log "$DATA/training.jsonl"
	run jq -c '[.action, .family, .project_id, .endpoint, .reason, .payload.project.token]' \
	    "$DATA/training.jsonl"
	assert_output '["START_TRAINING","training",3,null,null,"[redacted]"]'
	run ! grep -qF train-token-55cc44dd "$DATA/training.jsonl"
	[ "$(jq -r .id "$DATA/training.jsonl")" = "$(printf '%s' "$http_body" | jq -r .id)" ]
}

@test "training: the inline START_TRAINING of the spec is recorded with project 3" {
	run_cgi training '{"action":"START_TRAINING","project":{"id":3,"title":"x"}}' \
	    PATH_INFO=/webhook
	assert_http 200 .status ok
	run jq -c '[.family, .project_id]' "$DATA/training.jsonl"
	assert_output '["training",3]'
}

@test "training: START_TRAINING with Basic credentials is recorded" {
	run_cgi_file training "$MINE/START_TRAINING.json" PATH_INFO=/webhook \
	    HTTP_AUTHORIZATION="Basic $(printf 'ls:%s' "$SECRET" | base64 -w0)"
	assert_http 200 .status ok
	[ "$(log_lines training.jsonl)" -eq 1 ]
}

@test "training: START_TRAINING without credentials is 401 and nothing is stored" {
	run_cgi_file training "$MINE/START_TRAINING.json" PATH_INFO=/webhook \
	    HTTP_AUTHORIZATION=
	assert_training_error 401 "missing credentials"
	assert_header 'WWW-Authenticate: Basic realm="lshook"'
}

@test "training: START_TRAINING with a wrong secret is 401 and nothing is stored" {
	run_cgi_file training "$MINE/START_TRAINING.json" PATH_INFO=/webhook \
	    HTTP_AUTHORIZATION="Bearer $SECRET2"
	assert_training_error 401 "bad credentials"
}

@test "training: PROJECT_UPDATED from Label Studio 1.12's ML client is a training request" {
	run_cgi_file training "$MINE/PROJECT_UPDATED.json" PATH_INFO=/webhook \
	    HTTP_USER_AGENT=heartex/1.12.0
	assert_http 200 .status ok
	run jq -c '[.action, .family, .project_id, .payload.project.token]' \
	    "$DATA/training.jsonl"
	assert_output '["PROJECT_UPDATED","training",3,"[redacted]"]'
	[ "$(event_files | wc -l)" -eq 1 ]
}

@test "training: PROJECT_UPDATED from the webhook sender, with credentials, is a project edit: not stored" {
	run_cgi_file training "$MINE/PROJECT_UPDATED.json" PATH_INFO=/webhook \
	    HTTP_USER_AGENT=python-requests/2.32.4
	assert_body 200 '{"status":"Unknown event"}'
	assert_nothing_stored
}

@test "training: PROJECT_UPDATED with a wrong secret is 401, nothing stored" {
	run_cgi_file training "$MINE/PROJECT_UPDATED.json" PATH_INFO=/webhook \
	    HTTP_AUTHORIZATION="Bearer $SECRET2" HTTP_USER_AGENT=heartex/1.12.0
	assert_training_error 401 "bad credentials"
	run_cgi_file training "$MINE/PROJECT_UPDATED.json" PATH_INFO=/webhook \
	    HTTP_AUTHORIZATION="Bearer $SECRET2" HTTP_USER_AGENT=python-requests/2.32.4
	assert_training_error 401 "bad credentials"
}

@test "training: legacy POST /train is recorded as START_TRAINING" {
	run_cgi training '{"project":"12.1629208174"}' PATH_INFO=/train HTTP_AUTHORIZATION=
	assert_training_error 401 "missing credentials"
	run_cgi training '{"annotations":[{"id":7,"data":{}}],"project":"12.1629208174","label_config":"<View/>","params":{"login":"alice","password":"hunter2"}}' \
	    PATH_INFO=/train HTTP_USER_AGENT=heartex/1.11.0
	assert_http 200 .status ok
	run jq -c '[.action, .family, .project_id, .task_ids, .annotation_ids, .payload.params]' \
	    "$DATA/training.jsonl"
	assert_output '["START_TRAINING","training",12,[],[],{"login":"[redacted]","password":"[redacted]"}]'
}

@test "training: events without credentials get 200 Unknown event and nothing is stored" {
	local f
	for f in "$MINE/PROJECT_UPDATED.json" "$LSDOCS/ANNOTATION_CREATED.json" \
	    "$LSDOCS/TASKS_CREATED.json" "$LSDOCS/PROJECT_UPDATED.json"; do
		run_cgi_file training "$f" PATH_INFO=/webhook HTTP_AUTHORIZATION=
		assert_body 200 '{"status":"Unknown event"}'
		assert_nothing_stored
	done
	run_cgi training '{"action":"SOMETHING_NEW"}' PATH_INFO=/webhook HTTP_AUTHORIZATION=
	assert_body 200 '{"status":"Unknown event"}'
	assert_nothing_stored
}

@test "training: a body that is not a JSON event is 400 at /webhook" {
	run_cgi training 'not json' PATH_INFO=/webhook
	assert_training_error 400 "invalid json"
	run_cgi training '{"project":{"id":3}}' PATH_INFO=/webhook
	assert_training_error 400 "missing action"
}

@test "training: GET /webhook is 405" {
	get /webhook
	assert_training_error 405 "method not allowed"
}

@test "training: /webhook in hmac mode takes a signed START_TRAINING" {
	local body
	body=$(cat "$MINE/START_TRAINING.json")
	run_cgi training "$body" PATH_INFO=/webhook LSHOOK_AUTH=hmac \
	    HTTP_AUTHORIZATION= HTTP_X_HUB_SIGNATURE_256="sha256=$(printf '%s' "$body" |
	    openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)"
	assert_http 200 .status ok
	[ "$(log_lines training.jsonl)" -eq 1 ]
}

@test "training: without a secret configured /webhook is 500" {
	run_cgi_file training "$MINE/START_TRAINING.json" PATH_INFO=/webhook LSHOOK_SECRET=
	assert_training_error 500 "not configured"
	run_cgi_file training "$MINE/START_TRAINING.json" PATH_INFO=/webhook \
	    LSHOOK_SECRET= HTTP_AUTHORIZATION=
	assert_training_error 500 "not configured"
}

# --- predict, versions, unknown routes --------------------------------

@test "training: POST /predict answers no prediction for each task, by position" {
	run_cgi training '{"tasks":[{"id":1,"data":{"text":"x"}}]}' PATH_INFO=/predict
	assert_body 200 '{"results":[[]]}'
	run_cgi training '{"tasks":[{"id":1,"data":{"id":9}},{"id":2},{"id":3}],"params":{}}' \
	    PATH_INFO=/predict HTTP_AUTHORIZATION=
	assert_body 200 '{"results":[[],[],[]]}'
	assert_nothing_stored
}

@test "training: GET /versions lists the model version" {
	get /versions
	assert_body 200 '{"versions":["lshook-0.1.0"]}'
	assert_nothing_stored
}

@test "training: unknown routes are 404 not found" {
	get /nope
	assert_training_error 404 "not found"
	run_cgi training '{}' PATH_INFO=/train/
	assert_training_error 404 "not found"
	get /health/
	assert_training_error 404 "not found"
	get /HEALTH
	assert_training_error 404 "not found"
	run_cgi training '{"action":"START_TRAINING"}' PATH_INFO=/webhook/
	assert_training_error 404 "not found"
}
