"""Deadlines over a whole life, swept by the service every day and by the Prefect flows on the due
dates: every automatic act and every reminder step on its legal date, each exactly once
(R1, R7–R16).

The life: four cases over eleven years (2024–2034).
  A  Guizhou (a Zunyi test policy paying the grant in two instalments), clean assessments in
     period 1 → automatic extension (R10); the 2025 report late (R7); period 2's assessments
     missed → overdue flags, then a re-evaluation review (R10).
  B  Guizhou, assessment failed → rectification deadline → review at the deadline (R9),
     rectified, re-evaluation review, extended by the caseworker, clean period 2 → extended (R10).
  C  Guizhou, three valid complaints → suspended (R12), revoked with a 5-year ban → end_ban (R14).
  D  Shanghai municipal, yearly assessments, one missed, re-evaluated by hand, then lapsed.
"""
from __future__ import annotations

import dataclasses
import shutil
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
import sqlalchemy as sa

from config import PROJECT_ROOT
from db import tables as t
from db.engine import make_engine
from db.uow import SqlUnitOfWork
from flows import wiring
from flows.deadlines import (
    close_application_round,
    deadline_sweep,
    open_application_round,
    refresh_provisional_dates,
)
from services import cases, users
from services import sweep as service_sweep
from services.calendars import default_calendar, load_work_calendar
from services.queries import pending_timers
from services.runtime import Runtime
from statemachines import automatic
from statemachines.acts import business_date
from statemachines.errors import FutureDate
from statemachines.periods import Duration
from statemachines.policy import Instalment, PolicyBook
from statemachines.timers import DEADLINE_KINDS
from tests.conftest import FakeClock
from tests.policy_variants import scenario_policies
from tests.story import credit_code

pytestmark = pytest.mark.usefixtures("prefect_harness")

WANG, ZHAO, LI = "caseworker.wang", "caseworker.zhao", "supervisor.li"  # Guizhou
CHEN, HU = "caseworker.chen", "supervisor.hu"  # Shanghai
d = date


def _people(rt: Runtime) -> None:
    users.add_user(rt, WANG, "王芳", [("caseworker", "520000")])
    users.add_user(rt, ZHAO, "赵磊", [("caseworker", "520000"), ("caseworker", "310000")])
    users.add_user(rt, LI, "李强", [("supervisor", "520000")])
    users.add_user(rt, CHEN, "陈晨", [("caseworker", "310000")])
    users.add_user(rt, HU, "胡军", [("supervisor", "310000")])


def _policies() -> PolicyBook:
    """The reviewed policies, plus a Guizhou one for Zunyi paying the grant in two instalments (R11)."""
    book = scenario_policies()
    gz = book.get("guizhou-provincial-2022", 1)
    zunyi = dataclasses.replace(gz, id="zunyi-provincial-test", jurisdiction="520300", instalments=(
        Instalment(None, 25_000_000), Instalment(Duration(years=2), 25_000_000)))
    return PolicyBook([*book, zunyi])


def _runtime(engine, clock) -> Runtime:
    return Runtime(uow=partial(SqlUnitOfWork, engine, clock), clock=clock, policies=_policies(),
                   calendar=default_calendar())


CASES = {
    "A": dict(seed=1, division="520300", base="遵义市新蒲创业孵化基地", level="provincial", jurisdiction="520300",
              actor=WANG),
    "B": dict(seed=2, division="520100", base="贵阳市大学生创业园", level="provincial", jurisdiction="520000",
              actor=WANG),
    "C": dict(seed=3, division="520200", base="六盘水市创业孵化基地", level="provincial", jurisdiction="520000",
              actor=WANG),
    "D": dict(seed=4, division="310100", base="上海市杨浦创业孵化基地", level="municipal", jurisdiction="310000",
              actor=CHEN),
}

