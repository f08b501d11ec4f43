"""Hints that never give the answer away: where a hint goes (`target_for`), what it may and may not say
(`HintContext`, with its one `LeakGuard`), and the level it ends up at (`compose`).

A student asks for hints one at a time; each is one level more specific than the last for the same step, up to
3. `compose` tries the requested level's candidates in order (a language model's draft first when there is
one, then the templates and the reference solution's next move) and shows the first one the no-leak filter
(verifier_worker.tutoring.leaks) lets through; if none passes, it falls back to the level below, down to
"Look again at step n", which names nothing but the step. What it refused, and why, is kept for the teacher.
Nothing here writes: grading.services.hints does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from tutor.classroom.models import Problem
from verifier_worker.tutoring.leaks import LeakGuard
from verifier_worker.tutoring.numbers import written_values
from verifier_worker.tutoring.quantities import problem_quantities, show_number

from ..models import Hint, Step, Submission
from . import wording
from .findings import StepFacts, calculation_of, is_unfinished, result_of, step_facts

MAX_LEVEL = 3
MAX_QUESTION_WORDS = 16
Kind = Hint.Kind
Source = Hint.Source


@dataclass(frozen=True)
class HintTarget:
    kind: str  # a Hint.Kind
    step_index: int  # the step the hint is about; for NEXT_STEP the step still to write (len(steps))

    @property
    def step_number(self) -> int:
        return self.step_index + 1


@dataclass(frozen=True)
class Candidate:
    level: int
    source: str
    text: str


@dataclass(frozen=True)
class Composed:
    level: int
    source: str
    text: str
    refused: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class HintContext:
    target: HintTarget
    statement: str
    reference_answer: str
    reference_steps: tuple[str, ...]
    steps: tuple[StepFacts, ...]
    guard: LeakGuard
    names: dict[Fraction, str] = field(default_factory=dict)

    @property
    def facts(self) -> StepFacts | None:
        index = self.target.step_index
        return self.steps[index] if 0 <= index < len(self.steps) else None

    @property
    def number(self) -> int:
        return self.target.step_number


def facts_of(submission: Submission, steps: Sequence[Step]) -> tuple[StepFacts, ...]:
    problem = submission.problem
    reference = _reference(problem)
    out: list[StepFacts] = []
    for position, step in enumerate(steps):
        out.append(
            step_facts(
                index=step.index,
                text=step.text,
                verdict=step.effective_verdict,
                checker=step.checker,
                explanation=step.explanation,
                hint=step.hint,
                finding=step.finding if isinstance(step.finding, dict) else None,
                route=step.route,
                reason_code=step.reason_code,
                by_teacher=bool(step.teacher_verdict),
                statement=problem.statement,
                reference_steps=reference,
                earlier_steps=[s.text for s in steps[:position]],
            )
        )
    return tuple(out)


def _reference(problem: Problem) -> tuple[str, ...]:
    raw = problem.reference_solution if isinstance(problem.reference_solution, list) else []
    return tuple(str(step) for step in raw)


def graded(submission: Submission) -> bool:
    return submission.is_final and submission.graded_at is not None


def target_for(submission: Submission, steps: Sequence[Step]) -> HintTarget | None:
    """Where a hint on this attempt goes: the first error; else, for an unfinished solution, the next step; else
    the first step that could not be read as math; else nowhere (nothing to hint at)."""
    if not graded(submission):
        return None
    if submission.first_error_index is not None:
        return HintTarget(Kind.ERROR, submission.first_error_index)
    facts = facts_of(submission, steps)
    if is_unfinished(
        stored=submission.unfinished,
        final_answer=submission.final_answer_verdict,
        verdicts=[f.verdict for f in facts],
        has_reference_answer=bool(submission.problem.reference_answer.strip()),
    ):
        return HintTarget(Kind.NEXT_STEP, len(facts))
    for fact in facts:
        if fact.verdict == "unverified" and fact.reason_code == "unreadable":
            return HintTarget(Kind.UNREADABLE, fact.index)
    return None


def context_for(
    *, problem: Problem, submission: Submission | None, steps: Sequence[Step], target: HintTarget
) -> HintContext:
    facts = facts_of(submission, steps) if submission is not None else ()
    target_facts = facts[target.step_index] if 0 <= target.step_index < len(facts) else None
    corrected: list[str] = []
    corrected_texts: tuple[str, ...] = ()
    if target_facts is not None and target.kind == Kind.ERROR:
        corrected = [target_facts.expected] if target_facts.expected else []
        corrected_texts = target_facts.expected_texts
    guard = LeakGuard.build(
        statement=problem.statement,
        reference_answer=problem.reference_answer,
        reference_steps=_reference(problem),
        student_steps=[f.text for f in facts],
        corrected_values=corrected,
        corrected_texts=corrected_texts,
        reveal_corrections=problem.assignment.reveal_corrections,
    )
    return HintContext(
        target=target,
        statement=problem.statement,
        reference_answer=problem.reference_answer,
        reference_steps=_reference(problem),
        steps=facts,
        guard=guard,
        names=problem_quantities(problem.statement),
    )


# --- The reference solution's next move -------------------------------------------------------------------

_VARIABLE = re.compile(r"(?<![A-Za-z\\])([a-z])(?![A-Za-z])")


@dataclass(frozen=True)
class _ReferenceStep:
    position: int
    operation: str
    operands: tuple[Fraction, ...]
    result: Fraction | None
    variable: str = ""


def _parsed_reference(steps: Sequence[str]) -> list[_ReferenceStep]:
    out: list[_ReferenceStep] = []
    for position, text in enumerate(steps):
        found = calculation_of(text)
        if found is not None:
            out.append(_ReferenceStep(position, found[0], found[1], result_of(text)))
            continue
        variable = _VARIABLE.search(text.replace("\\frac", "").replace("\\times", ""))
        if "=" in text and variable:
            out.append(_ReferenceStep(position, "equation", (), result_of(text), variable.group(1)))
    return out


def _reached(ctx: HintContext, before: int) -> dict[Fraction, int]:
    """Values the student's correct steps before `before` wrote, each with the step that wrote it last."""
    reached: dict[Fraction, int] = {}
    for fact in ctx.steps[:before]:
        if fact.verdict == "correct":
            for value in written_values(fact.text):
                reached[value] = fact.index
    return reached


