#!/bin/sh
# The deploy/ tests check deploy/nginx.conf with `nginx -t`. nginx is not installed as a
# service for that (installing Debian's package would start one on port 80): the binary is
# taken out of Debian's package into var/tools/. A machine without apt skips that check.
set -e
cd "$(dirname "$0")/.."
DEST="${JILIANG_VAR_DIR:-var}/tools/nginx"
if command -v nginx >/dev/null 2>&1 || [ -x "$DEST/usr/sbin/nginx" ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "nginx: no apt-get here; the nginx -t check of deploy/nginx.conf will be skipped" >&2
    exit 0
fi
mkdir -p "$DEST"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
chmod 777 "$TMP"
if ! apt-get download nginx >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get download nginx >/dev/null 2>&1 || {
        echo "nginx: could not download Debian's package; the nginx -t check will be skipped" >&2
        exit 0
    }
fi
cd - >/dev/null
dpkg-deb -x "$TMP"/nginx_*.deb "$DEST"
echo "nginx: $DEST/usr/sbin/nginx (for the deploy/ config test)"
