"""Problem-set files: the example parses, every kind of mistake names its problem and field or line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tutor.classroom.importers import ProblemSetError, parse_problem_set

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

GOOD = """---
title: Quiz
due_at: 2027-01-10 12:00
---

## Problem 1: First
Points: 3

Solve $x + 1 = 2$.

### Answer
1

### Solution
1. x = 2 - 1
2. x = 1

## Second

What is $2 \\times 3$?

### Answer
6
"""


def parse(text: str, name: str = "set.md"):
    return parse_problem_set(text.encode(), name)


def errors_of(text: str, name: str = "set.md") -> list[str]:
    with pytest.raises(ProblemSetError) as info:
        parse(text, name)
    return info.value.errors


def test_markdown_problems_come_out_in_order_with_their_fields():
    # Given a two-problem Markdown file / When it is parsed
    data = parse(GOOD)
    # Then the metadata and both problems are there, in order
    assert data.fields["title"] == "Quiz"
    assert data.fields["due_at"].isoformat().startswith("2027-01-10T12:00")
    first, second = data.problems
    assert (first.position, first.title, str(first.points)) == (1, "First", "3.00")
    assert first.statement == "Solve $x + 1 = 2$."
    assert first.reference_answer == "1"
    assert first.reference_solution == ("x = 2 - 1", "x = 1")
    assert (second.position, second.title, second.reference_solution, str(second.points)) == (2, "Second", (), "1.00")


def test_shipped_examples_parse_and_agree():
    # Given the example problem set in both formats / When both are parsed
    md = parse_problem_set((EXAMPLES / "problem_set.md").read_bytes(), "problem_set.md")
    js = parse_problem_set((EXAMPLES / "problem_set.json").read_bytes(), "problem_set.json")
    # Then they describe the same three problems
    assert len(md.problems) == 3
    assert md.problems == js.problems
    assert md.fields["title"] == js.fields["title"]


def test_backend_defaults_to_the_site_default(settings):
    settings.VERIFIER_DEFAULT_BACKEND = "fake"
    assert parse(GOOD).fields["verifier_backend"] == "fake"


def test_missing_answer_names_the_problem_its_line_and_the_field():
    text = GOOD.replace("### Answer\n6\n", "")
    errors = errors_of(text)
    assert errors == [
        "Problem 2 (line 18), field 'answer': the reference answer is missing (add a '### Answer' section)."
    ]


def test_missing_statement_and_bad_points_are_both_reported():
    text = GOOD.replace("Solve $x + 1 = 2$.\n", "").replace("Points: 3", "Points: lots")
    errors = errors_of(text)
    assert any("Problem 1 (line 6), field 'statement'" in e for e in errors)
    assert any("Problem 1 (line 6), field 'points'" in e and "'lots' is not a number" in e for e in errors)


def test_bad_date_names_the_field():
    errors = errors_of(GOOD.replace("2027-01-10 12:00", "next tuesday"))
    assert errors == ["Field 'due_at': 'next tuesday' is not a date; write it like 2026-12-01 23:59."]


def test_unknown_field_and_bad_policy_are_named():
    errors = errors_of(GOOD.replace("title: Quiz", "title: Quiz\ndue: soon\nlate_policy: maybe"))
    assert any(e.startswith("Field 'due': unknown assignment field") for e in errors)
    assert any(e.startswith("Field 'late_policy': 'maybe' is not one of") for e in errors)


def test_unknown_backend_is_refused():
    errors = errors_of(GOOD.replace("title: Quiz", "title: Quiz\nverifier_backend: magic"))
    assert errors[0].startswith("Field 'verifier_backend': 'magic' is not one of")


def test_broken_yaml_names_the_line():
    errors = errors_of("---\ntitle: Quiz\nmax_attempts: [3\n---\n## P\nx\n### Answer\n1\n")
    assert errors[0].startswith("Line ")
    assert "front matter" in errors[0]


def test_missing_front_matter_is_explained():
    assert errors_of("## Problem\nx\n### Answer\n1\n") == [
        "Line 1: the file must start with '---' and the YAML front matter (title, due_at…)."
    ]


def test_text_before_the_first_problem_names_its_line():
    errors = errors_of(GOOD.replace("\n## Problem 1: First", "Stray words here\n## Problem 1: First"))
    assert errors == ["Line 5: text before the first problem; start each problem with '## Title'."]


def test_no_problems_at_all():
    assert errors_of("---\ntitle: Empty\n---\n") == [
        "Problems: the file has no problems; add at least one '## Problem' section."
    ]


def test_too_many_problems(settings):
    settings.PROBLEM_SET_MAX_PROBLEMS = 1
    assert errors_of(GOOD) == ["Problems: the file has 2 problems; the limit is 1."]


def test_statement_too_long(settings):
    settings.PROBLEM_STATEMENT_MAX_CHARS = 10
    errors = errors_of(GOOD)
    assert errors[0] == "Problem 1 (line 6), field 'statement': it has 18 characters; the limit is 10."


def test_file_too_big(settings):
    settings.PROBLEM_SET_MAX_BYTES = 50
    errors = errors_of(GOOD)
    assert errors[0].startswith(f"File: it is {len(GOOD.encode())} bytes; the limit is 50 bytes.")


def test_not_utf8_and_wrong_extension():
    with pytest.raises(ProblemSetError, match="not UTF-8"):
        parse_problem_set(b"\xff\xfe\x00bad", "set.md")
    with pytest.raises(ProblemSetError, match=r"must end in \.md or \.json"):
        parse_problem_set(b"x", "set.docx")


def test_json_errors_name_the_problem_index_and_field():
    payload = {"title": "J", "problems": [{"statement": "ok", "answer": "1"}, {"statement": "", "answer": 2}]}
    errors = errors_of(json.dumps(payload), "set.json")
    assert errors == ["Problem 2, field 'statement': the problem has no statement."]


def test_invalid_json_names_line_and_column():
    errors = errors_of('{\n  "title": "J",\n  "problems": [,]\n}', "set.json")
    assert errors[0].startswith("Line 3, column 16: invalid JSON")


def test_problems_may_live_in_the_front_matter():
    text = "---\ntitle: Y\nproblems:\n  - statement: What is 1+1?\n    answer: 2\n    points: 2\n---\n"
    data = parse(text)
    assert data.problems[0].reference_answer == "2"
    assert str(data.problems[0].points) == "2.00"


def test_unquoted_colon_in_a_title_gets_a_hint():
    errors = errors_of("---\ntitle: Week 4: Equations\n---\n## P\nx\n### Answer\n1\n")
    assert errors[0].startswith("Line 2: mapping values are not allowed here (front matter).")
    assert errors[0].endswith("Put text that contains ': ' in quotes.")


def test_problems_in_both_places_are_refused():
    text = "---\ntitle: Y\nproblems:\n  - statement: a\n    answer: 1\n---\n\n## Another\nb\n### Answer\n2\n"
    assert errors_of(text) == ["Line 8: problems are listed in the front matter and as sections; use one or the other."]
