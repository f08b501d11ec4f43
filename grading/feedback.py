"""What the feedback page shows: view-models built from a submission's stored verdicts. Reads go through
grading.selectors; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tutor.classroom import access
from tutor.classroom.access import AnyUser
from tutor.classroom.rendering import render_text_with_math
from verifier_worker import reuse as verdict_reuse
from verifier_worker.types import CONFIDENT

from . import selectors
from .models import Override, Step, Submission, VerificationRun
from .services.fixing import fix_start
from .tutoring import hints as tutoring_hints
from .tutoring.findings import StepFacts, is_unfinished

STAGES: tuple[tuple[str, str], ...] = (
    (Submission.Status.QUEUED, gettext_noop("Waiting for a worker")),
    (Submission.Status.SEGMENTING, gettext_noop("Splitting into steps")),
    (Submission.Status.VERIFYING, gettext_noop("Checking steps")),
)


@dataclass(frozen=True)
class StepView:
    index: int
    text_html: SafeString
    # The verdict in force (the teacher's when a teacher set one).
    verdict: str
    # What the page shows: correct, first_error, incorrect, not_checked_after_error, unverified, pending.
    state: str
    label: str
    icon: str
    # Shown to teachers only; students learn what to do from the label ("First error" vs "Check this step").
    confidence: float | None
    explanation: str
    hint: str
    checker: str
    is_first_error: bool
    confident: bool
    # A teacher's verdict on this step: the student sees it, with the reason, as the teacher's.
    by_teacher: bool = False
    teacher_reason: str = ""
    # What the checker said, kept beside the teacher's verdict (teachers see both).
    checker_verdict: str = ""
    checker_explanation: str = ""
    # How the step stands beyond its verdict: on the reference path, another route, could not be read as math.
    note: str = ""
    route: str = ""
    reason_code: str = ""
    # Its verdict came from the verdict cache: the same step, after the same steps, was checked before.
    reused: bool = False

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def confidence_percent(self) -> int | None:
        return None if self.confidence is None else round(self.confidence * 100)


@dataclass(frozen=True)
class Decision:
    """A teacher decision in force, and whether the verifier's latest verdict agrees with it."""

    what: str
    teacher_says: str
    checker_says: str
    reason: str

    @property
    def agrees(self) -> bool:
        return self.teacher_says == self.checker_says


@dataclass(frozen=True)
class Reuse:
    """Steps whose verdicts were reused (1-based numbers), and the time and tokens that saved."""

    steps: tuple[int, ...]
    saved_ms: float
    saved_tokens: int
    fixed_from_attempt: int | None = None

    @property
    def steps_text(self) -> str:
        if len(self.steps) == 1:
            return _("Step %(n)s") % {"n": self.steps[0]}
        if self.steps == tuple(range(self.steps[0], self.steps[-1] + 1)):
            return _("Steps %(first)s–%(last)s") % {"first": self.steps[0], "last": self.steps[-1]}
        return _("Steps %(list)s") % {"list": ", ".join(str(n) for n in self.steps)}

    @property
    def saved_text(self) -> str:
        if self.saved_ms >= 1000:
            return _("about %(seconds)s s") % {"seconds": f"{self.saved_ms / 1000:.1f}"}
        return _("about %(ms)s ms") % {"ms": f"{self.saved_ms:.1f}" if self.saved_ms < 10 else f"{self.saved_ms:.0f}"}


@dataclass(frozen=True)
class Progress:
    stage: str
    stage_label: str
    stage_number: int
    stages: tuple[tuple[str, str, str], ...]  # (status, label, "done" | "current" | "todo")
    steps_total: int
    steps_checked: int


@dataclass(frozen=True)
class Feedback:
    submission: Submission
    is_final: bool
    viewer_is_staff: bool
    progress: Progress | None
    steps: tuple[StepView, ...]
    first_error: StepView | None
    final_answer_verdict: str
    final_answer_label: str
    # None while the grade waits for a teacher (students see "waiting for your teacher", not a number).
    score: Decimal | None
    points: Decimal
    viewer_can_grade: bool = False
    latest_run: VerificationRun | None = None
    overrides: tuple[Override, ...] = field(default_factory=tuple)
    # How the score was computed: (label, earned, possible), and the late factor when it applied.
    score_parts: tuple[tuple[str, str, str], ...] = ()
    late_factor: str = "1"
    final_answer_by_teacher: bool = False
    final_answer_reason: str = ""
    score_by_teacher: bool = False
    score_reason: str = ""
    # Teachers' decisions in force, each with whether the latest verdicts agree (shown to teachers).
    decisions: tuple[Decision, ...] = ()
    waiting_for_teacher: bool = False
    # Grading is taking longer than it should (no worker, a busy model server): the page says the work is saved.
    slow: bool = False
    # No final answer yet and the steps so far are right (not a wrong final answer).
    unfinished: bool = False
    # Steps not checked again because this exact prefix was checked before, and what that saved.
    reuse: Reuse | None = None
    # "Fix from step k": where a new attempt would start (None: nothing to fix here).
    fix_start: int | None = None

    @property
    def unchecked_count(self) -> int:
        """Steps the checker could not decide (not those skipped after the first error)."""
        return sum(1 for step in self.steps if step.state == "unverified")

    @property
    def disagreements(self) -> tuple[Decision, ...]:
        return tuple(decision for decision in self.decisions if not decision.agrees)


