"""R17 and the audit: an append-only record, verified from its own bytes, corrected only by new events.

Every test runs on SQLite and PostgreSQL. Tampering is done as an administrator could: the
append-only triggers are dropped (and put back afterwards), rows are rewritten with plain SQL,
and the verifier must name the exact case and seq of what was changed. A "forgery" re-seals
the rewritten event and every event after it, so the hash chain is perfect again and only the
other checks (roles, replay, anchors) can catch it.
"""
from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from db import tables as t
from db.repository import event_from_row, event_to_row
from services import audit, cases, users
from services.anchors import day_bounds, list_anchors, verify_anchors, write_anchor
from services.dossier import dossier
from services.filed_workbooks import dossier_workbook
from services.queries import pending_timers
from services.stats import statistics
from statemachines.errors import FutureDate, InvalidAct
from statemachines.events import GENESIS_HASH, Event, digest, seal
from statemachines.fold import apply_event
from statemachines.periods import period_end
from statemachines.replay import replay
from statemachines.timers import timers_for
from tests.conftest import SHANGHAI, append_only_lifted
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, Story, credit_code

D = date
SUPERVISOR_2 = "supervisor.sun"
AUDITOR = "auditor.chen"
BASE_A = "贵阳市大学生创业园"
BASE_B = "遵义市退役军人创业孵化基地"


# --- helpers ---------------------------------------------------------------------------------

def add_people(rt) -> None:
    """The department's staff, granted before any act is recorded (the verifier checks the roles)."""
    users.add_user(rt, CASEWORKER, "王芳", [("caseworker", "520000")])
    users.add_user(rt, INSPECTOR, "赵磊", [("caseworker", "520000")])
    users.add_user(rt, SUPERVISOR, "李强", [("supervisor", "520000")])
    users.add_user(rt, SUPERVISOR_2, "孙丽", [("supervisor", "520000")])
    users.add_user(rt, AUDITOR, "陈静", [("auditor", "000000")])


@pytest.fixture
def people(rt):
    add_people(rt)
    return rt


@pytest.fixture
def untriggered(engine):
    """The append-only triggers dropped, as an administrator with DDL rights could; restored after."""
    with append_only_lifted(engine, "case_events"):
        yield engine


def stored_events(engine, case_id: str) -> list[Event]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.case_events).where(t.case_events.c.case_id == case_id)
                            .order_by(t.case_events.c.seq)).mappings().all()
    return [event_from_row(r) for r in rows]


def update_row(engine, case_id: str, seq: int, **values) -> None:
    with engine.begin() as conn:
        done = conn.execute(t.case_events.update().where(
            t.case_events.c.case_id == case_id, t.case_events.c.seq == seq).values(**values))
        assert done.rowcount == 1


def seq_of(events: list[Event], act: str, nth: int = 0) -> int:
    return [e.seq for e in events if e.act == act][nth]


def forge(engine, case_id: str, seq: int, *, rechain: bool = True, **changes) -> list[Event]:
    """Rewrites event `seq` with `changes`, re-seals it and (rechain) every event after it,
    and points the snapshot's head at the new last hash: a chain that verifies as a chain."""
    events = stored_events(engine, case_id)
    out, previous = [], None
    for e in events:
        if e.seq < seq:
            previous = e
            continue
        if e.seq > seq and not rechain:
            break
        values = dict(e.__dict__)
        if e.seq == seq:
            values.update(changes)
        if previous is not None:
            values["prev_hash"] = previous.hash
        new = seal(Event(**{**values, "canonical": "", "hash": ""}))
        row = event_to_row(new)
        update_row(engine, case_id, e.seq, **{k: v for k, v in row.items() if k not in ("case_id", "seq")})
        out.append(new)
        previous = new
    if rechain:
        with engine.begin() as conn:
            snapshot = conn.execute(sa.select(t.cases.c.snapshot).where(t.cases.c.id == case_id)).scalar_one()
            snapshot = {**snapshot, "head_hash": previous.hash}
            conn.execute(t.cases.update().where(t.cases.c.id == case_id).values(snapshot=snapshot))
    return out


def marks(report) -> list[tuple[str, int | None, str]]:
    return sorted(((v.case_id, v.seq, v.check) for v in report.violations), key=str)


def all_reports(rt) -> dict[str, audit.CaseReport]:
    return {r.case_id: r for r in audit.verify_all(rt)}


def write_directly(rt, case_id: str, act: str, on: date, actor: str, reason: str, rule: str, payload: dict) -> Event:
    """An event sealed and stored through the repository, skipping every check an act makes."""
    with rt.uow() as uow:
        case = uow.cases.get(case_id, for_update=True)
        policy = rt.policies.get(case.policy_id, case.policy_version)
        version = case.version
        event = seal(Event(case_id=case_id, seq=version + 1, act=act, on=on, recorded_at=rt.clock(), actor=actor,
                           reason=reason, rule=rule, policy_id=policy.id, policy_version=policy.version,
                           payload=payload, prev_hash=case.head_hash))
        apply_event(case, event, policy)
        uow.cases.save(case, version, [event], timers_for(case, policy, rt.calendar))
        uow.commit()
    return event


@pytest.fixture
def two_cases(people, clock):
    """Two recognized Guizhou bases with a few acts each, recorded on their business dates."""
    rt = people
    a, b = Story(rt, clock), Story(rt, clock)
    a.apply(D(2024, 4, 10), seed=1, base=BASE_A)
    b.apply(D(2024, 4, 11), seed=2, base=BASE_B)
    a.act("inspect", D(2024, 5, 10), actor=INSPECTOR, outcome="pass", findings="场地、服务设施符合要求")
    b.act("inspect", D(2024, 5, 11), actor=INSPECTOR, outcome="pass")
    a.act("approve", D(2024, 6, 12), actor=SUPERVISOR)
    b.act("approve", D(2024, 6, 13), actor=SUPERVISOR)
    a.act("submit_annual_report", D(2025, 3, 10), year=2024)
    b.act("submit_annual_report", D(2025, 3, 12), year=2024)
    a.act("record_complaint", D(2025, 5, 6), summary="入驻企业反映服务承诺未兑现", complaint_id="c-1")
    a.act("verify_complaint", D(2025, 5, 20), complaint_id="c-1", valid=False)
    assert audit.verify_case(rt, a.case_id).ok and audit.verify_case(rt, b.case_id).ok
    return a, b


