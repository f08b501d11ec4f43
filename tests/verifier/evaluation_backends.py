"""A real backend for the evaluation tests that can hang or crash its process, steered by the step text.

It exists to test the evaluation runner's time limit and crash handling with real processes: a step containing
"HANG" sleeps far past any limit, "EXIT" ends the worker process abruptly; everything else behaves like `fake`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

from verifier_worker.backends.fake import FakeVerifier
from verifier_worker.types import VerificationRequest, VerificationResult


class HangingVerifier:
    name = "hanging"

    def __init__(self, **options: Any) -> None:
        self.fake = FakeVerifier(**options)

    def verify_batch(self, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        for request in requests:
            for step in request.steps:
                if "HANG" in step.text:
                    time.sleep(3600)
                if "EXIT" in step.text:
                    os._exit(3)
        return self.fake.verify_batch(requests)
