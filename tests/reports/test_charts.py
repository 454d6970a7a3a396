"""The server-drawn SVG charts: accessible names, escaped text, no scripts, blanks shown."""

from __future__ import annotations

from marac_app.reports.charts import _nice_max, bar_chart


def test_chart_is_an_accessible_image_with_escaped_text() -> None:
    svg = str(
        bar_chart(
            chart_id="c1",
            title="Cases <b>&",
            description='Desc "quoted"',
            labels=["Q1 2026", "<script>alert(1)</script>"],
            values=[3, None],
            reference=40,
            reference_label="Recommended: 40",
        )
    )
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Cases &lt;b&gt;&amp;</title>' in svg
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert "No data" in svg  # the None value draws no bar
    assert svg.count("<rect") == 1
    assert "Recommended: 40" in svg and "stroke-dasharray" in svg
    assert " style=" not in svg  # presentation attributes only (CSP)


def test_axis_maximum_is_round() -> None:
    assert _nice_max(0) == 1
    assert _nice_max(3.1) == 5
    assert _nice_max(40) == 50
    assert _nice_max(100) == 100
    assert _nice_max(101) == 200
