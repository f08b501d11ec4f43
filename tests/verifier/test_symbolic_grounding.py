"""Reference grounding: with a wrong final answer and no slip, the first step that leaves every path the reference
supports. A partial result of a reference calculation, and an equation that restates a given, are on the path."""

from __future__ import annotations

from verifier_worker.backends.symbolic import SymbolicVerifier
from verifier_worker.types import Problem, StepInput, VerificationRequest, VerificationResult

DOGS = (
    "Ella's dog weighs 15 pounds, Sam's weighs 30 pounds and Kim's weighs 60 pounds. How much do they weigh together?"
)


def verify(steps: list[str], answer: str, statement: str, reference: tuple[str, ...]) -> VerificationResult:
    request = VerificationRequest(
        problem=Problem(statement, answer, reference),
        steps=tuple(StepInput(i, text) for i, text in enumerate(steps)),
    )
    return SymbolicVerifier().verify_batch([request])[0]


def test_a_partial_sum_of_a_reference_sum_is_on_the_path() -> None:
    # given the reference adds 15 + 30 + 60 at once; the student adds 15 + 30 first (right), then a wrong quantity
    reference = ("Together they weigh 15 + 30 + 60 = 105 pounds.",)
    steps = ["Ella's and Sam's dogs weigh 15 + 30 = 45 pounds.", "With Kim's two dogs, 45 + 120 = 165 pounds."]
    result = verify(steps, "105", DOGS, reference)
    # then the partial sum is not the departure; the step that brings in the wrong quantity is
    assert result.first_error_index == 1
    assert result.steps[0].verdict == "correct"


def test_the_partial_sum_done_right_all_the_way_is_not_flagged() -> None:
    reference = ("Together they weigh 15 + 30 + 60 = 105 pounds.",)
    steps = ["Ella's and Sam's dogs weigh 15 + 30 = 45 pounds.", "With Kim's dog, 45 + 60 = 105 pounds."]
    result = verify(steps, "105", DOGS, reference)
    assert result.first_error_index is None
    assert result.final_answer_verdict == "correct"


def test_a_sum_with_a_term_the_reference_does_not_add_is_still_a_departure() -> None:
    reference = ("Together they weigh 15 + 30 + 60 = 105 pounds.",)
    steps = ["Ella's dog and two of Sam's weigh 15 + 30 + 30 = 75 pounds.", "With Kim's dog, 75 + 60 = 135 pounds."]
    result = verify(steps, "105", DOGS, reference)
    assert result.first_error_index == 0


AGES = "Duncan is 60 now. Eight years ago he was twice as old as Adam was then. How old is Adam now?"


def test_an_equation_that_restates_a_given_value_is_not_the_departure() -> None:
    # given "D - 8 = 60 - 8": its solution, D = 60, is the problem's own number, so it computes nothing new
    reference = ("Eight years ago Duncan was 60 - 8 = 52.", "Adam was 52 / 2 = 26 then.", "Adam is 26 + 8 = 34 now.")
    steps = ["Eight years ago: D - 8 = 60 - 8 = 52.", "Adam was 52 / 2 = 26 then.", "Adam is 26 + 4 = 30 now."]
    result = verify(steps, "34", AGES, reference)
    # then the step that adds the wrong number of years is where the solution leaves the reference
    assert result.first_error_index == 2
