"""Issue 14 #8: `audit verify` holds every projection of a case — its row's state columns, its ban,
complaints, subsidy instalments, money owed back and timers (fired flags included) — to the replay
of its events, and names each difference.

The projections are what the rules read across cases (R3 reads cases.state, R2 the bans, the sweep
the timers), so each tamper below is one that changed what the service allows while every event
still verified. Tampering is plain SQL on those tables (no trigger guards them); SQLite and
PostgreSQL. The last tests show that legitimate histories — timers fired by the sweep, a correction
that takes a complaint away — verify, also on the in-memory storage.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from services import audit, cases
from services.eligibility import eligibility
from services.queries import pending_timers
from statemachines.errors import BanInForce, OpenCaseExists
from tests.integration.test_audit import BASE_A, SUPERVISOR_2, add_people
from tests.integration.test_subsidy import CLAWBACK, CODE, WAN
from tests.integration.test_subsidy import recognized as recognized_in_jiangsu
from tests.policy_variants import variant, with_policies
from tests.story import SUPERVISOR, Story, credit_code

D = date
NOW = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def revoked(rt, clock) -> Story:
    """Recognized 2024-06-12, a complaint verified valid, suspended and revoked for fraud on 2025-06-10:
    a ban to 2030-06-10 on the operator."""
    add_people(rt)
    s = Story(rt, clock)
    s.recognize(D(2024, 4, 10), D(2024, 5, 10), D(2024, 6, 12), seed=1, base=BASE_A)
    s.act("submit_annual_report", D(2025, 3, 10), year=2024)
    s.act("record_complaint", D(2025, 5, 6), summary="入驻企业反映服务承诺未兑现", complaint_id="c-1")
    s.act("verify_complaint", D(2025, 5, 20), complaint_id="c-1", valid=True)
    s.act("suspend", D(2025, 6, 3), actor=SUPERVISOR_2, ground="fraud")
    s.act("revoke", D(2025, 6, 10), actor=SUPERVISOR, ground="fraud")
    assert s.case.state == "revoked" and s.case.ban is not None
    return s


@pytest.fixture
def in_force(rt, clock) -> Story:
    add_people(rt)
    s = Story(rt, clock)
    s.recognize(D(2024, 4, 10), D(2024, 5, 10), D(2024, 6, 12), seed=1, base=BASE_A)
    s.act("submit_annual_report", D(2025, 3, 10), year=2024)
    assert audit.verify_case(rt, s.case_id).ok
    return s


def run(engine, sql: str, **params) -> int:
    with engine.begin() as conn:
        return conn.execute(sa.text(sql), params).rowcount


def projections(rt, case_id: str) -> list[str]:
    report = audit.verify_case(rt, case_id)
    assert all(v.check == "projection" for v in report.violations), report.violations
    return sorted(v.message for v in report.violations)


def reapply(s: Story, on: date):
    return cases.open_case(s.rt, operator_name="贵阳高新创业服务有限公司", credit_code=credit_code(1),
                           base_name=BASE_A, base_address="贵州省贵阳市观山湖区长岭北路8号", level="provincial",
                           jurisdiction="520000", on=on, actor="caseworker.wang", reason="再次申报")


# --- the attacks of the issue -----------------------------------------------------------------

def test_issue14_8_a_deleted_bans_row_is_named(rt, engine, revoked):
    """The attack: with its bans row gone, the banned operator could apply again (R2), and verify said ok."""
    assert run(engine, "DELETE FROM bans WHERE case_id = :id", id=revoked.case_id) == 1
    revoked.clock.set_day(D(2026, 4, 1))
    # what the tamper bought: the operator is eligible again
    assert eligibility(rt, credit_code=credit_code(1), level="provincial", on=D(2026, 4, 1)).eligible
    assert projections(rt, revoked.case_id) == ["bans: no row, the replay has one"]
    assert not next(r for r in audit.verify_all(rt) if r.case_id == revoked.case_id).ok


def test_issue14_8_a_bans_row_shortened_is_named_column_by_column(rt, engine, revoked):
    run(engine, "UPDATE bans SET last_day = :day WHERE case_id = :id", day=D(2025, 6, 11), id=revoked.case_id)
    assert projections(rt, revoked.case_id) == [
        "bans.last_day: stored datetime.date(2025, 6, 11), replay gives datetime.date(2030, 6, 10)"]
    run(engine, "UPDATE bans SET last_day = :day WHERE case_id = :id", day=D(2030, 6, 10), id=revoked.case_id)
    revoked.clock.set_day(D(2026, 4, 1))
    with pytest.raises(BanInForce):  # restored, the ban holds again
        reapply(revoked, D(2026, 4, 1))


def test_issue14_8_a_changed_cases_state_is_named(rt, engine, in_force):
    """The attack: a recognized case's state column set to 'withdrawn' let a second case open for the
    base (R3's index reads the column), and verify, which read only the snapshot, said ok."""
    run(engine, "UPDATE cases SET state = 'withdrawn' WHERE id = :id", id=in_force.case_id)
    in_force.clock.set_day(D(2025, 4, 1))
    reapply(in_force, D(2025, 4, 1))  # what the tamper bought: a second open case
    assert projections(rt, in_force.case_id) == ["cases.state: stored 'withdrawn', replay gives 'recognized'"]


def test_issue14_8_the_state_column_restored_holds_R3_again(rt, engine, in_force):
    run(engine, "UPDATE cases SET state = 'withdrawn' WHERE id = :id", id=in_force.case_id)
    run(engine, "UPDATE cases SET state = 'recognized' WHERE id = :id", id=in_force.case_id)
    in_force.clock.set_day(D(2025, 4, 1))
    with pytest.raises(OpenCaseExists):
        reapply(in_force, D(2025, 4, 1))
    assert audit.verify_case(rt, in_force.case_id).ok


def test_issue14_8_pending_timers_marked_fired_are_named(rt, engine, in_force):
    """The attack: every pending timer marked fired, so the sweep never acts on them (the 2025 report
    never flagged overdue, the assessment never chased); verify said ok."""
    pending = {tm.ident for tm in pending_timers(rt, in_force.case_id)}
    assert ("annual_report", "2025") in pending and ("assessment", "1.1") in pending
    assert run(engine, "UPDATE timers SET fired_at = :now WHERE case_id = :id AND fired_at IS NULL",
               now=NOW, id=in_force.case_id) == len(pending)
    found = projections(rt, in_force.case_id)
    assert found == sorted(f"timer {k}:{key}: marked fired, and no event of the history fired it"
                           for k, key in pending)


def test_issue14_8_every_other_projection_tamper_is_named(rt, engine, revoked):
    cid = revoked.case_id
    run(engine, "UPDATE subsidy_instalments SET amount_fen = 999999999999 WHERE case_id = :id", id=cid)
    run(engine, "UPDATE complaints SET valid = :no WHERE case_id = :id", no=False, id=cid)
    run(engine, "UPDATE cases SET period_end = :day, version = 3 WHERE id = :id", day=D(2099, 12, 31), id=cid)
    run(engine, "DELETE FROM timers WHERE case_id = :id AND kind = 'ban_end'", id=cid)
    run(engine, "DELETE FROM timers WHERE case_id = :id AND kind = 'instalment'", id=cid)  # fired: history
    run(engine, "INSERT INTO timers (case_id, kind, key, due_on, fires_on, provisional, created_at) "
                "VALUES (:id, 'annual_report', '2030', :day, :day, :no, :now)",
        id=cid, day=D(2031, 3, 31), no=False, now=NOW)
    assert projections(rt, cid) == sorted([
        "cases.period_end: stored datetime.date(2099, 12, 31), replay gives datetime.date(2029, 6, 12)",
        f"cases.version: stored 3, replay gives {revoked.case.version}",
        "complaints c-1.valid: stored False, replay gives True",
        "subsidy_instalments 1.amount_fen: stored 999999999999, replay gives 50000000",
        "timer annual_report:2030: pending (due 2031-03-31), and the case owes no such timer",
        "timer ban_end:1: the case owes it (due 2030-06-11) and it is not stored",
        "timer instalment:1: an event of the history fired it, and its row is gone",
    ])


def test_issue14_8_a_pending_timer_moved_is_named(rt, engine, in_force):
    run(engine, "UPDATE timers SET due_on = :day, fires_on = :day "
                "WHERE case_id = :id AND kind = 'assessment' AND key = '1.1'", day=D(2099, 1, 1), id=in_force.case_id)
    [found] = projections(rt, in_force.case_id)
    assert found.startswith("timer assessment:1.1: stored due 2099-01-01, the case owes it due 2026-")


def test_issue14_8_money_owed_back_changed_is_named(rt, engine, clock):
    rt = with_policies(rt, variant(CODE, subsidy=CLAWBACK))
    s = recognized_in_jiangsu(rt, clock)
    s.until(D(2024, 6, 14))
    s.act("record_payment", D(2024, 7, 1), number=1, amount_fen=20 * WAN)
    s.act("revoke", D(2024, 9, 2), actor=SUPERVISOR, ground="fraud")
    run(engine, "UPDATE subsidy_clawbacks SET repaid_fen = owed_fen WHERE case_id = :id", id=s.case_id)
    report = audit.verify_case(rt, s.case_id)
    assert [v.message for v in report.violations if v.check == "projection"] == [
        f"subsidy_clawbacks.repaid_fen: stored {20 * WAN}, replay gives 0"]


# --- no false alarms ------------------------------------------------------------------------------

@pytest.mark.memory
def test_issue14_8_a_long_history_with_the_sweep_firing_its_timers_verifies(rt, clock):
    """Fired timers are history: eleven years of sweeps, flags, an extension, a revocation and its ban
    ending leave rows that all agree with the replay."""
    add_people(rt)
    s = Story(rt, clock)
    s.recognize(D(2024, 4, 10), D(2024, 5, 10), D(2024, 6, 12), seed=1, base=BASE_A)
    s.act("record_payment", D(2024, 7, 1), number=1, amount_fen=50_000_000)
    s.act("submit_annual_report", D(2025, 3, 20), year=2024)
    s.act("record_assessment", D(2026, 6, 1), outcome="pass")
    s.act("submit_annual_report", D(2027, 3, 15), year=2026)  # 2025's was flagged overdue
    s.act("record_assessment", D(2028, 6, 2), outcome="pass")
    s.until(D(2029, 7, 1))  # the period ended: not every report in, so a review, then its decision
    s.act("record_complaint", D(2029, 7, 2), summary="投诉", complaint_id="k1")
    s.act("verify_complaint", D(2029, 7, 3), complaint_id="k1", valid=True)
    s.act("suspend", D(2029, 7, 4), actor=SUPERVISOR_2, ground="fraud")
    s.act("revoke", D(2029, 7, 5), actor=SUPERVISOR, ground="fraud")
    s.until(D(2034, 7, 6))  # the ban ended
    assert any(e.act == "end_ban" for e in s.events)
    assert audit.verify_case(rt, s.case_id).ok, audit.verify_case(rt, s.case_id).violations
    assert all(r.ok for r in audit.verify_all(rt))


@pytest.mark.memory
def test_issue14_8_a_correction_that_takes_a_complaint_away_takes_its_row_away(rt, clock):
    """The rows follow the corrected case: the complaint recorded as c-1 was c-2."""
    add_people(rt)
    s = Story(rt, clock)
    s.recognize(D(2024, 4, 10), D(2024, 5, 10), D(2024, 6, 12), seed=1, base=BASE_A)
    s.act("record_complaint", D(2025, 5, 6), summary="入驻企业反映服务承诺未兑现", complaint_id="c-1")
    s.clock.set_day(D(2025, 5, 7))
    audit.correct(rt, s.case_id, corrects=s.events[-1].seq, changes={"payload": {"complaint_id": "c-2"}},
                  actor=SUPERVISOR, on=D(2025, 5, 7), reason="投诉编号录入错误")
    assert [c.id for c in s.case.complaints] == ["c-2"]
    assert audit.verify_case(rt, s.case_id).ok, audit.verify_case(rt, s.case_id).violations
