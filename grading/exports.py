"""Grades out, as CSV: the class gradebook (students × assignments), an assignment's gradebook (students ×
problems) and the per-submission detail. The pages' downloads and `manage.py export_grades` write the same files.

UTF-8, one header row, stable column names (README, "Exporting grades"). Cells that a spreadsheet would run as a
formula (starting with =, +, -, @, a tab or a carriage return) get a leading apostrophe, so they stay text.
Scores already include late penalties; which attempt counts follows each assignment's attempt rule.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from tutor.classroom import timezones
from tutor.classroom.models import Assignment, Course

from . import selectors
from .models import Override, Step, Submission

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PERSON_COLUMNS = ("username", "name", "email")
TOTAL_COLUMNS = ("total", "possible", "pending")
DETAIL_COLUMNS = (
    "username",
    "name",
    "assignment",
    "assignment_id",
    "problem",
    "problem_id",
    "attempt",
    "submitted_at",
    "late",
    "status",
    "score",
    "points",
    "counts",
    "first_error_step",
    "final_answer",
    "overridden_by",
)


@dataclass(frozen=True)
class CsvFile:
    filename: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def text(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([safe_cell(cell) for cell in self.header])
        writer.writerows([safe_cell(cell) for cell in row] for row in self.rows)
        return buffer.getvalue()


def safe_cell(value: object) -> str:
    """A cell as text that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _number(value: Decimal | None) -> str:
    return "" if value is None else f"{value:f}"


def _person(user: User) -> tuple[str, str, str]:
    return user.username, user.get_full_name(), user.email


def _slug(text: str) -> str:
    kept = "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")
    return "-".join(part for part in kept.split("-") if part)[:60] or "grades"


def column_of(label: str, pk: int) -> str:
    """A per-assignment or per-problem column: its label and, in brackets, its id (stable when titles change)."""
    return f"{label} [{pk}]"


def class_gradebook_csv(*, course: Course) -> CsvFile:
    assignments, rows = selectors.class_gradebook(course=course)
    header = (*PERSON_COLUMNS, *(column_of(a.title, a.pk) for a in assignments), *TOTAL_COLUMNS)
    body = tuple(
        (
            *_person(row.student),
            *(_number(cell.score) for cell in row.cells),
            _number(row.total),
            _number(row.possible),
            str(row.pending),
        )
        for row in rows
    )
    return CsvFile(filename=f"{_slug(course.name)}-gradebook.csv", header=header, rows=body)


def assignment_gradebook_csv(*, assignment: Assignment) -> CsvFile:
    problems, rows = selectors.gradebook(assignment=assignment)
    possible = sum((Decimal(p.points) for p in problems), Decimal(0))
    exceptions = selectors.exceptions_for(assignment=assignment)
    header = (
        *PERSON_COLUMNS,
        *(column_of(f"P{p.position} {p.title}".strip(), p.pk) for p in problems),
        *TOTAL_COLUMNS,
        "exception",
    )
    body = tuple(
        (
            *_person(row.student),
            *(_number(cell.counted.score) for cell in row.cells),
            _number(row.total),
            _number(possible),
            str(row.pending),
            "yes" if row.student.pk in exceptions else "no",
        )
        for row in rows
    )
    slug = _slug(f"{assignment.course.name} {assignment.title}")
    return CsvFile(filename=f"{slug}-gradebook.csv", header=header, rows=body)


def _overridden_by(submissions: Sequence[Submission]) -> dict[int, list[str]]:
    """Per submission: who made the teacher decisions in force (step verdicts, final answer, rubric, score)."""
    ids = [s.pk for s in submissions]
    people: dict[int, set[str]] = {pk: set() for pk in ids}
    steps = Step.objects.filter(submission_id__in=ids).exclude(teacher_verdict="").select_related("teacher")
    for step in steps:
        if step.teacher is not None:
            people[step.submission_id].add(step.teacher.username)
    in_force = {
        s.pk: {
            kind
            for kind, active in (
                (Override.Kind.SCORE, s.teacher_score is not None),
                (Override.Kind.FINAL_ANSWER, bool(s.teacher_final_answer)),
                (Override.Kind.RUBRIC, bool(s.rubric_ticks)),
            )
            if active
        }
        for s in submissions
    }
    latest: dict[tuple[int, str], str] = {}
    decisions = (
        Override.objects.filter(submission_id__in=ids, action=Override.Action.SET)
        .exclude(kind=Override.Kind.STEP)
        .select_related("teacher")
        .order_by("created_at", "id")
    )
    for override in decisions:
        if override.teacher is not None:
            latest[(override.submission_id, override.kind)] = override.teacher.username
    for (submission_id, kind), username in latest.items():
        if kind in in_force[submission_id]:
            people[submission_id].add(username)
    return {pk: sorted(names) for pk, names in people.items()}


def submissions_csv(*, assignments: Iterable[Assignment], course: Course) -> CsvFile:
    """One row per submission (every attempt, students removed from the class included), in the class's time."""
    assignment_list = list(assignments)
    zone = timezones.zone_of(course)
    submissions = list(
        Submission.objects.filter(problem__assignment__in=assignment_list)
        .select_related("problem__assignment", "student")
        .order_by("problem__assignment__position", "problem__position", "student__username", "attempt_number")
    )
    groups: dict[tuple[int, int], list[Submission]] = {}
    for submission in submissions:
        groups.setdefault((submission.student_id, submission.problem_id), []).append(submission)
    counting: set[int] = set()
    for tried in groups.values():
        rule = tried[0].problem.assignment.attempt_rule
        result = selectors.counted(tried, rule)
        if rule == "average":
            counting |= {s.pk for s in tried if s.status == Submission.Status.GRADED and s.score is not None}
        elif result.attempt_id is not None:
            counting.add(result.attempt_id)
    who = _overridden_by(submissions)
    rows = []
    for s in submissions:
        problem = s.problem
        rows.append(
            (
                s.student.username,
                s.student.get_full_name(),
                problem.assignment.title,
                str(problem.assignment_id),
                f"{problem.position}. {problem.title}".strip() if problem.title else f"Problem {problem.position}",
                str(problem.pk),
                str(s.attempt_number),
                timezone.localtime(s.submitted_at, zone).isoformat(timespec="seconds"),
                "yes" if s.is_late else "no",
                s.status,
                _number(s.score),
                _number(Decimal(problem.points)),
                "yes" if s.pk in counting else "no",
                "" if s.first_error_index is None else str(s.first_error_index + 1),
                s.final_answer_verdict,
                ";".join(who.get(s.pk, [])),
            )
        )
    name = course.name if len(assignment_list) != 1 else f"{course.name} {assignment_list[0].title}"
    return CsvFile(filename=f"{_slug(name)}-submissions.csv", header=DETAIL_COLUMNS, rows=tuple(rows))


def read_back(text: str) -> list[dict[str, str]]:
    """Parse an export with the csv module, undoing the formula guard (for round trips and scripts)."""
    lines = [
        [_unguard(cell) for cell in row] for row in csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    ]
    header, body = lines[0], lines[1:]
    return [dict(zip(header, row, strict=True)) for row in body]


def _unguard(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value