SCRIPT: list[tuple[date, str, str, dict]] = [
    (d(2024, 4, 8), "A", "apply", {}),
    (d(2024, 4, 10), "B", "apply", {}),
    (d(2024, 4, 12), "C", "apply", {}),
    (d(2024, 5, 16), "A", "inspect", {"outcome": "pass", "actor": ZHAO}),
    (d(2024, 5, 20), "B", "inspect", {"outcome": "pass", "actor": ZHAO}),
    (d(2024, 5, 22), "C", "inspect", {"outcome": "pass", "actor": ZHAO}),
    (d(2024, 6, 14), "A", "approve", {"actor": LI}),
    (d(2024, 6, 20), "B", "approve", {"actor": LI}),
    (d(2024, 6, 24), "C", "approve", {"actor": LI}),
    (d(2024, 9, 2), "D", "apply", {}),
    (d(2024, 10, 10), "D", "inspect", {"outcome": "pass", "actor": ZHAO}),
    (d(2024, 11, 15), "D", "approve", {"actor": HU}),
    (d(2025, 5, 6), "C", "record_complaint", {"complaint_id": "c1", "summary": "未提供约定的创业指导服务"}),
    (d(2025, 5, 13), "C", "record_complaint", {"complaint_id": "c2", "summary": "违规收取场地费用"}),
    (d(2025, 5, 20), "C", "record_complaint", {"complaint_id": "c3", "summary": "承诺的融资对接未兑现"}),
    (d(2025, 6, 3), "C", "verify_complaint", {"complaint_id": "c1", "valid": True}),
    (d(2025, 6, 10), "C", "verify_complaint", {"complaint_id": "c2", "valid": True}),
    (d(2025, 6, 17), "C", "verify_complaint", {"complaint_id": "c3", "valid": True}),  # → suspended (R12)
    (d(2025, 7, 1), "C", "revoke", {"ground": "complaints", "actor": LI}),
    (d(2025, 11, 10), "D", "record_assessment", {"outcome": "pass", "grade": "A", "actor": CHEN}),
    (d(2026, 6, 10), "A", "record_assessment", {"outcome": "pass"}),
    (d(2026, 6, 15), "B", "record_assessment", {"outcome": "fail"}),
    (d(2026, 9, 25), "B", "record_rectification", {"outcome": "pass"}),
    (d(2027, 11, 22), "D", "reevaluate", {"decision": "extend", "actor": CHEN}),
    (d(2028, 6, 8), "A", "record_assessment", {"outcome": "pass"}),
    (d(2028, 6, 12), "B", "record_assessment", {"outcome": "pass"}),
    (d(2028, 11, 8), "D", "record_assessment", {"outcome": "pass", "grade": "B", "actor": CHEN}),
    (d(2029, 6, 25), "B", "reevaluate", {"decision": "extend"}),
    (d(2029, 11, 8), "D", "record_assessment", {"outcome": "fail", "grade": "不达标", "actor": CHEN}),
    (d(2030, 11, 22), "D", "reevaluate", {"decision": "lapse", "actor": CHEN}),
    (d(2031, 6, 10), "B", "record_assessment", {"outcome": "pass"}),
    (d(2033, 6, 10), "B", "record_assessment", {"outcome": "pass"}),
]
# reports left late (R7); every other report is sent on 03-10 of the following year
LATE_REPORTS = {("A", 2025), ("B", 2024), ("C", 2024), ("D", 2027)}
REPORTING = ("recognized", "assessed", "rectifying", "suspended")


def _do_acts(rt: Runtime, ids: dict[str, str], day: date) -> None:
    for on, label, name, kwargs in SCRIPT:
        if on != day:
            continue
        kwargs = dict(kwargs)
        actor = kwargs.pop("actor", CASES[label]["actor"])
        if name == "apply":
            spec = CASES[label]
            ids[label] = cases.open_case(
                rt, operator_name=f"{spec['base']}运营有限公司",
                credit_code=credit_code(spec["seed"], spec["division"]),
                base_name=spec["base"], base_address="示例路1号", level=spec["level"],
                jurisdiction=spec["jurisdiction"], on=day, actor=actor, reason="受理申报材料").case.id
        else:
            cases.ACTS[name](rt, ids[label], on=day, actor=actor, reason="依规办理", **kwargs)
    if (day.month, day.day) == (3, 10):
        for label, case_id in ids.items():
            case = cases.get_case(rt, case_id)
            year = day.year - 1
            if (case.state in REPORTING and case.recognized_on and case.recognized_on.year <= year
                    and year not in case.reports and (label, year) not in LATE_REPORTS):
                cases.ACTS["submit_annual_report"](rt, case_id, year=year, on=day, actor=CASES[label]["actor"],
                                           reason="收到年度报告")


