"""Planning reminders into the outbox (R7–R9 timers): each (step, recipient, channel) once, on its day.

The annual report of 2025 of a Guizhou provincial base recognised on 2024-06-14 is due on
2026-03-31 (a Tuesday): its steps fall on 03-01 (d30), 03-24 (d7), 03-30 (d1) and 03-31 (d0),
and the sweep of 04-01 flags it overdue and escalates to the supervisors.
"""
from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from db import tables as t
from db.reminders import SqlReminderRepository
from services import users
from services.queries import pending_timers
from services.sweep import sweep
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, Story, credit_code

SHANGHAI = ZoneInfo("Asia/Shanghai")
BOTH = ("email", "webhook")
BASE = "贵阳市大学生创业园"
DUE = date(2026, 3, 31)
STEP_DAYS = {"d30": date(2026, 3, 1), "d7": date(2026, 3, 24), "d1": date(2026, 3, 30), "d0": date(2026, 3, 31)}
OVERDUE_DAY = date(2026, 4, 1)

EMAILS = {
    CASEWORKER: "wang@dept.example",
    SUPERVISOR: "li@dept.example",
    "supervisor.qian": "qian@dept.example",
    "supervisor.sun": "sun@dept.example",
    "supervisor.hu": "hu@dept.example",
    "supervisor.gone": "gone@dept.example",
}


@pytest.fixture
def people(rt):
    users.add_user(rt, CASEWORKER, "王芳", [("caseworker", "520000")], email=EMAILS[CASEWORKER])
    users.add_user(rt, INSPECTOR, "赵磊", [("caseworker", "520000")])  # no e-mail address
    users.add_user(rt, SUPERVISOR, "李强", [("supervisor", "520000")], email=EMAILS[SUPERVISOR])
    users.add_user(rt, "supervisor.qian", "钱进", [("supervisor", "000000")], email=EMAILS["supervisor.qian"])
    users.add_user(rt, "supervisor.zhou", "周敏", [("supervisor", "520000")])  # covers Guizhou, no address
    users.add_user(rt, "supervisor.sun", "孙丽", [("supervisor", "520100")], email=EMAILS["supervisor.sun"])
    users.add_user(rt, "supervisor.hu", "胡军", [("supervisor", "310000")], email=EMAILS["supervisor.hu"])
    users.add_user(rt, "supervisor.gone", "吴刚", [("supervisor", "520000")], email=EMAILS["supervisor.gone"])
    users.revoke_grant(rt, "supervisor.gone", "supervisor", "520000")


@pytest.fixture
def story(rt, clock, people) -> Story:
    """Recognised 2024-06-14 with an operator contact; the 2024 report came in on time."""
    s = Story(rt, clock)
    s.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14), contact_email="ops@base.example")
    s.act("submit_annual_report", date(2025, 3, 10), year=2024)
    assert s.timers()[("annual_report", "2025")] == DUE
    return s


def _rows(rt, **where) -> list[dict]:
    with rt.uow() as uow:
        q = sa.select(t.reminders).where(*(t.reminders.c[k] == v for k, v in where.items()))
        return [dict(r) for r in uow.conn.execute(q.order_by(t.reminders.c.id)).mappings()]


def _report_rows(rt, year: str = "2025", **where) -> list[dict]:
    return _rows(rt, timer_kind="annual_report", timer_key=year, **where)


def _local_day(stamp: datetime) -> date:
    if stamp.tzinfo is None:  # SQLite hands stored instants back without their zone; they are UTC
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(SHANGHAI).date()


def _sweep(s: Story, day: date, channels=BOTH):
    s.clock.set_day(day)
    report = sweep(s.rt, day, channels=channels)
    assert not report.failed, report.failed
    return report


def _sweep_days(s: Story, first: date, last: date, channels=BOTH) -> int:
    planned, day = 0, first
    while day <= last:
        planned += _sweep(s, day, channels).reminders_planned
        day += timedelta(days=1)
    return planned


