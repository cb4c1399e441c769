"""End to end in headless Chromium (Debian's, driven by Playwright): the pages as a caseworker,
a supervisor and an auditor use them. `make screens` saves the screenshots under docs/screens/.

Skipped, with one loud line, only when no browser can be had (`make test` tries to install it).
"""
from __future__ import annotations

import io
import os
import re
import tempfile
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from openpyxl import load_workbook

from api.main import create_app
from services import cases
from tests.browser import chromium, needs_browser, outside_requests
from tests.net import free_port
from tests.signing_in import code_now
from tests.story import INSPECTOR, SUPERVISOR

from .conftest import PASSWORD

# `make screens` sets INCUBASE_SCREENS=docs/screens to refresh the README's pictures; a plain test
# run takes them too (a page that cannot render fails) but leaves the checked-in ones alone
SCREENS = Path(os.environ.get("INCUBASE_SCREENS") or tempfile.mkdtemp(prefix="incubase-screens-"))
pytestmark = needs_browser


@pytest.fixture
def server(rt, people, department):
    yield from serving(rt)


def serving(rt):
    """The app on this runtime, served by uvicorn in a thread: its base URL, until the generator ends."""
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(runtime=rt), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


class Browser:
    """Each page in a context of its own (a sign-in of its own); none may ask any host but 127.0.0.1."""

    def __init__(self, browser) -> None:
        self.browser, self.outside = browser, []

    def new_page(self):
        context = self.browser.new_context(viewport={"width": 1280, "height": 800})
        self.outside = outside_requests(context, self.outside)
        return context.new_page()


@pytest.fixture
def browser():
    with chromium() as b:
        pages = Browser(b)
        yield pages
        assert pages.outside == [], f"the pages asked other hosts for {pages.outside}"


def sign_in(browser, base: str, username: str, shot: str | None = None, code=None):
    """`code`: where the user signs in with a second factor, what gives the code of the moment."""
    page = browser.new_page()
    page.goto(f"{base}/queue")
    assert page.url.startswith(f"{base}/login")
    if shot:
        page.screenshot(path=SCREENS / shot)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.keyboard.press("Enter")  # the form works from the keyboard
    if code is not None:  # the second step: the one-time code (issue 14)
        page.get_by_label("动态验证码（或恢复码）").fill(code())
        page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/queue")
    return page


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_day_in_the_department(rt, clock, server, browser, department, totp_secrets):
    SCREENS.mkdir(parents=True, exist_ok=True)
    base = server

    # a caseworker signs in and finds the case waiting for inspection in the queue
    page = sign_in(browser, base, INSPECTOR, shot="login.png")
    page.get_by_label("搜索").fill("安顺")
    page.get_by_role("button", name="筛选").click()
    row = page.locator(f'tr[data-case="{department["applied"]}"]')
    assert "待考察" in row.inner_text()
    page.goto(f"{base}/queue")
    page.screenshot(path=SCREENS / "queue.png", full_page=True)
    page.goto(f"{base}/queue?q=安顺")
    page.get_by_role("link", name="安顺市科创孵化基地").click()
    page.wait_for_url(f"**/cases/{department['applied']}")
    assert page.locator(".badge").first.inner_text() == "已申报"

    # a date before the application is refused beside the date field
    page.locator("#act-inspect summary").click()
    form = page.locator('form[data-act="inspect"]')
    form.get_by_label("办理日期").fill("2026-04-01")
    form.get_by_label("事由 *").fill("现场考察")
    form.get_by_role("button").click()
    error = page.locator('form[data-act="inspect"] .error[data-field="on"]')
    assert "早于本认定事项上一次办理的日期" in error.inner_text() and "2026年4月15日" in error.inner_text()
    assert page.locator("#inspect-on").get_attribute("aria-invalid") == "true"

    # … and with the right date the inspection is recorded
    form = page.locator('form[data-act="inspect"]')
    form.get_by_label("办理日期").fill("2026-05-20")
    form.get_by_label("考察意见").fill("场地、服务团队均符合条件")
    form.get_by_role("button").click()
    page.wait_for_url("**?done=inspect#done")
    assert "已考察" in page.locator("h1 .badge").inner_text()
    assert page.locator('#timeline tr[data-act="inspect"]').count() == 1
    # issue 15: who by name, when in Beijing time, as people read them
    inspected = page.locator('#timeline tr[data-act="inspect"]').inner_text()
    assert "赵磊" in inspected and "（北京时间）" in inspected and "UTC" not in inspected
    assert "caseworker.zhao" not in inspected
    assert cases.get_case(rt, department["applied"]).state == "inspected"
    # a caseworker gets no approval form
    assert page.locator('form[data-act="approve"]').count() == 0
    page.goto(f"{base}/cases/{department['complaint']}")
    page.screenshot(path=SCREENS / "case.png", full_page=True)
    page.close()

    # the supervisor sees the approval form
    page = sign_in(browser, base, SUPERVISOR, code=lambda: code_now(clock, totp_secrets[SUPERVISOR]))
    page.goto(f"{base}/cases/{department['applied']}")
    assert page.locator('form[data-act="approve"]').count() == 1
    page.goto(f"{base}/dashboard")
    assert page.locator("#fig-in-force").inner_text() == "2"
    page.screenshot(path=SCREENS / "dashboard.png", full_page=True)
    page.close()

    # the auditor replays the case: before the approval it was only inspected
    page = sign_in(browser, base, "auditor.chen")
    page.goto(f"{base}/cases/{department['recognized']}/audit")
    assert page.locator("#case-state").first.inner_text() == "已认定"
    page.get_by_label("查看日期").first.fill("2024-06-01")
    page.get_by_role("button", name="查看").click()
    page.wait_for_url("**as_of=2024-06-01")
    assert page.locator("#case-state").first.inner_text() == "已考察"
    slider = page.locator("#slider")
    slider.focus()
    page.keyboard.press("ArrowRight")  # to the approval day, from the keyboard
    page.wait_for_url("**as_of=2024-12-10")
    assert page.locator("#case-state").first.inner_text() == "已认定"
    assert "核验通过" in page.locator("#verification").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="案卷（Excel）").click()
    assert download.value.suggested_filename == f"dossier-{department['recognized']}.xlsx"
    # issue 15: ready to file, in the page's language
    filed = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert filed.sheetnames[:2] == ["案卷信息", "办理记录"] and filed["办理记录"]["D3"].value == "王芳"
    page.screenshot(path=SCREENS / "auditor.png", full_page=True)
    page.close()


