"""Per-student exceptions are inputs to the one submission policy: an extension moves that student's due date, extra
attempts raise their maximum, extra time moves the due date by a share of the working time. Only the class's
teacher sets them; each is audited and the student sees it."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from grading import policy, services
from grading.models import StudentException
from tests.coursework import graded, make_world
from tutor.audit.models import AuditEvent
from tutor.classroom.models import Problem
from tutor.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def fresh(problem: Problem) -> Problem:
    return Problem.objects.select_related("assignment__course").get(pk=problem.pk)


def past_due(world, days: int = 1) -> None:
    world.assignment.opens_at = timezone.now() - timedelta(days=10)
    world.assignment.due_at = timezone.now() - timedelta(days=days)
    world.assignment.save()


def test_an_extension_makes_work_after_the_class_due_date_on_time_for_that_student_only(world):
    # Given an assignment due yesterday that refuses late work
    past_due(world)
    world.assignment.late_policy = "refuse"
    world.assignment.save()
    problem = fresh(world.problems[0])
    assert policy.submit_decision(problem=problem, student_id=world.student.pk).code == "closed"
    # When the teacher extends it for one student to tomorrow
    until = timezone.now() + timedelta(days=1)
    services.student_exception_set(
        actor=world.teacher, assignment=world.assignment, student=world.student, due_at=until
    )
    # Then that student may submit, on time; their classmate still may not
    decision = policy.submit_decision(problem=problem, student_id=world.student.pk)
    assert (decision.allowed, decision.code, decision.is_late, decision.due_at) == (True, "ok", False, until)
    assert policy.submit_decision(problem=problem, student_id=world.other_student.pk).code == "closed"
    submission = services.submission_create(student=world.student, problem=problem, text="x = 5")
    assert submission.is_late is False


def test_after_the_extension_the_work_is_late(world):
    past_due(world, days=3)
    services.student_exception_set(
        actor=world.teacher,
        assignment=world.assignment,
        student=world.student,
        due_at=world.assignment.due_at + timedelta(days=1),
    )
    decision = policy.submit_decision(problem=fresh(world.problems[0]), student_id=world.student.pk)
    assert (decision.allowed, decision.is_late) == (True, True)


def test_extra_attempts_raise_one_students_maximum(world):
    problem = fresh(world.problems[0])
    graded(world.student, problem)
    graded(world.student, problem)
    assert policy.submit_decision(problem=problem, student_id=world.student.pk).code == "no_attempts_left"
    services.student_exception_set(
        actor=world.teacher, assignment=world.assignment, student=world.student, extra_attempts=1
    )
    decision = policy.submit_decision(problem=problem, student_id=world.student.pk)
    assert (decision.allowed, decision.max_attempts, decision.attempts_left) == (True, 3, 1)
    graded(world.student, problem)
    assert policy.submit_decision(problem=problem, student_id=world.student.pk).code == "no_attempts_left"


def test_extra_time_moves_the_due_date_by_a_share_of_the_working_time(world):
    # Given a week-long assignment (opens Monday, due the next Monday)
    opens = timezone.now() - timedelta(days=7, hours=1)
    world.assignment.opens_at, world.assignment.due_at = opens, opens + timedelta(days=7)
    world.assignment.late_policy = "refuse"
    world.assignment.save()
    problem = fresh(world.problems[0])
    assert policy.submit_decision(problem=problem, student_id=world.student.pk).code == "closed"
    # When a student gets 50% extra time
    services.student_exception_set(
        actor=world.teacher, assignment=world.assignment, student=world.student, extra_time_percent=50
    )
    # Then their due date is 3.5 days later, and they may submit on time
    decision = policy.submit_decision(problem=problem, student_id=world.student.pk)
    assert decision.due_at == opens + timedelta(days=10, hours=12)
    assert (decision.allowed, decision.is_late) == (True, False)


def test_an_exception_never_moves_a_due_date_earlier_and_the_later_of_two_counts(world):
    assignment = world.assignment
    exception = StudentException(
        assignment=assignment, student=world.student, due_at=assignment.due_at - timedelta(days=5)
    )
    assert policy.effective_due_at(assignment, exception) == assignment.due_at
    exception.due_at = assignment.due_at + timedelta(hours=1)
    exception.extra_time_percent = 100  # created just now, due in two days: two more days
    assert policy.effective_due_at(assignment, exception) > assignment.due_at + timedelta(days=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "Choose a later due date, extra attempts or extra time"),
        ({"due_at": "EARLIER"}, "must be later than the assignment's due date"),
        ({"extra_attempts": 101}, "less than or equal to 100"),
        ({"extra_time_percent": 201}, "less than or equal to 200"),
        ({"extra_attempts": 1, "reason": "x" * 501}, "under 500 characters"),
    ],
    ids=["nothing", "earlier", "too_many_attempts", "too_much_time", "long_reason"],
)
def test_bad_exceptions_are_refused_and_change_nothing(world, kwargs, message):
    if kwargs.get("due_at") == "EARLIER":
        kwargs = {"due_at": world.assignment.due_at - timedelta(hours=1)}
    with pytest.raises(services.GradingError, match=message):
        services.student_exception_set(
            actor=world.teacher, assignment=world.assignment, student=world.student, **kwargs
        )
    assert not StudentException.objects.exists()
    assert not AuditEvent.objects.filter(event_type="exception.set").exists()


def test_nothing_to_extend_without_a_due_date(world):
    world.assignment.due_at = None
    world.assignment.save()
    with pytest.raises(services.GradingError, match="no due date, so there is nothing to extend"):
        services.student_exception_set(
            actor=world.teacher, assignment=world.assignment, student=world.student, extra_time_percent=25
        )
    # Extra attempts still make sense
    services.student_exception_set(
        actor=world.teacher, assignment=world.assignment, student=world.student, extra_attempts=2
    )


@pytest.mark.parametrize("who", ["ta", "student", "teacher_b"])
def test_only_the_teacher_gives_exceptions(world, who):
    with pytest.raises(services.GradingPermissionError, match="Only a teacher of this class"):
        services.student_exception_set(
            actor=world.user(who), assignment=world.assignment, student=world.student, extra_attempts=1
        )
    assert not StudentException.objects.exists()


def test_an_exception_is_for_a_student_of_the_class(world):
    with pytest.raises(services.GradingError, match="student_b is not a student of this class"):
        services.student_exception_set(
            actor=world.teacher, assignment=world.assignment, student=world.student_b, extra_attempts=1
        )


def test_replacing_and_removing_an_exception_is_audited_with_before_and_after(world):
    services.student_exception_set(
        actor=world.teacher, assignment=world.assignment, student=world.student, extra_attempts=1
    )
    exception = services.student_exception_set(
        actor=world.teacher, assignment=world.assignment, student=world.student, extra_attempts=3, reason="IEP"
    )
    assert StudentException.objects.get().extra_attempts == 3
    second = AuditEvent.objects.filter(event_type="exception.set").order_by("id").last()
    assert second.details["before"]["extra_attempts"] == 1
    assert second.details["after"] == {"due_at": None, "extra_attempts": 3, "extra_time_percent": 0, "reason": "IEP"}
    services.student_exception_clear(actor=world.teacher, exception=exception)
    assert not StudentException.objects.exists()
    cleared = AuditEvent.objects.get(event_type="exception.cleared")
    assert cleared.details["before"]["extra_attempts"] == 3


def test_a_rolled_back_exception_leaves_no_audit_event_and_no_notification(world):
    counts = lambda: (StudentException.objects.count(), AuditEvent.objects.count(), Notification.objects.count())  # noqa: E731
    before = counts()

    def grant_then_fail() -> None:
        with transaction.atomic():
            services.student_exception_set(
                actor=world.teacher, assignment=world.assignment, student=world.student, extra_attempts=1
            )
            raise RuntimeError("later failure")

    with pytest.raises(RuntimeError):
        grant_then_fail()
    assert counts() == before


def test_the_student_sees_the_exception_on_the_assignment_and_problem_pages(world, client):
    until = world.assignment.due_at + timedelta(days=3)
    services.student_exception_set(
        actor=world.teacher, assignment=world.assignment, student=world.student, due_at=until, extra_attempts=2
    )
    client.force_login(world.student)
    page = client.get(reverse("assignment_detail", args=[world.assignment.pk])).content.decode()
    assert "Your teacher gave you more time or tries on this assignment" in page
    assert "2 extra attempts per problem" in page
    assert "0 of 4 attempts used" in page
    problem_page = client.get(reverse("problem_detail", args=[world.problems[0].pk])).content.decode()
    assert "(your extension)" in problem_page
    assert "0 of 4 used" in problem_page
    # and is told in a notification
    [note] = Notification.objects.filter(recipient=world.student)
    assert note.message.startswith("Week 1: your teacher gave you due ")
    # Classmates see nothing of it
    client.force_login(world.other_student)
    assert (
        "more time or tries"
        not in client.get(reverse("assignment_detail", args=[world.assignment.pk])).content.decode()
    )


def test_the_teacher_gives_an_exception_from_the_assignment_page_in_the_class_time_zone(world, client):
    world.course.time_zone = "America/New_York"
    world.course.save()
    client.force_login(world.teacher)
    page = client.get(reverse("assignment_detail", args=[world.assignment.pk])).content.decode()
    assert "Give a student an exception" in page
    local_due = timezone.localtime(world.assignment.due_at + timedelta(days=2), timezone=ZoneInfo("America/New_York"))
    response = client.post(
        reverse("exception_save", args=[world.assignment.pk]),
        {
            "student": world.student.pk,
            "due_at": local_due.strftime("%Y-%m-%dT%H:%M"),
            "extra_attempts": "",
            "extra_time_percent": "",
        },
    )
    assert response.status_code == 302
    exception = StudentException.objects.get()
    assert exception.due_at == local_due.replace(second=0, microsecond=0)
    # A TA sees the exceptions but has no form to give them
    client.force_login(world.ta)
    page = client.get(reverse("assignment_detail", args=[world.assignment.pk])).content.decode()
    assert "Only the class's teacher gives exceptions" in page
