"""GET /api/v1/timers, GET /api/v1/reminders and a case's reminders, each within the user's jurisdictions.

Two cases: a Guizhou provincial base (520000, opened by caseworker.wang) recognised 2024-06-14 and
a Shanghai municipal base (310000, opened by caseworker.hu) recognised 2024-08-15. Both owe their
2024 annual report by 2025-03-31.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.delivery import DeliveryError, deliver
from services.sweep import sweep
from tests.e2e.http import CASES, ok
from tests.story import Story, credit_code

TIMERS = "/api/v1/timers"
REMINDERS = "/api/v1/reminders"


@pytest.fixture
def two_cases(rt, clock, callers) -> tuple[Story, Story]:
    guizhou = Story(rt, clock)
    guizhou.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14), contact_email="ops@gy.example")
    guizhou.until(date(2024, 6, 14))  # the grant falls due on recognition day (R11)
    shanghai = Story(rt, clock)
    shanghai.apply(date(2024, 7, 2), seed=7, base="杨浦区创业孵化示范基地", level="municipal", jurisdiction="310000",
                   actor="caseworker.hu", credit_code=credit_code(7, "310110"))
    shanghai.act("inspect", date(2024, 7, 22), actor="caseworker.hu", outcome="pass")
    shanghai.act("approve", date(2024, 8, 15), actor="supervisor.li")
    assert guizhou.case.state == shanghai.case.state == "recognized"
    assert (guizhou.timers()[("annual_report", "2024")] == shanghai.timers()[("annual_report", "2024")]
            == date(2025, 3, 31))
    return guizhou, shanghai


def listed(answer) -> list[dict]:
    """The timers of a page of GET /api/v1/timers (issue 16: a page, not a bare list)."""
    return ok(answer)["items"]


def _keys(rows) -> list[tuple[str, str, str]]:
    return [(r["case_id"], r["kind"], r["key"]) for r in rows]


# --- timers ---------------------------------------------------------------------------------------

def test_r7_timers_are_listed_only_for_the_users_jurisdictions(clock, callers, two_cases):
    gz, sh = two_cases
    clock.set_day(date(2025, 1, 6))
    wang = listed(callers["caseworker.wang"].get(TIMERS))
    hu = listed(callers["caseworker.hu"].get(TIMERS))
    everyone = listed(callers["auditor.chen"].get(TIMERS))
    assert {r["case_id"] for r in wang} == {gz.case_id}
    assert {r["case_id"] for r in hu} == {sh.case_id}
    assert sorted(_keys(everyone)) == sorted(_keys(wang) + _keys(hu))
    assert {(r["kind"], r["key"]) for r in wang} == set(gz.timers())
    assert {(r["kind"], r["key"]) for r in hu} == set(sh.timers())
    report = next(r for r in wang if (r["kind"], r["key"]) == ("annual_report", "2024"))
    assert report == {"case_id": gz.case_id, "base_name": "贵阳市大学生创业园", "state": "recognized",
                      "jurisdiction": "520000", "kind": "annual_report", "key": "2024", "due_on": "2025-03-31",
                      "fires_on": "2025-04-01", "provisional": False}
    assert [r["due_on"] for r in everyone] == sorted(r["due_on"] for r in everyone)  # soonest first


def test_r8_timers_filter_by_due_before_strictly(clock, callers, two_cases):
    gz, _ = two_cases
    clock.set_day(date(2025, 1, 6))
    wang = callers["caseworker.wang"]
    assert listed(wang.get(TIMERS, params={"due_before": "2025-03-31"})) == []  # due on that day is not before it
    before = listed(wang.get(TIMERS, params={"due_before": "2025-04-01"}))
    assert _keys(before) == [(gz.case_id, "annual_report", "2024")]
    later = listed(wang.get(TIMERS, params={"due_before": "2026-07-01"}))
    assert {(r["kind"], r["key"]) for r in later} == {("annual_report", "2024"), ("annual_report", "2025"),
                                                      ("assessment", "1.1")}
    assert all(r["due_on"] < "2026-07-01" for r in later)


def test_r8_timers_filter_by_kind(clock, callers, two_cases):
    gz, sh = two_cases
    clock.set_day(date(2025, 1, 6))
    wang = callers["caseworker.wang"]
    assessments = listed(wang.get(TIMERS, params={"kind": "assessment"}))
    assert [(r["key"], r["due_on"]) for r in assessments] == [("1.1", "2026-06-15"), ("1.2", "2028-06-14")]
    assert _keys(listed(wang.get(TIMERS, params={"kind": "reevaluation"}))) == [(gz.case_id, "reevaluation", "1")]
    reports = listed(callers["auditor.chen"].get(TIMERS, params={"kind": "annual_report", "due_before": "2025-04-01"}))
    assert sorted(_keys(reports)) == sorted([(gz.case_id, "annual_report", "2024"),
                                             (sh.case_id, "annual_report", "2024")])
    assert listed(wang.get(TIMERS, params={"kind": "ban_end"})) == []
    assert wang.get(TIMERS, params={"kind": "birthday"}).status_code == 422
    assert wang.get(TIMERS, params={"due_before": "2025-02-30"}).status_code == 422


def test_r7_overdue_timers_are_deadlines_past_and_not_yet_swept(rt, clock, callers, two_cases):
    gz, sh = two_cases
    wang, hu, chen = callers["caseworker.wang"], callers["caseworker.hu"], callers["auditor.chen"]
    clock.set_day(date(2025, 3, 31))  # the last day to report is still in time
    assert listed(wang.get(TIMERS, params={"overdue": "true"})) == []
    clock.set_day(date(2025, 4, 3))  # past it, and no sweep since
    assert _keys(listed(wang.get(TIMERS, params={"overdue": "true"}))) == [(gz.case_id, "annual_report", "2024")]
    assert _keys(listed(hu.get(TIMERS, params={"overdue": "true"}))) == [(sh.case_id, "annual_report", "2024")]
    assert len(listed(chen.get(TIMERS, params={"overdue": "true"}))) == 2
    assert len(listed(wang.get(TIMERS, params={"overdue": "false"}))) > 1
    assert listed(wang.get(TIMERS, params={"overdue": "true", "kind": "assessment"})) == []
    # once swept, the deadline has fired: neither overdue nor pending any more
    assert not sweep(rt, date(2025, 4, 3)).failed
    assert listed(chen.get(TIMERS, params={"overdue": "true"})) == []
    assert ("annual_report", "2024") not in {(r["kind"], r["key"]) for r in listed(wang.get(TIMERS))}


def test_issue16_timers_page_by_keyset_following_next_to_the_end(clock, callers, two_cases):
    clock.set_day(date(2025, 1, 6))
    chen = callers["auditor.chen"]
    whole = ok(chen.get(TIMERS))
    everything = whole["items"]
    assert len(everything) > 3 and whole["total"] == len(everything) and not whole["total_capped"]
    assert whole["next"] is None and whole["next_after"] is None
    pages, path = [], f"{TIMERS}?limit=2&kind=annual_report"
    while path:
        page = ok(chen.get(path))
        assert len(page["items"]) <= 2 and page["limit"] == 2
        pages.append(page["items"])
        path = page["next"]
    assert [t for items in pages for t in items] == [t for t in everything if t["kind"] == "annual_report"]
    assert len(pages) > 1 and all(pages)
    first = ok(chen.get(TIMERS, params={"limit": 2}))
    rest = ok(chen.get(TIMERS, params={"limit": 1000, "after": first["next_after"]}))
    assert first["items"] + rest["items"] == everything and first["total"] == rest["total"] == len(everything)
    assert chen.get(TIMERS, params={"limit": 0}).status_code == 422
    assert ok(chen.get(TIMERS, params={"offset": 0}))["items"] == everything  # offset 0 is still taken


def test_issue16_timers_refuse_an_offset_and_a_cursor_not_theirs(callers, two_cases):
    chen = callers["auditor.chen"]
    moved = chen.get(TIMERS, params={"limit": 2, "offset": 2})
    assert moved.status_code == 422 and "不再按 offset 翻页" in moved.text and "next" in moved.text
    case_cursor = ok(chen.get(CASES, params={"limit": 1}))["next_after"]
    for cursor in ("not-a-cursor", case_cursor):
        answer = chen.get(TIMERS, params={"after": cursor})
        assert answer.status_code == 422 and "不是本列表给出的游标" in answer.text


def test_issue16_the_timers_count_stops_at_its_cap(clock, callers, two_cases, monkeypatch):
    from services import timer_queries

    clock.set_day(date(2025, 1, 6))
    monkeypatch.setattr(timer_queries, "COUNT_CAP", 3)
    page = ok(callers["auditor.chen"].get(TIMERS, params={"limit": 2}))
    assert page["total"] == 3 and page["total_capped"] and len(page["items"]) == 2 and page["next"]


@pytest.mark.parametrize("path", [TIMERS, REMINDERS, CASES])
def test_an_offset_past_any_database_integer_is_a_422_not_a_500(callers, path):
    # schemathesis found 2**63 reaching SQLite as an OverflowError
    answer = callers["auditor.chen"].get(path, params={"offset": 2**63})
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")


# --- reminders ------------------------------------------------------------------------------------

class _Recorder:
    """A webhook sender in process: records, and refuses the operator's copies."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    def send(self, message) -> None:
        if message.reminder.recipient.startswith("operator:"):
            raise DeliveryError("webhook answered 503: 维护中")
        self.sent.append(message.id)


