"""Grading's pages: `pages` (home, class, assignment and problem pages with the student's work) and
`submissions` (feedback, teachers' actions, review queue, gradebook, audit)."""

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

__all__ = [
    "assignment_detail",
    "course_detail",
    "final_answer_override",
    "gradebook",
    "home",
    "problem_detail",
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
]
