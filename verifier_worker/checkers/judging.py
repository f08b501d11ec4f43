"""The judging policy of the symbolic verifier: how the checkers' findings become one verdict per step, with what
confidence, and in what words the student and the teacher are told.

Direct checks, in the order their verdicts take precedence on a step (`DIRECT_RULES`; adding a checker is one rule
function and one entry there):
- arithmetic: a false "a op b = c" (checkers/arithmetic.py);
- algebra: a rewrite that is not an identity, or an equation that does not follow from the one before it
  (checkers/algebra.py).
Then, for the solution as a whole:
- final answer: the marked final answer against the reference answer (checkers/final_answer.py);
- grounding: with a wrong final answer and no slip before it, the first step that leaves the values the reference
  supports (checkers/grounding.py), else the step that reaches the wrong answer.

Direct checks also include `carried` (a substitution or copied result that contradicts its source,
checkers/carried.py) and `units` (lengths multiplied written as a length, checkers/dimensions.py). A check that
fails in a step whose notation the parser drops is not a flag: the step is `unverified` with the notation named.

Confidence: a flag at or above `types.CONFIDENT` (0.9) is shown as "First error", anything lower as "Check this
step". Each rule's confidence is its measured precision (the constants below; docs/evaluation.md has the table).
First error needs evidence that the step is the earliest wrong one, not only a wrong one: a slip whose correction,
carried through the later steps, gives the expected answer (checkers/repair.py); a plain slip with a reference
solution showing nothing left its path before it; a derivation from the problem's own equation.
A step is `correct` only when a check passed on it, `unverified` when nothing in it could be checked.

What each verdict carries for tutoring and analytics (types.py; docs/verifier.md):
- `finding`: a `Finding` on every flag: category, operation, operands with their sources (problem, an earlier
  step, a constant), the claimed and the expected value kept apart, and the rule that decided;
- `reason_code` on `unverified` steps: `no_math`, `unreadable` (could not be read as math), `undecidable` (read,
  not decidable), `after_error`, `hostile`, `budget`;
- `route` on `correct` steps with a reference solution: `reference` or `other` (a valid step on another route);
- `Judgement.unfinished` (`VerificationResult.unfinished`): no final answer yet and the last step right, so the
  final answer is `unverified` rather than wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Literal

from .. import cas
from ..types import (
    Finding,
    FindingCategory,
    Operand,
    OperandSource,
    Route,
    StepVerdict,
    Verdict,
    VerificationRequest,
)
from . import algebra, grounding, repair
from .analysis import BUDGET_RAN_OUT, Analysis, StepAnalysis, parsed
from .arithmetic import ArithmeticFinding, format_number
from .claims import Claim, StepMath, numbers_in
from .final_answer import AnswerFinding, plain_number, question_of
from .verbal import number_words_to_digits

# Confidences are the precision each rule measured on the evaluation sets (ProcessBench GSM8K with and without the
# reference solution, ProcessBench MATH, StepVerify; pooled; docs/evaluation.md has the table), rounded. "First
# error" (types.CONFIDENT) needs evidence that the step is the EARLIEST wrong one, not only a wrong one: a slip whose
# correction gives the expected answer, a plain slip with a reference solution showing nothing left its path
# before, a simple derivation from the problem's own equation, a rewrite that is not an identity. Everything else is
# "Check this step", and the lowest go to review.
ARITHMETIC_CONFIDENCE = 0.93  # plain slip, final answer wrong, reference solution given, no departure before: 9 of 9
# The slip's correction, carried through the later calculations, gives the expected answer (checkers/repair.py):
# nothing else was wrong, so the slip is the first error: 36 of 36.
REPAIRED_CONFIDENCE = 0.97
# With the answer only, a slip whose correction does not give the expected answer: something else is wrong too,
# and it may come before the slip, where nothing can show it: 5 of 6 (6 of 7 when first measured).
UNEXPLAINED_SLIP_CONFIDENCE = 0.85
# The slip writes a value the reference solution computes ("8 × 2 = 40" where 40 is the number of rooms): the value
# may be right and only its calculation miswritten, or meant for another quantity: 0 of 5 when first measured (two
# of them "correct" by the labels), 0 of 2 now (the rest located elsewhere).
REFERENCE_VALUE_SLIP_CONFIDENCE = 0.3
ALGEBRA_CONFIDENCE = 0.92  # simple linear derivation from an equation the problem states (or a bare-equation solution)
# A linear derivation slip in a word problem the student modelled ("Let x be the number of machines"): the person
# who located the first error put it in the modelling (a setup line, the "we get:" line) more often: 2 of 6.
MODELLED_ALGEBRA_CONFIDENCE = 0.35
GROUNDING_CONFIDENCE = 0.5  # first value the reference never uses: 466 of 922
MOVED_PAST_CONFIDENCE = 0.45  # the step after the one that reached the expected answer: 65 of 143
# Nothing located: the step that reaches or states the wrong answer (31 of 108 are the labelled first error). That
# step is certainly wrong, only maybe not the first; it stays at the default review threshold (0.5) so a wrong
# answer alone does not hold a grade back for review.
FINAL_STEP_CONFIDENCE = 0.5
GUESS_CONFIDENCE = 0.35  # answer only: the first step that could have gone wrong: 59 of 156
CORRECT_CONFIDENCE = 0.85
# A correct step in a solution whose final answer is right, and the right final answer itself.
CORROBORATED_CORRECT_CONFIDENCE = 0.95
# A false equation in a solution whose final answer is right: often a typo, or our misreading: 2 of 6.
ANSWER_RIGHT_SLIP_CONFIDENCE = 0.4
UNSURE_CONFIDENCE = 0.5  # a direct check failed in algebraic text, or with no answer to corroborate: 71 of 155
AFTER_DEPARTURE_CONFIDENCE = 0.3  # a real slip after the solution had already left the reference path: 2 of 3
# Not yet measured (no case in the evaluation sets): kept below "First error" until they are.
SUBSTITUTION_CONFIDENCE = 0.8  # a variable's value substituted wrongly ("C = -7", then "2(7) + 5")
MISCOPIED_CONFIDENCE = 0.6  # an operand from nowhere that looks like the last result copied wrongly
UNITS_CONFIDENCE = 0.5  # lengths multiplied, the result written as a length ("5 m × 4 m = 20 m")

CONFIDENCES = {
    "arithmetic": ARITHMETIC_CONFIDENCE,
    "repaired": REPAIRED_CONFIDENCE,
    "unexplained_slip": UNEXPLAINED_SLIP_CONFIDENCE,
    "reference_value_slip": REFERENCE_VALUE_SLIP_CONFIDENCE,
    "algebra": ALGEBRA_CONFIDENCE,
    "modelled_algebra": MODELLED_ALGEBRA_CONFIDENCE,
    "grounding": GROUNDING_CONFIDENCE,
    "final_step": FINAL_STEP_CONFIDENCE,
    "moved_past": MOVED_PAST_CONFIDENCE,
    "guess": GUESS_CONFIDENCE,
    "unsure": UNSURE_CONFIDENCE,
    "answer_right_slip": ANSWER_RIGHT_SLIP_CONFIDENCE,
    "after_departure": AFTER_DEPARTURE_CONFIDENCE,
    "substitution": SUBSTITUTION_CONFIDENCE,
    "miscopied": MISCOPIED_CONFIDENCE,
    "units": UNITS_CONFIDENCE,
}


# What else is known about a false calculation (see _Judge.slip_evidence): "" when nothing.
SlipEvidence = Literal["", "reference value", "repairs", "unexplained"]


@dataclass(frozen=True)
class Judgement:
    verdicts: tuple[StepVerdict, ...]
    first_error_index: int | None
    solution_score: float
    undecided_reason: str
    final_answer_verdict: Verdict = "unverified"
    unfinished: bool = False


# "Let x be the number of ...", "Let's call the speed x", "n represents the number of cards": an unknown named.
_NAMES_AN_UNKNOWN = re.compile(
    r"(?i:\b(?:let(?:'s|\s+us)?|denote|call|define|suppose)\b)[^.;:\n]{0,60}?(?<![\w\\'’])[b-hj-zB-HJ-Z](?![\w'’(])"
    r"|(?<![\w\\'’])[b-hj-zB-HJ-Z]\W{0,4}\s+(?i:be|represents?|denotes?|stands?\s+for)\s+the\b"
)
UNFINISHED_REASON = "no final answer yet: the last step is right and the solution has not reached the answer"
_CONCLUSION = re.compile(r"\b(?:so|therefore|thus|hence|total|altogether|in all|finally|answer|overall)\b", re.I)


def judge(request: VerificationRequest, analysis: Analysis, *, use_grounding: bool = True) -> Judgement:
    judging = _Judge(request, analysis, use_grounding)
    unfinished = judging.unfinished()
    if unfinished:
        judging.answer = AnswerFinding("unverified", analysis.answer.answer, UNFINISHED_REASON)
    verdicts = judging.verdicts()
    first = next((v.index for v in verdicts if v.verdict == "incorrect"), None)
    checked = [v for v in verdicts if v.verdict != "unverified"]
    answer = judging.answer
    undecided = ""
    if not checked and answer.outcome == "unverified":
        reasons = sorted({s.unverified_reason for s in analysis.steps if s.unverified_reason} | {answer.reason})
        undecided = "Nothing in this solution could be checked: " + "; ".join(r for r in reasons if r) + "."
    return Judgement(tuple(verdicts), first, _score(verdicts, answer), undecided, answer.outcome, unfinished)


class _Judge:
    """Turns the checkers' findings into one verdict per step."""

    def __init__(self, request: VerificationRequest, analysis: Analysis, use_grounding: bool) -> None:
        self.request = request
        self.states = analysis.steps
        self.answer = analysis.answer
        self.cache = analysis.cache
        self.use_grounding = use_grounding
        self._plausible_cache: grounding.Plausible | None = None
        self._sources: dict[Fraction, tuple[OperandSource, int | None]] | None = None
        self._mentions: list[tuple[int, int, set[Fraction]]] = []

    def verdicts(self) -> list[StepVerdict]:
        direct = {s.position: v for s in self.states if (v := self._direct_error(s)) is not None}
        first_direct = min(direct) if direct else None
        departure = (
            self._departure_before(first_direct)
            if first_direct is not None and not self._slip_explains_answer(first_direct)
            else None
        )
        if first_direct is not None and departure is not None:
            slip = direct[first_direct]
            if slip.checker == "algebra":
                # Equations solved after the solution left every path the reference supports: the setup they
                # solve is where it went wrong (the slip in solving it is the first error 0 times in 11).
                direct[departure.index] = departure
            else:
                # The slip is real, but the solution had already left every path the reference supports: the
                # slip may not be the first error, so it is not shown as one with confidence.
                demoted = replace(slip.finding, rule=f"{slip.finding.rule}.after_departure") if slip.finding else None
                confidence = min(slip.confidence, AFTER_DEPARTURE_CONFIDENCE)
                direct[first_direct] = replace(slip, confidence=confidence, finding=demoted)
            first_direct = min(direct)
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

    def _direct_error(self, state: StepAnalysis) -> StepVerdict | None:
        for rule in DIRECT_RULES:
            verdict = rule(self, state)
            if verdict is not None:
                return verdict
        return None

    def _slip_explains_answer(self, position: int) -> bool:
        """Correcting a calculation in this step gives the expected answer: the slip is where the answer went wrong,
        even if earlier steps took a route the reference solution does not take."""
        return any(self.slip_repairs(position, finding) for finding in self.states[position].arithmetic)

    def slip_repairs(self, position: int, finding: ArithmeticFinding) -> bool:
        """This false calculation's correct result, carried through every later calculation that uses it, gives the
        expected answer (as written, or as a percentage): nothing else in the solution was wrong
        (checkers/repair.py)."""
        expected = plain_number(self.request.problem.reference_answer)
        answer = self.answer.answer
        if expected is None or answer is None or self.answer.outcome != "incorrect" or finding.outcome != "fails":
            return False
        if isinstance(finding.computed, Fraction) and expected in (finding.computed, finding.computed * 100):
            return True  # the slip's own result is the expected answer (this step may state it)
        written = plain_number(answer.text)
        if written is None:
            return False
        arithmetic = [state.arithmetic for state in self.states]
        corrected = repair.corrected_answer(arithmetic, position, finding, written, self._given())
        return expected in corrected

    def slip_evidence(self, position: int, finding: ArithmeticFinding) -> SlipEvidence:
        """What else is known about a false calculation in a solution whose answer is wrong: its written result
        is a reference value; its correction gives the expected answer; or, with the answer only, it does not."""
        if self.answer.outcome != "incorrect":
            return ""
        if self.slip_writes_reference_value(finding):
            return "reference value"
        if self.slip_repairs(position, finding):
            return "repairs"
        return "" if self.request.problem.reference_steps else "unexplained"

    def slip_writes_reference_value(self, finding: ArithmeticFinding) -> bool:
        """The false calculation's written result is a value the reference solution computes: the value may be
        right and only the calculation before it miswritten, or it may be meant for another quantity."""
        if not self.request.problem.reference_steps:
            return False
        _, written = repair.calculation_side(finding)
        return written is not None and round(float(written), 6) in self._plausible().exact

    def _given(self) -> frozenset[Fraction]:
        return frozenset(parsed(self.request.problem.statement, self.cache).numbers)

    def modelled(self, position: int) -> bool:
        """The equations are the student's reading of a word problem: a step up to this one names an unknown for a
        quantity ("Let x be the number of machines"), and the problem states no equation of its own."""
        if any(cas.variables(c.left.node) or cas.variables(c.right.node) for c in self._statement_claims()):
            return False
        return any(_NAMES_AN_UNKNOWN.search(state.text[:2000]) for state in self.states[: position + 1])

    def _statement_claims(self) -> tuple[Claim, ...]:
        return parsed(self.request.problem.statement, self.cache).claims if self.request.problem.statement else ()

    def setup_was_right(self, found: algebra.AlgebraFinding) -> bool:
        """The equation before the slip solves to a value the reference supports (the answer, or with a reference
        solution any value it computes). Otherwise the setup itself may be the first error."""
        if found.previous is None or not found.previous.solutions:
            return False
        allowed = set(self._plausible().exact) if self.request.problem.reference_steps else set()
        answer = plain_number(self.request.problem.reference_answer)
        if answer is not None:
            allowed = allowed | {round(float(answer), 6)}
        for solution in found.previous.solutions:
            if getattr(solution, "is_Rational", False) and round(float(solution), 6) in allowed:
                return True
        return False

    def unfinished(self) -> bool:
        """No final answer yet, and the last step is right: the answer was not marked ("the answer is", a box),
        the last step's own calculation holds and gives the value read as the answer, nothing before is wrong, the
        step does not read as a conclusion ("so", "therefore", "total", the unit the question asks for), and the
        value is one the reference solution passes through on its way (not a given, not a small whole number).
        Needs a reference solution: with the answer alone an unfinished solution and a wrong one look the same."""
        found = self.answer.answer
        if self.answer.outcome != "incorrect" or found is None or found.how != "last sentence" or not self.states:
            return False
        last = self.states[-1]
        value = plain_number(found.text)
        if found.step_position != last.position or value is None:
            return False
        if not any(f.outcome == "holds" and f.stated == value for f in last.arithmetic):
            return False
        if any(self._direct_error(state) is not None for state in self.states):
            return False
        # A conclusion ("so", "therefore", "total"), or a value in the unit the question asks for, is an answer.
        question = question_of(self.request.problem.statement)
        tail = last.text[-200:].lower()
        if _CONCLUSION.search(last.text) or (question.unit and re.search(rf"\b{re.escape(question.unit[0])}", tail)):
            return False
        if not self.request.problem.reference_steps:
            return False  # with the answer alone, an unfinished solution and a wrong answer look the same
        given = {round(float(v), 6) for v in question.numbers}
        on_path = round(float(value), 6) in self._plausible().exact
        return on_path and round(float(value), 6) not in given and (abs(value) > 10 or value.denominator != 1)

    def operands(self, node: cas.Node, position: int) -> tuple[Operand, ...]:
        """The numbers a calculation uses, each with where it first appears: the problem, an earlier step (its
        index), a common constant, or nowhere before."""
        if self._sources is None:
            sources: dict[Fraction, tuple[OperandSource, int | None]] = {}
            problem = self.request.problem.statement[: cas.MAX_TEXT_CHARS]
            for value in (*parsed(problem, self.cache).numbers, *numbers_in(number_words_to_digits(problem))):
                sources.setdefault(value, ("problem", None))
            self._sources = sources
            self._mentions = [(s.position, s.index, set(s.math.numbers)) for s in self.states]
        out: list[Operand] = []
        for value in cas.leaves(node):
            source, step = self._sources.get(abs(value), ("unknown", None))
            if source == "unknown":
                earlier = [index for pos, index, numbers in self._mentions if pos < position and abs(value) in numbers]
                if earlier:
                    source, step = "step", earlier[0]
                elif abs(value) in grounding.UNIT_CONSTANTS:
                    source = "constant"
            out.append(Operand(cas.render(cas.Num(value)), _number_text(value), source, step))
        return tuple(out)

    def corroborated(self) -> bool:
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
        # Where the wrong final value is first written; a value the problem gives is first written as data.
        given = wrong_value is not None and wrong_value in self._given()
        mention = (
            grounding.first_mention(steps_math, wrong_value, answer_position) if wrong_value and not given else None
        )
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
            # Every value is one the reference supports: the step that first writes the wrong final value is where
            # the solution went wrong (when that value is a reference value, the student stopped there too early).
            return self._answer_verdict(limit if mention is None else mention, answer_position, "")
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
        known = {round(float(v), 6) for v in parsed(problem.statement, self.cache).numbers}
        known |= {round(float(v), 6) for v in grounding.UNIT_CONSTANTS}
        known |= {round(float(v), 6) for v in grounding.words_to_numbers(problem.statement)}
        spelled = numbers_in(number_words_to_digits(problem.statement[: cas.MAX_TEXT_CHARS]))
        known |= {round(float(v) * scale, 6) for v in spelled for scale in (1, 0.01, 100)}
        first_calculation: int | None = None
        for state in self.states[: limit + 1]:
            held = [f for f in state.arithmetic if f.outcome == "holds"]
            if held and first_calculation is None:
                first_calculation = state.position
            for finding in held:
                if any(round(float(leaf), 6) not in known for leaf in cas.leaves(finding.claim.left.node)):
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
        confidence = {"guess": GUESS_CONFIDENCE, "moved past": MOVED_PAST_CONFIDENCE}.get(why, FINAL_STEP_CONFIDENCE)
        if position == answer_position and why != "guess":
            confidence = FINAL_STEP_CONFIDENCE  # the step that states the wrong answer is wrong, if not the first
        rule = {"moved past": "grounding.moved_past", "guess": "grounding.guess"}.get(why, "grounding.reaches_answer")
        if position == answer_position:
            rule = {"guess": "final_answer.guess", "moved past": "final_answer.moved_past"}.get(
                why, "final_answer.wrong"
            )
        category: FindingCategory = "final_answer" if checker == "final_answer" else "grounding"
        finding = Finding(category, "answer", (), shown, expected, "", rule)
        return StepVerdict(position, "incorrect", confidence, explanation, hint, checker, finding)

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
        statement_math = parsed(problem.statement, self.cache)
        reference_numbers: list[Fraction] = []
        reference_claims: list[Claim] = []
        for text in problem.reference_steps:
            ref = parsed(text, self.cache)
            reference_numbers.extend(ref.numbers)
            reference_claims.extend(ref.claims)
        return grounding.plausible_values(
            statement_math.numbers,
            problem.statement,
            StepMath(tuple(reference_claims), tuple(reference_numbers)),
            plain_number(problem.reference_answer),
        )

    def _not_flagged(self, state: StepAnalysis, first_error: int | None) -> StepVerdict:
        if state.unverified_reason:
            return StepVerdict(
                index=state.index,
                verdict="unverified",
                confidence=0.0,
                explanation=f"This step was not checked: {state.unverified_reason}.",
                checker="safety",
                reason_code="budget" if state.unverified_reason == BUDGET_RAN_OUT else "hostile",
            )
        if _abstained(state) and (first_error is None or state.position <= first_error):
            return self._notation_verdict(state)
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
                reason_code="after_error",
            )
        if is_answer_step and self.answer.outcome == "correct":
            return StepVerdict(
                index=state.index,
                verdict="correct",
                confidence=CORROBORATED_CORRECT_CONFIDENCE,
                explanation="The final answer matches the expected answer.",
                checker="final_answer",
                route="reference" if self.request.problem.reference_steps else "",
            )
        if held or algebra_held:
            checker = "arithmetic" if held else "algebra"
            confidence = CORROBORATED_CORRECT_CONFIDENCE if self.answer.outcome == "correct" else CORRECT_CONFIDENCE
            what = "The calculations in this step check out." if held else "The algebra in this step checks out."
            return StepVerdict(
                index=state.index,
                verdict="correct",
                confidence=confidence,
                explanation=what,
                checker=checker,
                route=self._route(state),
            )
        if state.unread:
            return self._notation_verdict(state)
        read = bool(state.math.claims)
        return StepVerdict(
            index=state.index,
            verdict="unverified",
            confidence=0.0,
            explanation=(
                "This step's calculations could not be decided."
                if read
                else "This step has no calculation or equation that could be checked."
            ),
            reason_code="undecidable" if read else ("unreadable" if state.math.numbers else "no_math"),
        )

    def _route(self, state: StepAnalysis) -> Route:
        """On the reference path when the step computes a value the reference solution computes (or the answer);
        another route when every value it computes is one the reference never uses."""
        if not self.request.problem.reference_steps:
            return ""
        exact = self._plausible().exact
        values = [f.stated for f in state.arithmetic if f.outcome == "holds" and f.stated is not None]
        values += [s for e in state.equations for s in (e.solutions or ()) if getattr(s, "is_Rational", False)]
        if not values:
            return ""
        return "reference" if any(round(float(v), 6) in exact for v in values) else "other"

    def _notation_verdict(self, state: StepAnalysis) -> StepVerdict:
        return StepVerdict(
            index=state.index,
            verdict="unverified",
            confidence=0.0,
            explanation=(
                f"This step uses notation the checker does not read ({state.unread}), so its calculation was not "
                "judged."
            ),
            checker="notation",
            reason_code="unreadable",
            finding=Finding("unreadable", rule="notation"),
        )


