"""A small OpenAI-compatible HTTP server on loopback, started by the tests themselves, and a ChatML tokenizer folder.

It is a real server (http.server in a thread): the backends talk HTTP to it exactly as they talk to vLLM. Each
test gives it a handler `(path, body) -> (status, answer)` and reads back the requests it received.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CHATML = (
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

Handler = Callable[[str, dict[str, Any]], tuple[int, dict[str, Any]]]


class LoopbackServer:
    def __init__(self, handle: Handler) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        outer = self

        class _H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with outer._lock:
                    outer.requests.append((self.path, body))
                status, answer = handle(self.path, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def write_tokenizer(folder: Path) -> Path:
    """A tokenizer folder whose only content is a ChatML chat template, enough to render ThinkPRM's prompt."""
    (folder / "tokenizer_config.json").write_text(json.dumps({"chat_template": CHATML, "eos_token": "<|im_end|>"}))
    return folder


def vllm_like(chains: list[str], p_yes: float = 0.9, model: str = "verifier") -> Handler:
    """Answers like vLLM: generation calls get `chains` (n of them), scoring calls get yes/no logprobs."""

    def handle(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body.get("model") != model:
            return 404, {"error": {"message": f"The model `{body.get('model')}` does not exist."}}
        if body.get("max_tokens") == 1:
            top = {"yes": math.log(p_yes), "no": math.log(1 - p_yes), "maybe": -9.0}
            choice = {"index": 0, "text": "yes", "finish_reason": "length", "logprobs": {"top_logprobs": [top]}}
            return 200, {"choices": [choice], "usage": {"prompt_tokens": 50, "completion_tokens": 1}}
        n = body.get("n", 1)
        choices = [
            {"index": k, "text": chains[k % len(chains)], "finish_reason": "stop", "token_ids": list(range(10 + k))}
            for k in range(n)
        ]
        return 200, {
            "choices": choices,
            "usage": {"prompt_tokens": 40, "completion_tokens": sum(10 + k for k in range(n))},
        }

    return handle
