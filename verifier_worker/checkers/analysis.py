"""Run the checkers over a solution: what each step claims, and what each claim's check found.

This is the evidence, not the judgement: `analyse` parses every step once (claims and numbers, cached per
submission), checks its arithmetic claims, compares its equations with the ones before them, and finds the final
answer. `judging.judge` turns the result into verdicts. Nothing here decides what a student is told.

Re-verifying an unchanged prefix (a "fix from here" attempt, verifier_worker/reuse.py): a step's own analysis (its
claims, their arithmetic, its units, its equations and how they follow from the line before) depends only on the
problem statement and the steps up to and including it, so it is kept per worker process (`PrefixMemo`, keyed by
a digest of the statement and that exact prefix) and not done again. What can depend on later steps is never
kept: the final answer, the carried-value check (it looks for miscopies only when the answer is wrong) and the
judging, which run over the whole solution every time. A step analysed when the time budget ran out is not kept.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from .. import cas
from ..types import VerificationRequest
from . import algebra
from .algebra import AlgebraFinding, Equation
from .arithmetic import ArithmeticFinding, check_claims
from .carried import CarriedFinding, check_carried, problem_assignments
from .claims import StepMath, continues_previous, numbers_in, step_math
from .dimensions import DimensionFinding, check_dimensions
from .final_answer import AnswerFinding, check_final_answer
from .grounding import words_to_numbers
from .verbal import number_words_to_digits

BUDGET_RAN_OUT = "the time budget ran out"


@dataclass
class StepAnalysis:
    """What the checkers found in one step. `position` is the step's place in the request, `index` its own index."""

    position: int
    index: int
    text: str
    math: StepMath
    arithmetic: list[ArithmeticFinding] = field(default_factory=list)
    algebra: list[AlgebraFinding] = field(default_factory=list)
    equations: list[Equation] = field(default_factory=list)
    unverified_reason: str = ""
    carried: CarriedFinding | None = None
    dimension: DimensionFinding | None = None
    # Notation in the step the parser drops ("\log", "f(…)"): a check that fails there is not trusted.
    unread: str = ""


@dataclass
class Analysis:
    steps: list[StepAnalysis]
    answer: AnswerFinding
    # Parsed texts (steps, the statement, the reference solution), shared with the judge for this submission.
    cache: dict[str, StepMath]
    # Positions whose analysis came from the prefix memo, and what computing them had cost (ms).
    reused: tuple[int, ...] = ()
    saved_ms: float = 0.0


@dataclass(frozen=True)
class _Snapshot:
    """One step's own analysis (both passes), and the equation the next step is compared with."""

    state: StepAnalysis
    previous_after: Equation | None
    cost_ms: float


class PrefixMemo:
    """A bounded, thread-safe LRU of step analyses by prefix digest (MAX_ENTRIES, the oldest used go first)."""

    MAX_ENTRIES = 4096

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, _Snapshot] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> _Snapshot | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: str, snapshot: _Snapshot) -> None:
        with self._lock:
            self._entries[key] = snapshot
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


MEMO = PrefixMemo()


def prefix_digests(statement: str, texts: list[str]) -> list[str]:
    """One digest per step: the statement and the exact text of every step up to and including it."""
    running = hashlib.sha256(b"analysis-v1\x1f" + statement.encode("utf-8", "surrogatepass")).hexdigest()
    out: list[str] = []
    for text in texts:
        running = hashlib.sha256(f"{running}\x1f{text}".encode("utf-8", "surrogatepass")).hexdigest()
        out.append(running)
    return out


def _copy(state: StepAnalysis, **changes: object) -> StepAnalysis:
    """A copy whose lists are its own (the findings in them are frozen), without the carried-value finding, which
    is never kept: it is found again over the whole solution."""
    return replace(
        state,
        arithmetic=list(state.arithmetic),
        algebra=list(state.algebra),
        equations=list(state.equations),
        carried=None,
        **changes,  # type: ignore[arg-type]
    )


def _restored(snapshot: _Snapshot, position: int, index: int) -> StepAnalysis:
    return _copy(snapshot.state, position=position, index=index)