# --- append-only (R17) -----------------------------------------------------------------------

def test_R17_case_events_refuse_update_and_delete_by_plain_sql(engine, two_cases):
    a, _ = two_cases
    before = stored_events(engine, a.case_id)
    for statement in ("UPDATE case_events SET reason = '篡改' WHERE case_id = :id",
                      "UPDATE case_events SET payload = payload WHERE case_id = :id AND seq = 2",
                      "DELETE FROM case_events WHERE case_id = :id AND seq = 3",
                      "DELETE FROM case_events WHERE case_id = :id"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(statement), {"id": a.case_id})
    assert stored_events(engine, a.case_id) == before
    expected = len(before) + len(stored_events(engine, two_cases[1].case_id))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM case_events")).scalar_one() == expected


def test_R17_appending_through_the_service_still_works_with_the_triggers_in_place(rt, two_cases):
    a, _ = two_cases
    n = len(a.events)
    a.act("submit_annual_report", D(2026, 3, 2), year=2025)
    assert len(a.events) == n + 1 and audit.verify_case(rt, a.case_id).ok


# --- tampering, triggers dropped --------------------------------------------------------------

def test_R17_payload_column_edited_alone_is_named_at_its_seq(rt, untriggered, two_cases):
    a, b = two_cases
    seq = seq_of(a.events, "inspect")
    original = stored_events(untriggered, a.case_id)[seq - 1]
    update_row(untriggered, a.case_id, seq, payload={**original.payload, "findings": "现场考察未发现问题"})
    report = audit.verify_case(rt, a.case_id)
    assert marks(report) == [(a.case_id, seq, "chain")]
    assert "stored columns differ from what was hashed: payload" in report.violations[0].message
    assert report.violations[0].rule == "R17"
    reports = all_reports(rt)
    assert marks(reports[a.case_id]) == [(a.case_id, seq, "chain")]
    assert reports[b.case_id].ok and reports[b.case_id].events == len(b.events)


def test_R17_canonical_and_payload_edited_together_break_the_hash(rt, untriggered, two_cases):
    a, b = two_cases
    seq = seq_of(a.events, "inspect")
    e = stored_events(untriggered, a.case_id)[seq - 1]
    payload = {**e.payload, "findings": "现场考察未发现问题"}
    canonical = seal(Event(**{**e.__dict__, "payload": payload})).canonical
    update_row(untriggered, a.case_id, seq, payload=payload, canonical=canonical)
    report = audit.verify_case(rt, a.case_id)
    assert marks(report) == [(a.case_id, seq, "chain")]
    assert "hash is not the sha256 of the stored canonical text" in report.violations[0].message
    assert all_reports(rt)[b.case_id].ok


def test_R17_rehashed_event_breaks_the_link_to_the_next_one(rt, untriggered, two_cases):
    a, b = two_cases
    seq = seq_of(a.events, "inspect")
    forge(untriggered, a.case_id, seq, rechain=False, payload={
        **stored_events(untriggered, a.case_id)[seq - 1].payload, "findings": "现场考察未发现问题"})
    report = audit.verify_case(rt, a.case_id)
    assert marks(report) == [(a.case_id, seq + 1, "chain")]
    assert "prev_hash" in report.violations[0].message
    reports = all_reports(rt)
    assert marks(reports[a.case_id]) == [(a.case_id, seq + 1, "chain")] and reports[b.case_id].ok


def test_R17_deleted_event_leaves_a_gap_named_at_the_next_seq(rt, untriggered, two_cases):
    a, b = two_cases
    seq = seq_of(a.events, "submit_annual_report")
    total = len(a.events)
    with untriggered.begin() as conn:
        conn.execute(sa.text("DELETE FROM case_events WHERE case_id = :id AND seq = :seq"),
                     {"id": a.case_id, "seq": seq})
    report = audit.verify_case(rt, a.case_id)
    assert report.events == total - 1
    found = marks(report)
    assert (a.case_id, seq + 1, "sequence") in found
    assert (a.case_id, seq + 1, "chain") in found  # its prev_hash names the deleted event
    gap = next(v for v in report.violations if v.check == "sequence")
    assert gap.message == f"expected seq {seq}, found {seq + 1}"
    # the report for 2024 is gone from the replayed state, so the stored case no longer replays
    assert any(v.check == "replay" and "reports" in v.message for v in report.violations)
    assert all(v.seq in (seq + 1, None) for v in report.violations)
    assert all_reports(rt)[b.case_id].ok


def test_R17_two_events_swapped_by_seq_break_the_chain_at_both(rt, untriggered, two_cases):
    a, b = two_cases
    k = seq_of(a.events, "submit_annual_report")  # followed by record_complaint at k + 1
    assert a.events[k].act == "record_complaint"
    with untriggered.begin() as conn:
        for old, new in ((k, -1), (k + 1, k), (-1, k + 1)):
            conn.execute(sa.text("UPDATE case_events SET seq = :new WHERE case_id = :id AND seq = :old"),
                         {"id": a.case_id, "old": old, "new": new})
    report = audit.verify_case(rt, a.case_id)
    found = {(s, c) for _, s, c in marks(report)}
    assert (k, "chain") in found and (k + 1, "chain") in found
    # and the event after them still names the hash of the one that used to precede it
    assert {s for s, c in found if c in ("chain", "sequence")} == {k, k + 1, k + 2}
    messages = " ".join(v.message for v in report.violations if v.seq == k)
    assert "seq" in messages and "prev_hash" in messages
    assert all_reports(rt)[b.case_id].ok


