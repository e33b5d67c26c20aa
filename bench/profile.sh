#!/bin/sh
# profile.sh [TREE]: where a request's time goes in lshook, the profiles
# docs/PERFORMANCE.md quotes.  TREE is a built lshook tree (default: this
# one; e.g. a patched copy in /tmp to compare).
#
#   1. callgrind: the instructions of serve_one (everything from the
#      request accepted to the end of the work that follows the answer)
#      for one ANNOTATION_CREATED and one 5000-task TASKS_CREATED, run as
#      CGI after a first delivery into the same data directory; top
#      functions, inclusive.
#      valgrind's virtual CPU has no SHA extensions: the SHA-256 shown is
#      always the portable one.
#   2. CGI: CPU time and page faults of one run (bench/exec_cost.c, 300
#      runs each, no web server) of the empty CGI program, the same linked
#      against libcjson and built static-pie (the dynamic loader's floor),
#      lshook's handler and the bundle's.
#   3. perf: lshook's FastCGI processes under wrk load behind lighttpd
#      (bench/bench.py --perf on the lshook rows), top functions.
#
# Needs valgrind and linux-perf (bench/packages.txt); runs on 127.0.0.1 only.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TREE=$(cd "${1:-$ROOT}" && pwd)
W=$(mktemp -d /var/tmp/lshook-profile.XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM
mkdir -p "$W/data"
/usr/bin/python3 "$ROOT/bench/gen_payloads.py" "$W"
SECRET=profile-secret-0123456789abcdef

post() {	# post HANDLER BODY [VALGRIND...]: one CGI request
	h=$1 body=$2
	shift 2
	env -i PATH=/usr/bin:/bin REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$(wc -c < "$body")" HTTP_AUTHORIZATION="Bearer $SECRET" \
	    LSHOOK_DATA_DIR="$W/data" LSHOOK_SECRET="$SECRET" LSHOOK_FSYNC=never \
	    "$@" "$TREE/www/hooks/$h.fcgi" < "$body" > "$W/answer"
	head -1 "$W/answer" | grep -q '^Status: 200' || { cat "$W/answer"; exit 1; }
}

one() {	# one HANDLER BODY: callgrind of one CGI request, in the steady state
	# A first delivery (another id) makes the data directory, the
	# project's ontology and counters: the measured one is the usual case.
	sed 's/987654321/987654320/' "$2" > "$W/warm.json"
	post "$1" "$W/warm.json"
	post "$1" "$2" valgrind -q --tool=callgrind --callgrind-out-file="$W/cg.out" \
	    --toggle-collect=serve_one
	callgrind_annotate --inclusive=yes "$W/cg.out" 2>/dev/null |
	    sed -n '/PROGRAM TOTALS/p; /file:function/,$p' |
	    grep -v -e 'below main' -e 'libc-start' -e 'ld-linux' -e ':main ' \
	        -e 'lsh_main' -e '^-' -e 'file:function' -e '^Ir' |
	    head -24 | sed -e "s#$TREE/##g" -e 's#/usr/lib/x86_64-linux-gnu/##g' | cut -c1-110
}

echo "== callgrind: one ANNOTATION_CREATED ($(wc -c < "$W/annotation.json") bytes), instructions"
one annotations "$W/annotation.json"
echo
echo "== callgrind: one TASKS_CREATED of 5000 tasks ($(wc -c < "$W/tasks.json") bytes), instructions"
one tasks "$W/tasks.json"
echo
echo "== CGI: one run of each program, median of 300 (bench/exec_cost.c)"
cc -O2 -o "$W/exec_cost" "$ROOT/bench/exec_cost.c"
cc -O2 -o "$W/empty.cgi" "$ROOT/bench/empty_cgi.c"
cc -O2 -o "$W/empty+libcjson.cgi" "$ROOT/bench/empty_cgi.c" -Wl,--no-as-needed -lcjson
cc -O2 -static-pie -o "$W/empty-static-pie.cgi" "$ROOT/bench/empty_cgi.c"
[ -x "$TREE/build/bundle/annotations.fcgi" ] || make -C "$TREE" bundle-handlers >/dev/null
mkdir -p "$W/cgi-data"
echo bench-secret-0123456789abcdef0123456789 > "$W/secret"
"$W/exec_cost" "$W/annotation.json" "$W/cgi-data" "$W/secret" 300 "$W/empty.cgi" \
    "$W/empty+libcjson.cgi" "$W/empty-static-pie.cgi" \
    "$TREE/www/hooks/annotations.fcgi" "$TREE/build/bundle/annotations.fcgi" |
    sed -e "s#$W/##" -e "s#$TREE/##"
echo
echo "== perf: lshook's FastCGI processes under load"
/usr/bin/python3 "$ROOT/bench/bench.py" --tree "$TREE" --perf --seconds 4 \
    --only lshook-never,lshook-never-bulk 2>&1 | grep -v '^|' |
    sed -n '/^== /p; /^   perf/,/^   [a-z-]* *[0-9]* req/p'
