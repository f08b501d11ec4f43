"""Regrade requests: a student asks about a step of a graded attempt (one open request at a time); a teacher or TA
answers from the review queue, accepting with an override (through the override services, so it is in the
history and survives regrades) or declining with a reply the student reads."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from grading import services
from grading.models import Override, RegradeRequest, Submission
from tests.coursework import graded, make_world
from tutor.audit.models import AuditEvent
from tutor.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def wrong(world):
    """Student's attempt whose second step the (fake) checker marks wrong."""
    return graded(world.student, world.problems[0], text="3x = 15\nx = 5 WRONG")


def ask(world, submission, step_index=1, message="Step 2 is right: 15 / 3 = 5."):
    return services.regrade_request_create(
        student=world.student, submission=submission, message=message, step_index=step_index
    )


def test_a_student_asks_about_a_step_and_the_graders_are_told(world, wrong):
    request = ask(world, wrong)
    assert (request.status, request.step_index, request.student) == ("open", 1, world.student)
    event = AuditEvent.objects.get(event_type="regrade_request.created")
    assert (event.target_id, event.actor, event.details["step_index"]) == (str(wrong.pk), world.student, 1)
    # The teacher and the TA get one notification for the class; nobody else does
    notified = set(Notification.objects.filter(kind="regrade_requested").values_list("recipient__username", flat=True))
    assert notified == {"teacher", "ta"}


def test_one_open_request_per_attempt_and_a_bounded_number_in_all(world, wrong):
    request = ask(world, wrong)
    with pytest.raises(services.SubmissionError, match="your teacher will answer it"):
        ask(world, wrong)
    for _ in range(2):
        services.regrade_request_answer(regrade_request=request, actor=world.teacher, accept=False, reply="No.")
        request = ask(world, wrong)
    services.regrade_request_answer(regrade_request=request, actor=world.teacher, accept=False, reply="Still no.")
    with pytest.raises(services.SubmissionError, match="asked 3 times about this attempt"):
        ask(world, wrong)
    assert RegradeRequest.objects.filter(submission=wrong).count() == 3


def test_only_the_owner_asks_about_a_graded_attempt(world, wrong):
    for who in ("other_student", "teacher", "student_b"):
        with pytest.raises(services.GradingPermissionError, match="your own work"):
            services.regrade_request_create(student=world.user(who), submission=wrong, message="please")
    waiting = graded(world.student, world.problems[1], text="2 + 3 = 5")
    Submission.objects.filter(pk=waiting.pk).update(status=Submission.Status.NEEDS_REVIEW)
    with pytest.raises(services.SubmissionError, match="has not confirmed this grade yet"):
        ask(world, waiting, step_index=0)
    for message, step, error in (
        ("", 1, "Say what you think"),
        ("x" * 1001, 1, "under 1,000"),
        ("hm", 7, "not part of"),
    ):
        with pytest.raises(services.SubmissionError, match=error):
            ask(world, wrong, step_index=step, message=message)
    assert not RegradeRequest.objects.exists()


def test_accepting_overrides_the_step_through_the_override_service_and_the_student_reads_the_reply(
    world, wrong, client
):
    request = ask(world, wrong)
    before = Submission.objects.get(pk=wrong.pk).score
    # When the TA accepts, marking the step correct, with a reply
    answered = services.regrade_request_answer(
        regrade_request=request, actor=world.ta, accept=True, verdict="correct", reply="You're right, 15 / 3 = 5."
    )
    # Then the step carries the TA's verdict and reason, the score follows, and the override is in the history
    submission = Submission.objects.get(pk=wrong.pk)
    step = submission.steps.get(index=1)
    assert (step.teacher_verdict, step.teacher_reason) == ("correct", "You're right, 15 / 3 = 5.")
    assert submission.score > before
    override = Override.objects.get(submission=submission, kind="step")
    assert answered.override == override
    assert (answered.status, answered.answered_by, answered.resolved_at is not None) == ("accepted", world.ta, True)
    assert AuditEvent.objects.filter(event_type="regrade_request.accepted", details__override_id=override.pk).exists()
    # and the student is told, and reads the answer on the submission page
    note = Notification.objects.get(recipient=world.student)
    assert note.message == "Your teacher accepted your regrade request on Week 1, problem 1 (attempt 1)."
    client.force_login(world.student)
    page = client.get(reverse("submission_detail", args=[wrong.pk])).content.decode()
    assert "Your teacher replied:" in page
    assert "You&#x27;re right, 15 / 3 = 5." in page


