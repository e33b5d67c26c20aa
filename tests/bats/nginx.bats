#!/usr/bin/env bats
# nginx.bats: end to end through the shipped nginx deployment on 127.0.0.1:
# nginx runs nginx/lshook.conf (only paths and the port substituted) inside
# a minimal nginx.conf, and the four handlers run with the spawn-fcgi
# command of systemd/lshook-fcgi@.service, in the environment its
# EnvironmentFile gives.  Label Studio's traffic is posted with
# tests/tools/ls_send.py, byte for byte as Label Studio posts it.
load helpers
load http

UNIT=$ROOT/systemd/lshook-fcgi@.service
SERVER_BLOCK=$ROOT/nginx/lshook.conf
NAMES=(tasks annotations projects training)
# Label Studio's own webhook timeout; valgrind needs more.
LS_TIMEOUT=1
[ "${VALGRIND:-0}" = 1 ] && LS_TIMEOUT=20

setup() {
	setup_data
	NGX=$BATS_TEST_TMPDIR/nginx
	mkdir -p "$NGX/run" "$NGX/tmp"
	declare -gA HANDLER_PID=()
}

teardown() {
	stop_nginx
	stop_handlers
}

# --- the deployment ----------------------------------------------------------

# unit_command NAME: the unit's ExecStart for instance NAME in $cmd, with
# this test's paths: /run/lshook -> $NGX/run, /usr/local/libexec/lshook
# -> www/hooks.  The account options (-u/-g lshook, -U/-G www-data) are
# left out: they need the system accounts and root, and spawn-fcgi
# ignores them anyway when not run as root.  With VALGRIND=1 the handler
# runs under valgrind.
unit_command() {
	local line w skip=0 words
	line=$(sed -n 's/^ExecStart=//p' "$UNIT")
	[ -n "$line" ] || fail "no ExecStart in $UNIT"
	line=${line//%i/$1}
	line=${line//\/run\/lshook\//$NGX/run/}
	line=${line//\/usr\/local\/libexec\/lshook\//$HOOKS/}
	read -ra words <<< "$line"
	cmd=()
	for w in "${words[@]}"; do
		if [ "$skip" = 1 ]; then
			skip=0
			continue
		fi
		case $w in
		-u|-g|-U|-G) skip=1 ;;
		--)
			cmd+=(--)
			# spawn-fcgi execs without a PATH search
			[ ${#VALGRIND_CMD[@]} -gt 0 ] &&
			    cmd+=("$(command -v valgrind)" "${VALGRIND_CMD[@]:1}")
			;;
		*) cmd+=("$w") ;;
		esac
	done
}

# The environment file (/etc/lshook/lshook.env) for this test.
write_env_file() {
	printf '%s\n' "$SECRET" > "$NGX/secret"
	cat > "$NGX/lshook.env" <<-EOF
	# KEY=value lines, as systemd's EnvironmentFile= reads them
	LSHOOK_DATA_DIR=$DATA
	LSHOOK_SECRET_FILE=$NGX/secret
	LSHOOK_AUTH=header
	LSHOOK_AUTH_HEADER=X-Webhook-Token
	EOF
}

# start_handler NAME: start one instance as systemd would; it is ready once
# it answers a FastCGI request on its socket (a GET, which records nothing).
start_handler() {
	local name=$1 envs i
	unit_command "$name"
	mapfile -t envs < <(grep -Ev '^[[:space:]]*(#|$)' "$NGX/lshook.env")
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    "${envs[@]}" "${cmd[@]}" 2>>"$NGX/$name.err" 3>&- &
	HANDLER_PID[$name]=$!
	for i in $(seq 100); do
		[ -S "$NGX/run/$name.sock" ] &&
		    env -i REQUEST_METHOD=GET PATH_INFO=/health \
		    SCRIPT_FILENAME="$HOOKS/$name.fcgi" timeout 20 \
		    cgi-fcgi -bind -connect "$NGX/run/$name.sock" \
		    < /dev/null 2> /dev/null | grep -q '^Status: ' && return 0
		kill -0 "${HANDLER_PID[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	fail "cannot start the $name handler: $(cat "$NGX/$name.err")"
}

# stop_handler NAME: SIGTERM, as systemd stops it; the handler (exec'd by
# spawn-fcgi -n) must exit 0, and cleanly under valgrind or sanitizers.
stop_handler() {
	local name=$1 pid=${HANDLER_PID[$1]:-} rc=0 dog
	[ -n "$pid" ] || return 0
	(
		for _ in $(seq 300); do
			kill -0 "$pid" 2>/dev/null || exit 0
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	) 3>&- &
	dog=$!
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" || rc=$?
	wait "$dog" 2>/dev/null
	unset "HANDLER_PID[$name]"
	if [ "$rc" -ne 0 ]; then
		fail "$name handler exited with $rc: $(cat "$NGX/$name.err")"
		return 1
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$NGX/$name.err"; then
		fail "sanitizer report: $(cat "$NGX/$name.err")"
		return 1
	fi
}

# Stop them all, even when one fails.
stop_handlers() {
	local name rc=0
	for name in "${!HANDLER_PID[@]}"; do
		stop_handler "$name" || rc=1
	done
	return "$rc"
}

# The test's nginx.conf: pid, logs and temp paths in $NGX, and the shipped
# server block with its paths and port replaced.
write_nginx_conf() {
	local port=$1
	sed -e "s|/run/lshook/|$NGX/run/|g" \
	    -e "s|/usr/local/libexec/lshook|$HOOKS|g" \
	    -e "s|listen 127\.0\.0\.1:8089;|listen 127.0.0.1:$port;|" \
	    "$SERVER_BLOCK" > "$NGX/lshook.conf"
	grep -q "listen 127.0.0.1:$port;" "$NGX/lshook.conf" ||
	    fail "no 'listen 127.0.0.1:8089;' in $SERVER_BLOCK"
	# `include fastcgi_params` is relative to nginx.conf's folder
	cp /etc/nginx/fastcgi_params "$NGX/"
	{
		# root keeps the workers as root so they reach the sockets in
		# this private folder (in production: -U/-G www-data)
		[ "$(id -u)" -eq 0 ] && echo "user root;"
		cat <<-EOF
		pid $NGX/nginx.pid;
		error_log $NGX/error.log warn;
		worker_processes 1;
		events { worker_connections 256; }
		http {
		    access_log $NGX/access.log;
		    client_body_temp_path $NGX/tmp/body;
		    fastcgi_temp_path $NGX/tmp/fastcgi;
		    proxy_temp_path $NGX/tmp/proxy;
		    uwsgi_temp_path $NGX/tmp/uwsgi;
		    scgi_temp_path $NGX/tmp/scgi;
		    include $NGX/lshook.conf;
		}
		EOF
	} > "$NGX/nginx.conf"
}

# start_nginx: nginx in the foreground on a free port; sets $NGINX_PID,
# $NGINX_PORT and $BASE_URL.
start_nginx() {
	for _ in 1 2 3 4 5; do
		NGINX_PORT=$(free_port)
		write_nginx_conf "$NGINX_PORT"
		nginx -p "$NGX" -c "$NGX/nginx.conf" -g 'daemon off;' \
		    2>>"$NGX/stderr" 3>&- &
		NGINX_PID=$!
		if wait_port "$NGINX_PORT" "$NGINX_PID"; then
			BASE_URL=http://127.0.0.1:$NGINX_PORT
			return 0
		fi
		kill "$NGINX_PID" 2>/dev/null || true
		wait "$NGINX_PID" 2>/dev/null || true
	done
	fail "cannot start nginx: $(cat "$NGX/stderr" "$NGX/error.log" 2>/dev/null)"
}

# Stop nginx (SIGTERM to the master); a watchdog SIGKILLs the master and
# its workers if it has not gone within 10 s.
stop_nginx() {
	[ -n "${NGINX_PID:-}" ] || return 0
	local pid=$NGINX_PID dog
	(
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || exit 0
			sleep 0.1
		done
		# shellcheck disable=SC2046
		kill -KILL $(pgrep -P "$pid") "$pid" 2>/dev/null
	) 3>&- &
	dog=$!
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	wait "$dog" 2>/dev/null
	NGINX_PID=
}

# The whole deployment: the four handlers, then nginx.
start_stack() {
	local name
	write_env_file
	for name in "${NAMES[@]}"; do
		start_handler "$name"
	done
	start_nginx
}

# --- requests ----------------------------------------------------------------

# Wait (up to 3 s) until nginx's error log holds a line matching $1.
wait_error_log() { wait_log "$NGX/error.log" "$1"; }

# --- the shipped files ---------------------------------------------------------

@test "nginx: the unit runs one handler per instance with spawn-fcgi on a Unix socket" {
	local line
	line=$(sed -n 's/^ExecStart=//p' "$UNIT")
	[[ $line == /usr/bin/spawn-fcgi\ * ]] || fail "ExecStart: $line"
	[[ " $line " == *" -n "* ]] || fail "no -n (systemd supervises the handler itself): $line"
	[[ " $line " == *" -s /run/lshook/%i.sock "* ]] || fail "socket: $line"
	[[ " $line " == *" -M 0660 "* ]] || fail "socket mode: $line"
	[[ " $line " != *" -a "* && " $line " != *" -p "* ]] || fail "TCP: $line"
	# the handler as `make install` installs it (PREFIX=/usr/local)
	[[ $line == *" -- /usr/local/libexec/lshook/%i.fcgi" ]] || fail "program: $line"
	grep -q '^EnvironmentFile=/etc/lshook/lshook.env$' "$UNIT"
	grep -q '^RuntimeDirectory=lshook$' "$UNIT"
	# the server block talks to exactly these sockets
	run grep -o 'unix:[^;]*' "$SERVER_BLOCK"
	[ "${lines[*]}" = "unix:/run/lshook/\$lshook.sock unix:/run/lshook/training.sock" ] ||
	    fail "fastcgi_pass: ${lines[*]}"
	if command -v systemd-analyze > /dev/null; then
		# systemd reads it without a warning (a copy, named as an instance)
		mkdir -p "$BATS_TEST_TMPDIR/units"
		cp "$UNIT" "$BATS_TEST_TMPDIR/units/"
		ln -s lshook-fcgi@.service "$BATS_TEST_TMPDIR/units/lshook-fcgi@tasks.service"
		run env SYSTEMD_UNIT_PATH="$BATS_TEST_TMPDIR/units:" \
		    systemd-analyze verify "$BATS_TEST_TMPDIR/units/lshook-fcgi@tasks.service"
		[ "$status" -eq 0 ] && [ -z "$output" ] || fail "systemd-analyze: $output"
	fi
}

@test "nginx: as root, the unit's command gives nginx the socket and drops to its user" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	command -v setpriv > /dev/null || skip "no setpriv"
	getent passwd www-data > /dev/null || skip "no www-data account"
	local line caps sock=$NGX/run/training.sock pid i
	# the unit's ExecStart, with nobody/nogroup for the lshook account
	line=$(sed -n 's/^ExecStart=//p' "$UNIT")
	[[ $line == *" -U www-data -G www-data -u lshook -g lshook "* ]] || fail "accounts: $line"
	line=${line//-u lshook -g lshook/-u nobody -g nogroup}
	line=${line//%i/training}
	line=${line//\/run\/lshook\//$NGX/run/}
	line=${line//\/usr\/local\/libexec\/lshook\//$HOOKS/}
	read -ra cmd <<< "$line"
	# under the unit's NoNewPrivileges and CapabilityBoundingSet
	grep -q '^NoNewPrivileges=yes$' "$UNIT"
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | tr 'A-Z ' 'a-z\n' |
	    sed -n 's/^cap_\(.*\)/+\1/p' | paste -sd,)
	[ -n "$caps" ] || fail "no CapabilityBoundingSet"
	setpriv --no-new-privs --bounding-set "-all,$caps" --inh-caps=-all \
	    env -i "${cmd[@]}" 2> "$NGX/training.err" 3>&- &
	pid=$!
	HANDLER_PID[training]=$pid
	for i in $(seq 100); do
		[ "$(sed -n 's/^Name:[[:space:]]*//p' "/proc/$pid/status")" = training.fcgi ] && break
		kill -0 "$pid" 2>/dev/null || fail "spawn-fcgi failed: $(cat "$NGX/training.err")"
		sleep 0.1
	done
	# nginx's user owns the socket; the handler runs as the account, with
	# no capability left
	[ "$(stat -c '%U:%G %a' "$sock")" = "www-data:www-data 660" ] ||
	    fail "socket: $(stat -c '%U:%G %a' "$sock")"
	[ "$(awk '/^Uid:/ {print $2 $3 $4 $5}' "/proc/$pid/status")" = 65534655346553465534 ] ||
	    fail "$(grep -E '^(Uid|Gid)' "/proc/$pid/status")"
	grep -q '^CapEff:[[:space:]]*0*$' "/proc/$pid/status" ||
	    fail "$(grep ^Cap "/proc/$pid/status")"
	# per-request settings: an unconfigured training handler is not UP
	run env -i REQUEST_METHOD=GET PATH_INFO=/health LSHOOK_SECRET="$SECRET" \
	    LSHOOK_DATA_DIR="$BATS_TEST_TMPDIR" cgi-fcgi -bind -connect "$sock"
	[[ $output == *'{"status":"UP","model_class":"lshook"}'* ]] || fail "health: $output"
}

@test "nginx: the server block passes nginx -t as shipped" {
	write_nginx_conf 8089
	run nginx -p "$NGX" -c "$NGX/nginx.conf" -t
	[ "$status" -eq 0 ] || fail "nginx -t: $output"
	# and the shipped file listens on loopback only
	run grep -E '^[[:space:]]*listen ' "$SERVER_BLOCK"
	[ "${lines[*]}" = "    listen 127.0.0.1:8089;" ] || fail "listen: ${lines[*]}"
	grep -qE "^[[:space:]]*client_max_body_size $((BODY_LIMIT >> 20))m;" "$SERVER_BLOCK"
}

# --- Label Studio traffic ----------------------------------------------------

@test "nginx: every Label Studio fixture is recorded by its family's handler, field by field" {
	start_stack
	local f action fam id rec
	for f in "$LSDOCS"/*.json; do
		action=$(jq -r .action "$f")
		fam=$(family_of "$action")
		ls_post "/hooks/$fam.fcgi" "$f" -H "Authorization: Bearer $SECRET"
		assert_http 200 .status ok
		id=$(printf '%s' "$http_body" | jq -r .id)
		# the id hashes the exact bytes Label Studio sent: nginx passed
		# the body through unchanged (a random suffix is added for an
		# action that is not deduplicated)
		assert_event_id "$id" "sha256:$(sent_sha256 "$f")" "$action"
		rec=$(jq -c --arg id "$id" 'select(.id == $id)' "$DATA/$fam.jsonl")
		[ "$(printf '%s\n' "$rec" | grep -c .)" -eq 1 ] ||
		    fail "$action: records with id $id: $rec"
		assert_record "$rec" "$f" "$fam"
	done
	[ "$(log_lines tasks.jsonl)" -eq 2 ]
	[ "$(log_lines annotations.jsonl)" -eq 3 ]
	[ "$(log_lines projects.jsonl)" -eq 3 ]
	[ "$(log_lines ignored.jsonl)" -eq 0 ]
	for fam in tasks annotations projects; do
		assert_wellformed_log "$DATA/$fam.jsonl"
	done
	run grep -rlF -e 9105a1d897e52286 -e 846c4da585704dd4 -e d881a308198ff9ac "$DATA"
	[ -z "$output" ] || fail "project token in clear in: $output"
}

@test "nginx: Authorization reaches the handlers, Bearer and Basic, with or without .fcgi" {
	start_stack
	local f=$LSDOCS/ANNOTATION_CREATED.json
	# distinct webhook-ids: the same body alone would be a duplicate delivery
	ls_post /hooks/annotations.fcgi "$f" -H "Authorization: Bearer $SECRET" -H "webhook-id: msg-1"
	assert_http 200 .status ok
	ls_post /hooks/annotations.fcgi "$f" --basic "labelstudio:$SECRET" -H "webhook-id: msg-2"
	assert_http 200 .status ok
	ls_post /hooks/annotations "$f" -H "Authorization: Bearer $SECRET" -H "webhook-id: msg-3"
	assert_http 200 .status ok
	[ "$(log_lines annotations.jsonl)" -eq 3 ]
	assert_wellformed_log "$DATA/annotations.jsonl"
}

@test "nginx: a wrong or missing secret gets 401, nothing stored, one error log line" {
	start_stack
	local f=$LSDOCS/TASKS_CREATED.json
	ls_post /hooks/tasks.fcgi "$f" -H "Authorization: Bearer wrong-secret-0123456789"
	assert_http 401 .error "bad credentials"
	ls_post /hooks/tasks.fcgi "$f" --basic "labelstudio:not-the-secret-0123"
	assert_http 401 .error "bad credentials"
	ls_post /hooks/projects.fcgi "$LSDOCS/PROJECT_UPDATED.json"
	assert_http 401 .error "missing credentials"
	curl_http /hooks/tasks.fcgi -H 'Content-Type: application/json' \
	    --data-binary "@$f" -u "labelstudio:not-the-secret-0123"
	assert_http 401
	[[ $http_headers == *'WWW-Authenticate: Basic realm="lshook"'* ]] ||
	    fail "headers: $http_headers"
	assert_nothing_stored
	# the handler's stderr line reaches nginx's error log, without the secret
	wait_error_log 'lshook-projects: 401 missing credentials (POST 127\.0\.0\.1)' ||
	    fail "error log: $(cat "$NGX/error.log")"
	[ "$(grep -c 'lshook-tasks: 401 bad credentials (POST 127\.0\.0\.1)' "$NGX/error.log")" -eq 3 ]
	run grep -c -e wrong-secret -e not-the-secret -e "$SECRET" "$NGX/error.log"
	[ "$output" = 0 ]
}

@test "nginx: headers with underscores are dropped; dash-only names work" {
	start_stack
	local f=$LSDOCS/TASKS_DELETED.json
	ls_post /hooks/tasks.fcgi "$f" -H "X-Webhook-Token: $SECRET"
	assert_http 200 .status ok
	ls_post /hooks/tasks.fcgi "$f" -H "X_Webhook_Token: $SECRET"
	assert_http 401 .error "missing credentials"
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
}

@test "nginx: a body over client_max_body_size gets 413 from nginx, nothing stored" {
	start_stack
	local f=$BATS_TEST_TMPDIR/huge.json
	truncate -s $((BODY_LIMIT + 1)) "$f"
	# no Expect: 100-continue, as Label Studio (requests) sends none
	curl_http /hooks/tasks.fcgi -H 'Content-Type: application/json' \
	    -H "Authorization: Bearer $SECRET" -H 'Expect:' --data-binary "@$f"
	[ "$http_status" = 413 ] || fail "got $http_status"
	wait_error_log "client intended to send too large body: $((BODY_LIMIT + 1)) bytes" ||
	    fail "error log: $(cat "$NGX/error.log")"
	run grep -c lshook- "$NGX/error.log"
	[ "$output" = 0 ] || fail "a handler saw the request"
	assert_nothing_stored
}

@test "nginx: a body of exactly client_max_body_size (256 MiB, lshook's limit) is stored whole" {
	start_stack
	store_limit_body "$BATS_TEST_TMPDIR/limit.json"
}

@test "nginx: a 2 MiB event, over nginx's 1m default, is stored whole" {
	start_stack
	local f=$BATS_TEST_TMPDIR/big.json
	{
		printf '{"action": "TASKS_CREATED", "project": {"id": 7}, "tasks": [{"id": 99, "data": {"text": "'
		head -c 2097152 /dev/zero | tr '\0' a
		printf '"}}]}'
	} > "$f"
	ls_post /hooks/tasks.fcgi "$f" -H "Authorization: Bearer $SECRET"
	assert_http 200 .status ok
	[ "$(jq '.payload.tasks[0].data.text | length' "$DATA/tasks.jsonl")" -eq 2097152 ]
	[ "$(jq -c .task_ids "$DATA/tasks.jsonl")" = '[99]' ]
}

@test "nginx: a chunked body reaches the handler whole" {
	start_stack
	local f=$LSDOCS/TASKS_DELETED.json
	curl_http /hooks/tasks.fcgi -H 'Content-Type: application/json' \
	    -H "Authorization: Bearer $SECRET" -H 'Transfer-Encoding: chunked' \
	    --data-binary "@$f"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	assert_record "$(cat "$DATA/tasks.jsonl")" "$f" tasks
}

@test "nginx: 32 parallel posts to one handler process give 32 whole lines" {
	start_stack
	local out=$BATS_TEST_TMPDIR/par i pids=()
	mkdir -p "$out"
	for i in $(seq 32); do
		printf '{"action": "TASKS_CREATED", "project": {"id": 7}, "tasks": [{"id": %s}]}' \
		    "$i" > "$out/$i.json"
	done
	for i in $(seq 32); do
		"$LS_SEND" --timeout 30 "$BASE_URL/hooks/tasks.fcgi" "$out/$i.json" \
		    -H "Authorization: Bearer $SECRET" > "$out/$i.out" 2>&1 3>&- &
		pids+=($!)
	done
	wait "${pids[@]}"	# not a bare wait: the servers are children too
	for i in $(seq 32); do
		[[ $(cat "$out/$i.out") == '200 {"status":"ok"'* ]] ||
		    fail "post $i: $(cat "$out/$i.out")"
	done
	[ "$(log_lines tasks.jsonl)" -eq 32 ]
	assert_wellformed_log "$DATA/tasks.jsonl"
	[ "$(jq '.task_ids[0]' "$DATA/tasks.jsonl" | sort -n | paste -sd,)" = "$(seq -s, 32)" ]
}

# --- the training endpoint (a Label Studio ML backend) ----------------------

@test "nginx: training answers the ML backend routes as Label Studio calls them" {
	start_stack
	local t=/hooks/training.fcgi version
	curl_http "$t/health" -A heartex/1.13.1
	assert_http 200 .status UP
	[ "$http_body" = '{"status":"UP","model_class":"lshook"}' ]
	curl_http "$t/"
	assert_http 200 .status UP
	curl_http /hooks/training/health
	assert_http 200 .status UP

	ls_post "$t/setup" "$FIXTURES/lshook/setup.json"
	assert_http 200
	version=$(printf '%s' "$http_body" | jq -r .model_version)
	[[ $version == lshook-?* ]] || fail "model_version: $http_body"

	# "Start Training": Basic auth of the model connection
	ls_post "$t/webhook" "$FIXTURES/START_TRAINING.json" --basic "labelstudio:$SECRET"
	assert_http 200 .status ok
	[ "$(log_lines training.jsonl)" -eq 1 ]
	assert_record "$(cat "$DATA/training.jsonl")" "$FIXTURES/START_TRAINING.json" training
	assert_wellformed_log "$DATA/training.jsonl"

	# the automatic model webhook: other actions, no credentials, not recorded
	local f
	for f in "$LSDOCS"/ANNOTATION_CREATED.json "$LSDOCS"/TASKS_CREATED.json \
	    "$LSDOCS"/PROJECT_UPDATED.json; do
		ls_post "$t/webhook" "$f"
		assert_http 200
		[ "$http_body" = '{"status":"Unknown event"}' ] || fail "$f: $http_body"
	done
	# START_TRAINING itself needs the secret
	ls_post "$t/webhook" "$FIXTURES/START_TRAINING.json"
	assert_http 401
	[ "$(log_lines training.jsonl)" -eq 1 ]

	curl_http "$t/versions"
	assert_http 200 '.versions[0]' "$version"
	ls_post "$t/predict" "$FIXTURES/lshook/setup.json"
	assert_http 200
	[ "$http_body" = '{"results":[]}' ]
	curl_http "$t/nothing"
	assert_http 404
	# the live API token of /setup is never written anywhere
	run grep -rlF live-token-xyz "$DATA" "$NGX"
	[ -z "$output" ] || fail "access_token leaked into: $output"
	[ "$(event_files | wc -l)" -eq 1 ]
}

# --- what nginx serves --------------------------------------------------------

@test "nginx: nothing but the handlers is served" {
	start_stack
	local p
	for p in / /hooks /hooks/ /hooks/tasks.fcgi.bak /hooks/tasks.fcgix \
	    /hooks/tasks.fcgi~ /hooks/tasks.fcgi/ /hooks/tasks.fcgi/x /hooks/TASKS.fcgi \
	    /hooks/%74asks.fcgi.bak /hooks/other.fcgi /hooks/trainingx \
	    /index.html /tasks.fcgi /README /hooks/../README /hooks/../hooks/../README; do
		curl_http "$p" --path-as-is
		[ "$http_status" = 403 ] || [ "$http_status" = 404 ] ||
		    fail "GET $p: $http_status"
		[[ $http_body != *ELF* ]] || fail "GET $p sent a binary"
	done
	# the handler itself answers a GET; the binary is never sent
	curl_http /hooks/tasks.fcgi
	assert_http 405 .status error
	[[ $http_body != *ELF* ]]
	# a percent-encoded name is the same URL to nginx
	curl_http /hooks/%74asks.fcgi
	assert_http 405
	assert_nothing_stored
}

@test "nginx: a handler restarted by systemd serves again; a stopped one is 502" {
	start_stack
	local f=$LSDOCS/TASKS_CREATED.json
	stop_handler tasks
	ls_post /hooks/tasks.fcgi "$f" -H "Authorization: Bearer $SECRET"
	assert_http 502
	wait_error_log 'connect() to unix:.*/tasks\.sock failed (111: Connection refused)' ||
	    fail "error log: $(cat "$NGX/error.log")"
	# the socket file left behind does not keep the new process from binding
	start_handler tasks
	ls_post /hooks/tasks.fcgi "$f" -H "Authorization: Bearer $SECRET"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	# the other handlers were not disturbed
	ls_post /hooks/projects.fcgi "$LSDOCS/PROJECT_UPDATED.json" -H "Authorization: Bearer $SECRET"
	assert_http 200 .status ok
}
