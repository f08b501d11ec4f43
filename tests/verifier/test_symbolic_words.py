"""Claims written in words are the same claims as "a op b = c": checked when right, flagged when wrong."""

from __future__ import annotations

import time

import pytest

from verifier_worker.backends.symbolic import SymbolicVerifier
from verifier_worker.checkers.claims import claims_in
from verifier_worker.types import Problem, StepInput, VerificationRequest, VerificationResult


def verify(steps: list[str], answer: str = "") -> VerificationResult:
    request = VerificationRequest(
        problem=Problem("A problem.", answer), steps=tuple(StepInput(i, text) for i, text in enumerate(steps))
    )
    return SymbolicVerifier().verify_batch([request])[0]


# (a right claim in words, the same claim made wrong)
WORD_CLAIMS = [
    ("She eats 15% of 80, which is $12.", "She eats 15% of 80, which is $14."),
    ("Half of 36 is 18.", "Half of 36 is 16."),
    ("Twelve times four is 48.", "Twelve times four is 46."),
    ("48 minus 15 is 33.", "48 minus 15 is 35."),
    ("3 teachers x 6 = 18 tickets.", "3 teachers x 6 = 21 tickets."),
    ("So a child eats 20 lbs, half as much as an adult's 40.", "So a child eats 25 lbs, half as much as an adult's 40."),
    ("Jenna has 66 chairs, three times as many as Ophelia's 22.", "Jenna has 60 chairs, three times as many as Ophelia's 22."),
    ("Twenty-five plus seventeen equals 42.", "Twenty-five plus seventeen equals 43."),
    ("A third of 18 is 6 flamingos.", "A third of 18 is 9 flamingos."),
    ("36 divided by 4 is 9.", "36 divided by 4 is 8."),
    ("48 apples minus 15 apples leaves 33 apples.", "48 apples minus 15 apples leaves 31 apples."),
    ("The sum of 3, 4 and 5 is 12.", "The sum of 3, 4 and 5 is 13."),
    ("10 subtracted from 25 is 15.", "10 subtracted from 25 is 5."),
    ("5 squared is 25.", "5 squared is 10."),
    ("Twice 15 is 30.", "Twice 15 is 25."),
    ("Two hundred and fifty divided by 5 is 50.", "Two hundred and fifty divided by 5 is 55."),
    ("Daily earnings = $105 / 5. Daily earnings = $21.", "Daily earnings = $105 / 5. Daily earnings = $25."),
    (r"\[ \text{Total time} = 20 + 23 \] \[ \text{Total time} = 43 \]", r"\[ \text{Total time} = 20 + 23 \] \[ \text{Total time} = 45 \]"),
]  # fmt: skip


@pytest.mark.parametrize(("right", "wrong"), WORD_CLAIMS)
def test_a_right_claim_in_words_is_checked_and_not_flagged(right: str, wrong: str) -> None:
    result = verify(["We read the problem.", right])
    assert result.first_error_index is None
    assert result.steps[1].verdict == "correct"
    assert result.steps[1].checker == "arithmetic"


@pytest.mark.parametrize(("right", "wrong"), WORD_CLAIMS)
def test_a_wrong_claim_in_words_is_the_first_error(right: str, wrong: str) -> None:
    result = verify(["We read the problem.", wrong])
    assert result.first_error_index == 1
    first = result.first_error
    assert first is not None
    assert first.checker == "arithmetic"


@pytest.mark.parametrize(
    "prose",
    [
        "He has three times as many marbles as Tom.",
        "One of them is 5 years old.",
        "Half the class is 12 years old.",
        "She multiplied 6 by 2/3, which equals 4 students per row.",
        "He divided the 5 gift cards by the fraction (1/3), which equals 15 cards.",
        "Since 4/7 is equal to $24, one seventh is $6.",
        "Substituting P = 2R into the second equation, we get R + 10 = 2R + 15.",
        "The 2 teams played 3 times and scored 7 points.",
        "4 divided by 4/9 equals 9",
        "Therefore, the remainder of 2004 divided by 12 is 0.",
        "When 2004 is divided by 12, the remainder is 0.",
        "2 hours times 30 is 60 minutes.",
        "Cost per day = 3 + 4. Cost per week = 49.",
        "Total = 3 + 4. Then he buys more: the total = 9 + 2 = 11.",
        "Total = x + 4. Total = 9.",
    ],
)
def test_prose_with_numbers_makes_no_false_claim(prose: str) -> None:
    # given correct prose that mentions numbers and operation words / then nothing is flagged
    result = verify(["Start.", prose])
    assert result.first_error_index is None


def test_number_words_inside_other_words_are_left_alone() -> None:
    assert claims_in("Someone wrote tentatively that often = 3") == ()
    assert [(c.left.text, c.right.text) for c in claims_in("fifteen plus ten is 25")] == [("15 + 10", "25")]


def test_verbal_rewriting_is_bounded_on_long_input() -> None:
    started = time.perf_counter()
    result = verify(["twelve times " * 1_500 + "four is 48", ", which is 5" * 1_500, "half as much as " * 1_000 + "40"])
    assert time.perf_counter() - started < 2.0
    assert result.first_error_index is None


def test_a_named_quantity_given_a_calculation_then_a_value_is_one_claim() -> None:
    # given "Label = calculation. Label = value" (a named quantity written twice) / then it reads as one claim
    claims = claims_in("Daily earnings = Total earnings / 5. Daily earnings = $105 / 5. Daily earnings = $21.")
    assert [(c.left.text, c.right.text) for c in claims] == [("105 / 5", "21")]
    # and two different names are two quantities, not a claim
    assert claims_in("Cost per day = 3 + 4. Cost per week = 49.") == ()