def parsed(text: str, cache: dict[str, StepMath]) -> StepMath:
    if text not in cache:
        cache[text] = step_math(text)
    return cache[text]


def analyse(request: VerificationRequest, deadline: cas.Deadline, memo: PrefixMemo | None = MEMO) -> Analysis:
    cache: dict[str, StepMath] = {}
    steps: list[StepAnalysis] = []
    keys = prefix_digests(request.problem.statement, [s.text for s in request.steps]) if memo is not None else []
    kept = [memo.get(key) for key in keys] if memo is not None else []
    costs: dict[int, float] = {}
    for position, step in enumerate(request.steps):
        snapshot = kept[position] if kept else None
        if snapshot is not None:
            steps.append(_restored(snapshot, position, step.index))
            continue
        started = time.perf_counter()
        carried = ""
        if continues_previous(step.text):  # "= 9 × 2": it carries on the expression the line before ended with
            carried = _carried_expression(steps[-1]) if steps else _expression_of(request.problem.statement)
        steps.append(_analyse_step(position, step.index, step.text, cache, deadline, carried))
        costs[position] = (time.perf_counter() - started) * 1000
    after = _check_algebra(steps, deadline, request.problem.statement, cache, kept, costs)
    if memo is not None:
        for position, state in enumerate(steps):
            if kept[position] is None and position in after and state.unverified_reason != BUDGET_RAN_OUT:
                memo.put(keys[position], _Snapshot(_copy(state), after[position], costs.get(position, 0.0)))
    problem = request.problem
    answer = check_final_answer([s.text for s in steps], problem.reference_answer, problem.statement)
    # A miscopied value is only judged in a solution whose answer is wrong (judging._carried_rule): look for one
    # only there.
    _check_carried(steps, problem.statement, cache, copies=answer.outcome == "incorrect")
    reused = tuple(position for position, snapshot in enumerate(kept) if snapshot is not None)
    saved = sum(snapshot.cost_ms for snapshot in kept if snapshot is not None)
    return Analysis(steps, answer, cache, reused, saved)


def _analyse_step(
    position: int,
    index: int,
    text: str,
    cache: dict[str, StepMath],
    deadline: cas.Deadline,
    carried: str = "",
) -> StepAnalysis:
    if deadline.expired():
        return StepAnalysis(position, index, text, StepMath((), ()), unverified_reason=BUDGET_RAN_OUT)
    key = f"{carried}\x00{text}" if carried and continues_previous(text) else text
    if key not in cache:
        cache[key] = step_math(text, carried)
    state = StepAnalysis(position, index, text, cache[key], unread=cas.unread_notation(text))
    if state.math.hostile_reason:
        state.unverified_reason = state.math.hostile_reason
        return state
    try:
        state.arithmetic = check_claims(state.math.claims)
    except cas.HostileInput as exc:
        state.unverified_reason = str(exc)
    state.dimension = check_dimensions(text) if state.math.claims else None
    return state


def _check_algebra(
    steps: list[StepAnalysis],
    deadline: cas.Deadline,
    statement: str,
    cache: dict[str, StepMath],
    kept: list[_Snapshot | None] | None = None,
    costs: dict[int, float] | None = None,
) -> dict[int, Equation | None]:
    """Compare each equation with the one before it. Steps restored from the memo bring their findings and the
    equation after them; returns, for each step this pass completed, the equation the next step is compared with."""
    equation_cache: dict[str, Equation | None] = {}
    after: dict[int, Equation | None] = {}
    # "Solve 5(x - 2) = 2x + 8": the problem's own equation is where the first line must come from.
    previous: Equation | None = None
    for claim in parsed(statement, cache).claims if statement else ():
        candidate = algebra.equation_of(claim, equation_cache)
        if candidate is not None and candidate.expression != 0:
            previous = candidate
    for state in steps:
        snapshot = kept[state.position] if kept else None
        if snapshot is not None:
            previous = snapshot.previous_after
            continue
        started = time.perf_counter()
        if state.unverified_reason:
            after[state.position] = previous
            continue
        if _NEW_CASE.match(state.text):
            previous = None  # "If x = 4, then ...": a new case, not a consequence of the line before
        for claim in state.math.claims:
            if deadline.expired():
                state.unverified_reason = BUDGET_RAN_OUT
                return after
            if claim.rewrite or algebra.intends_identity(claim, state.text):
                state.algebra.append(algebra.check_rewrite(claim))
                continue
            equation = algebra.equation_of(claim, equation_cache)
            if equation is None:
                continue
            state.equations.append(equation)
            if previous is not None and equation.expression != 0 and not algebra.is_assignment(previous):
                state.algebra.append(algebra.compare(previous, equation))
            elif equation.expression == 0:
                state.algebra.append(AlgebraFinding(equation, previous, "holds", "identity"))
            if equation.expression != 0:
                previous = equation
        after[state.position] = previous
        if costs is not None:
            costs[state.position] = costs.get(state.position, 0.0) + (time.perf_counter() - started) * 1000
    return after