def next_move(ctx: HintContext) -> wording.NextMove | None:
    """The reference step that should come at the target, with its operands named from the problem or the
    student's own correct steps; None when there is none, or an operand could only be named by revealing it."""
    reference = _parsed_reference(ctx.reference_steps)
    if not reference:
        return None
    before = min(ctx.target.step_index, len(ctx.steps))
    reached = _reached(ctx, before)
    open_steps = [r for r in reference if r.result is None or r.result not in reached]
    if not open_steps:
        return None
    chosen = open_steps[0]
    facts = ctx.facts
    if ctx.target.kind == Kind.ERROR and facts is not None and facts.operands:
        used = {o.value for o in facts.operands if o.value is not None}
        chosen = max(open_steps, key=lambda r: (len(used & set(r.operands)), -r.position))
    elif ctx.target.kind == Kind.UNREADABLE:
        same = [r for r in open_steps if r.position == ctx.target.step_index]
        chosen = same[0] if same else chosen
    if chosen.operation == "equation":
        return wording.NextMove("equation", (), chosen.variable)
    names: list[str] = []
    for value in chosen.operands:
        if value in ctx.names:
            names.append(ctx.names[value])
        elif value in reached:
            names.append(wording.from_step(show_number(value), reached[value] + 1))
        else:
            return None  # only the reference has this number: asking about it would give it away
    return wording.NextMove(chosen.operation, tuple(names))


# --- Candidates and composition ---------------------------------------------------------------------------


