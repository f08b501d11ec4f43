"""Issue 9, defects 8 and 9: uploading the same problem set twice asks what to do instead of making a permanent
duplicate; the Django admin cannot rewrite what a student submitted, and what it may change is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from grading import services as grading
from grading.models import Submission
from tests.factories import UserFactory
from tutor.audit.models import AuditEvent
from tutor.classroom import services
from tutor.classroom.errors import ClassroomError, DuplicateProblemSet
from tutor.classroom.models import Assignment

pytestmark = pytest.mark.django_db

SET = b"""---
title: Week 4
max_attempts: 2
---
## One
What is 2 + 3?
### Answer
5
"""
SET_V2 = (
    SET.replace(b"max_attempts: 2", b"max_attempts: 5")
    .replace(b"What is 2 + 3?", b"What is 4 + 4?")
    .replace(b"### Answer\n5", b"### Answer\n8")
)


def upload(client, course, content: bytes, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"file": SimpleUploadedFile("week4.md", content, content_type="text/markdown"), **extra}
    return client.post(reverse("problem_set_upload", args=[course.pk]), data)


def test_a_second_upload_with_the_same_title_asks_and_imports_nothing(client, teacher, course):
    client.force_login(teacher)
    assert upload(client, course, SET).status_code == 302
    # When the same title is uploaded again
    response = upload(client, course, SET_V2)
    # Then the page asks, and nothing new exists yet
    body = response.content.decode()
    assert response.status_code == 200
    assert "is already an assignment in this class" in body
    assert 'value="replace"' in body
    assert 'value="copy"' in body
    assert course.assignments.count() == 1


def answer(client, course, content: bytes, choice: str):
    """The duplicate page's answer: the choice, with the file carried back in its hidden fields."""
    from tutor.classroom.course_forms import CarriedFileForm

    carried = CarriedFileForm.carrying(content, "week4.md").initial
    return client.post(reverse("problem_set_upload", args=[course.pk]), {"on_duplicate": choice, **carried})


def test_replace_swaps_settings_and_problems_of_an_unstarted_assignment(client, teacher, course):
    client.force_login(teacher)
    upload(client, course, SET)
    page = upload(client, course, SET_V2).content.decode()
    assert 'type="hidden" name="content"' in page
    # When the teacher chooses to replace
    response = answer(client, course, SET_V2, "replace")
    # Then one assignment remains, with the new settings and problem, on record
    assert response.status_code == 302
    assignment = course.assignments.get()
    assert assignment.max_attempts == 5
    assert assignment.problems.get().reference_answer == "8"
    assert AuditEvent.objects.filter(event_type="problem_set.replaced", target_id=str(assignment.pk)).exists()


def test_copy_creates_a_second_assignment_on_purpose(client, teacher, course):
    client.force_login(teacher)
    upload(client, course, SET)
    upload(client, course, SET)
    answer(client, course, SET, "copy")
    assert sorted(course.assignments.values_list("title", flat=True)) == ["Week 4", "Week 4 (copy)"]


def test_an_assignment_with_submissions_cannot_be_replaced(teacher, course, enrolled, student):
    first = services.problem_set_import(actor=teacher, course=course, content=SET, filename="w.md")
    first.verifier_backend = "fake"
    first.save()
    grading.submission_create(student=student, problem=first.problems.get(), text="2 + 3 = 5")
    with pytest.raises(DuplicateProblemSet) as info:
        services.problem_set_import(actor=teacher, course=course, content=SET_V2, filename="w.md")
    assert info.value.started
    with pytest.raises(ClassroomError, match="already submitted work"):
        services.problem_set_import(
            actor=teacher, course=course, content=SET_V2, filename="w.md", on_duplicate="replace"
        )
    assert first.problems.get().reference_answer == "5"


def test_an_answer_without_its_file_says_so_and_imports_nothing(client, teacher, course):
    client.force_login(teacher)
    response = client.post(reverse("problem_set_upload", args=[course.pk]), {"on_duplicate": "replace"})
    assert response.status_code == 400
    assert "The file was lost on the way; upload it again." in response.content.decode()
    assert not course.assignments.exists()