def _routes(rows) -> set[tuple[str, str, str, str]]:
    return {(r["recipient"], r["recipient_role"], r["channel"], r["address"]) for r in rows}


def _before_the_day(operator: str) -> set[tuple[str, str, str, str]]:
    return {
        (f"user:{CASEWORKER}", "caseworker", "inbox", f"user:{CASEWORKER}"),
        (f"user:{CASEWORKER}", "caseworker", "email", EMAILS[CASEWORKER]),
        (f"user:{CASEWORKER}", "caseworker", "webhook", "webhook"),
        (f"operator:{operator}", "operator", "inbox", f"operator:{operator}"),
        (f"operator:{operator}", "operator", "email", "ops@base.example"),
        (f"operator:{operator}", "operator", "webhook", "webhook"),
    }


# --- R7: one row per step, recipient and channel, on the step's day ------------------------------

def test_r7_every_step_is_planned_once_on_its_own_day_for_caseworker_and_operator(rt, story):
    operator = story.case.operator_code
    planned = _sweep_days(story, date(2026, 2, 25), DUE)
    rows = _report_rows(rt)
    assert planned == len(rows) == 4 * 6
    assert Counter(r["step"] for r in rows) == {"d30": 6, "d7": 6, "d1": 6, "d0": 6}
    for step, day in STEP_DAYS.items():
        of_step = [r for r in rows if r["step"] == step]
        assert _routes(of_step) == _before_the_day(operator), step
        assert {r["send_on"] for r in of_step} == {day}, step
        assert {_local_day(r["created_at"]) for r in of_step} == {day}, step  # planned on the step's day, not before
        assert {r["due_on"] for r in of_step} == {DUE}
    for r in rows:
        if r["channel"] == "inbox":  # the in-app inbox holds it at once
            assert (r["status"], r["attempts"]) == ("sent", 0) and r["sent_at"] is not None, r
        else:
            assert (r["status"], r["attempts"], r["sent_at"], r["last_error"]) == ("pending", 0, None, None), r


def test_r7_nothing_is_planned_before_the_first_step(rt, story):
    _sweep_days(story, date(2026, 2, 1), date(2026, 2, 28))
    assert _report_rows(rt) == []
    assert _sweep(story, STEP_DAYS["d30"]).reminders_planned == 6


@pytest.mark.parametrize("channels, expected", [
    ((), {"inbox"}),
    (("email",), {"inbox", "email"}),
    (("webhook",), {"inbox", "webhook"}),
    (BOTH, {"inbox", "email", "webhook"}),
])
def test_r7_the_inbox_always_and_other_channels_only_when_on(rt, story, channels, expected):
    report = _sweep(story, STEP_DAYS["d7"], channels)
    rows = _report_rows(rt, step="d7")
    assert {r["channel"] for r in rows} == expected
    assert Counter(r["recipient"] for r in rows) == {f"user:{CASEWORKER}": len(expected),
                                                     f"operator:{story.case.operator_code}": len(expected)}
    assert report.reminders_planned == len(rows)


def test_r7_email_only_for_recipients_with_an_address(rt, clock, story):
    # a second base, opened by a caseworker without an address, whose operator gave no contact
    other = Story(rt, clock)
    other.apply(date(2025, 4, 8), seed=2, base="贵阳市青年创业孵化基地", actor=INSPECTOR)
    other.act("inspect", date(2025, 5, 16), actor=CASEWORKER, outcome="pass")
    other.act("approve", date(2025, 6, 13), actor=SUPERVISOR)
    assert other.timers()[("annual_report", "2025")] == DUE
    _sweep(story, STEP_DAYS["d7"])

    mine = _rows(rt, case_id=story.case_id, timer_kind="annual_report", step="d7")
    theirs = _rows(rt, case_id=other.case_id, timer_kind="annual_report", step="d7")
    assert {(r["recipient"], r["address"]) for r in mine if r["channel"] == "email"} == {
        (f"user:{CASEWORKER}", EMAILS[CASEWORKER]), (f"operator:{story.case.operator_code}", "ops@base.example")}
    assert [r for r in theirs if r["channel"] == "email"] == []
    assert {(r["recipient"], r["channel"]) for r in theirs} == {
        (f"user:{INSPECTOR}", "inbox"), (f"user:{INSPECTOR}", "webhook"),
        (f"operator:{other.case.operator_code}", "inbox"), (f"operator:{other.case.operator_code}", "webhook")}