def _swept_d7(rt, clock) -> None:
    clock.set_day(date(2025, 3, 24))
    assert not sweep(rt, date(2025, 3, 24), channels=("webhook",)).failed


def test_r7_reminders_are_listed_only_for_the_users_jurisdictions(rt, clock, callers, two_cases):
    gz, sh = two_cases
    _swept_d7(rt, clock)
    wang = ok(callers["caseworker.wang"].get(REMINDERS))
    hu = ok(callers["caseworker.hu"].get(REMINDERS))
    chen = ok(callers["auditor.chen"].get(REMINDERS))
    assert {r["case_id"] for r in wang} == {gz.case_id}
    assert {r["case_id"] for r in hu} == {sh.case_id}
    assert sorted(r["id"] for r in chen) == sorted(r["id"] for r in wang + hu)
    d7 = {(r["recipient"], r["channel"]) for r in wang if r["timer_kind"] == "annual_report" and r["step"] == "d7"}
    assert d7 == {("user:caseworker.wang", "inbox"), ("user:caseworker.wang", "webhook"),
                  (f"operator:{gz.case.operator_code}", "inbox"), (f"operator:{gz.case.operator_code}", "webhook")}
    assert {(r["recipient"], r["channel"]) for r in hu if r["step"] == "d7"} == {
        ("user:caseworker.hu", "inbox"), ("user:caseworker.hu", "webhook"),
        (f"operator:{sh.case.operator_code}", "inbox"), (f"operator:{sh.case.operator_code}", "webhook")}
    row = next(r for r in wang
               if r["step"] == "d7" and r["channel"] == "webhook" and r["recipient_role"] == "caseworker")
    assert (row["timer_key"], row["due_on"], row["send_on"], row["status"], row["attempts"], row["last_error"]) == (
        "2024", "2025-03-31", "2025-03-24", "pending", 0, None)
    assert "贵阳市大学生创业园" in row["subject"] and "2025年3月31日" in row["subject"]
    assert "address" not in row and "body" not in row


