"""Assignment dates: only years 2000 to 2100 after conversion to UTC, offsets within ±15:59, each refusal named.
The importer, the form and the database hold the same line, and a row that is already outside it is repaired by
the migration, so no page answers 500 because of one date."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from tests.factories import AssignmentFactory, EnrollmentFactory, ProblemFactory, UserFactory
from tutor.classroom.importers import ProblemSetError, parse_problem_set
from tutor.classroom.models import Assignment, Enrollment

pytestmark = pytest.mark.django_db

PROBLEMS = "\n## One\nSolve $x = 1$.\n\n### Answer\n1\n"


def front_matter(**fields: str) -> str:
    lines = "".join(f"{key}: {value}\n" for key, value in fields.items())
    return f"---\ntitle: Dates\n{lines}---\n{PROBLEMS}"


def import_errors(text: str, name: str = "set.md") -> list[str]:
    with pytest.raises(ProblemSetError) as info:
        parse_problem_set(text.encode(), name)
    return info.value.errors


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("due_at", "9999-12-31T23:59:00-01:00"),  # year 10000 in UTC
        ("opens_at", "0001-01-01T00:00:00+01:00"),  # year 0 in UTC
        ("due_at", "2100-12-31T23:00:00-05:00"),  # inside the range locally, 2101 in UTC
        ("due_at", "1999-12-31 23:59"),
    ],
)
def test_the_importer_refuses_dates_outside_the_range_after_conversion_with_a_named_error(key, value):
    # Given a problem set whose date is outside 2000-2100 once converted to UTC
    # When it is parsed / Then the error names the field and the accepted range
    errors = import_errors(front_matter(**{key: value}))
    assert any(error.startswith(f"Field '{key}'") and "2000-01-01 to 2100-12-31" in error for error in errors), errors


def test_the_importer_refuses_an_offset_beyond_15_59_and_names_it():
    errors = import_errors(front_matter(due_at="2027-01-10T12:00:00+16:00"))
    assert any("offset +16:00 is out of range" in error and "-15:59 to +15:59" in error for error in errors), errors
    errors = import_errors(
        json.dumps(
            {"title": "T", "due_at": "2027-01-10T12:00:00-16:30", "problems": [{"statement": "s", "answer": "1"}]}
        ),
        "set.json",
    )
    assert any("offset -16:30 is out of range" in error for error in errors), errors


def test_the_importer_accepts_the_edges_and_returns_utc():
    data = parse_problem_set(front_matter(due_at="2027-01-10T12:00:00+15:59").encode(), "set.md")
    assert data.fields["due_at"] == datetime(2027, 1, 9, 20, 1, tzinfo=UTC)
    data = parse_problem_set(front_matter(opens_at="2000-01-01 00:00", due_at="2100-12-31 23:59").encode(), "set.md")
    assert data.fields["opens_at"].year == 2000
    assert data.fields["due_at"].year == 2100


@pytest.fixture
def teacher_and_course(db):
    teacher = UserFactory(username="teacher-dates")
    assignment = AssignmentFactory()
    EnrollmentFactory(course=assignment.course, user=teacher, role=Enrollment.Role.TEACHER)
    return teacher, assignment.course


def test_an_upload_with_a_year_10000_date_is_refused_and_the_class_page_still_works(client, teacher_and_course):
    # Given a teacher uploading the file that used to break the class for everyone
    teacher, course = teacher_and_course
    client.force_login(teacher)
    upload = SimpleUploadedFile("set.md", front_matter(due_at="9999-12-31T23:59:00-01:00").encode())
    # When it is uploaded
    response = client.post(reverse("problem_set_upload", args=[course.pk]), {"file": upload})
    # Then it is refused with the reason, nothing is imported, and the class page answers
    assert response.status_code == 400
    assert "2000-01-01 to 2100-12-31" in response.content.decode()
    assert course.assignments.count() == 1
    assert client.get(reverse("course_detail", args=[course.pk])).status_code == 200


@pytest.mark.parametrize("value", ["9999-12-31T23:59", "0001-01-01T00:00", "2100-12-31T23:00"])
def test_the_assignment_form_refuses_out_of_range_dates_when_the_site_is_not_on_utc(
    client, settings, teacher_and_course, value
):
    # Given a site and a class in New York (UTC-5): 9999-12-31 23:59 there is year 10000 in UTC
    settings.TIME_ZONE = "America/New_York"
    teacher, course = teacher_and_course
    course.time_zone = "America/New_York"
    course.save(update_fields=["time_zone"])
    client.force_login(teacher)
    # When a teacher posts the form with that due date
    form = {"title": "Far", "due_at": value, "late_policy": "penalty", "late_penalty_percent": 10,
            "max_attempts": 3, "verifier_backend": "symbolic", "verification_parallel": 1,
            "verification_rounds": 1, "review_threshold": 0.5}  # fmt: skip
    response = client.post(reverse("assignment_create", args=[course.pk]), form)
    # Then the form says why, nothing is created, and the class page answers
    assert response.status_code == 200
    assert "2000-01-01 to 2100-12-31" in response.content.decode()
    assert not course.assignments.filter(title="Far").exists()
    assert client.get(reverse("course_detail", args=[course.pk])).status_code == 200


def test_the_database_refuses_an_out_of_range_date_from_any_path():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite compares dates as text; the constraint is for PostgreSQL, where the bug was")
    assignment = AssignmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE classroom_assignment SET due_at = '9999-12-31 23:59:00-01:00' WHERE id = %s", [assignment.pk]
        )


def _dates_migration(executor: MigrationExecutor) -> tuple[str, str]:
    """(this fix's migration, the classroom migration before it), whatever numbers they get at merge."""
    [name] = [n for app, n in executor.loader.disk_migrations if app == "classroom" and n.endswith("_dates_in_range")]
    [parent] = [p for p in executor.loader.graph.node_map[("classroom", name)].parents if p.key[0] == "classroom"]
    return name, parent.key[1]


@pytest.mark.django_db(transaction=True)
def test_the_migration_repairs_a_year_10000_date_already_stored_so_every_page_loads_again(client):
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL could store the unreadable date")
    # Given a class whose assignment got a year-10000 due date before the fix (no constraint yet)
    problem = ProblemFactory()
    assignment = problem.assignment
    student = UserFactory(username="student-dates")
    EnrollmentFactory(course=assignment.course, user=student, role=Enrollment.Role.STUDENT)
    executor = MigrationExecutor(connection)
    name, before = _dates_migration(executor)
    # Only this fix's migration is unapplied: migrations after it (columns the pages read) stay in place.
    executor.migrate([("classroom", before)], plan=[(executor.loader.graph.nodes[("classroom", name)], True)])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE classroom_assignment SET due_at = '9999-12-31 23:59:00-01:00', "
                "opens_at = '0001-01-01 00:00:00+01:00' WHERE id = %s",
                [assignment.pk],
            )
        client.force_login(student)
        with pytest.raises(Exception, match="year"):  # the 500 the issue describes
            client.get(reverse("home"))
    finally:
        # When the migration runs
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        if ("classroom", name) not in executor.loader.applied_migrations:
            executor.migrate([("classroom", name)], plan=[(executor.loader.graph.nodes[("classroom", name)], False)])
        executor.migrate(executor.loader.graph.leaf_nodes())
    # Then the dates are clamped to the range, keeping their meaning, and the pages load
    assignment = Assignment.objects.get(pk=assignment.pk)
    assert assignment.due_at == datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert assignment.opens_at == datetime(2000, 1, 1, tzinfo=UTC)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("course_detail", args=[assignment.course_id])).status_code == 200
    assert client.get(reverse("assignment_detail", args=[assignment.pk])).status_code == 200
