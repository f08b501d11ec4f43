"""Hints by the assignment's policy: levels 1, 2, 3 at the first error, each recorded; the limit per problem; never,
after a graded attempt, always; the cost per hint applied by the score policy on later attempts only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grading import services
from grading.models import Hint
from grading.scoring import ScoreInput, StepVerdictIn, score_solution
from tutor.audit.models import AuditEvent

from .conftest import BUS_FIXED, BUS_SLIP, submit


def test_levels_go_up_one_at_a_time_and_stop_at_three(bus):
    submission = submit(bus.problem, bus.student, BUS_SLIP)
    # When the student asks for hints on the same first error
    hints = [services.hint_request(student=bus.student, problem=bus.problem, submission=submission) for _ in range(3)]
    # Then each is one level more specific, about step 2, and each is recorded with an audit event
    assert [(h.level_requested, h.level, h.step_number, h.kind) for h in hints] == [
        (1, 1, 2, "error"),
        (2, 2, 2, "error"),
        (3, 3, 2, "error"),
    ]
    events = AuditEvent.objects.filter(event_type="hint.given").order_by("id")
    assert [e.details["level"] for e in events] == [1, 2, 3]
    # and a fourth is refused: that was the most detailed hint for this step
    with pytest.raises(services.HintError) as refused:
        services.hint_request(student=bus.student, problem=bus.problem, submission=submission)
    assert refused.value.code == "no_more_levels"
    assert Hint.objects.count() == 3


def test_the_limit_per_problem_counts_every_hint_and_changes_nothing_when_reached(bus):
    bus.assignment.hint_limit = 2
    bus.assignment.save()
    submission = submit(bus.problem, bus.student, BUS_SLIP)
    services.hint_request(student=bus.student, problem=bus.problem, submission=submission)
    services.hint_request(student=bus.student, problem=bus.problem, submission=submission)
    with pytest.raises(services.HintError) as refused:
        services.hint_request(student=bus.student, problem=bus.problem, submission=submission)
    assert refused.value.code == "limit"
    assert "all 2 hints" in refused.value.message
    assert Hint.objects.count() == 2
    assert AuditEvent.objects.filter(event_type="hint.given").count() == 2


def test_never_means_no_hints(bus):
    bus.assignment.hint_policy = "never"
    bus.assignment.save()
    submission = submit(bus.problem, bus.student, BUS_SLIP)
    with pytest.raises(services.HintError) as refused:
        services.hint_request(student=bus.student, problem=bus.problem, submission=submission)
    assert refused.value.code == "never"


def test_before_the_first_attempt_only_when_the_policy_is_always(bus):
    # Given the default policy (after a graded attempt): no help on the problem page yet
    with pytest.raises(services.HintError) as refused:
        services.hint_request(student=bus.student, problem=bus.problem)
    assert refused.value.code == "not_yet"
    # When the teacher allows hints always
    bus.assignment.hint_policy = "always"
    bus.assignment.save()
    hint = services.hint_request(student=bus.student, problem=bus.problem)
    # Then the student gets help to start, and levels go up as for any step
    assert hint.kind == "start"
    assert hint.submission is None
    assert services.hint_request(student=bus.student, problem=bus.problem).level_requested == 2


def test_only_the_students_own_graded_attempt_with_something_to_hint_at(bus):
    submission = submit(bus.problem, bus.student, BUS_SLIP)
    with pytest.raises(services.HintError) as refused:
        services.hint_request(student=bus.other, problem=bus.problem, submission=submission)
    assert refused.value.code == "not_yours"
    with pytest.raises(services.HintError) as refused:
        services.hint_request(student=bus.teacher, problem=bus.problem)
    assert refused.value.code == "not_enrolled"
    right = submit(bus.problem, bus.student, BUS_FIXED)
    with pytest.raises(services.HintError) as refused:
        services.hint_request(student=bus.student, problem=bus.problem, submission=right)
    assert refused.value.code == "nothing_to_hint"


def test_the_hint_cost_is_taken_off_later_attempts_by_the_score_policy(bus):
    bus.assignment.hint_cost_percent = 10
    bus.assignment.save()
    first = submit(bus.problem, bus.student, BUS_SLIP)
    first_score = first.score
    services.hint_request(student=bus.student, problem=bus.problem, submission=first)
    services.hint_request(student=bus.student, problem=bus.problem, submission=first)
    # When the student resubmits a correct solution after two hints
    second = submit(bus.problem, bus.student, BUS_FIXED)
    # Then the attempt graded before the hints keeps its score, and the new one loses 2 × 10% of 2 points
    first.refresh_from_db()
    assert first.score == first_score
    assert second.score == Decimal("1.60")
    assert ["Hints used (2)", "-0.40", "0"] in second.score_detail["parts"]


def test_hint_cost_in_the_score_policy_never_goes_below_zero_nor_raises_a_score():
    base = ScoreInput(
        points=Decimal(2),
        steps=(StepVerdictIn(0, "27 × 4 = 108", "correct"), StepVerdictIn(1, "3 × 6 = 24", "incorrect")),
        first_error_index=1,
        final_answer="incorrect",
        reference_steps=("27 × 4 = 108", "3 × 6 = 18", "108 + 18 = 126"),
    )
    plain = score_solution(base).score
    costly = score_solution(ScoreInput(**{**base.__dict__, "hint_cost_percents": (50, 50, 50)})).score
    free = score_solution(ScoreInput(**{**base.__dict__, "hint_cost_percents": (0, 0)})).score
    assert plain > 0
    assert costly == 0
    assert free == plain