def _grounding_verdict(found: grounding.GroundingFinding) -> StepVerdict:
    return StepVerdict(
        index=found.position,
        verdict="incorrect",
        confidence=GROUNDING_CONFIDENCE,
        explanation=grounding.describe(found),
        hint="Check which quantity this step should work out.",
        checker="grounding",
        finding=Finding(
            "grounding", "quantity", (), format_number(found.value), "", found.claim_text, "grounding.departure"
        ),
    )


def _with_index(verdict: StepVerdict, index: int) -> StepVerdict:
    return verdict if verdict.index == index else replace(verdict, index=index)


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


def _abstained(state: StepAnalysis) -> bool:
    """A check failed in a step whose notation we partly dropped: the checker says so instead of flagging."""
    failed = any(f.outcome == "fails" for f in state.arithmetic) or any(f.outcome == "fails" for f in state.algebra)
    return bool(state.unread) and failed


def _plain_step(state: StepAnalysis) -> bool:
    """A step of plain arithmetic: no variables, no functions we skipped. Its slips are reported confidently;
    in algebraic text a mismatch is more often our misreading of notation than the student's slip."""
    if any(cas.variables(c.left.node) or cas.variables(c.right.node) for c in state.math.claims):
        return False
    try:
        return "@" not in cas.normalize(state.text)
    except cas.HostileInput:
        return False


