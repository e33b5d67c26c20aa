#!/usr/bin/env bats
# apache.bats: end to end through real Apache 2.4 servers on 127.0.0.1,
# each built from the shipped files with only paths and ports substituted:
#
#   fcgid-htaccess   www/.htaccess on a shared-host style server: mod_fcgid,
#                    AllowOverride All, settings by SetEnv LSHOOK_CONFIG; also
#                    without mod_rewrite, without FollowSymLinks, with the
#                    host's LimitRequestBody, and with no program module at all;
#                    apache/SHARED-HOSTING.md's commands run on it as written
#   cgid-htaccess    the same .htaccess without mod_fcgid: plain CGI through
#                    mod_cgid, settings by SetEnv of the settings themselves
#   cgi-htaccess     the same with mod_cgi under the prefork MPM
#   fcgid-vhost      apache/lshook-fcgid.conf (FcgidInitialEnv)
#   proxy-fcgi       apache/lshook-proxy-fcgi.conf and four spawn-fcgi
#                    processes started by the ExecStart line of
#                    systemd/lshook-fcgi@.service
#
# The shipped files get only paths (/srv/lshook, /usr/local/libexec/lshook,
# /var/lib/lshook, /run/lshook, /etc/lshook...), the port and users changed;
# the .htaccess copy gets SetEnv lines appended.  Label Studio's traffic is
# posted with tests/tools/ls_send.py.  As root, Apache and the handlers run
# as nobody/nogroup (-DRUN_AS_ROOT); otherwise as the user running the tests.
load helpers
load http

MODDIR=/usr/lib/apache2/modules
LS_TIMEOUT=10
CURL_TIMEOUT=60
# Modules Debian enables by default; each setup adds its own.  $MPM picks
# the MPM (event, Debian's default, unless a setup says otherwise).
BASE_MODULES="access_compat alias auth_basic authn_core authn_file
authz_core authz_host authz_user autoindex deflate dir env filter mime
negotiation reqtimeout setenvif status"

setup() {
	APACHE_PID=
	SPAWNED_PIDS=()
	if [ "$(id -u)" -eq 0 ]; then
		RUN_USER=nobody RUN_GROUP=nogroup
	else
		RUN_USER=$(id -un) RUN_GROUP=$(id -gn)
	fi
	# The tree of a host: /srv/lshook/{www,data,secret}, /etc/lshook, /run/lshook
	T=$BATS_TEST_TMPDIR/t
	SRV=$T/srv/lshook
	WWW=$SRV/www
	DATA=$SRV/data
	ADIR=$T/apache
	mkdir -p "$WWW" "$DATA" "$T/etc/lshook" "$T/run/lshook" \
	    "$ADIR/run" "$ADIR/logs" "$T/home/user" "$T/var/www/lshook"
	cp -a "$ROOT/www/." "$WWW/"
	[ -f "$WWW/.htaccess" ] || fail "www/.htaccess is missing"
	local h
	for h in tasks annotations projects training; do
		[ -x "$WWW/hooks/$h.fcgi" ] || fail "www/hooks/$h.fcgi is not built"
	done
	chmod -R go-w,go+rX "$T"
	chmod 0750 "$DATA"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$RUN_USER:$RUN_GROUP" "$DATA"
		# nobody must traverse bats's private (0700) folders down to the tree
		local d=$T
		while [ "$d" != "$(dirname "$BATS_RUN_TMPDIR")" ] && [ "$d" != / ]; do
			chmod o+x "$d"
			d=$(dirname "$d")
		done
		setpriv --reuid="$RUN_USER" --regid="$RUN_GROUP" --clear-groups \
		    sh -c 'test -x "$1" && test -w "$2" && test -r "$3"' sh \
		    "$WWW/hooks/tasks.fcgi" "$DATA" "$WWW/.htaccess" ||
		    fail "$RUN_USER cannot reach the test tree under $T (check TMPDIR permissions)"
	fi
}

teardown() {
	stop_apache
	stop_spawned
}

# --- the servers --------------------------------------------------------------

# write_httpd_conf MODULE...: the skeleton of a server (as Debian's
# apache2.conf, minus what a test does not need), listening on
# 127.0.0.1:${APACHE_TEST_PORT}.  Callers append their own lines.
write_httpd_conf() {
	local m
	{
		cat <<-EOF
		ServerRoot "$ADIR"
		DefaultRuntimeDir "$ADIR/run"
		PidFile "$ADIR/run/httpd.pid"
		Listen 127.0.0.1:\${APACHE_TEST_PORT}
		ServerName 127.0.0.1
		EOF
		for m in "mpm_${MPM:-event}" $BASE_MODULES "$@"; do
			printf 'LoadModule %s_module %s/mod_%s.so\n' "$m" "$MODDIR" "$m"
		done
		cat <<-EOF
		<IfDefine RUN_AS_ROOT>
		    User $RUN_USER
		    Group $RUN_GROUP
		</IfDefine>
		ErrorLog "$ADIR/logs/error.log"
		LogLevel warn
		TypesConfig /etc/mime.types
		AccessFileName .htaccess
		<IfModule mod_cgid.c>
		    ScriptSock "$ADIR/run/cgid.sock"
		</IfModule>
		<IfModule mod_fcgid.c>
		    FcgidIPCDir "$ADIR/run/fcgidsock"
		    FcgidProcessTableFile "$ADIR/run/fcgid_shm"
		</IfModule>
		<Directory />
		    Options FollowSymLinks
		    AllowOverride None
		    Require all denied
		</Directory>
		EOF
	} > "$ADIR/httpd.conf"
}

