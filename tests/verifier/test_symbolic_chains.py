"""Chained equalities: a run-on calculation carries on, a bracketed right side rewrites the left and must equal it."""

from __future__ import annotations

import pytest

from verifier_worker.checkers.arithmetic import check_claims
from verifier_worker.checkers.claims import claims_in


def outcomes(text: str) -> list[str]:
    return [finding.outcome for finding in check_claims(claims_in(text))]


@pytest.mark.parametrize(
    "right",
    [
        "5 × 2 = 10 + 3 = 13",
        "12 + 8 = 20 × 3 = 60 cookies",
        "(2 + 3) × (1 + 1) = (5) × (2) = 10",
        "4 + 7 + 5 = 11 + 5 = 16",
        "(4 + 7 - 2) = (11 - 2) = 9",
        "3 × 4 = 12, and 12 + 6 = 18",
    ],
)
def test_right_chains_hold(right: str) -> None:
    assert set(outcomes(right)) == {"holds"}


@pytest.mark.parametrize(
    "wrong",
    [
        "(4 + 7) = (11 + 5) = 16",
        "(4 + 7 - 2) = (11 + 5) = 16",
        "3 + 4 × 2 = 7 × 2 = 14",
        "2 × (3 + 4) = 2 × 8 = 16",
    ],
)
def test_a_chain_that_rewrites_the_left_side_wrongly_fails(wrong: str) -> None:
    assert outcomes(wrong)[0] == "fails"


def test_a_result_followed_by_an_operation_with_no_result_is_not_judged() -> None:
    # "5 × 2 = 10 + 3": the student may have begun the next calculation, or added wrongly; neither is claimed
    assert outcomes("He earns 5 × 2 = 10 + 3 in tips") == ["unclear"]
