"""Moodle XML (a question bank export) to a problem set: plain values, no database.

`parse_moodle_xml` returns what would be imported (the same `ProblemSetData` the Markdown importer makes, checked
by the same validation, so the same limits apply) plus what was skipped and why, and notes for the teacher's
preview. Hostile input: the file's size is checked before parsing; `defusedxml` refuses DTDs, entity
declarations and external references (no "billion laughs", no reading local files); the question HTML is turned
into text by a streaming parser that keeps no tree, and the result is sanitized again when it is rendered.

How Moodle questions map (docs/problem_sets.md, "Moodle XML"):

| Moodle | Here |
|---|---|
| category | the assignment's title (the first category's last part) |
| shortanswer, numerical | a problem: question text → statement, the 100% answer → reference answer |
| essay | a problem: the answer from "Information for graders" (its last line) |
| stack | a problem: the input's teacher's answer (`tans`, with question variables written out) |
| description | its text joins the assignment's instructions (it has nothing to answer) |
| general feedback | the reference solution, one step per line, when it is a worked solution |
| defaultgrade | points |
| everything else | skipped, with the reason |
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from pathlib import PurePath
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from django.conf import settings

from .errors import ProblemSetError
from .importers import PARSER_LIMIT_ERRORS, ProblemData, ProblemSetData, _unreadable, _validate

__all__ = ["MoodleImport", "Skipped", "looks_like_moodle_xml", "parse_moodle_xml"]

# Questions read from one file, skipped ones included: the work stays bounded however many a file lists.
MAX_QUESTIONS = 1000
SUPPORTED = frozenset({"shortanswer", "numerical", "essay", "description", "stack"})
SKIP_REASONS = {
    "multichoice": "multiple choice: picking an option has no steps to check",
    "truefalse": "true/false: there are no steps to check",
    "matching": "matching: pairing items has no steps to check",
    "ddmatch": "drag-and-drop matching: pairing items has no steps to check",
    "randomsamatch": "random short-answer matching: Moodle builds it at quiz time",
    "multianswer": "embedded answers (Cloze): several answers inside one text; make each a short-answer question",
    "calculated": "calculated: Moodle gives each student different numbers, here everyone solves the same problem",
    "calculatedsimple": "simple calculated: Moodle gives each student different numbers",
    "calculatedmulti": "calculated multichoice: random numbers and a choice between options",
    "random": "random question: Moodle picks a question from a category when the quiz starts",
    "gapselect": "select missing words: choosing words has no steps to check",
    "ddwtos": "drag and drop into text: choosing words has no steps to check",
    "ddimageortext": "drag and drop onto an image: images are not imported",
    "ddmarker": "drag and drop markers: images are not imported",
    "ordering": "ordering: putting items in order has no steps to check",
}
STACK_PLACEHOLDER = re.compile(r"\[\[\s*(?:input|validation|feedback)\s*:[^\]]{0,100}\]\]")
STACK_CAS = re.compile(r"\{@(.{0,500}?)@\}|\{#(.{0,500}?)#\}", re.DOTALL)
STACK_RANDOM = re.compile(r"\brand\w*\s*\(")
STACK_ASSIGNMENT = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]{0,40})\s*:(?!=)\s*(.+?)\s*$", re.DOTALL)
CAS_COMMAND = re.compile(r"\b(diff|integrate|ev|expand|factor|solve|subst|simplify|ratsimp|limit|sum)\s*\(")
MATH_INLINE = re.compile(r"\\\((.+?)\\\)", re.DOTALL)
MATH_DISPLAY = re.compile(r"\\\[(.+?)\\\]", re.DOTALL)
WORKED_LINE = re.compile(r"=|\$|\d")
LIST_MARKER = re.compile(r"^\s*(?:\d+[.)]|[-*+•])\s+")


@dataclass(frozen=True)
class Skipped:
    number: int  # the question's place in the file (categories not counted), as the teacher counts them
    name: str
    qtype: str
    reason: str


@dataclass(frozen=True)
class MoodleImport:
    data: ProblemSetData
    skipped: tuple[Skipped, ...]
    # Per imported problem (by position): what the teacher should know (an image left out, a tolerance not used).
    notes: Mapping[int, tuple[str, ...]]
    general_notes: tuple[str, ...]
    questions: int  # questions in the file (categories not counted)

    @property
    def problems(self) -> tuple[ProblemData, ...]:
        return self.data.problems


def looks_like_moodle_xml(content: bytes) -> bool:
    head = content[:400].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<")


# --- HTML (the question text) to Markdown-like text ---------------------------------------------------------


class _HtmlToText(HTMLParser):
    """Streaming: keeps counters and a small output list, never a tree, so nesting depth costs nothing."""

    BLOCK = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "table", "ul", "ol", "blockquote"})
    SILENT = frozenset({"script", "style", "head", "title", "object", "iframe", "svg", "math"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.silent = 0
        self.pre = 0
        self.images: list[str] = []
        self.flattened_table = False
        self.links_dropped: list[str] = []

    def _newline(self) -> None:
        if self.out and not self.out[-1].endswith("\n"):
            self.out.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in self.SILENT:
            self.silent += 1
        elif tag == "img":
            self.images.append(values.get("src", "") or values.get("alt", "") or "(no name)")
        elif tag == "br":
            self.out.append("\n")
        elif tag in self.BLOCK:
            self._newline()
            if tag == "p":
                self.out.append("\n")
            if tag == "li":
                self.out.append("- ")
            if tag == "table":
                self.flattened_table = True
        elif tag in ("td", "th"):
            if self.out and not self.out[-1].endswith("\n"):
                self.out.append(" | ")
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag in ("sub", "sup"):
            self.out.append(f"<{tag}>")
        elif tag == "pre":
            self.pre += 1
            self._newline()
        elif tag == "a" and values.get("href", "").startswith("@@PLUGINFILE@@"):
            self.links_dropped.append(values["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SILENT:
            self.silent = max(0, self.silent - 1)
        elif tag in self.BLOCK:
            self._newline()
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag in ("sub", "sup"):
            self.out.append(f"</{tag}>")
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.silent:
            return
        data = data.replace("\xa0", " ")
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
        self.out.append(data)

    def text(self) -> str:
        lines = [line.strip() for line in "".join(self.out).split("\n")]
        text = "\n".join(lines)
        text = re.sub(r"\n{3,}", "\n\n", text).strip()
        # Empty emphasis left by markup around nothing.
        return text.replace("****", "").replace("**\n**", "\n")


@dataclass
class _Text:
    text: str
    notes: list[str] = field(default_factory=list)


def _plugin_name(src: str) -> str:
    return PurePath(src.replace("@@PLUGINFILE@@", "").split("?")[0]).name or src


def _to_text(raw: str, text_format: str) -> _Text:
    """A Moodle text field as Markdown-like text, with images left out and reported."""
    notes: list[str] = []
    if text_format in ("plain_text", "moodle_auto_format", "markdown"):
        text = raw.strip()
    else:
        parser = _HtmlToText()
        parser.feed(raw)
        parser.close()
        text = parser.text()
        for src in parser.images:
            if src.startswith("@@PLUGINFILE@@"):
                notes.append(f"image {_plugin_name(src)} left out (add it to the statement yourself)")
            else:
                notes.append(f"image {src[:80]} left out")
        for href in parser.links_dropped:
            notes.append(f"link to the Moodle file {_plugin_name(href)} left out")
        if parser.flattened_table:
            notes.append("a table was turned into lines of text: check it")
    # Moodle's MathJax and TeX filters write \( \) and \[ \]; this site writes $ $ and $$ $$.
    text = MATH_DISPLAY.sub(lambda m: f"$${m.group(1).strip()}$$", text)
    text = MATH_INLINE.sub(lambda m: f"${m.group(1).strip()}$", text)
    return _Text(text=text, notes=notes)


def _child_text(element: Element, path: str) -> str:
    found = element.find(path)
    return (found.text or "") if found is not None else ""


def _field(question: Element, name: str) -> _Text:
    holder = question.find(name)
    if holder is None:
        return _Text("")
    return _to_text(_child_text(holder, "text"), holder.get("format", "html"))


# --- Worked solutions -----------------------------------------------------------------------------------------


def _worked_steps(text: str) -> list[str]:
    """The general feedback as steps when it is a worked solution: at least two lines, and calculation on one."""
    lines = [LIST_MARKER.sub("", line).strip() for line in text.splitlines()]
    steps = [line for line in lines if line]
    if len(steps) >= 2 and any(WORKED_LINE.search(step) for step in steps):
        return steps
    return []


# --- STACK --------------------------------------------------------------------------------------------------


def _stack_variables(source: str) -> dict[str, str]:
    """Question variables `name: expression;` as written (no CAS here: they are only written out)."""
    variables: dict[str, str] = {}
    for statement in source.split(";")[:200]:
        statement = re.sub(r"/\*.*?\*/", "", statement, flags=re.DOTALL)
        match = STACK_ASSIGNMENT.match(statement)
        if match:
            variables[match.group(1)] = match.group(2)
    return variables


def _maxima_readable(expression: str) -> str:
    return expression.replace("%pi", "pi").replace("%e", "e").replace("%i", "i").strip()


def _expand(expression: str, variables: Mapping[str, str], depth: int = 0) -> str:
    """Write question variables out, a few levels deep and no longer than a reference answer may be."""
    if depth >= 5 or not variables or len(expression) > 2000:
        return expression

    expression = expression.strip()
    if expression in variables:  # the whole expression is one variable: no brackets around it
        return _expand(variables[expression], variables, depth + 1)

    def replace(match: re.Match[str]) -> str:
        name = match.group(0)
        if name not in variables:
            return name
        inner = _expand(variables[name], variables, depth + 1)
        return inner if re.fullmatch(r"[\w.]+", inner) else f"({inner})"

    return re.sub(r"\b[A-Za-z][A-Za-z0-9_]*\b", replace, expression)


def _as_latex(expression: str) -> str:
    """Maxima's explicit products as a reader writes them: (x+3)*(x-2) as (x+3)(x-2), 2*x as 2x."""
    expression = re.sub(r"\)\s*\*\s*\(", ")(", expression)
    expression = re.sub(r"(\d)\s*\*\s*([A-Za-z(])", r"\1\2", expression)
    return expression.replace("*", " \\cdot ")


