"""The dashboard of issue 15 without a browser: every figure links to exactly the cases it counts, the
table is aligned and totalled, the charts draw the numbers their tables hold, the supervisor's
jurisdiction is the default; and the notice after an act says what was recorded, where the page opens."""
from __future__ import annotations

import html as htmllib
import re
from datetime import date
from pathlib import Path

import pytest

from services import cases
from services.ports import CaseFilter
from services.queries import page_of_cases
from services.stats import LISTED_FIGURES, counted_cases, flows_by_year, statistics
from services.timer_queries import TimerFilter, deadlines_by_month, find_timers
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR

from .conftest import TODAY

TILES = ("in-force", "recognitions", "revocations", "overdue-reports")


def revoke_one(rt, clock, department) -> None:
    """A revocation this year, so no figure of 2026 is zero (as tests/web/test_pages.py does)."""
    clock.set_day(TODAY)
    cases.ACTS["suspend"](rt, department["complaint"], on=TODAY, reason="核查", actor=CASEWORKER, ground="fraud")
    cases.ACTS["revoke"](rt, department["complaint"], on=TODAY, reason="弄虚作假", actor=SUPERVISOR, ground="fraud")


def listed(client, href: str) -> int:
    """How many cases the case list at `href` finds, checked against the rows it shows."""
    page = client.get(htmllib.unescape(href)).text
    found = int(re.search(r'id="found">[^<]*?(\d+)</p>', page).group(1))
    assert found == len(re.findall(r'<tr data-case="', page))  # one page of them: fewer than 50
    return found


def tile(html: str, figure: str) -> tuple[int, str]:
    link = re.search(rf'<a href="([^"]+)" id="link-{figure}"', html).group(1)
    return int(re.search(rf'<b id="fig-{figure}">(\d+)</b>', html).group(1)), link


def test_issue15_each_headline_figure_links_to_exactly_the_cases_it_counts(rt, clock, sign_in, department):
    revoke_one(rt, clock, department)
    client = sign_in(SUPERVISOR)
    for year in (2026, 2025, 2024):
        html = client.get(f"/dashboard?year={year}").text
        for figure in TILES:
            count, link = tile(html, figure)
            assert f"figure_year={year}" in link and "jurisdiction=520000" in link
            assert listed(client, link) == count, (year, figure)
    # not all zero: the test would prove nothing
    html = client.get("/dashboard?year=2026").text
    assert [tile(html, f)[0] for f in TILES] == [1, 0, 1, 2]
    assert tile(client.get("/dashboard?year=2024").text, "recognitions")[0] == 1


def test_issue15_each_cell_of_the_state_and_level_table_and_its_totals_link_to_its_cases(rt, clock, sign_in,
                                                                                       department):
    revoke_one(rt, clock, department)
    client = sign_in(SUPERVISOR)
    html = client.get("/dashboard").text
    table = re.search(r'<table class="grid" id="by-state">.*?</table>', html, re.S).group(0)
    cells = re.findall(r'<td class="num[^"]*"[^>]*><a href="([^"]+)">(\d+)</a></td>', table)
    assert len(cells) >= 4 + 4 + 2  # four states' cells and totals, the levels' totals, the grand total
    for href, count in cells:
        assert listed(client, href) == int(count), href
    grand = re.search(r'<tfoot>.*<td class="num total"><a href="([^"]+)">(\d+)</a>', table, re.S)
    assert grand.group(2) == "4" and htmllib.unescape(grand.group(1)) == "/cases?jurisdiction=520000"
    # the recognitions and revocations per year link to their cases too
    by_year = re.search(r'<table class="grid" id="by-year">.*?</table>', html, re.S).group(0)
    linked = re.findall(r'<td class="num" data-figure="\w+"><a href="([^"]+)">(\d+)</a></td>', by_year)
    assert {c for _, c in linked} and all(listed(client, h) == int(c) for h, c in linked)


