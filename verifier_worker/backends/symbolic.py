"""The symbolic verifier: the default backend on CPU, no model needed.

Checkers, in the order their verdicts take precedence on a step:
- `arithmetic`: every "a op b = c" the step claims (checkers/arithmetic.py);
- `algebra`: an equation must have the same solution set as the one before it (checkers/algebra.py);
- `final_answer`: the marked final answer against the reference answer (checkers/final_answer.py);
- `grounding`: with a wrong final answer and no slip found, the first step that leaves the values the reference
  supports (checkers/grounding.py). Lower confidence: the UI words it "Check this step".

A step is `correct` only when a check passed on it, `unverified` when nothing in it could be checked.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from .. import cas
from ..checkers import algebra, grounding
from ..checkers.algebra import AlgebraFinding, Equation
from ..checkers.arithmetic import ArithmeticFinding, check_claims, format_number
from ..checkers.claims import Claim, StepMath, continues_previous, step_math
from ..checkers.final_answer import AnswerFinding, check_final_answer, plain_number
from ..types import RunMetadata, StepVerdict, VerificationRequest, VerificationResult

PROMPT_VERSION = "symbolic-v1"
ARITHMETIC_CONFIDENCE = 0.97
ALGEBRA_CONFIDENCE = 0.92
GROUNDING_CONFIDENCE = 0.7
FINAL_STEP_CONFIDENCE = 0.6
GUESS_CONFIDENCE = 0.4
CORRECT_CONFIDENCE = 0.85
# A false equation in a solution whose final answer is right: often a typo, or our misreading; shown softly.
ANSWER_RIGHT_SLIP_CONFIDENCE = 0.85
UNSURE_CONFIDENCE = 0.75  # a direct check failed, but in notation we may have misread
DEFAULT_BUDGET_SECONDS = 5.0


@dataclass
class _StepState:
    position: int
    index: int
    text: str
    math: StepMath
    arithmetic: list[ArithmeticFinding] = field(default_factory=list)
    algebra: list[AlgebraFinding] = field(default_factory=list)
    equations: list[Equation] = field(default_factory=list)
    unverified_reason: str = ""
    trace: list[str] = field(default_factory=list)


class SymbolicVerifier:
    name = "symbolic"

    def __init__(self, **options: Any) -> None:
        self.budget_seconds = float(options.get("budget_seconds", DEFAULT_BUDGET_SECONDS))
        self.use_grounding = bool(options.get("grounding", True))

    def verify_batch(self, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        return [self.verify(request) for request in requests]

    def verify(self, request: VerificationRequest) -> VerificationResult:
        started = time.perf_counter()
        deadline = cas.Deadline(self.budget_seconds)
        cache: dict[str, StepMath] = {}
        states: list[_StepState] = []
        for position, step in enumerate(request.steps):
            carried = _carried_expression(states[-1]) if states else _expression_of(request.problem.statement)
            states.append(self._analyse_step(position, step.index, step.text, cache, deadline, carried))
        self._check_algebra(states, deadline, request.problem.statement, cache)
        answer = check_final_answer([s.text for s in states], request.problem.reference_answer)
        verdicts = _StepJudge(request, states, answer, cache, self.use_grounding).verdicts()
        first = next((v.index for v in verdicts if v.verdict == "incorrect"), None)
        checked = [v for v in verdicts if v.verdict != "unverified"]
        undecided = ""
        if not checked and answer.outcome == "unverified":
            reasons = sorted({s.unverified_reason for s in states if s.unverified_reason} | {answer.reason})
            undecided = "Nothing in this solution could be checked: " + "; ".join(r for r in reasons if r) + "."
        return VerificationResult(
            steps=tuple(verdicts),
            first_error_index=first,
            final_answer_verdict=answer.outcome,
            solution_score=_score(verdicts, answer),
            undecided_reason=undecided,
            run=RunMetadata(
                backend=self.name,
                model=f"sympy-{cas.sympy_version()}+math-verify",
                prompt_version=PROMPT_VERSION,
                parameters={
                    "budget_seconds": self.budget_seconds,
                    "grounding": self.use_grounding,
                    "confidence": {
                        "arithmetic": ARITHMETIC_CONFIDENCE,
                        "algebra": ALGEBRA_CONFIDENCE,
                        "grounding": GROUNDING_CONFIDENCE,
                        "final_step": FINAL_STEP_CONFIDENCE,
                    },
                },
                raw_output=_trace(states, answer),
                latency_ms=(time.perf_counter() - started) * 1000,
            ),
        )

    def _analyse_step(
        self,
        position: int,
        index: int,
        text: str,
        cache: dict[str, StepMath],
        deadline: cas.Deadline,
        carried: str = "",
    ) -> _StepState:
        if deadline.expired():
            return _StepState(position, index, text, StepMath((), ()), unverified_reason="the time budget ran out")
        key = f"{carried}\x00{text}" if carried and continues_previous(text) else text
        if key not in cache:
            cache[key] = step_math(text, carried)
        state = _StepState(position, index, text, cache[key])
        if state.math.hostile_reason:
            state.unverified_reason = state.math.hostile_reason
            return state
        try:
            state.arithmetic = check_claims(state.math.claims)
        except cas.HostileInput as exc:
            state.unverified_reason = str(exc)
        return state

    def _check_algebra(
        self, states: list[_StepState], deadline: cas.Deadline, statement: str, self_cache: dict[str, StepMath]
    ) -> None:
        equation_cache: dict[str, algebra.Equation | None] = {}
        # "Solve 5(x - 2) = 2x + 8": the problem's own equation is where the first line must come from.
        previous: algebra.Equation | None = None
        for claim in _cached(statement, self_cache).claims if statement else ():
            candidate = algebra.equation_of(claim, equation_cache)
            if candidate is not None and candidate.expression != 0:
                previous = candidate
        for state in states:
            if state.unverified_reason:
                continue
            for claim in state.math.claims:
                if deadline.expired():
                    state.unverified_reason = "the time budget ran out"
                    return
                if claim.rewrite:
                    state.algebra.append(algebra.check_rewrite(claim))
                    continue
                equation = algebra.equation_of(claim, equation_cache)
                if equation is None:
                    continue
                state.equations.append(equation)
                if previous is not None and equation.expression != 0 and not algebra.is_assignment(previous):
                    state.algebra.append(algebra.compare(previous, equation))
                elif equation.expression == 0:
                    state.algebra.append(algebra.AlgebraFinding(equation, previous, "holds", "identity"))
                if equation.expression != 0:
                    previous = equation


class _StepJudge:
    """Turns the checkers' findings into one verdict per step."""

    def __init__(
        self,
        request: VerificationRequest,
        states: list[_StepState],
        answer: AnswerFinding,
        cache: dict[str, StepMath],
        use_grounding: bool,
    ) -> None:
        self.request = request
        self.states = states
        self.answer = answer
        self.cache = cache
        self.use_grounding = use_grounding
        self._plausible_cache: grounding.Plausible | None = None

    def verdicts(self) -> list[StepVerdict]:
        direct = {s.position: v for s in self.states if (v := self._direct_error(s)) is not None}
        first_direct = min(direct) if direct else None
        if (
            first_direct is not None
            and not self._slip_explains_answer(first_direct)
            and self._departure_before(first_direct) is not None
        ):
            # The slip is real, but the solution had already left every path the reference supports: the
            # slip may not be the first error, so it is not shown as one with confidence.
            slip = direct[first_direct]
            direct[first_direct] = replace(slip, confidence=min(slip.confidence, UNSURE_CONFIDENCE))
        located = self._locate_wrong_answer(first_direct)
        if located is not None:
            direct[located.index] = located  # position == index key below
        out: list[StepVerdict] = []
        first_error = min(direct) if direct else None
        for state in self.states:
            if state.position in direct:
                out.append(_with_index(direct[state.position], state.index))
            else:
                out.append(self._not_flagged(state, first_error))
        return out

    def _direct_error(self, state: _StepState) -> StepVerdict | None:
        for finding in state.arithmetic:
            if finding.outcome == "fails" and finding.computed is not None and finding.stated is not None:
                plain = _plain_step(state) and self._corroborated()
                return _arithmetic_verdict(state.position, finding, self.answer.outcome, plain)
        for found in state.algebra:
            if found.outcome == "fails" and found.reason == "rewrite":
                return _rewrite_verdict(state.position, found, self._corroborated())
            if found.outcome == "fails" and found.previous is not None:
                simple = _simple_derivation(state, found) and self._corroborated() and self._setup_was_right(found)
                return _algebra_verdict(state.position, found, simple)
        return None

    def _slip_explains_answer(self, position: int) -> bool:
        """Correcting this calculation gives the expected answer (as written, or as a percentage): the slip is where
        the answer went wrong, even if earlier steps took a route the reference solution does not take."""
        expected = plain_number(self.request.problem.reference_answer)
        if expected is None or self.answer.outcome != "incorrect":
            return False
        return any(
            finding.outcome == "fails"
            and isinstance(finding.computed, Fraction)
            and expected in (finding.computed, finding.computed * 100)
            for finding in self.states[position].arithmetic
        )

    def _setup_was_right(self, found: algebra.AlgebraFinding) -> bool:
        """The equation before the slip solves to a value the reference supports (the answer, or with a reference
        solution any value it computes). Otherwise the setup itself may be the first error."""
        if found.previous is None or not found.previous.solutions:
            return False
        allowed = self._plausible().results if self.request.problem.reference_steps else set()
        answer = plain_number(self.request.problem.reference_answer)
        if answer is not None:
            allowed = allowed | {round(float(answer), 6)}
        for solution in found.previous.solutions:
            if getattr(solution, "is_Rational", False) and round(float(solution), 6) in allowed:
                return True
        return False

    def _corroborated(self) -> bool:
        """A slip is shown as a confident first error only when the final answer could be judged too. Without a
        reference answer (measured on MATH and OlympiadBench) a false equation is too often a step that is wrong
        for an earlier reason we cannot see, or notation we did not read."""
        return self.answer.outcome != "unverified"

    def _locate_wrong_answer(self, first_direct: int | None) -> StepVerdict | None:
        """When the final answer is wrong and no slip precedes it, point at where the solution went astray.

        In order: the student reached the expected answer and then moved on (the step after it); with a reference
        solution, the first step that leaves the values it supports; without one, the first step that brings in
        a number from nowhere, else the first calculation (the earliest place the reasoning can have gone
        wrong); finally the first step that writes the wrong final value.
        """
        answer = self.answer
        if answer.outcome != "incorrect" or answer.answer is None:
            return None
        answer_position = answer.answer.step_position
        if first_direct is not None and first_direct <= answer_position:
            return None
        wrong_value = plain_number(answer.answer.text)
        steps_math = [s.math for s in self.states]
        mention = grounding.first_mention(steps_math, wrong_value, answer_position) if wrong_value else None
        limit = answer_position if mention is None else mention
        if mention is not None and wrong_value is not None and self._reference_computes(wrong_value):
            # The wrong answer is a value a valid solution passes through: the student stopped early or turned
            # off after it, so the error is not where the value first appears.
            limit = answer_position
        reached = self._reached_expected_answer(answer_position)
        if reached is not None:
            return self._answer_verdict(min(reached + 1, answer_position), answer_position, "moved past")
        if self.use_grounding and self.request.problem.reference_steps:
            finding = grounding.first_departure(
                [s.text for s in self.states],
                steps_math,
                [s.arithmetic for s in self.states],
                [s.equations for s in self.states],
                self._plausible(),
                limit + 1,
            )
            if finding is not None:
                return _grounding_verdict(finding)
            return self._answer_verdict(limit, answer_position, "")
        guess = self._first_reasoning_step(limit) if self.use_grounding else None
        return self._answer_verdict(limit if guess is None else guess, answer_position, "guess")

    def _reference_computes(self, value: Fraction) -> bool:
        if not self.request.problem.reference_steps:
            return False
        return round(float(value), 6) in self._plausible().results

    def _reached_expected_answer(self, answer_position: int) -> int | None:
        """The step where the student computed the expected answer, if they did (the final step included)."""
        expected = plain_number(self.request.problem.reference_answer)
        if expected is None:
            return None
        for state in self.states[: answer_position + 1]:
            for finding in state.arithmetic:
                if finding.outcome == "holds" and finding.stated is not None and finding.stated == expected:
                    return state.position
        return None

    def _first_reasoning_step(self, limit: int) -> int | None:
        """Without a reference solution: the first step that uses a number neither the problem nor an earlier
        step gave (a wrong fact or an invented quantity), else the first step that calculates anything."""
        problem = self.request.problem
        known = {round(float(v), 6) for v in _cached(problem.statement, self.cache).numbers}
        known |= {round(float(v), 6) for v in grounding.UNIT_CONSTANTS}
        known |= {round(float(v), 6) for v in grounding.words_to_numbers(problem.statement)}
        first_calculation: int | None = None
        for state in self.states[: limit + 1]:
            held = [f for f in state.arithmetic if f.outcome == "holds"]
            if held and first_calculation is None:
                first_calculation = state.position
            for finding in held:
                if any(round(float(leaf), 6) not in known for leaf in _leaves(finding.claim.left.node)):
                    return state.position
            known |= {round(float(v), 6) for v in state.math.numbers}
        return first_calculation

    def _answer_verdict(self, position: int, answer_position: int, why: str) -> StepVerdict:
        assert self.answer.answer is not None
        shown = self.answer.answer.text.strip()
        expected = self.request.problem.reference_answer.strip()
        if position == answer_position:
            explanation = f"Your final answer {shown} does not match the expected answer, {expected}."
            hint = "Your final answer does not match the expected answer. Check your steps."
            checker = "final_answer"
        elif why == "moved past":
            explanation = (
                f"The step before this one already reached {expected}, the expected answer; this step goes on "
                f"and the final answer becomes {shown}."
            )
            hint = "Look back: you may already have had the answer before this step."
            checker = "grounding"
        elif why == "guess":
            explanation = (
                f"The final answer {shown} does not match the expected answer, {expected}, and every calculation "
                "is right, so the reasoning went wrong somewhere. This is the first step where it could have."
            )
            hint = "The final answer is not right, but the calculations are. Check what this step works out."
            checker = "grounding"
        else:
            explanation = (
                f"This step reaches {shown}, which is the final answer, and it does not match the expected "
                f"answer, {expected}."
            )
            hint = "This step leads to a final answer that does not match the expected one. Check it."
            checker = "grounding"
        confidence = FINAL_STEP_CONFIDENCE if why != "guess" else GUESS_CONFIDENCE
        return StepVerdict(position, "incorrect", confidence, explanation, hint, checker)

    def _departure_before(self, limit: int) -> StepVerdict | None:
        """A slip was found, but the solution may have left every valid path before it."""
        if not (self.use_grounding and self.request.problem.reference_steps) or self.answer.outcome != "incorrect":
            return None
        finding = grounding.first_departure(
            [s.text for s in self.states],
            [s.math for s in self.states],
            [s.arithmetic for s in self.states],
            [s.equations for s in self.states],
            self._plausible(),
            limit,
        )
        return _grounding_verdict(finding) if finding is not None else None

    def _plausible(self) -> grounding.Plausible:
        if self._plausible_cache is None:
            self._plausible_cache = self._compute_plausible()
        return self._plausible_cache

    def _compute_plausible(self) -> grounding.Plausible:
        problem = self.request.problem
        statement_math = _cached(problem.statement, self.cache)
        reference_numbers: list[Fraction] = []
        reference_claims: list[Claim] = []
        for text in problem.reference_steps:
            ref = _cached(text, self.cache)
            reference_numbers.extend(ref.numbers)
            reference_claims.extend(ref.claims)
        return grounding.plausible_values(
            statement_math.numbers,
            problem.statement,
            StepMath(tuple(reference_claims), tuple(reference_numbers)),
            plain_number(problem.reference_answer),
        )

    def _not_flagged(self, state: _StepState, first_error: int | None) -> StepVerdict:
        if state.unverified_reason:
            return StepVerdict(
                index=state.index,
                verdict="unverified",
                confidence=0.0,
                explanation=f"This step was not checked: {state.unverified_reason}.",
                checker="safety",
            )
        held = [f for f in state.arithmetic if f.outcome == "holds"]
        algebra_held = [f for f in state.algebra if f.outcome == "holds"]
        is_answer_step = self.answer.answer is not None and self.answer.answer.step_position == state.position
        if first_error is not None and state.position > first_error:
            return StepVerdict(
                index=state.index,
                verdict="unverified",
                confidence=0.0,
                explanation="This step builds on an earlier error, so it was not judged on its own.",
                checker="arithmetic" if held else "",
            )
        if is_answer_step and self.answer.outcome == "correct":
            return StepVerdict(
                index=state.index,
                verdict="correct",
                confidence=0.95,
                explanation="The final answer matches the expected answer.",
                checker="final_answer",
            )
        if held or algebra_held:
            checker = "arithmetic" if held else "algebra"
            confidence = 0.95 if self.answer.outcome == "correct" else CORRECT_CONFIDENCE
            what = "The calculations in this step check out." if held else "The algebra in this step checks out."
            return StepVerdict(
                index=state.index,
                verdict="correct",
                confidence=confidence,
                explanation=what,
                checker=checker,
            )
        return StepVerdict(
            index=state.index,
            verdict="unverified",
            confidence=0.0,
            explanation="This step has no calculation or equation that could be checked.",
        )


