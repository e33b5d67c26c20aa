#!/bin/sh
# deps.sh: make sure the Debian packages of the benchmark (bench/packages.txt)
# are installed; the same approach as scripts/deps.sh.  As root it installs
# what is missing; otherwise it prints the exact apt-get line and fails.
set -u
LIST=$(dirname "$0")/packages.txt

missing=""
for p in $(grep -v '^#' "$LIST"); do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "the benchmark needs these Debian packages; as root run:" >&2
	echo "  apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || exit 1
# Keep Debian from starting the servers it installs (webhook, apache2,
# lighttpd) on public ports: the benchmark starts its own on 127.0.0.1.
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	guard=/usr/sbin/policy-rc.d
fi
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
rc=$?
[ -n "$guard" ] && rm -f "$guard"
exit $rc
