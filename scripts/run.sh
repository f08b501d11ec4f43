#!/usr/bin/env bash
# `make run`: migrate, load demo data (idempotent), then start a Celery worker and the web server: Django's
# development server with SQLite, gunicorn when DATABASE_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${PORT:-8000}"
VAR_DIR="${TUTOR_VAR_DIR:-var}"
mkdir -p "$VAR_DIR/broker/queue" "$VAR_DIR/broker/processed" "$VAR_DIR/broker/control"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-tutor.settings.base}"

$BIN/python manage.py migrate --noinput
$BIN/python manage.py load_demo

# -B: the embedded beat runs the grading sweep (re-enqueues anything stuck, e.g. submitted while the broker was down).
$BIN/celery -A tutor worker -B --schedule "$VAR_DIR/celerybeat-schedule" -Q cpu,gpu --concurrency 2 --loglevel INFO \
    --hostname "demo@%h" >"$VAR_DIR/worker.log" 2>&1 &
WORKER_PID=$!
PIDS=$WORKER_PID
echo "Celery worker started (pid $WORKER_PID, log: $VAR_DIR/worker.log)"
# The Write mode's recogniser runs only where the `handwriting` extra is installed (docs/handwriting.md).
if $BIN/python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('mathnote_ocr') is None)"; then
  $BIN/celery -A tutor worker -Q ocr --concurrency 1 --loglevel INFO --hostname "ocr@%h" \
      >"$VAR_DIR/worker-ocr.log" 2>&1 &
  PIDS="$PIDS $!"
  echo "Handwriting (ocr) worker started (pid $!, log: $VAR_DIR/worker-ocr.log)"
else
  echo "Handwriting recognition is not installed (pip install -e .[handwriting]); the Write mode says so."
fi
trap 'kill $PIDS 2>/dev/null || true' EXIT INT TERM
echo "Open http://127.0.0.1:$PORT/ — demo logins are listed in README.md"
if [ -n "${DATABASE_URL:-}" ]; then
  # With a real database, serve the way production does: gunicorn, several processes (WEB_WORKERS).
  echo "Serving with gunicorn (${WEB_WORKERS:-3} workers)"
  $BIN/gunicorn tutor.wsgi:application --bind "127.0.0.1:$PORT" --workers "${WEB_WORKERS:-3}" \
      --access-logfile - --graceful-timeout 5
else
  $BIN/python manage.py runserver "127.0.0.1:$PORT" --noreload
fi