def _live(rt: Runtime, clock: FakeClock, first: date, last: date, sweep_on,
          ids: dict[str, str] | None = None) -> dict[str, str]:
    """Each day: the clock moves, people act, then the sweep runs (`sweep_on` decides how)."""
    ids = {} if ids is None else ids
    day = first
    while day <= last:
        clock.set_day(day)
        _do_acts(rt, ids, day)
        sweep_on(day)
        day += timedelta(days=1)
    return ids


def _daily_sweeper(rt: Runtime, busy_days: list[date] | None = None):
    def sweep_on(day: date) -> None:
        report = service_sweep.sweep(rt, day)
        assert not report.failed, report.failed
        if report.fired or report.reminders_planned:
            if busy_days is not None:
                busy_days.append(day)
            again = service_sweep.sweep(rt, day)  # the same day swept twice: nothing new
            assert (again.fired, again.failed, again.reminders_planned) == ([], [], 0), day
    return sweep_on


# --- reading the outcome -------------------------------------------------------------------

def _events(rt: Runtime, ids: dict[str, str]) -> dict[str, list]:
    return {label: cases.history(rt, case_id) for label, case_id in ids.items()}


def _reminders(rt: Runtime, ids: dict[str, str]) -> list[dict]:
    label_of = {v: k for k, v in ids.items()}
    with rt.uow() as uow:
        rows = uow.conn.execute(sa.select(t.reminders).order_by(t.reminders.c.id)).mappings().all()
    return [{**row, "label": label_of[row["case_id"]]} for row in rows]


def _timers(rt: Runtime, ids: dict[str, str]) -> list[dict]:
    label_of = {v: k for k, v in ids.items()}
    with rt.uow() as uow:
        rows = uow.conn.execute(sa.select(t.timers)).mappings().all()
    return [{**row, "label": label_of[row["case_id"]]} for row in rows]


def _steps(reminders: list[dict], label: str, kind: str, key: str) -> set[tuple[str, date, str]]:
    return {(r["step"], r["send_on"], r["recipient"]) for r in reminders
            if (r["label"], r["timer_kind"], r["timer_key"]) == (label, kind, key)}


def _to(steps: dict[str, date], *recipients: str) -> set[tuple[str, date, str]]:
    return {(step, on, who) for step, on in steps.items() for who in recipients}


def _system(events: list, act: str | None = None) -> list[tuple[str, date, str]]:
    return [(e.act, e.on, e.rule) for e in events if e.actor == "system" and (act is None or e.act == act)]


def _fires_on(kind: str, due_on: date) -> date:
    return due_on + timedelta(days=1) if kind in DEADLINE_KINDS else due_on


def _snapshot(rt: Runtime, ids: dict[str, str]) -> tuple[set, set]:
    """Events and reminders, without what differs between two runs (ids, recording times)."""
    events = set()
    for label, history in _events(rt, ids).items():
        for e in history:
            payload = {k: v for k, v in e.payload.items() if k != "base_id"}
            events.add((label, e.seq, e.act, e.on, e.actor, e.rule, repr(sorted(payload.items()))))
    reminders = set()
    for r in _reminders(rt, ids):
        text = (r["subject"] + "|" + r["body"]).replace(r["case_id"], r["label"])
        reminders.add((r["label"], r["timer_kind"], r["timer_key"], r["due_on"], r["step"], r["recipient"],
                       r["recipient_role"], r["channel"], r["send_on"], text))
    return events, reminders


# --- 1. eleven years, swept every day ------------------------------------------------------

