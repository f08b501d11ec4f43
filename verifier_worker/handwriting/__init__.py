"""Handwritten solution lines: the stroke payload and the recogniser behind the `ocr` queue. No Django here.

- `strokes`: the JSON a canvas sends for one line, parsed and validated against stated bounds, and the value
  (`StrokeLine`) that the web side stores and the recogniser reads.
- `recognition`: the frozen values a recogniser returns, its two errors, and a registry that imports a
  recogniser by name only when it is asked for, so torch loads only in the ocr worker.
- `mathnote`: the adapter for `mathnote-ocr` (the `handwriting` extra); `fake`: a deterministic one for unit tests.
- `text`: turning the recogniser's LaTeX into a solution line the verifier reads.
"""
