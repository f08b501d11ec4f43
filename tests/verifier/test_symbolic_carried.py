"""Carried and substituted values: an operand that contradicts where it came from is the first error there."""

from __future__ import annotations

from verifier_worker.backends.symbolic import SymbolicVerifier
from verifier_worker.types import CONFIDENT, Problem, StepInput, VerificationRequest, VerificationResult


def verify(steps: list[str], answer: str, statement: str = "A problem.") -> VerificationResult:
    request = VerificationRequest(
        problem=Problem(statement, answer), steps=tuple(StepInput(i, text) for i, text in enumerate(steps))
    )
    return SymbolicVerifier().verify_batch([request])[0]


TICKETS = "Sam has $50. He buys 5 tickets at $5 each. How much money does he have left?"


def test_a_miscopied_result_is_the_first_error() -> None:
    # given: the tickets cost $25, then the next step subtracts $15, a number from nowhere
    result = verify(["The tickets cost 5 × 5 = $25.", "He has $50 − $15 = $35 left."], "25", TICKETS)
    # then the step that uses it is the first error, naming both values, and the hint names neither
    assert result.first_error_index == 1
    first = result.first_error
    assert first is not None
    assert first.checker == "carried"
    assert first.explanation == "This step uses 15, but step 1 found 25."
    assert "25" not in first.hint
    assert "15" not in first.hint


def test_a_value_substituted_with_the_wrong_sign_is_the_first_error() -> None:
    result = verify(["C = -7", "Then 2C + 5 = 2(7) + 5 = 19."], "-9", "Find C, then evaluate 2C + 5.")
    assert result.first_error_index == 1
    first = result.first_error
    # not yet measured on any evaluation set, so shown as "Check this step", not as a confident first error
    assert first is not None
    assert first.checker == "carried"
    assert first.confidence < CONFIDENT
    assert first.explanation == "C is -7 (step 1), but this step uses 7 for C."


def test_a_value_given_by_the_problem_must_be_substituted_as_given() -> None:
    result = verify(["3x - 4 = 3(5) - 4 = 11"], "2", "Evaluate 3x - 4 when x = 2.")
    assert result.first_error_index == 0
    first = result.first_error
    assert first is not None
    assert "x is 2 (the problem)" in first.explanation


def test_right_carried_and_substituted_values_are_not_flagged() -> None:
    # results used later, values from the problem, constants, numbers computed earlier in the same step
    steps = [
        "The tickets cost 5 × 5 = $25.",
        "He has $50 − $25 = $25 left, which is 25 × 100 = 2500 cents.",
        "C = -7, so 2C + 5 = 2(-7) + 5 = -9.",
        "Half of it is 25 / 2 = 12.5, and 12.5 × 2 = 25 again.",
        "The answer is 25.",
    ]
    result = verify(steps, "25", TICKETS)
    assert result.first_error_index is None
    assert all(v.verdict != "incorrect" for v in result.steps)


def test_a_new_number_is_not_called_miscopied_when_the_answer_is_right() -> None:
    steps = ["The tickets cost 5 × 5 = $25.", "He gets $15 back, so $50 − $25 + $15 = $40.", "He has $40."]
    result = verify(steps, "40", TICKETS)
    assert result.first_error_index is None


def test_a_letter_with_two_values_is_not_checked_as_a_substitution() -> None:
    steps = ["If x = 2, then x + 1 = 3.", "If x = 4, then x + 1 = 4 + 1 = 5."]
    result = verify(steps, "5")
    assert result.first_error_index is None


def test_lengths_multiplied_give_an_area_not_a_length() -> None:
    statement = "A room is 5 m long and 4 m wide. What does carpet for it cost at $3 per square metre?"
    wrong = verify(
        ["Its area is 5 m × 4 m = 20 m.", "The carpet costs 20 × 3 = $60.", "So it costs $66."], "60", statement
    )
    assert wrong.steps[0].verdict == "incorrect"
    assert wrong.steps[0].checker == "units"
    assert "an area in m²" in wrong.steps[0].explanation
    right = verify(["Its area is 5 m × 4 m = 20 m².", "The carpet costs 20 × 3 = $60."], "60", statement)
    assert right.first_error_index is None
    loose = verify(["Its area is 5 m × 4 m = 20 m.", "The carpet costs 20 × 3 = $60."], "60", statement)
    assert loose.first_error_index is None  # loose units in a right solution are not an error
    assert verify(["60 km/h × 2 h = 120 km", "2 ft × 3 ft = 6 sq ft"], "1").steps[0].checker != "units"
