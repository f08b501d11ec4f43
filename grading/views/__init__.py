"""Grading's pages: `pages` (home, class, assignment and problem pages with the student's work) and
`submissions` (feedback, teachers' actions, review queue, gradebook, audit)."""

from .pages import assignment_detail, course_detail, home, problem_detail, problem_preview, problem_submit
from .submissions import (
    gradebook,
    regrade,
    review_accept,
    review_queue,
    score_override,
    step_override,
    submission_audit,
    submission_detail,
)

__all__ = [
    "assignment_detail",
    "course_detail",
    "gradebook",
    "home",
    "problem_detail",
    "problem_preview",
    "problem_submit",
    "regrade",
    "review_accept",
    "review_queue",
    "score_override",
    "step_override",
    "submission_audit",
    "submission_detail",
]
