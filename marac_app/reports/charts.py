"""Bar charts drawn on the server as inline SVG: no scripts, no external files.

Each chart is ``role="img"`` with a ``<title>`` and ``<desc>`` referenced by
``aria-labelledby``; the page shows the same numbers in a table. Colours are SVG presentation
attributes (the CSP forbids inline style attributes), with GOV.UK palette values.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

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


# Fixed markup. Markup.format escapes every value put into it, so a label or title can never
# inject markup.
_SVG_OPEN = Markup(
    '<svg xmlns="http://www.w3.org/2000/svg" class="marac-chart" role="img" '
    'viewBox="0 0 {w} {h}" width="100%" font-family="arial, sans-serif" '
    'aria-labelledby="{id}-title {id}-desc" focusable="false">'
)
_TITLE = Markup('<title id="{id}-title">{text}</title>')
_DESC = Markup('<desc id="{id}-desc">{text}</desc>')
_GRID_LINE = Markup(
    '<line x1="{x1}" x2="{x2}" y1="{y}" y2="{y}" stroke="#b1b4b6" stroke-width="1"/>'
)
_TICK_LABEL = Markup(
    '<text x="{x}" y="{y:.1f}" text-anchor="end" font-size="14" fill="{fill}">{text}</text>'
)
_NO_DATA = Markup(
    '<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="13" fill="{fill}">No data</text>'
)
_BAR_RECT = Markup('<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{fill}"/>')
_BAR_VALUE = Markup(
    '<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="14" fill="{fill}">{text}</text>'
)
_BAR_LABEL = Markup(
    '<text x="{x:.1f}" y="{y}" text-anchor="middle" font-size="14" fill="{fill}">{text}</text>'
)
_BASE_LINE = Markup(
    '<line x1="{x1}" x2="{x2}" y1="{y:.1f}" y2="{y:.1f}" stroke="{stroke}" stroke-width="2"/>'
)
_REFERENCE_LINE = Markup(
    '<line x1="{x1}" x2="{x2}" y1="{y:.1f}" y2="{y:.1f}" stroke="{stroke}" '
    'stroke-width="2" stroke-dasharray="6 4"/>'
)


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


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    unit: str = "",
    reference: float | None = None,
    reference_label: str = "",
) -> Markup:
    """An accessible SVG bar chart. A None value draws no bar and is labelled "No data"."""
    known = [v for v in values if v is not None]
    top = _nice_max(max([*known, reference or 0, 0]))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(labels), 1)
    bar_w = slot * 0.6

    def y(value: float) -> float:
        return TOP + plot_h - (value / top) * plot_h

    parts: list[Markup] = [
        _SVG_OPEN.format(w=WIDTH, h=HEIGHT, id=chart_id),
        _TITLE.format(id=chart_id, text=title),
        _DESC.format(id=chart_id, text=description),
    ]
    for step in range(6):
        tick = top * step / 5
        parts.append(_GRID_LINE.format(x1=LEFT, x2=WIDTH - RIGHT, y=f"{y(tick):.1f}"))
        parts.append(
            _TICK_LABEL.format(x=LEFT - 6, y=y(tick) + 4, fill=AXIS, text=_format(tick, unit))
        )
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        cx = LEFT + slot * index + slot / 2
        if value is None:
            parts.append(_NO_DATA.format(x=cx, y=y(0) - 6, fill=AXIS))
        else:
            by = y(value)
            parts.append(_BAR_RECT.format(x=cx - bar_w / 2, y=by, w=bar_w, h=y(0) - by, fill=BAR))
            parts.append(_BAR_VALUE.format(x=cx, y=by - 4, fill=TEXT, text=_format(value, unit)))
        parts.append(_BAR_LABEL.format(x=cx, y=HEIGHT - BOTTOM + 18, fill=TEXT, text=label))
    parts.append(_BASE_LINE.format(x1=LEFT, x2=WIDTH - RIGHT, y=y(0), stroke=AXIS))
    if reference is not None:
        ry = y(reference)
        parts.append(_REFERENCE_LINE.format(x1=LEFT, x2=WIDTH - RIGHT, y=ry, stroke=REFERENCE))
        parts.append(
            _TICK_LABEL.format(x=WIDTH - RIGHT, y=ry - 6, fill=REFERENCE, text=reference_label)
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
