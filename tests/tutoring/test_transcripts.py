"""Five real hint transcripts: a problem, a wrong (or unfinished) solution graded by the symbolic checker, and the
hint a student gets at each level. Each level names the step, reads plainly, blames no one and passes the no-leak
filter; run with -s to read them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grading import services
from grading.tutoring import hints as composing
from tests.factories import ProblemFactory
from verifier_worker.tutoring import readability

from .conftest import BUS, BUS_REFERENCE, submit

PROBLEMS = {
    "bus-slip": (BUS, "126", BUS_REFERENCE, "27 × 4 = 108\n3 × 6 = 24\n108 + 24 = 132"),
    "bus-wrong-price": (BUS, "126", BUS_REFERENCE, "27 × 4 = 108\n3 × 4 = 12\n108 + 12 = 120"),
    "solve-for-x": (
        "Solve $5(x - 2) = 2x + 8$.",
        "6",
        ["5x - 10 = 2x + 8", "3x = 18", "x = 6"],
        "5x - 10 = 2x + 8\n3x = 2\nx = 2/3",
    ),
    "stickers-unfinished": (
        "Maya buys 4 packs of 12 stickers. She gives 15 stickers to her brother and shares the rest equally "
        "among 3 friends. How many stickers does each friend get?",
        "11",
        ["4 × 12 = 48", "48 − 15 = 33", "33 ÷ 3 = 11"],
        "4 × 12 = 48\n48 − 15 = 33",
    ),
    "apples-slip": (
        "A farmer picks 36 apples a day for 5 days and sells 70 of them. How many apples are left?",
        "110",
        ["36 × 5 = 180", "180 − 70 = 110"],
        "36 × 5 = 160\n160 − 70 = 90",
    ),
}


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_hints_at_each_level(bus, name, capsys):
    statement, answer, reference, wrong = PROBLEMS[name]
    problem = ProblemFactory(
        assignment=bus.assignment,
        statement=statement,
        reference_answer=answer,
        reference_solution=reference,
        points=Decimal(2),
    )
    submission = submit(problem, bus.student, wrong)
    # When the student asks for three hints in a row
    given = [services.hint_request(student=bus.student, problem=problem, submission=submission) for _ in range(3)]
    steps = list(submission.steps.order_by("index"))
    context = composing.context_for(
        problem=problem, submission=submission, steps=steps, target=composing.target_for(submission, steps)
    )
    with capsys.disabled():
        print(f"\n== {name}: {statement}\n   reference: {reference} -> {answer}\n   student: {wrong!r}")
        for hint in given:
            print(f"   level {hint.level_requested} (shown {hint.level}, {hint.source}): {hint.text}")
    # Then each is a different, more specific hint about the same step, all named by number
    assert [h.level_requested for h in given] == [1, 2, 3]
    assert len({h.text for h in given}) == 3
    for hint in given:
        assert f"step {hint.step_number}" in hint.text.lower()
        assert context.guard.check(hint.text).ok
        assert readability.check(hint.text).ok, (hint.text, readability.check(hint.text))
