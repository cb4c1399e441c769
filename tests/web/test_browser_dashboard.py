"""issue 15 in headless Chromium: the supervisor's dashboard draws its charts with nothing from another
host, a figure clicked lists as many cases as it says, a phone 375 px wide reads it without sideways
scroll; and after an act the notice saying what was recorded is on the screen where the page opens.

The server, the browser (which fails a test whose pages asked any host but 127.0.0.1) and the
sign-in are tests/web/test_browser.py's.
"""
from __future__ import annotations

import re

import pytest

from services import cases
from tests.browser import needs_browser
from tests.signing_in import code_now
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR

from .conftest import TODAY
from .test_browser import browser, server, sign_in  # noqa: F401  (fixtures, and the sign-in they need)

pytestmark = needs_browser


def found(page) -> int:
    return int(re.search(r"(\d+)", page.locator("#found").inner_text()).group(1))


def in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    view = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= view["height"] \
        and box["x"] >= 0 and box["x"] + box["width"] <= view["width"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_issue15_the_supervisors_dashboard_charts_and_links_its_figures(rt, clock, server, browser,  # noqa: F811
                                                                        department, totp_secrets):
    clock.set_day(TODAY)
    cases.ACTS["suspend"](rt, department["complaint"], on=TODAY, reason="核查", actor=CASEWORKER, ground="fraud")
    cases.ACTS["revoke"](rt, department["complaint"], on=TODAY, reason="弄虚作假", actor=SUPERVISOR, ground="fraud")
    page = sign_in(browser, server, SUPERVISOR, code=lambda: code_now(clock, totp_secrets[SUPERVISOR]))
    page.goto(f"{server}/dashboard")
    assert page.locator("#jurisdiction").input_value() == "520000"  # their own, without choosing it

    # three charts, each an image with its title, drawn with bars
    for chart in ("#chart-by-state", "#chart-by-year", "#chart-by-month"):
        svg = page.locator(f"svg{chart}")
        assert svg.is_visible() and svg.get_attribute("role") == "img"
        assert svg.locator("title").first.text_content()
        box = svg.bounding_box()
        assert box["width"] > 200 and box["height"] > 40
    assert page.locator("#chart-by-state rect.bar").count() > 0
    widths = page.eval_on_selector_all("#chart-by-year rect.bar", "bars => bars.map(b => b.getBBox().width)")
    assert max(widths) > 0  # the 2026 revocation and 2024/2025 recognitions are drawn

    # each headline figure clicked lists as many cases as it counts
    for figure in ("in-force", "revocations", "overdue-reports"):
        page.goto(f"{server}/dashboard")
        count = int(page.locator(f"#fig-{figure}").inner_text())
        assert count > 0
        page.locator(f"#link-{figure}").click()
        page.wait_for_url("**/cases?**")
        assert found(page) == count == page.locator("#case-list tbody tr").count(), figure
        assert page.locator("#figure-filter").is_visible()

    # a cell of the table, and a bar of the chart, lead to their cases as well
    page.goto(f"{server}/dashboard")
    cell = page.locator('#by-state tr[data-state="recognized"] td.total a')
    count = int(cell.inner_text())
    cell.click()
    page.wait_for_url("**/cases?**")
    assert found(page) == count and page.locator("#state").input_value() == "recognized"
    page.goto(f"{server}/dashboard")
    page.locator("#chart-by-state a").first.click()
    page.wait_for_url("**/cases?**")
    assert found(page) >= 1
    page.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_issue15_the_dashboard_at_phone_width_has_no_sideways_scroll_and_prints(clock, server, browser,  # noqa: F811
                                                                     department, totp_secrets):
    page = sign_in(browser, server, SUPERVISOR, code=lambda: code_now(clock, totp_secrets[SUPERVISOR]))
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{server}/dashboard")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for chart in ("#chart-by-state", "#chart-by-year", "#chart-by-month"):
        box = page.locator(f"svg{chart}").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    # the labels are drawn at a size a phone reads (the viewBox is about a phone's width)
    size = page.eval_on_selector("#chart-by-state text.label", "t => t.getBoundingClientRect().height")
    assert size >= 9
    # and on paper: the charts and tables print, the forms do not
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.emulate_media(media="print")
    assert page.locator("svg#chart-by-month").is_visible() and page.locator("#by-state").is_visible()
    assert not page.locator("form.filters").is_visible()
    assert page.locator("svg#chart-by-state").bounding_box()["width"] <= 794
    page.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_issue15_after_an_act_the_notice_is_on_the_screen(rt, clock, server, browser, department):  # noqa: F811
    page = sign_in(browser, server, INSPECTOR)
    page.goto(f"{server}/cases/{department['applied']}")
    page.locator("#act-inspect summary").click()
    form = page.locator('form[data-act="inspect"]')
    form.get_by_label("办理日期").fill("2026-05-20")
    form.get_by_label("事由 *").fill("现场考察")
    form.get_by_label("考察意见").fill("场地、服务团队均符合条件")
    form.get_by_role("button").click()
    page.wait_for_url("**?done=inspect#done")
    notice = page.locator("#done")
    assert notice.is_visible() and in_viewport(page, "#done")
    text = notice.inner_text()
    reference = cases.get_case(rt, department["applied"]).reference
    assert "记录现场考察" in text and "办理日期 2026年5月20日" in text and reference in text
    assert page.get_by_role("status").first.inner_text() == text
    page.close()
