"""Migration 0011 (issue 14): the grants of a database before it — dated rows, revoked in place, and
the one `admin` role — become the grant ledger: an act per grant and per revocation, in the order
they happened, hash-chained, `admin` the system administrator (`sysadmin`), append-only from then
on; and the downgrade gives the dated rows back. Each backend in a database of its own."""
from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import pytest
import sqlalchemy as sa
from alembic import command

from db.engine import make_engine
from db.migrate import alembic_config, upgrade
from db.uow import SqlUnitOfWork
from services import grant_audit, grant_ledger, users
from services.calendars import default_calendar
from services.runtime import Runtime
from tests.conftest import own_database_url
from tests.policy_variants import scenario_policies


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def own_database(request, tmp_path, sqlite_template):
    """The URL of a migrated database no other test uses."""
    yield from own_database_url(request.param, tmp_path, sqlite_template, "incubase_m0011")


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2025, 1, day, hour, tzinfo=UTC)


# (user, role, jurisdiction, granted_at, revoked_at) as 0010 held them, in id order
BEFORE = [
    ("admin", "admin", "000000", at(1), None),
    ("wang", "caseworker", "520000", at(2), at(9)),
    ("li", "supervisor", "520000", at(3), at(8)),
    ("li", "supervisor", "520000", at(4), at(8)),  # two grants of one role, revoked by one act
    ("wang", "auditor", "520100", at(5), None),
]


def test_issue14_grants_before_0011_become_the_ledger_and_come_back_on_downgrade(own_database, clock):
    engine = make_engine(own_database)
    command.downgrade(alembic_config(own_database), "0010")
    with engine.begin() as conn:
        for name in ("admin", "wang", "li"):
            conn.execute(sa.text("INSERT INTO users (id, username, display_name, created_at) VALUES (:id, :u, :n, :t)"),
                         {"id": f"id-{name}", "u": name, "n": name, "t": at(1, 8)})
        for user, role, code, granted, revoked in BEFORE:
            conn.execute(sa.text("INSERT INTO role_grants (user_id, role, jurisdiction, granted_at, revoked_at) "
                                 "VALUES (:u, :r, :j, :g, :v)"),
                         {"u": f"id-{user}", "r": role, "j": code, "g": granted, "v": revoked})
    upgrade(own_database)

    rt = Runtime(uow=partial(SqlUnitOfWork, engine, clock), clock=clock, policies=scenario_policies(),
                 calendar=default_calendar())
    clock.now = at(20)
    with rt.reads() as uow:
        acts = uow.users.grant_ledger()
    assert [(a.seq, a.act, a.username, a.role, a.recorded_at, a.actor) for a in acts] == [
        (1, "grant", "admin", "sysadmin", at(1), grant_ledger.MIGRATION),
        (2, "grant", "wang", "caseworker", at(2), grant_ledger.MIGRATION),
        (3, "grant", "li", "supervisor", at(3), grant_ledger.MIGRATION),
        (4, "grant", "li", "supervisor", at(4), grant_ledger.MIGRATION),
        (5, "grant", "wang", "auditor", at(5), grant_ledger.MIGRATION),
        (6, "revoke", "li", "supervisor", at(8), grant_ledger.MIGRATION),
        (7, "revoke", "wang", "caseworker", at(9), grant_ledger.MIGRATION),
    ]
    assert grant_audit.verify_grants(rt).ok
    li = next(u for u in users.list_users(rt) if u.username == "li")
    assert [(g.role, g.granted_at, g.revoked_at) for g in li.grants] == [
        ("supervisor", at(3), at(8)), ("supervisor", at(4), at(8))]
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM role_grants"))

    # the chain goes on from the migrated acts, and the console appoints the other two administrators
    users.grant(rt, "wang", "secadmin", "000000", reason="三员分立：任命安全管理员")
    assert grant_audit.verify_grants(rt).ok
    with rt.reads() as uow:
        assert uow.users.grant_ledger()[-1].seq == 8

    command.downgrade(alembic_config(own_database), "0010")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT u.username, g.role, g.jurisdiction, g.revoked_at IS NOT NULL "
                                    "FROM role_grants g JOIN users u ON u.id = g.user_id ORDER BY g.id")).all()
    assert [tuple(r) for r in rows] == [
        ("admin", "admin", "000000", False), ("wang", "caseworker", "520000", True),
        ("li", "supervisor", "520000", True), ("li", "supervisor", "520000", True),
        ("wang", "auditor", "520100", False), ("wang", "admin", "000000", False)]
    upgrade(own_database)
    engine.dispose()