def _stack_text(text: str, variables: Mapping[str, str]) -> tuple[str, bool]:
    """The text with input/feedback placeholders removed and {@expr@} written as math. Returns (text, changed)."""
    text = STACK_PLACEHOLDER.sub("", text)
    used = False

    def cas(match: re.Match[str]) -> str:
        nonlocal used
        used = True
        if match.group(1) is not None:
            return f"${_as_latex(_maxima_readable(_expand(match.group(1), variables)))}$"
        return _maxima_readable(_expand(match.group(2), variables))

    return STACK_CAS.sub(cas, text).strip(), used


# --- Questions ------------------------------------------------------------------------------------------------


@dataclass
class _Problem:
    number: int
    name: str
    raw: dict[str, Any]
    notes: list[str]


def _points(question: Element, notes: list[str]) -> str:
    grade = _child_text(question, "defaultgrade").strip() or "1"
    try:
        value = Decimal(grade)
    except InvalidOperation:
        return grade  # the shared validation names the bad value
    if value <= 0:
        notes.append(f"Moodle gives it {grade} points; it is worth 1 point here (change it after importing)")
        return "1"
    return str(value.normalize()) if value == value.to_integral() else str(value)


def _answers(question: Element) -> list[tuple[float, _Text, Element]]:
    answers = []
    for answer in question.findall("answer")[:100]:
        try:
            fraction = float(answer.get("fraction", "0"))
        except ValueError:
            fraction = 0.0
        answers.append((fraction, _to_text(_child_text(answer, "text"), answer.get("format", "plain_text")), answer))
    return answers