def test_r7_r16_every_automatic_act_and_reminder_falls_on_its_legal_date_once_over_eleven_years(engine):
    clock = FakeClock(datetime(2024, 1, 1, 2, 0, tzinfo=UTC))
    rt = _runtime(engine, clock)
    _people(rt)
    ids = _live(rt, clock, d(2024, 4, 1), d(2034, 12, 31), _daily_sweeper(rt))
    events, reminders, timers = _events(rt, ids), _reminders(rt, ids), _timers(rt, ids)
    op = {label: f"operator:{credit_code(spec['seed'], spec['division'])}" for label, spec in CASES.items()}
    wang, li, chen, hu = (f"user:{u}" for u in (WANG, LI, CHEN, HU))

    # --- by hand: the 2025 report of A, due Tuesday 2026-03-31 (R7, R15)
    assert _steps(reminders, "A", "annual_report", "2025") == _to(
        {"d30": d(2026, 3, 1), "d7": d(2026, 3, 24), "d1": d(2026, 3, 30), "d0": d(2026, 3, 31)}, wang, op["A"]
    ) | _to({"overdue": d(2026, 4, 1)}, li, wang)
    assert [(e.on, e.payload["year"]) for e in events["A"] if e.act == "flag_overdue_report"] == [(d(2026, 4, 1), 2025)]
    # a report sent in time (03-10) stops the steps after d30, and nothing is flagged
    assert _steps(reminders, "A", "annual_report", "2024") == _to({"d30": d(2025, 3, 1)}, wang, op["A"])
    # R11: instalment 1 on the day of recognition, instalment 2 two years on (a Sunday: no move, not a deadline)
    assert _steps(reminders, "A", "instalment", "1") == _to({"d0": d(2024, 6, 14)}, wang)
    assert _steps(reminders, "A", "instalment", "2") == _to(
        {"d30": d(2026, 5, 15), "d7": d(2026, 6, 7), "d1": d(2026, 6, 13), "d0": d(2026, 6, 14)}, wang)
    assert _system(events["A"], "instalment_due") == [("instalment_due", d(2024, 6, 14), "R11"),
                                                      ("instalment_due", d(2026, 6, 14), "R11")]
    # R8: assessment 1.1 due 2026-06-14, a Sunday → Monday 06-15; recorded 06-10, after d30 and d7
    assert _steps(reminders, "A", "assessment", "1.1") == _to({"d30": d(2026, 5, 16), "d7": d(2026, 6, 8)},
                                                              wang, op["A"])
    # R10: the period ends 2029-06-14; both assessments passed at once → extended that day
    assert _steps(reminders, "A", "reevaluation", "1") == _to(
        {"d30": d(2029, 5, 15), "d7": d(2029, 6, 7), "d1": d(2029, 6, 13), "d0": d(2029, 6, 14)}, wang)
    # period 2: 2.1 due 2031-06-14, a Saturday → Monday 06-16; 2.2 due Tuesday 2033-06-14; both missed
    assert _system(events["A"], "flag_overdue_assessment") == [
        ("flag_overdue_assessment", d(2031, 6, 17), "R8"), ("flag_overdue_assessment", d(2033, 6, 15), "R8")]
    assert _steps(reminders, "A", "assessment", "2.1") == _to(
        {"d30": d(2031, 5, 17), "d7": d(2031, 6, 9), "d1": d(2031, 6, 15), "d0": d(2031, 6, 16)}, wang, op["A"]
    ) | _to({"overdue": d(2031, 6, 17)}, li, wang)
    assert _system(events["A"], "extend") == [("extend", d(2029, 6, 14), "R10")]
    assert _system(events["A"], "open_reevaluation_review") == [("open_reevaluation_review", d(2034, 6, 14), "R10")]
    assert cases.get_case(rt, ids["A"]).period.end == d(2034, 6, 14)

    # --- B: assessment failed 2026-06-15 → rectify within 3 months: Tuesday 2026-09-15 (R8, R9)
    assert _steps(reminders, "B", "rectification", "1.1") == _to(
        {"d30": d(2026, 8, 16), "d7": d(2026, 9, 8), "d1": d(2026, 9, 14), "d0": d(2026, 9, 15)}, wang, op["B"]
    ) | _to({"overdue": d(2026, 9, 16)}, li, wang)
    assert _system(events["B"], "open_rectification_review") == [("open_rectification_review", d(2026, 9, 16), "R9")]
    assert _system(events["B"], "flag_overdue_report") == [("flag_overdue_report", d(2025, 4, 1), "R7")]
    # R10: 1.1 failed → review at the end of period 1; period 2 all passed → extended automatically
    assert _system(events["B"], "open_reevaluation_review") == [("open_reevaluation_review", d(2029, 6, 20), "R10")]
    assert _system(events["B"], "extend") == [("extend", d(2034, 6, 20), "R10")]
    b = cases.get_case(rt, ids["B"])
    assert (b.state, b.period.number, b.period.start, b.period.end) == ("recognized", 3, d(2034, 6, 20), d(2039, 6, 20))

    # --- C: the third valid complaint suspends at once (R12); the 5-year ban ends 2030-07-01 (R14, R15)
    assert _system(events["C"]) == [
        ("instalment_due", d(2024, 6, 24), "R11"), ("flag_overdue_report", d(2025, 4, 1), "R7"),
        ("suspend", d(2025, 6, 17), "R12"), ("end_ban", d(2030, 7, 2), "R14")]
    c = cases.get_case(rt, ids["C"])
    assert (c.state, c.ban.last_day, c.ban.ended_on) == ("revoked", d(2030, 7, 1), d(2030, 7, 2))
    assert not [r for r in reminders if r["label"] == "C" and r["send_on"] > d(2025, 7, 1)]

    # --- D, Shanghai: yearly assessments; 1.2 due 2026-11-15, a Sunday → Monday 11-16, missed
    assert _steps(reminders, "D", "assessment", "1.1") == _to({"d30": d(2025, 10, 18)}, f"user:{CHEN}", op["D"])
    assert _steps(reminders, "D", "assessment", "1.2") == _to(
        {"d30": d(2026, 10, 17), "d7": d(2026, 11, 9), "d1": d(2026, 11, 15), "d0": d(2026, 11, 16)}, chen, op["D"]
    ) | _to({"overdue": d(2026, 11, 17)}, hu, chen)
    assert _system(events["D"]) == [
        ("flag_overdue_assessment", d(2026, 11, 17), "R8"), ("open_reevaluation_review", d(2027, 11, 15), "R10"),
        ("flag_overdue_report", d(2028, 4, 1), "R7"), ("open_reevaluation_review", d(2030, 11, 15), "R10")]
    assert cases.get_case(rt, ids["D"]).state == "lapsed"
    assert not [r for r in reminders if r["label"] == "D" and r["send_on"] > d(2030, 11, 22)]

    # --- R15/R16 for every timer: each automatic act on its timer's firing day, once
    per_timer = Counter()
    for label, history in events.items():
        for e in history:
            if e.actor == "system" and "timer" in e.payload:
                timer = e.payload["timer"]
                per_timer[(label, e.act, timer["kind"], timer["key"])] += 1
                assert e.on == _fires_on(timer["kind"], date.fromisoformat(timer["due_on"])), (label, e)
    assert per_timer and max(per_timer.values()) == 1, per_timer
    fired = {(tm["label"], tm["kind"], tm["key"]) for tm in timers if tm["fired_at"] is not None}
    assert fired == {(label, kind, key) for label, _, kind, key in per_timer}
    # every reminder once per (case, timer, step, recipient, channel), each on its step's day
    once = Counter((r["label"], r["timer_kind"], r["timer_key"], r["step"], r["recipient"], r["channel"])
                   for r in reminders)
    assert max(once.values()) == 1, [k for k, n in once.items() if n > 1]
    for r in reminders:
        expected = (r["due_on"] + timedelta(days=1) if r["step"] == "overdue"
                    else r["due_on"] - timedelta(days=int(r["step"][1:])))
        assert r["send_on"] == expected, r
    # every deadline that passed got all its steps from its timer's creation on, and its escalation
    for tm in timers:
        if tm["fired_at"] is None or tm["kind"] not in DEADLINE_KINDS:
            continue
        created = business_date(tm["created_at"].replace(tzinfo=tm["created_at"].tzinfo or UTC))
        expected_steps = {f"d{n}" for n in (30, 7, 1, 0) if tm["due_on"] - timedelta(days=n) >= created} | {"overdue"}
        assert {s for s, _, _ in _steps(reminders, tm["label"], tm["kind"], tm["key"])} == expected_steps, tm


