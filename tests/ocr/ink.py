"""Handwriting-like ink generated from the Hershey single-stroke vector font (the `hershey-fonts` package).

Each glyph is a set of pen paths. Two paths of one glyph that meet end to end are drawn as one stroke, as a pen
would (the font's 7 is a bar and a diagonal that meet at the corner). Paths are resampled every few pixels, like
pointer events, and a seeded jitter (size, slant, baseline) makes each sample a little different, so the
figures measure the recogniser on varied ink while staying reproducible.

A fraction is laid out as a person writes one: the numerator, a bar one stroke long, the denominator below.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass

Point = tuple[float, float]
Stroke = list[Point]

FONT = "futural"
STEP_PX = 3.0


@dataclass(frozen=True)
class Sample:
    kind: str  # the symbol class this sample measures
    expected: str  # the solution line we expect, as the page would show it
    strokes: list[Stroke]
    width: float
    height: float

    def payload(self) -> dict[str, object]:
        return {
            "width": self.width,
            "height": self.height,
            "strokes": [[[round(x, 1), round(y, 1)] for x, y in s] for s in self.strokes],
        }


def _font(size: float):  # type: ignore[no-untyped-def]
    from HersheyFonts import HersheyFonts

    font = HersheyFonts()
    font.load_default_font(FONT)
    font.normalize_rendering(size)
    return font


def _join_touching(paths: list[Stroke]) -> list[Stroke]:
    joined: list[Stroke] = []
    for path in paths:
        if joined:
            last = joined[-1]
            if math.dist(last[-1], path[0]) < 1e-6:
                last.extend(path[1:])
            elif math.dist(last[-1], path[-1]) < 1e-6:
                last.extend(reversed(path[:-1]))
            elif math.dist(last[0], path[-1]) < 1e-6:  # the font drew the second half first
                joined[-1] = [*path, *last[1:]]
            elif math.dist(last[0], path[0]) < 1e-6:
                joined[-1] = [*reversed(path), *last[1:]]
            else:
                joined.append(list(path))
            continue
        joined.append(list(path))
    return joined


def _resample(stroke: Stroke) -> Stroke:
    out = [stroke[0]]
    for (x0, y0), (x1, y1) in itertools.pairwise(stroke):
        n = max(1, int(math.dist((x0, y0), (x1, y1)) / STEP_PX))
        out.extend((x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(1, n + 1))
    return out


def glyph_strokes(
    text: str, *, size: float, x0: float, baseline: float, rng: random.Random
) -> tuple[list[Stroke], float]:
    """The text's strokes, jittered, and the x where it ends."""
    font = _font(size)
    slant = rng.uniform(-0.12, 0.12)
    strokes: list[Stroke] = []
    right = x0
    for char in text:
        scale = rng.uniform(0.9, 1.1)
        dy = rng.uniform(-size * 0.05, size * 0.05)
        paths = [[(x * scale, y * scale) for x, y in path] for path in font.strokes_for_text(char)]
        if not paths:  # a space
            right += size * 0.5
            continue
        left = min(x for p in paths for x, _ in p)
        for path in _join_touching(paths):
            strokes.append([(right + (x - left) + slant * y, baseline - y + dy) for x, y in path])
        right += max(x for p in paths for x, _ in p) - left + size * rng.uniform(0.25, 0.4)
    return [_resample(s) for s in strokes], right


def line(text: str, *, size: float = 50, seed: int = 0) -> tuple[list[Stroke], float, float]:
    """A line of plain text (digits, operators, letters) on a canvas 150 px high."""
    rng = random.Random(f"{text}-{size}-{seed}")
    strokes, right = glyph_strokes(text, size=size, x0=20, baseline=100, rng=rng)
    return strokes, max(300.0, right + 20), 150.0


def fraction(numerator: str, denominator: str, *, rest: str = "", size: float = 34, seed: int = 0):  # type: ignore[no-untyped-def]
    """`numerator / denominator` stacked over a bar, then optionally `rest` (e.g. "=3") on the line."""
    rng = random.Random(f"{numerator}/{denominator}{rest}-{size}-{seed}")
    top, top_right = glyph_strokes(numerator, size=size, x0=30, baseline=62, rng=rng)
    bottom, bottom_right = glyph_strokes(denominator, size=size, x0=30, baseline=62 + size + 22, rng=rng)
    bar_right = max(top_right, bottom_right)
    bar = _resample([(22, 72 + rng.uniform(-2, 2)), (bar_right + 4, 72 + rng.uniform(-2, 2))])
    strokes = [*top, bar, *bottom]
    right = bar_right + 16
    if rest:
        tail, right = glyph_strokes(rest, size=size * 1.2, x0=right, baseline=72 + size * 0.6, rng=rng)
        strokes += tail
    return strokes, max(300.0, right + 20), 150.0


def _plain(kind: str, text: str, expected: str, size: float, seed: int) -> Sample:
    strokes, width, height = line(text, size=size, seed=seed)
    return Sample(kind, expected, strokes, width, height)


def samples(seeds: tuple[int, ...] = (0, 1, 2)) -> list[Sample]:
    """The measured set: each symbol class in a few short lines, at three sizes, each with a few seeds."""
    out: list[Sample] = []
    sizes = (36.0, 50.0, 70.0)
    for seed in seeds:
        for size in sizes:
            for digit in "0123456789":
                out.append(_plain("digit", digit, digit, size, seed))
            for text, expected in (("2+3", "2 + 3"), ("9-4", "9 - 4"), ("8/2", "8/2"), ("(1+2)", "(1 + 2)")):
                out.append(_plain("operator", text, expected, size, seed))
            for text, expected in (("x", "x"), ("2x", "2x"), ("x+1", "x + 1"), ("3x", "3x")):
                out.append(_plain("x", text, expected, size, seed))
            for text, expected in (("x=5", "x = 5"), ("4=4", "4 = 4"), ("y=3", "y = 3")):
                out.append(_plain("equals", text, expected, size, seed))
            for text, expected in (("2x+1=7", "2x + 1 = 7"), ("2x=6", "2x = 6"), ("x=3", "x = 3")):
                out.append(_plain("line", text, expected, size, seed))
        for num, den, rest, expected in (
            ("1", "2", "", "\\frac{1}{2}"),
            ("3", "4", "", "\\frac{3}{4}"),
            ("x", "3", "", "\\frac{x}{3}"),
            ("x", "2", "=3", "\\frac{x}{2} = 3"),
        ):
            for size in (30.0, 38.0):
                strokes, width, height = fraction(num, den, rest=rest, size=size, seed=seed)
                out.append(Sample("fraction", expected, strokes, width, height))
    return out


def normalised(text: str) -> str:
    return "".join(text.split())
