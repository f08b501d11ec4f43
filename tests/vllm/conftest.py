"""The real-vLLM tier: scripts/test_vllm.sh starts the server and passes its address in the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.skipping import skip_unless_ci


@dataclass(frozen=True)
class VLLMServer:
    url: str
    model: str
    model_dir: Path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.vllm)


@pytest.fixture(scope="session")
def vllm_server() -> VLLMServer:
    url = os.environ.get("VLLM_TEST_URL")
    if not url:
        skip_unless_ci("no vLLM test server: run `make test-vllm`")
    return VLLMServer(url=url, model=os.environ["VLLM_TEST_MODEL"], model_dir=Path(os.environ["VLLM_TEST_MODEL_DIR"]))
