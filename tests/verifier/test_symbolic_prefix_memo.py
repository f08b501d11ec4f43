"""The symbolic checker keeps the analysis of an unchanged prefix (checkers/analysis.py, PrefixMemo): a step's own
analysis depends only on the statement and the steps up to it, so re-verifying a solution that keeps its first
steps reuses them, and the verdicts (judged again over the whole solution, final answer included) are exactly
those of a cold run."""

from __future__ import annotations

import itertools
import json

import pytest

from verifier_worker.backends.symbolic import SymbolicVerifier
from verifier_worker.checkers import analysis
from verifier_worker.types import Problem, StepInput, VerificationRequest

BUS = Problem(
    "A class of 27 students and 3 teachers goes on a trip. A bus ticket costs \\$4 for a student and \\$6 for a "
    "teacher. How many dollars do the tickets cost in total?",
    "126",
    ("27 × 4 = 108", "3 × 6 = 18", "108 + 18 = 126"),
)


def request(problem: Problem, *texts: str) -> VerificationRequest:
    return VerificationRequest(problem=problem, steps=tuple(StepInput(i, t) for i, t in enumerate(texts)))


@pytest.fixture(autouse=True)
def cold_memo():
    analysis.MEMO.clear()
    yield
    analysis.MEMO.clear()


def comparable(result):
    return (result.steps, result.first_error_index, result.final_answer_verdict, result.unfinished)


def test_a_fixed_attempt_reuses_the_kept_prefix_and_judges_like_a_cold_run():
    verifier = SymbolicVerifier()
    # Given a wrong attempt, checked once
    verifier.verify(request(BUS, "27 × 4 = 108", "3 × 6 = 24", "108 + 24 = 132"))
    # When the student fixes it from step 2
    fixed = request(BUS, "27 × 4 = 108", "3 × 6 = 18", "108 + 18 = 126")
    warm = verifier.verify(fixed)
    # Then step 1's analysis was reused, and said so with what it had cost
    reuse = warm.run.parameters["reuse"]
    assert reuse["steps"] == [0]
    assert reuse["how"] == "analysis memo"
    assert reuse["saved_ms"] > 0
    # and the verdicts are exactly a cold run's: the final answer changed step 1's confidence, and it shows
    analysis.MEMO.clear()
    cold = verifier.verify(fixed)
    assert "reuse" not in cold.run.parameters
    assert comparable(warm) == comparable(cold)


ALGEBRA = Problem("Solve $5(x - 2) = 2x + 8$.", "6", ("5x - 10 = 2x + 8", "3x = 18", "x = 6"))
CASES = [
    (BUS, ("27 × 4 = 108", "3 × 4 = 12", "108 + 12 = 120"), ("27 × 4 = 108", "3 × 6 = 18", "108 + 18 = 126")),
    (BUS, ("27 × 4 = 108", "3 × 6 = 18"), ("27 × 4 = 108", "3 × 6 = 18", "108 + 18 = 126")),
    (ALGEBRA, ("5x - 10 = 2x + 8", "3x = 2", "x = 2/3"), ("5x - 10 = 2x + 8", "3x = 18", "x = 6")),
    (ALGEBRA, ("5x - 2 = 2x + 8", "3x = 10"), ("5x - 10 = 2x + 8", "3x = 18", "x = 6")),
    (BUS, ("$50 − $15 = $35", "35 × 3 = 105"), ("$50 − $15 = $35", "35 × 3 = 106", "so 106")),
]


@pytest.mark.parametrize(("problem", "before", "after"), CASES)
def test_warm_and_cold_runs_agree(problem, before, after):
    verifier = SymbolicVerifier()
    verifier.verify(request(problem, *before))
    warm = verifier.verify(request(problem, *after))
    analysis.MEMO.clear()
    assert comparable(warm) == comparable(verifier.verify(request(problem, *after)))


def test_warm_and_cold_runs_agree_on_processbench(shared_data):
    # Each solution verified cold, then a "fix" that keeps its first half and rewrites the rest with the second
    # half of another solution to the same problem, warm and cold.
    rows = json.loads((shared_data / "processbench" / "gsm8k.json").read_text())[:80]
    verifier = SymbolicVerifier()
    checked = 0
    for first, second in itertools.pairwise(rows):
        problem = Problem(first["problem"])
        keep = first["steps"][: max(1, len(first["steps"]) // 2)]
        fixed = request(problem, *keep, *second["steps"][len(second["steps"]) // 2 :])
        analysis.MEMO.clear()
        verifier.verify(request(problem, *first["steps"]))
        warm = verifier.verify(fixed)
        analysis.MEMO.clear()
        assert comparable(warm) == comparable(verifier.verify(fixed)), first["id"]
        checked += 1
    assert checked > 50


def test_the_memo_keeps_its_bound():
    memo = analysis.PrefixMemo(max_entries=3)
    verifier_request = request(BUS, "1 + 1 = 2", "2 + 2 = 4", "4 + 4 = 8", "8 + 8 = 16", "16 + 16 = 32")
    analysis.analyse(verifier_request, analysis.cas.Deadline(5), memo)
    assert len(memo) == 3
