#!/bin/sh
# run.sh: `make run` and `make stop`.  Starts lighttpd on 127.0.0.1 with
# the five handlers, the status page, a data directory and a development
# secret under run/, and prints curl commands to try each handler.
#   LSHOOK_PORT     port to listen on (default 8089)
#   LSHOOK_RUN_DIR  where data, secret, sockets and logs go (default run/)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN=${LSHOOK_RUN_DIR:-$ROOT/run}
PORT=${LSHOOK_PORT:-8089}
PIDFILE=$RUN/lighttpd.pid
URL=http://127.0.0.1:$PORT/hooks
FIX=$ROOT/tests/fixtures

running() {
	[ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

stop() {
	if running; then
		kill -TERM "$(cat "$PIDFILE")"
		echo "lshook stopped"
	else
		echo "lshook is not running"
	fi
	rm -f "$PIDFILE"
}

# A secret that serves every mode: a Standard Webhooks whsec_ key is also
# a fine shared secret and HMAC key.
make_secret() {
	umask 077
	mkdir -p "$RUN/data"
	if [ ! -s "$RUN/secret" ]; then
		printf 'whsec_%s\n' "$(head -c 24 /dev/urandom | base64)" > "$RUN/secret"
	fi
	SECRET=$(head -n 1 "$RUN/secret")
}

# Whether something listens on 127.0.0.1:$1 (curl's 7: connection refused).
port_taken() {
	curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"
	[ $? -ne 7 ]
}

# Say which port to use instead, and stop.
port_is_taken() {
	p=$((PORT + 1))
	while port_taken "$p" && [ "$p" -lt $((PORT + 100)) ]; do
		p=$((p + 1))
	done
	echo "port $PORT is taken: LSHOOK_PORT=$p make run" >&2
	exit 1
}

start_server() {
	# Checked first: a lighttpd that cannot bind also removes the pid file
	# of one already running from this folder.
	port_taken "$PORT" && port_is_taken
	if ! LSHOOKD_WWW=$ROOT/www LSHOOKD_RUN=$RUN LSHOOKD_PORT=$PORT \
	    LSHOOKD_DATA=$RUN/data LSHOOKD_SECRET_FILE=$RUN/secret \
	    LSHOOKD_AUTH=header,hmac,standard \
	    lighttpd -f "$ROOT/lighttpd/lshook.conf" 2> "$RUN/start.err"; then
		# taken in the meantime
		grep -q 'Address already in use' "$RUN/start.err" && port_is_taken
		cat "$RUN/start.err" >&2
		exit 1
	fi
	i=0
	while ! curl -s -o /dev/null "$URL/training.fcgi/health"; do
		i=$((i + 1))
		if [ $i -gt 50 ]; then
			echo "lighttpd did not come up; see $RUN/error.log" >&2
			exit 1
		fi
		sleep 0.1
	done
}

hmac_hex() {	# hmac_hex KEY FILE
	openssl dgst -sha256 -hmac "$1" < "$2" | sed 's/^.* //'
}

print_commands() {
	key_hex=$(printf '%s' "${SECRET#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \n')
	# Two different events per handler: the same body of an action whose
	# body is always new (TASKS_CREATED, ANNOTATION_*, PROJECT_CREATED)
	# would be answered "duplicate" the second time (README, "What is
	# deduplicated"); START_TRAINING twice is two training requests.
	for set in tasks:TASKS_CREATED:TASKS_DELETED \
	    annotations:ANNOTATION_CREATED:ANNOTATION_UPDATED \
	    projects:PROJECT_UPDATED:PROJECT_CREATED \
	    training:START_TRAINING:START_TRAINING; do
		h=${set%%:*}
		rest=${set#*:}
		f=$FIX/labelstudio-docs/${rest%%:*}.json
		g=$FIX/labelstudio-docs/${rest#*:}.json
		u=$URL/$h.fcgi
		if [ "$h" = training ]; then
			f=$FIX/START_TRAINING.json
			g=$FIX/lshook/START_TRAINING.json
			u=$u/webhook
		fi
		echo "# $h: shared secret, as Label Studio sends it"
		echo "curl -i -H 'Content-Type: application/json' -H 'Authorization: Bearer $SECRET' --data-binary @$f $u"
		echo "# $h: signed, X-Hub-Signature-256"
		echo "curl -i -H 'Content-Type: application/json' -H 'X-Hub-Signature-256: sha256=$(hmac_hex "$SECRET" "$g")' --data-binary @$g $u"
	done
	# the webhook-id makes this delivery distinct from the Bearer one
	f=$FIX/labelstudio-docs/TASKS_CREATED.json
	id=msg_$(head -c 9 /dev/urandom | base64 | tr '+/' 'AB')
	ts=$(date +%s)
	sig=$( (printf '%s.%s.' "$id" "$ts"; cat "$f") |
	    openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key_hex" -binary | base64)
	echo "# tasks: signed, Standard Webhooks (valid for 5 minutes)"
	echo "curl -i -H 'Content-Type: application/json' -H 'webhook-id: $id' -H 'webhook-timestamp: $ts' -H 'webhook-signature: v1,$sig' --data-binary @$f $URL/tasks.fcgi"
	echo "# no credentials: 401"
	echo "curl -i -H 'Content-Type: application/json' --data-binary @$f $URL/tasks.fcgi"
	echo "# the ML backend health check Label Studio makes"
	echo "curl -i $URL/training.fcgi/health"
	echo "# check the install end to end (secret, settings, data directory, disk space); stores nothing"
	echo "curl -i -H 'Authorization: Bearer $SECRET' '$URL/tasks.fcgi?check'"
	echo "# the counters, projects and settings behind the status page"
	echo "curl -i -H 'Authorization: Bearer $SECRET' $URL/status.fcgi"
}

start() {
	make_secret
	if running; then
		echo "lshook is already running (pid $(cat "$PIDFILE"))"
	else
		start_server
	fi
	echo "lshook is listening on $URL/{tasks,annotations,projects,training,status}.fcgi"
	echo "status page: http://127.0.0.1:$PORT/status/ (enter the secret)"
	echo "data: $RUN/data  secret: $RUN/secret  error log: $RUN/error.log"
	echo "stop it with: make stop"
	echo "manual: man -l $ROOT/man/lshook.1 (Label Studio setup: man -l $ROOT/man/lshook-handlers.8)"
	echo
	print_commands
}

case ${1:-} in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
