"""A confident flag ("First error") must be the earliest wrong step, not just a wrong step.

What else the checker knows about a false calculation decides how sure it is the first error: its correction carried
through the later steps gives the expected answer (nothing else was wrong); with the answer only, it does not
(something else is wrong too, maybe earlier); its written result is a value the reference solution computes; the
equations are the student's own model of a word problem.
"""

from __future__ import annotations

from verifier_worker.backends.symbolic import SymbolicVerifier
from verifier_worker.checkers import repair
from verifier_worker.checkers.arithmetic import check_claims
from verifier_worker.checkers.claims import claims_in
from verifier_worker.types import CONFIDENT, Problem, StepInput, VerificationRequest, VerificationResult

SHOP = "Tom buys 3 shirts at $12 each and 3 hats at $8 each. How much does he spend?"
SHOP_REFERENCE = ("The shirts cost 3 × 12 = $36.", "The hats cost 3 × 8 = $24.", "He spends 36 + 24 = $60.")


def verify(steps: list[str], answer: str, statement: str, reference: tuple[str, ...] = ()) -> VerificationResult:
    request = VerificationRequest(
        problem=Problem(statement, answer, reference),
        steps=tuple(StepInput(i, text) for i, text in enumerate(steps)),
    )
    return SymbolicVerifier().verify_batch([request])[0]


def test_a_correction_is_carried_through_the_later_calculations() -> None:
    # given a slip (3 × 20 written as 50), then a step that uses its result
    findings = [check_claims(claims_in(text)) for text in ("3 × 20 = 50", "50 + 5 = 55", "7 + 1 = 8")]
    slip = findings[0][0]
    # when the correct result is put in its place
    carried = repair.corrected_values(findings, 0, slip)
    # then the later result that used it changes with it, and one that did not stays out
    assert carried == {50: 60, 55: 65}
    assert repair.corrected_answer(findings, 0, slip, answer=repair.Fraction(55)) == (65,)
    assert repair.corrected_answer(findings, 0, slip, answer=repair.Fraction(8)) == ()


def test_a_slip_whose_correction_gives_the_expected_answer_is_the_first_error_even_off_the_reference_path() -> None:
    # given a valid route the reference does not take (one shirt and one hat: $20), then a slip
    steps = ["One shirt and one hat cost 12 + 8 = $20.", "Three of each cost 3 × 20 = $50.", "He spends $50."]
    result = verify(steps, "60", SHOP, SHOP_REFERENCE)
    # then the slip is the confident first error, not a guess after a departure
    assert result.first_error_index == 1
    first = result.first_error
    assert first is not None
    assert first.checker == "arithmetic"
    assert first.confidence >= CONFIDENT
    assert first.finding is not None
    assert first.finding.rule.startswith("arithmetic.repairs")


def test_the_same_route_done_right_is_not_flagged() -> None:
    steps = ["One shirt and one hat cost 12 + 8 = $20.", "Three of each cost 3 × 20 = $60.", "He spends $60."]
    result = verify(steps, "60", SHOP, SHOP_REFERENCE)
    assert result.first_error_index is None
    assert result.final_answer_verdict == "correct"


def test_with_the_answer_only_a_slip_that_does_not_explain_the_wrong_answer_is_not_a_confident_first_error() -> None:
    # given a wrong turn with right arithmetic (a shirt times a hat), then a slip; only the answer is known
    steps = ["One shirt times one hat is 12 × 8 = $96.", "With the shirts, 96 + 36 = $122.", "He spends $122."]
    result = verify(steps, "60", SHOP)
    # then the slip is still the first error found, but as "Check this step": correcting it does not give $60,
    # so something else is wrong too, maybe before it
    assert result.first_error_index == 1
    first = result.first_error
    assert first is not None
    assert first.confidence < CONFIDENT
    assert first.finding is not None
    assert first.finding.rule.startswith("arithmetic.unexplained")


def test_with_the_answer_only_a_slip_that_explains_the_wrong_answer_is_a_confident_first_error() -> None:
    steps = ["The shirts cost 3 × 12 = $36.", "The hats cost 3 × 8 = $24.", "He spends 36 + 24 = $50."]
    result = verify(steps, "60", SHOP)
    assert result.first_error_index == 2
    first = result.first_error
    assert first is not None
    assert first.confidence >= CONFIDENT


