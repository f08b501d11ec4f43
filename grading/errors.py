"""The grading app's one error type. Views catch `GradingError` and show `message`; `code` says which refusal."""

from __future__ import annotations


class GradingError(Exception):
    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class SubmissionError(GradingError):
    """A submission (or a teacher's change to one) was refused. The message is shown to the user as is."""


class IllegalTransition(GradingError):
    """The state machine does not allow this move now (e.g. regrading while grading is still running)."""

    def __init__(self, message: str, code: str = "illegal_transition") -> None:
        super().__init__(message, code)


class GradingPermissionError(GradingError):
    """The acting user may not do this to this submission."""

    def __init__(self, message: str, code: str = "forbidden") -> None:
        super().__init__(message, code)