def _simple_derivation(state: StepAnalysis, found: algebra.AlgebraFinding) -> bool:
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


_OPERATION_CODES: dict[str, str] = {
    "addition": "add",
    "subtraction": "subtract",
    "multiplication": "multiply",
    "division": "divide",
    "power": "power",
    "percentage": "percent",
    "square root": "root",
    "factorial": "factorial",
    "absolute value": "absolute",
    "combination": "combination",
}


def _number_text(value: cas.Number | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Fraction) and value.denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    return format_number(value).replace(",", "")


def _arithmetic_verdict(
    position: int,
    finding: ArithmeticFinding,
    answer_outcome: str,
    plain: bool,
    operands: tuple[Operand, ...] = (),
    evidence: SlipEvidence = "",
) -> StepVerdict:
    """The verdict on a false calculation. Its confidence says how sure it is the FIRST error, from what else is
    known (see the constants): the final answer right, the written result a reference value, the correction giving
    the expected answer, plain notation, a reference solution to rule out an earlier wrong turn."""
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
    if answer_outcome == "correct":
        confidence, rule = ANSWER_RIGHT_SLIP_CONFIDENCE, "arithmetic.answer_right"
    elif evidence == "reference value":
        confidence, rule = REFERENCE_VALUE_SLIP_CONFIDENCE, "arithmetic.reference_value"
    elif evidence == "repairs":
        confidence, rule = REPAIRED_CONFIDENCE, "arithmetic.repairs"
    elif not plain:
        confidence, rule = UNSURE_CONFIDENCE, "arithmetic.unsure"
    elif evidence == "unexplained":
        confidence, rule = UNEXPLAINED_SLIP_CONFIDENCE, "arithmetic.unexplained"
    else:
        confidence, rule = ARITHMETIC_CONFIDENCE, "arithmetic.plain"
    if claim.in_words:
        rule += ".in_words"
    calculation = claim.left if cas.has_operator(claim.left.node) else claim.right
    return StepVerdict(
        index=position,
        verdict="incorrect",
        confidence=confidence,
        explanation=explanation,
        hint=f"Check the {finding.operation} in this step.",
        checker="arithmetic",
        finding=Finding(
            "arithmetic",
            _OPERATION_CODES.get(finding.operation, "calculation"),
            operands,
            _number_text(finding.stated if calculation is claim.left else finding.computed),
            _number_text(finding.computed if calculation is claim.left else finding.stated),
            cas.render(calculation.node),
            rule,
        ),
    )


