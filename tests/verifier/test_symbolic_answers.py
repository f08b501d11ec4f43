"""Final answers written as sentences, with units, and as multiple-choice letters: read what they state."""

from __future__ import annotations

import time

import pytest

from verifier_worker.backends.symbolic import SymbolicVerifier
from verifier_worker.checkers.final_answer import check_final_answer, choices_in
from verifier_worker.types import Problem, StepInput, VerificationRequest, VerificationResult


def verify(steps: list[str], answer: str, statement: str = "A problem.") -> VerificationResult:
    request = VerificationRequest(
        problem=Problem(statement, answer), steps=tuple(StepInput(i, text) for i, text in enumerate(steps))
    )
    return SymbolicVerifier().verify_batch([request])[0]


SENTENCE_ANSWERS = [
    # (last line, the quantity it states, the problem)
    ("The answer is Mia is 12 years old.", "12", "Mia's brother is 8. Mia is 4 years older. How old is Mia?"),
    (r"The answer is \(15\) km per hour.", "15", "She rides 45 km in 3 hours. How fast does she ride?"),
    ("So he must cycle the rest at 9 km per hour.", "9", "He has 2 hours left for 18 km. How fast must he go?"),
    (
        "So the van carries 12 people, compared with a bus that carries 40 people.",
        "12",
        "A bus carries 40 people. A van carries 28 fewer. How many does the van carry?",
    ),
    ("Total area: 12 × 350 = 4,200 m².", "4200", "12 plots of 350 m² each. What is the total area?"),
    (r"The total area is \[ 24 \text{ cm}^2 \]", "24", "A 4 cm by 6 cm card. What is its area?"),
    ("The third angle is 50°.", "50", "A triangle has angles of 60° and 70°. What is the third angle?"),
    ("The volume is 27 cm³.", "27", "A cube has 3 cm sides. What is its volume?"),
    ("In 7 years, his nephew will be 17 years old.", "17", "In 7 years Shiloh will be 51. How old is the nephew then?"),
    ("I added the pencils (26 + 46 = 72) and divided by 8 to find that they need 9 boxes.", "9", "26 and 46 pencils."),
    ("Since there were less than 50 zombies four days ago, that is the answer.", "4", "How many days ago were there"
     " less than 50 zombies?"),
    ("So she needs 14 flies - 10 flies = 4 more flies.", "4", "How many more flies does she need?"),
    ("Ron picks a book 52 / 13 = 4 times a year.", "4", "How many times a year does Ron pick?"),
    ("Therefore, Josh made a profit of **$70,000**.", "70000", "How much profit did he make?"),
    ("So the probability is 3/8.", "3/8", "What is the probability?"),
]  # fmt: skip


@pytest.mark.parametrize(("last", "quantity", "statement"), SENTENCE_ANSWERS)
def test_a_correct_answer_written_as_a_sentence_is_not_flagged(last: str, quantity: str, statement: str) -> None:
    # given a correct solution whose final line states the answer in a sentence
    result = verify(["We work it out from the problem.", last], quantity, statement)
    # then the final answer is read as the quantity the sentence states, and nothing is flagged
    assert result.final_answer_verdict == "correct"
    assert result.first_error_index is None


@pytest.mark.parametrize(("last", "quantity", "statement"), SENTENCE_ANSWERS)
def test_a_wrong_answer_written_as_a_sentence_is_flagged(last: str, quantity: str, statement: str) -> None:
    # given the same sentences, and a reference answer they do not state
    finding = check_final_answer(["We work it out.", last], "1234", statement)
    # then the answer is wrong, and what was read is the sentence's quantity
    assert finding.outcome == "incorrect"
    assert finding.answer is not None
    assert finding.answer.text.replace(",", "").rstrip("%") == quantity