def _operand_names(ctx: HintContext, facts: StepFacts) -> list[str]:
    """Each operand of the step by the problem's words for it, or the earlier step that wrote it."""
    names: list[str] = []
    earlier = ctx.steps[: facts.index]
    for operand in facts.operands:
        value = operand.value
        if value is None:
            names.append(operand.text)
        elif value in ctx.names:
            names.append(ctx.names[value])
        else:
            writer = next((f for f in reversed(earlier) if value in written_values(f.text)), None)
            names.append(wording.from_step(show_number(value), writer.number) if writer else show_number(value))
    return names


def _question_sentence(statement: str) -> str:
    plain = re.sub(r"\\[()\[\]]|\$", "", statement).replace("\\", "")
    questions = [q.strip() for q in re.findall(r"[^.?!]*\?", plain)]
    if not questions:
        return ""
    last = questions[-1]
    return last if len(last.split()) <= MAX_QUESTION_WORDS else ""


def candidates(ctx: HintContext, level: int) -> list[Candidate]:
    """The templated and reference-based candidates for one level, best first."""
    kind, n, facts = ctx.target.kind, ctx.number, ctx.facts
    texts: list[str] = []
    source = Source.TEMPLATE
    if level >= 3:
        source = Source.REFERENCE
        move = next_move(ctx)
        if kind == Kind.ERROR or kind == Kind.UNREADABLE:
            texts = wording.socratic(n, move)
        elif kind == Kind.NEXT_STEP:
            texts = wording.next_socratic(n, move)
        else:
            texts = wording.start_socratic(move)
    elif level == 2:
        if kind == Kind.ERROR and facts is not None:
            texts = wording.error_kind(facts, _operand_names(ctx, facts))
        elif kind == Kind.NEXT_STEP and ctx.steps:
            last = ctx.steps[-1]
            value = result_of(last.text)
            if value is not None:
                texts = wording.next_kind(n, show_number(value), last.number, _question_sentence(ctx.statement))
        elif kind == Kind.UNREADABLE:
            texts = wording.unreadable_kind(n)
        elif kind == Kind.START:
            texts = wording.start_kind(list(ctx.names.values())[:4])
    else:
        if kind == Kind.ERROR and facts is not None:
            texts = wording.error_where(facts)
        elif kind == Kind.NEXT_STEP:
            texts = wording.next_where(n)
        elif kind == Kind.UNREADABLE:
            texts = wording.unreadable_where(n)
        else:
            texts = wording.start_where()
    return [Candidate(level, source, text) for text in texts]


def fallback(ctx: HintContext) -> Candidate:
    """The last resort, which names nothing but the step (or nothing at all)."""
    kind = ctx.target.kind
    if kind == Kind.NEXT_STEP:
        return Candidate(1, Source.GENERIC, wording.next_where(ctx.number)[0])
    if kind == Kind.START:
        return Candidate(1, Source.GENERIC, wording.start_where()[0])
    return Candidate(1, Source.GENERIC, wording.generic(ctx.number))


def compose(ctx: HintContext, level: int, extra: Sequence[Candidate] = ()) -> Composed:
    """The most specific hint at or below `level` that passes the no-leak filter. `extra` are other sources'
    drafts (a language model's), tried first at their level."""
    refused: list[dict[str, Any]] = []
    for at in range(min(level, MAX_LEVEL), 0, -1):
        for candidate in [*(c for c in extra if c.level == at), *candidates(ctx, at)]:
            check = ctx.guard.check(candidate.text)
            if check.ok:
                return Composed(at, candidate.source, candidate.text, tuple(refused))
            refused.append(
                {"level": at, "source": candidate.source, "text": candidate.text, "reasons": list(check.reasons)}
            )
    last = fallback(ctx)
    if ctx.guard.check(last.text).ok:
        return Composed(last.level, last.source, last.text, tuple(refused))
    # Not reachable with the built-in wording (it names only a step); kept so a leak can never be shown.
    return Composed(1, Source.GENERIC, "", tuple(refused))