def _algebra_verdict(
    position: int, found: algebra.AlgebraFinding, simple: bool, *, modelled: bool = False
) -> StepVerdict:
    assert found.previous is not None
    previous, current = found.previous, found.equation
    variable = current.variable
    explanation = f"{current.text} does not follow from {previous.text}."
    solutions = previous.solutions or frozenset()
    rule = "algebra.modelled" if modelled else "algebra.simple" if simple else "algebra.unsure"
    confidence = MODELLED_ALGEBRA_CONFIDENCE if modelled else ALGEBRA_CONFIDENCE if simple else UNSURE_CONFIDENCE
    finding = Finding("algebra", "equation", (), current.text, "", previous.text, rule)
    if found.reason == "one side rewritten":
        return StepVerdict(
            index=position,
            verdict="incorrect",
            confidence=confidence,
            explanation=(
                f"{current.text} does not follow from {previous.text}: the other side stays the same, but "
                f"{found.detail}, so they are not the same expression."
            ),
            hint="Check how you rewrote this side of the equation.",
            checker="algebra",
            finding=replace(finding, operation="rewrite", rule=f"{finding.rule}.one_side"),
        )
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
        confidence=confidence,
        explanation=explanation,
        hint="Check that this equation follows from the one before it: do the same thing to both sides.",
        checker="algebra",
        finding=replace(finding, expected=expected or ""),
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
        finding=Finding(
            "algebra",
            "rewrite",
            (),
            right,
            "",
            left,
            "algebra.rewrite" if corroborated else "algebra.rewrite.unsure",
        ),
    )


