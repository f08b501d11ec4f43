"""A submission's grade from its verdicts: the verifier's, with the teacher's decisions applied, scored by the one
score policy (grading.scoring). Grading, overrides and regrades all come through `refresh_grade`."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from ..models import Hint, Step, Submission
from ..scoring import RubricItem, ScoreInput, ScoreResult, StepVerdictIn, score_solution

INCORRECT = Step.Verdict.INCORRECT


def effective_first_error(submission: Submission, steps: Sequence[Step]) -> int | None:
    """The first error once teachers' step verdicts are applied.

    The verifier's first error stands unless a teacher changed that step; a step a teacher marked wrong is an
    error; later steps the verifier flagged become the first error when the one before them is cleared. Flags the
    verifier made *before* its own first error (low-confidence ones it chose not to lead with) stay second.
    """
    auto = submission.auto_first_error_index
    candidates = set()
    for step in steps:
        if step.teacher_verdict:
            if step.teacher_verdict == INCORRECT:
                candidates.add(step.index)
        elif step.verdict == INCORRECT and (auto is None or step.index >= auto):
            candidates.add(step.index)
    if auto is not None and not any(step.index == auto and step.teacher_verdict for step in steps):
        candidates.add(auto)
    return min(candidates) if candidates else None


def effective_final_answer(submission: Submission) -> str:
    return submission.teacher_final_answer or submission.auto_final_answer_verdict


def rubric_of(submission: Submission) -> tuple[RubricItem, ...]:
    raw = submission.problem.rubric if isinstance(submission.problem.rubric, list) else []
    return tuple(RubricItem.from_dict(item) for item in raw if isinstance(item, dict))


def score_input(submission: Submission, steps: Sequence[Step]) -> ScoreInput:
    problem = submission.problem
    assignment = problem.assignment
    reference = problem.reference_solution if isinstance(problem.reference_solution, list) else []
    ticks = {int(k): bool(v) for k, v in (submission.rubric_ticks or {}).items()}
    return ScoreInput(
        points=Decimal(problem.points),
        steps=tuple(StepVerdictIn(index=s.index, text=s.text, verdict=s.effective_verdict) for s in steps),
        first_error_index=effective_first_error(submission, steps),
        final_answer=effective_final_answer(submission),
        scoring=problem.scoring,
        final_answer_percent=problem.final_answer_percent,
        reference_steps=tuple(str(step) for step in reference),
        rubric=rubric_of(submission),
        rubric_ticks=ticks,
        late_penalty_percent=assignment.late_penalty_percent,
        is_late=submission.is_late,
        hint_cost_percents=hint_costs(submission),
    )


def hint_costs(submission: Submission) -> tuple[int, ...]:
    """The cost of each hint the student had on this problem before submitting this attempt (grading.scoring)."""
    if submission.pk is None or submission.submitted_at is None:
        return ()
    return tuple(
        Hint.objects.filter(
            problem_id=submission.problem_id, student_id=submission.student_id, created_at__lt=submission.submitted_at
        )
        .order_by("created_at", "id")
        .values_list("cost_percent", flat=True)
    )


def refresh_grade(submission: Submission, steps: Sequence[Step] | None = None) -> ScoreResult:
    """Set the submission's first error, final-answer verdict, score and score detail from its verdicts and the
    teacher's decisions. The caller saves (`GRADE_FIELDS`)."""
    steps = list(submission.steps.order_by("index")) if steps is None else list(steps)
    data = score_input(submission, steps)
    result = score_solution(data)
    submission.first_error_index = data.first_error_index
    submission.final_answer_verdict = data.final_answer
    teacher = submission.teacher_score
    submission.score = teacher if teacher is not None else result.score
    submission.score_detail = {
        "parts": [[part.label, str(part.earned), str(part.possible)] for part in result.parts],
        "late_factor": str(result.late_factor),
        "needs_teacher": result.needs_teacher,
        "teacher_score": None if teacher is None else str(teacher),
    }
    return result


GRADE_FIELDS = ("first_error_index", "final_answer_verdict", "score", "score_detail")


def automatic_score(submission: Submission, steps: Sequence[Step]) -> ScoreResult:
    """The score the verifier's verdicts alone earn (no teacher decisions): kept for the record."""
    data = score_input(submission, steps)
    plain = tuple(StepVerdictIn(index=s.index, text=s.text, verdict=s.verdict) for s in steps)
    return score_solution(
        ScoreInput(
            points=data.points,
            steps=plain,
            first_error_index=submission.auto_first_error_index,
            final_answer=submission.auto_final_answer_verdict,
            scoring=data.scoring,
            final_answer_percent=data.final_answer_percent,
            reference_steps=data.reference_steps,
            rubric=data.rubric,
            late_penalty_percent=data.late_penalty_percent,
            is_late=data.is_late,
            hint_cost_percents=data.hint_cost_percents,
        )
    )