def test_R17_snapshot_changed_is_caught_by_replay(rt, untriggered, two_cases):
    a, b = two_cases
    with untriggered.begin() as conn:
        snapshot = conn.execute(sa.select(t.cases.c.snapshot).where(t.cases.c.id == a.case_id)).scalar_one()
        conn.execute(t.cases.update().where(t.cases.c.id == a.case_id).values(
            snapshot={**snapshot, "state": "assessed"}, state="assessed"))
    assert cases.get_case(rt, a.case_id).state == "assessed"
    report = audit.verify_case(rt, a.case_id)
    # the snapshot and the state column, each against the replay (issue 14 #8: the column is read too)
    assert marks(report) == [(a.case_id, None, "projection"), (a.case_id, None, "replay")]
    assert sorted(v.message for v in report.violations) == [
        "cases.state: stored 'assessed', replay gives 'recognized'",
        "state: stored 'assessed', replay gives 'recognized'"]
    assert all_reports(rt)[b.case_id].ok


def test_R17_actor_rewritten_to_someone_without_the_role_is_caught_by_the_role_check(rt, untriggered, two_cases):
    a, b = two_cases
    seq = seq_of(a.events, "approve")
    forge(untriggered, a.case_id, seq, actor=CASEWORKER)  # a perfect chain: only the role check sees it
    report = audit.verify_case(rt, a.case_id)
    assert marks(report) == [(a.case_id, seq, "role")]
    v = report.violations[0]
    assert v.rule == "R5" and "'approve' needs supervisor" in v.message and CASEWORKER in v.message
    reports = all_reports(rt)
    assert marks(reports[a.case_id]) == [(a.case_id, seq, "role")] and reports[b.case_id].ok


def test_R17_actor_who_is_no_user_at_all_is_caught(rt, untriggered, two_cases):
    a, _ = two_cases
    seq = seq_of(a.events, "submit_annual_report")
    forge(untriggered, a.case_id, seq, actor="intruder")
    report = audit.verify_case(rt, a.case_id)
    assert marks(report) == [(a.case_id, seq, "role")]
    assert "is not a known user" in report.violations[0].message


def test_R17_a_role_granted_after_the_act_does_not_cover_it(rt, people, clock):
    """The grant must be active when the act was recorded, not merely now."""
    s = Story(rt, clock)
    s.apply(D(2024, 4, 10), seed=3, base=BASE_A, actor="caseworker.late")  # no such user yet
    clock.set_day(D(2024, 4, 10), at=time(15, 0))
    users.add_user(rt, "caseworker.late", "迟到", [("caseworker", "520000")])
    report = audit.verify_case(rt, s.case_id)
    assert marks(report) == [(s.case_id, 1, "role")]


# --- what the stored record may not contain -----------------------------------------------------

def test_R17_illegal_transition_smuggled_in_well_chained_is_named(rt, engine, two_cases):
    a, b = two_cases
    case = a.case
    assert case.state == "recognized"
    a.clock.set_day(D(2025, 6, 1))
    smuggled = seal(Event(case_id=a.case_id, seq=case.version + 1, act="reinstate", on=D(2025, 6, 1),
                          recorded_at=rt.clock(), actor=SUPERVISOR, reason="恢复", rule="R13",
                          policy_id=case.policy_id, policy_version=case.policy_version,
                          payload={"back_to": "recognized"}, prev_hash=case.head_hash))
    assert smuggled.prev_hash == stored_events(engine, a.case_id)[-1].hash  # the chain itself holds
    with engine.begin() as conn:  # an INSERT: the append-only triggers let it through
        conn.execute(t.case_events.insert().values(**event_to_row(smuggled)))
    report = audit.verify_case(rt, a.case_id)
    assert marks(report) == [(a.case_id, smuggled.seq, "transition")]
    assert report.violations[0].rule == "R13" and "reinstate" in report.violations[0].message
    reports = all_reports(rt)
    assert marks(reports[a.case_id]) == [(a.case_id, smuggled.seq, "transition")] and reports[b.case_id].ok


def test_R17_an_act_citing_a_rule_it_cannot_cite_is_named(rt, engine, two_cases):
    a, _ = two_cases
    a.clock.set_day(D(2026, 3, 2))
    event = write_directly(rt, a.case_id, "submit_annual_report", D(2026, 3, 2), CASEWORKER, "年报", "R12",
                           {"year": 2025})
    report = audit.verify_case(rt, a.case_id)
    assert marks(report) == [(a.case_id, event.seq, "rule")]


def test_R5_four_eyes_broken_in_the_stored_record_is_named(rt, people, clock):
    s = Story(rt, clock)
    s.apply(D(2024, 4, 10), seed=4, base=BASE_A)
    s.act("inspect", D(2024, 5, 10), actor=SUPERVISOR, outcome="pass")  # the supervisor inspected
    clock.set_day(D(2024, 6, 12))
    policy = rt.policies.get(s.case.policy_id, s.case.policy_version)
    on = D(2024, 6, 12)
    approve = write_directly(rt, s.case_id, "approve", on, SUPERVISOR, "批复认定", "R5", {
        "period": {"number": 1, "start": on.isoformat(), "end": period_end(on, policy.recognition_period).isoformat()},
        "instalments": [{"number": 1, "amount_fen": 50_000_000, "due_on": on.isoformat()}]})
    assert s.case.state == "recognized"
    report = audit.verify_case(rt, s.case_id)
    assert marks(report) == [(s.case_id, approve.seq, "four-eyes")]
    assert report.violations[0].rule == "R5" and SUPERVISOR in report.violations[0].message