def _leaves(node: cas.Node) -> list[Fraction]:
    if node[0] == "num":
        return [node[1]]
    out: list[Fraction] = []
    for child in node[1:]:
        if isinstance(child, tuple):
            out.extend(_leaves(child))
    return out


def _grounding_verdict(finding: grounding.GroundingFinding) -> StepVerdict:
    return StepVerdict(
        index=finding.position,
        verdict="incorrect",
        confidence=GROUNDING_CONFIDENCE,
        explanation=grounding.describe(finding),
        hint="Check which quantity this step should work out.",
        checker="grounding",
    )


def _cached(text: str, cache: dict[str, StepMath]) -> StepMath:
    if text not in cache:
        cache[text] = step_math(text)
    return cache[text]


def _with_index(verdict: StepVerdict, index: int) -> StepVerdict:
    if verdict.index == index:
        return verdict
    return StepVerdict(index, verdict.verdict, verdict.confidence, verdict.explanation, verdict.hint, verdict.checker)


CASE_WORDS = (
    "if ",
    "case",
    "let ",
    "suppose",
    "try",
    "substitut",
    "for ",
    "when ",
    "check",
    "assume",
    "plug",
    "write",
    "set up",
    "setting up",
)


def _plain_step(state: _StepState) -> bool:
    """A step of plain arithmetic: no variables, no functions we skipped. Its slips are reported confidently;
    in algebraic text a mismatch is more often our misreading of notation than the student's slip."""
    if any(cas.variables(c.left.node) or cas.variables(c.right.node) for c in state.math.claims):
        return False
    try:
        return "@" not in cas.normalize(state.text)
    except cas.HostileInput:
        return False


