#!/usr/bin/env bash
# Debian packages the tests use: bubblewrap (student code is graded inside its sandbox),
# Chromium (the browser tests drive it through Playwright; no browser download) and
# PostgreSQL (the submission service's queue is tested on a throwaway server too).
# Installs what is missing when run as root with apt-get; otherwise says what is missing.
set -euo pipefail
missing=""
command -v bwrap >/dev/null 2>&1 || missing="$missing bubblewrap"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
  echo "system-deps:$missing missing (install them with apt-get as root);" \
       "the sandbox, browser and PostgreSQL tests skip without them" >&2
fi
