#!/usr/bin/env bash
# Install what tests/test_browser.py needs beyond the Python test dependencies
# (playwright and voila come from pyproject's `test` extra): Debian's Chromium at
# /usr/bin/chromium, and a font for readable screenshots. Playwright's own browser
# download is not used (it cannot be fetched here).
#
# Idempotent: does nothing when both are present. Run as root on Debian (or with sudo).
#   bash scripts/ci-browser-deps.sh
set -euo pipefail

packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || packages+=(fonts-dejavu-core)

if [ "${#packages[@]}" -eq 0 ]; then
    echo "ci-browser-deps: chromium and fonts already installed: $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ci-browser-deps: no apt-get here; install ${packages[*]} by hand (the browser test skips without /usr/bin/chromium)" >&2
    exit 1
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo_cmd=(sudo)
    else
        echo "ci-browser-deps: need root (or sudo) to install ${packages[*]}" >&2
        exit 1
    fi
fi

echo "ci-browser-deps: installing ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
/usr/bin/chromium --version