# A shared host: the user's folder is the document root, .htaccess allowed,
# everything granted unless the .htaccess says otherwise.  $HOST_OPTIONS
# are the host's Options for it, $HOST_EXTRA one more line of its own.
write_shared_host_conf() {
	write_httpd_conf "$@"
	cat >> "$ADIR/httpd.conf" <<-EOF
	DocumentRoot "$WWW"
	<Directory "$WWW">
	    Options ${HOST_OPTIONS:-Indexes FollowSymLinks}
	    AllowOverride All
	    Require all granted
	    ${HOST_EXTRA:-}
	</Directory>
	EOF
}

# subst_paths: sed filter from the shipped paths to the test tree's.
subst_paths() {
	sed -e "s#/srv/lshook#$SRV#g" -e "s#/run/lshook#$T/run/lshook#g" \
	    -e "s#/usr/local/libexec/lshook#$WWW/hooks#g" \
	    -e "s#/var/www/lshook#$T/var/www/lshook#g" \
	    -e "s#/var/lib/lshook#$DATA#g" -e "s#/etc/lshook#$T/etc/lshook#g"
}

# include_shipped FILE: include apache/FILE with the paths and the port
# replaced by the test's.
include_shipped() {
	subst_paths < "$ROOT/apache/$1" |
	    sed -e 's#<VirtualHost \*:80>#<VirtualHost *:${APACHE_TEST_PORT}>#' \
	    > "$ADIR/$1"
	grep -q 'APACHE_TEST_PORT' "$ADIR/$1" || fail "no <VirtualHost *:80> in apache/$1"
	printf 'Include "%s"\n' "$ADIR/$1" >> "$ADIR/httpd.conf"
}

# start_apache: run apache2 -DFOREGROUND on $ADIR/httpd.conf, on a free port
# of 127.0.0.1; sets APACHE_PORT, APACHE_PID and BASE_URL.
start_apache() {
	local try defs=()
	[ "$(id -u)" -eq 0 ] && defs=(-DRUN_AS_ROOT)
	for try in 1 2 3 4 5; do
		APACHE_PORT=$(free_port)
		# its own session: prefork signals its whole process group on stop
		setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin APACHE_TEST_PORT="$APACHE_PORT" \
		    apache2 -d "$ADIR" -f "$ADIR/httpd.conf" -DFOREGROUND "${defs[@]}" \
		    > "$ADIR/logs/stdout" 2>&1 3>&- &
		APACHE_PID=$!
		if wait_port "$APACHE_PORT" "$APACHE_PID"; then
			BASE_URL=http://127.0.0.1:$APACHE_PORT
			return 0
		fi
		kill "$APACHE_PID" 2>/dev/null || true
		wait "$APACHE_PID" 2>/dev/null || true
		APACHE_PID=
	done
	fail "cannot start apache2: $(cat "$ADIR/logs/stdout" "$ADIR/logs/error.log" 2>/dev/null)"
}

# Stop Apache by PID with SIGTERM; a watchdog SIGKILLs it after 20 s.
# Then no sanitizer report may be in its error log.
stop_apache() {
	[ -n "${APACHE_PID:-}" ] || return 0
	local pid=$APACHE_PID dog
	APACHE_PID=
	(
		for _ in $(seq 200); do
			kill -0 "$pid" 2>/dev/null || exit 0
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	) 3>&- &
	dog=$!
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	wait "$dog" 2>/dev/null || true
	! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ADIR/logs/error.log" ||
	    fail "sanitizer report: $(cat "$ADIR/logs/error.log")"
}

