"""Percentages are exact numbers: compared on their own scale, rounded only where the student's notation says so."""

from __future__ import annotations

import pytest

from verifier_worker.backends.symbolic import SymbolicVerifier
from verifier_worker.checkers.arithmetic import check_claims
from verifier_worker.checkers.claims import claims_in
from verifier_worker.types import Problem, StepInput, VerificationRequest


def outcomes(text: str) -> list[str]:
    return [finding.outcome for finding in check_claims(claims_in(text))]


@pytest.mark.parametrize(
    "right",
    [
        "100% − 40% = 60%",
        "100% - 35% = 65% of the class",
        "(2/3) × 100 = 66.67%",
        "1/3 = 33.3%",
        "0.25 × 100 = 25%",
        "70% of 50 = 35",
        "15% + 10% = 25%",
        "\\frac{3}{8} = 37.5\\%",
        "1 - 0.4 = 0.6 = 60%",
    ],
)
def test_right_percent_arithmetic_holds(right: str) -> None:
    assert outcomes(right)
    assert set(outcomes(right)) == {"holds"}


@pytest.mark.parametrize(
    "wrong",
    ["100% − 40% = 70%", "1/3 = 33.9%", "15% + 10% = 35%", "(2/3) × 100 = 62.5%", "100% - 65% = 45% left"],
)
def test_wrong_percent_arithmetic_fails(wrong: str) -> None:
    assert "fails" in outcomes(wrong)


@pytest.mark.parametrize("rounded", ["2/3 = 67%", "1/7 ≈ 14%", "about 1/3 of them, 33%"])
def test_whole_percent_rounding_is_not_called_wrong(rounded: str) -> None:
    assert "fails" not in outcomes(rounded)


def test_a_percent_slip_is_the_first_error_not_the_step_before_it() -> None:
    # given a right step, then a percent subtraction that is off by ten points
    steps = ["The shop sells 40% of its stock on Monday.", "100% − 40% = 70% is left.", "70% of 50 = 35 shirts."]
    request = VerificationRequest(
        Problem("50 shirts, 40% sold. How many are left?", "30"),
        tuple(StepInput(i, text) for i, text in enumerate(steps)),
    )
    [result] = SymbolicVerifier().verify_batch([request])
    # then the percent step is the first error, with its arithmetic named
    assert result.first_error_index == 1
    first = result.first_error
    assert first is not None
    assert first.checker == "arithmetic"
    assert "subtraction" in first.hint
