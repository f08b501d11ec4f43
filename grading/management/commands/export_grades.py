"""`manage.py export_grades (--class ID | --assignment ID) [--detail]`: the pages' CSV exports on stdout, for
scripts (no byte-order mark; the downloads add one for spreadsheet programs). Columns: README, "Exporting grades"."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from grading import exports
from tutor.classroom.models import Assignment, Course


class Command(BaseCommand):
    help = "Write a class's or an assignment's gradebook (or, with --detail, every submission) as CSV to stdout."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--class", dest="course_id", type=int, help="A class's id: students × assignments.")
        which.add_argument(
            "--assignment", dest="assignment_id", type=int, help="An assignment's id: students × problems."
        )
        parser.add_argument("--detail", action="store_true", help="One row per submission instead of a gradebook.")

    def handle(
        self, *args: Any, course_id: int | None, assignment_id: int | None, detail: bool, **options: Any
    ) -> None:
        if course_id is not None:
            course = Course.objects.filter(pk=course_id).first()
            if course is None:
                raise CommandError(f"There is no class with the id {course_id}.")
            file = (
                exports.submissions_csv(assignments=course.assignments.all(), course=course)
                if detail
                else exports.class_gradebook_csv(course=course)
            )
        else:
            assert assignment_id is not None  # one of the two is required
            assignment = Assignment.objects.select_related("course").filter(pk=assignment_id).first()
            if assignment is None:
                raise CommandError(f"There is no assignment with the id {assignment_id}.")
            file = (
                exports.submissions_csv(assignments=[assignment], course=assignment.course)
                if detail
                else exports.assignment_gradebook_csv(assignment=assignment)
            )
        self.stdout.write(file.text(), ending="")
