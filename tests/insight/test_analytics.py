"""Common-error analytics and item analysis: the figures on hand-made attempts, and the pages for teachers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import EnrollmentFactory, UserFactory
from tutor.classroom.models import Enrollment
from tutor.insight import analytics
from tutor.insight.charts import bar_chart
from tutor.insight.reviews import GradedSolution, StepFacts


def attempt(student, number, first_error, *, checker="", explanation="", teacher=False, score=Decimal(0)):
    steps = tuple(
        StepFacts(
            index=i,
            text=f"step {i}",
            verdict="incorrect" if i == first_error and not teacher else "correct",
            checker=checker if i == first_error else "arithmetic",
            explanation=explanation if i == first_error else "",
            teacher_verdict="incorrect" if teacher and i == first_error else "",
            teacher_reason=explanation if teacher and i == first_error else "",
        )
        for i in range(max(3, (first_error or 0) + 1))
    )
    return GradedSolution(
        submission_id=student * 10 + number, student_id=student, course_id=1, assignment_id=1, problem_id=1,
        attempt_number=number, status="graded", steps=steps, auto_first_error=None if teacher else first_error,
        first_error=first_error, auto_final_answer="correct", final_answer="correct", points=Decimal(2),
        score=score,
    )  # fmt: skip


FULL = Decimal(2)
ATTEMPTS = [
    attempt(1, 1, 0, checker="arithmetic", explanation="27 × 4 is 108, not 98."),
    attempt(1, 2, None, score=FULL),
    attempt(2, 1, None, score=FULL),
    attempt(3, 1, 1, checker="algebra", explanation="From 3x = 18 it follows that x = 6.", score=Decimal(1)),
    attempt(3, 2, 0, checker="arithmetic", explanation="3 × 6 is 18, not 16."),
    attempt(3, 3, None, score=FULL),
    attempt(4, 1, 12, explanation="Units are missing.", teacher=True),
]


def test_first_error_positions_categories_and_explanations():
    figures = analytics.problem_analytics(ATTEMPTS, counted={1: FULL, 2: FULL, 3: FULL, 4: Decimal(0)}, points=FULL)
    positions = {c.label: c.count for c in figures.positions}
    assert positions == {"Step 1": 2, "Step 2": 1, **{f"Step {i}": 0 for i in range(3, 10)},
                         "Step 10 or later": 1, "No error": 3}  # fmt: skip
    assert [c.label for c in figures.positions][-1] == "No error"
    assert figures.positions[0].total == 7
    assert [(c.label, c.count) for c in figures.categories] == [
        ("Arithmetic", 2),
        ("Algebra", 1),
        ("Found by the teacher", 1),
    ]
    top = figures.explanations[0]
    assert (top.count, top.pattern, top.example) == (2, "# × # is #, not #.", "27 × 4 is 108, not 98.")
    assert {e.example for e in figures.explanations[1:]} == {
        "From 3x = 18 it follows that x = 6.",
        "Units are missing.",
    }
    assert figures.most_common_position.label == "Step 1"
    assert figures.errors == 4


def test_item_analysis_and_score_bands():
    figures = analytics.problem_analytics(ATTEMPTS, counted={1: FULL, 2: FULL, 3: FULL, 4: Decimal(0)}, points=FULL)
    item = figures.item
    # 4 students; only student 2 had full marks at once; full marks after 2, 1 and 3 attempts; student 4 never
    assert (item.students, item.attempts, item.first_try_full, item.first_try_scored) == (4, 7, 1, 4)
    assert (item.first_try_share, item.reached_full, item.median_attempts_to_full, item.never_full) == (25.0, 3, 2.0, 1)
    assert [(c.label, c.count) for c in figures.scores] == [
        ("0 points", 1),
        ("above 0, under 1", 0),
        ("1 to under 2", 0),
        ("2 (full marks)", 3),
    ]


def test_nothing_graded_yet_gives_empty_figures_not_errors():
    figures = analytics.problem_analytics([], counted={}, points=FULL)
    assert figures.item.first_try_share is None
    assert figures.item.median_attempts_to_full is None
    assert [c.label for c in figures.positions] == ["No error"]
    assert figures.most_common_position is None
    chart = bar_chart(id="x", title="Where", counts=figures.positions, unit="attempts", column="Step")
    assert chart.empty


def test_a_chart_has_geometry_a_text_alternative_and_highlights_the_largest():
    counts = [analytics.Count("Step 1", 4, 10), analytics.Count("Step 2", 2, 10), analytics.Count("No error", 4, 10)]
    chart = bar_chart(id="c", title="Where the first error was", counts=counts, unit="attempts", column="First error",
                      not_highlighted=("No error",))  # fmt: skip
    assert [b.width for b in chart.bars] == ["210", "105", "210"]  # BAR_SPACE for the largest
    # The most frequent error is highlighted; "No error" never is
    assert [b.top for b in chart.bars] == [True, False, False]
    assert chart.summary == (
        "Where the first error was, over 10 attempts. Most: Step 1 and No error (4). "
        "Step 1: 4 (40%); Step 2: 2 (20%); No error: 4 (40%)."
    )
    shares = bar_chart(id="s", title="Precision", counts=[analytics.Count("a", 1, 4)], unit="flags", column="Band",
                       by_share=True)  # fmt: skip
    assert shares.bars[0].width == "52.5"
    assert shares.bars[0].display == "1 of 4 (25%)"
    assert not shares.bars[0].top
    neutral = bar_chart(id="n", title="Scores", counts=counts, unit="students", column="Score", highlight=False)
    assert not any(b.top for b in neutral.bars)


@pytest.mark.django_db
def test_teachers_see_the_analytics_pages_students_and_outsiders_get_404(client, history):
    p1 = history.problems[0]
    urls = [
        reverse("insight:problem_analytics", args=[p1.pk]),
        reverse("insight:assignment_analytics", args=[p1.assignment_id]),
    ]
    outsider = UserFactory(username="elsewhere")
    EnrollmentFactory(user=outsider, role=Enrollment.Role.TEACHER)
    for who in (history.students[0], outsider):
        client.force_login(who)
        assert all(client.get(url).status_code == 404 for url in urls)
    for who in (history.teacher, history.admin):
        client.force_login(who)
        assert all(client.get(url).status_code == 200 for url in urls)


@pytest.mark.django_db
def test_the_problem_page_draws_where_the_class_went_wrong(client, history):
    # Problem 1: S1 no error, S2 step 2, S3 step 3 (the teacher's), S4 no error (flag cleared), S5 step 3
    client.force_login(history.teacher)
    html = client.get(reverse("insight:problem_analytics", args=[history.problems[0].pk])).content.decode()
    assert "Over 5 graded attempts" in html
    assert "Most attempts first went wrong at <strong>step 3</strong> (2 of 5)" in html
    assert html.count('<svg class="chart-svg"') == 3
    assert html.count("<desc id=") == 3
    assert "Step 3: 2 (40%)" in html
    assert "Sign error." in html
    assert 'data-figure="first-try"' in html


@pytest.mark.django_db
def test_the_assignment_page_lists_every_problem(client, history):
    client.force_login(history.teacher)
    html = client.get(reverse("insight:assignment_analytics", args=[history.problems[0].assignment_id])).content
    html = html.decode()
    assert "Problem 1: Linear" in html
    assert "Problem 2: Two steps" in html
    assert reverse("insight:problem_analytics", args=[history.problems[1].pk]) in html
    assignment_page = client.get(reverse("assignment_detail", args=[history.problems[0].assignment_id])).content
    assert reverse("insight:assignment_analytics", args=[history.problems[0].assignment_id]).encode() in assignment_page
