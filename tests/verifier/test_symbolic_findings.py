"""What the tutoring and analytics features read off a verdict: a structured finding, the route, the reason a step
is unverified, and an unfinished solution."""

from __future__ import annotations

import json

from verifier_worker.backends.symbolic import SymbolicVerifier
from verifier_worker.types import Problem, StepInput, VerificationRequest, VerificationResult

TEACHERS = "A school trip has 3 teachers and 12 students. Teacher tickets cost $6, student tickets $4. Total cost?"
REFERENCE = ("Teacher tickets cost 3 × 6 = $18.", "Student tickets cost 12 × 4 = $48.", "In all 18 + 48 = $66.")


def verify(
    steps: list[str], answer: str = "", reference: tuple[str, ...] = (), statement: str = TEACHERS
) -> VerificationResult:
    request = VerificationRequest(
        problem=Problem(statement, answer, reference),
        steps=tuple(StepInput(i, text) for i, text in enumerate(steps)),
        reveal_corrections=False,
    )
    return SymbolicVerifier().verify_batch([request])[0]


def test_an_arithmetic_slip_carries_a_structured_finding() -> None:
    # given a multiplication slip on numbers from the problem and an earlier step
    result = verify(["Teacher tickets cost 3 × 6 = $18.", "Then 18 + 12 × 4 = 18 + 46 = 64"], "66", REFERENCE)
    first = result.first_error
    assert first is not None
    assert first.finding is not None
    finding = first.finding
    # then category, operation, operands with their sources, and the claimed and expected values are separate
    assert finding.category == "arithmetic"
    assert finding.expected
    assert finding.claimed
    assert finding.claimed != finding.expected
    sources = {(o.value, o.source, o.step) for o in finding.operands}
    assert ("18", "step", 0) in sources or ("12", "problem", None) in sources
    # and it is JSON-friendly, for analytics
    assert json.loads(json.dumps(finding.to_dict()))["category"] == "arithmetic"


def test_the_finding_separates_the_expected_value_from_the_hint() -> None:
    result = verify(["3 teachers x 6 = 24 dollars"], "66", REFERENCE)
    first = result.first_error
    assert first is not None
    assert first.finding is not None
    assert first.finding.operation == "multiply"
    assert first.finding.claimed == "24"
    assert first.finding.expected == "18"
    assert [(o.value, o.source) for o in first.finding.operands] == [("3", "problem"), ("6", "problem")]
    assert "18" not in first.hint


def test_a_correct_step_says_whether_it_is_on_the_reference_path() -> None:
    steps = [
        "Teacher tickets cost 3 × 6 = $18.",  # the reference computes 18
        "Each person pays on average (18 + 48) / 15 = $4.40.",  # right, but not a value the reference uses
        "In all 18 + 48 = $66.",
    ]
    result = verify(steps, "66", REFERENCE)
    assert [v.verdict for v in result.steps] == ["correct", "correct", "correct"]
    assert result.steps[0].route == "reference"
    assert result.steps[1].route == "other"


def test_unverified_steps_say_why() -> None:
    steps = [
        "First I read the problem carefully.",  # words, no math
        "The 3 teachers and 12 students go by bus.",  # numbers, no calculation
        "Let x be the cost, so 3x = 18.",  # read, not decidable on its own
        r"\log_2 8 + 1 = 5",  # notation the checker drops
    ]
    result = verify(steps)
    assert [v.reason_code for v in result.steps] == ["no_math", "unreadable", "undecidable", "unreadable"]
    assert result.steps[3].finding is not None
    assert result.steps[3].finding.category == "unreadable"


def test_steps_after_the_first_error_say_so() -> None:
    result = verify(["3 × 6 = 20", "20 + 48 = 68"], "66", REFERENCE)
    assert result.first_error_index == 0
    assert result.steps[1].reason_code == "after_error"


def test_an_unfinished_solution_is_not_a_wrong_final_answer() -> None:
    # given right steps that stop at a value the reference passes through
    result = verify(["Teacher tickets cost 3 × 6 = $18.", "Student tickets cost 12 × 4 = $48."], "66", REFERENCE)
    # then it is reported as unfinished, with no error and no wrong final answer
    assert result.unfinished
    assert result.first_error_index is None
    assert result.final_answer_verdict == "unverified"
    assert all(v.verdict == "correct" for v in result.steps)


def test_a_finished_wrong_solution_is_not_called_unfinished() -> None:
    marked = verify(["Teacher tickets cost 3 × 6 = $18.", "The answer is 48."], "66", REFERENCE)
    assert not marked.unfinished
    assert marked.final_answer_verdict == "incorrect"
    concluded = verify(["3 × 6 = 18", "So the total is 12 × 4 = $48."], "66", REFERENCE)
    assert not concluded.unfinished
    assert concluded.final_answer_verdict == "incorrect"
    answer_only = verify(["Teacher tickets cost 3 × 6 = $18.", "Student tickets cost 12 × 4 = $48."], "66")
    assert not answer_only.unfinished
