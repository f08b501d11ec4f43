"""`manage.py evaluate_verifier --backend openai` against the real vLLM server, configured only by VERIFIER_* variables.

What an operator does to check a deployment (`make evaluate BACKEND=openai`): no --backend-options, the model
server, model name and tokenizer come from the environment the workers use.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RECORDS = [
    {"id": "v-0", "problem": "Compute 3 * (4 + 5).", "steps": ["4 + 5 = 9", "3 * 9 = 28"], "label": 1},
    {"id": "v-1", "problem": "Solve $3x + 5 = 20$.", "steps": ["3x = 15", "x = 5"], "label": -1},
]


def test_evaluate_verifier_runs_the_openai_backend_from_the_verifier_settings_alone(vllm_server, tmp_path):
    dataset = tmp_path / "tiny.json"
    dataset.write_text(json.dumps(RECORDS))
    rows = tmp_path / "rows.jsonl"
    env = {
        "PATH": "/usr/bin:/bin",
        "VERIFIER_BASE_URL": vllm_server.url,
        "VERIFIER_MODEL": vllm_server.model,
        "VERIFIER_TOKENIZER_PATH": str(vllm_server.model_dir),
        "VERIFIER_STRUCTURED_OUTPUTS": "true",
        "VERIFIER_MAX_TOKENS": "300",
        "VERIFIER_TIMEOUT": "120",
    }
    command = [sys.executable, "manage.py", "evaluate_verifier", "--dataset", str(dataset), "--backend", "openai"]
    done = subprocess.run(
        [*command, "--json", "--workers", "1", "--timeout", "300", "--records", str(rows)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    # every record was judged by the served model, in the verdict grammar, with the settings' model
    assert report["records"] == 2
    assert report["errors"] == 0
    assert report["timeouts"] == 0
    assert report["undecided_rate"] == 0.0
    assert report["options"]["model"] == vllm_server.model
    assert report["options"]["base_url"] == vllm_server.url
    outcomes = [json.loads(line) for line in rows.read_text().splitlines()]
    assert [row["status"] for row in outcomes] == ["ok", "ok"]
    assert all(row["prediction"] is not None for row in outcomes)
