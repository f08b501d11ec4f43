"""A rubric written on the problem's edit page: items with points, ticked by the checker's verdicts through a rule
or by the teacher; the grade is the ticked items' sum (grading.scoring), and bad rubrics change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from grading import services
from grading.models import Submission
from tests.factories import EnrollmentFactory, ProblemFactory, UserFactory
from tutor.audit.models import AuditEvent
from tutor.classroom.course_forms import parse_rubric, rubric_text
from tutor.classroom.models import Enrollment, Problem

pytestmark = pytest.mark.django_db

RUBRIC = "1 | Isolates the x term | no error before step 2\n2 | Final answer | final answer correct\n1 | Neat work"


@pytest.fixture
def world():
    problem = ProblemFactory(points=4, reference_solution=["3x = 15", "x = 5"])
    course = problem.assignment.course
    teacher, student = UserFactory(username="teach"), UserFactory(username="stu")
    EnrollmentFactory(course=course, user=teacher, role=Enrollment.Role.TEACHER)
    EnrollmentFactory(course=course, user=student, role=Enrollment.Role.STUDENT)
    return problem, teacher, student


def edit(client, problem, **changes):
    data = {
        "title": problem.title,
        "statement": problem.statement,
        "reference_answer": problem.reference_answer,
        "reference_solution": "\n".join(problem.reference_solution),
        "points": str(problem.points),
        "scoring": "rubric",
        "final_answer_percent": "50",
        "rubric": RUBRIC,
        **changes,
    }
    return client.post(reverse("problem_edit", args=[problem.pk]), data)


def test_a_teacher_writes_a_rubric_and_the_grade_follows_it(client, world):
    problem, teacher, student = world
    client.force_login(teacher)
    # When the teacher writes three items on the edit page
    response = edit(client, problem)
    assert response.status_code == 302, response.content.decode()
    problem.refresh_from_db()
    # Then they are stored with their rules, audited, and shown back as written
    assert problem.scoring == "rubric"
    assert problem.rubric == [
        {"name": "Isolates the x term", "points": "1", "rule": "no_error_before", "step": 2},
        {"name": "Final answer", "points": "2", "rule": "final_answer_correct", "step": 0},
        {"name": "Neat work", "points": "1", "rule": "", "step": 0},
    ]
    assert AuditEvent.objects.filter(event_type="problem.updated", details__changes__has_key="rubric").exists()
    page = client.get(reverse("problem_edit", args=[problem.pk])).content.decode()
    assert "1 | Isolates the x term | no error before step 2" in page
    # When a right solution is graded / Then the rules tick their items, and the teacher's item waits for review
    submission = services.submission_create(student=student, problem=problem, text="3x = 15\nx = 5")
    services.submission_grade(submission_id=submission.pk, grading_version=1)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.NEEDS_REVIEW
    assert "Neat work" in submission.status_reason
    # When the teacher ticks it / Then the grade is the sum of the ticked items: full marks
    response = client.post(reverse("submission_rubric_tick", args=[submission.pk]), {"item": "2", "ticked": "1"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.score == Decimal("4.00")
    page = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    assert page.count('data-testid="rubric-item"') == 3
    assert "Ticked by a teacher" in page
    assert "Ticked by its rule (when the final answer is verified correct)" in page


@pytest.mark.parametrize(
    ("rubric", "points", "message"),
    [
        ("1 | A\n2 | B", "4", "add up to 3 points; the problem is worth 4"),
        ("", "4", "Write the rubric&#x27;s items"),
        ("two | A", "4", "“two” is not a number of points"),
        ("4 | A | when the moon is full", "4", "is not a rule"),
        ("4", "4", "Line 1: write points | name"),
        ("0 | A\n4 | B", "4", "above 0"),
        ("1e40 | A", "4", "above 0"),
        ("NaN | A", "4", "above 0"),
        ("1.005 | A", "4", "at most 2 decimals"),
        ("4 | A | no error before step 0", "4", "before which step"),
        ("\n".join("0.2 | item" for _ in range(21)), "4", "at most 20 items"),
    ],
)
def test_a_bad_rubric_says_what_to_fix_and_changes_nothing(client, world, rubric, points, message):
    problem, teacher, _ = world
    client.force_login(teacher)
    response = edit(client, problem, rubric=rubric, points=points)
    assert response.status_code == 400
    assert message in response.content.decode()
    problem.refresh_from_db()
    assert (problem.scoring, problem.rubric) == ("steps", [])


def test_the_model_refuses_a_rubric_that_does_not_add_up_whoever_saves_it(world):
    problem, teacher, _ = world
    from tutor.classroom import content
    from tutor.classroom.errors import ClassroomError

    with pytest.raises(ClassroomError, match="add up to 1 points"):
        content.problem_update(
            actor=teacher,
            problem=problem,
            fields={"scoring": "rubric", "rubric": [{"name": "A", "points": "1", "rule": "", "step": 0}]},
        )
    problem.refresh_from_db()
    assert problem.scoring == Problem.Scoring.STEPS


def test_the_text_form_round_trips():
    items = parse_rubric(RUBRIC)
    assert parse_rubric(rubric_text(items)) == items


def test_the_demo_has_a_rubric_problem_waiting_for_the_teachers_tick(settings):
    from io import StringIO

    from django.core.management import call_command

    settings.VERIFIER_DEFAULT_BACKEND = "symbolic"  # the demo's own checker, as under `make run`
    call_command("load_demo", stdout=StringIO())
    submission = Submission.objects.get(problem__scoring="rubric", student__username="alice")
    assert submission.status == Submission.Status.NEEDS_REVIEW
    assert submission.status_reason == "Rubric items wait for the teacher: Says what each step works out."
    assert submission.score == Decimal("3.00")  # the two items the verdicts tick
