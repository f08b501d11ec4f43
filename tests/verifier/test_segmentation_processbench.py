"""Measured, not guessed: join ProcessBench steps and check that the split recovers the original boundaries.

Each record's steps are joined with "\n\n" (blank-line paragraphs) and with "\n" (the hard case: a step with
internal line breaks, a list or a display block, looks like several one-line steps). A record counts as
recovered when the split gives exactly as many steps as the record has, each ending where the original step ends
and starting inside it (a leading marker may be skipped). The floors sit a little under the measured rates.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.skipping import skip_unless_ci
from verifier_worker.segmentation import split

JOINERS = {"blank_line": "\n\n", "newline": "\n"}

# Measured on the shared files (see the printed table); a regression below these fails.
FLOORS = {
    ("gsm8k", "blank_line"): 99.0,
    ("math", "blank_line"): 99.0,
    ("olympiadbench", "blank_line"): 99.0,
    ("omnimath", "blank_line"): 99.0,
    ("gsm8k", "newline"): 88.0,
    ("math", "newline"): 67.0,
    ("olympiadbench", "newline"): 48.0,
    ("omnimath", "newline"): 51.0,
}


def original_spans(steps: list[str], joiner: str) -> list[tuple[int, int]]:
    spans = []
    position = 0
    for i, step in enumerate(steps):
        if i:
            position += len(joiner)
        spans.append((position + len(step) - len(step.lstrip()), position + len(step.rstrip())))
        position += len(step)
    return spans


def recovers(steps: list[str], joiner: str) -> bool:
    text = joiner.join(steps)
    expected = original_spans(steps, joiner)
    result = split(text, max_steps=10_000, max_step_chars=1_000_000)
    if len(result.steps) != len(expected):
        return False
    return all(start <= got.start and got.end == end for (start, end), got in zip(expected, result.steps, strict=True))


def recovery_rate(records: list[dict], joiner: str) -> float:
    return 100.0 * sum(recovers(record["steps"], joiner) for record in records) / len(records)


def test_the_recovery_check_itself_can_fail() -> None:
    # A record whose one step has an internal line break cannot be recovered from a "\n" join.
    assert recovers(["We start.", "Then:\n- b = 1\n- c = 2", "Done."], "\n\n")
    assert not recovers(["First line", "x = 1\nx = 2"], "\n")


@pytest.mark.shared_data
def test_processbench_boundaries_are_recovered(shared_data: Path) -> None:
    files = sorted((shared_data / "processbench").glob("*.json"))
    if not files:
        skip_unless_ci("no ProcessBench files under ../shared/data/processbench")
    rates: dict[tuple[str, str], float] = {}
    for path in files:
        records = json.loads(path.read_text())
        for joiner_name, joiner in JOINERS.items():
            rates[(path.stem, joiner_name)] = recovery_rate(records, joiner)
    print("\nexact-recovery rate (%)")
    print("subset".ljust(16) + r"joined with \n\n".rjust(20) + r"joined with \n".rjust(18))
    for subset in sorted({subset for subset, _ in rates}):
        print(f"{subset:<16}{rates[(subset, 'blank_line')]:>20.1f}{rates[(subset, 'newline')]:>18.1f}")
    for key, rate in rates.items():
        assert rate >= FLOORS.get(key, 0.0), f"{key}: recovery {rate:.1f}% fell below {FLOORS[key]}%"