def test_accepting_with_a_score_and_declining_with_a_reply(world, wrong):
    request = ask(world, wrong, step_index=None, message="I think I deserve more.")
    services.regrade_request_answer(
        regrade_request=request, actor=world.teacher, accept=True, score=Decimal("0.75"), reply="A bit more."
    )
    submission = Submission.objects.get(pk=wrong.pk)
    assert (submission.teacher_score, submission.score) == (Decimal("0.75"), Decimal("0.75"))
    second = ask(world, wrong, step_index=0, message="And step 1?")
    services.regrade_request_answer(regrade_request=second, actor=world.teacher, accept=False, reply="Step 1 stands.")
    second.refresh_from_db()
    assert (second.status, second.reply, second.override) == ("declined", "Step 1 stands.", None)
    assert Submission.objects.get(pk=wrong.pk).score == Decimal("0.75")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"accept": True, "reply": "ok"}, "change the step's verdict or the score"),
        ({"accept": False, "reply": "  "}, "Write a reply"),
        ({"accept": True, "reply": "ok", "score": Decimal("9")}, "between 0 and 1"),
    ],
    ids=["accept_without_change", "no_reply", "score_too_high"],
)
def test_bad_answers_change_nothing(world, wrong, kwargs, error):
    request = ask(world, wrong)
    before = Submission.objects.values().get(pk=wrong.pk)
    with pytest.raises(services.GradingError, match=error):
        services.regrade_request_answer(regrade_request=request, actor=world.teacher, **kwargs)
    request.refresh_from_db()
    assert request.is_open
    assert Submission.objects.values().get(pk=wrong.pk) == before
    assert not Override.objects.exists()


@pytest.mark.parametrize("who", ["student", "other_student", "teacher_b"])
def test_students_and_other_teachers_cannot_answer(world, wrong, who):
    request = ask(world, wrong)
    with pytest.raises(services.GradingPermissionError, match="teachers and TAs"):
        services.regrade_request_answer(
            regrade_request=request, actor=world.user(who), accept=True, verdict="correct", reply="mine"
        )
    request.refresh_from_db()
    assert request.is_open


def test_a_request_is_answered_once(world, wrong):
    request = ask(world, wrong)
    services.regrade_request_answer(regrade_request=request, actor=world.teacher, accept=False, reply="No.")
    with pytest.raises(services.SubmissionError, match="answered already"):
        services.regrade_request_answer(
            regrade_request=request, actor=world.ta, accept=True, verdict="correct", reply="Yes!"
        )


def test_a_rolled_back_answer_leaves_no_override_no_event_and_no_notification(world, wrong):
    request = ask(world, wrong)
    counts = lambda: (Override.objects.count(), AuditEvent.objects.count(), Notification.objects.count())  # noqa: E731
    before = counts()

    def answer_then_fail() -> None:
        with transaction.atomic():
            services.regrade_request_answer(
                regrade_request=request, actor=world.teacher, accept=True, verdict="correct", reply="ok"
            )
            raise RuntimeError("later failure")

    with pytest.raises(RuntimeError):
        answer_then_fail()
    assert counts() == before
    request.refresh_from_db()
    assert request.is_open


def test_the_review_queue_lists_requests_and_answers_them_in_place(world, wrong, client):
    ask(world, wrong)
    client.force_login(world.ta)
    page = client.get(reverse("review_queue")).content.decode()
    assert "Regrade requests" in page
    assert "Step 2 is right: 15 / 3 = 5." in page
    assert "x = 5 WRONG" in page  # the step itself, to judge without opening the submission
    request = RegradeRequest.objects.get()
    response = client.post(
        reverse("regrade_request_answer", args=[request.pk]),
        {"decision": "accept", "verdict": "correct", "score": "", "reply": "Agreed.", "next": reverse("review_queue")},
    )
    assert response["Location"] == reverse("review_queue")
    request.refresh_from_db()
    assert request.status == "accepted"
    assert "No regrade requests waiting." in client.get(reverse("review_queue")).content.decode()
    # Teacher B's queue never showed it
    client.force_login(world.teacher_b)
    assert "Step 2 is right" not in client.get(reverse("review_queue")).content.decode()


def test_the_student_asks_from_the_submission_page(world, wrong, client):
    client.force_login(world.student)
    page = client.get(reverse("submission_detail", args=[wrong.pk])).content.decode()
    assert "Think the grade is wrong? Ask your teacher to look again" in page
    assert '<option value="1" selected>Step 2: x = 5 WRONG</option>' in page  # the step marked wrong
    response = client.post(
        reverse("regrade_request_create", args=[wrong.pk]), {"step": "1", "message": "Please check step 2."}
    )
    assert response.status_code == 302
    page = client.get(reverse("submission_detail", args=[wrong.pk])).content.decode()
    assert "Your teacher has not answered yet" in page
    # Another student cannot post one on this attempt
    client.force_login(world.other_student)
    assert (
        client.post(reverse("regrade_request_create", args=[wrong.pk]), {"step": "1", "message": "x"}).status_code
        == 404
    )