# --------------------------------------------------------------------------------------------------------------
# Direct checks: each rule turns one checker's findings on a step into a verdict, or None. First match wins.
# --------------------------------------------------------------------------------------------------------------


def _arithmetic_rule(judge: _Judge, state: StepAnalysis) -> StepVerdict | None:
    if state.unread:
        return None  # notation we drop: a mismatch is more often our misreading (see _abstained)
    for finding in state.arithmetic:
        if finding.outcome == "fails" and finding.computed is not None and finding.stated is not None:
            plain = _plain_step(state) and judge.corroborated()
            side = finding.claim.left if cas.has_operator(finding.claim.left.node) else finding.claim.right
            operands = judge.operands(side.node, state.position)
            evidence = judge.slip_evidence(state.position, finding)
            return _arithmetic_verdict(state.position, finding, judge.answer.outcome, plain, operands, evidence)
    return None


def _algebra_rule(judge: _Judge, state: StepAnalysis) -> StepVerdict | None:
    if state.unread:
        return None
    for found in state.algebra:
        if found.outcome == "fails" and found.reason == "rewrite":
            return _rewrite_verdict(state.position, found, judge.corroborated())
        if found.outcome == "fails" and found.previous is not None:
            simple = _simple_derivation(state, found) and judge.corroborated() and judge.setup_was_right(found)
            return _algebra_verdict(state.position, found, simple, modelled=simple and judge.modelled(state.position))
    return None


