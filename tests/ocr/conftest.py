"""The handwriting tier (make test-ocr): the real mathnote-ocr recogniser in .venv-ocr.

Outside that venv these tests skip, except on CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

# Real Chromium through Playwright, as in tests/browser (the Write mode test uses them).
from tests.browser.conftest import browser, page, screenshot  # noqa: F401

IN_CI = os.environ.get("CI") == "true"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.ocr)


@pytest.fixture(scope="session", autouse=True)
def _needs_mathnote() -> None:
    if importlib.util.find_spec("mathnote_ocr") is None or importlib.util.find_spec("HersheyFonts") is None:
        message = "mathnote-ocr and hershey-fonts are not installed here: run `make test-ocr`"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
