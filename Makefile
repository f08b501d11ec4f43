# The two commands a newcomer needs: `make run` and `make test`. Everything else is for developers.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install assets run test test-fast lint format bench bench-vllm test-vllm test-ocr bench-ocr evaluate loadtest clean

$(BIN)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	@touch $@

install: $(BIN)/.installed

# KaTeX comes from npm at a pinned version and is served locally: the app never loads a CDN.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

assets: node_modules/.installed

run: install assets
	bash scripts/run.sh

test: install assets
	bash scripts/test.sh

# ruff, strict mypy on the application code, and the import contracts in pyproject.toml (apps depend one way,
# the verifier core imports no Django, web code never imports torch/vllm/transformers).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy tutor grading verifier_worker
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m bench

# A whole class against gunicorn + Celery on PostgreSQL and Redis (bench/loadtest.py): prints figures, exits 0.
loadtest: install assets
	$(BIN)/python -m bench.loadtest

# The verifier's figures on the shared datasets (docs/evaluation.md). `make evaluate BACKEND=openai` for another.
BACKEND ?= symbolic
EVAL_DATA ?= ../shared/data
EVALUATE := $(BIN)/python manage.py evaluate_verifier --backend $(BACKEND)
evaluate: install
	$(EVALUATE) --dataset $(EVAL_DATA)/processbench/gsm8k.json --join-gsm8k $(EVAL_DATA)/gsm8k/test.jsonl
	$(EVALUATE) --dataset $(EVAL_DATA)/processbench/gsm8k.json --join-gsm8k $(EVAL_DATA)/gsm8k/test.jsonl --no-reference-solution
	$(EVALUATE) --dataset $(EVAL_DATA)/processbench/math.json
	$(EVALUATE) --dataset $(EVAL_DATA)/stepverify/dataset.json

test-vllm: install
	bash scripts/test_vllm.sh

bench-vllm: install
	bash scripts/test_vllm.sh --bench

# The handwriting tier: mathnote-ocr and torch in .venv-ocr (docs/handwriting.md).
test-ocr: install assets
	bash scripts/test_ocr.sh

bench-ocr: install
	bash scripts/test_ocr.sh --bench

clean:
	rm -rf var staticfiles tests/artifacts .pytest_cache .mypy_cache .ruff_cache