@pytest.fixture
def attacker():
    """A page of another site on the same host (another port): a form aimed at the service's case page."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, "").encode("utf-8")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", pages
    srv.shutdown()
    srv.server_close()
    thread.join(10)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_issue14_4_an_attackers_page_on_another_port_cannot_record_an_act(rt, clock, server, browser, department,
                                                                          attacker, totp_secrets):
    """issue 14 #4, as it happened: the supervisor, signed in, opens a page served on another port of
    the same host, which posts record_complaint to the service. SameSite=Strict sent the cookie (same
    site); the Origin check and the missing token refuse it, and nothing is recorded."""
    origin, pages = attacker
    case_id = department["recognized"]
    target = f"{server}/cases/{case_id}/acts/record_complaint"
    pages["/"] = f"""<!doctype html><meta charset="utf-8"><form method="post" action="{target}">
<input name="on" value="2026-11-22"><input name="reason" value="伪造"><input name="summary" value="伪造的投诉">
<input name="csrf" value="guessed"><button id="go">领取奖品</button></form>"""
    page = sign_in(browser, server, SUPERVISOR, code=lambda: code_now(clock, totp_secrets[SUPERVISOR]))
    page.goto(f"{origin}/")
    with page.expect_navigation():
        page.click("#go")
    assert page.url.startswith(f"{server}/cases/{case_id}/acts/record_complaint")
    assert page.locator("#refusal").get_attribute("data-code") == "cross-site"
    assert cases.get_case(rt, case_id).complaints == []
    page.goto(f"{server}/queue")  # still signed in, and the service's own form still works
    assert page.url == f"{server}/queue"
    page.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_issue14_5_the_pages_break_no_rule_of_their_csp(rt, server, browser, department):
    """issue 14 #5: the CSP has no 'unsafe-inline', so any inline script left would be refused; the
    browser reports no violation on any page, and the audit slider's script (now a file) runs."""
    page = sign_in(browser, server, "auditor.chen")
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    # run by the browser itself before each page (not subject to the page's CSP): reports what it refuses
    page.add_init_script("document.addEventListener('securitypolicyviolation', e => console.error("
                         "'Content Security Policy: ' + e.violatedDirective + ' ' + e.blockedURI))")
    for url in ("/queue", "/dashboard", "/reminders", f"/cases/{department['complaint']}",
                f"/cases/{department['recognized']}/audit?as_of=2024-06-01"):
        page.goto(f"{server}{url}")
    page.locator("#slider").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_url("**as_of=2024-12-10")
    assert violations == []
    page.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_issue15_a_case_prints_on_a4_without_header_buttons_or_forms(rt, server, browser, department):
    page = sign_in(browser, server, "auditor.chen")
    page.goto(f"{server}/cases/{department['recognized']}")
    assert page.locator("header.top").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not any(f.is_visible() for f in page.locator("form").all()) and not page.locator("button").first.is_visible()
    assert page.locator("h1").is_visible() and "贵阳市大学生创业园" in page.locator("h1").inner_text()
    pdf = page.pdf(prefer_css_page_size=True)  # the page's own @page: A4
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9. ]+?)\s*\]", pdf)
    sizes = {tuple(round(float(x)) for x in box.split()) for box in boxes}
    assert pdf.startswith(b"%PDF") and sizes == {(595, 842)}, sizes  # A4 in points
    page.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_issue15_every_page_fits_a_phone_375_px_wide_without_sideways_scroll(rt, server, browser, department):
    page = sign_in(browser, server, "auditor.chen")
    page.set_viewport_size({"width": 375, "height": 740})
    wide = {}
    for path in ("/queue", f"/cases/{department['recognized']}", f"/cases/{department['recognized']}/audit",
                 "/dashboard", "/account", "/cases", "/reminders", "/no-such-page"):
        page.goto(f"{server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 375:
            wide[path] = (width, page.evaluate("""[...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > 376 && getComputedStyle(e).position !== 'fixed')
                .slice(0, 6)
                .map(e => `${e.tagName}.${e.className}#${e.id} ${Math.round(e.getBoundingClientRect().right)}`)
            """))
    assert wide == {}, f"pages wider than the phone: {wide}"

    page.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_issue_15_the_caseworker_finds_the_overdue_report_and_their_reminders(rt, server, browser, department):
    """issue 15: in Chromium, the caseworker's queue has the overdue annual report with its deadline and
    the approval under 等待审批; the header's 我的提醒 opens their reminders, the step in words."""
    page = sign_in(browser, server, "caseworker.wang")
    row = page.locator(f'tr[data-case="{department["recognized"]}"][data-kind="annual_report"]').first
    assert "年度报告逾期" in row.inner_text() and "2025年3月31日" in row.inner_text()
    assert page.locator("h2.group-awaiting").inner_text().startswith("等待审批")
    page.get_by_role("link", name="我的提醒").click()
    page.wait_for_url(f"{server}/reminders")
    table = page.locator("table.reminders").inner_text()
    assert "到期前30日" in table and "d30" not in table
    page.screenshot(path=SCREENS / "reminders.png", full_page=True)
    page.close()


def test_issue15_an_act_recorded_in_another_tab_is_explained_in_chinese_and_the_form_kept(rt, server, browser,
                                                                                          department):
    """issue 15: the same caseworker opens a case in two tabs and records an act in the first; the
    second tab's act is refused in Chinese words saying what happened (not "case … changed since
    version 3"), beside a form that still holds what was typed; nothing is written."""
    first = sign_in(browser, server, "caseworker.wang")
    second = first.context.new_page()
    case_id = department["recognized"]
    for tab in (first, second):
        tab.goto(f"{server}/cases/{case_id}")
    first.locator("#act-submit_annual_report summary").click()
    form = first.locator('form[data-act="submit_annual_report"]')
    form.get_by_label("办理日期").fill("2026-11-01")
    form.get_by_label("事由 *").fill("收到2025年度报告")
    form.locator('[name="year"]').fill("2025")
    form.get_by_role("button").click()
    first.wait_for_url("**?done=submit_annual_report#done")
    before = cases.get_case(rt, case_id).version

    second.locator("#act-record_complaint summary").click()
    form = second.locator('form[data-act="record_complaint"]')
    form.get_by_label("办理日期").fill("2026-11-02")
    form.get_by_label("事由 *").fill("来电反映")
    form.locator('[name="complaint_id"]').fill("ts-9")
    form.locator('[name="summary"]').fill("场地收费与承诺不符")
    form.get_by_role("button").click()
    refusal = second.locator('form[data-act="record_complaint"] .error').first.inner_text()
    assert "另一个标签页或窗口" in refusal and "刷新" in refusal
    assert not re.search(r"[A-Za-z]{3,}", refusal) and case_id not in refusal
    assert second.locator('form[data-act="record_complaint"] [name="summary"]').input_value() == "场地收费与承诺不符"
    assert cases.get_case(rt, case_id).version == before  # nothing written
    second.screenshot(path=SCREENS / "stale-version.png", full_page=True)
    first.close()
