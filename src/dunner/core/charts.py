"""Pictures from figures: terminal sparklines and bars, and inline SVG bar charts. Pure (strings out).

Bar lengths are proportional to amounts in minor units (integers), so a chart never rounds one bar
past another; labels are passed in already formatted for the reader's locale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

SPARKS = "▁▂▃▄▅▆▇█"
SPARK_FULL = 60  # days late drawn as a full block: the scale is the same for every client


def sparkline(days: Sequence[int], full: int = SPARK_FULL) -> str:
    """Days late of successive invoices, oldest first, one block each: low is on time, high is late."""
    top = len(SPARKS) - 1
    return "".join(SPARKS[min(top, (max(d, 0) * top + full - 1) // full)] for d in days)


@dataclass(frozen=True)
class Bar:
    label: str  # what the bar is (a bucket, a week)
    value: int  # minor units (or any non-negative integer)
    text: str  # the value as the reader reads it
    tone: str = "normal"  # normal, late, risk: a colour in the terminal and the SVG


def bar_lines(bars: Sequence[Bar], width: int = 40) -> list[tuple[str, str, str, str]]:
    """(label, bar, text, tone) rows for a terminal: bars scaled to the largest, none of a value > 0 empty."""
    top = max((b.value for b in bars), default=0)
    rows = []
    for b in bars:
        length = 0 if top <= 0 or b.value <= 0 else max(1, (b.value * width + top // 2) // top)
        rows.append((b.label, "█" * length, b.text, b.tone))
    return rows


TONES = {"normal": "#3b6ea5", "late": "#d08c2b", "risk": "#b23a3a", "actual": "#6a9f58"}


def svg_bars(bars: Sequence[Bar], *, title: str, width: int = 640, bar_height: int = 22) -> str:
    """A horizontal bar chart as a self-contained <svg> element (no script, no external reference)."""
    label_w, text_w, gap = 120, 110, 6
    plot = width - label_w - text_w
    top = max((b.value for b in bars), default=0)
    height = gap + len(bars) * (bar_height + gap)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for n, b in enumerate(bars):
        y = gap + n * (bar_height + gap)
        length = 0 if top <= 0 or b.value <= 0 else max(1, (b.value * plot + top // 2) // top)
        middle = y + bar_height // 2 + 5
        parts.append(
            f'<text x="{label_w - 8}" y="{middle}" text-anchor="end" font-size="13">{escape(b.label)}</text>'
            f'<rect class="bar" x="{label_w}" y="{y}" width="{length}" height="{bar_height}"'
            f' fill="{TONES.get(b.tone, TONES["normal"])}"><title>{escape(b.label)}: {escape(b.text)}</title></rect>'
            f'<text x="{label_w + length + 6}" y="{middle}" font-size="13">{escape(b.text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def svg_sparkline(days: Sequence[int], *, title: str, full: int = SPARK_FULL) -> str:
    """Days late of successive invoices as small columns (the HTML report's lateness column)."""
    step, height = 8, 24
    width = max(step * len(days), step)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}"'
        f' aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for n, d in enumerate(days):
        h = 2 + (min(max(d, 0), full) * (height - 2)) // full
        tone = "normal" if d <= 0 else "late" if d < full // 2 else "risk"
        parts.append(
            f'<rect x="{n * step}" y="{height - h}" width="{step - 2}" height="{h}" fill="{TONES[tone]}"></rect>'
        )
    parts.append("</svg>")
    return "".join(parts)