def test_r7_sweeping_the_same_day_again_adds_nothing(rt, story):
    assert _sweep(story, STEP_DAYS["d7"]).reminders_planned == 6
    before = _rows(rt)
    for _ in range(3):
        assert _sweep(story, STEP_DAYS["d7"]).reminders_planned == 0
    assert _rows(rt) == before
    # and sweeping the whole month once more changes nothing already planned
    _sweep_days(story, STEP_DAYS["d30"], DUE)
    _sweep_days(story, STEP_DAYS["d30"], DUE)
    rows = _report_rows(rt)
    assert len(rows) == len({(r["step"], r["recipient"], r["channel"]) for r in rows}) == 4 * 6


def test_r7_two_sweeps_at_once_plan_each_reminder_once(rt, clock, story):
    clock.set_day(STEP_DAYS["d7"])
    barrier = threading.Barrier(2, timeout=30)
    planned, errors = [], []

    def run():
        try:
            barrier.wait()
            planned.append(sweep(rt, STEP_DAYS["d7"], channels=BOTH).reminders_planned)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not any(th.is_alive() for th in threads)
    assert errors == []
    rows = _report_rows(rt, step="d7")
    assert len(rows) == 6 and _routes(rows) == _before_the_day(story.case.operator_code)
    assert len(planned) == 2 and sum(planned) == 6  # each row counted once, by the sweep that wrote it


def test_r7_two_sweeps_at_once_on_the_day_after_flag_and_escalate_once(rt, clock, story):
    _sweep_days(story, DUE, DUE)
    clock.set_day(OVERDUE_DAY)
    barrier = threading.Barrier(2, timeout=30)
    errors = []

    def run():
        try:
            barrier.wait()
            report = sweep(rt, OVERDUE_DAY, channels=BOTH)
            assert not report.failed, report.failed
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not any(th.is_alive() for th in threads)
    assert errors == []
    assert [e.on for e in story.events if e.act == "flag_overdue_report"] == [OVERDUE_DAY]
    overdue = _report_rows(rt, step="overdue")
    assert len(overdue) == len({(r["recipient"], r["channel"]) for r in overdue}) == 11


# --- R7: an outage ---------------------------------------------------------------------------------

def test_r7_a_sweep_after_an_outage_plans_only_the_latest_step_due(rt, story):
    _sweep(story, date(2026, 2, 20))  # the last sweep before the outage: no step yet
    report = _sweep(story, DUE)  # back on the due day: d30, d7 and d1 were missed
    rows = _report_rows(rt)
    assert {r["step"] for r in rows} == {"d0"} and len(rows) == 6
    assert report.reminders_planned == 6
    assert {r["send_on"] for r in rows} == {DUE}


def test_r7_a_sweep_in_the_middle_of_an_outage_plans_the_step_it_lands_after(rt, story):
    _sweep(story, STEP_DAYS["d30"])
    _sweep(story, date(2026, 3, 27))  # down from 03-02 to 03-26: d7 is the latest step due
    assert Counter(r["step"] for r in _report_rows(rt)) == {"d30": 6, "d7": 6}
    assert {r["send_on"] for r in _report_rows(rt, step="d7")} == {STEP_DAYS["d7"]}


def test_r7_an_outage_over_the_deadline_plans_no_missed_steps_only_the_overdue_escalation(rt, story):
    _sweep(story, STEP_DAYS["d30"])
    report = _sweep(story, date(2026, 4, 3))  # down from 03-02 to 04-02
    assert Counter(r["step"] for r in _report_rows(rt)) == {"d30": 6, "overdue": 11}
    assert [(e.on, e.payload["year"]) for e in story.events if e.act == "flag_overdue_report"] == [(OVERDUE_DAY, 2025)]
    assert [(ti.kind, ti.key) for ti, _ in report.fired] == [("annual_report", "2025")]
    assert {r["send_on"] for r in _report_rows(rt, step="overdue")} == {OVERDUE_DAY}