def _full_marks_answer(question: Element, qtype: str, notes: list[str]) -> str | None:
    answers = _answers(question)
    full = [(text, element) for fraction, text, element in answers if fraction >= 100]
    if not full:
        return None
    text, element = full[0]
    answer = text.text
    if len(full) > 1:
        others = ", ".join(t.text[:40] for t, _ in full[1:4])
        notes.append(f"Moodle also accepts {others}: only {answer[:40]} is the reference answer here")
    partial = [(fraction, t.text) for fraction, t, _ in answers if 0 < fraction < 100]
    if partial:
        notes.append("partial-credit answers are not imported (the score follows the steps and the final answer)")
    if qtype == "shortanswer" and "*" in answer:
        notes.append("the answer uses Moodle's * wildcard; it is compared as written")
    if qtype == "numerical":
        tolerance = _child_text(element, "tolerance").strip()
        if tolerance and tolerance not in ("0", "0.0") and _nonzero(tolerance):
            notes.append(f"Moodle's tolerance ±{tolerance} is not used: the checker compares values exactly")
        units = [u for u in (_child_text(unit, "unit_name") for unit in question.findall("units/unit")) if u]
        if units:
            notes.append(f"units ({', '.join(units[:5])}) are not checked")
    return answer


def _nonzero(text: str) -> bool:
    try:
        return float(text) != 0
    except ValueError:
        return True


