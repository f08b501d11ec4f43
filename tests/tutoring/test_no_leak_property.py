"""The no-leak property, over generated problems, reference solutions and wrong solutions: whatever hint a student
is shown (templated, from the reference solution, or a language model's draft, at any level, after any fallback),
it never contains the reference answer, a number only the reference solution has, or the corrected value of the
wrong step unless the teacher reveals corrections.

The solutions are graded by the real symbolic checker and stored as Step rows would be (unsaved instances, no
database). Leaks are judged by an oracle written independently of the filter: its own digit scan, its own
number speller and its own list of forbidden values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grading.models import Step, Submission
from grading.tutoring import hints as composing
from grading.tutoring import stored
from tutor.classroom.models import Assignment, Problem
from verifier_worker import segmentation
from verifier_worker.backends.symbolic import SymbolicVerifier
from verifier_worker.types import Problem as VerifierProblem
from verifier_worker.types import StepInput, VerificationRequest

NOUNS = ("apples", "boxes", "students", "pens", "stamps", "cards", "books", "tickets")
OPS = {"×": lambda a, b: a * b, "+": lambda a, b: a + b, "−": lambda a, b: a - b}
VERIFIER = SymbolicVerifier()

# --- The oracle ---------------------------------------------------------------------------------------------

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spell(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + spell(rest))
    rest = n % 1000
    return spell(n // 1000) + " thousand" + ("" if rest == 0 else " " + spell(rest))


def oracle_values(text: str, steps: int) -> set[Fraction]:
    """Every quantity a reader could see in `text`, by the oracle's own reading."""
    text = text.lower()
    # A step named by its number ("step 2", "step two") is not a quantity, if that step exists.
    text = re.sub(r"\bsteps? (\d+)(?![.,/]?\d)", lambda m: " " if int(m.group(1)) <= steps else m.group(0), text)
    for n in range(1, steps + 1):
        text = re.sub(rf"\bsteps? {spell(n)}\b(?![ -](?:{'|'.join(_ONES + _TENS[2:])}|hundred|thousand))", " ", text)
    flat = text.replace(",", "")
    found = {abs(Fraction(m)) for m in re.findall(r"\d+(?:\.\d+)?", flat)}
    for a, b in re.findall(r"(\d+)\s*/\s*(\d+)", flat):
        if int(b):
            found.add(Fraction(int(a), int(b)))
    words = " " + re.sub(r"[^a-z]+", " ", text.replace("-", " ")).replace(" and ", " ") + " "
    for n in range(0, 2000):
        if f" {spell(n)} " in words:
            found.add(Fraction(n))
    return found


@dataclass
class Case:
    statement: str
    reference: list[str]
    answer: Fraction
    text: str
    corrected: set[Fraction]
    reveal: bool


