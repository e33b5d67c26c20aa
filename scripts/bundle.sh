#!/bin/sh
# bundle.sh VERSION BINDIR OUT: assemble the deployable tarball.
# BINDIR holds handlers linked for the bundle (libfcgi and libsodium
# static, libcjson found through an $ORIGIN rpath); libcjson.so.1 is
# copied beside them because Debian ships no static libcjson.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=$1
BINDIR=$2
OUT=$3
NAME=lshook-$VERSION
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
T=$STAGE/$NAME

mkdir -p "$T/www/hooks" "$T/lshook-data"
chmod 0750 "$T/lshook-data"
for h in tasks annotations projects training status; do
	install -m 0755 "$BINDIR/$h.fcgi" "$T/www/hooks/$h.fcgi"
done
cjson=$(ldd "$BINDIR/tasks.fcgi" | awk '/libcjson\.so/ { print $3 }')
[ -n "$cjson" ] || { echo "bundle: libcjson not found by ldd" >&2; exit 1; }
install -m 0644 "$cjson" "$T/www/hooks/libcjson.so.1"
[ -f "$ROOT/www/.htaccess" ] && install -m 0644 "$ROOT/www/.htaccess" "$T/www/.htaccess"
mkdir -p "$T/www/status"
for f in "$ROOT"/www/status/*; do
	install -m 0644 "$f" "$T/www/status/"
done
[ -f "$ROOT/www/status/.htaccess" ] && install -m 0644 "$ROOT/www/status/.htaccess" "$T/www/status/"
for d in apache lighttpd nginx; do
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
