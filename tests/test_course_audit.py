"""Every course-workflow service writes its audit event (and any notification) in the transaction of its change:
when the surrounding transaction rolls back, neither the change nor the event is left."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from grading import services as grading
from grading.models import RegradeRequest, RegradeRun, StudentException, Submission
from tests.coursework import graded, make_world
from tutor.audit.models import AuditEvent
from tutor.classroom import content, roster
from tutor.classroom.models import Assignment, Enrollment, ManagedAccount
from tutor.notifications.models import Notification

pytestmark = pytest.mark.django_db
MOODLE = (Path(__file__).resolve().parents[1] / "examples" / "moodle" / "stack.xml").read_bytes()


def state() -> tuple:
    return (
        list(User.objects.values("id", "password").order_by("id")),
        Enrollment.objects.count(),
        ManagedAccount.objects.count(),
        Assignment.objects.count(),
        list(Submission.objects.values("id", "status", "grading_version", "score").order_by("id")),
        RegradeRequest.objects.count(),
        RegradeRun.objects.count(),
        StudentException.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


ACTIONS = {
    "roster_import": lambda w, s: roster.roster_import(
        actor=w.teacher, course=w.course, content=b"username\nnew.one\n"
    ),
    "password_set": lambda w, s: roster.student_password_set(
        actor=w.teacher,
        course=w.course,
        student=roster.roster_import(actor=w.teacher, course=w.course, content=b"username\nmanaged\n").created[0][0],
        password="a-fresh-password-1",
    ),
    "moodle_import": lambda w, s: content.moodle_import(actor=w.ta, course=w.course, content=MOODLE, filename="s.xml"),
    "exception_clear": lambda w, s: grading.student_exception_clear(
        actor=w.teacher,
        exception=StudentException.objects.create(
            assignment=w.assignment, student=w.student, extra_attempts=1, granted_by=w.teacher
        ),
    ),
    "regrade_request_create": lambda w, s: grading.regrade_request_create(student=w.student, submission=s, message="?"),
    "regrade_run_create": lambda w, s: grading.regrade_run_create(actor=w.ta, assignment=w.assignment),
    "signup": lambda w, s: (
        content.course_update(actor=w.teacher, course=w.course, fields={"allow_signup": True}),
        roster.student_signup(join_code=w.course.join_code, username="joiner", password="a-long-password-1"),
    ),
}


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_a_rollback_leaves_neither_the_change_nor_its_audit_event(name):
    world = make_world()
    submission = graded(world.student, world.problems[0])
    before = state()
    events: list[int] = []

    def act_then_fail() -> None:
        with transaction.atomic():
            ACTIONS[name](world, submission)
            events.append(AuditEvent.objects.count() - before[-2])
            raise RuntimeError("a later step of the request failed")

    with pytest.raises(RuntimeError):
        act_then_fail()
    assert events[0] >= 1  # the event was written, inside the transaction
    assert state() == before
