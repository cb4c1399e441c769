"""Issue 14 #8 (grants): role_grants is append-only and hash-chained like the case events, and
`audit verify` finds an inserted, back-dated, edited or deleted row, and names every act that only
a forged grant authorised. Before, inserting a back-dated role_grants row made a forged act look
authorised and verify said all verified.

Every test runs on SQLite and PostgreSQL. Tampering is done as an administrator with DDL rights
could: the triggers are dropped (and put back afterwards) and rows written with plain SQL.
"""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cli.main import app
from config import get_settings
from db import tables as t
from services import audit, grant_audit, grant_ledger, users
from services.anchors import write_anchor
from services.values import GrantAct
from tests.conftest import append_only_lifted
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, Story

D = date
FORGER = "caseworker.forger"  # a caseworker who recorded an approval, which needs a supervisor
SECADMIN = "secadmin.wu"


def ledger(engine) -> list[GrantAct]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.role_grants, t.users.c.username).join(
            t.users, t.users.c.id == t.role_grants.c.user_id).order_by(t.role_grants.c.seq)).mappings().all()
    return [GrantAct(r["seq"], r["act"], r["user_id"], r["username"], r["role"], r["jurisdiction"],
                     r["recorded_at"].replace(tzinfo=UTC) if r["recorded_at"].tzinfo is None else r["recorded_at"],
                     r["actor"], r["reason"], r["prev_hash"], r["canonical"], r["hash"]) for r in rows]


def user_id(rt, username: str) -> str:
    with rt.reads() as uow:
        return uow.users.by_username(username).id


def insert(engine, act: GrantAct) -> None:
    with engine.begin() as conn:  # an INSERT: the append-only triggers let it through
        conn.execute(t.role_grants.insert().values(
            seq=act.seq, act=act.act, user_id=act.user_id, role=act.role, jurisdiction=act.jurisdiction,
            recorded_at=act.recorded_at, actor=act.actor, reason=act.reason, canonical=act.canonical,
            prev_hash=act.prev_hash, hash=act.hash))


def marks(report) -> list[tuple[int, str]]:
    return sorted((v.seq, v.check) for v in report.violations)


@pytest.fixture
def untriggered(engine):
    """role_grants' append-only triggers dropped, as an administrator with DDL rights could; restored after."""
    with append_only_lifted(engine, "role_grants"):
        yield engine


@pytest.fixture
def staff(rt, clock):
    """The department's staff, granted at the console and by its security administrator, a grant
    revoked; the forger a caseworker only."""
    users.add_user(rt, SECADMIN, "吴刚", [("secadmin", "000000")])
    for name, role in ((CASEWORKER, "caseworker"), (INSPECTOR, "caseworker"), (FORGER, "caseworker")):
        users.add_user(rt, name, name, [(role, "520000")])
    users.add_user(rt, SUPERVISOR, "李强", [])
    clock.set_day(D(2023, 3, 1))
    secadmin = users.authenticate(rt, users.create_token(rt, SECADMIN))
    users.grant(rt, SUPERVISOR, "supervisor", "520000", by=secadmin, reason="任命审批人")
    users.grant(rt, CASEWORKER, "auditor", "520100", by=secadmin)
    users.revoke_grant(rt, CASEWORKER, "auditor", "520100", by=secadmin, reason="调岗")
    assert grant_audit.verify_grants(rt).ok
    return rt


@pytest.fixture
def forged_approval(staff, clock):
    """A case the forger approved: refused by the role check, as it should be."""
    story = Story(staff, clock)
    story.apply(D(2024, 4, 10))
    story.act("inspect", D(2024, 5, 10), actor=INSPECTOR, outcome="pass")
    story.act("approve", D(2024, 6, 12), actor=FORGER)
    report = audit.verify_case(staff, story.case_id)
    assert [(v.seq, v.check) for v in report.violations] == [(3, "role")]
    return story


def back_dated_supervisor_grant(rt, engine, dated: datetime, **over) -> GrantAct:
    """The attack: a supervisor grant for the forger, dated before the approval, sealed and linked
    to the ledger's head as the service would have done, so the chain itself holds."""
    head = ledger(engine)[-1]
    act = grant_ledger.next_act((head.seq, head.hash), "grant", user_id(rt, FORGER), FORGER, "supervisor", "520000",
                                dated, SECADMIN, "补录")
    act = GrantAct(**{**act.__dict__, **over})  # `over` the sealed text and hash too, for a row not sealed
    insert(engine, act)
    return act


# --- append-only --------------------------------------------------------------------------------

