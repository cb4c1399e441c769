"""GET /api/v1/timers and /api/v1/reminders, scoped to the user's jurisdictions (R7, R8 timers)."""
from __future__ import annotations

from datetime import date

from services.sweep import sweep
from tests.story import SUPERVISOR, Story


def _recognized(rt, clock) -> Story:
    story = Story(rt, clock)
    story.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14))
    story.until(date(2024, 6, 14))  # the subsidy falls due on the day of recognition (R11)
    return story


def test_r8_timers_filter_by_due_date_kind_and_overdue(rt, clock, callers):
    story = _recognized(rt, clock)
    clock.set_day(date(2025, 4, 3))  # the 2024 report (due 03-31) is past its day, not yet swept
    wang = callers["caseworker.wang"]
    all_timers = wang.get("/api/v1/timers").json()["items"]
    assert {(t["kind"], t["key"], t["due_on"]) for t in all_timers} >= {
        ("annual_report", "2024", "2025-03-31"), ("assessment", "1.1", "2026-06-15"),
        ("reevaluation", "1", "2029-06-14")}
    assert all(t["case_id"] == story.case_id for t in all_timers)
    before = wang.get("/api/v1/timers", params={"due_before": "2026-01-01"}).json()["items"]
    assert {t["kind"] for t in before} == {"annual_report"}
    assessments = wang.get("/api/v1/timers", params={"kind": "assessment"}).json()["items"]
    assert [t["key"] for t in assessments] == ["1.1", "1.2"]
    overdue = wang.get("/api/v1/timers", params={"overdue": "true"}).json()["items"]
    assert [(t["kind"], t["key"]) for t in overdue] == [("annual_report", "2024")]
    assert callers["caseworker.hu"].get("/api/v1/timers").json()["items"] == []  # Shanghai only


def test_r7_reminders_list_by_case_and_status_and_the_case_shows_them(rt, clock, callers):
    story = _recognized(rt, clock)
    clock.set_day(date(2025, 3, 24))
    sweep(rt, date(2025, 3, 24))
    wang = callers["caseworker.wang"]
    rows = wang.get("/api/v1/reminders", params={"case_id": story.case_id}).json()
    assert {(r["timer_kind"], r["step"], r["recipient"]) for r in rows} == {
        ("instalment", "d0", "user:caseworker.wang"),  # R11: the grant falls due on recognition day
        ("annual_report", "d7", "user:caseworker.wang"),
        ("annual_report", "d7", f"operator:{story.case.operator_code}")}
    assert wang.get("/api/v1/reminders", params={"status": "failed"}).json() == []
    assert callers["caseworker.hu"].get("/api/v1/reminders").json() == []
    case = callers[SUPERVISOR].get(f"/api/v1/cases/{story.case_id}").json()
    upcoming = {(u["kind"], u["step"], u["send_on"]) for u in case["upcoming_reminders"]}
    assert ("annual_report", "d1", "2025-03-30") in upcoming and ("annual_report", "d30", "2025-03-01") not in upcoming