def _simple_derivation(state: _StepState, found: algebra.AlgebraFinding) -> bool:
    """Linear equation to linear equation, with no case analysis or substitution words in the step."""
    import sympy

    lowered = state.text.lower()
    alternatives = (" or ", "\\pm", "±", "\\quad")
    if any(word in lowered for word in CASE_WORDS + alternatives) or found.previous is None:
        return False
    for equation in (found.previous, found.equation):
        try:
            degree = sympy.Poly(
                sympy.fraction(sympy.together(equation.expression))[0], sympy.Symbol(equation.variable)
            ).degree()
        except Exception:  # not a polynomial, or sympy could not tell: not a simple derivation
            return False
        if degree != 1:
            return False
    return True


def _arithmetic_verdict(position: int, finding: ArithmeticFinding, answer_outcome: str, plain: bool) -> StepVerdict:
    claim = finding.claim
    assert finding.computed is not None
    assert finding.stated is not None
    left = cas.render(claim.left.node)
    if cas.has_operator(claim.right.node):
        explanation = (
            f"{left} is {format_number(finding.computed)}, but {cas.render(claim.right.node)} is "
            f"{format_number(finding.stated)}."
        )
    else:
        explanation = f"{left} is {format_number(finding.computed)}, not {format_number(finding.stated)}."
    confidence = ARITHMETIC_CONFIDENCE if answer_outcome != "correct" else ANSWER_RIGHT_SLIP_CONFIDENCE
    if not plain:
        confidence = UNSURE_CONFIDENCE
    return StepVerdict(
        index=position,
        verdict="incorrect",
        confidence=confidence,
        explanation=explanation,
        hint=f"Check the {finding.operation} in this step.",
        checker="arithmetic",
    )