# --- R7: overdue -------------------------------------------------------------------------------------

def test_r7_the_overdue_flag_and_its_escalation_to_every_covering_supervisor_come_together(rt, story):
    _sweep_days(story, date(2026, 3, 30), DUE)
    assert "annual_report_overdue:2025" not in story.case.flags
    assert _report_rows(rt, step="overdue") == []
    report = _sweep(story, OVERDUE_DAY)
    assert [(ti.kind, ti.key) for ti, _ in report.fired] == [("annual_report", "2025")]
    assert "annual_report_overdue:2025" in story.case.flags
    overdue = _report_rows(rt, step="overdue")
    # li (520000) and qian (national) cover the case, zhou too though without an address; not sun
    # (Guiyang only), hu (Shanghai) or gone (grant revoked); the caseworker too; not the operator
    assert _routes(overdue) == {
        (f"user:{SUPERVISOR}", "supervisor", "inbox", f"user:{SUPERVISOR}"),
        (f"user:{SUPERVISOR}", "supervisor", "email", EMAILS[SUPERVISOR]),
        (f"user:{SUPERVISOR}", "supervisor", "webhook", "webhook"),
        ("user:supervisor.qian", "supervisor", "inbox", "user:supervisor.qian"),
        ("user:supervisor.qian", "supervisor", "email", EMAILS["supervisor.qian"]),
        ("user:supervisor.qian", "supervisor", "webhook", "webhook"),
        ("user:supervisor.zhou", "supervisor", "inbox", "user:supervisor.zhou"),
        ("user:supervisor.zhou", "supervisor", "webhook", "webhook"),
        (f"user:{CASEWORKER}", "caseworker", "inbox", f"user:{CASEWORKER}"),
        (f"user:{CASEWORKER}", "caseworker", "email", EMAILS[CASEWORKER]),
        (f"user:{CASEWORKER}", "caseworker", "webhook", "webhook"),
    }
    assert len(overdue) == 11
    assert {r["send_on"] for r in overdue} == {OVERDUE_DAY}
    assert {_local_day(r["created_at"]) for r in overdue} == {OVERDUE_DAY}
    # later sweeps neither flag again nor escalate again
    _sweep_days(story, date(2026, 4, 2), date(2026, 4, 5))
    assert len(_report_rows(rt, step="overdue")) == 11
    assert len([e for e in story.events if e.act == "flag_overdue_report"]) == 1


def test_r7_a_failed_escalation_leaves_no_flag_and_the_next_sweep_writes_both(rt, story, monkeypatch):
    _sweep(story, DUE)
    original = SqlReminderRepository.add
    calls = Counter()

    def add_then_break(self, reminder, now):
        if reminder.step == "overdue":
            calls["overdue"] += 1
            if calls["overdue"] == 4:  # half-way through the escalation
                raise RuntimeError("outbox unavailable")
        return original(self, reminder, now)

    monkeypatch.setattr(SqlReminderRepository, "add", add_then_break)
    story.clock.set_day(OVERDUE_DAY)
    report = sweep(rt, OVERDUE_DAY, channels=BOTH)
    assert [(ti.kind, ti.key) for ti, _ in report.failed] == [("annual_report", "2025")]
    assert "outbox unavailable" in report.failed[0][1]
    # neither the flag nor any part of its escalation was written, and the timer is still owed
    assert "annual_report_overdue:2025" not in story.case.flags
    assert not [e for e in story.events if e.act == "flag_overdue_report"]
    assert _report_rows(rt, step="overdue") == []
    assert ("annual_report", "2025") in {(ti.kind, ti.key) for ti in pending_timers(rt, story.case_id)}

    monkeypatch.setattr(SqlReminderRepository, "add", original)
    report = _sweep(story, OVERDUE_DAY)
    assert [(ti.kind, ti.key) for ti, _ in report.fired] == [("annual_report", "2025")]
    assert "annual_report_overdue:2025" in story.case.flags
    assert len(_report_rows(rt, step="overdue")) == 11


