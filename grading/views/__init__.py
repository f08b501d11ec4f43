"""Grading's pages: `pages` (home, class, assignment and problem pages with the student's work) and
`submissions` (feedback, teachers' actions, review queue, gradebook, audit) and `tutoring` (hints, fix from here)."""

from .pages import assignment_detail, course_detail, home, problem_detail, problem_preview, problem_submit
from .submissions import (
    final_answer_override,
    gradebook,
    regrade,
    review_accept,
    review_queue,
    rubric_tick,
    score_override,
    score_override_clear,
    step_override,
    step_override_clear,
    submission_audit,
    submission_detail,
)
from .tutoring import (
    problem_hint,
    problem_hints,
    submission_fix,
    submission_fix_preview,
    submission_fix_submit,
    submission_hint,
    submission_hints,
)

__all__ = [
    "assignment_detail",
    "course_detail",
    "final_answer_override",
    "gradebook",
    "home",
    "problem_detail",
    "problem_hint",
    "problem_hints",
    "problem_preview",
    "problem_submit",
    "regrade",
    "review_accept",
    "review_queue",
    "rubric_tick",
    "score_override",
    "score_override_clear",
    "step_override",
    "step_override_clear",
    "submission_audit",
    "submission_detail",
    "submission_fix",
    "submission_fix_preview",
    "submission_fix_submit",
    "submission_hint",
    "submission_hints",
]
