#!/usr/bin/env bash
# Install headless Chromium (Debian's `chromium` package) for the browser tests, which drive a
# real browser through Playwright (never `playwright install`: the browser comes from the
# distribution): tests/test_explain_browser.py opens the explainer's HTML, and
# tests/test_playground_browser.py and tests/test_playground_ui.py the playground (its axe-core
# check takes axe.min.js from the axe-playwright-python package of the `test` extra), as does
# benchmarks/bench_playground.py.
#
# Idempotent: does nothing when /usr/bin/chromium exists. Where it cannot install (no apt-get,
# not root and no password-less sudo) it says so and exits 0: the browser test then skips.
# A real install failure exits non-zero.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: no apt-get here; install Chromium as $CHROMIUM to run the browser test (it skips without it)" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "install-browser: not root; run 'apt-get install chromium' as root to run the browser test (it skips without it)" >&2
        exit 0
    fi
fi
echo "install-browser: installing Debian's chromium package (once)" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
test -x "$CHROMIUM"
