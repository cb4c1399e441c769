"""The dashboard's charts as SVG (issue 15, api/web/charts.py): bars as long as their counts, labels
in the page's words, nothing divided by zero, every text escaped, an image with a title."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from api.web.charts import WIDTH, Row, bar_chart, text_width

NS = {"svg": "http://www.w3.org/2000/svg"}


def bars(svg: str) -> list[tuple[int, float, float]]:
    """(count, x, width) of every bar, in the order drawn."""
    return [(int(v), float(x), float(w)) for x, w, v in
            re.findall(r'<rect class="bar [^"]*" x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="\d+" '
                       r'data-value="(\d+)"', svg)]


def test_issue15_grouped_bars_are_as_long_as_their_counts_against_the_largest():
    svg = bar_chart("c", "各年度新认定与撤销", ["新认定", "撤销"],
                    [Row("2026年", (4, 1)), Row("2025年", (2, 0)), Row("2024年", (8, 3))])
    drawn = bars(svg)
    assert [v for v, _, _ in drawn] == [4, 1, 2, 0, 8, 3]
    longest = max(w for _, _, w in drawn)
    for value, _, width in drawn:
        assert width == pytest.approx(longest * value / 8, abs=0.1)
    assert longest < WIDTH and all(x + w <= WIDTH for _, x, w in drawn)


def test_issue15_stacked_bars_run_end_to_end_and_the_row_ends_with_its_total():
    svg = bar_chart("s", "各状态案件数", ["区县级", "市州级"], [Row("已认定", (3, 1)), Row("已申报", (2, 0))],
                    stacked=True)
    (v1, x1, w1), (v2, x2, w2), (_, x3, w3), _ = bars(svg)
    assert (v1, v2) == (3, 1) and x2 == pytest.approx(x1 + w1, abs=0.1)
    assert w1 + w2 == pytest.approx(2 * w3, abs=0.2)  # the longest row is 4, the next 2
    assert re.findall(r'<text class="value"[^>]*>(\d+)</text>', svg) == ["4", "2"]


def test_issue15_the_chart_is_an_image_titled_in_chinese_with_its_labels_and_legend():
    svg = bar_chart("chart-by-state", "各状态案件数（按级别）", ["区县级", "省级"],
                    [Row("已认定", (1, 2)), Row("公示中", (0, 1))], stacked=True)
    root = ET.fromstring(svg)  # well-formed XML
    assert root.get("role") == "img" and root.get("aria-labelledby") == "chart-by-state-title"
    assert root.find("svg:title", NS).text == "各状态案件数（按级别）"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert {"已认定", "公示中", "区县级", "省级"} <= set(texts)
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched from anywhere


def test_issue15_nothing_to_count_draws_empty_bars_and_zeros():
    svg = bar_chart("z", "期限", ["期限数"], [Row("2026年11月", (0,)), Row("2026年12月", (0,))])
    assert [(v, w) for v, _, w in bars(svg)] == [(0, 0.0), (0, 0.0)]
    assert re.findall(r'<text class="value"[^>]*>(\d+)</text>', svg) == ["0", "0"]
    assert bar_chart("e", "空", ["a"], []).startswith("<svg")  # no rows at all


def test_issue15_names_and_links_are_escaped():
    svg = bar_chart("x", 'A & <B>', ['<script>alert(1)</script>', "b"],
                    [Row('"><img src=x>', (1, 2), ("/cases?state=a&level=b", None))])
    ET.fromstring(svg)
    assert "<script>" not in svg and "<img" not in svg and "&lt;script&gt;" in svg
    assert '<a href="/cases?state=a&amp;level=b">' in svg
    assert svg.count("<a ") == 1  # a series without a link is a bar only


def test_issue15_a_zero_bar_links_nowhere_and_a_row_of_the_wrong_length_is_refused():
    svg = bar_chart("l", "t", ["a"], [Row("x", (0,), ("/cases?state=x",))])
    assert "<a " not in svg
    with pytest.raises(ValueError):
        bar_chart("w", "t", ["a", "b"], [Row("x", (1,))])
    with pytest.raises(ValueError):
        bar_chart("n", "t", ["a"], [Row("x", (-1,))])


def test_issue15_a_long_legend_wraps_within_the_width():
    names = ["County/district", "Municipal", "Provincial", "National"]
    svg = bar_chart("en", "Cases by state", names, [Row("Recognized", (1, 1, 1, 1))], stacked=True)
    keys = [(float(x), int(y)) for x, y in re.findall(r'<rect class="series-\d" x="([\d.]+)" y="(\d+)"', svg)]
    assert len({y for _, y in keys}) > 1  # more than one line
    for (x, _), name in zip(keys, names, strict=True):
        assert x + 14 + text_width(name) <= WIDTH