# --- R7: the words ---------------------------------------------------------------------------------

def test_r7_subjects_and_bodies_are_chinese_with_the_base_and_the_due_date(rt, story):
    _sweep_days(story, date(2026, 2, 28), OVERDUE_DAY)
    by_step = {}
    for r in _report_rows(rt):
        by_step.setdefault(r["step"], set()).add((r["subject"], r["body"]))
    assert set(by_step) == {"d30", "d7", "d1", "d0", "overdue"}
    assert all(len(v) == 1 for v in by_step.values())  # one wording per step, whoever receives it
    text = {step: next(iter(v)) for step, v in by_step.items()}
    for step, days in (("d30", 30), ("d7", 7), ("d1", 1)):
        subject, _ = text[step]
        assert subject.startswith("【到期提醒】"), subject
        assert BASE in subject and "2025年度工作报告" in subject, subject
        assert "2026年3月31日" in subject and f"还有{days}天" in subject, subject
    assert BASE in text["d0"][0] and "今日到期" in text["d0"][0]
    subject, body = text["overdue"]
    assert subject.startswith("【逾期督办】") and BASE in subject and "2026年3月31日" in subject, subject
    assert "审批人" in body
    for step, (subject, body) in text.items():
        assert body.splitlines()[0] == subject
        assert f"基地：{BASE}" in body and f"系统编号：{story.case_id}" in body
        assert f"运营机构统一社会信用代码：{story.case.operator_code}" in body
        assert "到期日：2026年3月31日" in body, step
        assert "2026-03-31" not in subject, step  # the Chinese date, not the ISO one


# --- R7: a timer that went away ----------------------------------------------------------------------

def test_r7_a_report_submitted_in_time_stops_the_reminders_and_no_overdue_follows(rt, story):
    _sweep(story, STEP_DAYS["d30"])
    story.act("submit_annual_report", date(2026, 3, 10), year=2025)
    assert ("annual_report", "2025") not in story.timers()
    _sweep_days(story, date(2026, 3, 10), date(2026, 4, 5))
    assert Counter(r["step"] for r in _report_rows(rt)) == {"d30": 6}
    assert "annual_report_overdue:2025" not in story.case.flags
    assert not [e for e in story.events if e.act == "flag_overdue_report"]
    assert [r for r in _rows(rt) if r["timer_kind"] == "annual_report" and r["send_on"] > STEP_DAYS["d30"]] == []


def test_r7_a_report_submitted_on_the_due_day_after_its_d0_reminder_stops_the_escalation(rt, story):
    _sweep(story, DUE)
    story.act("submit_annual_report", DUE, year=2025)
    _sweep_days(story, OVERDUE_DAY, date(2026, 4, 3))
    assert Counter(r["step"] for r in _report_rows(rt)) == {"d0": 6}
    assert "annual_report_overdue:2025" not in story.case.flags


# --- R8: assessments ---------------------------------------------------------------------------------

def test_r8_assessment_reminders_go_to_caseworker_and_operator_then_escalate_when_overdue(rt, story):
    due = story.timers()[("assessment", "1.1")]
    assert due == date(2026, 6, 15)  # 2 years after 2024-06-14 is a Sunday: the next working day
    story.act("submit_annual_report", date(2026, 3, 10), year=2025)
    _sweep_days(story, due - timedelta(days=7), due + timedelta(days=1))
    rows = _rows(rt, timer_kind="assessment", timer_key="1.1")
    assert Counter(r["step"] for r in rows) == {"d7": 6, "d1": 6, "d0": 6, "overdue": 11}
    assert _routes([r for r in rows if r["step"] == "d7"]) == _before_the_day(story.case.operator_code)
    assert {r["send_on"] for r in rows if r["step"] == "d7"} == {due - timedelta(days=7)}
    assert {r["recipient"] for r in rows if r["step"] == "overdue"} == {
        f"user:{SUPERVISOR}", "user:supervisor.qian", "user:supervisor.zhou", f"user:{CASEWORKER}"}
    assert [e.on for e in story.events if e.act == "flag_overdue_assessment"] == [due + timedelta(days=1)]
    subject = next(r["subject"] for r in rows if r["step"] == "d7")
    assert "第1认定期第1次绩效考核" in subject and BASE in subject and "2026年6月15日" in subject


