#!/usr/bin/env bash
# What tests/deployment/test_browser.py needs from the system: Debian's Chromium (the machine cannot
# download a browser build; Playwright drives this one) and a CJK font, so screenshots show the vendor's
# Chinese texts. Installed with apt-get when missing and we are root; otherwise a line says why not, and the
# browser test is skipped with its reason in pytest's closing summary.
set -uo pipefail
if command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk"; then
    exit 0
fi
if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
    echo "browser test: chromium missing and not root with apt-get: it will be skipped" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-wqy-zenhei >/dev/null \
    || echo "browser test: apt-get install chromium failed: it will be skipped" >&2
exit 0
