"""The verifier evaluation: loaders, the GSM8K join, the StepVerify converter, metrics, the process runner, the command."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from verifier_worker.evaluation import (
    EvalRecord,
    EvaluationError,
    Outcome,
    compute_metrics,
    confidence_bands,
    expected_calibration_error,
    f1_score,
    join_gsm8k,
    last_number,
    load_dataset,
    percentile,
    record_outcomes,
    run_verifier,
    spread_sample,
    strip_calculator_annotations,
)

REPO = Path(__file__).resolve().parents[2]
TEST_BACKENDS = {"hanging": "tests.verifier.evaluation_backends:HangingVerifier"}
METRIC_KEYS = {
    "acc_erroneous",
    "acc_correct",
    "f1",
    "flagged_precision",
    "high_confidence_precision",
    "high_confidence_share",
    "unverified_rate",
    "median_ms",
    "p95_ms",
    "errors",
    "timeouts",
    "confidence_bands",
    "ece",
}

PROCESSBENCH_RECORDS = [
    {"id": "t-0", "problem": "What is 2 + 3?", "steps": ["2 + 3 = 6 WRONG", "So 6."], "label": 0},
    {"id": "t-1", "problem": "What is 4 × 5?", "steps": ["4 × 5 = 20", "So 21. WRONG"], "label": 1},
    {"id": "t-2", "problem": "What is 7 - 1?", "steps": ["7 - 1 = 6", "So 6."], "label": -1},
    {"id": "t-3", "problem": "What is 9 / 3?", "steps": ["9 / 3 = 3 UNSURE", "So 3."], "label": -1},
    {
        "id": "t-4",
        "problem": "What is 8 + 8?",
        "steps": ["8 + 8 = 16", "So 16."],
        "label": -1,
        "reference_answer": "16",
        "reference_solution": "8 + 8 = 16\nThe answer is 16.",
    },
]


def record(label: int, category: str = "") -> EvalRecord:
    return EvalRecord(id=f"r{label}", problem="p", steps=("a", "b", "c"), label=label, category=category)


# --- metrics ------------------------------------------------------------------------------------------------


def test_metrics_match_a_hand_computation() -> None:
    # Given seven solutions: four erroneous, three correct, with flags of high and low confidence, an error and a
    # timeout
    records = [
        record(1, "calc"),  # flagged at 1 with 0.95: right, confident
        record(2, "calc"),  # flagged at 0 with 0.5: wrong
        record(0, "units"),  # not flagged: wrong
        record(-1),  # not flagged: right
        record(-1),  # flagged at 2 with 0.97: wrong, confident
        record(-1),  # error: a miss
        record(0),  # timeout: a miss
    ]
    outcomes = [
        Outcome("ok", 1, 0.95, ("correct", "incorrect", "unverified"), 10.0),
        Outcome("ok", 0, 0.5, ("incorrect", "unverified"), 30.0),
        Outcome("ok", -1, None, (), 20.0),
        Outcome("ok", -1, None, (), 40.0),
        Outcome("ok", 2, 0.97, (), 50.0),
        Outcome("error", message="boom"),
        Outcome("timeout"),
    ]
    # When the metrics are computed
    metrics = compute_metrics(records, outcomes)
    # Then they are ProcessBench's, in percent
    assert metrics["acc_erroneous"] == 25.0  # 1 of 4
    assert metrics["acc_correct"] == 33.33  # 1 of 3
    assert metrics["f1"] == 28.57  # 2 * 25 * 33.33 / 58.33
    assert metrics["flags"] == 3
    assert metrics["flagged_precision"] == 33.33  # 1 of 3 flags
    assert metrics["confident_flags"] == 2
    assert metrics["high_confidence_precision"] == 50.0  # 1 of 2 confident flags
    assert metrics["high_confidence_share"] == 66.67  # 2 of 3 flags
    assert metrics["unverified_rate"] == 40.0  # 2 of 5 verdicts
    assert metrics["median_ms"] == 30.0
    assert metrics["p95_ms"] == 50.0
    assert metrics["errors"] == 1
    assert metrics["timeouts"] == 1
    assert metrics["per_category"] == {"calc": {"n": 2, "accuracy": 50.0}, "units": {"n": 1, "accuracy": 0.0}}
    assert metrics.keys() >= METRIC_KEYS


def test_precision_per_confidence_band_and_the_calibration_error_match_a_hand_computation() -> None:
    # Given six flags at known confidences, four of them right, and one record not flagged
    records = [record(1), record(2), record(0), record(-1), record(1), record(0), record(-1)]
    outcomes = [
        Outcome("ok", 1, 0.95),  # right, band >= 0.9, ECE bin 9
        Outcome("ok", 0, 0.92),  # wrong, band >= 0.9, bin 9
        Outcome("ok", 0, 0.8),  # right, band 0.7-0.9, bin 8
        Outcome("ok", 2, 0.75),  # wrong, band 0.7-0.9, bin 7
        Outcome("ok", 1, 0.5),  # right, band < 0.7, bin 5
        Outcome("ok", 0, 1.0),  # right, band >= 0.9, top bin
        Outcome("ok", -1, None),  # no flag: neither in a band nor in the calibration error
    ]
    # When the metrics are computed
    metrics = compute_metrics(records, outcomes)
    # Then each band has its count, precision (percent) and mean confidence
    assert metrics["confidence_bands"] == {
        ">=0.9": {"flags": 3, "precision": 66.67, "mean_confidence": 0.9567},
        "0.7-0.9": {"flags": 2, "precision": 50.0, "mean_confidence": 0.775},
        "<0.7": {"flags": 1, "precision": 100.0, "mean_confidence": 0.5},
    }
    # and the ECE: 3/6*|2/3 - 0.9567| + 1/6*|1 - 0.8| + 1/6*|0 - 0.75| + 1/6*|1 - 0.5| = 0.3867
    assert metrics["ece"] == 38.67
    # A perfectly calibrated set has no calibration error; no flags, no figure
    pairs = [(record(0), Outcome("ok", 0, 1.0)), (record(1), Outcome("ok", 1, 1.0))]
    assert expected_calibration_error(pairs) == 0.0
    assert expected_calibration_error([]) is None
    assert confidence_bands([])["<0.7"] == {"flags": 0, "precision": None, "mean_confidence": None}


def test_per_record_rows_say_what_was_labelled_and_predicted() -> None:
    records = [record(1, "calc"), record(-1)]
    rows = record_outcomes(records, [Outcome("ok", 1, 0.95, ms=12.345), Outcome("timeout", message="slow")])
    assert rows[0] == {
        "id": "r1",
        "label": 1,
        "prediction": 1,
        "confidence": 0.95,
        "category": "calc",
        "status": "ok",
        "correct": True,
        "undecided": False,
        "ms": 12.35,
        "message": "",
    }
    assert rows[1]["status"] == "timeout"
    assert rows[1]["prediction"] is None
    assert rows[1]["correct"] is False


def test_metrics_without_flags_or_correct_records_are_none_not_zero() -> None:
    metrics = compute_metrics([record(0)], [Outcome("ok", -1, None, ("unverified",), 1.0)])
    assert metrics["acc_erroneous"] == 0.0
    assert metrics["acc_correct"] is None
    assert metrics["f1"] is None
    assert metrics["flagged_precision"] is None
    assert metrics["high_confidence_share"] is None
    assert "per_category" not in metrics


def test_f1_and_percentile() -> None:
    assert f1_score(80.0, 80.0) == 80.0
    assert f1_score(0.0, 0.0) == 0.0
    assert f1_score(None, 50.0) is None
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert percentile(list(map(float, range(1, 101))), 95) == 95.0
    assert percentile([], 95) is None


# --- loaders ------------------------------------------------------------------------------------------------


def test_processbench_json_array_and_jsonl_load_the_same_records(tmp_path: Path) -> None:
    array = tmp_path / "records.json"
    array.write_text(json.dumps(PROCESSBENCH_RECORDS))
    lines = tmp_path / "records.jsonl"
    lines.write_text("\n".join(json.dumps(item) for item in PROCESSBENCH_RECORDS) + "\n")
    from_array = load_dataset(array)
    assert from_array == load_dataset(lines)
    assert [r.label for r in from_array] == [0, 1, -1, -1, -1]
    last = from_array[-1]
    assert last.reference_answer == "16"
    assert last.reference_steps == ("8 + 8 = 16", "The answer is 16.")
    assert last.request(with_reference_solution=False).problem.reference_steps == ()
    assert last.request().steps[1].index == 1


def test_a_reference_solution_given_as_a_list_is_kept_step_by_step(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    item = dict(PROCESSBENCH_RECORDS[0], reference_solution=["2 + 3 = <<2+3=5>>5", " ", "So 5."])
    path.write_text(json.dumps([item]))
    assert load_dataset(path)[0].reference_steps == ("2 + 3 = 5", "So 5.")


@pytest.mark.parametrize(
    "content",
    ['{"not": "a list"', '[{"id": 1, "problem": "p", "steps": ["a"], "label": 3}]', '[{"id": 1}]', "[1, 2]"],
)
def test_bad_files_are_reported_clearly(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(EvaluationError):
        load_dataset(path)


def test_stepverify_items_become_an_incorrect_and_a_correct_record(tmp_path: Path) -> None:
    # Given one StepVerify item whose reference ends with the bare answer
    item = {
        "problem": "A shop sells 1,000 pens a day for 2 days. How many pens?",
        "reference_solution": "It sells 1,000 * 2 = <<1000*2=2000>>2,000 pens\n 2,000",
        "student_incorrect_solution": ["It sells 1000 + 2 = 1002 pens.", " 1002"],
        "incorrect_index": 0,
        "error_category": "Calculation error easily solved by a calculator",
        "student_correct_response": "The shop sells 1000 pens a day. Over 2 days that is 1000 * 2 = 2000 pens.",
    }
    path = tmp_path / "dataset.json"
    path.write_text(json.dumps([item]))
    # When it is loaded (the format is detected)
    incorrect, correct = load_dataset(path)
    # Then the incorrect solution keeps its label and category, and the correct response is split into steps
    assert incorrect.steps == ("It sells 1000 + 2 = 1002 pens.", "1002")
    assert incorrect.label == 0
    assert incorrect.category == "Calculation error easily solved by a calculator"
    assert incorrect.reference_answer == "2000"
    assert incorrect.reference_steps == ("It sells 1,000 * 2 = 2,000 pens",)
    assert correct.label == -1
    assert correct.category == ""
    assert correct.steps == ("The shop sells 1000 pens a day.", "Over 2 days that is 1000 * 2 = 2000 pens.")
    assert correct.reference_answer == "2000"


def test_number_helpers() -> None:
    assert last_number("so 3 x 4 = 12 tyres, then 1,200.") == "1200"
    assert last_number("no numbers") == ""
    assert strip_calculator_annotations("2 + 3 = <<2+3=5>>5") == "2 + 3 = 5"


def test_gsm8k_references_join_on_the_problem_text(tmp_path: Path) -> None:
    gsm8k = tmp_path / "test.jsonl"
    gsm8k.write_text(
        json.dumps(
            {
                "question": "What is  8 + 8?\n",
                "answer": "Add them: 8 + 8 = <<8+8=16>>16\nThat is 16 in all.\n#### 16",
            }
        )
        + "\n"
        + json.dumps({"question": "Unrelated?", "answer": "x\n#### 1,250"})
        + "\n"
    )
    records = [
        EvalRecord(id="a", problem="What is 8 + 8?", steps=("16",), label=-1),
        EvalRecord(id="b", problem="Something else", steps=("1",), label=-1, reference_answer="1"),
    ]
    joined, matched = join_gsm8k(records, gsm8k)
    assert matched == 1
    assert joined[0].reference_answer == "16"
    assert joined[0].reference_steps == ("Add them: 8 + 8 = 16", "That is 16 in all.")
    assert joined[1] == records[1]


def test_spread_sample_keeps_the_mix_of_a_sorted_file() -> None:
    records = [record(0)] * 6 + [record(-1)] * 4
    sample = spread_sample(records, 5)
    assert len(sample) == 5
    assert {r.label for r in sample} == {0, -1}
    assert spread_sample(records, 50) == records


# --- running the verifier -----------------------------------------------------------------------------------


def test_the_fake_backend_runs_in_worker_processes(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    path.write_text(json.dumps(PROCESSBENCH_RECORDS))
    records = load_dataset(path)
    outcomes = run_verifier([r.request() for r in records], backend="fake", workers=2, timeout_s=30)
    assert [o.prediction for o in outcomes] == [0, 1, -1, 0, -1]
    assert [o.confidence for o in outcomes] == [0.95, 0.95, None, 0.5, None]
    assert all(o.status == "ok" and o.ms is not None for o in outcomes)
    metrics = compute_metrics(records, outcomes)
    assert metrics["acc_erroneous"] == 100.0
    assert metrics["acc_correct"] == 66.67
    assert metrics["high_confidence_precision"] == 100.0


def test_in_process_and_worker_runs_agree(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    path.write_text(json.dumps(PROCESSBENCH_RECORDS))
    requests = [r.request() for r in load_dataset(path)]
    inline = run_verifier(requests, backend="fake", workers=0)
    pooled = run_verifier(requests, backend="fake", workers=1)
    assert [o.prediction for o in inline] == [o.prediction for o in pooled]


def test_a_hanging_solution_times_out_without_stopping_the_run() -> None:
    records = [
        EvalRecord(id="0", problem="p", steps=("fine",), label=-1),
        EvalRecord(id="1", problem="p", steps=("HANG",), label=0),
        EvalRecord(id="2", problem="p", steps=("WRONG",), label=0),
        EvalRecord(id="3", problem="p", steps=("fine",), label=-1),
    ]
    started = time.monotonic()
    outcomes = run_verifier(
        [r.request() for r in records], backend="hanging", workers=2, timeout_s=1.5, extra_backends=TEST_BACKENDS
    )
    assert time.monotonic() - started < 60
    assert [o.status for o in outcomes] == ["ok", "timeout", "ok", "ok"]
    assert outcomes[2].prediction == 0
    assert compute_metrics(records, outcomes)["timeouts"] == 1


def test_errors_and_a_crashed_worker_are_counted() -> None:
    records = [
        EvalRecord(id="0", problem="p", steps=("RAISE_UNAVAILABLE",), label=-1),
        EvalRecord(id="1", problem="p", steps=("EXIT",), label=0),
        EvalRecord(id="2", problem="p", steps=("ok", "WRONG"), label=1),
    ]
    outcomes = run_verifier(
        [r.request() for r in records], backend="hanging", workers=1, timeout_s=30, extra_backends=TEST_BACKENDS
    )
    assert [o.status for o in outcomes] == ["error", "error", "ok"]
    assert "VerifierUnavailable" in outcomes[0].message
    assert "died" in outcomes[1].message
    assert outcomes[2].prediction == 1
    assert compute_metrics(records, outcomes)["errors"] == 2


@pytest.mark.parametrize("workers", [0, 1])
def test_an_unknown_backend_is_an_evaluation_error(workers: int) -> None:
    request = EvalRecord(id="0", problem="p", steps=("a",), label=-1).request()
    with pytest.raises(EvaluationError, match="no-such-backend"):
        run_verifier([request], backend="no-such-backend", workers=workers)


# --- the commands -------------------------------------------------------------------------------------------


def test_the_management_command_prints_exactly_one_json_object(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(item) for item in PROCESSBENCH_RECORDS))
    out = io.StringIO()
    call_command("evaluate_verifier", dataset=str(path), backend="fake", json=True, workers=1, stdout=out)
    report = json.loads(out.getvalue())
    assert report.keys() >= METRIC_KEYS
    assert report["records"] == 5
    assert report["backend"] == "fake"
    assert report["acc_erroneous"] == 100.0
    assert report["acc_correct"] == 66.67
    assert report["f1"] == 80.0


def test_the_management_command_reports_a_bad_dataset_as_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command("evaluate_verifier", dataset=str(tmp_path / "missing.json"), backend="fake")


def test_the_module_entry_point_needs_no_django_and_prints_one_json_object(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    path.write_text(json.dumps(PROCESSBENCH_RECORDS))
    completed = subprocess.run(
        [
            *(sys.executable, "-m", "verifier_worker.evaluation", "--dataset", str(path), "--backend", "fake"),
            *("--json", "--workers", "1", "--limit", "3", "--no-reference-solution"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report["records"] == 3
    assert report["reference_solution"] is False


def test_the_human_readable_report_names_the_metrics(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    path.write_text(json.dumps(PROCESSBENCH_RECORDS))
    out = io.StringIO()
    call_command("evaluate_verifier", dataset=str(path), backend="fake", workers=0, stdout=out)
    text = out.getvalue()
    assert "acc_erroneous" in text
    assert "high_confidence_precision" in text
    assert "percentages" in text
    assert "flags with confidence >=0.9" in text
    assert "ece" in text


# --- the shared datasets ------------------------------------------------------------------------------------


@pytest.mark.shared_data
def test_the_shared_datasets_load_and_join(shared_data: Path) -> None:
    gsm8k_records = load_dataset(shared_data / "processbench" / "gsm8k.json")
    joined, matched = join_gsm8k(gsm8k_records, shared_data / "gsm8k" / "test.jsonl")
    assert matched == len(gsm8k_records)
    assert all(r.reference_answer and r.reference_steps for r in joined)
    assert not any("<<" in step for r in joined for step in r.reference_steps)
    stepverify = load_dataset(shared_data / "stepverify" / "dataset.json")
    incorrect = [r for r in stepverify if r.label >= 0]
    correct = [r for r in stepverify if r.label < 0]
    assert len(incorrect) == 1002
    assert len(correct) >= 1000
    assert all(r.reference_answer for r in stepverify)
    assert all(0 <= r.label < len(r.steps) for r in incorrect)
