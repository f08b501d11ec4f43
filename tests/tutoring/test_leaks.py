"""The no-leak filter: what a hint must never contain (verifier_worker/tutoring/leaks.py)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from verifier_worker.tutoring.leaks import LeakGuard
from verifier_worker.tutoring.numbers import mentioned_values, written_values

BUS = (
    "A class of 27 students and 3 teachers goes on a trip. A bus ticket costs \\$4 for a student and \\$6 for a "
    "teacher. How many dollars do the tickets cost in total?"
)
BUS_REFERENCE = ("27 × 4 = 108", "3 × 6 = 18", "108 + 18 = 126")
WRONG = ("27 × 4 = 108", "3 × 6 = 24", "108 + 24 = 132")


def guard(student=WRONG, corrected=("18",), reveal=False, answer="126", reference=BUS_REFERENCE):
    return LeakGuard.build(
        statement=BUS,
        reference_answer=answer,
        reference_steps=reference,
        student_steps=student,
        corrected_values=corrected,
        reveal_corrections=reveal,
    )


def test_written_values_are_literal_and_mentioned_values_liberal():
    # Given a text with a fraction, a percent, grouped digits and number words
    text = "three fifths of 1,200 is 60% of \\frac{6}{5} and eighteen, see step 2"
    # Then the literal reading keeps exactly what is written, the liberal one adds what a reader could take
    assert written_values(text) == {Fraction(1200), Fraction(60), Fraction(6, 5)}
    assert {Fraction(3, 5), Fraction(18), Fraction(3, 5) * 1, Fraction(6), Fraction(5)} <= mentioned_values(text)
    # and "step 2" is a step reference, not a quantity
    assert Fraction(2) not in mentioned_values(text, steps=3)


@pytest.mark.parametrize(
    "hint",
    [
        "The total is 126.",
        "You should get one hundred and twenty-six dollars.",
        "It comes to 126.00 in all.",
        "That makes $126.",
        "Try 12,600 cents.",  # 126 × 100: a percent-style rescaling is refused too
    ],
)
def test_the_reference_answer_in_any_spelling_is_refused(hint):
    assert not guard().check(hint).ok


@pytest.mark.parametrize("hint", ["Step 2 should give 18.", "It is eighteen.", "Use 36/2 there.", "18 dollars"])
def test_the_corrected_value_is_refused_unless_corrections_are_revealed(hint):
    # Given the wrong step 3 × 6 = 24, whose corrected value is 18 (also a number only the reference has)
    assert not guard().check(hint).ok
    # When the teacher reveals corrections, 18 is still a number only the reference solution has
    assert not guard(reveal=True).check(hint).ok


def test_a_corrected_value_the_student_wrote_is_allowed_only_when_corrections_are_revealed():
    # Given a student who wrote 18 elsewhere (so it is not a reference-only number), but 18 is the correction
    student = ("27 × 4 = 108", "18 = 3 × 6 is what I think", "3 × 6 = 24")
    assert not guard(student=student).check("Step 3 should be 18.").ok
    assert guard(student=student, reveal=True).check("Step 3 should be 18.").ok


def test_numbers_from_the_problem_and_the_students_own_work_are_allowed():
    check = guard().check("Step 2 multiplies 3 teachers by $6 for a teacher; step 1 found 108.")
    assert check.ok, check.reasons


def test_a_number_only_the_reference_solution_has_is_refused():
    # Given a student who stopped after step 1 (so 18 appears only in the reference)
    check = guard(student=("27 × 4 = 108",), corrected=()).check("Next you need 18.")
    assert not check.ok
    assert any("only the reference solution" in reason for reason in check.reasons)


def test_step_references_are_not_quantities_but_impossible_steps_are():
    assert guard().check("Look again at step 3.").ok
    # a three-step solution has no step 18: that 18 is a number in disguise
    assert not guard().check("Look again at step 18.").ok


def test_an_expression_answer_and_written_out_reference_steps_are_refused():
    g = LeakGuard.build(
        statement="Factor $x^2 + 5x + 6$.",
        reference_answer="(x + 2)(x + 3)",
        reference_steps=("x^2 + 5x + 6 = (x + 2)(x + 3)",),
        student_steps=("x^2 + 5x + 6 = (x + 1)(x + 6)",),
    )
    assert not g.check("It factors as (x+2)(x+3).").ok
    assert g.check("Check which two numbers multiply to 6 and add to 5.").ok


def test_hostile_inputs_are_bounded_and_still_refuse_what_they_hide():
    # Given a reference with a huge number and a hint made of 20,000 digits and nested fractions
    g = LeakGuard.build(
        statement="x" * 50_000,
        reference_answer="9" * 40,
        reference_steps=("\\frac{\\frac{1}{2}}{3} = 1/6",) * 500,
        student_steps=("1 " * 20_000,),
    )
    # Then checking is bounded (numbers longer than the bound are skipped, texts cut at MAX_CHARS) ...
    assert g.check("7" * 20_000).ok
    # ... and a plain hint with a reference-only number is still refused, as is the over-long answer written out
    assert not g.check("Try 6 there.").ok
    assert not g.check("It is " + "9" * 40 + ".").ok