# --- 2. the same life, swept by the Prefect flow on its due dates --------------------------

def _fresh_storage(engine, tmp_path, sqlite_template):
    """Empty storage on the same backend (the events table is append-only: no DELETE)."""
    if engine.dialect.name == "sqlite":
        path = tmp_path / "second.db"
        shutil.copy(sqlite_template, path)
        return make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(tb.name for tb in t.metadata.sorted_tables)} CASCADE"))
    return engine


def test_r15_r17_the_deadline_sweep_flow_on_the_due_dates_gives_what_daily_sweeps_give(
        engine, monkeypatch, tmp_path, sqlite_template):
    first, last = d(2024, 4, 1), d(2025, 4, 2)
    clock = FakeClock(datetime(2024, 1, 1, 2, 0, tzinfo=UTC))
    rt = _runtime(engine, clock)
    _people(rt)
    busy: list[date] = []
    ids = _live(rt, clock, first, last, _daily_sweeper(rt, busy))
    daily_events, daily_reminders = _snapshot(rt, ids)
    assert busy == [d(2024, 6, 14), d(2024, 6, 20), d(2024, 6, 24), d(2025, 3, 1), d(2025, 3, 24), d(2025, 3, 30),
                    d(2025, 3, 31), d(2025, 4, 1)]
    assert [(label, act, on) for label, _, act, on, actor, _, _ in daily_events
            if actor == "system" and act == "flag_overdue_report"] != []

    second = _fresh_storage(engine, tmp_path, sqlite_template)
    clock = FakeClock(datetime(2024, 1, 1, 2, 0, tzinfo=UTC))
    rt = _runtime(second, clock)
    _people(rt)
    runs: dict[date, list[dict]] = {}
    real_fire = automatic.fire
    flow_ids: dict[str, str] = {}

    def flow_on(day: date) -> None:
        if day not in busy:
            return
        # two flow runs at once: each timer fired, each reminder planned, once
        if day in (d(2024, 6, 20), d(2025, 3, 31)):
            results, errors, barrier = [], [], threading.Barrier(2)

            def run():
                barrier.wait()
                try:
                    results.append(deadline_sweep(as_of=day))
                except Exception as exc:  # asserted below
                    errors.append(exc)
            threads = [threading.Thread(target=run) for _ in range(2)]
            for th in threads:
                th.start()
            for th in threads:
                th.join(120)
            assert not errors and len(results) == 2
            runs[day] = results
            return
        if day == d(2025, 4, 1):  # B's and C's 2024 reports are overdue: the worker dies between the two
            calls = []

            def dying_fire(*args, **kwargs):
                calls.append(1)
                if len(calls) == 2:
                    raise KeyboardInterrupt("worker killed")
                return real_fire(*args, **kwargs)
            monkeypatch.setattr(automatic, "fire", dying_fire)
            with pytest.raises(KeyboardInterrupt):
                deadline_sweep.fn(as_of=day)
            monkeypatch.setattr(automatic, "fire", real_fire)
            flagged = [label for label in ("B", "C") if any(
                e.act == "flag_overdue_report" for e in cases.history(rt, flow_ids[label]))]
            assert len(flagged) == 1  # the kill left the second case undone
        runs[day] = [deadline_sweep(as_of=day), deadline_sweep(as_of=day)] if day == d(2025, 4, 1) else [
            deadline_sweep(as_of=day)]

    with wiring.using(rt):
        _live(rt, clock, first, last, flow_on, flow_ids)
    assert _snapshot(rt, flow_ids) == (daily_events, daily_reminders)
    assert sorted(runs) == busy
    assert sum(r["fired"] for r in runs[d(2025, 3, 31)]) == 0
    assert sum(r["reminders_planned"] for r in runs[d(2025, 3, 31)]) == len(
        [r for r in daily_reminders if r[8] == d(2025, 3, 31)])
    finished, again = runs[d(2025, 4, 1)]
    assert (finished["fired"], finished["failed"]) == (1, [])  # only the case the killed run did not reach
    assert (again["fired"], again["events"], again["reminders_planned"]) == (0, 0, 0)
    # B's instalment, due on the day of recognition, and its d0 reminder: once between the two runs
    assert [sum(r[k] for r in runs[d(2024, 6, 20)]) for k in ("fired", "events", "reminders_planned")] == [1, 1, 1]


