"""Problem-set files: parse Markdown (YAML front matter + one section per problem) or JSON into plain values.

Nothing here touches the database. `parse_problem_set` either returns a complete `ProblemSetData` or raises
`ProblemSetError` listing every problem it found, each naming the problem and the field or line that is wrong.
The format is documented in docs/problem_sets.md; examples/problem_set.md is a complete example.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from django.conf import settings

from .backends import backend_choices
from .errors import ProblemSetError
from .models import Assignment, field_bounds, model_field
from .schedule import DateOutOfRange, schedule_date

__all__ = ["ProblemData", "ProblemSetData", "ProblemSetError", "parse_problem_set"]

ASSIGNMENT_KEYS = frozenset({*Assignment.SETTINGS_FIELDS, "problems"})
PROBLEM_KEYS = frozenset({"title", "statement", "answer", "solution", "points"})
SECTION_HEADING = re.compile(r"^##\s+(?P<title>.*?)\s*#*\s*$")
SUBSECTION_HEADING = re.compile(r"^###\s+(?P<name>answer|solution)\s*:?\s*#*\s*$", re.IGNORECASE)
POINTS_LINE = re.compile(r"^points\s*:\s*(?P<value>.*)$", re.IGNORECASE)
LIST_MARKER = re.compile(r"^\s*(?:\d+[.)]|[-*+])\s+")
TITLE_PREFIX = re.compile(r"^problem\s*\d*\s*[:.\-–—]?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class ProblemData:
    position: int
    title: str
    statement: str
    reference_answer: str
    reference_solution: tuple[str, ...]
    points: Decimal


@dataclass(frozen=True)
class ProblemSetData:
    """Assignment fields ready for `Assignment(**fields)`, plus its problems in order."""

    fields: Mapping[str, Any]
    problems: tuple[ProblemData, ...]


@dataclass
class _Collector:
    errors: list[str] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")


class _NoAliasLoader(yaml.SafeLoader):
    """safe_load still expands `&anchor`/`*alias`, so a few hundred bytes can stand for billions of values
    (the "billion laughs"). A problem set never needs them: refuse them with the line they are on."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed; write the value out", event.start_mark
            )
        return super().compose_node(parent, index)


_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = 60


def _shown(value: Any) -> str:
    """A value quoted in an error message, cut short: messages never grow with the input."""
    return _SHOWN.repr(value)


def _unreadable(where: str, exc: Exception) -> ProblemSetError:
    """The parsers raise these outside their own error types: nesting past the recursion limit, integers too
    long to convert, impossible dates such as 2026-13-45."""
    if isinstance(exc, RecursionError):
        return ProblemSetError([f"{where}: it is nested too deeply."])
    return ProblemSetError([f"{where}: a value cannot be read ({_SHOWN.repr(str(exc))[1:-1]})."])


PARSER_LIMIT_ERRORS = (RecursionError, ValueError, OverflowError)


def allowed_backends() -> list[str]:
    """The checkers a teacher may pick here (the same list as the assignment form)."""
    return [name for name, _ in backend_choices()]


# --- entry point ---------------------------------------------------------------------------------


