"""The symbolic backend end to end: each checker, each notation, and correct work that must not be flagged."""

from __future__ import annotations

import threading
import time

import pytest

from verifier_worker.backends.symbolic import SymbolicVerifier
from verifier_worker.registry import get_verifier
from verifier_worker.types import CONFIDENT, Problem, StepInput, VerificationRequest, VerificationResult


def verify(
    steps: list[str],
    answer: str = "",
    reference: tuple[str, ...] = (),
    statement: str = "A problem.",
    reveal: bool = True,
) -> VerificationResult:
    request = VerificationRequest(
        problem=Problem(statement, answer, reference),
        steps=tuple(StepInput(i, text) for i, text in enumerate(steps)),
        reveal_corrections=reveal,
    )
    return SymbolicVerifier().verify_batch([request])[0]


def test_registry_builds_the_backend_and_ignores_unknown_options() -> None:
    verifier = get_verifier("symbolic", {"unknown_option": 3})
    assert verifier.name == "symbolic"


@pytest.mark.parametrize(
    "wrong_step",
    [
        "So 12 × 7 is 82.",
        "12 * 7 = 82",
        r"\(12 \times 7 = 82\)",
        r"$12 \cdot 7 = 82$",
        "12 x 7 = 82 apples",
        "The cost is $12 × $7 = $82.",
    ],
)
def test_arithmetic_slip_is_the_confident_first_error(wrong_step: str) -> None:
    # given a solution whose second step multiplies wrongly
    result = verify(["There are 12 boxes of 7 pens.", wrong_step, "So there are 82 pens."], answer="84")
    # then that step is the first error, confidently, with a plain explanation and a number-free hint
    assert result.first_error_index == 1
    first = result.first_error
    assert first is not None
    assert first.checker == "arithmetic"
    assert first.confidence >= CONFIDENT
    assert first.explanation == "12 × 7 is 84, not 82."
    assert "84" not in first.hint
    assert "multiplication" in first.hint
    assert result.final_answer_verdict == "incorrect"


@pytest.mark.parametrize(
    ("step", "operation"),
    [
        ("1,200 + 350 = 1,500", "addition"),
        ("20% of 50 = 15", "percentage"),
        (r"\frac{3}{4} \times 8 = 5", "multiplication"),
        ("-3 + 5 = -2", "addition"),
        ("2 1/2 + 1/2 = 4", "addition"),
        ("18 ÷ 3 = 5", "division"),
        ("2^5 = 30", "power"),
        ("(2 + 3) * 4 = 14", "multiplication"),
        ("60 km/h * 2 h = 100 km", "multiplication"),
        ("1/3 of 18 = 5", "multiplication"),
        ("12x7=82", "multiplication"),
        ("7 − 10 = 3", "subtraction"),
        ("5² = 20", "power"),
        ("5 m × 3 m = 16 m²", "multiplication"),
    ],
)
def test_each_notation_slip_is_caught(step: str, operation: str) -> None:
    result = verify(["Start.", step])
    assert result.first_error_index == 1
    first = result.first_error
    assert first is not None
    assert first.checker == "arithmetic"
    assert operation in first.hint


@pytest.mark.parametrize(
    "correct_step",
    [
        "100 / 3 ≈ 33.33",
        "100 / 3 = 33.3",
        "10 / 3 is about 3",
        "The area is 5 m × 3 m = 15 m².",
        "He pays \\$1,200 + \\$300 = \\$1,500 dollars.",
        "So 2 hours + 30 minutes = 2.5 hours.",
        "1 hour = 60 minutes, so 3 hours = 180 minutes.",
        "(2/3) * 100 = 66.67%",
        "0.25 * 100 = 25%",
        "5 * 2 = 10 + 3 = 13",
        "She has 18 flamingos and takes back one third of them.",
        "1st - 5 = 6th place.",
        "1/3 of 18 = 6 flamingos are taken back.",
        "100 ÷ 7 ≈ 14.29",
        "He left at 7:50 + 30 minutes = 8:20 a.m.",
        "15 brown socks cost 15 * 20 cents = $3.",
        "Alyana's age = Chenny's age - 4 = 10 - 4 = 6",
    ],
)
def test_correct_work_is_not_flagged(correct_step: str) -> None:
    # given a correct step (rounding, units, restated quantities, text only) / then no step is incorrect
    result = verify(["Let us start.", correct_step])
    assert result.first_error_index is None
    assert all(v.verdict != "incorrect" for v in result.steps)