# --- 3. a future day needs time travel -----------------------------------------------------

def test_r16_a_flow_for_a_future_day_fails_with_future_date_unless_time_travel_is_on(rt, clock):
    _people(rt)
    clock.set_day(d(2024, 4, 8))
    case_id = cases.open_case(rt, operator_name="贵阳高新创业服务有限公司", credit_code=credit_code(7),
                          base_name="贵阳基地", base_address="贵阳市1号", level="provincial", jurisdiction="520000",
                          on=d(2024, 4, 8),
                          actor=WANG, reason="受理").case.id
    clock.set_day(d(2024, 5, 16))
    cases.ACTS["inspect"](rt, case_id, outcome="pass", on=d(2024, 5, 16), actor=ZHAO, reason="考察通过")
    clock.set_day(d(2024, 6, 14))
    cases.ACTS["approve"](rt, case_id, on=d(2024, 6, 14), actor=LI, reason="批复")
    service_sweep.sweep(rt, d(2024, 6, 14))
    clock.set_day(d(2025, 3, 31))  # today; the 2024 report becomes overdue tomorrow
    with wiring.using(rt, time_travel=False):
        state = deadline_sweep(as_of=d(2025, 4, 1), return_state=True)
        assert state.is_failed()
        assert isinstance(state.result(raise_on_failure=False), FutureDate)
        with pytest.raises(FutureDate):
            deadline_sweep(as_of=d(2025, 4, 1))
    assert not [e for e in cases.history(rt, case_id) if e.act == "flag_overdue_report"]
    with wiring.using(rt, time_travel=True):
        report = deadline_sweep(as_of=d(2025, 4, 1))
    assert (report["as_of"], report["fired"], report["failed"]) == ("2025-04-01", 1, [])
    assert [(e.act, e.on) for e in cases.history(rt, case_id) if e.act == "flag_overdue_report"] == [
        ("flag_overdue_report", d(2025, 4, 1))]