# --- the admin ------------------------------------------------------------------------------------------------


def test_the_admin_cannot_change_a_submissions_text_steps_or_verdicts(client, teacher, course, enrolled, student):
    assignment = services.assignment_create(
        actor=teacher,
        course=course,
        fields={"title": "HW", "verifier_backend": "fake"},
        problems=[services.ProblemInput(statement="1 + 1?", reference_answer="2")],
    )
    submission = grading.submission_create(student=student, problem=assignment.problems.get(), text="1 + 1 = 2")
    grading.submission_grade(submission_id=submission.pk, grading_version=1)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = reverse("admin:grading_submission_change", args=[submission.pk])
    # When an admin posts a new text
    response = client.post(url, {"text": "edited by admin", "attempt_number": 1})
    # Then it is refused and nothing changed
    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.text == "1 + 1 = 2"
    step_url = reverse("admin:grading_step_change", args=[submission.steps.first().pk])
    assert client.post(step_url, {"verdict": "incorrect"}).status_code == 403
    # And the page still shows the record, read-only
    assert client.get(url).status_code == 200


def test_admin_changes_to_classes_are_audited(client, teacher, course):
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    assignment = Assignment.objects.create(course=course, title="HW")
    url = reverse("admin:classroom_assignment_change", args=[assignment.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form.initial.get(name, "") for name in form.fields}
    data.update(
        {
            "title": "HW renamed",
            "course": course.pk,
            "problems-TOTAL_FORMS": 0,
            "problems-INITIAL_FORMS": 0,
            "problems-MIN_NUM_FORMS": 0,
            "problems-MAX_NUM_FORMS": 1000,
            "reveal_corrections": "",
        }
    )
    data = {k: ("" if v is None else v) for k, v in data.items()}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(event_type="admin.change", target_id=str(assignment.pk))
    assert event.actor == admin_user
    assert event.course_id == course.pk
    assert "title" in event.details["fields"]


def test_the_class_time_zone_is_used_to_read_and_show_dates(client, teacher):
    # Given a class in Asia/Tokyo (UTC+9)
    course = services.course_create(teacher=teacher, name="Tokyo", time_zone="Asia/Tokyo")
    client.force_login(teacher)
    # When the teacher types 10:00 as the due time
    client.post(
        reverse("assignment_create", args=[course.pk]),
        {"title": "HW", "due_at": "2027-03-01T10:00", "max_attempts": 3, "late_policy": "penalty",
         "late_penalty_percent": 10, "verifier_backend": "fake", "verification_parallel": 1,
         "verification_rounds": 1, "review_threshold": 0.5},
    )  # fmt: skip
    assignment = course.assignments.get()
    # Then it is 10:00 in Tokyo, 01:00 UTC, and the page shows 10:00 and names the zone
    assert assignment.due_at == datetime(2027, 3, 1, 1, 0, tzinfo=UTC)
    body = client.get(reverse("assignment_detail", args=[assignment.pk])).content.decode()
    assert "10:00" in body
    assert "Asia/Tokyo" in body


def test_a_bad_time_zone_is_refused(teacher):
    with pytest.raises(ClassroomError, match="not a time zone"):
        services.course_create(teacher=teacher, name="X", time_zone="Mars/Olympus")


def test_submissions_keep_counting_after_the_due_date_in_the_class_zone(teacher, student):
    course = services.course_create(teacher=teacher, name="NZ", time_zone="Pacific/Auckland")
    services.course_join(student=student, join_code=course.join_code)
    assignment = services.assignment_create(
        actor=teacher,
        course=course,
        fields={"title": "HW", "verifier_backend": "fake", "due_at": timezone.now() + timedelta(hours=1)},
        problems=[services.ProblemInput(statement="1 + 1?", reference_answer="2")],
    )
    submission = grading.submission_create(student=student, problem=assignment.problems.get(), text="1 + 1 = 2")
    assert not Submission.objects.get(pk=submission.pk).is_late