def _algebra_verdict(position: int, found: algebra.AlgebraFinding, simple: bool) -> StepVerdict:
    assert found.previous is not None
    previous, current = found.previous, found.equation
    variable = current.variable
    explanation = f"{current.text} does not follow from {previous.text}."
    solutions = previous.solutions or frozenset()
    expected = current.expected_form(next(iter(solutions))) if len(solutions) == 1 else None
    if expected is not None:
        explanation = f"From {previous.text} it follows that {expected}; this step has {current.text}."
    elif previous.solutions:
        explanation += (
            f" {previous.text} gives {variable} = {algebra.describe_solutions(previous.solutions)}, but "
            f"{current.text} gives {variable} = {algebra.describe_solutions(current.solutions or frozenset())}."
        )
    return StepVerdict(
        index=position,
        verdict="incorrect",
        confidence=ALGEBRA_CONFIDENCE if simple else UNSURE_CONFIDENCE,
        explanation=explanation,
        hint="Check that this equation follows from the one before it: do the same thing to both sides.",
        checker="algebra",
    )


def _rewrite_verdict(position: int, found: algebra.AlgebraFinding, corroborated: bool) -> StepVerdict:
    claim = found.equation.claim
    left, right = cas.render(claim.left.node), cas.render(claim.right.node)
    explanation = f"{left} is not the same as {right}"
    explanation += f": {found.detail}." if found.detail else "."
    return StepVerdict(
        index=position,
        verdict="incorrect",
        confidence=ALGEBRA_CONFIDENCE if corroborated else UNSURE_CONFIDENCE,
        explanation=explanation,
        hint="Check how you simplified the expression in this step.",
        checker="algebra",
    )