def test_r7_reminders_filter_by_case_and_status(rt, clock, callers, two_cases):
    gz, sh = two_cases
    _swept_d7(rt, clock)
    wang, chen = callers["caseworker.wang"], callers["auditor.chen"]
    by_case = ok(chen.get(REMINDERS, params={"case_id": sh.case_id}))
    assert by_case and {r["case_id"] for r in by_case} == {sh.case_id}
    assert ok(wang.get(REMINDERS, params={"case_id": sh.case_id})) == []  # outside wang's jurisdictions
    assert ok(callers["caseworker.hu"].get(REMINDERS, params={"case_id": gz.case_id})) == []

    pending = ok(wang.get(REMINDERS, params={"status": "pending"}))
    assert {(r["channel"], r["status"]) for r in pending} == {("webhook", "pending")}
    sent = ok(wang.get(REMINDERS, params={"status": "sent"}))
    assert {(r["channel"], r["status"]) for r in sent} == {("inbox", "sent")}
    assert ok(wang.get(REMINDERS, params={"status": "failed"})) == []

    recorder = _Recorder()
    report = deliver(rt, {"webhook": recorder}, max_attempts=1)
    assert sorted(report.sent) == sorted(recorder.sent) and len(report.failed) == 2  # each case's operator copy
    failed = ok(wang.get(REMINDERS, params={"status": "failed", "case_id": gz.case_id}))
    assert [(r["recipient"], r["attempts"], r["last_error"]) for r in failed] == [
        (f"operator:{gz.case.operator_code}", 1, "webhook answered 503: 维护中")]
    assert ok(wang.get(REMINDERS, params={"status": "pending", "case_id": gz.case_id})) == []
    assert len(ok(chen.get(REMINDERS, params={"status": "failed"}))) == 2
    assert wang.get(REMINDERS, params={"status": "lost"}).status_code == 422


# --- one case -------------------------------------------------------------------------------------

