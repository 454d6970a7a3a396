"""Bar charts drawn on the server as inline SVG: no scripts, no external files.

Each chart is ``role="img"`` with a ``<title>`` and ``<desc>`` referenced by
``aria-labelledby``; the page shows the same numbers in a table. Colours are SVG presentation
attributes (the CSP forbids inline style attributes), with GOV.UK palette values.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 320
LEFT = 64
RIGHT = 16
TOP = 24
BOTTOM = 48
BAR = "#1d70b8"
TEXT = "#0b0c0c"
AXIS = "#505a5f"
REFERENCE = "#d4351c"


def _format(value: float, unit: str) -> str:
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text}{unit}"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5 or 5 × a power of ten)."""
    if value <= 0:
        return 1.0
    power = 1.0
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def bar_chart(*, chart_id: str, title: str, description: str, labels: Sequence[str],
              values: Sequence[float | None], unit: str = "",
              reference: float | None = None, reference_label: str = "") -> Markup:
    """An accessible SVG bar chart. A None value draws no bar and is labelled "No data"."""
    known = [v for v in values if v is not None]
    top = _nice_max(max([*known, reference or 0, 0]))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    bar_w = slot * 0.6

    def y(value: float) -> float:
        return TOP + plot_h - (value / top) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="marac-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" font-family="arial, sans-serif" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for step in range(6):
        tick = top * step / 5
        ty = y(tick)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}" '
                     f'stroke="#b1b4b6" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="14" '
                     f'fill="{AXIS}">{escape(_format(tick, unit))}</text>')
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        cx = LEFT + slot * index + slot / 2
        if value is None:
            parts.append(f'<text x="{cx:.1f}" y="{y(0) - 6:.1f}" text-anchor="middle" '
                         f'font-size="13" fill="{AXIS}">No data</text>')
        else:
            by = y(value)
            parts.append(f'<rect x="{cx - bar_w / 2:.1f}" y="{by:.1f}" width="{bar_w:.1f}" '
                         f'height="{y(0) - by:.1f}" fill="{BAR}"/>')
            parts.append(f'<text x="{cx:.1f}" y="{by - 4:.1f}" text-anchor="middle" '
                         f'font-size="14" fill="{TEXT}">{escape(_format(value, unit))}</text>')
        parts.append(f'<text x="{cx:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
                     f'font-size="14" fill="{TEXT}">{escape(label)}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0):.1f}" y2="{y(0):.1f}" '
                 f'stroke="{AXIS}" stroke-width="2"/>')
    if reference is not None:
        ry = y(reference)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ry:.1f}" y2="{ry:.1f}" '
                     f'stroke="{REFERENCE}" stroke-width="2" stroke-dasharray="6 4"/>')
        parts.append(f'<text x="{WIDTH - RIGHT}" y="{ry - 6:.1f}" text-anchor="end" '
                     f'font-size="14" fill="{REFERENCE}">{escape(reference_label)}</text>')
    parts.append("</svg>")
    # Every interpolated text went through escape(); the rest is fixed markup and numbers.
    return Markup("".join(parts))  # noqa: S704
