#!/usr/bin/env bash
# Installs what the browser tests (tests/integration/test_browser.py) need, and nothing
# if it is already there: Debian's chromium + chromium-driver (no browser downloads by a
# test tool) and the selenium client in the project's virtualenv.
# Never fails the build: if something cannot be installed, the browser tests skip with a
# loud message saying so.
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY="$(command -v python3)"

have_browser() { command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; }

if ! have_browser; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else SUDO="none"; fi
    fi
    if [ "$SUDO" = none ]; then
        echo "ensure_browser: not root and no sudo: cannot install chromium" >&2
    else
        echo "ensure_browser: installing Debian chromium + chromium-driver" >&2
        $SUDO apt-get update -q >/dev/null \
            && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
                chromium chromium-driver fonts-dejavu-core >/dev/null \
            || echo "ensure_browser: WARNING: apt-get could not install chromium" >&2
    fi
fi

if ! "$PY" -c "import selenium" >/dev/null 2>&1; then
    echo "ensure_browser: installing selenium" >&2
    "$PY" -m pip install -q "selenium>=4.20" || echo "ensure_browser: WARNING: no selenium" >&2
fi

if have_browser; then
    echo "ensure_browser: $(chromium --version 2>/dev/null | head -1); $(chromedriver --version 2>/dev/null | head -1)"
else
    echo "ensure_browser: WARNING: no chromium/chromedriver: browser tests will be SKIPPED" >&2
fi
exit 0
