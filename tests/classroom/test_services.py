"""Classroom services: each writes its rows and its audit event, and refuses what the actor may not do."""

from __future__ import annotations

import pytest

from tests.factories import SubmissionFactory, UserFactory, invite_and_accept
from tutor.audit.models import AuditEvent
from tutor.classroom import services
from tutor.classroom.importers import ProblemSetError
from tutor.classroom.models import Assignment, Enrollment, Problem

pytestmark = pytest.mark.django_db

SET = b"""---
title: Imported
---
## One
What is 1 + 1?
### Answer
2
## Two
What is 2 + 2?
### Answer
4
"""


def events(event_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=event_type))


def test_course_create_makes_the_creator_its_teacher(teacher):
    course = services.course_create(teacher=teacher, name="  Geometry  ")
    assert course.name == "Geometry"
    assert Enrollment.objects.get(course=course, user=teacher).role == Enrollment.Role.TEACHER
    assert len(course.join_code) == 8
    [event] = events("course.created")
    assert (event.actor, event.target_id) == (teacher, str(course.pk))


def test_course_join_with_a_code_typed_loosely(course, student):
    # Given the code typed lower-case with a space / When the student joins
    code = course.join_code.lower()
    enrollment = services.course_join(student=student, join_code=f" {code[:4]} {code[4:]} ")
    # Then they are a student of that class, and it is audited
    assert (enrollment.course, enrollment.role) == (course, Enrollment.Role.STUDENT)
    assert events("course.joined")[0].actor == student


def test_course_join_wrong_code_and_twice(course, student):
    with pytest.raises(services.ClassroomError, match="No class has the code ZZZZ"):
        services.course_join(student=student, join_code="zzzz")
    services.course_join(student=student, join_code=course.join_code)
    with pytest.raises(services.ClassroomError, match="already in Algebra 1"):
        services.course_join(student=student, join_code=course.join_code)
    assert Enrollment.objects.filter(course=course).count() == 2


def test_enrollment_remove_keeps_past_work(course, enrolled, teacher, student):
    # Given a student with a submission
    problem = services.assignment_create(
        actor=teacher,
        course=course,
        fields={"title": "HW"},
        problems=[services.ProblemInput(statement="s", reference_answer="1")],
    ).problems.get()
    submission = SubmissionFactory(problem=problem, student=student)
    # When the teacher removes them
    services.enrollment_remove(actor=teacher, enrollment=enrolled)
    # Then they are off the roster, their submission stays, and the removal is audited
    assert not Enrollment.objects.filter(pk=enrolled.pk).exists()
    submission.refresh_from_db()
    assert events("enrollment.removed")[0].details["username"] == "student1"


def test_only_teachers_remove_and_teachers_cannot_be_removed(course, enrolled, teacher, student):
    ta = UserFactory(username="ta1")
    ta_enrollment = invite_and_accept(actor=teacher, course=course, username="ta1", role="ta")
    with pytest.raises(services.ClassroomError, match="Only a teacher"):
        services.enrollment_remove(actor=ta, enrollment=enrolled)
    with pytest.raises(services.ClassroomError, match="Only a teacher"):
        services.enrollment_remove(actor=student, enrollment=ta_enrollment)
    teacher_enrollment = Enrollment.objects.get(course=course, user=teacher)
    with pytest.raises(services.ClassroomError, match="Teachers cannot be removed"):
        services.enrollment_remove(actor=teacher, enrollment=teacher_enrollment)
    assert Enrollment.objects.filter(course=course).count() == 3


def test_inviting_an_unknown_username_says_nothing_about_it(course, teacher):
    # (It used to answer "There is no account with the username 'ghost'", which told anyone who exists.)
    assert services.invitation_create(actor=teacher, course=course, username="ghost", role="ta") is None
    assert not course.invitations.exists()


def test_assignment_create_with_problems_in_order(course, teacher):
    assignment = services.assignment_create(
        actor=teacher,
        course=course,
        fields={"title": "HW 1", "max_attempts": 2},
        problems=[
            services.ProblemInput(statement="A", reference_answer="1", reference_solution=["x = 1"]),
            services.ProblemInput(statement="B", reference_answer="2"),
        ],
    )
    assert [(p.position, p.statement) for p in assignment.problems.all()] == [(1, "A"), (2, "B")]
    assert assignment.problems.first().reference_solution == ["x = 1"]
    assert events("assignment.created")[0].details["problems"] == 2


def test_students_cannot_create_assignments(course, enrolled, student):
    with pytest.raises(services.ClassroomError):
        services.assignment_create(actor=student, course=course, fields={"title": "Mine"})
    assert not Assignment.objects.exists()


def test_problem_create_appends(course, teacher):
    assignment = services.assignment_create(actor=teacher, course=course, fields={"title": "HW"})
    services.problem_create(actor=teacher, assignment=assignment, problem=services.ProblemInput("A", "1"))
    second = services.problem_create(actor=teacher, assignment=assignment, problem=services.ProblemInput("B", "2"))
    assert second.position == 2


def test_problem_set_import_creates_everything_and_audits(course, teacher):
    assignment = services.problem_set_import(actor=teacher, course=course, content=SET, filename="w.md")
    assert assignment.title == "Imported"
    assert list(assignment.problems.values_list("reference_answer", flat=True)) == ["2", "4"]
    assert events("problem_set.imported")[0].details == {"filename": "w.md", "bytes": len(SET), "problems": 2}


def test_problem_set_import_is_all_or_nothing(course, teacher):
    # Given a file whose second problem is broken
    broken = SET.replace(b"### Answer\n4\n", b"")
    # When it is imported / Then it fails naming problem 2, and nothing at all was written
    with pytest.raises(ProblemSetError, match="Problem 2"):
        services.problem_set_import(actor=teacher, course=course, content=broken, filename="w.md")
    assert not Assignment.objects.exists()
    assert not Problem.objects.exists()
    assert not events("problem_set.imported")


def test_problem_set_import_rolls_back_when_a_late_step_fails(course, teacher, monkeypatch):
    # Given a database error after the assignment row is written (the audit write fails)
    from tutor.classroom import services as module

    real_record = module.record

    def failing_record(**kwargs):
        if kwargs["event_type"] == "problem_set.imported":
            raise RuntimeError("disk full")
        return real_record(**kwargs)

    monkeypatch.setattr(module, "record", failing_record)
    # When importing / Then nothing stays behind
    with pytest.raises(RuntimeError):
        services.problem_set_import(actor=teacher, course=course, content=SET, filename="w.md")
    assert not Assignment.objects.exists()
    assert not Problem.objects.exists()
