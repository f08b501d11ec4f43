"""The access module is the one home of "who may do what": each rule proved here, and the site-staff rule
that the copies used to disagree on (a superuser passed grading checks but got 404 on class pages; a site
admin's review queue was empty)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grading import selectors as grading_selectors
from grading import services as grading_services
from grading.models import Submission
from tests.factories import SubmissionFactory, UserFactory, grant_create_classes, invite_and_accept
from tutor.classroom import access, services
from tutor.classroom.access import Capability, CourseAccess

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    teacher, ta, student, outsider = (UserFactory(username=n) for n in ("teacher", "ta", "student", "outsider"))
    course = services.course_create(teacher=grant_create_classes(teacher), name="Class A")
    invite_and_accept(actor=teacher, course=course, username="ta", role="ta")
    services.course_join(student=student, join_code=course.join_code)
    assignment = services.assignment_create(
        actor=teacher,
        course=course,
        fields={"title": "HW", "verifier_backend": "fake"},
        problems=[services.ProblemInput(statement="Solve $3x = 15$.", reference_answer="5")],
    )
    admin = UserFactory(username="site_admin", is_staff=True, is_superuser=True)
    return {
        "teacher": teacher,
        "ta": ta,
        "student": student,
        "outsider": outsider,
        "admin": admin,
        "course": course,
        "assignment": assignment,
        "problem": assignment.problems.get(),
    }


EXPECTED = {
    # role: capabilities it has
    "teacher": {
        Capability.VIEW,
        Capability.VIEW_STAFF,
        Capability.GRADE,
        Capability.AUTHOR,
        Capability.MANAGE,
        Capability.ACCOMMODATE,
    },
    "ta": {Capability.VIEW, Capability.VIEW_STAFF, Capability.GRADE, Capability.AUTHOR},
    "student": {Capability.VIEW, Capability.SUBMIT},
    "outsider": set(),
    "admin": {Capability.VIEW, Capability.VIEW_STAFF, Capability.GRADE},
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_role_has_exactly_its_capabilities(world, who):
    # When the access module is asked about every capability for one user
    granted = {cap for cap in Capability if access.can(world[who], world["course"].pk, cap)}
    # Then the user has exactly the capabilities of their role
    assert granted == EXPECTED[who]


def test_inactive_staff_accounts_are_not_site_staff(world):
    world["admin"].is_active = False
    assert not access.is_site_staff(world["admin"])
    assert not access.can(world["admin"], world["course"].pk, Capability.VIEW)


def test_a_site_staff_user_who_teaches_the_class_keeps_the_teacher_rights():
    assert CourseAccess(course_id=1, role="teacher", site_staff=True).allows(Capability.MANAGE)
    assert not CourseAccess(course_id=1, role=None, site_staff=True).allows(Capability.MANAGE)


def test_site_admin_reads_class_assignment_problem_gradebook_and_audit_pages(client, world):
    # Given a graded submission in a class the site admin is not enrolled in
    submission = grading_services.submission_create(student=world["student"], problem=world["problem"], text="x = 5")
    grading_services.submission_grade(submission_id=submission.pk, grading_version=1)
    client.force_login(world["admin"])
    # When the admin opens the class's pages / Then every one answers (they used to 404)
    for url in (
        reverse("course_detail", args=[world["course"].pk]),
        reverse("assignment_detail", args=[world["assignment"].pk]),
        reverse("problem_detail", args=[world["problem"].pk]),
        reverse("gradebook", args=[world["assignment"].pk]),
        reverse("submission_detail", args=[submission.pk]),
        reverse("submission_audit", args=[submission.pk]),
    ):
        assert client.get(url).status_code == 200, url
    # And the class page shows the roster but no authoring tools
    body = client.get(reverse("course_detail", args=[world["course"].pk])).content.decode()
    assert "Roster" in body
    assert reverse("assignment_create", args=[world["course"].pk]) not in body
    # And authoring stays with the class's staff
    assert client.get(reverse("assignment_create", args=[world["course"].pk])).status_code == 404


def test_site_admin_review_queue_lists_every_class(world):
    # Given a submission waiting for review in a class the admin is not enrolled in
    submission = SubmissionFactory(problem=world["problem"], student=world["student"])
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.NEEDS_REVIEW)
    # When the admin's review queue is read / Then it holds that submission (it used to be empty)
    assert list(grading_selectors.review_queue(user=world["admin"])) == [Submission.objects.get(pk=submission.pk)]
    # And an outsider's queue stays empty
    assert not grading_selectors.review_queue(user=world["outsider"]).exists()


def test_site_admin_changes_a_grade_only_through_the_audited_service(world):
    from tutor.audit.models import AuditEvent

    submission = grading_services.submission_create(student=world["student"], problem=world["problem"], text="x = 5")
    grading_services.submission_grade(submission_id=submission.pk, grading_version=1)
    grading_services.score_override(submission=submission, actor=world["admin"], score=0, reason="checked by admin")
    event = AuditEvent.objects.get(event_type="override.score", target_id=str(submission.pk))
    assert event.actor == world["admin"]
    assert event.course_id == world["course"].pk


def test_students_do_not_see_unopened_assignments_but_staff_and_site_admin_do(client, world):
    from datetime import timedelta

    from django.utils import timezone

    later = services.assignment_create(
        actor=world["teacher"],
        course=world["course"],
        fields={"title": "Next week", "opens_at": timezone.now() + timedelta(days=7)},
    )
    url = reverse("assignment_detail", args=[later.pk])
    for who, status in (("student", 404), ("teacher", 200), ("ta", 200), ("admin", 200), ("outsider", 404)):
        client.force_login(world[who])
        assert client.get(url).status_code == status, who