def test_text_only_step_is_unverified_not_correct() -> None:
    result = verify(["First we read the problem carefully."])
    assert result.steps[0].verdict == "unverified"
    assert result.undecided_reason.startswith("Nothing in this solution could be checked")


def test_checked_steps_are_correct_with_evidence() -> None:
    result = verify(["3 + 4 = 7", "7 * 2 = 14", "The answer is 14."], answer="14")
    assert [v.verdict for v in result.steps] == ["correct", "correct", "correct"]
    assert result.final_answer_verdict == "correct"
    assert result.first_error_index is None
    assert result.run.backend == "symbolic"
    assert result.run.prompt_version == "symbolic-v1"
    assert result.run.model.startswith("sympy-")
    assert "math-verify" in result.run.model
    assert "3 + 4 = 7: holds" in result.run.raw_output


def test_algebra_slip_is_caught_line_to_line() -> None:
    result = verify(["3x + 5 = 20", "3x = 25", "x = 25/3"], answer="5")
    assert result.first_error_index == 1
    first = result.first_error
    assert first is not None
    assert first.checker == "algebra"
    assert first.confidence >= CONFIDENT
    assert first.explanation == "From 3x + 5 = 20 it follows that 3x = 15; this step has 3x = 25."
    assert "5" not in first.hint


def test_slip_without_a_reference_answer_is_flagged_softly() -> None:
    # given no reference answer to corroborate / then the slip is still the first error, but not a confident one
    result = verify(["12 * 7 = 82", "The answer is 82."])
    first = result.first_error
    assert result.first_error_index == 0
    assert first is not None
    assert first.checker == "arithmetic"
    assert first.confidence < CONFIDENT


def test_valid_algebra_is_not_flagged() -> None:
    result = verify(["3x + 5 = 20", "3x = 15", "Divide both sides by 3: x = 5"], answer="5")
    assert result.first_error_index is None
    assert result.steps[1].verdict == "correct"
    assert result.steps[1].checker == "algebra"


def test_first_line_is_checked_against_the_problems_equation() -> None:
    statement = "Solve $5(x - 2) = 2x + 8$."
    right = verify(
        ["$5(x - 2) = 2x + 8$", "$5x - 10 = 2x + 8$", "$3x = 18$", "$x = 6$"], answer="6", statement=statement
    )
    assert [v.verdict for v in right.steps] == ["correct"] * 4
    wrong = verify(["5x - 2 = 2x + 8", "3x = 10", "x = 10/3"], answer="6", statement=statement)
    assert wrong.first_error_index == 0
    assert wrong.final_answer_verdict == "incorrect"
    first = wrong.first_error
    assert first is not None
    assert first.checker == "algebra"
    assert first.confidence >= CONFIDENT
    assert "does not follow from 5(x - 2) = 2x + 8" in first.explanation


def test_expanding_brackets_wrongly_is_caught() -> None:
    result = verify(["2(x + 4) = 18", "2x + 4 = 18", "x = 7"])
    assert result.first_error_index == 1


@pytest.mark.parametrize(
    ("last_step", "answer"),
    [
        (r"The answer is \boxed{17}.", "18"),
        ("#### 17", "18"),
        ("The answer is 17.", "18"),
        ("So she has 17 apples.", "18"),
    ],
)
def test_wrong_final_answer_is_found_in_each_form(last_step: str, answer: str) -> None:
    result = verify(["She starts with some apples.", last_step], answer=answer)
    assert result.final_answer_verdict == "incorrect"
    assert result.first_error_index == 1
    first = result.first_error
    assert first is not None
    assert first.confidence < CONFIDENT
    assert "Your final answer 17 does not match the expected answer" in first.explanation
    assert "18" not in first.hint


def test_final_answer_uses_math_verify_for_latex() -> None:
    result = verify([r"So the answer is $\boxed{\frac{1}{2}}$."], answer="0.5")
    assert result.final_answer_verdict == "correct"


