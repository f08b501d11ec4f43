"""Run a backend over many verification requests in worker processes, each solution under a time limit.

Verification runs the backend directly (no Celery) in `spawn`ed worker processes, with a per-solution time limit:
a worker that runs past it is killed and replaced, and the solution counts as a timeout; a verification that
raises counts as an error. Neither stops the run. Each worker registers the extra backends into its own
`verifier_worker.registry` before building the verifier, so a cascade whose LLM stage is an extra backend works.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from .. import registry
from ..registry import BackendSpec
from ..types import VerificationRequest, Verifier
from .records import EvaluationError, Outcome

DEFAULT_TIMEOUT_S = 30.0
# A worker that cannot import its backend and build the verifier within this time is reported as broken.
STARTUP_TIMEOUT_S = 120.0

Extra = Mapping[str, str | BackendSpec]


def verify_one(verifier: Verifier, request: VerificationRequest) -> Outcome:
    started = time.perf_counter()
    try:
        [result] = verifier.verify_batch([request])
    except Exception as exc:  # one broken solution must not stop the evaluation; it is counted
        return Outcome(status="error", message=f"{type(exc).__name__}: {exc}"[:500])
    elapsed_ms = (time.perf_counter() - started) * 1000
    first = result.first_error
    return Outcome(
        status="ok",
        prediction=-1 if result.first_error_index is None else result.first_error_index,
        confidence=first.confidence if first is not None else None,
        verdicts=tuple(verdict.verdict for verdict in result.steps),
        ms=elapsed_ms,
        undecided=bool(result.undecided_reason),
    )


def _worker_main(conn: Connection, backend: str, options: dict[str, Any], extra: dict[str, str | BackendSpec]) -> None:
    try:
        registry.register_extra(extra)
        verifier = registry.get_verifier(backend, options)
    except Exception as exc:
        conn.send(("fatal", f"backend {backend!r} cannot be built: {type(exc).__name__}: {exc}"))
        return
    conn.send(("ready",))
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        index, request = message
        conn.send(("done", index, verify_one(verifier, request)))


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    spawned_at: float
    ready: bool = False
    current: int | None = None
    started_at: float = 0.0

    def stop(self, *, kill: bool) -> None:
        if kill and self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


@dataclass
class _Pool:
    backend: str
    options: dict[str, Any]
    extra: dict[str, str | BackendSpec]
    size: int
    timeout_s: float
    context: Any = field(default_factory=lambda: multiprocessing.get_context("spawn"))
    workers: list[_Worker] = field(default_factory=list)

    def spawn(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(
            target=_worker_main,
            args=(child, self.backend, self.options, self.extra),
            # Not a daemon, so a backend may start processes of its own; an orphaned worker exits on EOF.
            daemon=False,
            name="evaluate-verifier",
        )
        process.start()
        child.close()
        return _Worker(process=process, conn=parent, spawned_at=time.monotonic())

    def replace(self, worker: _Worker) -> None:
        worker.stop(kill=True)
        self.workers[self.workers.index(worker)] = self.spawn()

    def run(self, requests: Sequence[VerificationRequest]) -> list[Outcome]:
        outcomes: dict[int, Outcome] = {}
        pending = deque(range(len(requests)))
        self.workers = [self.spawn() for _ in range(min(self.size, len(requests)))]
        try:
            while len(outcomes) < len(requests):
                self._dispatch(pending, requests)
                self._collect(outcomes)
                self._enforce_limits(outcomes)
        finally:
            for worker in self.workers:
                if worker.process.is_alive() and worker.current is None:
                    with contextlib.suppress(BrokenPipeError, OSError):
                        worker.conn.send(None)
                worker.stop(kill=worker.current is not None)
        return [outcomes[i] for i in range(len(requests))]

    def _dispatch(self, pending: deque[int], requests: Sequence[VerificationRequest]) -> None:
        for worker in self.workers:
            if worker.ready and worker.current is None and pending:
                index = pending.popleft()
                worker.conn.send((index, requests[index]))
                worker.current, worker.started_at = index, time.monotonic()

    def _next_deadline(self) -> float:
        deadlines = [
            worker.started_at + self.timeout_s if worker.ready else worker.spawned_at + STARTUP_TIMEOUT_S
            for worker in self.workers
            if worker.current is not None or not worker.ready
        ]
        return max(0.0, min(deadlines) - time.monotonic()) if deadlines else 1.0

    def _collect(self, outcomes: dict[int, Outcome]) -> None:
        for ready in wait([worker.conn for worker in self.workers], timeout=self._next_deadline()):
            worker = next(w for w in self.workers if w.conn is ready)
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                if worker.current is not None:
                    outcomes[worker.current] = Outcome(status="error", message="the worker process died")
                    worker.current = None
                elif not worker.ready:
                    raise EvaluationError("a worker process died while starting") from None
                self.replace(worker)
                continue
            if message[0] == "fatal":
                raise EvaluationError(message[1])
            if message[0] == "ready":
                worker.ready = True
            elif message[0] == "done":
                outcomes[message[1]] = message[2]
                worker.current = None

    def _enforce_limits(self, outcomes: dict[int, Outcome]) -> None:
        now = time.monotonic()
        for worker in list(self.workers):
            if not worker.ready and now - worker.spawned_at > STARTUP_TIMEOUT_S:
                raise EvaluationError(f"a worker could not start backend {self.backend!r} in {STARTUP_TIMEOUT_S:.0f}s")
            if worker.current is not None and now - worker.started_at > self.timeout_s:
                outcomes[worker.current] = Outcome(
                    status="timeout", message=f"no result within {self.timeout_s:g}s; the worker was killed"
                )
                worker.current = None
                self.replace(worker)


def run_verifier(
    requests: Sequence[VerificationRequest],
    *,
    backend: str,
    options: Mapping[str, Any] | None = None,
    workers: int = 1,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    extra_backends: Extra | None = None,
) -> list[Outcome]:
    """One outcome per request, in order. workers=0 runs in this process (no time limit: for debugging).

    `extra_backends` (name -> spec or "module:Class") are registered into the registry of every process that
    builds the verifier, this one included when workers=0."""
    extra = dict(extra_backends or {})
    if not requests:
        return []
    if workers <= 0:
        try:
            registry.register_extra(extra)
            verifier = registry.get_verifier(backend, dict(options or {}))
        except Exception as exc:
            raise EvaluationError(f"backend {backend!r} cannot be built: {type(exc).__name__}: {exc}") from exc
        return [verify_one(verifier, request) for request in requests]
    pool = _Pool(backend=backend, options=dict(options or {}), extra=extra, size=workers, timeout_s=timeout_s)
    return pool.run(requests)