def test_issue14_8_role_grants_refuse_update_and_delete_by_plain_sql(staff, engine):
    before = ledger(engine)
    for statement in ("UPDATE role_grants SET jurisdiction = '000000'",
                      "UPDATE role_grants SET recorded_at = recorded_at WHERE seq = 2",
                      "DELETE FROM role_grants WHERE act = 'revoke'",
                      "DELETE FROM role_grants"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert ledger(engine) == before


def test_issue14_8_every_grant_and_revocation_is_an_act_of_the_chain(staff, engine):
    acts = ledger(engine)
    assert [(a.seq, a.act, a.username, a.role, a.actor) for a in acts[-3:]] == [
        (acts[-3].seq, "grant", SUPERVISOR, "supervisor", SECADMIN),
        (acts[-2].seq, "grant", CASEWORKER, "auditor", SECADMIN),
        (acts[-1].seq, "revoke", CASEWORKER, "auditor", SECADMIN)]
    assert acts[0].actor == grant_ledger.CONSOLE and acts[0].prev_hash == grant_ledger.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(acts, acts[1:], strict=False))
    assert json.loads(acts[-1].canonical)["reason"] == "调岗"
    with staff.reads() as uow:
        grant = next(g for g in uow.users.by_username(CASEWORKER).grants if g.role == "auditor")
    assert (grant.seq, grant.revoked_seq) == (acts[-2].seq, acts[-1].seq)


# --- the attack of the issue, and its variants -----------------------------------------------------

def test_issue14_8_a_back_dated_grant_row_does_not_make_a_forged_act_look_authorised(rt, engine, forged_approval,
                                                                                       clock):
    """The attack of the issue, with the daily anchor in place as the daily-anchor flow writes it:
    a perfect row appended after the approval, dated between the ledger's last act and the approval."""
    clock.set_day(D(2024, 6, 13))
    write_anchor(rt, D(2024, 6, 12))
    inserted = back_dated_supervisor_grant(rt, engine, datetime(2024, 6, 1, 2, 0, tzinfo=UTC))
    ledger_report = grant_audit.verify_grants(rt)
    assert marks(ledger_report) == [(inserted.seq, "anchor")]
    assert "whose anchor holds the ledger only up to seq" in ledger_report.violations[0].message
    report = audit.verify_case(rt, forged_approval.case_id)
    assert [(v.seq, v.check) for v in report.violations] == [(3, "grant")]
    assert f"rests only on grant seq {inserted.seq} (supervisor@520000)" in report.violations[0].message
    assert [(v.seq, v.check) for r in audit.verify_all(rt) for v in r.violations] == [(3, "grant")]


def test_issue14_8_a_row_dated_before_the_act_it_follows_is_back_dated(rt, engine, forged_approval):
    """Without an anchor yet, the chain's own order shows a row dated before the act it follows."""
    inserted = back_dated_supervisor_grant(rt, engine, datetime(2022, 6, 1, 2, 0, tzinfo=UTC))
    ledger_report = grant_audit.verify_grants(rt)
    assert marks(ledger_report) == [(inserted.seq, "time")]
    assert "back-dated" in ledger_report.violations[0].message
    assert [v.check for v in audit.verify_case(rt, forged_approval.case_id).violations] == ["grant"]


def test_issue14_8_the_anchored_head_of_the_ledger_must_still_be_there(rt, untriggered, staff, clock):
    """The last rows removed leave no gap; the anchor of their day still names the head."""
    clock.set_day(D(2023, 3, 2))
    write_anchor(rt, D(2023, 3, 1))
    last = ledger(untriggered)[-1]
    with untriggered.begin() as conn:
        conn.execute(t.role_grants.delete().where(t.role_grants.c.seq == last.seq))
    report = grant_audit.verify_grants(rt)
    assert marks(report) == [(last.seq, "anchor")]
    assert report.violations[0].message == "the act the anchor of 2023-03-01 holds as the ledger's head is gone"


def test_issue14_8_an_inserted_row_that_is_not_sealed_breaks_the_chain(rt, engine, forged_approval):
    inserted = back_dated_supervisor_grant(rt, engine, datetime(2024, 6, 1, tzinfo=UTC), canonical="{}",
                                           hash="0" * 64)
    found = marks(grant_audit.verify_grants(rt))
    assert (inserted.seq, "chain") in found and (inserted.seq, "columns") in found
    assert [v.check for v in audit.verify_case(rt, forged_approval.case_id).violations] == ["grant"]


def test_issue14_8_a_grant_recorded_by_someone_without_authority_is_named(rt, engine, forged_approval, clock):
    """A perfect row, at the end, dated now: but the forger granted it to himself, as no service would."""
    clock.set_day(D(2024, 6, 13))
    head = ledger(engine)[-1]
    act = grant_ledger.next_act((head.seq, head.hash), "grant", user_id(rt, FORGER), FORGER, "supervisor", "520000",
                                clock(), FORGER, "")
    insert(engine, act)
    report = grant_audit.verify_grants(rt)
    assert marks(report) == [(act.seq, "authority")]
    assert "caseworker.forger may not grant a role of their own" not in report.violations[0].message  # not secadmin
    assert "needs the role secadmin" in report.violations[0].message
    # dated now, it could not have authorised the approval recorded before it
    assert [v.check for v in audit.verify_case(rt, forged_approval.case_id).violations] == ["role"]