def test_a_sentence_stating_two_new_quantities_abstains_rather_than_guess() -> None:
    # given a last sentence with two computed quantities, the reference being the one not read as the answer
    finding = check_final_answer(["So she keeps 15 apples and gives 9 to Tom."], "15", "Ann has 24 apples.")
    # then (15 is read only if it is stated last or in the unit asked) the answer is not called wrong
    assert finding.outcome in ("correct", "unverified")
    assert finding.outcome != "incorrect"


def test_a_number_in_the_unit_the_question_asks_for_is_the_answer() -> None:
    statement = "She walked 4 miles in 1 hour. What speed (in miles per hour) does she need for the last 6 miles?"
    last = "She needs to walk at a speed of 2 miles per hour for the remaining 6 miles."
    assert check_final_answer([last], "2", statement).outcome == "correct"
    assert check_final_answer([last], "6", statement).outcome == "incorrect"


@pytest.mark.parametrize("last", ["So the total is 4 × 12 + 3", "x = 10^{10^{10}} + 1", "y = 2x + 1", "She has 12 - 5"])
def test_a_last_line_that_ends_in_a_calculation_has_no_answer(last: str) -> None:
    finding = check_final_answer(["Start.", last], "51")
    assert finding.outcome == "unverified"
    assert finding.answer is None


OPTIONS = "How many marbles are left? (A) 12 (B) 15 (C) 18 (D) 20 (E) 22"
OPTION_LINES = "How many marbles are left?\nA. 12\nB. 15\nC. 18\nD. 20"


@pytest.mark.parametrize(
    ("last", "reference", "statement"),
    [
        ("The answer is B.", "15", OPTIONS),
        ("So the answer is (B) 15", "B", OPTIONS),
        ("So 15 marbles are left.", "B", OPTIONS),
        (r"\boxed{B}", "B", OPTIONS),
        ("Choice B", "15", OPTION_LINES),
        ("Therefore the correct option is B.", "B", OPTION_LINES),
        ("The answer is (B).", "(B)", OPTION_LINES),
        ("Answer: B) 15", "B", "How many? A) 12 B) 15 C) 18 D) 20"),
    ],
)
def test_multiple_choice_letters_and_values_map_both_ways(last: str, reference: str, statement: str) -> None:
    # given an option named by its letter or its value, and a reference given either way
    result = verify(["20 - 5 = 15 marbles are left.", last], reference, statement)
    # then the answer matches, and nothing is flagged
    assert result.final_answer_verdict == "correct"
    assert result.first_error_index is None


@pytest.mark.parametrize(
    ("last", "reference"), [("The answer is C.", "B"), ("So 18 marbles are left.", "B"), ("Choice C", "15")]
)
def test_a_wrong_option_is_a_wrong_answer(last: str, reference: str) -> None:
    assert check_final_answer(["Start.", last], reference, OPTIONS).outcome == "incorrect"


def test_options_are_read_only_when_a_b_and_c_are_listed_in_order() -> None:
    assert choices_in(OPTIONS) == {"A": "12", "B": "15", "C": "18", "D": "20", "E": "22"}
    assert choices_in(OPTION_LINES) == {"A": "12", "B": "15", "C": "18", "D": "20"}
    assert choices_in("John A. Smith said (B) is not (A) right.") == {}
    # a capital letter in prose is not an option when the problem lists none
    assert check_final_answer(["A total of 15 marbles."], "15", "How many marbles?").outcome == "correct"


def test_percent_answers_compare_in_either_scale() -> None:
    assert check_final_answer(["So she saves 25%."], "0.25").outcome == "correct"
    assert check_final_answer(["So she saves 0.25 of it."], "25%").outcome == "correct"
    assert check_final_answer(["So she saves 20%."], "25").outcome == "incorrect"


def test_a_long_hostile_answer_sentence_is_read_quickly() -> None:
    started = time.perf_counter()
    check_final_answer(["The answer is " + "12 more than " * 2_000 + "5."], "5", "How many more? " * 500)
    check_final_answer(["(A) 1 " * 3_000], "A", "(A) 1 (B) 2 (C) 3 " * 1_000)
    assert time.perf_counter() - started < 2.0