def test_R13_four_eyes_on_revocation_in_the_stored_record_is_named(rt, two_cases):
    a, _ = two_cases
    a.act("suspend", D(2025, 6, 3), actor=SUPERVISOR, ground="fraud")
    a.clock.set_day(D(2025, 6, 10))
    ban = {"level": "provincial", "length": "5y", "first_day": "2025-06-10", "last_day": "2030-06-10"}
    revoke = write_directly(rt, a.case_id, "revoke", D(2025, 6, 10), SUPERVISOR, "撤销", "R12",
                            {"ground": "fraud", "ban": ban})
    report = audit.verify_case(rt, a.case_id)
    assert marks(report) == [(a.case_id, revoke.seq, "four-eyes")]
    assert report.violations[0].rule == "R13"


@pytest.mark.parametrize("recorded", ["now", "before issue 14"])
def test_R13_issue14_3_revoked_by_who_verified_the_complaint_that_suspended_is_named(rt, two_cases, recorded):
    """issue 14 #3 in the stored record: the verifier of the complaint that crossed the threshold
    revoked after the system suspended. Named whether the suspension says who brought it about (as
    recorded now) or not (as recorded before issue 14: the valid verification just before it)."""
    a, _ = two_cases
    for n in (2, 3, 4):
        a.act("record_complaint", D(2025, 6, n), summary=f"投诉{n}", complaint_id=f"c-{n}")
    a.act("verify_complaint", D(2025, 6, 5), actor=SUPERVISOR_2, complaint_id="c-2", valid=True)
    a.act("verify_complaint", D(2025, 6, 5), actor=SUPERVISOR_2, complaint_id="c-3", valid=True)
    a.clock.set_day(D(2025, 6, 6))
    write_directly(rt, a.case_id, "verify_complaint", D(2025, 6, 6), SUPERVISOR, "核实", "R12",
                   {"complaint_id": "c-4", "valid": True})
    payload = {"ground": "complaints", "valid_complaints": 3}
    if recorded == "now":
        payload["brought_about_by"] = SUPERVISOR
    write_directly(rt, a.case_id, "suspend", D(2025, 6, 6), "system", "有效投诉达3次，自动暂停", "R12", payload)
    a.clock.set_day(D(2025, 6, 10))
    ban = {"level": "provincial", "length": "5y", "first_day": "2025-06-10", "last_day": "2030-06-10"}
    revoke = write_directly(rt, a.case_id, "revoke", D(2025, 6, 10), SUPERVISOR, "撤销", "R12",
                            {"ground": "complaints", "ban": ban})
    report = audit.verify_case(rt, a.case_id)
    assert marks(report) == [(a.case_id, revoke.seq, "four-eyes")]
    assert report.violations[0].rule == "R13"
    assert report.violations[0].message == f"{SUPERVISOR} revoked after verifying the complaint that suspended it"


# --- corrections (R17) --------------------------------------------------------------------------

def test_R17_correction_is_a_new_event_and_replay_follows_it(rt, two_cases):
    a, b = two_cases
    a.act("record_assessment", D(2026, 6, 1), outcome="fail", grade="不达标")
    assert a.case.state == "rectifying"
    assert any(tm.kind == "rectification" for tm in pending_timers(rt, a.case_id))
    before = a.events
    target = before[-1]
    assert target.act == "record_assessment"
    a.clock.set_day(D(2026, 6, 5))
    case, event = audit.correct(rt, a.case_id, corrects=target.seq,
                                changes={"payload": {"outcome": "pass", "grade": "达标"}},
                                actor=SUPERVISOR, on=D(2026, 6, 5), reason="考核结果录入错误，经核对应为达标")
    after = a.events
    assert after[:len(before)] == before  # the original stays exactly as recorded
    assert after[target.seq - 1].payload["outcome"] == "fail"
    assert event == after[-1] and event.seq == len(before) + 1
    assert (event.act, event.rule, event.actor, event.prev_hash) == ("correct", "R17", SUPERVISOR, target.hash)
    # the assessment decided again as a pass (issue 14 #2): the rectification a fail opened is gone with it
    assert event.payload == {"corrects": target.seq, "changes": {"payload": {
        "outcome": "pass", "grade": "达标", "rectification": None}}}
    stored = a.case
    assert stored == case == replay(after, rt.policies.get)
    assert stored.state == "assessed" and stored.rectification is None and stored.consecutive_fails == 0
    assert [(x.outcome, x.grade) for x in stored.assessments] == [("pass", "达标")]
    assert not any(tm.kind == "rectification" for tm in pending_timers(rt, a.case_id))
    assert audit.verify_case(rt, a.case_id).ok
    assert all(r.ok for r in audit.verify_all(rt))
    # as the system knew it before the correction was recorded: the record as first entered
    known = audit.state_as_of(rt, a.case_id, recorded=datetime.combine(D(2026, 6, 2), time(12), SHANGHAI))
    assert known.state == "rectifying"
    assert audit.state_as_of(rt, a.case_id, recorded=event.recorded_at) == stored


def test_R17_as_of_a_day_applies_corrections_recorded_after_that_day(rt, two_cases):
    """The business truth as now known: a correction made on 06-05 says the 06-01 assessment passed,
    so as of 06-02 the case was assessed (only `recorded=` shows the record as first entered)."""
    a, _ = two_cases
    a.act("record_assessment", D(2026, 6, 1), outcome="fail", grade="不达标")
    a.clock.set_day(D(2026, 6, 5))
    audit.correct(rt, a.case_id, corrects=a.events[-1].seq, changes={"payload": {"outcome": "pass", "grade": "达标"}},
                  actor=SUPERVISOR, on=D(2026, 6, 5), reason="考核结果录入错误，经核对应为达标")
    assert audit.state_as_of(rt, a.case_id, day=D(2026, 6, 5)) == a.case
    assert audit.state_as_of(rt, a.case_id, day=D(2026, 6, 2)).state == "assessed"