_NEW_CASE = re.compile(r"\W*(?:if|suppose|assume|case|when|try|let|for)\b", re.IGNORECASE)


def _check_carried(steps: list[StepAnalysis], statement: str, cache: dict[str, StepMath], *, copies: bool) -> None:
    statement_math = parsed(statement, cache)
    given = set(statement_math.numbers) | words_to_numbers(statement)
    given |= set(numbers_in(number_words_to_digits(statement[: cas.MAX_TEXT_CHARS])))
    given |= {value / 100 for value in given}
    readable = [s for s in steps if not s.unverified_reason]
    found = check_carried(
        [s.text for s in readable],
        [s.math for s in readable],
        [s.arithmetic for s in readable],
        frozenset(given),
        problem_assignments(statement),
        copies=copies,
    )
    for offset, finding in found.items():
        source = readable[finding.source_step].position if finding.source_step is not None else None
        readable[offset].carried = replace(finding, source_step=source)


def _carried_expression(state: StepAnalysis) -> str:
    """What a following "= ..." line continues: the right side of this step's last equality, or the step itself
    when it is a bare expression."""
    if state.math.claims:
        return cas.render(state.math.claims[-1].right.node)
    return _expression_of(state.text)


def _expression_of(text: str) -> str:
    """The text, when it is nothing but one expression ("3(x + 2) - x"), else ""."""
    if len(text) > 300:
        return ""
    try:
        node = cas.parse_tokens(cas.tokenize(cas.normalize(text.strip().strip("$").rstrip("."))))
    except (cas.ParseFailure, cas.HostileInput):
        return ""
    return cas.render(node)


def trace(analysis: Analysis) -> str:
    """The checkers' findings, one line per step: the run's raw output, for the audit page."""
    lines: list[str] = []
    for state in analysis.steps:
        parts: list[str] = []
        if state.unverified_reason:
            parts.append(f"unverified ({state.unverified_reason})")
        for finding in state.arithmetic:
            claim = f"{cas.render(finding.claim.left.node)} = {cas.render(finding.claim.right.node)}"
            detail = f" [{finding.reason}]" if finding.reason else ""
            parts.append(f"arithmetic {claim}: {finding.outcome}{detail}")
        if state.dimension is not None:
            dimension = state.dimension
            parts.append(f"units {dimension.text}: power {dimension.factor_power}, written {dimension.result_power}")
        if state.carried is not None:
            parts.append(f"carried {state.carried.kind} {state.carried.used} (expected {state.carried.expected})")
        for found in state.algebra:
            parts.append(
                f"algebra {found.equation.text}: {found.outcome}" + (f" [{found.reason}]" if found.reason else "")
            )
        lines.append(f"step {state.index}: " + ("; ".join(parts) if parts else "nothing checkable"))
    answer = analysis.answer
    located = answer.answer
    lines.append(
        f"final answer: {answer.outcome}"
        + (f" ({located.text!r} via {located.how} in step {located.step_position})" if located else "")
        + (f" [{answer.reason}]" if answer.reason else "")
    )
    return "\n".join(lines)
