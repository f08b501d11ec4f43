"""Bulk regrades: one problem or a whole assignment through the queue, the teacher's decisions kept unless dropped
on purpose, progress shown while it runs, earlier runs kept with what changed; bounded and permission-checked."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from grading import selectors, services
from grading.models import RegradeRun, Submission
from tests.coursework import graded, make_world
from tutor.audit.models import AuditEvent
from tutor.classroom import content

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def work(world):
    """Two students' graded attempts at problem 1, one at problem 2; the teacher overrode one step."""
    first = graded(world.student, world.problems[0], text="3x = 15\nx = 5 WRONG")
    second = graded(world.other_student, world.problems[0])
    third = graded(world.student, world.problems[1], text="2 + 3 = 5")
    services.step_override(step=first.steps.get(index=1), actor=world.teacher, verdict="correct", reason="It is right.")
    return first, second, third


def test_regrading_one_problem_goes_through_the_queue_keeps_decisions_and_shows_progress(
    world, work, django_capture_on_commit_callbacks
):
    first, second, third = work
    # When the TA regrades problem 1 (the tasks are captured, not yet run)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = services.regrade_run_create(actor=world.ta, assignment=world.assignment, problem=world.problems[0])
    # Then both attempts at problem 1 are queued again, problem 2's is left alone, and nothing is done yet
    assert len(callbacks) == 2
    statuses = dict(Submission.objects.values_list("pk", "status"))
    assert (statuses[first.pk], statuses[second.pk], statuses[third.pk]) == ("queued", "queued", "graded")
    progress = selectors.regrade_run_progress(run=run)
    assert (progress.total, progress.done, progress.finished) == (2, 0, False)
    # When the worker runs them (tasks are eager in tests)
    for callback in callbacks:
        callback()
    # Then the run is done and the teacher's step decision is still in force
    progress = selectors.regrade_run_progress(run=run)
    assert (progress.total, progress.done, progress.finished) == (2, 2, True)
    step = Submission.objects.get(pk=first.pk).steps.get(index=1)
    assert step.teacher_verdict == "correct"
    event = AuditEvent.objects.get(event_type="regrade_run.started")
    assert (event.details["attempts"], event.details["keep_overrides"], event.actor) == (2, True, world.ta)


def test_a_changed_problem_shows_which_scores_changed(world, work, django_capture_on_commit_callbacks):
    update = content.problem_update(actor=world.teacher, problem=world.problems[1], fields={"points": Decimal("4")})
    assert update.affects_grades
    with django_capture_on_commit_callbacks(execute=True):
        run = services.regrade_run_create(actor=world.teacher, assignment=world.assignment, problem=world.problems[1])
    progress = selectors.regrade_run_progress(run=run)
    assert (progress.done, progress.changed) == (1, 1)
    assert Submission.objects.get(pk=work[2].pk).score == Decimal("4.00")


def test_the_whole_assignment_skips_archived_problems_and_work_still_being_graded(world, work):
    in_flight = services.submission_create(student=world.other_student, problem=world.problems[1], text="5")
    content.problem_archive(actor=world.teacher, problem=world.problems[0])
    run = services.regrade_run_create(actor=world.teacher, assignment=world.assignment)
    items = set(run.items.values_list("submission_id", flat=True))
    assert items == {work[2].pk}
    assert run.skipped == 1
    assert Submission.objects.get(pk=in_flight.pk).grading_version == 1


def test_earlier_runs_are_kept_and_a_later_one_supersedes(world, work, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = services.regrade_run_create(actor=world.teacher, assignment=world.assignment, problem=world.problems[1])
    # The first run's tasks never ran (a worker was down); a second run starts after it finishes nothing
    Submission.objects.filter(pk=work[2].pk).update(status="graded")
    with django_capture_on_commit_callbacks(execute=True):
        second = services.regrade_run_create(
            actor=world.teacher, assignment=world.assignment, problem=world.problems[1]
        )
    runs = selectors.regrade_runs(assignment=world.assignment)
    assert [p.run.pk for p in runs] == [second.pk, first.pk]
    assert all(p.finished for p in runs)  # the first counts as done: its attempt was regraded since
    assert RegradeRun.objects.count() == 2


def test_dropping_decisions_is_on_purpose_and_recorded(world, work, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.regrade_run_create(
            actor=world.teacher, assignment=world.assignment, problem=world.problems[0], keep_overrides=False
        )
    step = Submission.objects.get(pk=work[0].pk).steps.get(index=1)
    assert step.teacher_verdict == ""
    assert AuditEvent.objects.filter(event_type="override.dropped", target_id=str(work[0].pk)).exists()


def test_the_size_of_a_regrade_is_bounded(world, work, settings):
    settings.BULK_REGRADE_MAX_SUBMISSIONS = 2
    with pytest.raises(services.GradingError, match="This would regrade 3 attempts; at most 2") as caught:
        services.regrade_run_create(actor=world.teacher, assignment=world.assignment)
    assert caught.value.code == "too_many"
    assert not RegradeRun.objects.exists()
    assert set(Submission.objects.values_list("grading_version", flat=True)) == {1}


def test_nothing_to_regrade_and_a_problem_of_another_assignment(world):
    with pytest.raises(services.GradingError, match="no graded work to regrade yet"):
        services.regrade_run_create(actor=world.teacher, assignment=world.assignment)
    other = content.assignment_duplicate(actor=world.teacher, assignment=world.assignment)
    with pytest.raises(services.GradingError, match="not part of this assignment"):
        services.regrade_run_create(actor=world.teacher, assignment=world.assignment, problem=other.problems.first())


@pytest.mark.parametrize("who", ["student", "teacher_b"])
def test_students_and_other_teachers_cannot_regrade(world, work, who):
    with pytest.raises(services.GradingPermissionError):
        services.regrade_run_create(actor=world.user(who), assignment=world.assignment)
    assert not RegradeRun.objects.exists()


def test_editing_an_answer_offers_the_regrade_and_the_page_polls_until_done(world, work, client):
    client.force_login(world.teacher)
    # When the teacher changes problem 1's reference answer on its edit page
    data = {
        "title": "Linear",
        "statement": "Solve $3x + 5 = 20$.",
        "reference_answer": "x = 5",
        "reference_solution": "3x = 15\nx = 5",
        "points": "1",
        "scoring": "steps",
        "final_answer_percent": "50",
    }
    response = client.post(reverse("problem_edit", args=[world.problems[0].pk]), data)
    # Then they land on the regrade page with that problem chosen and an explanation
    assert response["Location"] == reverse("regrade_run_new", args=[world.assignment.pk]) + (
        f"?problem={world.problems[0].pk}&edited=1"
    )
    page = client.get(response["Location"])
    assert "You changed how this problem is graded" in page.content.decode()
    assert page.context["form"].initial["problem"] == world.problems[0].pk
    # When they start it / Then the progress page shows it, and its fragment stops polling once done (HTTP 286)
    response = client.post(
        reverse("regrade_run_new", args=[world.assignment.pk]), {"problem": world.problems[0].pk, "overrides": "keep"}
    )
    run = RegradeRun.objects.get()
    assert response["Location"] == reverse("regrade_run_detail", args=[run.pk])
    fragment = client.get(response["Location"], headers={"HX-Request": "true"})
    assert fragment.status_code == 200  # still queued: the tasks run after commit, which a test never reaches
    Submission.objects.filter(pk__in=run.items.values("submission_id")).update(status="graded")
    fragment = client.get(response["Location"], headers={"HX-Request": "true"})
    assert fragment.status_code == 286
    assert "2 of 2" in fragment.content.decode()
