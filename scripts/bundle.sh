#!/bin/sh
# bundle.sh VERSION BINDIR OUT: assemble the deployable tarball.
# BINDIR holds the handlers and lshook linked for the bundle (libfcgi,
# libsodium and libexpat static, libcjson found through an $ORIGIN rpath);
# libcjson.so.1 is copied beside each because Debian ships no static
# libcjson.  GLIBC_FLOOR (from the Makefile) is the oldest glibc the bundle
# promises: a program or library importing a newer symbol version is
# refused here, before it reaches a host that cannot start it.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=$1
BINDIR=$2
OUT=$3
NAME=lshook-$VERSION
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
T=$STAGE/$NAME

# above_floor FILE...: print each imported GLIBC_x.y newer than GLIBC_FLOOR.
above_floor() {
	for f in "$@"; do
		objdump -T "$f" | grep -o 'GLIBC_[0-9][0-9.]*' | sort -u |
		while read -r v; do
			n=${v#GLIBC_}
			newest=$(printf '%s\n%s\n' "$n" "$GLIBC_FLOOR" | sort -V | tail -n 1)
			[ "$newest" = "$GLIBC_FLOOR" ] || echo "$f: $v"
		done
	done
}

: "${GLIBC_FLOOR:?GLIBC_FLOOR unset (run through make bundle)}"
cjson=$(ldd "$BINDIR/tasks.fcgi" | awk '/libcjson\.so/ { print $3 }')
[ -n "$cjson" ] || { echo "bundle: libcjson not found by ldd" >&2; exit 1; }
newer=$(above_floor "$BINDIR"/*.fcgi "$BINDIR/lshook" "$cjson")
if [ -n "$newer" ]; then
	printf 'bundle: imports newer than glibc %s:\n%s\n' "$GLIBC_FLOOR" "$newer" >&2
	exit 1
fi

mkdir -p "$T/www/hooks" "$T/lshook-data" "$T/bin"
chmod 0750 "$T/lshook-data"
for h in tasks annotations projects training status; do
	install -m 0755 "$BINDIR/$h.fcgi" "$T/www/hooks/$h.fcgi"
done
install -m 0644 "$cjson" "$T/www/hooks/libcjson.so.1"
install -m 0755 "$BINDIR/lshook" "$T/bin/lshook"
install -m 0644 "$cjson" "$T/bin/libcjson.so.1"
[ -f "$ROOT/www/.htaccess" ] && install -m 0644 "$ROOT/www/.htaccess" "$T/www/.htaccess"
mkdir -p "$T/www/status"
for f in "$ROOT"/www/status/*; do
	install -m 0644 "$f" "$T/www/status/"
done
[ -f "$ROOT/www/status/.htaccess" ] && install -m 0644 "$ROOT/www/status/.htaccess" "$T/www/status/"
for d in apache lighttpd nginx systemd docs; do
	[ -d "$ROOT/$d" ] && cp -R "$ROOT/$d" "$T/$d"
done
install -m 0644 "$ROOT/README.md" "$ROOT/LICENSE" "$T/"
cat > "$T/lshook.conf.example" <<'CONF'
# lshook settings (KEY=value); see README.md, "Settings".
# Copy to lshook.conf beside the document root, or name it with LSHOOK_CONFIG.
LSHOOK_DATA_DIR=/home/you/lshook-data
LSHOOK_SECRET=change-me-to-a-long-random-secret
LSHOOK_AUTH=header
LSHOOK_FSYNC=always
CONF
sed -n '/^## Deploying/,/^## Troubleshooting/p' "$ROOT/README.md" | sed '$d' > "$T/INSTALL.md"
mkdir -p "$(dirname "$OUT")"
tar -C "$STAGE" -czf "$OUT" --owner=0 --group=0 "$NAME"
echo "$OUT"
