"""Bar charts drawn on the server as SVG: no chart library, no script, nothing inline for a CSP to block.

Geometry is computed here (plain values, formatted for SVG attributes); `templates/insight/_bar_chart.html` draws
it. Each row's label sits above its bar so the chart stays legible when a phone scales it down. Every chart has
a text alternative (`summary`, the SVG's <desc>, listing every value) and its data table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .analytics import Count

# A narrow drawing (the page scales it to its column): on a 390 px phone the text stays near its drawn size.
WIDTH = 320
LABEL_HEIGHT = 17
BAR_HEIGHT = 14
ROW_GAP = 10
BAR_SPACE = 210  # the longest bar; the rest of the width holds its value
MAX_BARS = 24


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    share: float | None
    display: str
    label_y: str
    bar_y: str
    width: str
    value_x: str
    value_y: str
    top: bool


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    unit: str
    column: str
    summary: str
    bars: tuple[Bar, ...]
    height: int
    total: int
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT
    track: int = BAR_SPACE

    @property
    def empty(self) -> bool:
        return self.total == 0


def _display(count: Count, by_share: bool) -> str:
    if by_share:
        return f"{count.count} of {count.total} ({_n(count.share)}%)" if count.share is not None else "none"
    return f"{count.count} ({_n(count.share)}%)" if count.share is not None else str(count.count)


def bar_chart(
    *,
    id: str,
    title: str,
    counts: Sequence[Count],
    unit: str,
    column: str,
    by_share: bool = False,
    highlight: bool = True,
    not_highlighted: Sequence[str] = (),
) -> BarChart:
    """A horizontal bar per count, the largest highlighted (where the class went wrong most), except rows named
    in `not_highlighted` ("No error"); `highlight=False` for neutral charts. `unit` names what is counted.

    `by_share`: each row has its own total and the bar shows the share (0-100%), e.g. a precision per band; such a
    chart highlights nothing."""
    counts = list(counts)[:MAX_BARS]
    if by_share:
        largest = max((c.share or 0.0 for c in counts), default=0.0)
        total = sum(c.total for c in counts)
    else:
        largest = max((c.count for c in counts), default=0)
        total = max((c.total for c in counts), default=0)
    emphasised = max((c.count for c in counts if c.label not in not_highlighted), default=0)
    highlight = highlight and not by_share and emphasised > 0
    bars = []
    y = 0
    for count in counts:
        value = (count.share or 0.0) if by_share else count.count
        scale = 100 if by_share else largest
        width = BAR_SPACE * value / scale if scale else 0.0
        bar_y = y + LABEL_HEIGHT
        bars.append(
            Bar(
                label=count.label,
                count=count.count,
                share=count.share,
                display=_display(count, by_share),
                label_y=_n(y + 12),
                bar_y=_n(bar_y),
                width=_n(width),
                value_x=_n(width + 6),
                value_y=_n(bar_y + BAR_HEIGHT - 2),
                top=highlight and count.label not in not_highlighted and count.count == emphasised,
            )
        )
        y += LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    listing = "; ".join(f"{c.label}: {_display(c, by_share)}" for c in counts)
    if by_share:
        summary = f"{title}, over {total} {unit}. {listing}."
    else:
        leaders = [c.label for c in counts if largest and c.count == largest]
        summary = (
            f"{title}, over {total} {unit}. "
            + (f"Most: {' and '.join(leaders)} ({largest}). " if leaders else "")
            + (f"{listing}." if listing else "")
        ).strip()
    return BarChart(
        id=id,
        title=title,
        unit=unit,
        column=column,
        summary=summary,
        bars=tuple(bars),
        height=max(y - ROW_GAP, 1),
        total=total,
    )
