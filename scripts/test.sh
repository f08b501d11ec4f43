#!/usr/bin/env bash
# `make test`: the whole suite. On CI (CI=true) it runs against the real PostgreSQL and Redis on 127.0.0.1
# and a missing service is a failure. Locally it uses them when they answer and SQLite otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

port_open() { $BIN/python - "$1" "$2" <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)
PY
}

if [ "${CI:-}" = "true" ]; then
  port_open 127.0.0.1 5432 || { echo "CI: PostgreSQL is not answering on 127.0.0.1:5432" >&2; exit 1; }
  port_open 127.0.0.1 6379 || { echo "CI: Redis is not answering on 127.0.0.1:6379" >&2; exit 1; }
  if ! command -v chromium >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests"
    (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null || { echo "CI: cannot install chromium" >&2; exit 1; }
  fi
fi
if [ -z "${DATABASE_URL:-}" ] && port_open 127.0.0.1 5432; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/tutor"
fi
if [ -z "${TEST_REDIS_URL:-}" ] && port_open 127.0.0.1 6379; then
  export TEST_REDIS_URL="redis://127.0.0.1:6379/15"
fi
echo "Database: ${DATABASE_URL:-sqlite}; Redis for integration tests: ${TEST_REDIS_URL:-none (those tests skip)}"

$BIN/python -m pytest "$@"
rc=$?
if [ $rc -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit $rc
