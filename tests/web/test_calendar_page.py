"""Issue 15, the deadlines calendar: /calendar shows the coming weeks' deadlines of the user's cases by day
(Chinese date, weekday, working day or not on the official calendar), each linked to its case, only within
the user's jurisdictions; /calendar.ics is the same as RFC 5545, parsed back here."""
from __future__ import annotations

import re
from datetime import date, timedelta

from tests.ical_reader import events
from tests.story import CASEWORKER

from .conftest import TODAY

DAY = r'<section class="calendar-day" data-day="([0-9-]+)"'


def test_issue15_the_calendar_lists_the_coming_weeks_deadlines_by_day_linked_to_their_cases(sign_in, department):
    page = sign_in(CASEWORKER)
    html = page.get("/calendar").text
    assert 'href="/calendar" id="calendar-link" aria-current="page"' in html  # in the header's nav
    days = [date.fromisoformat(d) for d in re.findall(DAY, html)]
    assert days and days == sorted(days)
    assert all(TODAY <= d <= TODAY + timedelta(weeks=8) for d in days)
    # the recognised case's first assessment (recognised 2024-12-10), a Thursday and a working day
    section = html[html.index('data-day="2026-12-10"'):]
    section = section[:section.index("</section>")]
    assert "2026年12月10日 周四" in section and "工作日" in section
    assert f'href="/cases/{department["recognized"]}"' in section and "贵阳市大学生创业园" in section
    assert "绩效考核" in section and "UTC" not in html
    assert 'href="/calendar.ics?weeks=8"' in html


def test_issue15_the_calendar_shows_no_case_outside_the_users_jurisdictions(sign_in, department):
    html = sign_in("caseworker.hu").get("/calendar").text
    assert 'id="no-deadlines"' in html and "今后 8 周内没有到期事项" in html
    assert not any(case_id in html for case_id in department.values())


def test_issue15_the_calendar_in_english_names_weekdays_and_kinds_in_english(sign_in, department):
    html = sign_in(CASEWORKER).get("/calendar?lang=en").text
    assert "2026-12-10 Thu" in html and "Working day" in html and "Assessment" in html


def test_issue15_the_ics_export_holds_one_all_day_event_per_deadline_with_a_stable_uid(sign_in, department):
    page = sign_in(CASEWORKER)
    first = page.get("/calendar.ics")
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/calendar")
    found = events(first.content)  # CRLF, folded at 75 octets, reads back
    html = page.get("/calendar").text
    assert len(found) == html.count('<tr data-case="')
    assessment = next(e for e in found if e["DTSTART;VALUE=DATE"] == "20261210")
    assert assessment["DTEND;VALUE=DATE"] == "20261211"
    assert assessment["SUMMARY"].startswith("贵阳市大学生创业园：") and "绩效考核" in assessment["SUMMARY"]
    assert assessment["URL"] == f"http://testserver/cases/{department['recognized']}"
    # made again: the same UIDs, so a calendar that imports it again updates its events
    again = events(page.get("/calendar.ics").content)
    assert [e["UID"] for e in again] == [e["UID"] for e in found]
    assert len({e["UID"] for e in found}) == len(found)


def test_issue15_a_calendar_cut_at_its_limit_says_so(sign_in, department, monkeypatch):
    from services import deadlines_calendar

    page = sign_in(CASEWORKER)
    assert 'id="calendar-cut"' not in page.get("/calendar").text
    monkeypatch.setattr(deadlines_calendar, "MOST", 1)
    html = page.get("/calendar").text
    assert 'id="calendar-cut"' in html and "只显示最早的 1 项" in html
