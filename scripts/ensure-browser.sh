#!/bin/sh
# The end-to-end tests drive Debian's Chromium through Playwright. Install it when it is missing.
set -e
CHROMIUM="${JILIANG_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "Chromium is missing at $CHROMIUM and apt-get is not available:" >&2
    echo "install Chromium and set JILIANG_CHROMIUM to its path." >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi
echo "Installing Debian's chromium for the end-to-end tests..."
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei >/dev/null