def sanitize_text(text: str) -> SafeString:
    """Student and model text, shown as text: tags (a <script> included) are escaped, never interpreted.

    Its $...$ math is left for KaTeX; a dollar that is a price ("$4 is $108") is kept out of KaTeX's reach.
    """
    return mark_safe(render_text_with_math(text or ""))  # noqa: S308 - every HTML special character is escaped


def verdict_word(verdict: str) -> str:
    return {"correct": _("correct"), "incorrect": _("wrong"), "unverified": _("not decided")}.get(verdict, verdict)


def _step_view(
    step: Step,
    *,
    first_error_index: int | None,
    graded: bool,
    reveal: bool,
    staff: bool,
    facts: StepFacts | None = None,
    unreadable_note: str = "",
) -> StepView:
    verdict = step.effective_verdict
    by_teacher = bool(step.teacher_verdict)
    confident = by_teacher or (step.confidence is not None and step.confidence >= CONFIDENT)
    after_error = first_error_index is not None and step.index > first_error_index
    is_first = first_error_index is not None and step.index == first_error_index
    route = facts.route if facts is not None else ""
    reason = facts.reason_code if facts is not None else ""
    note = ""
    if not graded:
        state, label, icon = "pending", _("Not checked yet"), "…"
    elif by_teacher:
        word = verdict_word(verdict)
        state = (
            "first_error" if is_first else {"correct": "correct", "incorrect": "incorrect"}.get(verdict, "unverified")
        )
        label = (
            _("Your teacher: %(verdict)s") % {"verdict": word}
            if not staff
            else _("Teacher: %(verdict)s") % {"verdict": word}
        )
        label = _("First error (your teacher)") if is_first and not staff else label
        icon = {"correct": "✓", "incorrect": "✗"}.get(verdict, "?")
    elif is_first:
        state = "first_error"
        label, icon = (_("First error"), "✗") if confident else (_("Check this step"), "⚠")
    elif verdict == Step.Verdict.CORRECT:
        state, label, icon = "correct", _("Checked: correct"), "✓"
        if route == "other":
            note = _("A valid step on a different route than expected.")
        elif route == "reference":
            note = _("On the expected path.") if staff else ""
    elif verdict == Step.Verdict.INCORRECT:
        state, label, icon = "incorrect", _("Also flagged"), "✗"
    elif after_error:
        state, label, icon = "not_checked_after_error", _("Not checked after the first error"), "–"
    elif reason == "unreadable":
        state, label, icon = "unverified", _("Couldn't read as math"), "?"
        note = unreadable_note
    elif reason == "no_math":
        state, label, icon = "unverified", _("In words: not checked"), "·"
    else:
        state, label, icon = "unverified", _("Not checked"), "?"
    if by_teacher:
        # The teacher's reason replaces the checker's explanation for the student; teachers see both.
        shown = step.teacher_reason
    else:
        # The student sees the hint when corrections are not revealed; teachers always see the full explanation.
        shown = step.explanation
        if not staff and not reveal and step.hint:
            shown = step.hint
    return StepView(
        index=step.index,
        text_html=sanitize_text(step.text),
        verdict=verdict if graded else "pending",
        state=state,
        label=label,
        icon=icon,
        # Confidence is for teachers; a step nobody could check has none worth showing ("0%" reads as "wrong").
        confidence=step.confidence if staff and graded and not by_teacher and state != "unverified" else None,
        explanation=shown,
        hint=step.hint,
        checker=step.checker,
        is_first_error=is_first,
        confident=confident,
        by_teacher=by_teacher,
        teacher_reason=step.teacher_reason,
        checker_verdict=step.verdict,
        checker_explanation=step.explanation if staff else "",
        note=note,
        route=route,
        reason_code=reason,
        reused=step.reused,
    )


def _decisions(submission: Submission, steps: list[Step]) -> tuple[Decision, ...]:
    decisions = [
        Decision(
            what=_("Step %(n)s") % {"n": step.index + 1},
            teacher_says=step.teacher_verdict,
            checker_says=step.verdict,
            reason=step.teacher_reason,
        )
        for step in steps
        if step.teacher_verdict
    ]
    if submission.teacher_final_answer:
        decisions.append(
            Decision(
                what=_("Final answer"),
                teacher_says=submission.teacher_final_answer,
                checker_says=submission.auto_final_answer_verdict,
                reason=submission.teacher_final_answer_reason,
            )
        )
    if submission.teacher_score is not None:
        auto = "" if submission.auto_score is None else f"{submission.auto_score:f}"
        decisions.append(
            Decision(
                what=_("Score"),
                teacher_says=f"{submission.teacher_score:f}",
                checker_says=auto,
                reason=submission.teacher_score_reason,
            )
        )
    return tuple(decisions)