def _question(question: Element, qtype: str, number: int, name: str) -> _Problem | Skipped | str:
    """One supported question: a problem, a skip, or (for a description) the text for the instructions."""
    notes: list[str] = []
    statement = _field(question, "questiontext")
    feedback = _field(question, "generalfeedback")
    notes.extend(statement.notes)
    # Attached files are what @@PLUGINFILE@@ images and links point at; only those nothing mentioned are news.
    unmentioned = len(question.findall("questiontext/file")) - sum(1 for note in statement.notes if "left out" in note)
    if unmentioned > 0:
        notes.append(f"{unmentioned} attached file{'s' if unmentioned != 1 else ''} left out")
    if qtype == "description":
        return statement.text
    if _child_text(question, "hidden").strip() == "1":
        notes.append("it is hidden in Moodle; here it is imported like the others")
    text, solution_source = statement.text, feedback.text
    answer: str | None
    if qtype in ("shortanswer", "numerical"):
        answer = _full_marks_answer(question, qtype, notes)
        if answer is None:
            return Skipped(number, name, qtype, "no answer is worth 100%, so there is no reference answer")
        if qtype == "numerical" and answer.strip() == "*":
            return Skipped(number, name, qtype, "it accepts any number (*), so there is no reference answer")
    elif qtype == "essay":
        grader = _field(question, "graderinfo")
        lines = [line.strip() for line in grader.text.splitlines() if line.strip()]
        steps = _worked_steps(feedback.text)
        if lines:
            answer = LIST_MARKER.sub("", lines[-1])
            if not steps and len(lines) > 1:
                solution_source = "\n".join(lines)
        elif steps:
            answer = steps[-1].rsplit("=", 1)[-1].strip() or steps[-1]
        else:
            return Skipped(
                number, name, qtype, "an essay with no model answer: write it in Moodle's “Information for graders”"
            )
        notes.append("an essay: the reference answer comes from “Information for graders”: check it")
    else:  # stack
        inputs = question.findall("input")
        if len(inputs) != 1:
            return Skipped(
                number, name, qtype, f"it has {len(inputs)} answer boxes (inputs); a problem here has one final answer"
            )
        source = _child_text(question, "questionvariables/text")
        if STACK_RANDOM.search(source):
            return Skipped(
                number,
                name,
                qtype,
                "randomised (rand() in its question variables): here everyone solves the same problem",
            )
        variables = _stack_variables(source)
        text, used = _stack_text(text, variables)
        solution_source, _ = _stack_text(feedback.text, variables)
        answer = _maxima_readable(_expand(_child_text(inputs[0], "tans"), variables))
        if used:
            notes.append("STACK's {@…@} expressions are written out as math, not computed: check how they read")
        if CAS_COMMAND.search(answer):
            notes.append(f"the teacher's answer is a CAS command ({answer[:60]}): edit it to the value it gives")
    steps = _worked_steps(solution_source)
    if solution_source.strip() and not steps:
        notes.append("the general feedback is not a worked solution (no calculation steps), so it was not used")
    raw: dict[str, Any] = {"title": name, "statement": text, "answer": answer, "points": _points(question, notes)}
    if steps:
        raw["solution"] = steps
    return _Problem(number=number, name=name, raw=raw, notes=notes)