def test_r8_an_assessment_recorded_in_time_stops_its_reminders(rt, story):
    due = story.timers()[("assessment", "1.1")]
    story.act("submit_annual_report", date(2026, 3, 10), year=2025)
    _sweep(story, due - timedelta(days=30))
    story.act("record_assessment", due - timedelta(days=20), outcome="pass", grade="达标")
    _sweep_days(story, due - timedelta(days=8), due + timedelta(days=2))
    rows = _rows(rt, timer_kind="assessment", timer_key="1.1")
    assert Counter(r["step"] for r in rows) == {"d30": 6}
    assert not [e for e in story.events if e.act == "flag_overdue_assessment"]


# --- R9: rectification ---------------------------------------------------------------------------------

def test_r9_rectification_deadline_reminders_and_escalation_with_the_review(rt, story):
    story.act("submit_annual_report", date(2026, 3, 10), year=2025)
    story.act("record_assessment", date(2026, 6, 10), outcome="fail", grade="不达标")
    assert story.case.state == "rectifying"
    deadline = story.timers()[("rectification", "1.1")]
    assert deadline >= date(2026, 9, 10)
    _sweep_days(story, deadline - timedelta(days=1), deadline + timedelta(days=1))
    rows = _rows(rt, timer_kind="rectification", timer_key="1.1")
    assert Counter(r["step"] for r in rows) == {"d1": 6, "d0": 6, "overdue": 11}
    assert {r["send_on"] for r in rows if r["step"] == "overdue"} == {deadline + timedelta(days=1)}
    assert [e.act for e in story.events if e.actor == "system"][-1] == "open_rectification_review"
    subject = next(r["subject"] for r in rows if r["step"] == "d1")
    assert ("限期整改" in subject and BASE in subject
            and f"{deadline.year}年{deadline.month}月{deadline.day}日" in subject)


def test_r9_a_passing_reassessment_stops_the_rectification_reminders(rt, story):
    story.act("submit_annual_report", date(2026, 3, 10), year=2025)
    story.act("record_assessment", date(2026, 6, 10), outcome="fail", grade="不达标")
    deadline = story.timers()[("rectification", "1.1")]
    _sweep(story, deadline - timedelta(days=7))
    story.act("record_rectification", deadline - timedelta(days=3), outcome="pass", grade="达标")
    assert story.case.state == "assessed"
    _sweep_days(story, deadline - timedelta(days=3), deadline + timedelta(days=3))
    assert Counter(r["step"] for r in _rows(rt, timer_kind="rectification")) == {"d7": 6}
    assert "open_rectification_review" not in [e.act for e in story.events]


def test_r7_reminders_for_two_cases_stay_apart(rt, clock, story):
    other = Story(rt, clock)
    other.apply(date(2025, 4, 8), seed=3, base="遵义市创业孵化基地", credit_code=credit_code(3, "520300"),
                contact_email="zy@base.example")
    other.act("inspect", date(2025, 5, 16), actor=INSPECTOR, outcome="pass")
    other.act("approve", date(2025, 6, 13), actor=SUPERVISOR)
    _sweep(story, STEP_DAYS["d7"])
    for s, base in ((story, BASE), (other, "遵义市创业孵化基地")):
        rows = _rows(rt, case_id=s.case_id, timer_kind="annual_report", step="d7")
        assert len(rows) == 6
        assert {r["recipient"] for r in rows} == {f"user:{CASEWORKER}", f"operator:{s.case.operator_code}"}
        assert all(base in r["subject"] for r in rows)
