#!/bin/sh
# run.sh: what `make bench` and `make bench-smoke` run.  Installs what is
# missing (as root; otherwise prints the apt-get line), builds lshook, then
# hands over to bench/bench.py, which builds the ceiling programs, starts
# every server on 127.0.0.1, drives them with wrk, stops them by PID and
# prints the table.  Arguments go to bench.py (see bench/bench.py --help).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
scripts/deps.sh || exit 1
bench/deps.sh || exit 1
log=$(mktemp)
if ! make --no-print-directory all bundle-handlers > "$log" 2>&1; then
	cat "$log" >&2
	rm -f "$log"
	exit 1
fi
rm -f "$log"
exec /usr/bin/python3 bench/bench.py "$@"
