"""The dashboard's figures as bar charts: inline SVG drawn here, on the server (issue 15).

No script, font or image from anywhere: the page's own font and stylesheet draw them, so they
print and read without a network. Bars run across, one row per category (a state, a year, a
month), so a phone 375 px wide reads the labels at their size and a longer list only grows
downwards. Each chart is an image with a title for screen readers; the page puts its numbers in
a table too (the chart is the picture, the table is the record).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 360  # viewBox units; about a phone's width, so text is drawn at its own size there
VALUE_W, LINE_H, ROW_GAP, BAR_H = 34, 18, 8, 14
LABEL_MIN, LABEL_MAX = 48, 130  # the labels' column, as wide as its longest label within these


@dataclass(frozen=True)
class Row:
    """One category: its label and a count per series (a link per series to the cases counted)."""

    label: str
    values: tuple[int, ...]
    links: tuple[str | None, ...] = ()


def bar_chart(chart_id: str, title: str, series: Sequence[str], rows: Sequence[Row], *,
              stacked: bool = False) -> str:
    """Rows of bars, as long as their counts are against the largest: a series' bars side by side
    in a row (`stacked=False`), or end to end with the row's total at its end (`stacked=True`)."""
    for row in rows:
        if len(row.values) != len(series) or any(v < 0 for v in row.values):
            raise ValueError(f"row {row.label!r} needs one count of at least 0 for each of {len(series)} series")
    bars_in_row = 1 if stacked else len(series)
    row_h = bars_in_row * BAR_H + ROW_GAP
    legend, legend_h = _legend(series) if len(series) > 1 else ("", 0)
    height = legend_h + max(len(rows), 1) * row_h + 4
    label_w = min(LABEL_MAX, max([LABEL_MIN, *(text_width(r.label) + 8 for r in rows)]))
    largest = max((sum(r.values) if stacked else max(r.values, default=0) for r in rows), default=0)
    # nothing to count: every bar is empty, and nothing is divided by zero
    scale = (WIDTH - label_w - VALUE_W) / largest if largest else 0.0
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" class="chart" id="{chart_id}" '
           f'role="img" aria-labelledby="{chart_id}-title" preserveAspectRatio="xMinYMin meet">'
           f'<title id="{chart_id}-title">{escape(title)}</title>', legend]
    for i, row in enumerate(rows):
        top = legend_h + i * row_h
        out.append(f'<g class="row"><text class="label" x="{label_w - 6}" y="{top + bars_in_row * BAR_H / 2 + 4:.1f}">'
                   f'{escape(row.label)}</text>')
        x = float(label_w)
        for s, value in enumerate(row.values):
            y = top if stacked else top + s * BAR_H
            width = value * scale
            bar = (f'<rect class="bar series-{s}" x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_H - 2}" '
                   f'data-value="{value}"><title>{escape(row.label)} · {escape(series[s])}：{value}</title></rect>')
            link = row.links[s] if s < len(row.links) else None
            out.append(f'<a href="{escape(link)}">{bar}</a>' if link and value else bar)
            if stacked:
                x += width
            else:
                out.append(_value(x + width, y, value))
        if stacked:
            out.append(_value(x, top, sum(row.values)))
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def _value(x: float, y: float, value: int) -> str:
    return f'<text class="value" x="{x + 4:.1f}" y="{y + BAR_H - 3}">{value}</text>'


def _legend(series: Sequence[str]) -> tuple[str, int]:
    """A key of the series' colours, in as many lines as the width needs; and its height."""
    out, x, line = ['<g class="legend">'], 0.0, 0
    for s, name in enumerate(series):
        width = 14 + text_width(name) + 12
        if x and x + width > WIDTH:
            x, line = 0.0, line + 1
        y = 4 + line * LINE_H
        out.append(f'<rect class="series-{s}" x="{x:.1f}" y="{y}" width="10" height="10"/>'
                   f'<text x="{x + 14:.1f}" y="{y + 9}">{escape(name)}</text>')
        x += width
    out.append("</g>")
    return "".join(out), (line + 1) * LINE_H + 6


def text_width(text: str) -> int:
    """About how wide a text is at 12 units a character: a CJK character is about that wide, others half."""
    return sum(12 if ord(ch) > 0x2E80 else 7 for ch in text)
