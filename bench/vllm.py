"""`make bench-vllm`: the openai backend against the tiny-model vLLM server that scripts/test_vllm.sh starts.

On CPU with a random 2-layer model this measures our overhead and the server's scheduling, not a real model.
Figures:
- verifications per second and tokens per verification: ThinkPRM format, structured outputs, K=1, a batch of
  verifications sent with the backend's concurrency cap;
- prefix caching with K=4: the same long prompt as one request with n=4 (the chains share the prefix in the KV
  cache) against 4 separate requests, each with its own `cache_salt` so nothing is shared; the difference is
  the time prefix sharing saves. Each is measured several times and the median kept;
- fix from here on the model path (the chunk judge, which judges a step from the steps before it): a fixed
  attempt of FIX_STEPS steps that keeps the first FIX_KEPT, verified cold (every step sent to the model) and warm
  (the kept steps' verdicts handed over from the verdict cache, as grading.tutoring.reuse does). Tokens and time
  saved are the difference, medians of REPEATS. The random model's judgments mean nothing, so a bench-only copy
  of the format constrains every judgment to Positive: every step is judged in both runs, and what is measured
  is the cost of judging them.
"""

from __future__ import annotations

import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from verifier_worker.backends.openai import OpenAIVerifier
from verifier_worker.formats import thinkprm
from verifier_worker.formats.chat_template import load_chat_template
from verifier_worker.types import Problem, StepInput, VerificationRequest

VERIFICATIONS = 16
REPEATS = 5
K = 4
FIX_STEPS = 8
FIX_KEPT = 5


def _request(i: int) -> VerificationRequest:
    steps = (f"{i} + 5 = {i + 5}", f"3 * {i + 5} = {3 * (i + 5)}", f"The answer is {3 * (i + 5)}.")
    return VerificationRequest(
        problem=Problem(statement=f"Compute 3 * ({i} + 5)."), steps=tuple(StepInput(j, t) for j, t in enumerate(steps))
    )


def _long_prompt(model_dir: Path) -> str:
    # About 1,500 tokens with the tiny tokenizer (max-model-len is 2048), so prefill dominates.
    steps = [
        f"Step {i}: we add {i} and {i + 1} to get {2 * i + 1}, which we carry to the next line." for i in range(26)
    ]
    return thinkprm.build_prompt(load_chat_template(model_dir), "Sum the numbers as described.", steps)


def _fix_from_here(url: str, model: str, model_dir: Path) -> dict[str, object]:
    from dataclasses import replace

    from verifier_worker.formats import chunkjudge
    from verifier_worker.formats.registry import FORMATS

    FORMATS["chunkjudge-bench"] = replace(
        chunkjudge.FORMAT, name="chunkjudge-bench", structured_regex=lambda: r"[a-z ,.]{0,160}\\boxed\{Positive\}"
    )
    judge = OpenAIVerifier(
        base_url=url,
        model=model,
        tokenizer_path=str(model_dir),
        format="chunkjudge-bench",
        structured_outputs=True,
        max_tokens=96,
        concurrency=4,
        timeout=120,
    )
    steps = tuple(
        StepInput(i, f"Line {i + 1}: {i * 7} + 7 = {i * 7 + 7} apples in the crates.") for i in range(FIX_STEPS)
    )
    problem = Problem(statement="A farmer adds 7 apples to a crate, eight times. How many apples are in the crate?")
    cold_tokens, warm_tokens, cold_s, warm_s, reused = [], [], [], [], []
    for _ in range(REPEATS):
        started = time.perf_counter()
        cold = judge.verify_batch([VerificationRequest(problem=problem, steps=steps)])[0]
        cold_s.append(time.perf_counter() - started)
        known = tuple(v for v in cold.steps[:FIX_KEPT] if v.verdict == "correct")
        started = time.perf_counter()
        warm = judge.verify_batch([VerificationRequest(problem=problem, steps=steps, known_verdicts=known)])[0]
        warm_s.append(time.perf_counter() - started)
        cold_tokens.append(cold.run.tokens)
        warm_tokens.append(warm.run.tokens)
        reused.append(len(warm.run.parameters.get("reuse", {}).get("steps", [])))
    cold_t, warm_t = statistics.median(cold_tokens), statistics.median(warm_tokens)
    return {
        "fix_steps": FIX_STEPS,
        "fix_steps_reused": statistics.median(reused),
        "fix_cold_tokens": cold_t,
        "fix_warm_tokens": warm_t,
        "fix_tokens_saved": cold_t - warm_t,
        "fix_tokens_saved_percent": 100.0 * (cold_t - warm_t) / cold_t if cold_t else 0.0,
        "fix_cold_s": statistics.median(cold_s),
        "fix_warm_s": statistics.median(warm_s),
        "fix_time_saved_percent": 100.0 * (1 - statistics.median(warm_s) / statistics.median(cold_s)),
    }


def _timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def run() -> dict[str, object]:
    url = os.environ.get("VLLM_TEST_URL")
    if not url:
        return {"skipped": "no vLLM server: run `make bench-vllm`"}
    model = os.environ["VLLM_TEST_MODEL"]
    model_dir = Path(os.environ["VLLM_TEST_MODEL_DIR"])
    backend = OpenAIVerifier(
        base_url=url,
        model=model,
        tokenizer_path=str(model_dir),
        structured_outputs=True,
        max_tokens=400,
        concurrency=4,
        timeout=120,
    )
    backend.verify_batch([_request(0)])  # warm-up
    started = time.perf_counter()
    results = backend.verify_batch([_request(i) for i in range(VERIFICATIONS)])
    elapsed = time.perf_counter() - started
    tokens = [r.run.prompt_tokens + r.run.completion_tokens for r in results]
    parsed = sum(1 for r in results if not r.undecided_reason)

    prompt = _long_prompt(model_dir)
    client = httpx.Client(base_url=url, timeout=120)
    body = {"model": model, "prompt": prompt, "max_tokens": 16, "temperature": 0.6, "ignore_eos": True}

    def shared() -> None:
        client.post(
            "/completions", json={**body, "n": K, "cache_salt": f"n{time.perf_counter_ns()}"}
        ).raise_for_status()

    def separate() -> None:
        salt = time.perf_counter_ns()

        def one(k: int) -> None:
            client.post("/completions", json={**body, "n": 1, "cache_salt": f"s{salt}-{k}"}).raise_for_status()

        with ThreadPoolExecutor(max_workers=K) as pool:
            list(pool.map(one, range(K)))

    prompt_tokens = client.post("/completions", json={**body, "max_tokens": 1}).json()["usage"]["prompt_tokens"]
    n_times = [_timed(shared) for _ in range(REPEATS)]
    separate_times = [_timed(separate) for _ in range(REPEATS)]
    n_median, separate_median = statistics.median(n_times), statistics.median(separate_times)
    return {
        **_fix_from_here(url, model, model_dir),
        "verifications": VERIFICATIONS,
        "verifications_per_second": VERIFICATIONS / elapsed,
        "parsed_verifications": parsed,
        "tokens_per_verification": statistics.mean(tokens),
        "completion_tokens_per_verification": statistics.mean(r.run.completion_tokens for r in results),
        "prefix_prompt_tokens": prompt_tokens,
        "k4_n4_one_request_s": n_median,
        "k4_four_separate_prompts_s": separate_median,
        "k4_time_saved_by_prefix_sharing_s": separate_median - n_median,
        "k4_time_saved_percent": 100.0 * (separate_median - n_median) / separate_median,
    }