def parse_problem_set(content: bytes, filename: str) -> ProblemSetData:
    if len(content) > settings.PROBLEM_SET_MAX_BYTES:
        raise ProblemSetError(
            [
                f"File: it is {len(content):,} bytes; the limit is {settings.PROBLEM_SET_MAX_BYTES:,} bytes. "
                "Split it into several problem sets."
            ]
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProblemSetError([f"File: it is not UTF-8 text (byte {exc.start} is invalid)."]) from exc
    lowered = filename.lower()
    if lowered.endswith(".json"):
        raw, problem_lines = _read_json(text), dict[int, int]()
    elif lowered.endswith((".md", ".markdown", ".txt")):
        raw, problem_lines = _read_markdown(text)
    else:
        raise ProblemSetError([f"File: {filename!r} must end in .md or .json."])
    return _validate(raw, problem_lines)


# --- JSON ----------------------------------------------------------------------------------------


def _read_json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemSetError([f"Line {exc.lineno}, column {exc.colno}: invalid JSON ({exc.msg})."]) from exc
    except PARSER_LIMIT_ERRORS as exc:
        raise _unreadable("File", exc) from exc
    if not isinstance(data, dict):
        raise ProblemSetError(["File: the JSON must be an object with the assignment fields and a 'problems' list."])
    return data


# --- Markdown ------------------------------------------------------------------------------------


def _read_markdown(text: str) -> tuple[dict[str, Any], dict[int, int]]:
    """Return the raw fields (front matter + problems) and, per problem index, its heading's line number."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ProblemSetError(["Line 1: the file must start with '---' and the YAML front matter (title, due_at…)."])
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    except StopIteration:
        raise ProblemSetError(["Line 1: the front matter is never closed; add a line with '---' after it."]) from None
    try:
        meta = yaml.load("\n".join(lines[1:end]), Loader=_NoAliasLoader) or {}  # noqa: S506 (a SafeLoader)
    except PARSER_LIMIT_ERRORS as exc:
        raise _unreadable("Front matter", exc) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"Line {mark.line + 2}" if mark is not None else "Front matter"
        problem = getattr(exc, "problem", None) or "it is not valid YAML"
        hint = " Put text that contains ': ' in quotes." if "mapping values" in problem else ""
        raise ProblemSetError([f"{line}: {problem} (front matter).{hint}"]) from exc
    if not isinstance(meta, dict):
        raise ProblemSetError(["Line 2: the front matter must be 'key: value' lines."])
    if "problems" in meta:
        # Problems may be written entirely in the front matter instead of as sections, but not both.
        for number, line in enumerate(lines[end + 1 :], start=end + 2):
            if SECTION_HEADING.match(line):
                raise ProblemSetError(
                    [f"Line {number}: problems are listed in the front matter and as sections; use one or the other."]
                )
        return meta, {}
    problems, lines_by_index = _read_sections(lines, first_line=end + 1)
    return {**meta, "problems": problems}, lines_by_index


def _read_sections(lines: list[str], *, first_line: int) -> tuple[list[dict[str, Any]], dict[int, int]]:
    errors = _Collector()
    sections: list[tuple[int, str, list[tuple[int, str]]]] = []
    for number, line in enumerate(lines[first_line:], start=first_line + 1):
        heading = SECTION_HEADING.match(line)
        if heading:
            sections.append((number, heading["title"], []))
        elif sections:
            sections[-1][2].append((number, line))
        elif line.strip() and not line.lstrip().startswith("#"):
            errors.add(f"Line {number}", "text before the first problem; start each problem with '## Title'.")
    if errors.errors:
        raise ProblemSetError(errors.errors)
    problems = [_read_section(title, body) for _, title, body in sections]
    return problems, {index: number for index, (number, _, _) in enumerate(sections)}


def _read_section(title: str, body: list[tuple[int, str]]) -> dict[str, Any]:
    parts: dict[str, list[str]] = {"statement": [], "answer": [], "solution": []}
    current = "statement"
    problem: dict[str, Any] = {"title": TITLE_PREFIX.sub("", title).strip() or title}
    for _, line in body:
        sub = SUBSECTION_HEADING.match(line)
        points = POINTS_LINE.match(line.strip())
        if sub:
            current = sub["name"].lower()
        elif points and current == "statement" and not "".join(parts["statement"]).strip():
            problem["points"] = points["value"].strip()
        else:
            parts[current].append(line)
    problem["statement"] = "\n".join(parts["statement"]).strip()
    if any(line.strip() for line in parts["answer"]):
        problem["answer"] = "\n".join(parts["answer"]).strip()
    steps = [LIST_MARKER.sub("", line).strip() for line in parts["solution"] if line.strip()]
    if steps:
        problem["solution"] = steps
    return problem


# --- validation (both formats) -------------------------------------------------------------------


def _validate(raw: Mapping[str, Any], problem_lines: Mapping[int, int]) -> ProblemSetData:
    errors = _Collector()
    fields = _validate_assignment(raw, errors)
    problems_raw = raw.get("problems")
    problems: list[ProblemData] = []
    if not isinstance(problems_raw, list) or not problems_raw:
        errors.add("Problems", "the file has no problems; add at least one '## Problem' section.")
    elif len(problems_raw) > settings.PROBLEM_SET_MAX_PROBLEMS:
        errors.add(
            "Problems",
            f"the file has {len(problems_raw)} problems; the limit is {settings.PROBLEM_SET_MAX_PROBLEMS}.",
        )
    else:
        for index, item in enumerate(problems_raw):
            where = f"Problem {index + 1}"
            if index in problem_lines:
                where += f" (line {problem_lines[index]})"
            problem = _validate_problem(item, index + 1, where, errors)
            if problem is not None:
                problems.append(problem)
    _check_nul_characters(fields, problems, problem_lines, errors)
    if errors.errors:
        raise ProblemSetError(errors.errors)
    return ProblemSetData(fields=fields, problems=tuple(problems))


def _check_nul_characters(
    fields: Mapping[str, Any], problems: list[ProblemData], problem_lines: Mapping[int, int], errors: _Collector
) -> None:
    """PostgreSQL cannot store NUL characters in text; name where one is instead of failing at save time."""
    for key in ("title", "instructions"):
        if "\x00" in str(fields.get(key) or ""):
            errors.add(f"Field '{key}'", "it contains a NUL character (\\u0000); remove it.")
    for problem in problems:
        where = f"Problem {problem.position}"
        if problem.position - 1 in problem_lines:
            where += f" (line {problem_lines[problem.position - 1]})"
        texts = {"title": problem.title, "statement": problem.statement, "answer": problem.reference_answer}
        texts["solution"] = "\n".join(problem.reference_solution)
        for name, text in texts.items():
            if "\x00" in text:
                errors.add(f"{where}, field '{name}'", "it contains a NUL character (\\u0000); remove it.")


def _validate_assignment(raw: Mapping[str, Any], errors: _Collector) -> dict[str, Any]:
    for key in sorted(set(raw) - ASSIGNMENT_KEYS, key=str):
        errors.add(f"Field '{key}'", f"unknown assignment field. Known fields: {', '.join(sorted(ASSIGNMENT_KEYS))}.")
    fields: dict[str, Any] = {}
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        errors.add("Field 'title'", "the assignment needs a title.")
    elif len(title) > 200:
        errors.add("Field 'title'", "it is longer than 200 characters.")
    else:
        fields["title"] = title.strip()
    fields["instructions"] = _text(raw, "instructions", "Field 'instructions'", errors)
    limit = settings.ASSIGNMENT_INSTRUCTIONS_MAX_CHARS
    if len(fields["instructions"]) > limit:
        count = len(fields["instructions"])
        errors.add("Field 'instructions'", f"it has {count:,} characters; the limit is {limit:,}.")
    for key in ("opens_at", "due_at"):
        fields[key] = _datetime(raw.get(key), f"Field '{key}'", errors)
    if fields["opens_at"] and fields["due_at"] and fields["due_at"] <= fields["opens_at"]:
        errors.add("Field 'due_at'", "the due date must be after opens_at.")
    policy = raw.get("late_policy", Assignment.LatePolicy.ACCEPT_WITH_PENALTY.value)
    if policy not in Assignment.LatePolicy.values:
        errors.add("Field 'late_policy'", f"{_shown(policy)} is not one of: {', '.join(Assignment.LatePolicy.values)}.")
    fields["late_policy"] = policy
    for key in ("late_penalty_percent", "max_attempts", "verification_parallel", "verification_rounds"):
        fields[key] = _int(raw, key, errors)
    backend = raw.get("verifier_backend", settings.VERIFIER_DEFAULT_BACKEND)
    if backend not in allowed_backends():
        errors.add("Field 'verifier_backend'", f"{_shown(backend)} is not one of: {', '.join(allowed_backends())}.")
    fields["verifier_backend"] = backend
    reveal = raw.get("reveal_corrections", False)
    if not isinstance(reveal, bool):
        errors.add("Field 'reveal_corrections'", "write true or false.")
    fields["reveal_corrections"] = reveal
    threshold = raw.get("review_threshold", _default("review_threshold"))
    low, high = (bound or 0.0 for bound in field_bounds(Assignment, "review_threshold"))
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not low <= threshold <= high:
        errors.add("Field 'review_threshold'", f"write a number between {low:g} and {high:g}, for example 0.5.")
    fields["review_threshold"] = threshold
    hints = raw.get("hint_policy", Assignment.HintPolicy.AFTER_FIRST_ATTEMPT.value)
    if hints not in Assignment.HintPolicy.values:
        errors.add("Field 'hint_policy'", f"{_shown(hints)} is not one of: {', '.join(Assignment.HintPolicy.values)}.")
    fields["hint_policy"] = hints
    for key in ("hint_limit", "hint_cost_percent"):
        fields[key] = _int(raw, key, errors)
    return fields


def _validate_problem(item: Any, position: int, where: str, errors: _Collector) -> ProblemData | None:
    if not isinstance(item, dict):
        errors.add(where, "must be a mapping with statement, answer, solution and points.")
        return None
    count = len(errors.errors)
    for key in sorted(set(item) - PROBLEM_KEYS, key=str):
        errors.add(f"{where}, field '{key}'", f"unknown field. Known fields: {', '.join(sorted(PROBLEM_KEYS))}.")
    title = item.get("title") or ""
    if not isinstance(title, str) or len(title) > 200:
        errors.add(f"{where}, field 'title'", "must be text of at most 200 characters.")
    statement = item.get("statement")
    limit = settings.PROBLEM_STATEMENT_MAX_CHARS
    if not isinstance(statement, str) or not statement.strip():
        errors.add(f"{where}, field 'statement'", "the problem has no statement.")
    elif len(statement) > limit:
        errors.add(f"{where}, field 'statement'", f"it has {len(statement):,} characters; the limit is {limit:,}.")
    answer = item.get("answer")
    if isinstance(answer, int | float | Decimal) and not isinstance(answer, bool):
        answer = str(answer)
    if not isinstance(answer, str) or not answer.strip():
        errors.add(f"{where}, field 'answer'", "the reference answer is missing (add a '### Answer' section).")
    elif len(answer) > 500:
        errors.add(f"{where}, field 'answer'", "the reference answer is longer than 500 characters.")
    solution = item.get("solution", [])
    if isinstance(solution, str):
        solution = [line.strip() for line in solution.splitlines() if line.strip()]
    if not isinstance(solution, list) or not all(isinstance(step, str | int | float) for step in solution):
        errors.add(f"{where}, field 'solution'", "must be a list of steps, one per line.")
        solution = []
    points = _decimal(item.get("points", 1), f"{where}, field 'points'", errors)
    if len(errors.errors) > count:
        return None
    return ProblemData(
        position=position,
        title=str(title).strip(),
        statement=str(statement).strip(),
        reference_answer=str(answer).strip(),
        reference_solution=tuple(str(step) for step in solution),
        points=points,
    )


def _text(raw: Mapping[str, Any], key: str, where: str, errors: _Collector) -> str:
    value = raw.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(where, "must be text.")
        return ""
    return value.strip()


def _default(key: str) -> Any:
    return model_field(Assignment, key).get_default()


def _int(raw: Mapping[str, Any], key: str, errors: _Collector) -> int:
    """A whole-number assignment setting, within the model field's own limits (the form uses the same ones)."""
    default: int = _default(key)
    low, high = (int(bound) if bound is not None else None for bound in field_bounds(Assignment, key))
    low = 0 if low is None else low
    value = raw.get(key, default)
    in_range = isinstance(value, int) and low <= value and (high is None or value <= high)
    if isinstance(value, bool) or not in_range:
        limit = f"from {low} to {high}" if high is not None else f"of at least {low}"
        errors.add(f"Field '{key}'", f"write a whole number {limit} (got {_shown(value)}).")
        return default
    return int(value)


def _decimal(value: Any, where: str, errors: _Collector) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add(where, f"{_shown(value)} is not a number.")
        return Decimal(1)
    if not number.is_finite() or number < 0 or number >= 10_000:
        errors.add(where, "must be a number from 0 to 9999.")
        return Decimal(1)
    return number.quantize(Decimal("0.01"))


def _datetime(value: Any, where: str, errors: _Collector) -> dt.datetime | None:
    """Accept YAML dates/datetimes and ISO strings ('2026-12-01 23:59'); naive values use the site time zone.
    Returned in UTC, within the range the site accepts (tutor.classroom.schedule)."""
    if value is None or value == "":
        return None
    parsed: dt.datetime | None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time(23, 59))
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None and len(value.strip()) == 10:
            parsed = parsed.replace(hour=23, minute=59)
    else:
        parsed = None
    if parsed is None:
        errors.add(where, f"{_shown(value)} is not a date; write it like 2026-12-01 23:59.")
        return None
    try:
        return schedule_date(parsed)
    except DateOutOfRange as exc:
        errors.add(where, f"{_shown(value)}: {exc.message}")
        return None
