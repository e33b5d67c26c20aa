#!/bin/sh
# deps.sh: make sure the Debian 12 packages lshook needs are installed.
# As root it installs what is missing; otherwise it prints the exact
# apt-get line and fails.
set -u

PACKAGES="gcc make pkg-config libfcgi-dev libcjson-dev libsodium-dev libexpat1-dev
lighttpd apache2 libapache2-mod-fcgid nginx-light python3-requests
libfcgi-bin spawn-fcgi bats bats-assert bats-support bats-file
valgrind strace curl jq openssl ca-certificates mandoc chromium"
# deps.sh fuzz: what `make fuzz` needs besides (libFuzzer comes with clang)
[ "${1:-}" = fuzz ] && PACKAGES="$PACKAGES clang libclang-rt-14-dev"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "lshook needs these Debian packages; as root run:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || exit 1
# Servers installed here are for the tests, which start their own copies
# on 127.0.0.1: keep Debian from starting them on public ports.
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
