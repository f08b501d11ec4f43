"""Re-verification saving of "fix from here" on the symbolic checker (one core, in-process).

For each of ROUNDS generated problems: attempt 1 has a slip at step k of an n-step solution; attempt 2 keeps steps
1..k-1 and rewrites the rest correctly (what a student submits from the fix editor). Attempt 2 is verified cold
(the prefix memo cleared) and warm (right after attempt 1, as a worker would), and the verdicts are compared.

Figures: steps reused per fixed attempt, the median and p95 time of a cold and a warm verification, the time the
checker itself reports saving, and that warm and cold verdicts are identical. Two kinds of solutions: word-problem
arithmetic (parsing dominates) and line-by-line algebra (sympy's equation solving dominates).
"""

from __future__ import annotations

import random
import statistics
import time

from verifier_worker.backends.symbolic import SymbolicVerifier
from verifier_worker.checkers import analysis
from verifier_worker.types import Problem, StepInput, VerificationRequest

ROUNDS = 150


def _arithmetic(rng: random.Random) -> tuple[Problem, list[str], list[str]]:
    n = rng.randint(6, 9)
    values = [rng.randint(2, 40) for _ in range(n + 1)]
    statement = " ".join(f"Box {i} holds {v} pens." for i, v in enumerate(values)) + " How many pens in all?"
    right, wrong, total = [], [], values[0]
    slip = rng.randint(n // 2, n - 1)
    wrong_total = total
    for i in range(1, n + 1):
        new = total + values[i]
        right.append(f"{total} + {values[i]} = {new} pens")
        written = wrong_total + values[i] + (1 if i == slip else 0)
        wrong.append(f"{wrong_total} + {values[i]} = {written} pens")
        total, wrong_total = new, written
    right.append(f"The answer is {total}.")
    wrong.append(f"The answer is {wrong_total}.")
    return Problem(statement, str(total), tuple(right[:-1])), wrong, right


def _algebra(rng: random.Random) -> tuple[Problem, list[str], list[str]]:
    a, b, x = rng.randint(2, 9), rng.randint(1, 20), rng.randint(1, 12)
    c = a * x + b
    right = [f"{a}x + {b} = {c}", f"{a}x = {c - b}", f"x = {(c - b) // a}", f"{a}({x}) + {b} = {c}", f"x = {x}"]
    wrong = [*right[:2], f"x = {x + 1}", f"{a}({x + 1}) + {b} = {c + a}", f"x = {x + 1}"]
    return Problem(f"Solve ${a}x + {b} = {c}$.", str(x), tuple(right)), wrong, right


def _request(problem: Problem, steps: list[str]) -> VerificationRequest:
    return VerificationRequest(problem=problem, steps=tuple(StepInput(i, t) for i, t in enumerate(steps)))


def _figures(kind: str, make) -> dict[str, object]:  # type: ignore[no-untyped-def]
    rng = random.Random(12)
    verifier = SymbolicVerifier()
    cold_ms: list[float] = []
    warm_ms: list[float] = []
    reported: list[float] = []
    reused: list[int] = []
    identical = 0
    for _ in range(ROUNDS):
        problem, wrong, right = make(rng)
        # Attempt 2: attempt 1's steps before its first difference (kept, locked), then the rewritten steps.
        fixed = right
        analysis.MEMO.clear()
        started = time.perf_counter()
        cold = verifier.verify(_request(problem, fixed))
        cold_ms.append((time.perf_counter() - started) * 1000)
        analysis.MEMO.clear()
        verifier.verify(_request(problem, wrong))  # attempt 1, graded by the same worker
        started = time.perf_counter()
        warm = verifier.verify(_request(problem, fixed))
        warm_ms.append((time.perf_counter() - started) * 1000)
        said = warm.run.parameters.get("reuse", {})
        reused.append(len(said.get("steps", [])))
        reported.append(float(said.get("saved_ms", 0.0)))
        identical += (warm.steps, warm.first_error_index, warm.final_answer_verdict) == (
            cold.steps,
            cold.first_error_index,
            cold.final_answer_verdict,
        )
    cold_ms.sort()
    warm_ms.sort()
    return {
        f"{kind}_fixed_attempts": ROUNDS,
        f"{kind}_steps_reused_mean": statistics.mean(reused),
        f"{kind}_cold_ms_median": statistics.median(cold_ms),
        f"{kind}_warm_ms_median": statistics.median(warm_ms),
        f"{kind}_cold_ms_p95": cold_ms[int(0.95 * ROUNDS) - 1],
        f"{kind}_warm_ms_p95": warm_ms[int(0.95 * ROUNDS) - 1],
        f"{kind}_time_saved_percent": 100 * (1 - statistics.median(warm_ms) / statistics.median(cold_ms)),
        f"{kind}_reported_saved_ms_median": statistics.median(reported),
        f"{kind}_warm_equals_cold": f"{identical}/{ROUNDS}",
    }


def run() -> dict[str, object]:
    SymbolicVerifier().verify(_request(Problem("Warm up: 1 + 1."), ["1 + 1 = 2"]))  # imports, sympy caches
    return {**_figures("arithmetic", _arithmetic), **_figures("algebra", _algebra)}
