"""Issue 15 over HTTP: GET /api/v1/calendar gives the coming weeks' deadlines of the user's cases by day,
as JSON and (format=ics) as an RFC 5545 file parsed back here; a user of another province sees none."""
from __future__ import annotations

from datetime import date

from tests.ical_reader import events
from tests.story import INSPECTOR, SUPERVISOR, Story

from .http import ok, problem


def _recognized(rt, clock) -> str:
    story = Story(rt, clock)
    story.apply(date(2024, 4, 8), seed=1, base="贵阳市大学生创业园")
    story.act("inspect", date(2024, 5, 10), actor=INSPECTOR, outcome="pass")
    story.act("approve", date(2024, 12, 10), actor=SUPERVISOR)
    story.until(date(2026, 11, 22))
    return story.case_id


def test_issue15_the_calendar_as_json_by_day_within_the_users_jurisdictions(rt, clock, callers):
    case_id = _recognized(rt, clock)
    days = ok(callers["caseworker.wang"].get("/api/v1/calendar"))
    assert [d["date"] for d in days] == sorted(d["date"] for d in days)
    day = next(d for d in days if d["date"] == "2026-12-10")
    assert (day["weekday"], day["working"], day["day_kind"]) == ("周四", True, "工作日")
    [deadline] = day["deadlines"]
    assert (deadline["case_id"], deadline["kind"]) == (case_id, "assessment")
    assert deadline["what"] == "第1认定期第1次绩效考核"
    assert deadline["url"] == f"http://testserver/cases/{case_id}"
    assert ok(callers["caseworker.wang"].get("/api/v1/calendar?weeks=1")) == []  # 12-10 is past one week
    assert ok(callers["caseworker.hu"].get("/api/v1/calendar")) == []
    problem(callers["caseworker.wang"].get("/api/v1/calendar?weeks=0"), 422, "/problems/validation")


def test_issue15_the_calendar_as_icalendar_one_event_per_deadline(rt, clock, callers):
    case_id = _recognized(rt, clock)
    answer = callers["caseworker.wang"].get("/api/v1/calendar?format=ics")
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/calendar; charset=utf-8"
    found = events(answer.content)
    json_count = sum(len(d["deadlines"]) for d in ok(callers["caseworker.wang"].get("/api/v1/calendar")))
    assert len(found) == json_count
    event = next(e for e in found if e["UID"] == f"{case_id}.assessment.1.1@incubase")
    assert (event["DTSTART;VALUE=DATE"], event["SUMMARY"]) == ("20261210", "贵阳市大学生创业园：第1认定期第1次绩效考核")
