"""Abstaining: where the checker drops notation, a failed check is reported as not judged, with the reason."""

from __future__ import annotations

import pytest

from verifier_worker.backends.symbolic import SymbolicVerifier
from verifier_worker.types import Problem, StepInput, VerificationRequest, VerificationResult


def verify(steps: list[str], answer: str = "", statement: str = "A problem.") -> VerificationResult:
    request = VerificationRequest(
        problem=Problem(statement, answer), steps=tuple(StepInput(i, text) for i, text in enumerate(steps))
    )
    return SymbolicVerifier().verify_batch([request])[0]


@pytest.mark.parametrize(
    ("step", "named"),
    [
        (r"\log_2 8 + 1 = 3 + 1 = 5", r"\log"),
        (r"\sin(30) + 1 = 1.5 + 1 = 2", r"\sin"),
        ("f(2) + g(3) = 4 + 9 = 12", "f(…)"),
        ("324_8 + 1 = 213", "subscript"),
        (r"\lfloor 7/2 \rfloor + 1 = 4.5", r"\lfloor"),
    ],
)
def test_a_check_that_fails_in_unread_notation_abstains_with_the_reason(step: str, named: str) -> None:
    result = verify(["Start.", step])
    assert result.first_error_index is None
    verdict = result.steps[1]
    assert verdict.verdict == "unverified"
    assert verdict.checker == "notation"
    assert named in verdict.explanation
    assert "not judged" in verdict.explanation


def test_read_notation_still_gets_its_slip_flagged() -> None:
    result = verify(["Start.", "12 × 7 = 82"])
    assert result.first_error_index == 1
    assert result.steps[1].checker == "arithmetic"


def test_a_new_case_is_not_compared_with_the_line_before() -> None:
    result = verify(["If x = 2, then x + 1 = 3.", "If x = 4, then x + 1 = 4 + 1 = 5."], "5")
    assert result.first_error_index is None


def test_grounding_does_not_point_at_a_step_that_only_restates_given_values() -> None:
    # given: a step that writes a value from the problem as an equation, then the step that goes wrong
    statement = "Ann has 20 apples and buys 3 bags of 5. How many apples does she have?"
    steps = ["a = 20", "She buys 3 × 6 = 18 more.", "So she has 20 + 18 = 38 apples."]
    request = VerificationRequest(
        problem=Problem(statement, "35", ("She buys 3 × 5 = 15.", "She has 20 + 15 = 35.")),
        steps=tuple(StepInput(i, text) for i, text in enumerate(steps)),
    )
    [result] = SymbolicVerifier().verify_batch([request])
    # then the restating step is not the error; the step that computes a value off every valid path is
    assert result.first_error_index == 1