def _carried_expression(state: _StepState) -> str:
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


def _score(verdicts: list[StepVerdict], answer: AnswerFinding) -> float:
    flagged = [v for v in verdicts if v.verdict == "incorrect"]
    if answer.outcome == "incorrect":
        return 0.05
    if flagged:
        return 0.2 if answer.outcome == "correct" else 0.1
    if answer.outcome == "correct":
        return 0.9
    checked = [v for v in verdicts if v.verdict == "correct"]
    return 0.6 if checked else 0.5


def _trace(states: list[_StepState], answer: AnswerFinding) -> str:
    lines: list[str] = []
    for state in states:
        parts: list[str] = []
        if state.unverified_reason:
            parts.append(f"unverified ({state.unverified_reason})")
        for finding in state.arithmetic:
            claim = f"{cas.render(finding.claim.left.node)} = {cas.render(finding.claim.right.node)}"
            detail = f" [{finding.reason}]" if finding.reason else ""
            parts.append(f"arithmetic {claim}: {finding.outcome}{detail}")
        for found in state.algebra:
            parts.append(
                f"algebra {found.equation.text}: {found.outcome}" + (f" [{found.reason}]" if found.reason else "")
            )
        lines.append(f"step {state.index}: " + ("; ".join(parts) if parts else "nothing checkable"))
    located = answer.answer
    lines.append(
        f"final answer: {answer.outcome}"
        + (f" ({located.text!r} via {located.how} in step {located.step_position})" if located else "")
        + (f" [{answer.reason}]" if answer.reason else "")
    )
    return "\n".join(lines)