def test_issue14_8_an_edited_row_is_named_and_no_longer_authorises(rt, untriggered, forged_approval):
    supervisor = next(a for a in ledger(untriggered) if a.username == SUPERVISOR and a.act == "grant")
    with untriggered.begin() as conn:  # the supervisor's grant moved to the forger
        conn.execute(t.role_grants.update().where(t.role_grants.c.seq == supervisor.seq)
                     .values(user_id=user_id(rt, FORGER)))
    report = grant_audit.verify_grants(rt)
    assert (supervisor.seq, "columns") in marks(report) and (supervisor.seq, "user") in marks(report)
    assert "user_id" in next(v.message for v in report.violations if v.check == "columns")
    assert [v.check for v in audit.verify_case(rt, forged_approval.case_id).violations] == ["grant"]


def test_issue14_8_a_row_back_dated_in_place_is_named(rt, untriggered, forged_approval):
    forger = next(a for a in ledger(untriggered) if a.username == FORGER)
    with untriggered.begin() as conn:
        conn.execute(t.role_grants.update().where(t.role_grants.c.seq == forger.seq)
                     .values(role="supervisor", recorded_at=datetime(2021, 1, 1, tzinfo=UTC)))
    found = marks(grant_audit.verify_grants(rt))
    assert (forger.seq, "columns") in found and (forger.seq, "time") in found
    assert [v.check for v in audit.verify_case(rt, forged_approval.case_id).violations] == ["grant"]


def test_issue14_8_a_deleted_row_leaves_a_gap_named_at_the_next_seq(rt, untriggered, staff):
    revoke = ledger(untriggered)[-1]
    grant = ledger(untriggered)[-2]  # delete the grant before the revocation: the revocation then ends nothing
    with untriggered.begin() as conn:
        conn.execute(t.role_grants.delete().where(t.role_grants.c.seq == grant.seq))
    report = grant_audit.verify_grants(rt)
    found = marks(report)
    assert (revoke.seq, "sequence") in found and (revoke.seq, "chain") in found
    assert f"expected seq {grant.seq}, found {revoke.seq} (an act before it is missing)" in [
        v.message for v in report.violations]


def test_issue14_8_the_command_line_reports_the_ledger(rt, engine, forged_approval, monkeypatch):
    from bootstrap import readiness

    inserted = back_dated_supervisor_grant(rt, engine, datetime(2022, 6, 1, tzinfo=UTC))
    monkeypatch.setenv("INCUBASE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    # each command builds its engine, as a process of its own would; here they are closed after
    engines, make_engine = [], readiness.make_engine
    monkeypatch.setattr(readiness, "make_engine",
                        lambda url, **kw: engines.append(make_engine(url, **kw)) or engines[-1])
    try:
        runner = CliRunner()
        result = runner.invoke(app, ["audit", "verify", "--grants"])
        assert result.exit_code == 1, result.output
        assert f"VIOLATION grants seq {inserted.seq} [time]" in result.output
        assert result.output.rstrip().endswith("the grant ledger has violations")
        as_json = runner.invoke(app, ["audit", "verify", "--grants", "--json"])
        line = json.loads(as_json.output)
        assert (line["grants"], line["ok"], [v["seq"] for v in line["violations"]]) == (True, False, [inserted.seq])
        verified = runner.invoke(app, ["audit", "verify", "--case", forged_approval.case_id, "--json"])
        assert verified.exit_code == 1 and json.loads(verified.output)["violations"][0]["check"] == "grant"
    finally:
        get_settings.cache_clear()
        for made in engines:
            made.dispose()



def test_issue14_8_grants_recorded_at_once_each_take_the_next_seq(rt, staff):
    """Eight grants at the same moment from eight threads: each follows the head it read, none
    fails on the unique seq, and the chain holds (PostgreSQL: the ledger is locked by its writers)."""
    import threading

    names = [f"caseworker.t{n}" for n in range(8)]
    for name in names:
        users.add_user(rt, name, name, [])
    start, failed = threading.Barrier(len(names)), []

    def grant(name: str) -> None:
        start.wait()
        try:
            users.grant(rt, name, "caseworker", "520100")
        except Exception as exc:  # noqa: BLE001 - any failure is the test's finding
            failed.append(repr(exc))

    threads = [threading.Thread(target=grant, args=(n,)) for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failed == []
    report = grant_audit.verify_grants(rt)
    assert report.ok, report.violations
    with rt.reads() as uow:
        acts = uow.users.grant_ledger()
    assert [a.seq for a in acts] == list(range(1, len(acts) + 1))
    assert {a.username for a in acts[-len(names):]} == set(names)
