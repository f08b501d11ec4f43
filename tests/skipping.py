"""One rule for tests that need something the machine may lack (Chromium, Redis, ../shared, a vLLM server):
skip with the reason on a developer's machine, fail on CI (CI=true), where everything must be there."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI") == "true"


def skip_unless_ci(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"CI: {reason}")
    pytest.skip(reason)