HOTEL = "A hotel has 5 floors with 8 rooms on each floor. Each room has 2 beds. How many beds are there?"
HOTEL_REFERENCE = ("There are 5 × 8 = 40 rooms.", "There are 40 × 2 = 80 beds.")


def test_a_slip_that_writes_a_value_the_reference_computes_is_not_a_confident_first_error() -> None:
    # given "8 × 2 = 40": 40 is the number of rooms, a quantity the reference computes, written as this product
    steps = ["Each floor has 8 × 2 = 40 beds.", "So the hotel has 5 × 40 = 200 beds.", "The answer is 200."]
    result = verify(steps, "80", HOTEL, HOTEL_REFERENCE)
    # then the false product is flagged, but softly: the value may be meant for another quantity
    assert result.first_error_index == 0
    first = result.first_error
    assert first is not None
    assert first.checker == "arithmetic"
    assert first.confidence < CONFIDENT
    assert first.finding is not None
    assert first.finding.rule.startswith("arithmetic.reference_value")


def test_a_slip_to_a_value_the_reference_never_computes_stays_confident() -> None:
    steps = ["Each floor has 8 × 2 = 18 beds.", "So the hotel has 5 × 18 = 90 beds.", "The answer is 90."]
    result = verify(steps, "80", HOTEL, HOTEL_REFERENCE)
    assert result.first_error_index == 0
    first = result.first_error
    assert first is not None
    assert first.confidence >= CONFIDENT


AGES = "Ann is twice as old as Ben. In 10 years their ages will add up to 50. How old is Ben now?"


def test_an_algebra_slip_in_a_word_problem_the_student_modelled_is_not_a_confident_first_error() -> None:
    # given the student's own equation for a word problem, then a slip solving it
    steps = ["Let x be Ben's age now, so Ann is 2x.", "Then 3x + 20 = 50.", "So 3x = 20.", "x = 20/3"]
    result = verify(steps, "10", AGES)
    # then the slip is flagged, as "Check this step": a person often locates the first error in the modelling
    assert result.first_error_index == 2
    first = result.first_error
    assert first is not None
    assert first.checker == "algebra"
    assert first.confidence < CONFIDENT
    assert first.finding is not None
    assert first.finding.rule.startswith("algebra.modelled")


def test_the_modelled_equation_solved_right_is_not_flagged() -> None:
    steps = ["Let x be Ben's age now, so Ann is 2x.", "Then 3x + 20 = 50.", "So 3x = 30.", "x = 10"]
    result = verify(steps, "10", AGES)
    assert result.first_error_index is None
    assert result.final_answer_verdict == "correct"


def test_an_equation_after_gives_is_one_equation_not_a_chain_of_rewrites() -> None:
    # given "multiplying by 2 gives x + 6 = 2x - 4": an equation, which follows from the one before it
    steps = ["x/2 + 3 = x - 2", "Multiplying by 2 gives x + 6 = 2x - 4.", "So x = 10."]
    right = verify(steps, "10", "Solve x/2 + 3 = x - 2.")
    assert right.first_error_index is None
    # and the same line with a slip is flagged as an equation that does not follow
    wrong = verify(["x/2 + 3 = x - 2", "Multiplying by 2 gives x + 6 = 2x - 2.", "So x = 8."], "10", "Solve it.")
    assert wrong.first_error_index == 1
    assert wrong.first_error is not None
    assert "does not follow from" in wrong.first_error.explanation


def test_a_quantity_written_as_an_expression_and_rewritten_is_checked_as_a_rewrite() -> None:
    right = verify(["The total is 2(x + 3) + x = 3x + 6."], "3x + 6", "Simplify 2(x + 3) + x.")
    assert right.first_error_index is None
    wrong = verify(["The total is 2(x + 3) + x = 3x + 3."], "3x + 6", "Simplify 2(x + 3) + x.")
    assert wrong.first_error_index == 0
    assert wrong.first_error is not None
    assert "is not the same as" in wrong.first_error.explanation
