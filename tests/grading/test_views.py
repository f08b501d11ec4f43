"""The feedback page, its polling fragment, permissions, teacher actions, review queue, gradebook, audit."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from grading import services
from grading.models import Step, Submission
from tests.factories import EnrollmentFactory, ProblemFactory, SubmissionFactory, UserFactory
from tutor.classroom.models import Enrollment

Status = Submission.Status


def graded(classroom, text="3x = 15\nx = 6 WRONG\nx = 6", attempt=1):
    submission = SubmissionFactory(
        problem=classroom.problem, student=classroom.student, text=text, backend="fake", attempt_number=attempt
    )
    services.submission_grade(submission_id=submission.pk, grading_version=1)
    submission.refresh_from_db()
    return submission


def step_tags(html: str) -> list[str]:
    return re.findall(r"<li[^>]*data-step-index[^>]*>", html)


def test_student_sees_first_error_highlighted_with_hint_and_score(client, classroom):
    # Given a graded submission whose second step is wrong, on an assignment that hides corrections
    submission = graded(classroom)
    client.force_login(classroom.student)
    # When the student opens the feedback page
    html = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    # Then the steps are an ordered list with hooks, and step 2 is the first error with its hint
    assert '<ol class="fb-steps">' in html
    tags = step_tags(html)
    assert len(tags) == 3
    assert 'data-verdict="correct"' in tags[0]
    assert "data-first-error" in tags[1]
    assert 'data-step-index="1"' in tags[1]
    assert "data-first-error" not in tags[0] + tags[2]
    assert "First error" in html
    # and the headline links to it, so a keyboard user reaches it in one step (it has tabindex=-1)
    assert '<a href="#step-2">Step 2</a> has the first error.' in html
    assert 'id="step-2"' in tags[1]
    assert "Check this step again." in html  # the hint, not the full explanation
    assert "The fake verifier marks steps" not in html
    assert 'data-status="graded"' in html
    # Confidence is for teachers: "99% confident" beside a correct step reads as doubt to a student
    assert "% confident" not in html
    assert 'data-final-answer="incorrect"' in html
    # The default rule: one of the reference's two results reached before the first error, half the points for work
    assert "0.50 / 2" in html
    assert "hx-trigger" not in html


def test_student_sees_full_explanation_when_corrections_are_revealed(client, classroom):
    classroom.problem.assignment.reveal_corrections = True
    classroom.problem.assignment.save()
    submission = graded(classroom)
    client.force_login(classroom.student)
    html = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    assert "The fake verifier marks steps containing WRONG as incorrect." in html


def test_low_confidence_flag_is_worded_softly(client, classroom):
    submission = graded(classroom, text="a\nb UNSURE")
    client.force_login(classroom.student)
    html = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    assert "Check this step" in html
    assert "First error" not in html
    assert "data-first-error" in html


def test_later_steps_without_verdicts_are_marked_not_checked(client, classroom):
    # Given a backend that stopped at the first error (later steps left unverified)
    submission = SubmissionFactory(
        problem=classroom.problem,
        student=classroom.student,
        status=Status.GRADED,
        first_error_index=0,
        score=Decimal(0),
        graded_at=timezone.now(),
        final_answer_verdict="unverified",
    )
    Step.objects.create(submission=submission, index=0, text="x = 6", verdict="incorrect", confidence=0.95)
    Step.objects.create(submission=submission, index=1, text="so x = 6", verdict="unverified")
    client.force_login(classroom.student)
    html = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    tags = step_tags(html)
    assert 'data-verdict="unverified"' in tags[1]
    assert "Not checked after the first error" in html


def test_script_in_a_solution_is_shown_as_text(client, classroom):
    submission = graded(classroom, text="<script>alert('x')</script>\nx = 5")
    client.force_login(classroom.student)
    html = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def test_progress_is_polled_until_final_then_polling_stops_with_286(client, classroom):
    # Given a submission still waiting for a worker
    submission = SubmissionFactory(problem=classroom.problem, student=classroom.student, backend="fake")
    client.force_login(classroom.student)
    url = reverse("submission_detail", args=[submission.pk])
    # When the page loads, it shows the stage and polls, soon at first (test_polling.py: it backs off), and
    # works without JS: a plain GET
    page = client.get(url).content.decode()
    assert 'hx-trigger="load delay:250ms"' in page
    assert 'data-status="queued"' in page
    assert "Waiting for a worker" in page
    assert "<noscript>" in page
    # When the fragment is polled mid-way through checking, it names the stage and the steps
    services.submission_claim(submission.pk, 1)
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert body.lstrip().startswith('<section id="feedback"')
    assert "Checking steps" in body
    assert "0 of 2" in body
    assert "<html" not in body
    # When grading is done, the fragment answers 286 so htmx stops polling, and moves focus to the result
    services.submission_grade(submission_id=submission.pk, grading_version=1)
    final = client.get(url, headers={"HX-Request": "true"})
    assert final.status_code == 286
    body = final.content.decode()
    assert 'data-status="graded"' in body
    assert "hx-trigger" not in body
    # (The focus script moved to static/js/app.js for the Content-Security-Policy; the fragment marks itself.)
    assert "data-just-finished" in body
    from django.conf import settings

    script = (settings.BASE_DIR / "static" / "js" / "app.js").read_text()
    assert "[data-just-finished]" in script
    assert ".focus()" in script


@pytest.mark.parametrize("who", ["other_student", "outsider_teacher", "unenrolled"])
def test_others_get_404(client, classroom, who):
    submission = graded(classroom)
    if who == "other_student":
        user = classroom.other_student
    elif who == "outsider_teacher":
        user = UserFactory()
        EnrollmentFactory(course=ProblemFactory().assignment.course, user=user, role=Enrollment.Role.TEACHER)
    else:
        user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("submission_detail", args=[submission.pk])).status_code == 404
    assert client.get(reverse("submission_audit", args=[submission.pk])).status_code == 404
    response = client.post(reverse("submission_score_override", args=[submission.pk]), {"score": "2", "reason": "mine"})
    assert response.status_code == 404
    submission.refresh_from_db()
    assert submission.score == Decimal("0.50")


def test_anonymous_is_sent_to_login(client, classroom):
    submission = graded(classroom)
    response = client.get(reverse("submission_detail", args=[submission.pk]))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_student_cannot_use_teacher_actions(client, classroom):
    submission = graded(classroom)
    client.force_login(classroom.student)
    response = client.post(reverse("submission_regrade", args=[submission.pk]))
    assert response.status_code == 404
    submission.refresh_from_db()
    assert submission.grading_version == 1


def test_teacher_sees_detail_and_overrides_a_step(client, classroom):
    submission = graded(classroom)
    client.force_login(classroom.teacher)
    url = reverse("submission_detail", args=[submission.pk])
    html = client.get(url).content.decode()
    assert "The fake verifier marks steps containing WRONG as incorrect." in html  # full explanation
    assert "Checker: fake" in html
    assert "Latest verification run: fake" in html
    response = client.post(
        reverse("submission_step_override", args=[submission.pk]),
        {"step_index": 1, "verdict": "correct", "reason": "6 is right here"},
    )
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.first_error_index is None
    # Not full marks: the final answer is still marked incorrect (work share: "15" of the reference's 15 and 5)
    assert submission.score == Decimal("0.50")
    html = client.get(url).content.decode()
    assert "6 is right here" in html


def test_teacher_regrade_through_the_page(client, classroom, django_capture_on_commit_callbacks):
    submission = graded(classroom)
    client.force_login(classroom.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("submission_regrade", args=[submission.pk]), {"reason": "new checker"})
    submission.refresh_from_db()
    assert submission.grading_version == 2
    assert submission.status == Status.GRADED


def test_review_queue_lists_only_my_classes_needs_review(client, classroom):
    classroom.problem.assignment.review_threshold = 0.8
    classroom.problem.assignment.save()
    unsure = graded(classroom, text="a\nb UNSURE")
    graded(classroom, text="a\nb", attempt=2)
    elsewhere = SubmissionFactory(status=Status.NEEDS_REVIEW)
    client.force_login(classroom.teacher)
    html = client.get(reverse("review_queue")).content.decode()
    assert f'data-submission="{unsure.pk}"' in html
    assert html.count("data-submission=") == 1
    assert f'data-submission="{elsewhere.pk}"' not in html


def test_gradebook_shows_best_score_per_student_and_is_staff_only(client, classroom):
    graded(classroom, text="a\nb WRONG")
    SubmissionFactory(problem=classroom.problem, student=classroom.student, attempt_number=2)
    best = Submission.objects.get(attempt_number=1)
    client.force_login(classroom.teacher)
    url = reverse("gradebook", args=[classroom.problem.assignment.pk])
    html = client.get(url).content.decode()
    assert f'data-best="{best.score}"' in html
    assert "2 attempts" in html
    client.force_login(classroom.student)
    assert client.get(url).status_code == 404


def test_audit_page_tells_the_full_story(client, classroom):
    submission = graded(classroom)
    client.force_login(classroom.teacher)
    html = client.get(reverse("submission_audit", args=[submission.pk])).content.decode()
    assert "fake-v1" in html
    assert "submission.graded" in html
    assert "queued → segmenting" in html
    # and the steps are shown exactly as typed (KaTeX leaves them alone)
    assert '<td class="no-math">3x = 15</td>' in html


def test_a_step_nobody_could_check_shows_no_confidence(client, classroom):
    # Given a graded submission whose first step had nothing checkable (confidence 0 from the backend)
    submission = SubmissionFactory(
        problem=classroom.problem,
        student=classroom.student,
        status=Status.GRADED,
        score=Decimal(2),
        graded_at=timezone.now(),
        final_answer_verdict="correct",
    )
    Step.objects.create(submission=submission, index=0, text="Let x be the number.", verdict="unverified", confidence=0)
    Step.objects.create(submission=submission, index=1, text="x = 5", verdict="correct", confidence=0.97)
    client.force_login(classroom.student)
    # When the student opens the page
    html = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    # Then the unchecked step says so, without a misleading "0% confident" (students see no percentages at all)
    assert "Not checked" in html
    assert "0% confident" not in html
    assert "97% confident" not in html
    # And the teacher sees the checked step's confidence, still without a "0%" on the unchecked one
    client.force_login(classroom.teacher)
    html = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    assert "97% confident" in html
    assert "0% confident" not in html


def test_nav_shows_teachers_the_review_queue_with_its_count_and_hides_it_from_students(client, classroom):
    # Given one submission waiting for review in the teacher's class
    SubmissionFactory(problem=classroom.problem, student=classroom.student, status=Status.NEEDS_REVIEW)
    # When the teacher opens any page
    client.force_login(classroom.teacher)
    html = client.get(reverse("home")).content.decode()
    # Then the nav links to the review queue with the number waiting
    assert f'href="{reverse("review_queue")}"' in html
    assert 'aria-label="1 waiting"' in html
    # and a student gets no such link
    client.force_login(classroom.student)
    assert f'href="{reverse("review_queue")}"' not in client.get(reverse("home")).content.decode()


def test_headline_does_not_claim_every_step_was_checked_when_some_were_not(client, classroom):
    # Given a graded submission with no error where one step could not be checked
    submission = SubmissionFactory(
        problem=classroom.problem,
        student=classroom.student,
        status=Status.GRADED,
        score=Decimal(2),
        graded_at=timezone.now(),
        final_answer_verdict="correct",
        text="27 students times $4 is $108\nx = 5",
    )
    Step.objects.create(
        submission=submission, index=0, text="27 students times $4 is $108", verdict="unverified", confidence=0
    )
    Step.objects.create(submission=submission, index=1, text="x = 5", verdict="correct", confidence=0.97)
    client.force_login(classroom.student)
    # When the student opens the page
    html = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    # Then the headline says one step went unchecked instead of "All steps checked"
    assert "All steps checked" not in html
    assert "1 of the 2 steps could not be checked" in html
    # and the prices are not handed to KaTeX as one math span
    assert "times <span>$</span>4 is <span>$</span>108" in html


def test_student_feedback_page_offers_to_try_again_while_attempts_remain(client, classroom):
    # Given a graded first attempt on an assignment with attempts to spare
    submission = graded(classroom)
    allowed = classroom.problem.assignment.max_attempts
    client.force_login(classroom.student)
    # When the student opens it
    html = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    # Then the way back to the problem says they can fix it and try again
    left = allowed - 1
    assert f"Fix it and try again ({left} attempt{'s' if left != 1 else ''} left)" in html


def test_polled_result_brings_the_teacher_tools_with_it(client, classroom):
    # Given a graded submission the teacher was watching while it was graded
    submission = graded(classroom)
    client.force_login(classroom.teacher)
    # When the last poll arrives
    response = client.get(reverse("submission_detail", args=[submission.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    # Then it stops polling and carries the score and regrade forms, and the status is not said twice
    assert response.status_code == 286
    assert reverse("submission_regrade", args=[submission.pk]) in html
    assert reverse("submission_score_override", args=[submission.pk]) in html
    assert "Graded</strong> — Graded" not in html