def fmt(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


@st.composite
def cases(draw: st.DrawFn, kinds: tuple[str, ...] = (), reveal: bool | None = None) -> Case:
    count = draw(st.integers(3 if kinds else 2, 4))
    values = draw(st.lists(st.integers(2, 60), min_size=count, max_size=count, unique=True))
    nouns = draw(st.permutations(NOUNS))
    statement = " ".join(f"There are {v} {nouns[i]}." for i, v in enumerate(values)) + " How many in all?"
    ops = [draw(st.sampled_from(["×", "+"])) for _ in range(count - 1)]
    reference: list[str] = []
    results: list[Fraction] = []
    total = Fraction(values[0])
    for op, value in zip(ops, values[1:], strict=True):
        new = OPS[op](total, Fraction(value))
        reference.append(f"{fmt(total)} {op} {value} = {fmt(new)}")
        results.append(new)
        total = new
    # A slip; a slip whose right value the student wrote down earlier (so only the corrections rule forbids it);
    # a wrong operand; a solution that stops early.
    kind = draw(st.sampled_from(list(kinds or ("slip", "guessed_then_slip", "wrong_operand", "stop_early"))))
    where = draw(st.integers(0, len(reference) - (2 if kinds else 1)))
    lines: list[str] = []
    corrected: set[Fraction] = set()
    running = Fraction(values[0])
    for i, (op, value) in enumerate(zip(ops, values[1:], strict=True)):
        if kind == "stop_early" and i == where and i > 0:
            break
        operand = Fraction(value)
        if kind == "wrong_operand" and i == where:
            operand = Fraction(draw(st.sampled_from([v for v in values if v != value] or [value + 1])))
        right = OPS[op](running, operand)
        written = right
        if kind in ("slip", "guessed_then_slip") and i == where:
            written = right + draw(st.sampled_from([-10, -2, -1, 1, 2, 10]))
            corrected.add(abs(right))
            if kind == "guessed_then_slip":
                lines.append(f"My first guess was {fmt(right)}.")
        lines.append(f"{fmt(running)} {op} {fmt(operand)} = {fmt(written)}")
        running = written
    return Case(
        statement, reference, total, "\n".join(lines), corrected, draw(st.booleans()) if reveal is None else reveal
    )


def graded(case: Case) -> tuple[Problem, Submission, list[Step]]:
    assignment = Assignment(reveal_corrections=case.reveal, hint_policy="always", hint_limit=20)
    problem = Problem(
        assignment=assignment,
        statement=case.statement,
        reference_answer=fmt(case.answer),
        reference_solution=case.reference,
        points=Decimal(2),
    )
    split = segmentation.split(case.text).steps
    request = VerificationRequest(
        problem=VerifierProblem(case.statement, fmt(case.answer), tuple(case.reference)),
        steps=tuple(StepInput(s.index, s.text) for s in split),
        reveal_corrections=case.reveal,
    )
    result = VERIFIER.verify_batch([request])[0]
    by_index = {v.index: v for v in result.steps}
    steps = []
    for segment in split:
        verdict = by_index[segment.index]
        steps.append(
            Step(
                index=segment.index,
                text=segment.text,
                verdict=verdict.verdict,
                confidence=verdict.confidence,
                explanation=verdict.explanation,
                hint=verdict.hint,
                checker=verdict.checker,
                **stored.step_fields(verdict, result),
            )
        )
    submission = Submission(
        problem=problem,
        text=case.text,
        status=Submission.Status.GRADED,
        first_error_index=result.first_error_index,
        final_answer_verdict=result.final_answer_verdict,
        unfinished=stored.unfinished(result),
    )
    submission.graded_at = submission.submitted_at = timezone.now()
    return problem, submission, steps


def forbidden(case: Case, steps: list[Step], *, at_error: bool) -> set[Fraction]:
    """What a hint must not contain; the corrected value only in a hint about the wrong step (before the first
    attempt there is no wrong step)."""
    seen_by_student = set()
    for step in steps:
        seen_by_student |= {abs(Fraction(m)) for m in re.findall(r"\d+(?:\.\d+)?", step.text.replace(",", ""))}
    in_problem = {abs(Fraction(m)) for m in re.findall(r"\d+", case.statement)}
    in_reference = set()
    for line in case.reference:
        in_reference |= {abs(Fraction(m)) for m in re.findall(r"\d+(?:\.\d+)?", line)}
    out = {abs(case.answer), abs(case.answer) * 100, abs(case.answer) / 100}
    out |= in_reference - in_problem - seen_by_student
    if not case.reveal and at_error:
        out |= case.corrected
    return out


def contexts(problem: Problem, submission: Submission, steps: list[Step]) -> list[composing.HintContext]:
    """Every target a hint can have here: this attempt's own, and the start of the problem."""
    targets = [composing.HintTarget(composing.Kind.START, 0)]
    own = composing.target_for(submission, steps)
    if own is not None:
        targets.append(own)
    return [composing.context_for(problem=problem, submission=submission, steps=steps, target=t) for t in targets]


DRAFT_WORDS = st.sampled_from(
    ["Look at step", "Check", "the total", "you get", "multiply", "add", "is", "so it must be", "about", "maybe"]
)


@st.composite
def drafts(draw: st.DrawFn, bad: list[Fraction], allowed: list[Fraction]) -> str:
    """A language model's draft: words and numbers from everywhere (forbidden ones as often as allowed ones), in
    any spelling."""
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        parts.append(draw(DRAFT_WORDS))
        pool = draw(st.sampled_from([p for p in (bad, allowed) if p] or [[]]))
        if pool and draw(st.booleans()):
            value = draw(st.sampled_from(pool))
            spelling = draw(st.sampled_from(["digits", "words", "decimal", "grouped"]))
            if value.denominator != 1 or spelling == "digits":
                parts.append(fmt(value))
            elif spelling == "words" and value < 2000:
                parts.append(spell(int(value)).replace(" ", "-", 1))
            elif spelling == "decimal":
                parts.append(f"{int(value)}.0")
            else:
                parts.append(f"{int(value):,}")
    return " ".join(parts) + "."


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), data=st.data())
def test_no_hint_ever_shown_leaks(case, data):
    problem, submission, steps = graded(case)
    for context in contexts(problem, submission, steps):
        bad = forbidden(case, steps, at_error=context.target.kind == composing.Kind.ERROR)
        allowed = sorted({abs(Fraction(m)) for m in re.findall(r"\d+", case.statement + case.text)} - bad)
        draft = data.draw(drafts(sorted(bad), allowed))
        for level in (1, 2, 3):
            for extra in ((), (composing.Candidate(level, "llm", draft),)):
                shown = composing.compose(context, level, extra)
                # Then what is shown is never empty, never more specific than asked, and never leaks
                assert shown.text
                assert 1 <= shown.level <= level
                leaked = oracle_values(shown.text, len(steps) + 1) & bad
                assert not leaked, (shown.text, leaked, case)
                assert fmt(case.answer) not in re.sub(r"\bsteps? \d+", "", shown.text).split()
        # and a draft the oracle finds clean is shown as written (the filter does not refuse everything)
        if not oracle_values(draft, len(steps) + 1) & bad:
            shown = composing.compose(context, 2, (composing.Candidate(2, "llm", draft),))
            assert shown.text == draft, (draft, shown.refused)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(kinds=("guessed_then_slip",), reveal=False), data=st.data())
def test_a_corrected_value_the_student_wrote_elsewhere_is_still_never_shown(case, data):
    # Given a slip whose right value the student wrote in an earlier line (so only the corrections rule forbids it)
    problem, submission, steps = graded(case)
    target = composing.target_for(submission, steps)
    assert target is not None
    assert target.kind == composing.Kind.ERROR
    context = composing.context_for(problem=problem, submission=submission, steps=steps, target=target)
    (right,) = case.corrected
    # When a draft states it, in any spelling
    draft = data.draw(st.sampled_from([f"It should be {fmt(right)}.", f"Try {spell(int(right))}.", f"{right}.0 fits"]))
    for level in (1, 2, 3):
        shown = composing.compose(context, level, (composing.Candidate(level, "llm", draft),))
        # Then it is refused and something safe is shown instead
        assert right not in oracle_values(shown.text, len(steps) + 1), shown


def test_the_oracle_reads_spelled_and_grouped_numbers():
    assert oracle_values("It is one hundred twenty-six, or 1,260.0 in cents", 3) >= {Fraction(126), Fraction(1260)}
    assert Fraction(2) not in oracle_values("Look at step 2.", 3)
