"""A step that rewrites an expression is an identity claim: the two sides must be the same expression."""

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
    ("steps", "wrong"),
    [
        (["Factor: x² + 9 = (x + 3)(x − 3)"], 0),
        (["x^2 + 9 = (x + 3)(x - 3)"], 0),
        (["Factor the left side: x^2 + 5x + 6 = (x + 2)(x + 4)"], 0),
        (["−2x + 4 = 4", "5x + 4 = 4", "x = 0"], 1),
        (["3(x + 2) = 12", "3x + 2 = 12"], 1),
    ],
)
def test_a_false_rewrite_is_refused_even_when_the_roots_agree(steps: list[str], wrong: int) -> None:
    result = verify(steps, "0")
    assert result.first_error_index == wrong
    first = result.first_error
    assert first is not None
    assert first.checker == "algebra"


def test_the_explanation_names_the_side_that_changed() -> None:
    result = verify(["−2x + 4 = 4", "5x + 4 = 4", "x = 0"], "0")
    first = result.first_error
    assert first is not None
    assert "the other side stays the same, but 4 - 2x became 5x + 4" in first.explanation
    assert "0" not in first.hint


@pytest.mark.parametrize(
    "steps",
    [
        ["Factor: x^2 - 9 = (x + 3)(x - 3)"],
        ["x^2 - 5x + 6 = 0", "(x - 2)(x - 3) = 0", "x = 2 or x = 3"],
        ["2(x - 3) = 0", "x - 3 = 0", "x = 3"],
        ["(y - 2)^2 = 0", "y - 2 = 0", "y = 2"],
        ["(2 - m)^2 = m^2 + 1", "4 - 4m + m^2 = m^2 + 1", "3 = 4m"],
        ["x^2 + 3x = x^2 + 5", "3x = 5"],
        ["2x + 4 = 10", "2x = 6", "x = 3"],
        ["(x + 1)^2 = x^2 + 2x + 1"],
        ["For x < 1: |x - 1| = -(x - 1) = 1 - x"],
    ],
)
def test_right_rewrites_and_solving_moves_are_not_flagged(steps: list[str]) -> None:
    result = verify(steps)
    assert result.first_error_index is None