def test_R8_R17_statistics_count_the_corrected_assessment(rt, two_cases):
    a, b = two_cases
    a.act("record_assessment", D(2026, 6, 1), outcome="fail", grade="不达标")
    b.act("record_assessment", D(2026, 6, 2), outcome="pass")
    a.clock.set_day(D(2026, 6, 5))
    audit.correct(rt, a.case_id, corrects=a.events[-1].seq, changes={"payload": {"outcome": "pass", "grade": "达标"}},
                  actor=SUPERVISOR, on=D(2026, 6, 5), reason="考核结果录入错误，经核对应为达标")
    stats = statistics(rt, "520000", 2026, D(2026, 6, 5))
    assert (stats.cases, stats.recognized, stats.in_rectification, stats.assessed) == (2, 2, 0, 2)
    assert stats.assessment_results == {"达标": 2}


def test_R17_correction_of_a_business_date_moves_the_event_in_state_and_as_of(rt, two_cases):
    a, _ = two_cases
    seq = seq_of(a.events, "submit_annual_report")
    a.clock.set_day(D(2025, 6, 3))
    audit.correct(rt, a.case_id, corrects=seq, changes={"on": "2025-03-03"}, actor=SUPERVISOR,
                  on=D(2025, 6, 3), reason="年报实际报送日期为3月3日")
    assert a.case.reports == {2024: D(2025, 3, 3)}
    assert audit.state_as_of(rt, a.case_id, day=D(2025, 3, 5)).reports == {2024: D(2025, 3, 3)}
    assert audit.verify_case(rt, a.case_id).ok


def test_R17_correction_that_would_make_the_history_inconsistent_is_refused(rt, two_cases):
    a, _ = two_cases
    before, case_before = a.events, a.case
    a.clock.set_day(D(2025, 6, 3))
    with pytest.raises(InvalidAct) as refused:  # an inspection that failed cannot be followed by approval
        audit.correct(rt, a.case_id, corrects=seq_of(before, "inspect"), changes={"payload": {"outcome": "fail"}},
                      actor=SUPERVISOR_2, on=D(2025, 6, 3), reason="考察结论录入错误")
    assert refused.value.rule == "R17" and "inconsistent" in str(refused.value)
    for changes in ({"payload": {"no_such_field": 1}}, {"act": "reject"}, {}):
        with pytest.raises(InvalidAct):
            audit.correct(rt, a.case_id, corrects=2, changes=changes, actor=SUPERVISOR_2, on=D(2025, 6, 3),
                          reason="更正")
    with pytest.raises(InvalidAct):  # nothing to correct there
        audit.correct(rt, a.case_id, corrects=99, changes={"reason": "x"}, actor=SUPERVISOR, on=D(2025, 6, 3),
                      reason="更正")
    with pytest.raises(InvalidAct):
        audit.correct(rt, a.case_id, corrects=2, changes={"reason": "x"}, actor=SUPERVISOR, on=D(2025, 6, 3),
                      reason="  ")
    with pytest.raises(FutureDate):
        audit.correct(rt, a.case_id, corrects=2, changes={"reason": "x"}, actor=SUPERVISOR, on=D(2025, 6, 4),
                      reason="更正")
    assert a.events == before and a.case == case_before
    assert audit.verify_case(rt, a.case_id).ok


def test_R17_correction_may_not_date_an_act_after_the_acts_that_followed_it(rt, two_cases):
    """Acts are recorded in business-date order (DateOutOfOrder); a correction that moves the
    inspection after the approval would leave a history no act could have recorded."""
    a, _ = two_cases
    before = a.events
    a.clock.set_day(D(2025, 6, 3))
    with pytest.raises(InvalidAct):
        audit.correct(rt, a.case_id, corrects=seq_of(before, "inspect"), changes={"on": "2024-07-01"},
                      actor=SUPERVISOR_2, on=D(2025, 6, 3), reason="考察日期录入错误")
    assert a.events == before


# --- as of a date, as of a moment (R17) ----------------------------------------------------------

def _next_fire(rt, case_id: str | None, before: date) -> date | None:
    if case_id is None:
        return None
    due = [tm.fires_on for tm in pending_timers(rt, case_id) if tm.fires_on < before]
    return min(due, default=None)