# Stop the spawn-fcgi handlers by PID; each must exit 0 on SIGTERM.
stop_spawned() {
	local pid rc bad=
	for pid in "${SPAWNED_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${SPAWNED_PIDS[@]}"; do
		rc=0
		wait "$pid" || rc=$?
		[ "$rc" -eq 0 ] || bad="$bad $pid:$rc"
	done
	SPAWNED_PIDS=()
	[ -z "$bad" ] || fail "handlers exited non-zero ($bad): $(cat "$T"/run/*.err)"
	! cat "$T"/run/*.err 2>/dev/null | grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' ||
	    fail "sanitizer report: $(cat "$T"/run/*.err)"
}

# Setup fcgid-htaccess: the shipped .htaccess plus SetEnv LSHOOK_CONFIG, a
# config file outside the document root.  REWRITE=0 leaves mod_rewrite out.
# Sets FCGID_CONF, the config file's path.
start_fcgid_htaccess() {
	local conf=$T/home/user/lshook.conf
	FCGID_CONF=$conf
	printf 'LSHOOK_DATA_DIR=%s\nLSHOOK_SECRET=%s\n' "$DATA" "$SECRET" > "$conf"
	chmod 0640 "$conf"
	[ "$(id -u)" -eq 0 ] && chgrp "$RUN_GROUP" "$conf"
	printf '\nSetEnv LSHOOK_CONFIG %s\n' "$conf" >> "$WWW/.htaccess"
	if [ "${REWRITE:-1}" = 1 ]; then
		write_shared_host_conf fcgid rewrite
	else
		write_shared_host_conf fcgid
	fi
	start_apache
}

# Setup cgid-htaccess: the same .htaccess, mod_cgid and no mod_fcgid; the
# settings themselves by SetEnv.
start_cgid_htaccess() {
	printf '\nSetEnv LSHOOK_DATA_DIR %s\nSetEnv LSHOOK_SECRET %s\n' \
	    "$DATA" "$SECRET" >> "$WWW/.htaccess"
	write_shared_host_conf cgid rewrite
	start_apache
}

# Setup cgi-htaccess: the same, with mod_cgi (pipes) under the prefork MPM.
start_cgi_prefork_htaccess() {
	printf '\nSetEnv LSHOOK_DATA_DIR %s\nSetEnv LSHOOK_SECRET %s\n' \
	    "$DATA" "$SECRET" >> "$WWW/.htaccess"
	MPM=prefork write_shared_host_conf cgi rewrite
	start_apache
}

# Setup fcgid-vhost: apache/lshook-fcgid.conf as shipped.
start_fcgid_vhost() {
	printf '%s\n' "$SECRET" > "$SRV/secret"
	chmod 0640 "$SRV/secret"
	[ "$(id -u)" -eq 0 ] && chgrp "$RUN_GROUP" "$SRV/secret"
	write_httpd_conf fcgid rewrite
	include_shipped lshook-fcgid.conf
	start_apache
}

# Setup proxy-fcgi: the four handlers started by the ExecStart line of
# systemd/lshook-fcgi@.service (%i = handler; paths and users substituted),
# with the environment its EnvironmentFile gives, then
# apache/lshook-proxy-fcgi.conf in front.
start_proxy_fcgi() {
	local unit=$ROOT/systemd/lshook-fcgi@.service line h cmd envs
	line=$(sed -n 's/^ExecStart=//p' "$unit")
	[ -n "$line" ] || fail "no ExecStart in $unit"
	[[ $line != *0.0.0.0* ]] || fail "ExecStart binds 0.0.0.0"
	grep -q '^EnvironmentFile=/etc/lshook/lshook.env$' "$unit" ||
	    fail "the unit does not read /etc/lshook/lshook.env"
	printf 'LSHOOK_DATA_DIR=%s\nLSHOOK_SECRET_FILE=%s\n' "$DATA" "$T/etc/lshook/secret" \
	    > "$T/etc/lshook/lshook.env"
	printf '%s\n' "$SECRET" > "$T/etc/lshook/secret"
	chmod 0640 "$T/etc/lshook/secret"
	[ "$(id -u)" -eq 0 ] && chgrp "$RUN_GROUP" "$T/etc/lshook/secret"
	mapfile -t envs < <(grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$T/etc/lshook/lshook.env")
	for h in tasks annotations projects training; do
		read -ra cmd <<< "$(printf '%s\n' "$line" | sed -e "s#%i#$h#g" | subst_paths |
		    sed -e "s#-U www-data -G www-data#-U $RUN_USER -G $RUN_GROUP#" \
		    -e "s#-u lshook -g lshook#-u $RUN_USER -g $RUN_GROUP#")"
		[[ ${cmd[*]} == *" -- $WWW/hooks/$h.fcgi" ]] || fail "ExecStart: ${cmd[*]}"
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${envs[@]}" "${cmd[@]}" \
		    2> "$T/run/$h.err" 3>&- &
		SPAWNED_PIDS+=($!)
	done
	for h in tasks annotations projects training; do
		wait_socket "$T/run/lshook/$h.sock" ||
		    fail "spawn-fcgi did not start $h: $(cat "$T/run/$h.err")"
	done
	write_httpd_conf proxy proxy_fcgi
	include_shipped lshook-proxy-fcgi.conf
	start_apache
}

# wait_socket PATH: wait (up to 5 s) for a Unix socket to appear.
wait_socket() {
	local i
	for i in $(seq 50); do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- requests -----------------------------------------------------------------

# curl_post PATH FILE [curl args...]: POST a file's exact bytes as JSON
# with the shared secret.
curl_post() {
	local path=$1 file=$2
	shift 2
	curl_http "$path" -H 'Content-Type: application/json' \
	    -H "Authorization: Bearer $SECRET" --data-binary "@$file" "$@"
}

# expected_record FILE FAMILY: the record fields a fixture must give, as
# one sorted line: ids from the payload, project secrets redacted.
expected_record() {
	jq -cS --arg fam "$2" '
	    def redact: with_entries(if (.key | IN("token", "task_data_login", "task_data_password"))
	        then .value = "[redacted]" else . end);
	    {action, family: $fam, project_id: (.project.id? // null),
	     task_ids: ([.tasks[]?.id] + [.task | objects | .id] + [.annotation | objects | .task // empty]),
	     annotation_ids: ([.annotations[]?.id] + [.annotation | objects | .id]),
	     payload: (if (.project | type) == "object" then .project |= redact else . end)}' "$1"
}

# record_fields FILE ID: the same fields of the record with that id.
record_fields() {
	jq -cS --arg id "$2" 'select(.id == $id) |
	    {action, family, project_id, task_ids, annotation_ids, payload}' "$1"
}

# Wait (up to 3 s) until Apache's error log holds a line matching $1.
wait_error_log() { wait_log "$ADIR/logs/error.log" "$1"; }

# --- what every setup must do ---------------------------------------------------

# Every Label Studio fixture, posted with a Bearer secret, is recorded by its
# family's handler, field by field.
check_fixtures() {
	local f action fam id got want
	for f in "$LSDOCS"/*.json; do
		action=$(jq -r .action "$f")
		fam=$(family_of "$action")
		ls_post "/hooks/$fam.fcgi" "$f" -H "Authorization: Bearer $SECRET"
		assert_http 200 .status ok
		id=$(printf '%s' "$http_body" | jq -r .id)
		got=$(record_fields "$DATA/$fam.jsonl" "$id")
		[ -n "$got" ] || fail "$action: no record with id $id in $fam.jsonl"
		[ "$(printf '%s\n' "$got" | wc -l)" -eq 1 ] || fail "$action: several records with id $id"
		want=$(expected_record "$f" "$fam")
		[ "$got" = "$want" ] || fail "$action: record differs
got:  $got
want: $want"
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

# Authorization reaches the program (Bearer and Basic); a wrong or missing
# secret is 401 and writes nothing; the error lands in Apache's error log.
check_auth() {
	curl_http /hooks/tasks.fcgi -H 'Content-Type: application/json' \
	    -H "Authorization: Bearer $SECRET2" --data-binary "@$LSDOCS/TASKS_CREATED.json"
	assert_http 401 .error "bad credentials"
	curl_http /hooks/annotations.fcgi -H 'Content-Type: application/json' \
	    -u "labelstudio:wrong-secret-0123456789" --data-binary "@$LSDOCS/ANNOTATION_CREATED.json"
	assert_http 401 .error "bad credentials"
	curl_http /hooks/tasks.fcgi -H 'Content-Type: application/json' \
	    --data-binary "@$LSDOCS/TASKS_DELETED.json"
	assert_http 401 .error "missing credentials"
	[[ $http_headers == *'WWW-Authenticate: Basic realm="lshook"'* ]] ||
	    fail "no WWW-Authenticate in: $http_headers"
	assert_nothing_stored
	wait_error_log 'lshook-tasks: 401 bad credentials' ||
	    fail "no lshook line in the error log: $(cat "$ADIR/logs/error.log")"
	run grep -c -e wrong-secret -e "$SECRET" -e "$SECRET2" "$ADIR/logs/error.log"
	[ "$output" = 0 ] || fail "a secret is in the error log"

	ls_post /hooks/tasks.fcgi "$LSDOCS/TASKS_CREATED.json" --basic "labelstudio:$SECRET"
	assert_http 200 .status ok
	ls_post /hooks/annotations.fcgi "$LSDOCS/ANNOTATION_CREATED.json" \
	    -H "Authorization: Bearer $SECRET"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	[ "$(log_lines annotations.jsonl)" -eq 1 ]
	[ "$(event_files | paste -sd" ")" = "annotations.jsonl tasks.jsonl" ] || fail "logs: $(event_files)"
}

# The training endpoint answers the ML backend calls as Label Studio makes
# them, under PREFIX (/hooks/training.fcgi or the clean /hooks/training).
check_training() {
	local t=$1 f=$FIXTURES/lshook/START_TRAINING.json version id got want
	curl_http "$t/health" -A heartex/1.13.1
	assert_http 200 .status UP
	[ "$http_body" = '{"status":"UP","model_class":"lshook"}' ]
	curl_http "$t/"
	assert_http 200 .status UP
	curl_http "$t/versions"
	assert_http 200
	version=$(printf '%s' "$http_body" | jq -r '.versions[0]')
	[[ $version == lshook-?* ]] || fail "versions: $http_body"
	ls_post "$t/setup" "$FIXTURES/lshook/setup.json" --basic "labelstudio:$SECRET"
	assert_http 200 .model_version "$version"
	ls_post "$t/predict" "$LSDOCS/TASKS_CREATED.json" --basic "labelstudio:$SECRET"
	assert_http 200
	[ "$http_body" = '{"results":[[],[],[]]}' ]

	ls_post "$t/webhook" "$f" --basic "labelstudio:$SECRET"
	assert_http 200 .status ok
	id=$(printf '%s' "$http_body" | jq -r .id)
	[ "$(log_lines training.jsonl)" -eq 1 ]
	got=$(record_fields "$DATA/training.jsonl" "$id")
	want=$(expected_record "$f" training)
	[ "$got" = "$want" ] || fail "START_TRAINING record differs
got:  $got
want: $want"
	assert_wellformed_log "$DATA/training.jsonl"

	# the automatic model webhook: other actions, no credentials
	ls_post "$t/webhook" "$LSDOCS/ANNOTATION_CREATED.json"
	assert_http 200
	[ "$http_body" = '{"status":"Unknown event"}' ]
	ls_post "$t/webhook" "$LSDOCS/PROJECT_UPDATED.json"
	assert_http 200 .status "Unknown event"
	# START_TRAINING needs the secret
	ls_post "$t/webhook" "$f"
	assert_http 401
	curl_http "$t/no-such-route"
	assert_http 404
	[ "$(log_lines training.jsonl)" -eq 1 ]
	[ ! -e "$DATA/ignored.jsonl" ] || fail "ignored.jsonl: $(cat "$DATA/ignored.jsonl")"
	run grep -rlF -e live-token-xyz -e train-token-55cc44dd "$DATA" "$ADIR/logs"
	[ -z "$output" ] || fail "a token leaked into: $output"
}

# GET of anything but the four handlers is 403 or 404.
check_nothing_else_get() {
	local p
	for p in / /README /.htaccess /hooks/ /hooks /hooks/.htaccess /index.html \
	    /hooks/tasks.fcgi.bak /hooks/tasks.fcgix /hooks/tasks.fcgi~ \
	    /hooks/TASKS.fcgi /hooks/other.fcgi /hooks/tasksx /hooks/../README \
	    /hooks/%2e%2e/README /%2ehtaccess /hooks/%2ehtaccess \
	    /hooks/libcjson.so.1 /tasks.fcgi /hooks/hooks/tasks.fcgi; do
		curl_http "$p"
		[ "$http_status" = 403 ] || [ "$http_status" = 404 ] ||
		    fail "GET $p: $http_status $http_body"
	done
}

# Nothing but the four handlers is served.
check_nothing_else() {
	check_nothing_else_get
	# the handler answers a GET itself; the binary is never sent
	curl_http /hooks/tasks.fcgi
	assert_http 405 .status error
	[[ $http_body != *ELF* ]] || fail "the binary was served"
	curl_http /hooks/README -X POST -H 'Content-Type: application/json' --data-binary '{}'
	[ "$http_status" = 403 ] || [ "$http_status" = 404 ] ||
	    fail "POST /hooks/README: $http_status"
	assert_nothing_stored
}

# /hooks/<family> works like /hooks/<family>.fcgi, with the path after it.
check_clean_urls() {
	ls_post /hooks/tasks "$LSDOCS/TASKS_CREATED.json" -H "Authorization: Bearer $SECRET"
	assert_http 200 .status ok
	curl_post /hooks/annotations "$LSDOCS/ANNOTATION_UPDATED.json"
	assert_http 200 .status ok
	curl_http /hooks/projects -H 'Content-Type: application/json' \
	    --data-binary "@$LSDOCS/PROJECT_UPDATED.json"
	assert_http 401 .error "missing credentials"
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	[ "$(log_lines annotations.jsonl)" -eq 1 ]
	[ "$(records tasks.jsonl | jq -r .action)" = TASKS_CREATED ]
	[ "$(records annotations.jsonl | jq -r .action)" = ANNOTATION_UPDATED ]
	curl_http /hooks/training/health
	assert_http 200 .status UP
	curl_http /hooks/training/versions
	assert_http 200
	[[ $http_body == '{"versions":["lshook-'* ]] || fail "versions: $http_body"
	curl_http /hooks/training/nowhere
	assert_http 404
	ls_post /hooks/training/webhook "$FIXTURES/lshook/START_TRAINING.json" --basic "labelstudio:$SECRET"
	assert_http 200 .status ok
	[ "$(log_lines training.jsonl)" -eq 1 ]
}

# --- apache/SHARED-HOSTING.md's commands -----------------------------------------

# The ```sh blocks of apache/SHARED-HOSTING.md that the fcgid-htaccess test
# below runs, as "PLACE N" (see shdoc_fences).
SHDOC_RUN_BLOCKS=("6. Check it 1")

# shdoc_fences [LANG PLACE N]: without arguments, every fenced block of
# apache/SHARED-HOSTING.md, one a line: "LANG<TAB>PLACE N" (LANG empty for
# a plain ```), PLACE the numbered step ("6. Check it" for "6. **Check
# it**") or else the "## " section, N counting LANG's blocks there.  With
# arguments: the lines of that block, without the fence's indentation.
shdoc_fences() {
	awk -v lang="${1-}" -v want="${2-}" -v n="${3-}" '
	    /^## / { place = substr($0, 4); delete k }
	    /^[0-9]+\. \*\*[^*]+\*\*/ {
		place = $0; sub(/\*\*/, "", place); sub(/\*\*.*/, "", place)
		sub(/\.$/, "", place); delete k
	    }
	    /^ *```/ {
		if (inside) {
			if (copy) exit
			inside = 0
			next
		}
		inside = 1
		fence = $0; sub(/^ */, "", fence)
		indent = length($0) - length(fence)
		l = substr(fence, 4)
		k[l]++
		p = place == "" ? "(top)" : place
		if (want == "") printf "%s\t%s %d\n", l, p, k[l]
		else if (l == lang && p == want && k[l] == n) copy = 1
		next
	    }
	    copy { print substr($0, indent + 1) }' "$ROOT/apache/SHARED-HOSTING.md"
}

# shdoc_paths: sed filter from the guide's example paths to the test tree's.
shdoc_paths() {
	sed -e "s#/home/you/lshook-data#$DATA#g" -e "s#/home/you/lshook.conf#$FCGID_CONF#g"
}

# shdoc_check_output COMMAND SHOWN PRINTED: what a command of the guide
# printed is what the guide shows.  A shown line with "..." is JSON with
# "..." for values that vary: the same keys, and every other value equal;
# anything else must come out exactly.
shdoc_check_output() {
	local cmd=$1 want=$2 got=$3 wantj
	if [[ $want != *...* ]]; then
		[ "$got" = "$want" ] || fail "SHARED-HOSTING.md: $cmd
shows:  $want
prints: $got"
		return 0
	fi
	wantj=$(printf '%s' "$want" | sed -e 's/\.\.\./"@any@"/g' | jq -c .) ||
	    fail "SHARED-HOSTING.md shows no JSON for $cmd: $want"
	jq -e . <<<"$got" > /dev/null 2>&1 || fail "not JSON from $cmd: $got"
	jq -en --argjson w "$wantj" --argjson g "$got" '
	    ([$w | paths(scalars)] | sort) == ([$g | paths(scalars)] | sort) and
	    all($w | paths(scalars) as $p | [$p, ($w | getpath($p))];
	        .[0] as $p | .[1] as $v | $v == "@any@" or ($g | getpath($p)) == $v)' > /dev/null ||
	    fail "SHARED-HOSTING.md: $cmd
shows:  $want
prints: $got"
}

# --- fcgid-htaccess: mod_fcgid and www/.htaccess, as on a shared host ----------

@test "apache fcgid .htaccess: every Label Studio fixture is recorded field by field" {
	start_fcgid_htaccess
	check_fixtures
}

@test "apache fcgid .htaccess: Bearer and Basic reach lshook, a wrong secret is 401" {
	start_fcgid_htaccess
	check_auth
}

@test "apache fcgid .htaccess: the training endpoint as Label Studio calls it" {
	start_fcgid_htaccess
	check_training /hooks/training.fcgi
}

@test "apache fcgid .htaccess: clean URLs, and nothing else is served" {
	start_fcgid_htaccess
	check_nothing_else
	check_clean_urls
}

# Issue 13: every command example of apache/SHARED-HOSTING.md runs as
# written, with only https://your.host and <secret> replaced, and prints
# what the guide shows; the settings it tells to write are this setup's.
@test "apache fcgid .htaccess: SHARED-HOSTING.md's commands run as written and print what it shows" {
	local b name lang found unlisted="" script line cmd i out rc re_shown re_trail
	local cmds=() wants=()
	# every ```sh block is run here
	for b in "${SHDOC_RUN_BLOCKS[@]}"; do
		shdoc_fences | grep -qxF "sh"$'\t'"$b" || fail "no sh block '$b' in SHARED-HOSTING.md"
	done
	while IFS=$'\t' read -r lang name; do
		[ "$lang" = sh ] || continue
		found=0
		for b in "${SHDOC_RUN_BLOCKS[@]}"; do
			[ "$b" = "$name" ] && found=1
		done
		[ "$found" = 1 ] || unlisted="$unlisted '$name'"
	done < <(shdoc_fences)
	[ -z "$unlisted" ] || fail "sh blocks of SHARED-HOSTING.md that apache.bats does not run:$unlisted"

	start_fcgid_htaccess
	# step 5's line is the one this setup appends, uncommented from the
	# line www/.htaccess ships
	line=$(shdoc_fences apache "5. Tell lshook where the settings are" 1 | shdoc_paths)
	[ "$line" = "SetEnv LSHOOK_CONFIG $FCGID_CONF" ] || fail "step 5 shows: $line"
	[ "$(tail -n 1 "$WWW/.htaccess")" = "$line" ] || fail "setup's .htaccess: $(tail -n 3 "$WWW/.htaccess")"
	grep -q '^#SetEnv LSHOOK_CONFIG /' "$ROOT/www/.htaccess" ||
	    fail "www/.htaccess has no #SetEnv LSHOOK_CONFIG line to uncomment"
	# step 4's settings are the config file's: the same keys, the same data directory
	script=$(shdoc_fences "" "4. Write the settings" 1 | shdoc_paths)
	[ "$(cut -d= -f1 <<<"$script")" = "$(cut -d= -f1 "$FCGID_CONF")" ] ||
	    fail "step 4 shows: $script"
	[ "$(head -n 1 <<<"$script")" = "$(head -n 1 "$FCGID_CONF")" ] || fail "step 4 shows: $script"

	for b in "${SHDOC_RUN_BLOCKS[@]}"; do
		# commands, each with what it shows: the "#" lines after it,
		# joined, or a "# TEXT" at its end
		script=$(shdoc_fences sh "${b% *}" "${b##* }" |
		    sed -e "s|https://your\.host|$BASE_URL|g" -e "s|<secret>|$SECRET|g")
		cmds=() wants=() i=-1
		re_shown='^#[[:space:]]*(.*)$'
		re_trail='[[:space:]]#[[:space:]]+([^#]*[^#[:space:]])[[:space:]]*$'
		while IFS= read -r line; do
			if [[ $line =~ $re_shown ]]; then
				[ "$i" -ge 0 ] || fail "$b: output before a command: $line"
				wants[i]+=${BASH_REMATCH[1]}
			elif [[ -n ${line//[[:space:]]/} ]]; then
				if [ "$i" -ge 0 ] && [[ ${cmds[i]} == *\\ ]]; then
					cmds[i]+=$'\n'$line
				else
					i=$((i + 1))
					cmds[i]=$line wants[i]=
				fi
				[[ $line =~ $re_trail ]] && wants[i]=${BASH_REMATCH[1]}
			fi
		done <<<"$script"
		[ "$i" -ge 0 ] || fail "$b: no command"
		for i in "${!cmds[@]}"; do
			cmd=${cmds[i]}
			rc=0
			out=$(timeout 60 sh -c "$cmd" 2>&1) || rc=$?
			[ "$rc" -eq 0 ] || fail "$b: exit $rc: $cmd: $out"
			shdoc_check_output "$cmd" "$(shdoc_paths <<<"${wants[i]}")" "$out"
		done
	done
	# ?check stored nothing, and left no probe
	assert_nothing_stored
}

@test "apache fcgid .htaccess: FcgidMaxRequestLen's 128 KiB default: 131073 bytes is 500, nothing stored" {
	start_fcgid_htaccess
	local f=$BATS_TEST_TMPDIR/body.json
	sized_task_body 131072 "$f"
	curl_post /hooks/tasks.fcgi "$f"
	assert_http 200 .status ok
	[ "$(jq '.payload.tasks[0].data.text | length' "$DATA/tasks.jsonl")" -eq $((131072 - ${#TASK_PRE} - ${#TASK_POST})) ]
	sized_task_body 131073 "$f"
	curl_post /hooks/tasks.fcgi "$f"
	[ "$http_status" = 500 ] || fail "131073 bytes: $http_status $http_body"
	wait_error_log 'exceeds MaxRequestLen (131072)' ||
	    fail "error log: $(cat "$ADIR/logs/error.log")"
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	[ "$(event_files)" = tasks.jsonl ] || fail "logs: $(event_files)"
}

# mod_fcgid ignores the 413 of Apache's LimitRequestBody and passes an empty
# body with CONTENT_LENGTH=0.
@test "apache fcgid .htaccess: over a host's LimitRequestBody lshook gets an empty body: 400" {
	HOST_EXTRA="LimitRequestBody 1000" start_fcgid_htaccess
	ls_post /hooks/tasks.fcgi "$LSDOCS/TASKS_CREATED.json" -H "Authorization: Bearer $SECRET"
	assert_http 400 .error "empty body"
	assert_nothing_stored
	ls_post /hooks/projects.fcgi "$LSDOCS/PROJECT_DELETED.json" -H "Authorization: Bearer $SECRET"
	assert_http 200 .status ok
}

@test "apache fcgid .htaccess without mod_rewrite: .fcgi URLs work, clean URLs are 404" {
	REWRITE=0 start_fcgid_htaccess
	ls_post /hooks/tasks.fcgi "$LSDOCS/TASKS_DELETED.json" -H "Authorization: Bearer $SECRET"
	assert_http 200 .status ok
	curl_http /hooks/training.fcgi/health
	assert_http 200 .status UP
	ls_post /hooks/tasks "$LSDOCS/TASKS_CREATED.json" -H "Authorization: Bearer $SECRET"
	[ "$http_status" = 404 ] || fail "/hooks/tasks: $http_status $http_body"
	curl_http /hooks/training/health
	[ "$http_status" = 404 ] || fail "/hooks/training/health: $http_status"
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	[ "$(event_files)" = tasks.jsonl ] || fail "logs: $(event_files)"
}

# mod_rewrite forbids every URL it handles where Options has neither
# FollowSymLinks nor SymLinksIfOwnerMatch; the .fcgi URLs stay out of it.
@test "apache fcgid .htaccess, host without FollowSymLinks: .fcgi URLs work, clean URLs are 403" {
	HOST_OPTIONS=None start_fcgid_htaccess
	ls_post /hooks/tasks.fcgi "$LSDOCS/TASKS_DELETED.json" -H "Authorization: Bearer $SECRET"
	assert_http 200 .status ok
	curl_http /hooks/training.fcgi/versions
	assert_http 200
	[[ $http_body == '{"versions":'* ]] || fail "versions: $http_body"
	ls_post /hooks/tasks "$LSDOCS/TASKS_CREATED.json" -H "Authorization: Bearer $SECRET"
	[ "$http_status" = 403 ] || fail "/hooks/tasks: $http_status $http_body"
	grep -q AH00670 "$ADIR/logs/error.log" || fail "error log: $(cat "$ADIR/logs/error.log")"
	check_nothing_else_get
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	[ "$(event_files)" = tasks.jsonl ] || fail "logs: $(event_files)"
}

@test "apache .htaccess on a host that runs no programs: the binaries are not sent" {
	printf '\nSetEnv LSHOOK_DATA_DIR %s\nSetEnv LSHOOK_SECRET %s\n' \
	    "$DATA" "$SECRET" >> "$WWW/.htaccess"
	write_shared_host_conf rewrite
	start_apache
	local p
	for p in /hooks/tasks.fcgi /hooks/training.fcgi/health /hooks/tasks; do
		curl_http "$p"
		[ "$http_status" = 403 ] || fail "GET $p: $http_status"
		[[ $http_body != *ELF* ]] || fail "GET $p sent the binary"
	done
	check_nothing_else_get
}

# --- cgid-htaccess: plain CGI with the same .htaccess -----------------------------

@test "apache cgid .htaccess: every Label Studio fixture is recorded field by field" {
	start_cgid_htaccess
	check_fixtures
}

@test "apache cgid .htaccess: Bearer and Basic reach lshook, a wrong secret is 401" {
	start_cgid_htaccess
	check_auth
}

@test "apache cgid .htaccess: the training endpoint as Label Studio calls it" {
	start_cgid_htaccess
	check_training /hooks/training.fcgi
}

@test "apache cgid .htaccess: clean URLs, and nothing else is served" {
	start_cgid_htaccess
	check_nothing_else
	check_clean_urls
}

# mod_cgid starts the program before it reads the body, so lshook may see
# the request too (and log its own 413); the answer is always Apache's.
@test "apache cgid .htaccess: LimitRequestBody: 256 MiB is stored, one byte more is 413" {
	start_cgid_htaccess
	local f=$BATS_TEST_TMPDIR/body.json i
	store_limit_body "$f"
	truncate -s $((BODY_LIMIT + 1)) "$f"
	for i in 1 2 3; do
		curl_post /hooks/tasks.fcgi "$f"
		[ "$http_status" = 413 ] || fail "256 MiB + 1: $http_status $http_body"
		[[ $http_body == *"Request Entity Too Large"* ]] || fail "not Apache's 413: $http_body"
	done
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	[ "$(event_files)" = tasks.jsonl ] || fail "logs: $(event_files)"
}

# Some answers are given without reading the request body: the training
# endpoint's /setup (the body holds Label Studio's live API token, never
# read) and /predict, and early errors such as 415.  A CGI that exits with
# the body unread makes mod_cgid lose the answer (error log: AH00574 ...
# Connection reset by peer, or AH02651 Broken pipe), so in CGI mode the
# handlers drain an unread body before they exit (req_drain).  A lost
# answer is a race, hence the repeats.
@test "apache cgid .htaccess: answers given without reading the body reach Label Studio" {
	start_cgid_htaccess
	local i
	for i in $(seq 5); do
		ls_post /hooks/training.fcgi/setup "$FIXTURES/lshook/setup.json" \
		    --basic "labelstudio:$SECRET"
		[ "$http_status" = 200 ] || break
		ls_post /hooks/training.fcgi/predict "$LSDOCS/TASKS_CREATED.json"
		[ "$http_status" = 200 ] || break
		ls_post /hooks/tasks.fcgi "$LSDOCS/TASKS_CREATED.json" \
		    -H 'Content-Type: text/plain' -H "Authorization: Bearer $SECRET"
		[ "$http_status" = 415 ] || break
	done
	[ "$i" -eq 5 ] && [ "$http_status" = 415 ] ||
	    fail "round $i: an answer was lost: $http_status $http_body
$(grep -E 'AH00574|AH02651' "$ADIR/logs/error.log" | head -2)"
	assert_nothing_stored
}

# mod_cgi, which a prefork server uses instead of mod_cgid, talks to the
# program over pipes and keeps those answers.
@test "apache cgi (prefork) .htaccess: fixtures, secrets and the training endpoint" {
	start_cgi_prefork_htaccess
	check_fixtures
	rm -f "$DATA"/*.jsonl
	check_training /hooks/training
	curl_http /hooks/tasks -H 'Content-Type: application/json' \
	    -u "labelstudio:$SECRET2" --data-binary "@$LSDOCS/TASKS_CREATED.json"
	assert_http 401 .error "bad credentials"
	ls_post /hooks/tasks "$LSDOCS/TASKS_CREATED.json" \
	    -H 'Content-Type: text/plain' -H "Authorization: Bearer $SECRET"
	assert_http 415
	[ "$(event_files)" = training.jsonl ] || fail "logs: $(event_files)"
}

# --- fcgid-vhost: apache/lshook-fcgid.conf -------------------------------------------

@test "apache fcgid vhost: every Label Studio fixture is recorded field by field" {
	start_fcgid_vhost
	check_fixtures
}

@test "apache fcgid vhost: Bearer and Basic reach lshook, a wrong secret is 401" {
	start_fcgid_vhost
	check_auth
}

@test "apache fcgid vhost: the training endpoint as Label Studio calls it" {
	start_fcgid_vhost
	check_training /hooks/training.fcgi
}

@test "apache fcgid vhost: clean URLs, and nothing else is served" {
	start_fcgid_vhost
	check_nothing_else
	check_clean_urls
}

@test "apache fcgid vhost: FcgidMaxRequestLen raised: 256 MiB is stored, one byte more is 500" {
	start_fcgid_vhost
	local f=$BATS_TEST_TMPDIR/body.json
	store_limit_body "$f"
	truncate -s $((BODY_LIMIT + 1)) "$f"
	curl_post /hooks/tasks.fcgi "$f"
	[ "$http_status" = 500 ] || fail "256 MiB + 1: $http_status $http_body"
	wait_error_log "exceeds MaxRequestLen ($BODY_LIMIT)" ||
	    fail "error log: $(cat "$ADIR/logs/error.log")"
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	[ "$(event_files)" = tasks.jsonl ] || fail "logs: $(event_files)"
}

# --- proxy-fcgi: apache/lshook-proxy-fcgi.conf and lshook-fcgi@.service --------------

@test "apache proxy_fcgi: every Label Studio fixture is recorded field by field" {
	start_proxy_fcgi
	check_fixtures
}

@test "apache proxy_fcgi: Bearer and Basic reach lshook, a wrong secret is 401" {
	start_proxy_fcgi
	check_auth
}

@test "apache proxy_fcgi: the training endpoint as Label Studio calls it" {
	start_proxy_fcgi
	check_training /hooks/training.fcgi
}

@test "apache proxy_fcgi: clean URLs, and nothing else is served" {
	start_proxy_fcgi
	check_nothing_else
	check_clean_urls
}

# Apache does not apply LimitRequestBody to proxied requests: lshook's own
# LSHOOK_MAX_BODY answers, before reading the body.
@test "apache proxy_fcgi: 256 MiB is stored, one byte more is lshook's 413 body too large" {
	start_proxy_fcgi
	local f=$BATS_TEST_TMPDIR/body.json
	store_limit_body "$f"
	truncate -s $((BODY_LIMIT + 1)) "$f"
	curl_post /hooks/tasks.fcgi "$f"
	assert_http 413 .error "body too large"
	wait_error_log 'lshook-tasks: 413 body too large' ||
	    fail "error log: $(cat "$ADIR/logs/error.log")"
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	[ "$(event_files)" = tasks.jsonl ] || fail "logs: $(event_files)"
}

@test "apache proxy_fcgi: the handlers listen on private sockets only" {
	start_proxy_fcgi
	local h mode owner
	for h in tasks annotations projects training; do
		mode=$(stat -c %a "$T/run/lshook/$h.sock")
		owner=$(stat -c %U "$T/run/lshook/$h.sock")
		[ $((8#$mode & 8#007)) -eq 0 ] || fail "$h.sock mode $mode: open to everyone"
		[ "$owner" = "$RUN_USER" ] || fail "$h.sock owner $owner"
	done
	# no handler listens on TCP
	local pid
	for pid in "${SPAWNED_PIDS[@]}"; do
		run find "/proc/$pid/fd" -lname 'socket:*'
		[ "${#lines[@]}" -ge 1 ] || fail "handler $pid holds no socket"
	done
	command -v ss > /dev/null || return 0
	run ss -Hltnp
	for pid in "${SPAWNED_PIDS[@]}"; do
		[[ $output != *"pid=$pid,"* ]] || fail "handler $pid listens on TCP: $output"
	done
}