# --- 4. application rounds -----------------------------------------------------------------

def _rounds(rt: Runtime) -> list[dict]:
    with rt.uow() as uow:
        return [dict(r) for r in uow.conn.execute(sa.select(t.application_rounds)).mappings()]


def test_r1_the_round_flows_open_the_guizhou_round_once_and_close_it_counting_the_window(rt, clock):
    _people(rt)

    def apply(on: date, seed: int, jurisdiction: str = "520000", level: str = "provincial", **extra):
        clock.set_day(on)
        cases.open_case(rt, operator_name=f"运营机构{seed}", credit_code=credit_code(seed, jurisdiction[:4] + "00"),
                    base_name=f"基地{seed}", base_address="示例路1号", level=level, jurisdiction=jurisdiction,
                    on=on, actor=WANG, reason="受理申报材料", **extra)

    apply(d(2025, 3, 20), 1, window_exception="上年度受灾延误，经审批人同意补报")  # before the window: not counted
    apply(d(2025, 4, 1), 2)
    apply(d(2025, 4, 30), 3)
    apply(d(2025, 4, 15), 4, jurisdiction="310000", level="municipal")  # Shanghai: no window
    with wiring.using(rt):
        clock.set_day(d(2025, 4, 1))
        opened = open_application_round(year=2025, as_of=d(2025, 4, 1))
        first_state = _rounds(rt)
        clock.set_day(d(2025, 4, 2))
        again = open_application_round(year=2025, as_of=d(2025, 4, 2))
        assert _rounds(rt) == first_state  # the second run changes nothing
        clock.set_day(d(2025, 4, 30))
        not_yet = close_application_round(year=2025, as_of=d(2025, 4, 30))
        clock.set_day(d(2025, 5, 1))
        closed = close_application_round(year=2025, as_of=d(2025, 5, 1))
    assert [(r["policy_id"], r["year"], r["opens_on"], r["closes_on"], r["opened"], r["closed"]) for r in opened] == [
        ("guizhou-provincial-2022", 2025, d(2025, 4, 1), d(2025, 4, 30), True, False)]
    assert again == opened
    assert [(r["closed"], r["applications"]) for r in not_yet] == [(False, None)]
    assert [(r["policy_id"], r["closed"], r["applications"]) for r in closed] == [("guizhou-provincial-2022", True, 2)]
    [row] = _rounds(rt)
    assert row["opened_at"] == first_state[0]["opened_at"] and row["closed_at"] is not None


