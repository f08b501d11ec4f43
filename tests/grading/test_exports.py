"""Grades out: the class gradebook, an assignment's gradebook and the per-submission detail as CSV, with stable
columns, the score that counts by the attempt rule (late penalties included), and no cell a spreadsheet would run
as a formula. Read back with the csv module; the same from the command line."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from grading import exports, selectors, services
from grading.models import Submission
from tests.coursework import graded, make_world
from tutor.classroom import content

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = make_world()
    world.course.time_zone = "Europe/Paris"
    world.course.save()
    return world


@pytest.fixture
def work(world):
    """Student: a wrong then a right attempt at problem 1 (best counts), a late attempt at problem 2; the teacher
    set one score. Other student: nothing yet."""
    wrong = graded(world.student, world.problems[0], text="3x = 15 WRONG\nx = 5")
    right = graded(world.student, world.problems[0])
    services.score_override(submission=wrong, actor=world.ta, score=Decimal("0.25"), reason="Partly right")
    world.assignment.due_at = timezone.now() - timedelta(hours=1)
    world.assignment.save()
    late = graded(world.student, world.problems[1], text="2 + 3 = 5")
    services.student_exception_set(
        actor=world.teacher, assignment=world.assignment, student=world.other_student, extra_attempts=1
    )
    return wrong, right, late


def rows(file: exports.CsvFile) -> list[dict[str, str]]:
    return exports.read_back(file.text())


def test_the_assignment_gradebook_counts_the_attempt_the_rule_picks_with_late_penalties(world, work):
    _wrong, right, late = work
    file = exports.assignment_gradebook_csv(assignment=world.assignment)
    p1, p2 = world.problems
    assert file.header == (
        "username", "name", "email", f"P1 Linear [{p1.pk}]", f"P2 Sum [{p2.pk}]", "total", "possible", "pending", "exception"
    )  # fmt: skip
    by_user = {row["username"]: row for row in rows(file)}
    student = by_user["student"]
    assert student[f"P1 Linear [{p1.pk}]"] == f"{right.score:f}" == "1.00"  # the best attempt
    assert late.is_late
    assert student[f"P2 Sum [{p2.pk}]"] == "0.90"  # 10% off for lateness
    assert (student["total"], student["possible"], student["pending"], student["exception"]) == (
        "1.90",
        "2.00",
        "0",
        "no",
    )
    other = by_user["other_student"]
    assert (other[f"P1 Linear [{p1.pk}]"], other["total"], other["exception"]) == ("", "0", "yes")
    assert file.filename == "class-a-week-1-gradebook.csv"


def test_the_class_gradebook_has_one_column_per_active_assignment(world, work):
    copy = content.assignment_duplicate(actor=world.teacher, assignment=world.assignment)
    archived = content.assignment_duplicate(actor=world.teacher, assignment=world.assignment)
    content.assignment_archive(actor=world.teacher, assignment=archived)
    file = exports.class_gradebook_csv(course=world.course)
    assert file.header == (
        "username", "name", "email", f"Week 1 [{world.assignment.pk}]", f"Week 1 (copy) [{copy.pk}]", "total", "possible", "pending"
    )  # fmt: skip
    student = next(row for row in rows(file) if row["username"] == "student")
    assert (student[f"Week 1 [{world.assignment.pk}]"], student[f"Week 1 (copy) [{copy.pk}]"]) == ("1.90", "")
    assert (student["total"], student["possible"]) == ("1.90", "4.00")
    _, gradebook_rows = selectors.class_gradebook(course=world.course)
    assert [row.student.username for row in gradebook_rows] == ["other_student", "student"]


def test_the_detail_has_every_attempt_with_the_documented_columns(world, work):
    wrong, _right, late = work
    file = exports.submissions_csv(assignments=[world.assignment], course=world.course)
    assert file.header == exports.DETAIL_COLUMNS == (
        "username", "name", "assignment", "assignment_id", "problem", "problem_id", "attempt", "submitted_at", "late",
        "status", "score", "points", "counts", "first_error_step", "final_answer", "overridden_by",
    )  # fmt: skip
    detail = rows(file)
    assert [(r["problem"], r["attempt"]) for r in detail] == [("1. Linear", "1"), ("1. Linear", "2"), ("2. Sum", "1")]
    first, second, third = detail
    assert first["first_error_step"] == "1"  # shown as the pages count steps
    assert (first["score"], first["counts"], first["overridden_by"]) == ("0.25", "no", "ta")
    assert (second["score"], second["counts"], second["first_error_step"], second["overridden_by"]) == (
        "1.00",
        "yes",
        "",
        "",
    )
    assert (third["late"], third["status"], third["final_answer"]) == (
        "yes",
        "graded",
        Submission.objects.get(pk=late.pk).final_answer_verdict,
    )
    # In the class's time zone, with its offset
    assert first["submitted_at"] == timezone.localtime(wrong.submitted_at, timezone=ZoneInfo("Europe/Paris")).isoformat(
        timespec="seconds"
    )
    assert first["submitted_at"].endswith(("+01:00", "+02:00"))


def test_no_cell_runs_as_a_formula_and_the_values_come_back_unchanged(world):
    # Given names and titles that spreadsheets would run as formulas
    hostile = {'=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"}
    world.student.first_name = '=HYPERLINK("http://evil","x")'
    world.student.save()
    world.other_student.first_name = "@SUM(A1:A9)"
    world.other_student.save()
    content.assignment_update(actor=world.teacher, assignment=world.assignment, fields={"title": "-2+3"})
    content.problem_update(actor=world.teacher, problem=world.problems[0], fields={"title": "+1+1"})
    graded(world.student, world.problems[0])
    for file in (
        exports.assignment_gradebook_csv(assignment=world.assignment),
        exports.class_gradebook_csv(course=world.course),
        exports.submissions_csv(assignments=[world.assignment], course=world.course),
    ):
        # Then no raw cell starts with a formula character
        raw = list(csv.reader(io.StringIO(file.text())))
        cells = [cell for row in raw for cell in row]
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
        assert any(cell.startswith("'") for cell in cells)
        # and reading it back gives the original text
        values = {value for row in exports.read_back(file.text()) for value in row.values()} | set(
            exports.read_back(file.text())[0]
        )
        assert values & hostile


def test_guard_cells(world):
    assert [exports.safe_cell(v) for v in ("=1", "+1", "-1", "@a", "\tx", "\rx", "plain", None, 1)] == [
        "'=1", "'+1", "'-1", "'@a", "'\tx", "'\rx", "plain", "", "1"
    ]  # fmt: skip


def test_downloads_are_utf8_with_a_byte_order_mark_and_a_filename(world, work, client):
    world.student.first_name = "Zoé"
    world.student.save()
    client.force_login(world.ta)
    response = client.get(reverse("gradebook_csv", args=[world.assignment.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="class-a-week-1-gradebook.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffusername,name,email,")
    assert "Zoé" in text
    assert next(r for r in exports.read_back(text) if r["username"] == "student")["name"] == "Zoé"
    for name, pk in (
        ("class_gradebook_csv", world.course.pk),
        ("class_submissions_csv", world.course.pk),
        ("submissions_csv", world.assignment.pk),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 200


def test_the_command_writes_the_same_csv_without_a_byte_order_mark(world, work):
    out = StringIO()
    call_command("export_grades", "--assignment", str(world.assignment.pk), stdout=out)
    assert out.getvalue() == exports.assignment_gradebook_csv(assignment=world.assignment).text()
    assert not out.getvalue().startswith("\ufeff")
    out = StringIO()
    call_command("export_grades", "--class", str(world.course.pk), "--detail", stdout=out)
    assert len(exports.read_back(out.getvalue())) == 3
    out = StringIO()
    call_command("export_grades", "--class", str(world.course.pk), stdout=out)
    assert out.getvalue().splitlines()[0].startswith("username,name,email,Week 1 [")


def test_the_command_refuses_a_missing_id_or_no_choice(world):
    with pytest.raises(CommandError, match="no class with the id 999"):
        call_command("export_grades", "--class", "999", stdout=StringIO())
    with pytest.raises(CommandError, match="no assignment with the id 999"):
        call_command("export_grades", "--assignment", "999", stdout=StringIO())
    with pytest.raises(CommandError, match="one of the arguments --class --assignment is required"):
        call_command("export_grades", stdout=StringIO())
