"""Issue 15 in Chromium: a supervisor goes from the work queue's 待批复 to the round, approves two cases
with one 批复文号 and reads each outcome in words; the deadlines calendar is in the header. The server,
browser and sign-in of tests/web/test_browser.py (skipped, loudly, where no browser can be had)."""
from __future__ import annotations

from datetime import date

import pytest

from services import cases
from tests.browser import needs_browser
from tests.signing_in import code_now
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, Story

from .test_browser import SCREENS, browser, server, sign_in  # noqa: F401 (fixtures, by name)

pytestmark = needs_browser
NUMBER = "黔人社复〔2026〕15号"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_issue15_a_supervisor_approves_two_cases_of_a_round_with_one_decision_number(
        rt, clock, server, browser, department, totp_secrets):  # noqa: F811
    second = Story(rt, clock)
    second.apply(date(2026, 4, 21), seed=5, base="六盘水市青年创业园")
    second.act("inspect", date(2026, 6, 2), actor=INSPECTOR, outcome="pass")
    second.until(date(2026, 11, 22))
    picked = (department["inspected"], second.case_id)

    page = sign_in(browser, server, SUPERVISOR, code=lambda: code_now(clock, totp_secrets[SUPERVISOR]))
    page.get_by_role("link", name="按申报批次批量批复").click()
    page.wait_for_url(f"{server}/decisions")
    page.locator('tr[data-year="2026"]').get_by_role("link", name="进入批量批复").click()
    page.wait_for_url(f"{server}/decisions/guizhou-provincial-2022/2026")
    page.set_viewport_size({"width": 375, "height": 740})  # a phone: the round's list fits without sideways scroll
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 800})
    for case_id in picked:
        page.locator(f"#pick-{case_id}").check()
    page.get_by_label("批复文号").fill(NUMBER)
    page.get_by_label("事由").fill("经厅务会研究，予以认定")
    page.get_by_label("予以认定").check()
    page.get_by_role("button", name="批复所选事项").click()
    page.wait_for_load_state()

    assert "办理 2 件，此前已办理 0 件，未办理 0 件" in page.locator("#result-counts").inner_text()
    for case_id in picked:
        row = page.locator(f'tr[data-case="{case_id}"]')
        assert "已批复认定" in row.inner_text() and "已认定" in row.inner_text()
        assert cases.history(rt, case_id)[-1].payload["decision_number"] == NUMBER
    page.screenshot(path=SCREENS / "round_decisions.png", full_page=True)
    page.locator(f'tr[data-case="{second.case_id}"] a').click()
    page.wait_for_url(f"**/cases/{second.case_id}")
    assert NUMBER in page.locator('#timeline tr[data-act="approve"]').inner_text()
    page.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_issue15_the_calendar_is_in_the_header_and_fits_a_phone(rt, server, browser, department):  # noqa: F811
    page = sign_in(browser, server, CASEWORKER)
    page.get_by_role("link", name="期限日历").click()
    page.wait_for_url(f"{server}/calendar")
    day = page.locator('section[data-day="2026-12-10"]')
    assert "2026年12月10日 周四" in day.inner_text() and "工作日" in day.inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="导出到日历（iCalendar）").click()
    assert download.value.suggested_filename == "incubase-deadlines.ics"
    page.set_viewport_size({"width": 375, "height": 740})
    for path in ("/calendar", "/queue"):
        page.goto(f"{server}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
    page.close()