# --- 5. provisional dates recomputed (R16) -------------------------------------------------

def test_r16_refresh_flow_moves_provisional_deadlines_to_the_official_calendar(rt, clock, tmp_path):
    rt = dataclasses.replace(rt, policies=_policies())
    _people(rt)
    partial_dir = tmp_path / "cn"
    shutil.copytree(PROJECT_ROOT / "calendars" / "cn", partial_dir)
    (partial_dir / "notices" / "2026.toml").unlink()
    before = dataclasses.replace(rt, calendar=load_work_calendar(partial_dir))
    ids: dict[str, str] = {}
    for on, _label, _name, _kwargs in SCRIPT[:9]:  # A, B, C recognized in June 2024
        clock.set_day(on)
        _do_acts(before, ids, on)
    clock.set_day(d(2026, 7, 1))
    cases.ACTS["record_assessment"](before, ids["B"], outcome="fail", on=d(2026, 7, 1), actor=WANG, reason="考核不达标")
    b = cases.get_case(rt, ids["B"])
    # 3 months from 2026-07-01 → Thursday 10-01; without the notice only 10-01..03 rest, 10-04 a Sunday → 10-05
    assert (b.rectification.deadline, b.rectification.provisional) == (d(2026, 10, 5), True)
    pending = {tm.ident: (tm.due_on, tm.provisional) for tm in pending_timers(rt, ids["B"])}
    assert pending[("rectification", "1.1")] == (d(2026, 10, 5), True)
    assert pending[("annual_report", "2025")] == (d(2026, 3, 31), True)

    clock.set_day(d(2026, 7, 2))
    with wiring.using(rt):  # the full calendar: the 2026 notice makes 10-01..07 a holiday
        report = refresh_provisional_dates()
        again = refresh_provisional_dates()
    # A, B, C: the 2025 reports and A's and C's assessments 1.1 lose "provisional", B's deadline moves;
    # the 2027+ reports stay provisional, so the three cases are looked at again by the second run
    assert report == {"cases": 3, "timers_moved": 6, "events": 1}
    assert again == {"cases": 3, "timers_moved": 0, "events": 0}
    b = cases.get_case(rt, ids["B"])
    assert (b.rectification.deadline, b.rectification.provisional) == (d(2026, 10, 8), False)
    pending = {tm.ident: (tm.due_on, tm.provisional) for tm in pending_timers(rt, ids["B"])}
    assert pending[("rectification", "1.1")] == (d(2026, 10, 8), False)
    assert pending[("annual_report", "2025")] == (d(2026, 3, 31), False)
    rescheduled = [e for e in cases.history(rt, ids["B"]) if e.act == "reschedule_rectification"]
    assert [(e.actor, e.on, e.rule, e.payload["was"], e.payload["deadline"], e.payload["provisional"])
            for e in rescheduled] == [("system", d(2026, 7, 2), "R16", "2026-10-05", "2026-10-08", False)]
    # the sweep now acts on the official date: in time on 10-08, review on 10-09
    for day in (d(2026, 10, 6), d(2026, 10, 8), d(2026, 10, 9)):
        clock.set_day(day)
        service_sweep.sweep(rt, day)
    assert [(e.act, e.on) for e in cases.history(rt, ids["B"]) if e.act == "open_rectification_review"] == [
        ("open_rectification_review", d(2026, 10, 9))]
