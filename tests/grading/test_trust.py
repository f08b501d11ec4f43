"""Grades a teacher can trust (issue 9): each defect reproduced as a test, with the real symbolic checker where
the checker matters. A grade follows from the verdicts and the written score policy; a teacher's decision
survives; nothing fails silently."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from grading import selectors, services
from grading.models import Override, Step, Submission
from tests.factories import EnrollmentFactory, ProblemFactory, UserFactory
from tutor.audit.models import AuditEvent
from tutor.classroom.models import Enrollment

pytestmark = pytest.mark.django_db

Status = Submission.Status


@pytest.fixture
def world():
    """A class graded by the real symbolic checker: a teacher, two students, one 2-point problem."""
    problem = ProblemFactory(
        statement="A box holds 6 rows of 7 eggs. How many eggs are in the box?",
        reference_answer="42",
        reference_solution=["6 × 7 = 42", "The box holds 42 eggs."],
        points=2,
    )
    assignment = problem.assignment
    assignment.verifier_backend = "symbolic"
    assignment.max_attempts = 3
    assignment.save()
    teacher, student, other = UserFactory(username="teach"), UserFactory(username="ana"), UserFactory(username="ben")
    EnrollmentFactory(course=assignment.course, user=teacher, role=Enrollment.Role.TEACHER)
    EnrollmentFactory(course=assignment.course, user=student, role=Enrollment.Role.STUDENT)
    EnrollmentFactory(course=assignment.course, user=other, role=Enrollment.Role.STUDENT)
    return {"problem": problem, "assignment": assignment, "teacher": teacher, "student": student, "other": other}


def submit(world, text: str, student=None) -> Submission:
    submission = services.submission_create(student=student or world["student"], problem=world["problem"], text=text)
    services.submission_grade(submission_id=submission.pk, grading_version=submission.grading_version)
    submission.refresh_from_db()
    return submission


def page(client, user, submission) -> str:
    client.force_login(user)
    return client.get(reverse("submission_detail", args=[submission.pk])).content.decode()


# --- 1. A non-answer gets full marks -------------------------------------------------------------------------


def test_a_non_answer_waits_for_the_teacher_and_never_shows_or_counts_a_score(client, world):
    # Given a solution with nothing checkable in it
    submission = submit(world, "I don't know how to do this one, sorry.")
    # Then it waits for review, and its computed score is nothing like full marks (it used to be 2 / 2)
    assert submission.status == Status.NEEDS_REVIEW
    assert submission.score == Decimal("0.00")
    # And the student sees "waiting for your teacher", not a score
    html = page(client, world["student"], submission)
    assert "Waiting for your teacher" in html
    assert "2 / 2" not in html
    assert 'data-score=""' in html
    # And the gradebook does not count it
    _, rows = selectors.gradebook(assignment=world["assignment"])
    ana = next(row for row in rows if row.student == world["student"])
    assert ana.cells[0].counted.score is None
    assert ana.total == 0
    assert ana.pending == 1
    # And "Confirm this grade" confirms what the policy computed: 0, not 2
    services.review_accept(submission=submission, actor=world["teacher"])
    submission.refresh_from_db()
    assert submission.status == Status.GRADED
    assert submission.score == Decimal("0.00")


@pytest.mark.parametrize(
    "text",
    ["Eggs come in boxes.\nThe answer is a lot of eggs.", "I think it is many.", "idk", "Eggs.\nBoxes.\nRows."],
)
def test_prose_with_nothing_checkable_never_gets_marks(world, text):
    submission = submit(world, text)
    assert submission.score == Decimal("0.00")
    assert submission.final_answer_verdict != "correct"


def test_a_correct_solution_still_gets_full_marks(world):
    submission = submit(world, "6 × 7 = 42\nThe box holds 42 eggs.")
    assert submission.status == Status.GRADED
    assert submission.final_answer_verdict == "correct"
    assert submission.score == Decimal("2.00")


# --- 2. Overriding one step gives full marks to a wrong answer --------------------------------------------------


def test_marking_a_step_correct_does_not_give_full_marks_to_a_wrong_final_answer(world):
    # Given a solution with a slip and a wrong final answer
    submission = submit(world, "6 × 7 = 48\nThe box holds 48 eggs.")
    assert submission.first_error_index == 0
    assert submission.final_answer_verdict == "incorrect"
    # When the teacher marks the first step correct
    step = submission.steps.get(index=0)
    services.step_override(step=step, actor=world["teacher"], verdict="correct", reason="Fine")
    submission.refresh_from_db()
    # Then the final answer still reads incorrect, and the score is below full marks
    assert submission.final_answer_verdict == "incorrect"
    assert submission.score < Decimal("2.00")
    # And when the teacher also marks the final answer correct, the full marks follow from the verdicts
    services.final_answer_override(submission=submission, actor=world["teacher"], verdict="correct", reason="Typo")
    submission.refresh_from_db()
    assert submission.score == Decimal("2.00")


# --- 3. After an override the student sees an explanation that contradicts it ------------------------------------


def test_the_student_sees_the_teachers_verdict_and_reason_and_the_checkers_stays_on_record(client, world):
    # Given a solution the checker flags at step 1
    submission = submit(world, "6 × 7 = 48\n48 eggs")
    step = submission.steps.get(index=0)
    checker_said = (step.verdict, step.explanation)
    assert checker_said[0] == "incorrect"
    # When the teacher marks step 1 correct with a reason
    services.step_override(step=step, actor=world["teacher"], verdict="correct", reason="Read 48 as 42 here.")
    # Then the student sees the teacher's verdict and reason, marked as the teacher's
    html = page(client, world["student"], submission)
    item = re.search(r'<li id="step-1".*?</li>', html, re.S).group(0)
    assert "Your teacher: correct" in item
    assert "Your teacher says:" in item
    assert "Read 48 as 42 here." in item
    assert checker_said[1] not in item
    assert "builds on an earlier error" not in item
    # And the checker's verdict is still on the row, and the teacher sees both
    step.refresh_from_db()
    assert (step.verdict, step.explanation) == checker_said
    assert step.teacher_verdict == "correct"
    teacher_item = re.search(r'<li id="step-1".*?</li>', page(client, world["teacher"], submission), re.S).group(0)
    assert "Checker said: incorrect" in teacher_item


# --- 4. Regrade silently throws away the teacher's overrides -----------------------------------------------------


def test_a_regrade_keeps_the_teachers_decisions_and_says_which_the_checker_disagrees_with(
    client, world, django_capture_on_commit_callbacks
):
    # Given a graded solution with a step verdict and a score set by the teacher
    submission = submit(world, "6 × 7 = 48\nThe box holds 48 eggs.")
    services.step_override(
        step=submission.steps.get(index=0), actor=world["teacher"], verdict="correct", reason="Accept"
    )
    services.score_override(submission=submission, actor=world["teacher"], score=Decimal("1.5"), reason="Partial")
    # When the teacher regrades (the default keeps decisions)
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_regrade(submission=submission, actor=world["teacher"], reason="new checker")
    submission.refresh_from_db()
    # Then the teacher's score stands and the step verdict is still in force
    assert submission.grading_version == 2
    assert submission.status == Status.GRADED
    assert submission.score == Decimal("1.50")
    assert submission.steps.get(index=0).teacher_verdict == "correct"
    # And the page tells the teacher the checker still disagrees with the step verdict
    html = page(client, world["teacher"], submission)
    assert "Your decisions on this grade" in html
    assert "the checker says incorrect" in html


def test_dropping_decisions_at_a_regrade_needs_a_confirmation_and_is_audited(
    client, world, django_capture_on_commit_callbacks
):
    submission = submit(world, "6 × 7 = 48\nThe box holds 48 eggs.")
    services.score_override(submission=submission, actor=world["teacher"], score=Decimal("2"), reason="Generous")
    client.force_login(world["teacher"])
    url = reverse("submission_regrade", args=[submission.pk])
    # When the teacher asks to drop without confirming, nothing happens
    client.post(url, {"overrides": "drop"})
    submission.refresh_from_db()
    assert (submission.grading_version, submission.teacher_score) == (1, Decimal("2.00"))
    # When they confirm, the decisions are dropped, on record, and the grade follows the checker again
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"overrides": "drop", "confirm_drop": "on"})
    submission.refresh_from_db()
    assert submission.grading_version == 2
    assert submission.teacher_score is None
    assert submission.score < Decimal("2.00")
    event = AuditEvent.objects.get(event_type="override.dropped", target_id=str(submission.pk))
    assert event.actor == world["teacher"]
    assert event.details["dropped"] == [{"kind": "score", "score": "2.00"}]
    assert Override.objects.filter(submission=submission, action=Override.Action.DROPPED).count() == 1


def test_a_step_that_reads_differently_after_a_regrade_loses_its_verdict_on_record(world):
    # Given a teacher's verdict on step 2 and a split that later changes (simulated: the stored step text differs)
    submission = submit(world, "6 × 7 = 48\nThe box holds 48 eggs.")
    step = submission.steps.get(index=1)
    services.step_override(step=step, actor=world["teacher"], verdict="correct", reason="ok")
    Step.objects.filter(pk=step.pk).update(text="something else")
    # When it is regraded
    services.submission_regrade(submission=submission, actor=world["teacher"])
    services.submission_grade(submission_id=submission.pk, grading_version=2)
    # Then the verdict no longer applies, and the history says so
    step.refresh_from_db()
    assert step.teacher_verdict == ""
    assert Override.objects.filter(submission=submission, action=Override.Action.DETACHED, step_index=1).exists()
    assert AuditEvent.objects.filter(event_type="override.detached", target_id=str(submission.pk)).exists()


# --- 5. Which attempt counts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "expected", "shown"),
    [("best", "2.00", "2 / 2"), ("last", "1.00", "1 / 2"), ("average", "1.50", "1.50 / 2")],
)
def test_the_attempt_rule_decides_the_score_that_counts_everywhere(client, world, rule, expected, shown):
    # Given an assignment that counts by `rule`, and two attempts scoring 2 then 1
    world["assignment"].attempt_rule = rule
    world["assignment"].save()
    first = submit(world, "6 × 7 = 42\nThe box holds 42 eggs.")
    second = submit(world, "6 × 7 = 42\nThe box holds 48 eggs.")
    assert (first.score, second.score) == (Decimal("2.00"), Decimal("1.00"))
    # Then the gradebook counts by the rule
    _, rows = selectors.gradebook(assignment=world["assignment"])
    ana = next(row for row in rows if row.student == world["student"])
    assert ana.cells[0].counted.score == Decimal(expected)
    # And the student is told the rule on the problem page and on the feedback page
    client.force_login(world["student"])
    problem_page = client.get(reverse("problem_detail", args=[world["problem"].pk])).content.decode()
    statement = world["assignment"].get_attempt_rule_display()
    assert statement in problem_page
    assert f"Your score on this problem: <strong>{shown}</strong>" in problem_page
    assert statement in page(client, world["student"], second)


def test_attempt_history_is_on_the_problem_page_and_the_teachers_submission_page(client, world):
    first = submit(world, "6 × 7 = 48\n48 eggs")
    second = submit(world, "6 × 7 = 42\nThe box holds 42 eggs.")
    client.force_login(world["student"])
    html = client.get(reverse("problem_detail", args=[world["problem"].pk])).content.decode()
    for s in (first, second):
        assert reverse("submission_detail", args=[s.pk]) in html
    assert "Step 1" in html  # the first attempt's first error
    assert re.search(rf'<tr class="counts" data-counts[^>]*>\s*<td><a href="/submissions/{second.pk}/"', html)
    # The teacher sees the same history from either attempt, and the gradebook links the attempt that counts
    teacher_html = page(client, world["teacher"], first)
    assert "This student's attempts" in teacher_html
    assert reverse("submission_detail", args=[second.pk]) in teacher_html
    client.force_login(world["teacher"])
    book = client.get(reverse("gradebook", args=[world["assignment"].pk])).content.decode()
    assert f'href="{reverse("submission_detail", args=[second.pk])}"' in book


# --- 6. Failed gradings reach no teacher, and use up an attempt ------------------------------------------------------


def test_a_failed_grading_is_in_the_review_queue_and_does_not_use_an_attempt(client, world, settings):
    # Given an assignment set to a checker that cannot run on this server
    settings.VERIFIER_OPTIONS = {**settings.VERIFIER_OPTIONS, "base_url": "", "model": ""}
    world["assignment"].verifier_backend = "openai"
    world["assignment"].save()
    # When the student submits
    submission = submit(world, "6 × 7 = 42")
    # Then it failed with a reason the teacher can act on, and it is in the review queue with a one-click regrade
    assert submission.status == Status.FAILED
    assert "not set up on this server" in submission.status_reason
    assert "tokenizer_path" not in submission.status_reason
    assert not submission.counts_as_attempt
    client.force_login(world["teacher"])
    queue = client.get(reverse("review_queue")).content.decode()
    assert f'data-submission="{submission.pk}"' in queue
    assert "not set up on this server" in queue
    assert reverse("submission_regrade", args=[submission.pk]) in queue
    # And the student still has all their attempts, and is told this one did not count
    client.force_login(world["student"])
    problem_page = client.get(reverse("problem_detail", args=[world["problem"].pk])).content.decode()
    assert "0 of 3 used" in problem_page
    assert "does not use up one of your attempts" in page(client, world["student"], submission)


# --- The score policy, written down and shown -----------------------------------------------------------------------


def test_padding_with_trivial_steps_does_not_raise_the_score(world):
    plain = submit(world, "6 × 7 = 48\nThe box holds 48 eggs.")
    padded = submit(world, "1 = 1\n2 = 2\n3 = 3\n4 = 4\n6 × 7 = 48\nThe box holds 48 eggs.")
    assert padded.score <= plain.score


def test_the_assignment_page_states_the_score_rule_to_teachers(client, world):
    client.force_login(world["teacher"])
    html = client.get(reverse("assignment_detail", args=[world["assignment"].pk])).content.decode()
    assert "How scores are computed" in html
    assert "a correct final answer earns 50%" in html


def test_the_feedback_page_explains_how_the_score_was_worked_out(client, world):
    submission = submit(world, "6 × 7 = 48\nThe box holds 48 eggs.")
    html = page(client, world["student"], submission)
    assert "How this score was worked out" in html
    assert "Work before the first error" in html
    assert "Final answer: 0 of 1" in html


def test_a_students_own_attempt_history_never_shows_other_students(client, world):
    mine = submit(world, "6 × 7 = 42\nThe box holds 42 eggs.")
    theirs = submit(world, "6 × 7 = 42\nThe box holds 42 eggs.", student=world["other"])
    html = page(client, world["student"], mine)
    assert reverse("submission_detail", args=[theirs.pk]) not in html


@pytest.mark.django_db(transaction=False)
def test_teacher_scores_are_exact_and_survive_any_regrade(world, django_capture_on_commit_callbacks):
    """A property over generated solutions and teacher scores: the score is exactly what the teacher set, and a
    regrade (keeping decisions, the default) never changes it."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    world["assignment"].verifier_backend = "fake"
    world["assignment"].max_attempts = 100
    world["assignment"].save()
    lines = st.lists(st.sampled_from(["a", "b WRONG", "c UNSURE", "x = 5"]), min_size=1, max_size=5)
    scores = st.decimals(min_value=0, max_value=2, places=2, allow_nan=False, allow_infinity=False)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(lines, scores, st.booleans())
    def check(text_lines, teacher_score, accept_review):
        submission = submit(world, "\n".join(text_lines))
        if submission.status == Status.NEEDS_REVIEW and accept_review:
            services.review_accept(submission=submission, actor=world["teacher"])
        services.score_override(submission=submission, actor=world["teacher"], score=teacher_score, reason="mine")
        submission.refresh_from_db()
        assert submission.score == teacher_score
        with django_capture_on_commit_callbacks(execute=True):
            services.submission_regrade(submission=submission, actor=world["teacher"])
        submission.refresh_from_db()
        assert submission.status == Status.GRADED
        assert submission.score == teacher_score

    check()
