"""The insight app's one error type. Views catch `InsightError` and show `message`; `code` says which refusal."""

from __future__ import annotations


class InsightError(Exception):
    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
