"""issue 15, my reminders: /reminders shows the signed-in user's in-app reminders and escalations,
escalations first, the steps in words (到期前7日, not d7), linked from every page's header."""
from __future__ import annotations

import re
from datetime import date

import pytest

from services.sweep import sweep
from tests.story import CASEWORKER, SUPERVISOR, Story

ROW = r'<tr class="(escalation|reminder)" data-id="\d+" data-case="([^"]+)" data-step="(\w+)">'


@pytest.fixture
def late_report(rt, clock, people) -> str:
    """Recognised 2024-06-14 (the grant due that day); the 2024 report reminded 7 days ahead, then overdue."""
    story = Story(rt, clock)
    story.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14))
    story.until(date(2024, 6, 14))
    for day in (date(2025, 3, 24), date(2025, 4, 1)):
        clock.set_day(day)
        sweep(rt, day)
    assert story.case_id is not None
    return story.case_id


def test_issue_15_my_reminders_page_lists_the_users_reminders_escalations_first_in_words(sign_in, late_report):
    """issue 15: the caseworker's page lists the escalation first, then the reminders newest first, each
    step in Chinese words and each linked to its case; the header links to it from every page."""
    client = sign_in(CASEWORKER)
    assert 'href="/reminders" id="my-reminders"' in client.get("/queue").text
    html = client.get("/reminders").text
    assert re.findall(ROW, html) == [("escalation", late_report, "overdue"), ("reminder", late_report, "d7"),
                                     ("reminder", late_report, "d0")]
    for words in ("我的提醒", "逾期督办", "到期前7日", "到期当日", "年度报告", "2025年3月31日"):
        assert words in html, words
    cells = re.sub(r"<[^>]+>", " ", html.split("<tbody>")[1])
    assert not re.search(r"\bd\d+\b|\boverdue\b|annual_report", cells)  # no raw codes where people read
    assert f'href="/cases/{late_report}"' in html
    english = client.get("/reminders?lang=en").text
    assert "My reminders" in english and "7 days before" in english and "On the day" in english


def test_issue_15_each_user_sees_only_their_own_reminders(sign_in, late_report):
    """issue 15: the supervisor is told only of the escalation; the Shanghai caseworker of nothing."""
    assert re.findall(ROW, sign_in(SUPERVISOR).get("/reminders").text) == [("escalation", late_report, "overdue")]
    shanghai = sign_in("caseworker.hu").get("/reminders").text
    assert re.findall(ROW, shanghai) == [] and "暂无提醒" in shanghai


def test_issue_15_a_page_number_no_page_has_is_a_readable_refusal(sign_in, late_report):
    """issue 15: ?page=x is a 400 page in the site's words, not a 500."""
    client = sign_in(CASEWORKER)
    for page in ("x", "0", "²", "-1"):
        answer = client.get("/reminders", params={"page": page})
        assert answer.status_code == 400 and 'data-code="bad-page"' in answer.text, page
    assert client.get("/reminders", params={"page": "2"}).status_code == 200
