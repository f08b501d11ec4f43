"""The `mathnote-ocr` recogniser (pip install .[handwriting]): pen strokes to LaTeX on the CPU, bundled weights.

Imported only through `recognition.get_recogniser("mathnote")`, which only the ocr worker calls: this module
imports torch and mathnote_ocr inside the constructor, never at import time.

The engine is told what this app expects (its `Vocabulary`): school algebra uses digits, operators and
relations, brackets, fraction bars, roots and a handful of letters. Excluding the rest (Greek, most of the
alphabet) keeps a hurried 5 from reading as an s and a 0 from reading as an o (ALIASES). `symbols=` overrides
the set.
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
# Read as the symbol a school algebra line means: capitals as the lower-case letter, a round o as zero, an s
# (a hurried 5, the commonest misreading) as five. Their probability is added to the target's.
ALIASES = {"X_cap": "x", "Y_cap": "y", "Z_cap": "z", "o": "0", "O_cap": "0", "s": "5", "S_cap": "5"}
MODEL = "mathnote-ocr"
MAX_ALTERNATIVES = 3
# Symbols that can stand in for each other without changing the expression's structure (Expression.rename is
# only safe for those): a 1 read for a 7 is offered; a minus read for a fraction bar is not.
RENAMEABLE = frozenset([*"0123456789", "x", "y", "z", "a", "b", "c", "n", "t", "+", "=", "<", ">"])


class MathNoteRecogniser:
    name = "mathnote"

    def __init__(self, *, top_k: int = 1, threads: int = 1, symbols: Iterable[str] | None = None, **_: Any) -> None:
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
        # One grouping of the strokes (top_k=1): each further grouping costs a whole parse (about 3x the time
        # at top_k=3 for no gain in accuracy on our measurements); alternatives come from the symbols instead.
        self.top_k = max(1, top_k)
        self.keep = keep_symbols = frozenset(symbols) if symbols is not None else SCHOOL_ALGEBRA_SYMBOLS
        self.engine = MathOCR()
        keep = keep_symbols
        labels = self.engine.classifier.label_names
        aliases = {src: dst for src, dst in ALIASES.items() if dst in keep and src in labels}
        self.vocabulary = Vocabulary(exclude=[n for n in labels if n not in keep and n not in aliases], aliases=aliases)
        self.vocabulary.check(labels)
        self.version = f"{__version__}+torch{torch.__version__}"
        self.parameters: dict[str, Any] = {
            "config": "default",
            "top_k": self.top_k,
            "threads": max(1, threads),
            "symbols": " ".join(sorted(keep & set(labels))),
            "aliases": " ".join(f"{src}>{dst}" for src, dst in sorted(aliases.items())),
        }

    def _symbol_alternatives(self, expression: Any) -> list[tuple[str, float]]:
        """Other readings of the least certain symbols, each as a whole line: cheap (no new parse)."""
        if not expression or expression.tree is None:
            return []
        out = []
        ranked = sorted(expression.symbols.items(), key=lambda item: item[1].confidence)
        for sym_id, symbol in ranked[:MAX_ALTERNATIVES]:
            if symbol.name not in RENAMEABLE or symbol.confidence <= 0:
                continue
            for name, probability in symbol.alternatives or []:
                name = ALIASES.get(name, name)
                if name == symbol.name or name not in RENAMEABLE or name not in self.keep or probability < 0.05:
                    continue
                try:
                    latex = expression.rename(sym_id, name).latex
                except (KeyError, ValueError):
                    continue
                out.append((latex, expression.confidence * probability / symbol.confidence))
                break
        return sorted(out, key=lambda item: -item[1])

    def recognise(self, line: StrokeLine) -> Recognition:
        started = time.perf_counter()
        strokes = [list(stroke) for stroke in line.strokes]
        expression = self.engine.detect(strokes, top_k=self.top_k, vocabulary=self.vocabulary)
        latency_ms = (time.perf_counter() - started) * 1000
        readings: list[Reading] = []
        for latex, confidence in [
            *((c.latex, c.confidence) for c in [expression, *expression.alternatives]),
            *self._symbol_alternatives(expression),
        ]:
            latex = (latex or "").strip()
            text = step_text(latex)
            if text and all(r.text != text for r in readings) and len(readings) < 1 + MAX_ALTERNATIVES:
                readings.append(Reading(latex=latex, text=text, confidence=round(float(confidence), 4)))
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
