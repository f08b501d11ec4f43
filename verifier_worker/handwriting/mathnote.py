"""The `mathnote-ocr` recogniser (pip install .[handwriting]): pen strokes to LaTeX on the CPU, bundled weights.

Imported only through `recognition.get_recogniser("mathnote")`, which only the ocr worker calls: this module
imports torch and mathnote_ocr inside the constructor, never at import time.

The engine is told what this app expects (its `Vocabulary`): school algebra uses digits, operators and
relations, brackets, fraction bars, roots and a handful of letters. Excluding the rest (Greek, most of the
alphabet) keeps a hurried 5 from reading as an s and a 0 from reading as an o. `symbols=` overrides the set.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from .recognition import Reading, RecogniserUnavailable, Recognition, RecognitionFailed
from .strokes import StrokeLine
from .text import step_text

SCHOOL_ALGEBRA_SYMBOLS = frozenset(
    [*"0123456789", "+", "-", "=", "(", ")", "[", "]", "<", ">", ",", "leq", "geq", "neq", "times", "cdot", "div",
     "pm", "slash", "frac_bar", "sqrt", "dot", "x", "y", "z", "a", "b", "c", "n", "t", "pi"]
)  # fmt: skip
# Capitals written where the lower-case letter is meant.
ALIASES = {"X_cap": "x", "Y_cap": "y", "Z_cap": "z"}
MODEL = "mathnote-ocr"


class MathNoteRecogniser:
    name = "mathnote"

    def __init__(self, *, top_k: int = 3, threads: int = 1, symbols: Iterable[str] | None = None, **_: Any) -> None:
        try:
            import torch
            from mathnote_ocr import MathOCR, Vocabulary, __version__
        except ImportError as exc:
            raise RecogniserUnavailable(
                f"mathnote-ocr is not installed in this worker ({exc}); install it with pip install .[handwriting]"
            ) from exc
        # One inference thread per worker process: on a small machine several processes share the cores, and
        # torch's default (one thread per core in every process) makes them fight.
        torch.set_num_threads(max(1, threads))
        self.top_k = max(1, top_k)
        self.engine = MathOCR()
        keep = frozenset(symbols) if symbols is not None else SCHOOL_ALGEBRA_SYMBOLS
        labels = self.engine.classifier.label_names
        aliases = {src: dst for src, dst in ALIASES.items() if dst in keep and src in labels}
        self.vocabulary = Vocabulary(exclude=[n for n in labels if n not in keep and n not in aliases], aliases=aliases)
        self.vocabulary.check(labels)
        self.version = f"{__version__}+torch{torch.__version__}"
        self.parameters: dict[str, Any] = {
            "config": "default",
            "top_k": self.top_k,
            "threads": max(1, threads),
            "symbols": sorted(keep & set(labels)),
        }

    def recognise(self, line: StrokeLine) -> Recognition:
        started = time.perf_counter()
        strokes = [list(stroke) for stroke in line.strokes]
        expression = self.engine.detect(strokes, top_k=self.top_k, vocabulary=self.vocabulary)
        latency_ms = (time.perf_counter() - started) * 1000
        readings: list[Reading] = []
        for candidate in [expression, *expression.alternatives]:
            latex = (candidate.latex or "").strip()
            text = step_text(latex)
            if text and all(r.text != text for r in readings):
                readings.append(Reading(latex=latex, text=text, confidence=float(candidate.confidence)))
        if not readings:
            raise RecognitionFailed("no symbols were recognised in this line")
        return Recognition(
            best=readings[0],
            alternatives=tuple(readings[1:]),
            model=MODEL,
            model_version=self.version,
            latency_ms=latency_ms,
            parameters=self.parameters,
        )
