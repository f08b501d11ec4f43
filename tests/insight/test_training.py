"""The step-label training export: its two formats on the known history (tests/insight/conftest.py), students
pseudonymised, only person-made labels counted as human, the command, the admin button, and evaluate_verifier
loading the export back."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tutor.audit.models import AuditEvent
from tutor.insight import training
from tutor.insight.training import pseudonym
from verifier_worker.evaluation import load_records

pytestmark = pytest.mark.django_db

# Per reviewed grade: (label, label source or None, human step labels), worked out from the fixture:
#   S2 confirmed as a whole          -> 1, "confirmed", 3 (every step)
#   S3 step 3 marked incorrect       -> 2, "teacher",   2 (the two steps the teacher set)
#   S4 its only flag cleared         -> -1, "teacher",  1
#   S5 only the score changed        -> no person-made label, 0
#   S6 step 2 marked incorrect       -> 1, "teacher",   1
#   S7 confirmed ("Confirm this grade") -> 0, "confirmed", 2
EXPECTED = {
    "S2": (1, "confirmed", 3),
    "S3": (2, "teacher", 2),
    "S4": (-1, "teacher", 1),
    "S5": (None, None, 0),
    "S6": (1, "teacher", 1),
    "S7": (0, "confirmed", 2),
}


def export(*args: str) -> tuple[list[dict], str]:
    out, err = StringIO(), StringIO()
    call_command("export_step_labels", *args, stdout=out, stderr=err)
    return [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def by_name(history, records):
    names = {pseudonym("solution", s.pk): name for name, s in history.subs.items()}
    return {names[r["id"]]: r for r in records}


def test_step_label_records_mark_each_labels_source_and_count_only_person_made_labels_as_human(history):
    records, summary = export()
    found = by_name(history, records)
    assert set(found) == set(EXPECTED)
    for name, (label, source, human) in EXPECTED.items():
        record = found[name]
        assert (record["label"], record["label_source"]) == (label, source), name
        assert sum(item["human"] for item in record["step_labels"]) == human, name
    s3 = found["S3"]["step_labels"]
    assert [(i["label"], i["source"], i["human"]) for i in s3] == [
        (1, "teacher", True),
        (1, "verifier", False),
        (-1, "teacher", True),
    ]
    assert s3[0]["verifier_verdict"] == "incorrect"
    assert s3[0]["verifier_confidence"] == 0.95
    assert found["S3"]["steps"] == ["WRONG a = 1", "b = 2", "c = 3"]
    assert found["S3"]["reference_answer"] == "5"
    assert found["S3"]["reference_solution"] == ["3x = 15", "x = 5"]
    assert "6 record(s) from 6 reviewed grade(s); 9 step label(s) confirmed by a person" in summary


def test_processbench_records_hold_only_labels_a_person_made(history):
    records, summary = export("--format", "processbench")
    found = by_name(history, records)
    assert set(found) == set(EXPECTED) - {"S5"}
    assert {name: r["label"] for name, r in found.items()} == {n: e[0] for n, e in EXPECTED.items() if n != "S5"}
    assert set(found["S2"]) == {
        "id", "student", "problem_key", "problem", "steps", "label", "label_source", "reference_answer",
        "reference_solution",
    }  # fmt: skip
    assert "1 left out" in summary


def test_students_are_pseudonymised(history):
    records, _ = export()
    text = json.dumps(records)
    for person in (*history.students, history.teacher):
        assert person.username not in text
    # Stable: one student has one pseudonym, and it is not their id
    s2 = by_name(history, records)["S2"]
    assert s2["student"] == pseudonym("student", history.subs["S2"].student_id)
    assert s2["student"] != pseudonym("student", history.subs["S3"].student_id)


def test_evaluate_verifier_loads_both_exports_and_scores_person_made_labels(history, tmp_path):
    steps_file, pb_file = tmp_path / "steps.jsonl", tmp_path / "pb.jsonl"
    call_command("export_step_labels", "--output", str(steps_file), stderr=StringIO())
    call_command("export_step_labels", "--format", "processbench", "--output", str(pb_file), stderr=StringIO())
    steps_records, skipped = load_records(steps_file)
    pb_records, _ = load_records(pb_file)
    assert skipped == 1  # S5: no label a person made
    assert sorted(r.label for r in steps_records) == sorted(r.label for r in pb_records) == [-1, 0, 1, 1, 2]
    assert all(r.reference_answer == "5" for r in steps_records)
    out = StringIO()
    call_command("evaluate_verifier", "--dataset", str(steps_file), "--backend", "fake", "--workers", "0", "--json",
                 stdout=out)  # fmt: skip
    report = json.loads(out.getvalue())
    # The fake backend flags the WRONG/UNSURE steps: S2 (1) right, S3 (0 vs 2) wrong, S4 (1 vs -1) wrong,
    # S6 (-1 vs 1) wrong, S7 (0) right; erroneous labels S2, S3, S6, S7 -> 2 of 4; correct S4 -> 0 of 1
    assert report["records"] == 5
    assert report["skipped_unlabelled"] == 1
    assert (report["acc_erroneous"], report["acc_correct"]) == (50.0, 0.0)


def test_the_export_is_filtered_by_class_and_date_and_each_class_gets_an_audit_event(history):
    course = history.problems[0].assignment.course
    records, _ = export("--class", str(course.pk), "--since", "2000-01-01")
    assert len(records) == 6
    assert export("--since", "2999-01-01")[0] == []
    event = AuditEvent.objects.filter(event_type="training_data.exported", course_id=course.pk).first()
    assert event is not None
    assert event.details["records"] == 6
    assert event.details["source"].startswith("manage.py")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--class", "999999"], "no class with id 999999"),
        (["--since", "last week"], "is not a date"),
        (["--format", "csv"], "invalid choice"),
    ],
)
def test_bad_arguments_are_refused_clearly(history, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_step_labels", *args, stdout=StringIO(), stderr=StringIO())


def test_the_export_refuses_more_than_its_bound(history, monkeypatch):
    from tutor.insight import services

    monkeypatch.setattr(services, "TRAINING_EXPORT_MAX", 3)
    with pytest.raises(CommandError, match="More than 3 reviewed grades"):
        export()


def test_the_admin_button_downloads_the_export_and_records_who(client, history):
    client.force_login(history.admin)
    page = client.get(reverse("insight:training_data")).content.decode()
    assert "6 record(s) from 6 reviewed grade(s)" in page
    assert "1 left out" in page
    response = client.post(reverse("insight:training_data"), {"format": "processbench", "since": ""})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="step-labels-processbench-')
    lines = response.content.decode().splitlines()
    assert len(lines) == 5
    assert all(json.loads(line)["label"] is not None for line in lines)
    event = AuditEvent.objects.get(event_type="training_data.exported")
    assert event.actor == history.admin
    assert event.details["records"] == 5


def test_only_site_staff_reach_the_export(client, history):
    for who in (history.teacher, history.students[0]):
        client.force_login(who)
        assert client.get(reverse("insight:training_data")).status_code == 404
        assert client.post(reverse("insight:training_data"), {"format": "steps"}).status_code == 404
    assert not AuditEvent.objects.filter(event_type="training_data.exported").exists()


def test_unreviewed_grades_are_never_exported():
    lines, summary = training.export_lines([], "steps")
    assert (lines, summary.records, summary.reviewed) == ([], 0, 0)
