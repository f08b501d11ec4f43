"""The stroke payload of one handwritten line: parsing, validation and its bounds.

A canvas sends one line as JSON:

    {"width": 800, "height": 160, "strokes": [[[x, y], [x, y], ...], ...]}

Coordinates are CSS pixels from the canvas's top-left corner. Everything a student can send is bounded, and
anything outside the bounds is refused with a specific message before it is stored or queued:

- the payload's size in bytes (`max_bytes`), checked before the JSON is parsed;
- malformed JSON, JSON nested deeper than a line can be, and NaN / Infinity (which Python's json accepts);
- strokes per line, points per stroke, points per line;
- the canvas size and every coordinate: a finite number in [0, max_coordinate], never a bool or a string.

`parse_line` is linear in the payload's size and allocates at most what the bounds allow.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

Point = tuple[float, float]
Stroke = tuple[Point, ...]


@dataclass(frozen=True)
class StrokeLimits:
    # A line of up to 30 strokes is the design case; twice that leaves room for a slow, careful writer.
    max_strokes: int = 60
    max_points_per_stroke: int = 500
    max_points: int = 4000
    # 4000 points of "[1234.5,123.4]," are about 60 KB.
    max_bytes: int = 64 * 1024
    max_coordinate: float = 4096.0
    # Coordinates are stored rounded to this many decimals (a tenth of a CSS pixel is far below a pen's noise).
    decimals: int = 1


DEFAULT_LIMITS = StrokeLimits()


class StrokePayloadError(ValueError):
    """The payload was refused. `message` is shown to the student as is; `code` names the bound that failed."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class StrokeLine:
    width: float
    height: float
    strokes: tuple[Stroke, ...]

    @property
    def point_count(self) -> int:
        return sum(len(stroke) for stroke in self.strokes)

    def to_json(self) -> dict[str, Any]:
        return {"width": self.width, "height": self.height, "strokes": [[list(p) for p in s] for s in self.strokes]}

    def digest(self) -> str:
        """A stable hash of the ink, so the same line sent twice is read once."""
        canonical = json.dumps(self.to_json(), separators=(",", ":"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _refuse_constant(name: str) -> float:
    raise StrokePayloadError(f"A coordinate is {name}; every coordinate must be a finite number.", "not_finite")


def parse_line(raw: str | bytes, limits: StrokeLimits = DEFAULT_LIMITS) -> StrokeLine:
    """Parse and validate one line's JSON payload."""
    size = len(raw.encode() if isinstance(raw, str) else raw)
    if size > limits.max_bytes:
        raise StrokePayloadError(
            f"This line's ink is {size:,} bytes; the limit is {limits.max_bytes:,}. Clear it and write it again.",
            "too_large",
        )
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except StrokePayloadError:
        raise
    except RecursionError as exc:
        raise StrokePayloadError("The ink is nested too deeply to be strokes.", "malformed") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise StrokePayloadError(f"The ink is not valid JSON: {exc}", "malformed") from exc
    return validate_line(data, limits)


def _number(value: object, what: str, limits: StrokeLimits) -> float:
    # bool is an int in Python; `true` is not a coordinate.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StrokePayloadError(f"{what} must be a number, not {type(value).__name__}.", "not_a_number")
    try:
        number = float(value)
    except OverflowError:  # an integer of hundreds of digits
        number = math.inf
    if not math.isfinite(number):
        raise StrokePayloadError(f"{what} is not a finite number.", "not_finite")
    if not 0 <= number <= limits.max_coordinate:
        raise StrokePayloadError(
            f"{what} is {number:g}; it must lie between 0 and {limits.max_coordinate:g}.", "out_of_range"
        )
    return round(number, limits.decimals)


def validate_line(data: object, limits: StrokeLimits = DEFAULT_LIMITS) -> StrokeLine:
    """Validate an already-parsed payload (a dict as `parse_line` describes)."""
    if not isinstance(data, dict):
        raise StrokePayloadError("The ink must be an object with width, height and strokes.", "malformed")
    unknown = set(data) - {"width", "height", "strokes"}
    if unknown:
        raise StrokePayloadError(f"Unknown field(s) in the ink: {', '.join(sorted(map(str, unknown)))}.", "malformed")
    try:
        width_raw, height_raw, strokes_raw = data["width"], data["height"], data["strokes"]
    except KeyError as exc:
        raise StrokePayloadError(f"The ink has no {exc.args[0]!r}.", "malformed") from exc
    width = _number(width_raw, "The canvas width", limits)
    height = _number(height_raw, "The canvas height", limits)
    if width < 1 or height < 1:
        raise StrokePayloadError("The canvas has no area.", "out_of_range")
    if not isinstance(strokes_raw, list):
        raise StrokePayloadError("strokes must be a list of strokes.", "malformed")
    if not strokes_raw:
        raise StrokePayloadError("This line has no strokes: write something first.", "empty")
    if len(strokes_raw) > limits.max_strokes:
        raise StrokePayloadError(
            f"This line has {len(strokes_raw):,} strokes; the limit is {limits.max_strokes}. Split it over two lines.",
            "too_many_strokes",
        )
    strokes: list[Stroke] = []
    total = 0
    for number, stroke_raw in enumerate(strokes_raw, start=1):
        if not isinstance(stroke_raw, list) or not stroke_raw:
            raise StrokePayloadError(f"Stroke {number} must be a non-empty list of points.", "malformed")
        if len(stroke_raw) > limits.max_points_per_stroke:
            raise StrokePayloadError(
                f"Stroke {number} has {len(stroke_raw):,} points; the limit is {limits.max_points_per_stroke}.",
                "too_many_points",
            )
        total += len(stroke_raw)
        if total > limits.max_points:
            raise StrokePayloadError(
                f"This line has more than {limits.max_points:,} points. Split it over two lines.", "too_many_points"
            )
        points: list[Point] = []
        for point in stroke_raw:
            if not isinstance(point, list) or len(point) != 2:
                raise StrokePayloadError(f"A point of stroke {number} must be [x, y].", "malformed")
            x = _number(point[0], f"A coordinate of stroke {number}", limits)
            y = _number(point[1], f"A coordinate of stroke {number}", limits)
            points.append((x, y))
        strokes.append(tuple(points))
    return StrokeLine(width=width, height=height, strokes=tuple(strokes))


def svg_paths(line: StrokeLine) -> list[str]:
    """Each stroke as an SVG path's `d`, for showing the original handwriting (numbers only, safe to embed)."""
    paths = []
    for stroke in line.strokes:
        x0, y0 = stroke[0]
        rest = " ".join(f"L{x:g} {y:g}" for x, y in stroke[1:]) or f"L{x0:g} {y0:g}"
        paths.append(f"M{x0:g} {y0:g} {rest}")
    return paths
