"""Which grades a person reviewed, and where each step's label comes from. Plain values; `selectors` builds them.

These definitions are shared by the agreement dashboard and the training-data export:

- A grade is **reviewed** when a person acted on it after its latest grading:
  - a teacher's decision is in force on it (a step verdict, the final-answer verdict, the score or a rubric tick),
  - or a teacher confirmed it ("Confirm this grade") after it was last graded,
  - or a student's regrade request on it was resolved after it was last graded (a teacher looked and answered).

  A grade nobody acted on is not reviewed: a teacher who never opened it neither agreed nor disagreed.
- On a reviewed grade, the verdicts in force (those the teacher set, and the verifier's that the teacher left
  standing) are the teacher's judgement of the solution. Agreement compares them with the verifier's own.
- A step's **label** is +1 (correct) or -1 (incorrect), or none when its verdict in force is `unverified`. Its
  **source** is:
  - `teacher`: a teacher set this step's verdict;
  - `confirmed`: the verifier's verdict on a grade a person confirmed as a whole (a confirmation, or a resolved
    regrade request);
  - `verifier`: the verifier's verdict, left standing on a grade that was reviewed some other way.

  Only `teacher` and `confirmed` labels are **human labels**: a person looked at that verdict and stood by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

INCORRECT = "incorrect"
CORRECT = "correct"
UNVERIFIED = "unverified"

Source = Literal["teacher", "confirmed", "verifier"]
HUMAN_SOURCES: frozenset[str] = frozenset({"teacher", "confirmed"})


def step_label(verdict: str) -> int | None:
    """+1 for a correct step, -1 for an incorrect one, None for one nobody could check."""
    return {CORRECT: 1, INCORRECT: -1}.get(verdict)


@dataclass(frozen=True)
class StepFacts:
    index: int
    text: str
    # The verifier's own verdict, confidence, checker and explanation.
    verdict: str
    confidence: float | None = None
    checker: str = ""
    explanation: str = ""
    # A teacher's verdict in force on this step ("" when none) and their reason.
    teacher_verdict: str = ""
    teacher_reason: str = ""

    @property
    def in_force(self) -> str:
        return self.teacher_verdict or self.verdict


@dataclass(frozen=True)
class FirstErrorLabel:
    label: int
    # Whether a person made this label (see GradedSolution.first_error_label); `source` says how.
    person: bool
    source: Source


@dataclass(frozen=True)
class GradedSolution:
    """One finished grade (graded, or waiting for review) with what the verifier said and what is in force."""

    submission_id: int
    student_id: int
    course_id: int
    assignment_id: int
    problem_id: int
    attempt_number: int
    status: str
    steps: tuple[StepFacts, ...]
    # The verifier's first error and final-answer verdict, and those in force (the teacher's applied).
    auto_first_error: int | None
    first_error: int | None
    auto_final_answer: str
    final_answer: str
    points: Decimal
    auto_score: Decimal | None = None
    score: Decimal | None = None
    teacher_score: Decimal | None = None
    teacher_final_answer: str = ""
    # The run that produced the verdicts in force.
    backend: str = ""
    model: str = ""
    prompt_version: str = ""
    # A teacher decision is in force (steps, final answer, score or rubric).
    decisions: bool = False
    # A person confirmed the grade as a whole after its latest grading.
    confirmed: bool = False
    # Override rows that set something (the history, including decisions later changed or cleared).
    override_actions: int = 0
    problem: str = ""
    reference_answer: str = ""
    reference_steps: tuple[str, ...] = ()
    submitted_at: datetime | None = None

    @property
    def reviewed(self) -> bool:
        return self.decisions or self.confirmed

    def source(self, step: StepFacts) -> Source:
        if step.teacher_verdict:
            return "teacher"
        return "confirmed" if self.confirmed else "verifier"

    @property
    def flag_confidence(self) -> float | None:
        """The confidence of the verifier's own first error (None when it flagged nothing)."""
        if self.auto_first_error is None:
            return None
        for step in self.steps:
            if step.index == self.auto_first_error:
                return step.confidence if step.confidence is not None else 0.0
        return 0.0

    @property
    def first_error_step(self) -> StepFacts | None:
        """The step with the first error in force (the one the student was told about)."""
        if self.first_error is None:
            return None
        return next((step for step in self.steps if step.index == self.first_error), None)

    def first_error_label(self) -> FirstErrorLabel:
        """The solution-level label (ProcessBench's: the first wrong step, or -1) when a person made it:

        - a teacher's own step verdict makes the label what it is (source "teacher"): they marked the first
          error in force as incorrect; or, for -1, every step now stands as correct and they set at least one
          step the verifier had not called correct (cleared its flag, or checked what it could not);
        - or the grade was confirmed as a whole (source "confirmed"): the first error in force.

        Otherwise (only the score or the final answer changed, or the first error in force is one of the
        verifier's flags) the label rests on the verifier, and `person` is False."""
        label = -1 if self.first_error is None else self.first_error
        if self.first_error is not None:
            step = self.first_error_step
            teacher_made = step is not None and step.teacher_verdict == INCORRECT
        else:
            teacher_made = all(s.in_force == CORRECT for s in self.steps) and any(
                s.teacher_verdict and s.verdict != CORRECT for s in self.steps
            )
        if teacher_made:
            return FirstErrorLabel(label=label, person=True, source="teacher")
        if self.confirmed:
            return FirstErrorLabel(label=label, person=True, source="confirmed")
        return FirstErrorLabel(label=label, person=False, source="verifier")

    @property
    def full_marks(self) -> bool:
        return self.score is not None and self.points > 0 and self.score >= self.points
