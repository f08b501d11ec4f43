"""Running a course at a school's scale: a class of 40 students, 10 assignments of 10 problems, 3 attempts each
(12,000 graded attempts), and the largest Moodle file the importer takes.

Figures:
- moodle_parse_ms: parsing a Moodle XML export at the size limit (100 short-answer questions padded to ~250 KB);
- moodle_hostile_ms: refusing a "billion laughs" file;
- class_gradebook_ms: the class gradebook (students × assignments) from all 12,000 attempts;
- gradebook_csv_ms / detail_csv_ms and detail_csv_kb: an assignment's gradebook CSV, every submission's CSV;
- bulk_regrade_ms / bulk_regrade_per_attempt_ms: starting a regrade of one assignment (1,200 attempts: the locks,
  version bumps, history and audit rows), inside a transaction that is rolled back so nothing is enqueued.

Runs in a child process on a fresh SQLite file (test settings, fake backend), so it never touches a real database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, os, time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from decimal import Decimal
from django.db import transaction
from django.utils import timezone
from grading import exports, selectors, services as grading
from grading.models import Submission
from tests.factories import UserFactory, grant_create_classes
from tutor.classroom import moodle, services

def ms(f):
    t = time.perf_counter(); f(); return (time.perf_counter() - t) * 1000

teacher = grant_create_classes(UserFactory(username="teacher"))
course = services.course_create(teacher=teacher, name="Big class")
students = [UserFactory(username=f"s{i:02d}") for i in range(40)]
for s in students:
    services.course_join(student=s, join_code=course.join_code)
assignments = []
for a in range(10):
    problems = [services.ProblemInput(statement=f"Problem {p}", reference_answer="5", reference_solution=["x = 5"]) for p in range(10)]
    assignments.append(services.assignment_create(actor=teacher, course=course, fields={"title": f"Week {a}", "verifier_backend": "fake"}, problems=problems))
now = timezone.now()
rows = [Submission(problem=p, student=s, attempt_number=n, text="x = 5", status="graded", score=Decimal(n) / 3, graded_at=now)
        for a in assignments for p in a.problems.all() for s in students for n in (1, 2, 3)]
Submission.objects.bulk_create(rows, batch_size=2000)

size = int(os.environ["PROBLEM_SET_MAX_BYTES"])
question = "<question type='shortanswer'><name><text>Q{i}</text></name><questiontext format='html'><text><![CDATA[<p>{pad}</p>]]></text></questiontext><answer fraction='100'><text>5</text></answer></question>"
pad = "x " * (((size - 1000) // 100 - len(question)) // 2)
big = ("<quiz>" + "".join(question.format(i=i, pad=pad) for i in range(100)) + "</quiz>").encode()
laughs = b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><quiz>&c;</quiz>'

def refused():
    try:
        moodle.parse_moodle_xml(laughs, "x.xml")
    except Exception:
        pass

figures = {"moodle_file_kb": round(len(big) / 1024), "moodle_parse_ms": ms(lambda: moodle.parse_moodle_xml(big, "big.xml")),
           "moodle_hostile_ms": ms(refused),
           "graded_attempts": Submission.objects.count(),
           "class_gradebook_ms": ms(lambda: selectors.class_gradebook(course=course)),
           "gradebook_csv_ms": ms(lambda: exports.assignment_gradebook_csv(assignment=assignments[0]).text())}
detail = []
figures["detail_csv_ms"] = ms(lambda: detail.append(exports.submissions_csv(assignments=course.assignments.all(), course=course).text()))
figures["detail_csv_kb"] = round(len(detail[0].encode()) / 1024)

class Rollback(Exception):
    pass

def regrade():
    try:
        with transaction.atomic():
            grading.regrade_run_create(actor=teacher, assignment=assignments[0])
            raise Rollback
    except Rollback:
        pass

figures["bulk_regrade_attempts"] = Submission.objects.filter(problem__assignment=assignments[0]).count()
figures["bulk_regrade_ms"] = ms(regrade)
figures["bulk_regrade_per_attempt_ms"] = figures["bulk_regrade_ms"] / figures["bulk_regrade_attempts"]
print("FIGURES " + json.dumps(figures))
"""


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as workdir:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tutor.settings.test",
            "DATABASE_URL": f"sqlite:///{Path(workdir) / 'course.sqlite3'}",
            "TUTOR_VAR_DIR": workdir,
            "PROBLEM_SET_MAX_BYTES": os.environ.get("PROBLEM_SET_MAX_BYTES", str(256 * 1024)),
        }
        result = subprocess.run(
            [sys.executable, "-c", CHILD], cwd=REPO, env=env, capture_output=True, text=True, timeout=1800, check=False
        )
    line = next((line for line in result.stdout.splitlines() if line.startswith("FIGURES ")), None)
    if line is None:
        return {"skipped": f"the child failed: {result.stderr[-500:]}"}
    figures: dict[str, Any] = json.loads(line.removeprefix("FIGURES "))
    return figures
