"""issue 15, done when: in Chromium, a caseworker, a supervisor and an auditor go through a day's work in
Chinese, and no page any of them sees shows an English message, a raw code or a UTC time.

What a page "shows" is its rendered text (innerText: what a reader sees, not the markup), less what is
marked as an identifier on purpose — `<code>` (the system's own case id, a credit code) and elements
with translate="no" (the link to the English pages, the product's name).
"""
from __future__ import annotations

import re

import pytest

from statemachines.catalogue import BY_NAME
from statemachines.lifecycle import STATES
from tests.signing_in import code_now
from tests.story import INSPECTOR, SUPERVISOR

from .test_browser import SCREENS, browser, server, sign_in  # noqa: F401 (fixtures)

# the words a Chinese page may show in Latin letters: names of formats, programs and the standards it cites
ALLOWED_LATIN = {"Excel", "Outlook", "JSON", "xlsx", "PDF", "GB", "iCalendar", "ics", "CSV"}
LATIN_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{3,}(?![A-Za-z0-9])")
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
STEP_CODE = re.compile(r"(?<![A-Za-z0-9])d\d{1,3}(?![A-Za-z0-9])")
UTC = re.compile(r"UTC|GMT|[+-]00:00|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{2}:\d{2}:\d{2}Z")
CODES = set(STATES) | set(BY_NAME)

SHOWN_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('code, [translate="no"], script, style, svg title').forEach(e => e.remove());
  document.body.appendChild(copy);
  copy.style.position = 'absolute'; copy.style.left = '-99999px';
  const text = copy.innerText;
  copy.remove();
  return text;
}"""


def unreadable(text: str) -> dict[str, list[str]]:
    """What a reader of Chinese would not understand in a page's text, by kind."""
    codes = {w for w in SNAKE.findall(text)} | {w for w in re.findall(r"[a-z]+", text) if w in CODES}
    words = SNAKE.sub(" ", text)  # a code's parts are not counted again as English
    found = {
        "English": sorted({w for w in LATIN_WORD.findall(words) if w not in ALLOWED_LATIN | codes}),
        "code": sorted(codes),
        "step": sorted(set(STEP_CODE.findall(text))),
        "UTC": sorted(set(UTC.findall(text))),
    }
    return {kind: words for kind, words in found.items() if words}


class Reader:
    """Every page a user opens, read as they would; what they could not read is kept by page."""

    def __init__(self, page, base: str) -> None:
        self.page, self.base, self.problems = page, base, {}

    def read(self, label: str) -> None:
        assert self.page.evaluate("document.documentElement.lang") == "zh-CN", label
        found = unreadable(self.page.evaluate(SHOWN_TEXT))
        if found:
            self.problems[f"{label} {self.page.url.removeprefix(self.base)}"] = found

    def goto(self, path: str, label: str) -> None:
        self.page.goto(f"{self.base}{path}")
        self.read(label)


def test_the_reader_finds_what_it_should():
    """The checks themselves: each kind is found, and plain Chinese with its allowed words passes."""
    assert unreadable("已认定 2026年12月2日 下载案卷（Excel） GB/T 2260 受理编号 520000-2026-0012") == {}
    assert unreadable("填写有误：every act says why") == {"English": ["act", "every", "says", "why"]}
    assert unreadable("状态 suspended · annual_report_overdue:2025") == {"code": ["annual_report_overdue",
                                                                             "suspended"]}
    assert unreadable("提醒节点 d30") == {"step": ["d30"]}
    assert unreadable("录入时间 2026-12-02T06:05:00+00:00") == {"UTC": ["+00:00", "2026-12-02T06:05"]}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_issue15_a_days_work_in_chinese_shows_no_english_raw_code_or_utc(rt, clock, server, browser,  # noqa: F811
                                                                         department, totp_secrets):
    SCREENS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, dict[str, list[str]]] = {}

    # the caseworker: the queue, a search, the case list, the case; records an inspection
    page = sign_in(browser, server, INSPECTOR)
    r = Reader(page, server)
    r.read("caseworker")
    for path in ("/queue", "/queue?q=安顺", "/cases", "/cases?state=recognized", "/reminders", "/calendar",
                 f"/cases/{department['applied']}", f"/cases/{department['complaint']}", "/account"):
        r.goto(path, "caseworker")
    page.goto(f"{server}/cases/{department['applied']}")
    page.locator("#act-inspect summary").click()
    form = page.locator('form[data-act="inspect"]')
    form.get_by_label("办理日期").fill("2026-04-01")  # before the application: refused
    form.get_by_label("事由 *").fill("现场考察")
    form.get_by_role("button").click()
    r.read("caseworker, a refused date")
    form = page.locator('form[data-act="inspect"]')
    form.get_by_label("办理日期").fill("2026-05-20")
    form.get_by_label("事由 *").fill("")  # no reason: refused
    form.get_by_role("button").click()
    r.read("caseworker, no reason")
    form = page.locator('form[data-act="inspect"]')
    form.get_by_label("办理日期").fill("2026-05-20")
    form.get_by_label("事由 *").fill("现场考察")
    form.get_by_label("考察意见").fill("场地、服务团队均符合条件")
    form.get_by_role("button").click()
    page.wait_for_url("**done=inspect**")
    r.read("caseworker, recorded")
    r.goto("/no-such-page", "caseworker")
    problems.update(r.problems)
    page.close()

    # the supervisor: the queue's approvals, the case, the dashboard
    page = sign_in(browser, server, SUPERVISOR, code=lambda: code_now(clock, totp_secrets[SUPERVISOR]))
    r = Reader(page, server)
    for path in ("/queue", f"/cases/{department['inspected']}", f"/cases/{department['applied']}",
                 "/dashboard", "/cases?sort=next_due", "/reminders", "/calendar", "/decisions"):
        r.goto(path, "supervisor")
    page.goto(f"{server}/decisions")
    page.locator('a[href^="/decisions/"]').first.click()  # the round's cases waiting for a decision
    page.wait_for_load_state()
    r.read("supervisor, a round")
    page.goto(f"{server}/dashboard")
    page.locator("#link-in-force").click()  # the figure's cases
    page.wait_for_load_state()
    r.read("supervisor, a figure's cases")
    page.screenshot(path=SCREENS / "cases.png", full_page=True)
    page.goto(f"{server}/calendar")
    page.screenshot(path=SCREENS / "calendar.png", full_page=True)
    page.goto(f"{server}/cases/{department['inspected']}")
    page.locator("#act-approve summary").click()
    form = page.locator('form[data-act="approve"]')
    form.get_by_label("事由 *").fill("经审核，符合认定条件")
    form.get_by_role("button").click()
    page.wait_for_load_state()
    r.read("supervisor, approved")
    problems.update(r.problems)
    page.close()

    # the auditor: the replay at several dates, its verification
    page = sign_in(browser, server, "auditor.chen")
    r = Reader(page, server)
    recognized = f"/cases/{department['recognized']}"
    for path in (f"{recognized}/audit", f"{recognized}/audit?as_of=2024-06-01",
                 f"/cases/{department['complaint']}/audit", recognized, "/cases"):
        r.goto(path, "auditor")
    problems.update(r.problems)
    page.close()

    assert problems == {}, "\n".join(f"{where}: {found}" for where, found in problems.items())