def test_R17_as_of_every_event_date_over_eleven_years_equals_the_case_as_it_stood(rt, people, clock):
    s = Story(rt, clock)
    snaps: dict[date, object] = {}

    def settle(day: date) -> None:
        s.until(day)  # the same day's automatic acts (an instalment due on the day of approval)
        snaps[day] = s.case

    def step(name: str, on: date, **kw) -> None:
        while (nxt := _next_fire(rt, s.case_id, on)) is not None:
            settle(nxt)
        if name == "apply":
            s.apply(on, seed=7, base=BASE_A)
        else:
            s.act(name, on, **kw)
        settle(on)

    step("apply", D(2024, 4, 10))
    step("inspect", D(2024, 5, 10), actor=INSPECTOR, outcome="pass")
    step("approve", D(2024, 6, 12), actor=SUPERVISOR)
    step("record_payment", D(2024, 7, 1), number=1, amount_fen=50_000_000)
    step("submit_annual_report", D(2025, 3, 20), year=2024)
    step("record_assessment", D(2026, 6, 1), outcome="pass")
    # the 2025 report is never sent: flagged overdue on 2026-04-01
    step("submit_annual_report", D(2027, 3, 15), year=2026)
    step("submit_annual_report", D(2028, 3, 10), year=2027)
    step("record_assessment", D(2028, 6, 2), outcome="pass")
    step("submit_annual_report", D(2029, 3, 12), year=2028)
    # 2029-06-12: every assessment passed at the first attempt, extended automatically (R10)
    step("submit_annual_report", D(2030, 3, 11), year=2029)
    step("submit_annual_report", D(2031, 3, 11), year=2030)
    step("record_assessment", D(2031, 6, 3), outcome="fail", grade="不达标")
    step("record_rectification", D(2031, 8, 20), outcome="pass")
    step("submit_annual_report", D(2032, 3, 9), year=2031)
    step("submit_annual_report", D(2033, 3, 8), year=2032)
    step("record_assessment", D(2033, 6, 6), outcome="pass")
        # 2034-06-12: a fail in the period, so re-evaluation is a decision (R10)
    step("reevaluate", D(2034, 6, 20), actor=SUPERVISOR, decision="extend")
    step("submit_annual_report", D(2035, 3, 5), year=2034)
    step("record_complaint", D(2035, 5, 6), summary="未按承诺提供创业指导", complaint_id="k1")
    step("record_complaint", D(2035, 5, 7), summary="收取额外费用", complaint_id="k2")
    step("record_complaint", D(2035, 5, 8), summary="场地长期停用", complaint_id="k3")
    step("verify_complaint", D(2035, 6, 3), complaint_id="k1", valid=True)
    step("verify_complaint", D(2035, 6, 4), complaint_id="k2", valid=True)
    step("verify_complaint", D(2035, 6, 5), complaint_id="k3", valid=True)  # the third: suspended (R12)
    step("revoke", D(2035, 6, 20), actor=SUPERVISOR_2, ground="complaints")
    settle(D(2035, 12, 31))

    events = s.events
    acts = [e.act for e in events]
    assert {"extend", "reevaluate", "flag_overdue_report", "suspend", "revoke", "instalment_due",
            "record_rectification"} <= set(acts)
    assert events[0].on.year == 2024 and events[-1].on.year == 2035
    assert s.case.state == "revoked"
    for e in events:
        # nothing here was back-dated, so the replay as of each business date is the case as it
        # stood at the end of that day: every field, version and head hash included
        assert audit.state_as_of(rt, s.case_id, day=e.on) == snaps[e.on], f"as of {e.on} ({e.act})"
    assert audit.state_as_of(rt, s.case_id, day=D(2024, 4, 9)) is None
    assert audit.state_as_of(rt, s.case_id, day=D(2030, 1, 1)) == snaps[max(d for d in snaps if d <= D(2030, 1, 1))]
    assert audit.verify_case(rt, s.case_id).ok


def test_R17_as_of_recorded_shows_what_the_system_knew_before_a_back_dated_act(rt, two_cases):
    a, _ = two_cases
    a.until(D(2026, 3, 20))
    before_entry = a.case
    moment = a.clock()
    a.act("record_assessment", D(2026, 6, 1), outcome="pass")
    a.clock.set_day(D(2026, 6, 10))
    # recorded on 2026-06-10, but it happened on 2026-06-05 (back-dated)
    late = cases.ACTS["submit_annual_report"](rt, a.case_id, year=2025, on=D(2026, 6, 5), actor=CASEWORKER,
                                      reason="补录：年报已于6月5日纸质报送")
    recorded_at = late.events[0].recorded_at
    assert late.events[0].on == D(2026, 6, 5) and recorded_at > datetime.combine(D(2026, 6, 5), time(23), SHANGHAI)
    now_known = audit.state_as_of(rt, a.case_id, day=D(2026, 6, 7))
    then_known = audit.state_as_of(rt, a.case_id, day=D(2026, 6, 7), recorded=recorded_at - timedelta(seconds=1))
    assert now_known.reports.get(2025) == D(2026, 6, 5)
    assert 2025 not in then_known.reports and then_known.state == "assessed"
    assert audit.state_as_of(rt, a.case_id, recorded=recorded_at) == a.case
    assert audit.state_as_of(rt, a.case_id, recorded=moment) == before_entry
    assert audit.state_as_of(rt, a.case_id, recorded=datetime(2024, 1, 1, tzinfo=UTC)) is None


# --- anchors (R17) ----------------------------------------------------------------------------

def test_R17_anchor_lists_the_heads_of_the_shanghai_day_written_once_and_chained(rt, people, clock):
    a, b = Story(rt, clock), Story(rt, clock)
    a.apply(D(2024, 4, 10), seed=1, base=BASE_A)
    b.apply(D(2024, 4, 10), seed=2, base=BASE_B)
    # 07:30 in Guizhou on 4-11 is still 4-10 in UTC
    clock.set_day(D(2024, 4, 11), at=time(7, 30))
    assert clock().date() == D(2024, 4, 10)
    cases.ACTS["withdraw"](rt, a.case_id, on=D(2024, 4, 11), actor=CASEWORKER, reason="运营机构撤回申报")
    # 00:30 in Guizhou on 4-12 is still 4-11 in UTC
    clock.set_day(D(2024, 4, 12), at=time(0, 30))
    assert clock().date() == D(2024, 4, 11)
    cases.ACTS["inspect"](rt, b.case_id, on=D(2024, 4, 12), actor=INSPECTOR, reason="现场考察", outcome="pass")
    clock.set_day(D(2024, 4, 13), at=time(0, 15))  # each day anchored once it has ended (issue 14 #9)

    first = write_anchor(rt, D(2024, 4, 10))
    heads10 = json.loads(first.canonical)["heads"]
    assert heads10 == sorted([{"case_id": a.case_id, "seq": 1, "hash": a.events[0].hash},
                              {"case_id": b.case_id, "seq": 1, "hash": b.events[0].hash}],
                             key=lambda h: h["case_id"])
    assert first.cases == 2 and first.prev_digest == GENESIS_HASH and first.digest == digest(first.canonical)

    second = write_anchor(rt, D(2024, 4, 11))
    assert json.loads(second.canonical)["heads"] == [{"case_id": a.case_id, "seq": 2, "hash": a.events[1].hash}]
    assert second.prev_digest == first.digest and json.loads(second.canonical)["prev_digest"] == first.digest

    third = write_anchor(rt, D(2024, 4, 12))
    assert json.loads(third.canonical)["heads"] == [{"case_id": b.case_id, "seq": 2, "hash": b.events[1].hash}]
    assert third.prev_digest == second.digest

    start, end = day_bounds(D(2024, 4, 11))
    assert (start, end) == (datetime(2024, 4, 10, 16, tzinfo=UTC), datetime(2024, 4, 11, 16, tzinfo=UTC))
    # written once: asking again returns the same anchor and writes nothing new
    assert write_anchor(rt, D(2024, 4, 11)) == second
    assert [x.day for x in list_anchors(rt)] == [D(2024, 4, 10), D(2024, 4, 11), D(2024, 4, 12)]
    assert verify_anchors(rt) == []


