"""Issue 14, level 3 (商用密码): a deployment chooses SM3 (GB/T 32905) for its chains and anchors when its
database is created; the choice is recorded in the database, once; every event and anchor records the
algorithm it was hashed with; `audit verify` and `anchors --check` handle both. SHA-256 stays the default.

Each test has a database of its own, created by the migrations (on SQLite and PostgreSQL).
"""
from __future__ import annotations

import hashlib
import shutil
from datetime import date
from functools import partial

import pytest
import sqlalchemy as sa
from alembic import command

from db import tables as t
from db.engine import make_engine
from db.event_reader import chain_links
from db.migrate import HashAlgorithmFixed, alembic_config, upgrade
from db.uow import SqlUnitOfWork
from services import audit, grant_audit, security_log
from services.anchors import verify_anchors, write_anchor
from services.calendars import default_calendar
from services.runtime import Runtime
from services.values import Origin
from tests.conftest import PG_SKIPPED, own_postgres_database
from tests.integration.test_audit import BASE_A, SUPERVISOR_2, add_people, forge, stored_events
from tests.policy_variants import scenario_policies
from tests.story import Story

D = date


def sm3(text: str) -> str:
    return hashlib.new("sm3", text.encode("utf-8")).hexdigest()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sm3_url(request, tmp_path):
    """A database created with `db upgrade --hash-algorithm sm3`'s choice."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sm3.db'}"
        upgrade(url, hash_algorithm="sm3")
        yield url
        return
    try:
        with own_postgres_database("incubase_sm3", hash_algorithm="sm3") as url:
            yield url
    except sa.exc.OperationalError:
        pytest.skip(PG_SKIPPED)


@pytest.fixture
def sm3_engine(sm3_url):
    engine = make_engine(sm3_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sm3_story(sm3_engine, clock) -> Story:
    rt = Runtime(uow=partial(SqlUnitOfWork, sm3_engine, clock), clock=clock, policies=scenario_policies(),
                 calendar=default_calendar())
    add_people(rt)
    s = Story(rt, clock)
    s.recognize(D(2024, 4, 10), D(2024, 5, 10), D(2024, 6, 12), seed=1, base=BASE_A)
    s.act("submit_annual_report", D(2025, 3, 10), year=2024)
    return s


def test_issue14_sm3_chosen_at_creation_hashes_every_event_and_anchor_and_verifies(sm3_engine, sm3_story, clock):
    s, rt = sm3_story, sm3_story.rt
    with sm3_engine.connect() as conn:
        assert conn.execute(sa.select(t.deployment.c.hash_algorithm)).scalar_one() == "sm3"
    events = s.events
    assert {e.hash_algorithm for e in events} == {"sm3"} and s.case.hash_algorithm == "sm3"
    assert all(e.hash == sm3(e.canonical) != hashlib.sha256(e.canonical.encode()).hexdigest() for e in events)
    assert audit.verify_case(rt, s.case_id).ok
    assert all(r.ok for r in audit.verify_all(rt))
    assert all(r.ok and r.events == len(events)
               for r in audit.verify_all(rt, chain_only=True, links=partial(chain_links, sm3_engine)))
    clock.set_day(D(2025, 3, 11))
    anchor = write_anchor(rt, D(2025, 3, 10))
    assert (anchor.hash_algorithm, anchor.digest) == ("sm3", sm3(anchor.canonical))
    assert verify_anchors(rt) == []
    # a correction is sealed into the case's chain with the chain's algorithm
    _, fix = audit.correct(rt, s.case_id, corrects=events[-1].seq, changes={"on": "2025-03-03"},
                           actor=SUPERVISOR_2, on=D(2025, 3, 11), reason="年报实际报送日期为3月3日")
    assert (fix.hash_algorithm, fix.hash) == ("sm3", sm3(fix.canonical))
    assert audit.verify_case(rt, s.case_id).ok


def test_issue14_sm3_the_grant_ledger_and_the_security_log_are_hashed_with_the_deployments_choice(
        sm3_engine, sm3_story):
    """Level 3 asks SM3 of the chains, the anchors and the security log: in an SM3 deployment the
    grant ledger (every act of add_people) and the security log are SM3 too, verify, and a row
    re-hashed with SHA-256 is named."""
    rt = sm3_story.rt
    ledger = grant_ledger_of(rt)
    assert ledger and all(a.hash == sm3(a.canonical) for a in ledger)
    assert grant_audit.verify_grants(rt).violations == []
    security_log.record(rt, Origin("wang", "10.0.0.5"), "signin", "caseworker.wang", "failed", {"step": "password"})
    entries = list(security_log.every_entry(rt))
    assert entries and all(e.hash == sm3(e.canonical) for e in entries)
    assert security_log.verify(rt) == (len(entries), [])

    first = ledger[0]
    with sm3_engine.begin() as conn:  # around the append-only triggers, as a tamperer with the database would
        if conn.dialect.name == "sqlite":
            conn.execute(sa.text("DROP TRIGGER role_grants_no_update"))
        else:
            conn.execute(sa.text("ALTER TABLE role_grants DISABLE TRIGGER USER"))
        conn.execute(t.role_grants.update().where(t.role_grants.c.seq == first.seq).values(
            hash=hashlib.sha256(first.canonical.encode()).hexdigest()))
    found = grant_audit.verify_grants(rt).violations
    assert any(v.seq == first.seq and "sm3 digest" in v.message for v in found), found


def grant_ledger_of(rt):
    with rt.reads() as uow:
        return uow.users.grant_ledger()


def test_issue14_sm3_a_rewritten_event_is_named_under_sm3(sm3_engine, sm3_story):
    s = sm3_story
    inspection = s.events[1]
    with sm3_engine.begin() as conn:
        trigger = ("DROP TRIGGER case_events_append_only ON case_events" if sm3_engine.dialect.name == "postgresql"
                   else "DROP TRIGGER case_events_no_update")
        conn.execute(sa.text(trigger))
        conn.execute(t.case_events.update().where(t.case_events.c.case_id == s.case_id, t.case_events.c.seq == 2)
                     .values(canonical=inspection.canonical.replace('"pass"', '"fail"')))
    report = audit.verify_case(s.rt, s.case_id)
    assert ("hash is not the sm3 of the stored canonical text") in [v.message for v in report.violations]
    chains = {r.case_id: r for r in audit.verify_all(s.rt, chain_only=True, links=partial(chain_links, sm3_engine))}
    assert [(v.seq, v.message) for v in chains[s.case_id].violations] == [
        (2, "hash is not the sm3 of the stored canonical text")]
    _restore_update_trigger(sm3_engine)


def test_issue14_sm3_a_chain_rehashed_with_sha256_is_named_in_an_sm3_deployment(sm3_engine, sm3_story):
    """A downgrade: every event re-sealed with SHA-256, a chain that holds as a chain."""
    s = sm3_story
    with sm3_engine.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER case_events_append_only ON case_events"
                             if sm3_engine.dialect.name == "postgresql" else "DROP TRIGGER case_events_no_update"))
    for seq in range(1, len(s.events) + 1):
        forge(sm3_engine, s.case_id, seq, hash_algorithm="sha256")
    assert {e.hash_algorithm for e in stored_events(sm3_engine, s.case_id)} == {"sha256"}
    messages = [v.message for v in audit.verify_case(s.rt, s.case_id).violations]
    assert "the case's chain is hashed with sha256; this deployment chose sm3 when its database was created" \
        in messages
    _restore_update_trigger(sm3_engine)


def _restore_update_trigger(engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events "
                                 "FOR EACH ROW EXECUTE FUNCTION incubase_refuse_change()"))
        else:
            conn.execute(sa.text("CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events "
                                 "BEGIN SELECT RAISE(ABORT, 'case_events is append-only: UPDATE refused'); END"))


def test_issue14_sm3_the_choice_is_made_once_and_recorded_append_only(sm3_url, sm3_engine):
    with pytest.raises(HashAlgorithmFixed, match="created with the hash algorithm sm3"):
        upgrade(sm3_url, hash_algorithm="sha256")
    upgrade(sm3_url)  # without a choice: as it was created
    upgrade(sm3_url, hash_algorithm="sm3")
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), sm3_engine.begin() as conn:
        conn.execute(sa.text("UPDATE deployment SET hash_algorithm = 'sha256'"))
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), sm3_engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM deployment"))
    with sm3_engine.connect() as conn:
        assert conn.execute(sa.select(t.deployment.c.hash_algorithm)).scalar_one() == "sm3"


def test_issue14_sha256_stays_the_default(engine, rt, clock):
    add_people(rt)
    s = Story(rt, clock)
    s.apply(D(2024, 4, 10), seed=1, base=BASE_A)
    e = s.events[0]
    assert e.hash_algorithm == "sha256" and e.hash == hashlib.sha256(e.canonical.encode()).hexdigest()


def test_issue14_a_database_holding_events_cannot_turn_to_sm3(tmp_path, sqlite_template, clock):
    """Recorded before 0012 (SHA-256, no record of a choice), upgraded: it records sha256, refuses sm3."""
    path = tmp_path / "old.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    rt = Runtime(uow=partial(SqlUnitOfWork, engine, clock), clock=clock, policies=scenario_policies(),
                 calendar=default_calendar())
    add_people(rt)
    s = Story(rt, clock)
    s.recognize(D(2024, 4, 10), D(2024, 5, 10), D(2024, 6, 12), seed=1, base=BASE_A)
    command.downgrade(alembic_config(url), "0010")
    with engine.connect() as conn:
        assert "hash_algorithm" not in {c["name"] for c in sa.inspect(conn).get_columns("case_events")}
    with pytest.raises(HashAlgorithmFixed, match="created with the hash algorithm sha256"):
        upgrade(url, hash_algorithm="sm3")
    upgrade(url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(t.deployment.c.hash_algorithm)).scalar_one() == "sha256"
        assert conn.execute(sa.text("SELECT DISTINCT hash_algorithm FROM case_events")).scalars().all() == ["sha256"]
    assert audit.verify_case(rt, s.case_id).ok
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text("UPDATE case_events SET reason = 'x'"))  # the triggers survived the round trip
    engine.dispose()