def _carried_rule(judge: _Judge, state: StepAnalysis) -> StepVerdict | None:
    found = state.carried
    if found is None or state.unread or (found.kind == "miscopied" and judge.answer.outcome != "incorrect"):
        return None  # an operand from nowhere in a solution that ends right is more likely our misreading
    where = f"step {found.source_step + 1}" if found.source_step is not None else "the problem"
    used, expected = format_number(found.used), format_number(found.expected)
    if found.kind == "substitution":
        explanation = f"{found.name} is {expected} ({where}), but this step uses {used} for {found.name}."
        hint = f"Check the value you used for {found.name} in this step."
        confidence = SUBSTITUTION_CONFIDENCE if judge.answer.outcome == "incorrect" else UNSURE_CONFIDENCE
    else:
        explanation = f"This step uses {used}, but {where} found {expected}."
        hint = "Check the numbers this step carries over from the steps before it."
        confidence = MISCOPIED_CONFIDENCE
    source: OperandSource = "step" if found.source_step is not None else "problem"
    operand = Operand(used, _number_text(found.used), "unknown" if found.kind == "miscopied" else source)
    finding = Finding(
        "carried",
        found.kind,
        (operand,),
        _number_text(found.used),
        _number_text(found.expected),
        f"{cas.render(found.claim.left.node)} = {cas.render(found.claim.right.node)}",
        f"carried.{found.kind}",
    )
    return StepVerdict(state.position, "incorrect", confidence, explanation, hint, "carried", finding)


def _dimension_rule(judge: _Judge, state: StepAnalysis) -> StepVerdict | None:
    found = state.dimension
    if found is None or state.unread or judge.answer.outcome == "correct":
        return None  # a right answer with "20 m" for an area is loose writing, not a wrong solution
    kinds = {1: "a length", 2: "an area", 3: "a volume"}
    powers = {1: "", 2: "²", 3: "³"}
    explanation = (
        f"{found.text} multiplies lengths, so the result is {kinds[found.factor_power]} in "
        f"{found.unit}{powers[found.factor_power]}; this step writes it in {found.unit}{powers[found.result_power]}."
    )
    finding = Finding("units", "multiply", (), f"{found.unit}{powers[found.result_power]}", "", found.text, "units")
    return StepVerdict(
        state.position,
        "incorrect",
        UNITS_CONFIDENCE,
        explanation,
        "Check the units of the result in this step.",
        "units",
        finding,
    )


DIRECT_RULES: tuple[Callable[[_Judge, StepAnalysis], StepVerdict | None], ...] = (
    _arithmetic_rule,
    _algebra_rule,
    _carried_rule,
    _dimension_rule,
)


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