def test_R17_tampered_anchored_event_is_named_by_day_case_and_seq(rt, untriggered, two_cases):
    a, b = two_cases
    # an anchor for the day the last act of case a was recorded
    last = a.events[-1]
    day = last.recorded_at.astimezone(SHANGHAI).date()
    a.clock.set_day(day + timedelta(days=1), at=time(0, 15))
    anchor = write_anchor(rt, day)
    assert {"case_id": a.case_id, "seq": last.seq, "hash": last.hash} in json.loads(anchor.canonical)["heads"]
    # rewrite an earlier event and re-seal everything after it: the chain verifies as a chain…
    seq = seq_of(a.events, "record_complaint")
    forge(untriggered, a.case_id, seq, payload={"complaint_id": "c-1", "summary": "无"})
    assert not any(v.check == "chain" for v in audit.verify_case(rt, a.case_id).violations)
    # …but the anchored head is not the one held outside
    problems = verify_anchors(rt)
    assert [(p.day, p.case_id, p.seq) for p in problems] == [(day, a.case_id, last.seq)]
    assert problems[0].message == "the event anchored then was changed"


def test_R17_anchor_tampered_in_its_own_table_is_named_by_day(rt, engine, two_cases):
    days = [write_anchor(rt, d) for d in (D(2025, 3, 10), D(2025, 3, 12))]
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER anchors_append_only ON anchors") if engine.dialect.name == "postgresql"
                     else sa.text("DROP TRIGGER anchors_no_update"))
        conn.execute(t.anchors.update().where(t.anchors.c.day == D(2025, 3, 10)).values(digest="f" * 64))
    try:
        problems = verify_anchors(rt)
        assert {(p.day, p.message) for p in problems} == {
            (D(2025, 3, 10), "digest is not the sha256 of the anchored text"),
            (D(2025, 3, 12), "not chained to the anchor before it")}
    finally:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("CREATE TRIGGER anchors_append_only BEFORE UPDATE OR DELETE ON anchors "
                                     "FOR EACH ROW EXECUTE FUNCTION incubase_refuse_change()"))
            else:
                conn.execute(sa.text("CREATE TRIGGER anchors_no_update BEFORE UPDATE ON anchors "
                                     "BEGIN SELECT RAISE(ABORT, 'anchors is append-only: UPDATE refused'); END"))
    assert len(days) == 2


# --- dossier --------------------------------------------------------------------------------

def test_R17_dossier_has_events_timers_reminders_and_verification(rt, two_cases):
    a, _ = two_cases
    a.until(D(2026, 4, 2))  # the 2025 report is overdue: flagged, escalated
    d = dossier(rt, a.case_id)
    events = a.events
    assert d["case"]["id"] == a.case_id and d["case"]["base"] == BASE_A and d["case"]["state_name"] == "已认定"
    assert [e["seq"] for e in d["events"]] == [e.seq for e in events]
    for shown, e in zip(d["events"], events, strict=True):
        assert shown["canonical"] == e.canonical and digest(shown["canonical"]) == shown["hash"] == e.hash
        assert shown["reason"] == e.reason and shown["actor"] == e.actor
    assert BASE_A in d["events"][0]["canonical"]  # Chinese kept as characters in the hashed text
    assert any(tm["kind"] == "annual_report" and tm["key"] == "2025" and tm["status"] == "fired" for tm in d["timers"])
    assert any(tm["status"] == "pending" for tm in d["timers"])
    assert d["reminders"] and all("body" not in r for r in d["reminders"])
    assert any(r["timer_kind"] == "annual_report" for r in d["reminders"])
    assert d["verification"] == {"ok": True, "events": len(events), "violations": []}


