"""The forms the views build are the forms the pages render, and their limits are the model's: the browser
refuses what the server refuses, and a problem-set file is held to the same limits as the form."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tutor.classroom.importers import ProblemSetError, parse_problem_set
from tutor.classroom.models import MAX_ATTEMPTS

pytestmark = pytest.mark.django_db


def _input(body: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', body)
    assert match, name
    return match.group(0)


def test_assignment_form_inputs_carry_the_models_limits(client, teacher, course):
    # Given the new-assignment page
    client.force_login(teacher)
    body = client.get(reverse("assignment_create", args=[course.pk])).content.decode()
    # Then each number input allows exactly what the model allows (it used to allow 0 attempts)
    assert 'min="1"' in _input(body, "max_attempts")
    assert f'max="{MAX_ATTEMPTS}"' in _input(body, "max_attempts")
    assert 'min="0"' in _input(body, "late_penalty_percent")
    assert 'max="100"' in _input(body, "late_penalty_percent")
    assert 'max="16"' in _input(body, "verification_parallel")
    assert 'max="1.0"' in _input(body, "review_threshold")


@pytest.mark.parametrize("attempts", [0, MAX_ATTEMPTS + 1])
def test_form_and_importer_refuse_the_same_attempt_limits(client, teacher, course, attempts):
    # Given an attempt count outside the model's limits
    client.force_login(teacher)
    # When it is posted in the form
    response = client.post(reverse("assignment_create", args=[course.pk]), {"title": "HW", "max_attempts": attempts})
    # Then the form refuses it
    assert response.status_code == 200
    assert "Ensure this value is" in response.content.decode()
    assert not course.assignments.exists()
    # And a problem-set file with the same value is refused too, naming the field and the limits
    text = f"---\ntitle: HW\nmax_attempts: {attempts}\n---\n## One\nWhat is 1 + 1?\n### Answer\n2\n"
    with pytest.raises(ProblemSetError) as info:
        parse_problem_set(text.encode(), "hw.md")
    assert f"Field 'max_attempts': write a whole number from 1 to {MAX_ATTEMPTS} (got {attempts})." in info.value.errors


def test_the_largest_allowed_attempts_pass_both(client, teacher, course):
    client.force_login(teacher)
    text = f"---\ntitle: HW\nmax_attempts: {MAX_ATTEMPTS}\n---\n## One\nWhat is 1 + 1?\n### Answer\n2\n"
    assert parse_problem_set(text.encode(), "hw.md").fields["max_attempts"] == MAX_ATTEMPTS
    response = client.post(
        reverse("assignment_create", args=[course.pk]),
        {"title": "HW", "max_attempts": MAX_ATTEMPTS, "late_policy": "penalty", "late_penalty_percent": 10,
         "verifier_backend": "fake", "verification_parallel": 1, "verification_rounds": 1, "review_threshold": 0.5},
    )  # fmt: skip
    assert response.status_code == 302
    assert course.assignments.get().max_attempts == MAX_ATTEMPTS


def test_submission_page_renders_the_override_forms_with_the_points_as_the_score_limit(client, teacher, course):
    from grading import services as grading
    from tests.factories import UserFactory
    from tutor.classroom import services

    student = UserFactory(username="s1")
    services.course_join(student=student, join_code=course.join_code)
    assignment = services.assignment_create(
        actor=teacher,
        course=course,
        fields={"title": "HW", "verifier_backend": "fake"},
        problems=[services.ProblemInput(statement="1 + 1?", reference_answer="2", points=3)],
    )
    submission = grading.submission_create(student=student, problem=assignment.problems.get(), text="1 + 1 = 2")
    grading.submission_grade(submission_id=submission.pk, grading_version=1)
    client.force_login(teacher)
    body = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    score = _input(body, "score")
    assert 'max="3.00"' in score
    assert 'min="0"' in score
    # One override form per step, with ids that do not collide
    ids = re.findall(r'id="(id_step\d+_reason)"', body)
    assert ids
    assert len(ids) == len(set(ids))