def test_grounding_locates_the_step_that_leaves_the_reference_path() -> None:
    # given: a correct calculation of the wrong quantity, then steps that carry it forward consistently
    statement = "Ignatius owns 5 bicycles. His friend's cycles have three times as many tires. How many tires?"
    reference = ("Ignatius has 2 x 5 = 10 tires.", "His friend has 3 x 10 = 30 tires.")
    steps = ["His friend has 3 x 5 = 15 tires.", "Adding 2 spare tires gives 15 + 2 = 17 tires.", "The answer is 17."]
    result = verify(steps, answer="30", reference=reference, statement=statement)
    # then the first departure is flagged, softly, and later steps are not new errors
    assert result.first_error_index == 0
    first = result.first_error
    assert first is not None
    assert first.checker == "grounding"
    assert first.confidence < CONFIDENT
    assert first.explanation == "This step computes 3 × 5 = 15 tires, but the problem needs a different quantity here."
    assert [v.verdict for v in result.steps].count("incorrect") == 1


@pytest.mark.parametrize(
    "hostile",
    [
        "10^{10^{10^{10}}} = 7",
        "9!!!!!! = 1",
        "1 + " * 60_000 + "1 = 2",
        "{" * 300 + "1" + "}" * 300,
        "the answer is " * 20_000,
        "\\boxed{" * 5_000,
    ],
)
def test_hostile_step_is_unverified_with_a_reason_quickly(hostile: str) -> None:
    started = time.perf_counter()
    result = verify(["2 + 2 = 4", hostile])
    assert time.perf_counter() - started < 2.0
    assert result.steps[1].verdict == "unverified"
    assert "not checked" in result.steps[1].explanation


def test_runs_in_a_non_main_thread() -> None:
    results: list[VerificationResult] = []
    worker = threading.Thread(target=lambda: results.append(verify([r"\boxed{17}"], answer="18")))
    worker.start()
    worker.join(timeout=30)
    assert results
    assert results[0].final_answer_verdict == "incorrect"


def test_ten_step_solution_is_fast() -> None:
    steps = [f"{i} + {i} = {2 * i} and {i} × 3 = {3 * i} dollars" for i in range(1, 11)]
    verifier = SymbolicVerifier()
    request = VerificationRequest(Problem("p", "30"), tuple(StepInput(i, s) for i, s in enumerate(steps)))
    verifier.verify_batch([request])
    started = time.perf_counter()
    for _ in range(5):
        verifier.verify_batch([request])
    assert (time.perf_counter() - started) / 5 < 0.2


def test_misstated_final_line_is_flagged_at_the_final_line() -> None:
    # given every calculation right and the expected answer reached, but a different final line
    steps = ["She buys 3 packs of 4 pens: 3 × 4 = 12 pens.", "She gives away 2: 12 - 2 = 10 pens.", "The answer is 12."]
    result = verify(steps, answer="10")
    # then the final line is where it went wrong
    assert result.first_error_index == 2
    first = result.first_error
    assert first is not None
    assert first.checker == "final_answer"


@pytest.mark.parametrize("reference", [(), ("9 × 2 = 18",)])
def test_misstated_answer_in_the_same_step_as_the_right_result(reference: tuple[str, ...]) -> None:
    steps = ["She has 16 - 3 - 4 = 9 eggs.", "She makes 9 × 2 = 18 dollars, so the answer is 19."]
    result = verify(steps, answer="18", reference=reference, statement="16 eggs, eats 3, bakes 4, sells at $2.")
    assert result.first_error_index == 1


def test_going_past_the_expected_answer_is_flagged_after_it() -> None:
    steps = ["3 × 4 = 12 pens in all.", "Half are red: 12 / 2 = 6 red pens.", "Then 6 + 2 = 8.", "The answer is 8."]
    result = verify(steps, answer="6")
    assert result.first_error_index == 2
    first = result.first_error
    assert first is not None
    assert "already reached 6" in first.explanation


def test_answer_only_points_at_an_invented_number() -> None:
    # given only the answer: the step using a number the problem never gave is the likely first error
    statement = "Tom has 5 bags with 4 apples each. How many apples?"
    steps = ["Tom has 5 bags.", "Each bag has 6 apples, so 5 × 6 = 30 apples.", "The answer is 30."]
    result = verify(steps, answer="20", statement=statement)
    assert result.first_error_index == 1
    first = result.first_error
    assert first is not None
    assert first.checker == "grounding"
    assert first.confidence < CONFIDENT


def test_expression_rewrite_slip_across_lines_is_caught() -> None:
    # given a simplification written as "= ..." lines, with a slip in the last one
    statement = "Simplify 3(x + 2) - x."
    result = verify(["3(x + 2) - x", "= 3x + 6 - x", "= 2x + 8"], answer="2x + 6", statement=statement)
    # then the slip is the first error, with a spot check a student can redo
    assert result.first_error_index == 2
    first = result.first_error
    assert first is not None
    assert first.checker == "algebra"
    assert first.confidence >= CONFIDENT
    assert first.explanation == "3x + 6 - x is not the same as 2x + 8: for x = 1 the first is 8 and the second is 10."
    assert result.final_answer_verdict == "incorrect"


