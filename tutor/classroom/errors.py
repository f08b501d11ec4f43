"""The classroom app's one error type. Views catch `ClassroomError` and show `messages` to the user as is."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError


class ClassroomError(Exception):
    """A request the user can fix (or may not make). `code` says which, for tests and callers."""

    def __init__(self, message: str | Iterable[str], code: str = "invalid") -> None:
        self.messages = [message] if isinstance(message, str) else list(message)
        self.code = code
        super().__init__(" ".join(self.messages))

    @property
    def message(self) -> str:
        return " ".join(self.messages)

    @classmethod
    def from_validation(cls, exc: ValidationError) -> ClassroomError:
        """A model's `full_clean` error, as one message per field ("Max attempts: ...")."""
        if hasattr(exc, "error_dict"):
            messages = [
                f"{field.replace('_', ' ').capitalize()}: {message}" if field != "__all__" else message
                for field, errors in exc.message_dict.items()
                for message in errors
            ]
        else:
            messages = list(exc.messages)
        return cls(messages, code="invalid")


class DuplicateProblemSet(ClassroomError):
    """A problem set whose title is already an assignment in the class: the teacher chooses what to do."""

    def __init__(self, *, title: str, assignment_id: int, started: bool) -> None:
        self.title, self.assignment_id, self.started = title, assignment_id, started
        super().__init__(f"This class already has an assignment called “{title}”.", code="duplicate")


class ProblemSetError(ClassroomError):
    """A problem-set file that cannot be imported; `errors` lists every problem found, each naming its place."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors = list(errors)
        super().__init__(self.errors, code="bad_problem_set")
