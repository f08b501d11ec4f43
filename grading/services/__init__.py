"""Writes for grading, by sub-domain. Every state change of a submission goes through
`state.submission_transition`, which checks the state machine and writes the audit event in the same
transaction; side effects (queueing) run only after commit.

- `submitting`: a student hands in an attempt (`submission_create`), and enqueueing;
- `pipeline`: what a worker runs (`submission_claim`, `submission_grade`);
- `overrides`: teachers' actions (`step_override`, `score_override`, `review_accept`, `submission_regrade`);
- `sweep`: re-enqueue what is stuck (`grading_sweep`);
- `hints`: a student asks for a hint (`hint_request`), and a worker writes one with a language model (`hint_write`);
- `fixing`: "fix from here", a new attempt that keeps the verified steps (`fix_submit`);
- `requests`: students' regrade requests and teachers' answers (`regrade_request_create`, `regrade_request_answer`);
- `bulk`: regrading a problem or an assignment at once (`regrade_run_create`);
- `exceptions`: per-student extensions, extra attempts and extra time (`student_exception_set`, `..._clear`);
- `state`: the state machine and the row lock.
"""

from ..errors import GradingError, GradingPermissionError, IllegalTransition, SubmissionError
from ..retry_policy import MAX_GRADING_ATTEMPTS
from ..scoring import compute_score
from ..tutoring.reuse import prune as verdict_cache_prune
from .bulk import regrade_run_create, regrade_scope
from .exceptions import student_exception_clear, student_exception_set
from .fixing import fix_submit
from .hints import HintError, hint_request, hint_write
from .overrides import (
    final_answer_override,
    review_accept,
    rubric_tick,
    score_override,
    score_override_clear,
    step_override,
    step_override_clear,
    submission_regrade,
)
from .pipeline import MAX_GRADING_RESTARTS, Claim, submission_claim, submission_grade
from .requests import may_request as may_request_regrade
from .requests import regrade_request_answer, regrade_request_create
from .state import ALLOWED_TRANSITIONS, submission_transition
from .submitting import grading_enqueue, submission_create, too_many_steps_message
from .sweep import grading_sweep

__all__ = [
    "ALLOWED_TRANSITIONS",
    "MAX_GRADING_ATTEMPTS",
    "MAX_GRADING_RESTARTS",
    "Claim",
    "GradingError",
    "GradingPermissionError",
    "HintError",
    "IllegalTransition",
    "SubmissionError",
    "compute_score",
    "final_answer_override",
    "fix_submit",
    "grading_enqueue",
    "grading_sweep",
    "hint_request",
    "hint_write",
    "may_request_regrade",
    "regrade_request_answer",
    "regrade_request_create",
    "regrade_run_create",
    "regrade_scope",
    "review_accept",
    "rubric_tick",
    "score_override",
    "score_override_clear",
    "step_override",
    "step_override_clear",
    "student_exception_clear",
    "student_exception_set",
    "submission_claim",
    "submission_create",
    "submission_grade",
    "submission_regrade",
    "submission_transition",
    "too_many_steps_message",
    "verdict_cache_prune",
]
