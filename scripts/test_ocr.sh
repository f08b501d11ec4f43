#!/usr/bin/env bash
# `make test-ocr`: the handwriting tier. `make bench-ocr` (--bench): the recogniser's figures.
#
# 1. Creates or reuses .venv-ocr with torch 2.14.1 and torchvision 0.29.1 (on this machine they install from
#    local wheels; elsewhere see docs/handwriting.md for the smaller CPU wheels), then this project with its
#    `handwriting` and `dev` extras (mathnote-ocr 0.2.1) and hershey-fonts (the tests' pen paths).
# 2. Runs tests/ocr in .venv-ocr: the recogniser's accuracy per symbol class on Hershey-font ink (printed), and
#    the Write mode in real Chromium against a real ocr worker and cpu worker over Redis and PostgreSQL, with the
#    request path's latency (printed).
# On CI (CI=true) every failure, including a failed install, fails the run. Locally a failed install skips.
set -uo pipefail
cd "$(dirname "$0")/.."
MODE=test
[ "${1:-}" = "--bench" ] && MODE=bench
VENV=.venv-ocr
STARTED=$(date +%s)

die() { echo "test-ocr: $*" >&2; exit 1; }
elapsed() { echo "$(( $(date +%s) - STARTED ))s"; }

# Cheap check (importing torch takes seconds): the pinned distributions are there, this checkout is the one
# installed (editable), and pyproject.toml has not changed since (the stamp, as the Makefile does for .venv).
ocr_installed() {
  "$VENV/bin/python" -I - "$(pwd)" <<'PY' >/dev/null 2>&1
import importlib.metadata as m, os, sys
import tutor
ok = (m.version("torch").startswith("2.14.1") and m.version("torchvision").startswith("0.29.1")
      and m.version("mathnote-ocr") == "0.2.1" and m.version("hershey-fonts") == "2.1.0"
      and m.version("playwright") and m.version("pytest-django"))
here = os.path.dirname(os.path.dirname(os.path.abspath(tutor.__file__)))
sys.exit(0 if ok and here == sys.argv[1] else 1)
PY
}
if ! { [ "$VENV/.installed" -nt pyproject.toml ] && ocr_installed; }; then
  echo "test-ocr: installing torch 2.14.1, torchvision 0.29.1, mathnote-ocr and this project into $VENV"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || die "cannot create $VENV"
  if ! { "$VENV/bin/pip" install -q torch==2.14.1 torchvision==0.29.1 \
      && "$VENV/bin/pip" install -q -e ".[handwriting,dev]" hershey-fonts==2.1.0; }; then
    if [ "${CI:-}" = "true" ]; then die "installing the handwriting tier failed"; fi
    echo "test-ocr: SKIPPED: installing the handwriting tier failed (no network?). CI fails here." >&2
    exit 0
  fi
  "$VENV/bin/python" -c "import mathnote_ocr, HersheyFonts, torch" || die "import mathnote_ocr fails in $VENV"
  touch "$VENV/.installed"
fi
echo "test-ocr: $VENV ready after $(elapsed)"

if [ "$MODE" = bench ]; then
  "$VENV/bin/python" -m bench ocr
  exit $?
fi

# Our own test database and Redis database, so a `make test` running at the same time cannot flush or drop them.
if [ -z "${DATABASE_URL:-}" ] && (echo >/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/tutor_ocr"
fi
if [ -z "${TEST_REDIS_URL:-}" ] && (echo >/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  export TEST_REDIS_URL="redis://127.0.0.1:6379/12"
fi
echo "Database: ${DATABASE_URL:-sqlite}; Redis: ${TEST_REDIS_URL:-none (the browser tests skip, or fail on CI)}"
"$VENV/bin/python" -m pytest -o addopts="" -p no:cacheprovider -q -ra -s --strict-markers tests/ocr
rc=$?
[ $rc -eq 5 ] && { echo "test-ocr: pytest collected no tests" >&2; rc=1; }
echo "test-ocr: finished in $(elapsed) with status $rc"
exit $rc
