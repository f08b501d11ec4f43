"""evaluate_verifier reads the step-label export (manage.py export_step_labels) without Django."""

from __future__ import annotations

import json

import pytest

from verifier_worker.evaluation import EvaluationError, detect_format, evaluate, load_records

RECORD = {
    "format": "stepwise-step-labels-v1",
    "id": "solution-ab12",
    "student": "student-cd34",
    "problem_key": "problem-ef56",
    "problem": "Solve $3x + 5 = 20$.",
    "steps": ["3x = 15", "x = 6"],
    "reference_answer": "5",
    "reference_solution": ["3x = 15", "x = 5"],
    "step_labels": [
        {"index": 0, "label": 1, "source": "confirmed", "human": True},
        {"index": 1, "label": -1, "source": "teacher", "human": True},
    ],
    "label": 1,
    "label_source": "teacher",
}


def write(tmp_path, *records):
    path = tmp_path / "labels.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_step_label_records_load_with_their_person_made_label_and_references(tmp_path):
    unlabelled = {**RECORD, "id": "solution-none", "label": None, "label_source": None}
    path = write(tmp_path, RECORD, unlabelled)
    assert detect_format([RECORD]) == "steplabels"
    records, skipped = load_records(path)
    assert skipped == 1
    [record] = records
    assert (record.id, record.label, record.steps) == ("solution-ab12", 1, ("3x = 15", "x = 6"))
    assert (record.reference_answer, record.reference_steps) == ("5", ("3x = 15", "x = 5"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"label": 7}, "label in -1..1"),
        ({"step_labels": "nope", "steps": ["a"]}, "no step_labels list"),
        ({"problem": None, "steps": None}, "steps must be a list"),
    ],
)
def test_broken_step_label_records_are_refused_clearly(tmp_path, change, message):
    path = write(tmp_path, RECORD, {**RECORD, **change})
    with pytest.raises(EvaluationError, match=message):
        load_records(path, format="steplabels")


def test_a_file_with_no_person_made_label_is_refused(tmp_path):
    path = write(tmp_path, {**RECORD, "label": None})
    with pytest.raises(EvaluationError, match="none of its 1 records has a label a person made"):
        load_records(path)


def test_evaluate_reports_the_skipped_records(tmp_path):
    path = write(tmp_path, RECORD, {**RECORD, "id": "x", "label": None})
    report = evaluate(dataset=str(path), backend="fake", workers=0)
    assert (report["records"], report["skipped_unlabelled"]) == (1, 1)
