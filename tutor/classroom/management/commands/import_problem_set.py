"""`manage.py import_problem_set CLASS_ID FILE`: the same import as the upload pages, for scripts.

The format is read from the content: Moodle XML (starts with "<"), JSON (starts with "{"), or Markdown (starts
with the "---" of its front matter). Prints what was imported and what was skipped; exits non-zero with every
error otherwise (nothing is imported then).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutor.classroom import content, services
from tutor.classroom.errors import ClassroomError, DuplicateProblemSet, ProblemSetError
from tutor.classroom.models import Course
from tutor.classroom.moodle import looks_like_moodle_xml, parse_moodle_xml


def format_of(data: bytes) -> str:
    head = data[:400].lstrip(b"\xef\xbb\xbf \t\r\n")
    if looks_like_moodle_xml(data):
        return "moodle"
    if head.startswith((b"{", b"[")):
        return "json"
    if head.startswith(b"---"):
        return "markdown"
    raise CommandError(
        "Cannot tell the file's format: a Moodle XML export starts with '<', a JSON problem set with '{', "
        "a Markdown one with its '---' front matter."
    )


class Command(BaseCommand):
    help = "Import a problem set (Markdown, JSON or Moodle XML, chosen by content) into a class as a new assignment."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("class_id", type=int, help="The class's id (in its address: /classes/ID/).")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--as",
            dest="username",
            default="",
            help="The teacher or TA the import is recorded as (default: the class's creator).",
        )
        parser.add_argument(
            "--on-duplicate",
            choices=["ask", "replace", "copy"],
            default="ask",
            help="When the class has an assignment with the same title: stop (ask, the default), replace an "
            "unstarted one, or import a copy.",
        )

    def handle(self, *args: Any, class_id: int, file: Path, username: str, on_duplicate: str, **options: Any) -> None:
        course = Course.objects.filter(pk=class_id).first()
        if course is None:
            raise CommandError(f"There is no class with the id {class_id}.")
        actor = User.objects.filter(username=username).first() if username else course.created_by
        if actor is None:
            raise CommandError(f"There is no account with the username {username!r}.")
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        if file.stat().st_size > settings.PROBLEM_SET_MAX_BYTES:
            raise CommandError(
                f"{file}: it is {file.stat().st_size:,} bytes; the limit is {settings.PROBLEM_SET_MAX_BYTES:,}."
            )
        data = file.read_bytes()
        kind = format_of(data)
        try:
            if kind == "moodle":
                skipped = parse_moodle_xml(data, file.name).skipped
                assignment = content.moodle_import(actor=actor, course=course, content=data, filename=file.name)
            else:
                skipped = ()
                name = file.stem + (".json" if kind == "json" else ".md")
                assignment = services.problem_set_import(
                    actor=actor,
                    course=course,
                    content=data,
                    filename=name,
                    on_duplicate=cast(services.OnDuplicate, on_duplicate),
                )
        except ProblemSetError as exc:
            raise CommandError("Nothing was imported:\n" + "\n".join(f"  {error}" for error in exc.errors)) from exc
        except DuplicateProblemSet as exc:
            raise CommandError(f"{exc.message} Nothing was imported; use --on-duplicate copy or replace.") from exc
        except ClassroomError as exc:
            raise CommandError(exc.message) from exc
        problems = list(assignment.problems.order_by("position"))
        self.stdout.write(f"Imported “{assignment.title}” (assignment {assignment.pk}) with {len(problems)} problems:")
        for problem in problems:
            self.stdout.write(f"  {problem.position}. {problem.title or '(no title)'} ({problem.points:f} points)")
        if skipped:
            self.stdout.write(f"Skipped {len(skipped)}:")
            for item in skipped:
                self.stdout.write(f"  question {item.number} ({item.name}, {item.qtype}): {item.reason}")