def _category_title(question: Element) -> str:
    path = _child_text(question, "category/text").strip()
    parts = [part for part in path.split("/") if part and part not in ("top",) and not part.startswith("$")]
    return parts[-1].strip() if parts else ""


# --- Entry point ----------------------------------------------------------------------------------------------


def _root(content: bytes) -> Element:
    if len(content) > settings.PROBLEM_SET_MAX_BYTES:
        raise ProblemSetError(
            [
                f"File: it is {len(content):,} bytes; the limit is {settings.PROBLEM_SET_MAX_BYTES:,} bytes. "
                "Export fewer questions at a time."
            ]
        )
    try:
        root = SafeElementTree.fromstring(content, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ProblemSetError(
            [
                "File: it declares a DTD or entities (<!DOCTYPE …> or <!ENTITY …>). Moodle exports never do, and "
                "they can expand into gigabytes or read files from the server, so the file is refused "
                f"({type(exc).__name__})."
            ]
        ) from exc
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        message = str(exc).split(":")[0]
        raise ProblemSetError([f"Line {line}, column {column + 1}: the XML is not well formed ({message})."]) from exc
    except PARSER_LIMIT_ERRORS as exc:
        raise _unreadable("File", exc) from exc
    if root.tag != "quiz":
        raise ProblemSetError(
            [f"File: this is XML, but not a Moodle question export: it starts with <{root.tag[:40]}>, not <quiz>."]
        )
    return root


def parse_moodle_xml(content: bytes, filename: str) -> MoodleImport:
    """Parse a Moodle XML question export. Raises ProblemSetError (every problem found, each naming its question)
    when nothing importable is left or an imported problem breaks the problem-set limits."""
    root = _root(content)
    title = ""
    descriptions: list[str] = []
    problems: list[_Problem] = []
    skipped: list[Skipped] = []
    categories = 0
    number = 0
    for question in root.findall("question"):
        qtype = question.get("type", "").strip().lower()
        if qtype == "category":
            categories += 1
            title = title or _category_title(question)
            continue
        number += 1
        if number > MAX_QUESTIONS:
            raise ProblemSetError([f"File: it has more than {MAX_QUESTIONS:,} questions; export fewer at a time."])
        name = re.sub(r"\s+", " ", _child_text(question, "name/text")).strip()[:200] or f"Question {number}"
        if qtype not in SUPPORTED:
            reason = SKIP_REASONS.get(qtype, f"the question type “{qtype[:40] or '(none)'}” has no equivalent here")
            skipped.append(Skipped(number, name, qtype, reason))
            continue
        outcome = _question(question, qtype, number, name)
        if isinstance(outcome, Skipped):
            skipped.append(outcome)
        elif isinstance(outcome, str):
            if outcome:
                descriptions.append(outcome)
        else:
            problems.append(outcome)
    general: list[str] = []
    if categories > 1:
        general.append(f"The file has {categories} categories; their questions become one assignment.")
    if descriptions:
        plural = "s" if len(descriptions) != 1 else ""
        general.append(f"{len(descriptions)} description{plural} became the assignment's instructions.")
    if not problems:
        reasons = [f"Question {s.number} ({s.name}): {s.reason}." for s in skipped[:20]]
        raise ProblemSetError([f"File: none of its {number} questions can be imported here.", *reasons])
    raw = {
        "title": title or PurePath(filename).stem.replace("_", " ").strip()[:200] or "Moodle questions",
        "instructions": "\n\n".join(descriptions),
        "problems": [problem.raw for problem in problems],
    }
    try:
        data = _validate(raw, {})
    except ProblemSetError as exc:
        labels = {index + 1: f"Question {p.number} ({p.name[:60]})" for index, p in enumerate(problems)}
        raise ProblemSetError(
            [
                re.sub(r"^Problem (\d+)", lambda m: labels.get(int(m.group(1)), m.group(0)), error)
                for error in exc.errors
            ]
        ) from exc
    notes = {index + 1: tuple(problem.notes) for index, problem in enumerate(problems) if problem.notes}
    return MoodleImport(data=data, skipped=tuple(skipped), notes=notes, general_notes=tuple(general), questions=number)