def test_R17_issue15_dossier_xlsx_of_a_stored_case_ready_to_file(rt, untriggered, two_cases):
    """R17, issue 15 "Exports ready to file": the workbook of a real record — acts in words by display
    name, business dates as date cells, recorded times in Beijing time, the payload's fields as columns
    of their own, the case's facts in words, and the verification (here a tampered event) with the
    hashes on the 核验 sheet."""
    a, _ = two_cases
    a.until(D(2026, 4, 2))
    seq = seq_of(a.events, "inspect")
    e = stored_events(untriggered, a.case_id)[seq - 1]
    update_row(untriggered, a.case_id, seq, payload={**e.payload, "findings": "改"})
    book = load_workbook(io.BytesIO(dossier_workbook(dossier(rt, a.case_id))))
    assert book.sheetnames == ["案卷信息", "办理记录", "期限与提醒", "核验"]
    acts = book["办理记录"]
    header = [c.value for c in acts[2]]
    rows = [dict(zip(header, row, strict=False)) for row in acts.iter_rows(min_row=3)]
    assert [r["序号"].value for r in rows] == [x.seq for x in a.events]
    assert rows[0]["事项"].value == "申报" and rows[0]["办理人"].value == "王芳"
    assert rows[0]["用户名"].value == CASEWORKER and rows[0]["基地名称"].value == BASE_A
    assert rows[0]["辖区"].value == "520000 贵州省" and rows[0]["级别"].value == "省级"
    inspected = rows[seq - 1]
    assert (inspected["事项"].value, inspected["办理人"].value, inspected["结果"].value) == ("记录现场考察", "赵磊",
                                                                                           "通过/达标")
    assert inspected["考察意见"].value == "改"  # what is stored, tampered or not, is what is filed
    for row, event in zip(rows, a.events, strict=True):
        assert row["办理日期"].is_date and row["办理日期"].value.date() == event.on
        recorded = row["录入时间（北京时间）"]
        assert recorded.value == event.recorded_at.astimezone(SHANGHAI).replace(tzinfo=None, microsecond=0)
    assert {r["事由"].value for r in rows} >= {"受理申报材料", "依规办理"}
    assert "payload" not in header and not any("hash" in str(h) or "哈希" in str(h) for h in header)
    timers = [row for row in book["期限与提醒"].iter_rows(min_row=3, values_only=True)]
    assert {r[0] for r in timers} == {"期限", "提醒"}
    verification = [row for row in book["核验"].iter_rows(min_row=3, values_only=True)]
    assert verification[seq - 1][0] == seq and verification[seq - 1][4].startswith("R17 [chain]")
    assert verification[0][3] == a.events[0].hash and verification[0][4] == "通过"
    facts = {row[0]: row[1] for row in book["案卷信息"].iter_rows(min_row=3, values_only=True)}
    assert facts["基地名称"] == BASE_A and facts["状态"] == "已认定"
    assert facts["核验结果"].startswith("发现")


# --- statistics -------------------------------------------------------------------------------

def test_R8_R12_R14_statistics_for_a_jurisdiction_and_year_match_a_hand_count(rt, people, clock):
    a, b, c, d = (Story(rt, clock) for _ in range(4))
    a.apply(D(2024, 4, 10), seed=11, base="贵阳A基地")
    b.apply(D(2024, 4, 10), seed=12, base="贵阳B基地")
    d.apply(D(2024, 4, 10), seed=14, base="贵阳D基地")
    for s in (a, b, d):
        s.act("inspect", D(2024, 5, 10), actor=INSPECTOR, outcome="pass")
    for s in (a, b, d):
        s.act("approve", D(2024, 6, 12), actor=SUPERVISOR)
    for s in (a, b, d):
        s.act("submit_annual_report", D(2025, 3, 10), year=2024)
    a.act("submit_annual_report", D(2026, 3, 2), year=2025)  # b and d never send theirs: 2 overdue in 2026
    c.apply(D(2026, 4, 10), seed=13, base="贵阳C基地")
    for n in (1, 2, 3):
        d.act("record_complaint", D(2026, 5, n), summary=f"第{n}次投诉", complaint_id=f"d{n}")
    for n in (1, 2, 3):
        d.act("verify_complaint", D(2026, 5, 10 + n), complaint_id=f"d{n}", valid=True)
    assert d.case.state == "suspended"
    d.act("revoke", D(2026, 5, 20), actor=SUPERVISOR, ground="complaints")
    c.act("inspect", D(2026, 5, 25), actor=INSPECTOR, outcome="pass")
    a.act("record_assessment", D(2026, 6, 1), outcome="pass")
    b.act("record_assessment", D(2026, 6, 2), outcome="fail", grade="不达标")
    c.act("approve", D(2026, 6, 20), actor=SUPERVISOR)
    # a Shanghai case is not Guizhou's figure
    sh = Story(rt, clock)
    users.add_user(rt, "caseworker.hu", "胡军", [("caseworker", "310000")])
    sh.apply(D(2026, 7, 1), seed=15, base="杨浦区创业孵化示范基地", level="municipal", jurisdiction="310000",
             actor="caseworker.hu", credit_code=credit_code(15, "310100"))
    a.until(D(2027, 1, 20))

    stats = statistics(rt, "520000", 2026, D(2027, 1, 20))
    assert stats.as_of == D(2026, 12, 31)
    assert stats.cases == 4
    assert stats.recognized == 3  # a assessed, b rectifying, c recognized; d revoked
    assert stats.by_level == {"provincial": 3}
    assert stats.newly_recognized == 1  # c
    assert stats.assessed == 2
    assert stats.assessment_results == {"达标": 1, "不达标": 1}
    assert stats.in_rectification == 1  # b, its deadline (2026-09-02) passed under review
    assert stats.suspended == 0
    assert stats.revoked == 1 and stats.revoked_by_ground == {"complaints": 1}
    assert stats.bans_in_force == 1  # d: 5 years from 2026-05-20
    assert stats.overdue_reports == 2  # the 2025 reports of b and d (due 2026-03-31)
    assert stats.extended == 0

    before = statistics(rt, "520000", 2025, D(2027, 1, 20))
    assert (before.cases, before.recognized, before.newly_recognized, before.revoked, before.overdue_reports) == \
        (3, 3, 0, 0, 0)
    first = statistics(rt, "520000", 2024, D(2027, 1, 20))
    assert (first.cases, first.recognized, first.newly_recognized) == (3, 3, 3)
    shanghai = statistics(rt, "310000", 2026, D(2027, 1, 20))
    assert shanghai.cases == 1 and shanghai.recognized == 0
    assert stats.as_dict()["revoked_by_ground"] == {"complaints": 1}
