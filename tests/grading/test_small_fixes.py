"""Issue 9, defect 10: the smaller things a teacher or student notices in the first hour."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from grading import services
from grading.models import Submission
from tests.factories import EnrollmentFactory, ProblemFactory, SubmissionFactory, UserFactory
from tutor.classroom.models import Enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    problem = ProblemFactory(reference_solution=["3x = 15"], points=2)
    assignment = problem.assignment
    assignment.instructions = "Show **every** step of your work."
    assignment.save()
    teacher, student = UserFactory(username="teach"), UserFactory(username="stu")
    EnrollmentFactory(course=assignment.course, user=teacher, role=Enrollment.Role.TEACHER)
    EnrollmentFactory(course=assignment.course, user=student, role=Enrollment.Role.STUDENT)
    return problem, teacher, student


def test_the_try_again_link_is_inside_the_polled_fragment(client, world):
    # Given a graded attempt: the polled fragment (what htmx swaps in when grading ends) carries the link
    problem, _, student = world
    submission = services.submission_create(student=student, problem=problem, text="3x = 15\nx = 6 WRONG")
    services.submission_grade(submission_id=submission.pk, grading_version=1)
    client.force_login(student)
    fragment = client.get(reverse("submission_detail", args=[submission.pk]), HTTP_HX_REQUEST="true")
    assert "Fix it and try again (2 attempts left)" in fragment.content.decode()
    # And once the student has full marks, the link says so instead of asking for a fix
    right = services.submission_create(student=student, problem=problem, text="3x = 15\nx = 5")
    services.submission_grade(submission_id=right.pk, grading_version=1)
    fragment = client.get(reverse("submission_detail", args=[right.pk]), HTTP_HX_REQUEST="true")
    assert "Back to the problem (you have full marks)" in fragment.content.decode()


def test_one_reference_step_is_one_step(client, world):
    problem, teacher, _ = world
    client.force_login(teacher)
    body = client.get(reverse("assignment_detail", args=[problem.assignment_id])).content.decode()
    assert "Reference solution (1 step)" in body
    assert "(1 steps)" not in body


def test_latex_in_help_texts_is_not_typeset(client, world):
    problem, teacher, _ = world
    client.force_login(teacher)
    body = client.get(reverse("assignment_detail", args=[problem.assignment_id])).content.decode()
    assert '<p class="help no-math">Markdown; write math in LaTeX between dollar signs' in body


def test_the_problem_page_shows_the_assignments_instructions(client, world):
    problem, _, student = world
    client.force_login(student)
    body = client.get(reverse("problem_detail", args=[problem.pk])).content.decode()
    assert "Show <strong>every</strong> step of your work." in body


def test_a_slow_grading_tells_the_student_the_work_is_saved(client, world):
    # Given a submission still queued a minute after it was saved (no worker is running)
    problem, _, student = world
    submission = SubmissionFactory(problem=problem, student=student)
    Submission.objects.filter(pk=submission.pk).update(submitted_at=timezone.now() - timedelta(minutes=1))
    client.force_login(student)
    body = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    assert "This is taking longer than usual. Your solution is saved" in body
    # And a fresh one does not say so
    fresh = SubmissionFactory(problem=problem, student=student, attempt_number=2)
    assert "taking longer" not in client.get(reverse("submission_detail", args=[fresh.pk])).content.decode()


def test_students_get_404_on_the_review_queue(client, world):
    _, teacher, student = world
    client.force_login(student)
    assert client.get(reverse("review_queue")).status_code == 404
    client.force_login(teacher)
    assert client.get(reverse("review_queue")).status_code == 200


@override_settings(DEBUG=True)
def test_with_debug_on_an_unknown_url_shows_the_apps_404_not_the_url_list(client, world):
    _, _, student = world
    client.force_login(student)
    response = client.get("/no/such/page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "We couldn't find that page" in body
    assert "URLconf" not in body
    assert "admin/" not in body


def test_a_hidden_object_is_the_friendly_404_too(client, world):
    problem, _, _ = world
    client.force_login(UserFactory(username="outsider"))
    response = client.get(reverse("problem_detail", args=[problem.pk]))
    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()


def test_the_attempts_table_scrolls_inside_its_card_on_a_phone(client, world):
    problem, _, student = world
    services.submission_create(student=student, problem=problem, text="3x = 15")
    client.force_login(student)
    body = client.get(reverse("problem_detail", args=[problem.pk])).content.decode()
    assert '<div class="table-scroll">\n<table class="attempts">' in body
    assert "the box on the right" not in body


def test_work_submitted_after_the_deadline_passed_is_shown_back_to_copy(client, world):
    # Given a student who opened the problem while it was open, and a deadline that passed while they typed
    problem, _, student = world
    assignment = problem.assignment
    assignment.due_at = timezone.now() - timedelta(minutes=1)
    assignment.late_policy = assignment.LatePolicy.REFUSE
    assignment.save()
    client.force_login(student)
    # When they submit / Then nothing is saved, they are told why, and their text is on the page to copy
    response = client.post(reverse("problem_submit", args=[problem.pk]), {"text": "3x = 15\nx = 5 after 20 minutes"})
    body = response.content.decode()
    assert response.status_code == 400
    assert Submission.objects.count() == 0
    assert 'data-testid="kept-work"' in body
    assert "readonly>3x = 15\nx = 5 after 20 minutes</textarea>" in body
