"""The ocr worker in docker-compose.yml and the Dockerfile's handwriting build (parsed; no Docker engine here)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_the_ocr_worker_consumes_only_the_ocr_queue_one_line_at_a_time():
    ocr = SERVICES["worker-ocr"]
    assert ocr["profiles"] == ["handwriting"]
    assert "-Q ocr " in ocr["command"]
    assert "--concurrency ${OCR_WORKER_CONCURRENCY:-1}" in ocr["command"]
    assert str(ocr["environment"]["CELERY_WORKER_PREFETCH_MULTIPLIER"]) == "1"
    assert ocr["build"]["args"]["EXTRAS"] == "handwriting"
    # the other workers never take ocr tasks, and the web only offers the Write mode when told an ocr worker runs
    assert "ocr" not in SERVICES["worker"]["command"]
    assert SERVICES["web"]["environment"]["HANDWRITING_RECOGNITION"] == "${HANDWRITING_RECOGNITION:-off}"


def test_the_image_installs_the_extra_only_when_asked():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "ARG EXTRAS=" in dockerfile
    assert 'pip install --no-cache-dir ".${EXTRAS:+[$EXTRAS]}"' in dockerfile
