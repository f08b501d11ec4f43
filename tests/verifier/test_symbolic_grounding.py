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


SPEED = "Ann types 20 words per second. How many words does she type in 2 hours?"


def test_a_unit_conversion_factor_is_not_the_departure() -> None:
    # given "60 × 60 = 3600" seconds in an hour, which the reference never writes, then a wrong step
    reference = ("She types 20 × 60 = 1200 words a minute.", "In 2 hours she types 1200 × 60 × 2 = 144000 words.")
    steps = ["An hour has 60 × 60 = 3600 seconds.", "In 2 hours she types 20 × 3600 = 72000 words."]
    result = verify(steps, "144000", SPEED, reference)
    # then the conversion restates units; the step that forgets the second hour is where it departs
    assert result.first_error_index == 1
    assert result.steps[0].verdict == "correct"


def test_the_conversion_done_right_is_not_flagged() -> None:
    reference = ("She types 20 × 60 = 1200 words a minute.", "In 2 hours she types 1200 × 60 × 2 = 144000 words.")
    steps = ["An hour has 60 × 60 = 3600 seconds.", "In 2 hours she types 20 × 3600 × 2 = 144000 words."]
    assert verify(steps, "144000", SPEED, reference).first_error_index is None


PARTY = "Sue invites 40 guests and 40% of them cannot come. Each guest who comes gets 2 balloons. How many balloons?"


def test_the_complement_of_a_given_share_is_not_the_departure() -> None:
    # given "100% - 40% = 60%", a share the reference does not write, then the wrong count of guests
    reference = ("40% of 40 is 0.4 × 40 = 16 guests who cannot come.", "40 - 16 = 24 come.", "24 × 2 = 48 balloons.")
    steps = [
        "100% - 40% = 60% of the guests come.",
        "60% of 40 = 0.6 × 40 = 24 guests come.",
        "Each gets 3 balloons: 24 × 3 = 72 balloons.",
    ]
    result = verify(steps, "48", PARTY, reference)
    assert result.first_error_index == 2


CUBE = (
    "It takes John 5 minutes to solve the first side of a cube, twice that for each of the next two sides, and half "
    "as long as the first for the last two sides; solving the fifth side completes the cube. How long does it take?"
)
CUBE_REFERENCE = (
    "The second and third sides take 2 × 5 = 10 minutes each, 10 + 10 = 20 minutes together.",
    "The last two take 5 / 2 = 2.5 minutes each, 2.5 + 2.5 = 5 minutes together.",
    "In all, 5 + 20 + 5 = 30 minutes.",
)


def test_a_wrong_quantity_stated_in_words_just_before_the_calculation_that_adds_it_is_the_departure() -> None:
    # given a step that states a quantity in words (a sixth side, 4 minutes), then a sum that adds it in
    steps = [
        "The second and third sides take 2 × 5 = 10 minutes each, 10 + 10 = 20 minutes together.",
        "The last two take 5 / 2 = 2.5 minutes each, 2.5 + 2.5 = 5 minutes together.",
        "The sixth side takes 4 minutes.",
        "In all, 5 + 20 + 5 + 4 = 34 minutes.",
    ]
    result = verify(steps, "30", CUBE, CUBE_REFERENCE)
    # then the statement is the first error, not the (right) sum that uses it
    assert result.first_error_index == 2
    first = result.first_error
    assert first is not None
    assert first.checker == "grounding"


def test_a_step_in_words_before_a_right_sum_is_not_flagged() -> None:
    steps = [
        "The second and third sides take 2 × 5 = 10 minutes each, 10 + 10 = 20 minutes together.",
        "The last two take 5 / 2 = 2.5 minutes each, 2.5 + 2.5 = 5 minutes together.",
        "The fifth side completes the cube.",
        "In all, 5 + 20 + 5 = 30 minutes.",
    ]
    result = verify(steps, "30", CUBE, CUBE_REFERENCE)
    assert result.first_error_index is None


def test_an_equation_that_restates_a_given_percentage_is_not_the_departure() -> None:
    # given "r = 2%" for the problem's 2%: the equation's solution is 0.02, the given share, not a new quantity
    statement = "Tom owes $300 and pays 2% interest a month. How much does he owe after a month?"
    reference = ("The interest is 300 × 2/100 = 6 dollars.", "He owes 300 + 6 = 306 dollars.")
    steps = ["The rate is r = 2%.", "The interest is 300 × 2/100 = 6 dollars.", "He owes 300 - 6 = 294 dollars."]
    result = verify(steps, "306", statement, reference)
    assert result.first_error_index == 2


