"""Issue 15: a problem's `detail` follows Accept-Language (zh or en, English by default for API
clients); `type`, `title` and the structured fields are the same in every language."""
from __future__ import annotations

import re
from datetime import date

import pytest

from api.languages import preferred
from tests.e2e.http import CASES, apply_body, problem


def _window_closed(callers, clock, **headers):
    clock.set_day(date(2024, 5, 6))
    return problem(callers["caseworker.wang"].post(CASES, json=apply_body("2024-05-06"), headers=headers),
                   409, "/problems/window-closed")


def test_issue15_detail_in_chinese_for_a_client_that_prefers_it(rt, clock, callers):
    english = _window_closed(callers, clock)
    chinese = _window_closed(callers, clock, **{"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert english["detail"].startswith("2024-05-06 is outside the application window; the 2024 round is "
                                        "2024-04-01 to 2024-04-30")
    assert chinese["detail"] == ("2024年5月6日不在申报期内；2024年度申报期为2024年4月1日至2024年4月30日"
                                 "（审批人可记录说明理由的例外）。")
    assert not re.search(r"[A-Za-z]{3,}", chinese["detail"])
    # everything but the detail is the machine's, whatever the language
    assert {k: v for k, v in chinese.items() if k != "detail"} == {k: v for k, v in english.items() if k != "detail"}
    assert (chinese["title"], chinese["opens"], chinese["rule"]) == ("The application window is closed",
                                                                     "2024-04-01", "R1")


def test_issue15_a_stale_if_match_says_what_happened_in_chinese_without_the_case_id(rt, clock, callers):
    clock.set_day(date(2024, 4, 8))
    wang = callers["caseworker.wang"]
    cid = wang.post(CASES, json=apply_body()).json()["id"]
    clock.set_day(date(2024, 5, 16))
    body = problem(callers["caseworker.zhao"].act(cid, "inspect", on="2024-05-16", reason="现场考察", outcome="pass",
                                                  headers={"If-Match": "0", "Accept-Language": "zh"}),
                   412, "/problems/stale-version")
    assert "另一个标签页或窗口" in body["detail"] and cid not in body["detail"]
    assert body["case_id"] == cid and body["expected"] == 0


@pytest.mark.parametrize("header, lang", [
    (None, "en"), ("", "en"), ("zh", "zh"), ("zh-CN", "zh"), ("en-US,en;q=0.9,zh;q=0.8", "en"),
    ("fr, zh;q=0.5", "zh"), ("zh;q=0", "en"), ("*", "en"), ("zh;q=bad", "en"),
])
def test_issue15_the_language_a_client_prefers(header, lang):
    assert preferred(header) == lang
