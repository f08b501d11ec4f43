"""Shared fixtures. Factories live in tests/factories.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.skipping import skip_unless_ci

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        skip_unless_ci(f"../shared/data is not present at {SHARED_DATA}; this test measures on the shared datasets")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached renderings live in the (local-memory) cache: each test starts empty.

    The model tiers (tests/vllm, tests/ocr) run some tests in venvs without Django: there is no cache to clear."""
    try:
        from django.core.cache import cache
    except ImportError:
        yield
        return
    cache.clear()
    yield
    cache.clear()