def test_equations_solved_after_the_solution_left_the_reference_path_point_back_at_the_setup() -> None:
    # given a setup whose solution fits nothing the reference supports, then a slip while solving it
    statement = "Ann is twice as old as Ben. In 10 years their ages will add up to 50. How old is Ben now?"
    reference = ("Now their ages add up to 50 - 20 = 30.", "Ben is 30 / 3 = 10.")
    steps = ["Let x be Ben's age, so Ann is 2x.", "Then 3x + 10 = 50.", "So 3x = 60.", "x = 20"]
    result = verify(steps, "10", statement, reference)
    # then the setup is the first error, not the slip that follows it
    assert result.first_error_index == 1
    assert result.first_error is not None
    assert result.first_error.checker == "grounding"


def test_the_setup_solved_right_is_not_flagged() -> None:
    statement = "Ann is twice as old as Ben. In 10 years their ages will add up to 50. How old is Ben now?"
    reference = ("Now their ages add up to 50 - 20 = 30.", "Ben is 30 / 3 = 10.")
    steps = ["Let x be Ben's age, so Ann is 2x.", "Then 3x + 20 = 50.", "So 3x = 30.", "x = 10"]
    assert verify(steps, "10", statement, reference).first_error_index is None


KITTENS = "The family had 21 kittens, got 12 more, then 7 more. How many kittens do they have now?"
KITTENS_REFERENCE = ("After the first litter they have 21 + 12 = 33.", "Then 33 + 7 = 40 kittens.")


def test_a_solution_that_stops_at_a_reference_value_is_flagged_where_it_writes_that_value() -> None:
    # given every value on the reference path, but the solution ends at 33 (a reference value) instead of 40
    steps = ["They had 21 kittens.", "Adding all the kittens gives 21 + 12 = 33.", "So they have 33 kittens now."]
    result = verify(steps, "40", KITTENS, KITTENS_REFERENCE)
    # then the step that first writes the wrong final value is flagged, not the sentence that repeats it
    assert result.first_error_index == 1


def test_the_solution_that_goes_on_to_the_answer_is_not_flagged() -> None:
    steps = ["They had 21 kittens.", "Adding 21 + 12 = 33.", "Then 33 + 7 = 40.", "So they have 40 kittens now."]
    assert verify(steps, "40", KITTENS, KITTENS_REFERENCE).first_error_index is None


QUIZZES = "Sally scored 50, 80, 80, 60, 40, 90, 100, 70 and 60 on her quizzes. What is her mean score?"
QUIZZES_REFERENCE = ("Her total is 50 + 80 + 80 + 60 + 40 + 90 + 100 + 70 + 60 = 630.", "Her mean is 630 / 9 = 70.")


def test_a_named_result_stated_without_its_calculation_is_checked_against_the_reference() -> None:
    # given "Total Score = 570": a total stated with no calculation, which the reference never reaches
    steps = ["Adding these together: Total Score = 570", "The mean is 570 / 9 = 63.3."]
    result = verify(steps, "70", QUIZZES, QUIZZES_REFERENCE)
    # then that statement is where the solution departs, not the division that uses it
    assert result.first_error_index == 0
    assert result.first_error is not None
    assert result.first_error.checker == "grounding"


def test_a_named_result_the_reference_reaches_is_not_flagged() -> None:
    steps = ["Adding these together: Total Score = 630", "The mean is 630 / 9 = 70."]
    assert verify(steps, "70", QUIZZES, QUIZZES_REFERENCE).first_error_index is None


APPLES = "Sam has 5 apples and buys 3 bags of 4 apples. How many apples does he have?"
APPLES_REFERENCE = ("He buys 3 × 4 = 12 apples.", "He has 5 + 12 = 17 apples.")


def test_a_wrong_answer_that_equals_a_given_number_is_not_blamed_on_the_step_restating_the_data() -> None:
    # given every value on the reference path, and a final answer (5) that is the problem's own number
    steps = ["Sam has 5 apples.", "He buys 3 × 4 = 12 apples.", "So he has 5 apples."]
    result = verify(steps, "17", APPLES, APPLES_REFERENCE)
    # then the step that concludes it is flagged, not the first step, which only restates the data
    assert result.first_error_index == 2
