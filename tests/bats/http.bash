# http.bash: posting to a running server as Label Studio does, and
# checking the records field by field; shared by the server suites.
# Load after helpers; needs $BASE_URL and $LS_TIMEOUT (and $CURL_TIMEOUT,
# default 30 s).

LS_SEND=$ROOT/tests/tools/ls_send.py

# ls_post PATH FILE [ls_send args...]: post FILE as Label Studio does.
# Sets $http_status (000 when no answer came) and $http_body.
ls_post() {
	local path=$1 file=$2
	shift 2
	run "$LS_SEND" --timeout "$LS_TIMEOUT" "$BASE_URL$path" "$file" "$@"
	[ -n "$output" ] || fail "ls_send printed nothing ($status)"
	http_status=${output%% *}
	http_body=${output#"$http_status"}
	http_body=${http_body# }
}

# curl_http PATH [curl args...]: one request to $BASE_URL/PATH.
# Sets $http_status, $http_headers, $http_body.
curl_http() {
	local path=$1
	shift
	local out=$BATS_TEST_TMPDIR/curl
	run curl -sS --max-time "${CURL_TIMEOUT:-30}" -D "$out.headers" \
	    -o "$out.body" -w '%{http_code}' "$@" "$BASE_URL$path"
	[ "$status" -eq 0 ] || fail "curl $path failed ($status): $output"
	http_status=$output
	http_headers=$(tr -d '\r' < "$out.headers")
	http_body=$(cat "$out.body")
}

# store_limit_body FILE: write a TASKS_CREATED of exactly $BODY_LIMIT
# bytes (the shipped limit) to FILE, post it to the tasks handler and check
# it is answered 200 and stored whole.  FILE stays for a test that goes on
# with one byte more.
store_limit_body() {
	local f=$1
	sized_task_body "$BODY_LIMIT" "$f"
	CURL_TIMEOUT=60 curl_http /hooks/tasks.fcgi -H 'Content-Type: application/json' \
	    -H "Authorization: Bearer $SECRET" -H 'Expect:' --data-binary "@$f"
	assert_http 200 .status ok
	check_sized_record "$DATA/tasks.jsonl" "$BODY_LIMIT"
}

# wait_log FILE REGEX: wait (up to 3 s) until FILE holds a line matching
# REGEX (a server's error log, written a moment after its answer).
wait_log() {
	local i
	for i in $(seq 30); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# Which handler records an action.
family_of() {
	case $1 in
	TASK*) echo tasks ;;
	ANNOTATION*) echo annotations ;;
	PROJECT*) echo projects ;;
	*) return 1 ;;
	esac
}

# The hex SHA-256 of the body ls_send.py posts for FILE (requests' json=).
sent_sha256() {
	/usr/bin/python3 -c 'import json, sys
sys.setrecursionlimit(100000)	# as ls_send.py: deep task data
sys.stdout.write(json.dumps(json.load(open(sys.argv[1], "rb"))))' "$1" |
	    sha256sum | cut -d' ' -f1
}

# assert_record RECORD FIXTURE FAMILY: the record is the fixture's event,
# field by field.
assert_record() {
	local rec=$1 f=$2 fam=$3 got want field
	local redact='def red(k): if (.project | type) == "object" and (.project | has(k))
	    then .project[k] = "[redacted]" else . end;
	    red("token") | red("task_data_login") | red("task_data_password")'
	for field in action family project_id task_ids annotation_ids payload; do
		got=$(printf '%s' "$rec" | jq -cS ".$field")
		case $field in
		action) want=$(jq -c .action "$f") ;;
		family) want=\"$fam\" ;;
		project_id) want=$(jq -c '.project.id // null' "$f") ;;
		task_ids) want=$(jq -c '[.tasks[]?.id] + [.task.id // empty] +
		    [.annotation.task // empty]' "$f") ;;
		annotation_ids) want=$(jq -c '[.annotations[]?.id] +
		    [.annotation.id // empty]' "$f") ;;
		payload) want=$(jq -cS "$redact" "$f") ;;
		esac
		[ "$got" = "$want" ] ||
		    fail "$(basename "$f"): .$field is $got, expected $want"
	done
}
