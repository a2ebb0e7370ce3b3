#!/usr/bin/env bash
# Debian packages the tests use: bubblewrap (student code is graded inside its sandbox),
# Chromium (the browser tests drive it through Playwright; no browser download),
# PostgreSQL (the submission service's queue is tested on a throwaway server too) and
# Node.js with npm (JupyterHub's proxy, below).
# Installs what is missing when run as root with apt-get; otherwise says what is missing.
# Then configurable-http-proxy, JupyterHub's proxy (tests/service/test_hub.py), from npm
# into the project's own .cache/chp (not globally): the test finds it there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
missing=""
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "system-deps:$missing missing (install them with apt-get as root);" \
         "the sandbox, browser, PostgreSQL and JupyterHub tests skip without them" >&2
  fi
fi
chp="$root/.cache/chp"
if [ ! -x "$chp/node_modules/.bin/configurable-http-proxy" ] && command -v npm >/dev/null 2>&1; then
  npm install --silent --no-audit --no-fund --prefix "$chp" configurable-http-proxy@5 >/dev/null
fi
