"""The classroom pages, driven through Django's test client."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from grading.models import Submission
from tests.factories import UserFactory, invite_and_accept
from tutor.classroom import services
from tutor.classroom.models import Assignment, Course, Enrollment, Problem
from verifier_worker import segmentation

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "problem_set.md"


@pytest.fixture
def problem(course, teacher):
    assignment = services.assignment_create(
        actor=teacher,
        course=course,
        fields={"title": "HW 1", "max_attempts": 2},
        problems=[services.ProblemInput(statement="Solve $3x + 5 = 20$.", reference_answer="5")],
    )
    return assignment.problems.get()


def test_preview_for_htmx_is_only_the_numbered_steps(client, enrolled, student, problem):
    # Given a solution the real segmenter splits into steps
    text = "3x + 5 = 20\n\nso 3x = 15\n\nx = 5\n"
    expected = segmentation.split(text).texts
    assert len(expected) >= 2
    client.force_login(student)
    # When the htmx preview posts it
    response = client.post(reverse("problem_preview", args=[problem.pk]), {"text": text}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    # Then only the partial comes back, one numbered item per step
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="step-preview"')
    assert "<html" not in body
    assert body.count("<li>") == len(expected)
    for step in expected:
        assert f"<li>{step}</li>".replace("\n", "<br>") in body
    assert f"{len(expected)} steps" in body


def test_preview_without_javascript_renders_the_whole_page_and_keeps_the_text(client, enrolled, student, problem):
    client.force_login(student)
    text = "a = 1\n\nb = 2"
    response = client.post(reverse("problem_preview", args=[problem.pk]), {"text": text})
    body = response.content.decode()
    assert "<html" in body
    assert f"<li>{segmentation.split(text).texts[-1]}</li>" in body
    assert "a = 1\n\nb = 2</textarea>" in body


def test_empty_preview_says_what_to_do(client, enrolled, student, problem):
    client.force_login(student)
    response = client.post(reverse("problem_preview", args=[problem.pk]), {"text": "  "}, HTTP_HX_REQUEST="true")
    assert "Start typing and your steps appear here." in response.content.decode()


def test_problem_page_has_the_live_preview_wiring_and_statement(client, enrolled, student, problem):
    client.force_login(student)
    body = client.get(reverse("problem_detail", args=[problem.pk])).content.decode()
    assert f'hx-post="{reverse("problem_preview", args=[problem.pk])}"' in body
    assert 'hx-trigger="input changed delay:400ms, change"' in body
    assert "Solve $3x + 5 = 20$." in body
    assert "0 of 2 used" in body
    assert "No attempts yet." in body


def test_submit_creates_a_submission_and_redirects_to_it(client, enrolled, student, problem):
    client.force_login(student)
    response = client.post(reverse("problem_submit", args=[problem.pk]), {"text": "3x = 15\nx = 5"})
    submission = Submission.objects.get(student=student, problem=problem)
    assert response.status_code == 302
    assert response["Location"] == reverse("submission_detail", args=[submission.pk])
    # and the problem page now lists the attempt with a link to it
    body = client.get(reverse("problem_detail", args=[problem.pk])).content.decode()
    assert reverse("submission_detail", args=[submission.pk]) in body
    assert "1 of 2 used" in body


def test_submit_refusal_is_shown_on_the_page(client, enrolled, student, problem):
    client.force_login(student)
    for _ in range(2):
        client.post(reverse("problem_submit", args=[problem.pk]), {"text": "x = 5"})
    response = client.post(reverse("problem_submit", args=[problem.pk]), {"text": "x = 5"})
    assert response.status_code == 400
    assert "You have used all 2 attempts" in response.content.decode()
    assert Submission.objects.filter(student=student).count() == 2


def test_teacher_sees_submission_status_in_the_matrix(client, enrolled, student, teacher, problem):
    client.force_login(student)
    client.post(reverse("problem_submit", args=[problem.pk]), {"text": "x = 5"})
    submission = Submission.objects.get()
    client.force_login(teacher)
    body = client.get(reverse("assignment_detail", args=[problem.assignment_id])).content.decode()
    assert "student1" in body
    assert reverse("submission_detail", args=[submission.pk]) in body
    assert submission.get_status_display() in body


def test_join_by_code_from_home(client, course):
    user = UserFactory(username="newkid")
    client.force_login(user)
    response = client.post(reverse("course_join"), {"join_code": course.join_code.lower()}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("course_detail", args=[course.pk])
    assert "You joined Algebra 1." in response.content.decode()
    assert Enrollment.objects.filter(course=course, user=user, role="student").exists()


def test_wrong_join_code_is_explained(client, course):
    client.force_login(UserFactory(username="newkid"))
    response = client.post(reverse("course_join"), {"join_code": "NOPE1234"}, follow=True)
    assert "No class has the code NOPE1234" in response.content.decode()


def test_teacher_removes_a_student_from_the_roster(client, teacher, course, enrolled):
    client.force_login(teacher)
    page = client.get(reverse("course_detail", args=[course.pk])).content.decode()
    assert reverse("member_remove", args=[course.pk, enrolled.pk]) in page
    response = client.post(reverse("member_remove", args=[course.pk, enrolled.pk]), follow=True)
    assert "Removed student1 from the class." in response.content.decode()
    assert not Enrollment.objects.filter(pk=enrolled.pk).exists()


def test_teacher_invites_a_ta(client, teacher, course):
    # (Adding an account used to enrol it at once, without its consent: now it is invited; tests/classroom/
    # test_consent.py covers the rest.)
    UserFactory(username="helper")
    client.force_login(teacher)
    response = client.post(reverse("member_add", args=[course.pk]), {"username": "helper", "role": "ta"}, follow=True)
    assert "it has been invited as teaching assistant" in response.content.decode()


def test_create_class_from_home(client, teacher):
    client.force_login(teacher)
    response = client.post(reverse("course_create"), {"name": "Geometry"}, follow=True)
    course = Course.objects.get(name="Geometry")
    assert course.join_code in response.content.decode()


def test_create_assignment_by_form_offers_teacher_backends(client, teacher, course, settings):
    # Given a server with a model server configured, so the cascade's LLM stage can run
    settings.VERIFIER_OPTIONS = {
        **settings.VERIFIER_OPTIONS,
        "base_url": "http://127.0.0.1:8001/v1",
        "model": "tiny",
        "llm_backend": "openai",
    }
    client.force_login(teacher)
    page = client.get(reverse("assignment_create", args=[course.pk])).content.decode()
    assert 'value="symbolic"' in page
    assert 'value="cascade"' in page
    response = client.post(
        reverse("assignment_create", args=[course.pk]),
        {
            "title": "By form",
            "due_at": "2027-03-01T10:00",
            "late_policy": "refuse",
            "late_penalty_percent": 0,
            "max_attempts": 4,
            "verifier_backend": "symbolic",
            "verification_parallel": 2,
            "verification_rounds": 1,
            "review_threshold": 0.4,
        },
    )
    assignment = Assignment.objects.get(title="By form")
    assert response["Location"] == reverse("assignment_detail", args=[assignment.pk])
    assert (assignment.late_policy, assignment.max_attempts, assignment.verifier_backend) == ("refuse", 4, "symbolic")
    # then a problem is added by form
    client.post(
        reverse("problem_create", args=[assignment.pk]),
        {"statement": "What is 2+2?", "reference_answer": "4", "reference_solution": "2+2=4\n", "points": "1"},
    )
    assert assignment.problems.get().reference_solution == ["2+2=4"]


def test_assignment_form_rejects_due_before_open(client, teacher, course):
    client.force_login(teacher)
    response = client.post(
        reverse("assignment_create", args=[course.pk]),
        {
            "title": "Bad",
            "opens_at": "2027-03-02T10:00",
            "due_at": "2027-03-01T10:00",
            "late_policy": "penalty",
            "late_penalty_percent": 10,
            "max_attempts": 3,
            "verifier_backend": "symbolic",
            "verification_parallel": 1,
            "verification_rounds": 1,
            "review_threshold": 0.5,
        },
    )
    assert "The due date must be after the opening date." in response.content.decode()
    assert not Assignment.objects.exists()


def test_upload_the_example_problem_set(client, teacher, course):
    client.force_login(teacher)
    upload = SimpleUploadedFile("problem_set.md", EXAMPLE.read_bytes(), content_type="text/markdown")
    response = client.post(reverse("problem_set_upload", args=[course.pk]), {"file": upload}, follow=True)
    assignment = Assignment.objects.get()
    assert response.redirect_chain[-1][0] == reverse("assignment_detail", args=[assignment.pk])
    assert "with 3 problems" in response.content.decode()
    assert assignment.problems.count() == 3


def test_upload_errors_are_listed_and_nothing_is_imported(client, teacher, course):
    client.force_login(teacher)
    broken = (
        EXAMPLE.read_bytes().replace(b"### Answer\n54\n", b"").replace(b"Points: 2\n\nSolve", b"Points: two\n\nSolve")
    )
    upload = SimpleUploadedFile("problem_set.md", broken, content_type="text/markdown")
    response = client.post(reverse("problem_set_upload", args=[course.pk]), {"file": upload})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported" in body
    assert "Problem 2 (line 30), field &#x27;points&#x27;: &#x27;two&#x27; is not a number." in body
    assert "Problem 3 (line 45), field &#x27;answer&#x27;: the reference answer is missing" in body
    assert not Assignment.objects.exists()
    assert not Problem.objects.exists()


def test_format_page_and_example_download(client, teacher):
    client.force_login(teacher)
    assert "Front matter fields" in client.get(reverse("problem_set_format")).content.decode()
    response = client.get(reverse("problem_set_example"))
    assert response.content == EXAMPLE.read_bytes()
    assert "attachment" in response["Content-Disposition"]


def test_student_home_shows_assignments_with_due_dates_and_status(client, enrolled, student, problem):
    client.force_login(student)
    client.post(reverse("problem_submit", args=[problem.pk]), {"text": "x = 5"})
    status = Submission.objects.get().get_status_display()
    body = client.get(reverse("home")).content.decode()
    assert "HW 1" in body
    assert "No due date" in body
    assert status in body


def test_load_demo_is_idempotent(settings):
    call_command("load_demo")
    counts = [m.objects.count() for m in (Course, Enrollment, Assignment, Problem)]
    call_command("load_demo")
    assert [m.objects.count() for m in (Course, Enrollment, Assignment, Problem)] == counts
    assignment = Assignment.objects.get()
    assert assignment.problems.count() == 4  # the fourth is scored by a rubric
    assert assignment.verifier_backend == settings.VERIFIER_DEFAULT_BACKEND
    assert all(p.reference_answer and p.reference_solution for p in assignment.problems.all())
    from django.contrib.auth import authenticate

    for username, password in [("teacher", "teacher-demo-1"), ("alice", "alice-demo-1"), ("bob", "bob-demo-1")]:
        assert authenticate(username=username, password=password) is not None
    assert authenticate(username="admin", password="admin-demo-1").is_superuser


def test_removed_students_keep_their_row_marked_removed(client, enrolled, student, teacher, problem, course):
    client.force_login(student)
    client.post(reverse("problem_submit", args=[problem.pk]), {"text": "x = 5"})
    services.enrollment_remove(actor=teacher, enrollment=enrolled)
    client.force_login(teacher)
    body = client.get(reverse("assignment_detail", args=[problem.assignment_id])).content.decode()
    assert "student1" in body
    assert "removed from class" in body


@pytest.mark.parametrize("model", ["course", "enrollment", "assignment", "problem"])
def test_admin_lists_classroom_models(admin_client, problem, model):
    assert admin_client.get(reverse(f"admin:classroom_{model}_changelist")).status_code == 200
    obj = {"course": problem.assignment.course, "assignment": problem.assignment, "problem": problem}.get(model)
    if obj is not None:
        assert admin_client.get(reverse(f"admin:classroom_{model}_change", args=[obj.pk])).status_code == 200


def test_preview_refuses_to_split_text_over_the_limit(client, enrolled, student, problem, settings):
    settings.SOLUTION_MAX_CHARS = 20
    client.force_login(student)
    response = client.post(
        reverse("problem_preview", args=[problem.pk]), {"text": "x = 1\n" * 10}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "Your solution has 60 characters; the limit is 20." in body
    assert "<li>" not in body


def test_clearing_the_box_shows_the_empty_preview_not_an_error(client, enrolled, student, problem):
    client.force_login(student)
    body = client.post(reverse("problem_preview", args=[problem.pk]), {"text": ""}).content.decode()
    assert "Start typing and your steps appear here." in body
    assert "This field is required" not in body


def test_past_due_refusing_assignment_hides_submit_and_says_why(client, enrolled, student, problem):
    assignment = problem.assignment
    assignment.due_at = timezone.now() - timedelta(hours=1)
    assignment.late_policy = Assignment.LatePolicy.REFUSE
    assignment.save()
    client.force_login(student)
    body = client.get(reverse("problem_detail", args=[problem.pk])).content.decode()
    assert "late work is not accepted" in body
    assert "Submit attempt" not in body
    assert "(past due)" in client.get(reverse("home")).content.decode()


def test_past_due_with_penalty_warns_and_still_allows_submit(client, enrolled, student, problem):
    assignment = problem.assignment
    assignment.due_at = timezone.now() - timedelta(hours=1)
    assignment.late_penalty_percent = 25
    assignment.save()
    client.force_login(student)
    body = client.get(reverse("problem_detail", args=[problem.pk])).content.decode()
    assert "You can still submit, but 25% of the points come off." in body
    assert "Submit attempt 1 of 2" in body


def test_teacher_problem_page_has_preview_but_no_submit(client, teacher, problem):
    client.force_login(teacher)
    body = client.get(reverse("problem_detail", args=[problem.pk])).content.decode()
    assert "Try the step preview" in body
    assert "Submit attempt" not in body


def test_format_page_links_to_both_example_downloads(client, teacher):
    client.force_login(teacher)
    body = client.get(reverse("problem_set_format")).content.decode()
    assert 'href="/problem-sets/example.md"' in body
    assert 'href="/problem-sets/example.json"' in body
    assert client.get("/problem-sets/example.json").json()["title"].startswith("Week 4")
    assert client.get("/problem-sets/example.exe").status_code == 404


def test_add_problem_form_errors_keep_the_form_open(client, teacher, problem):
    client.force_login(teacher)
    response = client.post(reverse("problem_create", args=[problem.assignment_id]), {"statement": "New one"})
    body = response.content.decode()
    assert response.status_code == 400
    assert '<details class="add-problem" open>' in body
    assert "This field is required." in body
    assert problem.assignment.problems.count() == 1


def test_teacher_home_counts_students_and_assignments(client, teacher, course, enrolled, problem):
    client.force_login(teacher)
    body = client.get(reverse("home")).content.decode()
    assert "1 student · 1 assignment" in body


def test_student_class_page_names_the_teacher(client, teacher, student, course, enrolled):
    teacher.first_name, teacher.last_name = "Ms.", "Rivera"
    teacher.save()
    client.force_login(student)
    body = client.get(reverse("course_detail", args=[course.pk])).content.decode()
    assert "Teacher: Ms. Rivera" in body
    assert "Roster" not in body
    assert "No assignments yet." in body


def test_roster_with_only_a_ta_still_says_no_students(client, teacher, course):
    UserFactory(username="helper")
    invite_and_accept(actor=teacher, course=course, username="helper", role="ta")
    client.force_login(teacher)
    body = client.get(reverse("course_detail", args=[course.pk])).content.decode()
    assert "No students yet. Share the class code above." in body
    assert "Teaching assistant" in body


def test_trying_again_starts_from_the_last_attempt(client, enrolled, student, problem):
    # Given a student who submitted once on a problem that allows two attempts
    client.force_login(student)
    client.post(reverse("problem_submit", args=[problem.pk]), {"text": "3x = 15\nx = 6"})
    # When they come back to the problem page
    body = client.get(reverse("problem_detail", args=[problem.pk])).content.decode()
    # Then the box holds their last attempt, says so, and the preview already shows its steps
    assert "Your attempt 1 is filled in below" in body
    assert ">3x = 15\nx = 6</textarea>" in body
    assert "<li>x = 6</li>" in body
    # and once every attempt is used, the box is no longer filled in
    client.post(reverse("problem_submit", args=[problem.pk]), {"text": "3x = 15\nx = 5"})
    body = client.get(reverse("problem_detail", args=[problem.pk])).content.decode()
    assert "is filled in below" not in body
    assert "You have used all 2 attempts" in body
    # and there is no box to type a solution nobody can submit
    assert 'name="text"' not in body


def test_line_breaks_are_counted_once_against_the_length_limit(client, enrolled, student, problem, settings):
    # Given a limit of 20 characters and a browser that sends line breaks as CRLF
    settings.SOLUTION_MAX_CHARS = 20
    client.force_login(student)
    # When a student submits 18 characters as they see them (20 with CRLFs)
    response = client.post(reverse("problem_submit", args=[problem.pk]), {"text": "3x = 15\r\nx = 5\r\nok"})
    # Then it is accepted and stored with plain line breaks
    assert response.status_code == 302
    assert Submission.objects.get(student=student).text == "3x = 15\nx = 5\nok"