def test_issue15_the_table_is_aligned_with_its_headers_and_totalled(sign_in, department):
    html = sign_in(SUPERVISOR).get("/dashboard").text
    table = re.search(r'<table class="grid" id="by-state">.*?</table>', html, re.S).group(0)
    head = re.search(r"<thead>.*?</thead>", table, re.S).group(0)
    # every column of numbers has its header right-aligned like its numbers (td.num in web.css)
    assert len(re.findall(r'<th scope="col" class="num">', head)) == 4 + 1
    assert re.search(r'<tfoot><tr data-state=""><th scope="row">合计</th>', table)
    assert '<span class="zero">0</span>' in table  # a zero is shown, and links nowhere
    css = (Path(__file__).parents[2] / "api/web/static/web.css").read_text(encoding="utf-8")
    assert "th.num { text-align: right; }" in css and "font-variant-numeric: tabular-nums" in css


def test_issue15_the_supervisors_dashboard_opens_on_their_own_jurisdiction(sign_in, department):
    html = sign_in(SUPERVISOR).get("/dashboard").text
    assert '<option value="520000" selected>' in html
    assert 'href="/dashboard/stats-520000-2026.xlsx"' in html and '<option value="2026" selected>' in html
    # a jurisdiction not theirs is not shown for the asking
    assert '<option value="520000" selected>' in sign_in(SUPERVISOR).get("/dashboard?jurisdiction=310000").text


def test_issue15_three_charts_drawn_in_the_pages_words_with_their_numbers_in_tables(rt, clock, sign_in,
                                                                                   department):
    revoke_one(rt, clock, department)
    client = sign_in(SUPERVISOR)
    html = client.get("/dashboard").text
    for chart, title in (("chart-by-state", "各状态案件数（按级别）"), ("chart-by-year", "各年度新认定与撤销"),
                         ("chart-by-month", "今后12个月的期限（按月）")):
        assert re.search(rf'<svg [^>]*id="{chart}" role="img" aria-labelledby="{chart}-title"[^>]*>'
                         rf'<title id="{chart}-title">{title}</title>', html)
    # the months: this one and the eleven after it, each with its pending deadlines of the jurisdiction
    months = re.findall(r'<tr data-month="([\d-]+)"><th scope="row">([^<]+)</th><td class="num">(\d+)</td>', html)
    assert [m for m, _, _ in months][:2] == ["2026-11", "2026-12"] and months[-1][0] == "2027-10"
    assert months[1][1] == "2026年12月"
    timers = find_timers(rt, TimerFilter(scopes=("520000",), limit=1000))
    for month, _, n in months:
        assert int(n) == sum(1 for t in timers if t["due_on"].isoformat()[:7] == month and t["due_on"] >= TODAY)
    assert int(months[1][2]) >= 1  # the first assessment due 2026-12-10
    # the years: one row per year offered, and the chart's bars carry the same counts
    years = dict(re.findall(r'<tr data-year="(\d+)">.*?data-figure="revoked">(?:<a [^>]+>)?(?:<span class="zero">)?'
                            r'(\d+)<', html, re.S))
    assert years["2026"] == "1" and set(years) == {str(y) for y in range(2020, 2027)}
    chart = re.search(r'<svg [^>]*id="chart-by-year".*?</svg>', html, re.S).group(0)
    assert re.findall(r'class="bar series-1"[^>]*data-value="(\d+)"', chart) == [years[str(y)] for y in
                                                                                range(2026, 2019, -1)]
    english = client.get("/dashboard?lang=en").text
    assert "Recognitions and revocations by year" in english and "Nov 2026" in english


@pytest.mark.memory
def test_issue15_the_figures_cases_and_yearly_flows_count_as_the_statistics_do(rt, clock, department):
    revoke_one(rt, clock, department)
    years = range(2020, 2027)
    flows = flows_by_year(rt, "520000", years)
    for year in years:
        stats = statistics(rt, "520000", year, TODAY)
        assert flows[year]["newly_recognized"] == stats.newly_recognized
        assert flows[year]["revoked"] == stats.revoked
        for figure in LISTED_FIGURES:
            assert len(counted_cases(rt, "520000", year, TODAY, figure)) == getattr(stats, figure), (year, figure)
    assert counted_cases(rt, "520000", 2026, TODAY, "revoked") == [department["complaint"]]
    with pytest.raises(ValueError):
        counted_cases(rt, "520000", 2026, TODAY, "cases")