def test_r7_the_case_shows_the_reminder_steps_still_ahead(rt, clock, callers, two_cases):
    gz, _ = two_cases
    _swept_d7(rt, clock)
    case = ok(callers["caseworker.wang"].get(f"/api/v1/cases/{gz.case_id}"))
    upcoming = case["upcoming_reminders"]
    assert all(u["send_on"] >= "2025-03-24" for u in upcoming)
    assert {(u["step"], u["send_on"]) for u in upcoming if (u["kind"], u["key"]) == ("annual_report", "2024")} == {
        ("d7", "2025-03-24"), ("d1", "2025-03-30"), ("d0", "2025-03-31")}  # d30 (03-01) is behind us
    assert {(u["step"], u["send_on"]) for u in upcoming if (u["kind"], u["key"]) == ("assessment", "1.1")} == {
        ("d30", "2026-05-16"), ("d7", "2026-06-08"), ("d1", "2026-06-14"), ("d0", "2026-06-15")}
    assert {u["kind"] for u in upcoming} <= {"annual_report", "assessment", "reevaluation", "instalment",
                                             "rectification"}

    clock.set_day(date(2025, 3, 25))  # a day later the d7 step is behind us too
    later = ok(callers["caseworker.wang"].get(f"/api/v1/cases/{gz.case_id}"))["upcoming_reminders"]
    assert {u["step"] for u in later if (u["kind"], u["key"]) == ("annual_report", "2024")} == {"d1", "d0"}


def test_r7_the_case_shows_its_undelivered_reminders_only(rt, clock, callers, two_cases):
    gz, sh = two_cases
    _swept_d7(rt, clock)
    wang = callers["caseworker.wang"]
    shown = ok(wang.get(f"/api/v1/cases/{gz.case_id}"))["reminders"]
    assert {(r["kind"], r["key"], r["step"], r["recipient"], r["channel"], r["status"]) for r in shown} == {
        ("annual_report", "2024", "d7", "user:caseworker.wang", "webhook", "pending"),
        ("annual_report", "2024", "d7", f"operator:{gz.case.operator_code}", "webhook", "pending")}
    assert {(r["due_on"], r["send_on"]) for r in shown} == {("2025-03-31", "2025-03-24")}

    deliver(rt, {"webhook": _Recorder()}, max_attempts=2)  # the caseworker's goes out, the operator's waits
    shown = ok(wang.get(f"/api/v1/cases/{gz.case_id}"))["reminders"]
    assert [(r["recipient"], r["status"]) for r in shown] == [(f"operator:{gz.case.operator_code}", "pending")]
    clock.now += timedelta(minutes=2)  # past the first backoff
    deliver(rt, {"webhook": _Recorder()}, max_attempts=2)
    shown = ok(wang.get(f"/api/v1/cases/{gz.case_id}"))["reminders"]
    assert [(r["recipient"], r["status"]) for r in shown] == [(f"operator:{gz.case.operator_code}", "failed")]
    # the other case's reminders are not this case's
    assert all(r["id"] not in {x["id"] for x in shown}
               for r in ok(callers["auditor.chen"].get(REMINDERS, params={"case_id": sh.case_id})))


def test_r7_the_case_shows_an_undelivered_reminder_however_many_were_delivered_before(rt, clock, callers, two_cases):
    """A base in force for decades has many delivered reminders; the undelivered one must still show."""
    import sqlalchemy as sa

    from db import tables as t

    gz, _ = two_cases
    _swept_d7(rt, clock)
    pending = {r["id"] for r in ok(callers["caseworker.wang"].get(f"/api/v1/cases/{gz.case_id}"))["reminders"]}
    assert len(pending) == 2
    history = [{"case_id": gz.case_id, "timer_kind": "annual_report", "timer_key": "2024", "due_on": date(2025, 3, 31),
                "step": f"h{n}", "recipient": "user:caseworker.wang", "recipient_role": "caseworker",
                "channel": "inbox", "address": "user:caseworker.wang", "subject": "已送达", "body": "已送达",
                "send_on": date(2024, 7, 1), "status": "sent", "attempts": 0, "next_attempt_at": clock.now,
                "sent_at": clock.now, "created_at": clock.now} for n in range(1000)]
    with rt.uow() as uow:
        uow.conn.execute(sa.insert(t.reminders), history)
        uow.commit()
    shown = ok(callers["caseworker.wang"].get(f"/api/v1/cases/{gz.case_id}"))["reminders"]
    assert {r["id"] for r in shown} == pending
