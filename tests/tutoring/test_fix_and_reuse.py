"""Fix from here: a new attempt that keeps the verified steps locked, counted by the attempt rules, whose grading
reuses the cached verdicts of the unchanged prefix (asserted from the run records) and checks only the rest."""

from __future__ import annotations

import pytest

from grading import services
from grading.models import StepVerdictCache, Submission, VerificationRun
from grading.tutoring import reuse

from .conftest import BUS_SLIP, grade, submit


@pytest.fixture
def fake(bus):
    """The same class, checked by the fake backend (it judges each step from its own text, like the chunk judge)."""
    bus.assignment.verifier_backend = "fake"
    bus.assignment.save()
    return bus


def run_of(submission: Submission) -> VerificationRun:
    return submission.runs.order_by("-id").first()


def test_fix_from_here_keeps_the_prefix_from_the_server_and_reuses_its_verdicts(fake):
    # Given a graded attempt whose step 3 is wrong
    first = submit(fake.problem, fake.student, "27 × 4 = 108\n3 × 6 = 18\n108 + 18 = 100 WRONG\nso 100")
    assert first.first_error_index == 2
    assert run_of(first).parameters.get("reuse") is None
    assert StepVerdictCache.objects.count() == 2  # the two correct steps, for later attempts
    # When the student fixes it from step 3 (the browser sends only the new steps)
    second = services.fix_submit(student=fake.student, submission=first, start=3, text="108 + 18 = 126\nso 126")
    assert second.text == "27 × 4 = 108\n3 × 6 = 18\n108 + 18 = 126\nso 126"
    assert (second.fixed_from_id, second.locked_steps, second.attempt_number) == (first.pk, 2, 2)
    second = grade(second)
    # Then the run record says steps 1 and 2 were reused, with what checking them had cost
    reused = run_of(second).parameters["reuse"]
    assert reused["steps"] == [0, 1]
    assert reused["saved_tokens"] == len("27 × 4 = 108") + len("3 × 6 = 18")
    assert [s.reused for s in second.steps.order_by("index")] == [True, True, False, False]
    # and only the new steps were judged
    assert [c["index"] for c in run_of(second).parameters["step_costs"]] == [2, 3]
    assert StepVerdictCache.objects.get(key__isnull=False, step_index=0).hits == 1


def test_reuse_stops_at_the_first_changed_step_and_never_takes_a_wrong_verdict(fake):
    first = submit(fake.problem, fake.student, "27 × 4 = 108\n3 × 6 = 24 WRONG\n108 + 24 = 132")
    # A new attempt that changes step 1 reuses nothing, even though its later steps are the same text
    second = submit(fake.problem, fake.student, "27 · 4 = 108\n3 × 6 = 24 WRONG\n108 + 24 = 132")
    assert run_of(second).parameters.get("reuse") is None
    # and one that keeps step 1 but not step 2 reuses step 1 only (the wrong step 2 was never cached)
    third = submit(fake.problem, fake.student, "27 × 4 = 108\n3 × 6 = 18\n108 + 18 = 126")
    assert run_of(third).parameters["reuse"]["steps"] == [0]
    assert first.first_error_index == 1


def test_a_changed_reference_is_a_new_version_and_a_regrade_checks_everything_again(fake):
    first = submit(fake.problem, fake.student, "27 × 4 = 108\n3 × 6 = 18")
    fake.problem.reference_solution = ["27 × 4 = 108", "3 × 6 = 18", "108 + 18 = 126", "so 126"]
    fake.problem.save()
    second = submit(fake.problem, fake.student, "27 × 4 = 108\n3 × 6 = 18")
    assert run_of(second).parameters.get("reuse") is None
    # A regrade is a teacher asking to check again: no reuse, even with every key in the cache
    services.submission_regrade(submission=second, actor=fake.teacher, reason="again", keep_overrides=True)
    second.refresh_from_db()
    second = grade(second)
    assert run_of(second).parameters.get("reuse") is None
    assert first.pk != second.pk


def test_the_symbolic_checker_reuses_the_prefix_analysis_not_its_verdicts(bus):
    from verifier_worker.checkers import analysis

    analysis.MEMO.clear()
    first = submit(bus.problem, bus.student, BUS_SLIP)
    second = grade(
        services.fix_submit(student=bus.student, submission=first, start=2, text="3 × 6 = 18\n108 + 18 = 126")
    )
    # Its verdicts depend on the final answer, so it never reads the verdict cache...
    assert StepVerdictCache.objects.count() == 0
    # ...but the kept step's analysis was not done again, and the run record says so with the time it saved
    reused = run_of(second).parameters["reuse"]
    assert reused["steps"] == [0]
    assert reused["how"] == "analysis memo"
    assert reused["saved_ms"] > 0
    assert [s.reused for s in second.steps.order_by("index")] == [True, False, False]
    # while step 1's verdict is judged again with the new, correct final answer (more confident than before)
    assert second.steps.get(index=0).confidence > first.steps.get(index=0).confidence


def test_fix_from_here_is_refused_from_another_step_by_another_student_or_with_nothing_new(fake):
    first = submit(fake.problem, fake.student, "27 × 4 = 108\n3 × 6 = 24 WRONG")
    with pytest.raises(services.SubmissionError) as refused:
        services.fix_submit(student=fake.student, submission=first, start=1, text="x")
    assert refused.value.code == "no_fix"
    with pytest.raises(services.SubmissionError) as refused:
        services.fix_submit(student=fake.other, submission=first, start=2, text="x")
    assert refused.value.code == "not_yours"
    with pytest.raises(services.SubmissionError) as refused:
        services.fix_submit(student=fake.student, submission=first, start=2, text="\n \n")
    assert refused.value.code == "empty"
    assert Submission.objects.count() == 1


def test_fix_from_here_is_a_new_attempt_counted_by_the_assignments_rules(fake):
    fake.assignment.max_attempts = 1
    fake.assignment.save()
    first = submit(fake.problem, fake.student, "27 × 4 = 108\n3 × 6 = 24 WRONG")
    with pytest.raises(services.SubmissionError) as refused:
        services.fix_submit(student=fake.student, submission=first, start=2, text="3 × 6 = 18")
    assert refused.value.code == "no_attempts_left"


def test_the_cache_keeps_its_bound(fake):
    for n in range(5):
        submit(fake.problem, fake.student, f"line {n} a\nline {n} b")
    assert StepVerdictCache.objects.count() == 10
    assert reuse.prune(limit=4) == 6
    assert StepVerdictCache.objects.count() == 4
    assert reuse.prune(limit=4) == 0