@pytest.mark.memory
def test_issue15_the_case_filter_by_ids_and_the_deadlines_by_month(rt, clock, department):
    """Every storage lists only the cases given (CaseFilter.ids) and counts a month's pending timers."""
    wanted = (department["applied"], department["recognized"], "no-such-case")
    page = page_of_cases(rt, CaseFilter(ids=wanted, scopes=("520000",)))
    rows, total = page.rows, page.total
    assert total == 2 and {r.id for r in rows} == set(wanted[:2])
    assert page_of_cases(rt, CaseFilter(ids=())).total == 0
    assert page_of_cases(rt, CaseFilter(ids=wanted, scopes=("310000",))).total == 0  # still within the scopes
    months = deadlines_by_month(rt, ("520000",), TODAY)
    assert [m for m, _ in months] == [date(2026 + (10 + n) // 12, (10 + n) % 12 + 1, 1) for n in range(12)]
    pending = find_timers(rt, TimerFilter(scopes=("520000",), limit=1000))
    assert sum(n for _, n in months) == sum(1 for t in pending if TODAY <= t["due_on"] < date(2027, 11, 1))
    assert dict(months)[date(2026, 12, 1)] >= 1  # the first assessment, due 2026-12-10
    assert deadlines_by_month(rt, ("310000",), TODAY) == [(m, 0) for m, _ in months]


def test_issue15_a_figure_filter_is_named_on_the_list_and_only_with_a_jurisdiction_and_year(rt, clock, sign_in,
                                                                                          department):
    revoke_one(rt, clock, department)
    client = sign_in(SUPERVISOR)
    page = client.get("/cases?jurisdiction=520000&figure=revoked&figure_year=2026").text
    assert re.search(r'id="figure-filter">仅列出统计概览中计入该数字的案件： <b>520000 贵州省 · 2026 · 撤销</b>', page)
    assert '<input type="hidden" name="figure" value="revoked">' in page  # kept when the list is refined
    clear = htmllib.unescape(re.search(r'<a href="([^"]+)">取消此条件</a>', page).group(1))
    assert "figure" not in clear and listed(client, clear) == 4
    for ignored in ("figure=revoked&figure_year=2026",  # no jurisdiction: a figure is of one
                    "jurisdiction=520000&figure=revoked&figure_year=1999",  # a year not on offer
                    "jurisdiction=520000&figure=cases&figure_year=2026"):  # not a figure listed
        answer = client.get(f"/cases?{ignored}")
        assert answer.status_code == 200 and 'id="figure-filter"' not in answer.text
        assert listed(client, f"/cases?{ignored}") == 4
    # another province's caseworker cannot see Guizhou's cases through a figure
    assert listed(sign_in("caseworker.hu"), "/cases?jurisdiction=520000&figure=revoked&figure_year=2026") == 0


def test_issue15_after_an_act_the_page_opens_at_a_notice_saying_what_was_recorded(rt, clock, sign_in, department):
    client = sign_in(INSPECTOR)
    case = department["applied"]
    answer = client.post(f"/cases/{case}/acts/inspect", data={
        "version": "1", "on": "2026-05-20", "reason": "现场考察", "outcome": "pass", "findings": "符合条件"})
    assert answer.status_code == 303 and answer.headers["location"] == f"/cases/{case}?done=inspect#done"
    page = client.get(answer.headers["location"].split("#")[0]).text
    reference = cases.get_case(rt, case).reference
    notice = re.search(r'<p class="notice" id="done" role="status" tabindex="-1">(.*?)</p>', page, re.S).group(1)
    assert re.sub(r"<[^>]+>|\s+", "", notice) == f"已记录：记录现场考察·办理日期2026年5月20日·受理编号{reference}"
    # the notice is beside the timeline, whose new row is marked
    assert re.search(r'id="timeline".*id="done".*<tr data-act="inspect" class="just-recorded">', page, re.S)
    # a `done` naming no act of the case shows no notice
    assert 'id="done"' not in client.get(f"/cases/{case}?done=approve").text
    assert 'id="done"' not in client.get(f"/cases/{case}?done=<script>").text
    assert date(2026, 5, 20) in [e.on for e in cases.history(rt, case)]