def _progress(submission: Submission, steps: list[Step]) -> Progress:
    order = [status for status, _ in STAGES]
    current = order.index(submission.status) if submission.status in order else 0
    stages = tuple(
        (status, _(label), "done" if i < current else "current" if i == current else "todo")
        for i, (status, label) in enumerate(STAGES)
    )
    return Progress(
        stage=submission.status,
        stage_label=_(STAGES[current][1]),
        stage_number=current + 1,
        stages=stages,
        steps_total=len(steps),
        steps_checked=sum(1 for step in steps if step.verdict != Step.Verdict.UNVERIFIED),
    )


def submission_feedback(*, submission: Submission, viewer: AnyUser) -> Feedback:
    viewer_access = access.course_access(viewer, submission.problem.assignment.course_id)
    staff = viewer_access.sees_staff_pages
    steps = list(submission.steps.order_by("index"))
    graded = submission.is_final and submission.graded_at is not None
    reveal = submission.problem.assignment.reveal_corrections
    facts = tutoring_hints.facts_of(submission, steps) if graded else ()
    views = tuple(
        _step_view(
            step,
            first_error_index=submission.first_error_index,
            graded=graded,
            reveal=reveal,
            staff=staff,
            facts=facts[position] if facts else None,
            unreadable_note=_unreadable_note(submission, steps, facts[position]) if facts else "",
        )
        for position, step in enumerate(steps)
    )
    unfinished = graded and is_unfinished(
        stored=submission.unfinished,
        final_answer=submission.final_answer_verdict,
        verdicts=[f.verdict for f in facts],
        has_reference_answer=bool(submission.problem.reference_answer.strip()),
    )

    first = next((view for view in views if view.is_first_error), None)
    waiting = submission.status == Submission.Status.NEEDS_REVIEW
    detail = submission.score_detail if isinstance(submission.score_detail, dict) else {}
    parts = tuple((str(a), str(b), str(c)) for a, b, c in (p for p in detail.get("parts", []) if len(p) == 3))
    return Feedback(
        submission=submission,
        is_final=submission.is_final,
        viewer_is_staff=staff,
        progress=None if submission.is_final else _progress(submission, steps),
        steps=views,
        first_error=first,
        final_answer_verdict=submission.final_answer_verdict,
        final_answer_label=submission.get_final_answer_verdict_display(),
        # A grade waiting for a teacher is not a grade yet: students see no number.
        score=submission.score if staff or not waiting else None,
        points=Decimal(submission.problem.points),
        viewer_can_grade=viewer_access.can_grade,
        latest_run=selectors.latest_run(submission=submission) if staff else None,
        overrides=tuple(selectors.overrides(submission=submission)) if staff else (),
        score_parts=parts if staff or not waiting else (),
        late_factor=str(detail.get("late_factor", "1")),
        final_answer_by_teacher=bool(submission.teacher_final_answer),
        final_answer_reason=submission.teacher_final_answer_reason,
        score_by_teacher=submission.teacher_score is not None,
        score_reason=submission.teacher_score_reason,
        decisions=_decisions(submission, steps) if staff else (),
        waiting_for_teacher=waiting,
        slow=not submission.is_final
        and (timezone.now() - submission.submitted_at).total_seconds() > settings.GRADING_PATIENCE_SECONDS,
        unfinished=unfinished,
        reuse=_reuse(submission) if graded else None,
        fix_start=fix_start(submission, steps),
    )


def _unreadable_note(submission: Submission, steps: list[Step], facts: StepFacts) -> str:
    """For a step that could not be read as math: what to write instead, through the same no-leak filter as
    every hint (its example must not be a number the problem keeps back)."""
    if facts.verdict != Step.Verdict.UNVERIFIED or facts.reason_code != "unreadable":
        return ""
    target = tutoring_hints.HintTarget(tutoring_hints.Kind.UNREADABLE, facts.index)
    context = tutoring_hints.context_for(problem=submission.problem, submission=submission, steps=steps, target=target)
    return tutoring_hints.compose(context, 1).text


def _reuse(submission: Submission) -> Reuse | None:
    run = (
        submission.runs.filter(grading_version=submission.grading_version, error="")
        .order_by("-started_at", "-id")
        .first()
    )
    said = verdict_reuse.reported_reuse(run.parameters if run is not None and isinstance(run.parameters, dict) else {})
    steps = tuple(sorted(int(i) + 1 for i in said.get("steps", []) if isinstance(i, int)))
    if not steps:
        return None
    fixed = submission.fixed_from
    return Reuse(
        steps=steps,
        saved_ms=float(said.get("saved_ms") or 0),
        saved_tokens=int(said.get("saved_tokens") or 0),
        fixed_from_attempt=fixed.attempt_number if fixed is not None else None,
    )