def test_correct_rewrites_and_definitions_are_not_flagged() -> None:
    statement = "Simplify 3(x + 2) - x."
    right = verify(["3(x + 2) - x", "= 3x + 6 - x", "= 2x + 6"], answer="2x + 6", statement=statement)
    assert right.first_error_index is None
    assert right.final_answer_verdict == "correct"
    chain = verify(["(x + 1)^2 = x^2 + 2x + 1 = x^2 + 1 + 2x"])
    assert chain.steps[0].verdict == "correct"
    definition = verify([r"\[ B = \frac{E}{2} = \frac{19}{2} = 9.5 \]"])
    assert definition.first_error_index is None


def test_arithmetic_continued_on_the_next_line_is_checked() -> None:
    result = verify(["(4 + 5) × 2", "= 9 × 2", "= 19"], answer="18")
    assert result.first_error_index == 2
    first = result.first_error
    assert first is not None
    assert first.explanation == "9 × 2 is 18, not 19."


def test_a_correct_algebra_step_is_explained_in_plain_grammar():
    # Given a correct one-step rearrangement with a reference answer
    from verifier_worker.backends.symbolic import SymbolicVerifier
    from verifier_worker.types import Problem, StepInput, VerificationRequest

    request = VerificationRequest(
        problem=Problem(statement="Solve $3x + 5 = 20$.", reference_answer="5"),
        steps=(StepInput(0, "3x + 5 = 20"), StepInput(1, "3x = 15"), StepInput(2, "x = 5")),
    )
    # When it is verified
    [result] = SymbolicVerifier().verify_batch([request])
    # Then the checked algebra step reads "checks out", and the student is told nothing is wrong
    assert result.first_error_index is None
    assert result.steps[1].explanation == "The algebra in this step checks out."


def test_a_division_off_by_a_whole_unit_in_the_last_place_is_a_slip_that_explains_the_answer():
    # Given a correct route the reference solution does not take (via dollars), then 27/45 written as 0.5
    from verifier_worker.backends.symbolic import SymbolicVerifier
    from verifier_worker.types import Problem, StepInput, VerificationRequest

    steps = ["He saved 2/5 of $45 = $18", "He still needs $45 - $18 = $27", "27/45 = 0.5 = 50%", "The answer is 50%"]
    request = VerificationRequest(
        problem=Problem(
            statement="A game costs \\$45. Tom has saved $\\frac{2}{5}$ of the price. What percent does he still need?",
            reference_answer="60",
            reference_steps=("$1 - \\frac{2}{5} = \\frac{3}{5}$", "$\\frac{3}{5} = 60\\%$"),
        ),
        steps=tuple(StepInput(i, text) for i, text in enumerate(steps)),
    )
    # When it is verified
    [result] = SymbolicVerifier().verify_batch([request])
    # Then the division is the confident first error, not the earlier (valid) step the reference lacks
    assert result.first_error_index == 2
    assert result.steps[2].checker == "arithmetic"
    assert result.steps[2].confidence >= 0.9
    assert "0.6" in result.steps[2].explanation or "3/5" in result.steps[2].explanation


def test_a_last_line_ending_in_an_expression_has_no_final_answer_to_misread():
    # Given a hostile last line whose trailing "+ 1" is an operand, not a result
    from verifier_worker.checkers.final_answer import check_final_answer

    # When the final answer is looked for
    finding = check_final_answer(["x = 10^{10^{10^{10}}}", "x = 10^{10^{10^{10}}} + 1"], "5")
    # Then nothing is read as the answer (so no "your final answer 1" verdict), while plain results still are
    assert finding.outcome == "unverified"
    assert finding.answer is None
    assert check_final_answer(["y = 2x + 1"], "5").outcome == "unverified"
    assert check_final_answer(["12 + 30 = 42"], "42").outcome == "correct"
    assert check_final_answer(["x = -5"], "-5").outcome == "correct"
    assert check_final_answer(["So she has 41 apples."], "42").outcome == "incorrect"
    assert check_final_answer(["Freda used **12 tomatoes**."], "12").outcome == "correct"
