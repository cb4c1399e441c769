"""Migration 0009 (R20): a database of cases recorded before it — every payment paid its instalment in
full, and neither the snapshots nor the projection said how much was paid — comes out with each paid
instalment's paid_fen equal to its amount, in the projection and in the snapshot, so the stored case
still equals the replay of its events and `audit verify` holds. Each backend in a database of its own
(the migration is run down and up again)."""
from __future__ import annotations

from datetime import date
from functools import partial

import pytest
import sqlalchemy as sa
from alembic import command

from db import tables as t
from db.engine import make_engine
from db.migrate import alembic_config, upgrade
from db.uow import SqlUnitOfWork
from services import audit
from services.calendars import default_calendar
from services.runtime import Runtime
from tests.conftest import own_database_url
from tests.policy_variants import scenario_policies
from tests.story import Story

WAN = 1_000_000


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def own_database(request, tmp_path, sqlite_template):
    """The URL of a migrated database no other test uses."""
    yield from own_database_url(request.param, tmp_path, sqlite_template, "incubase_m0009")


def test_r20_cases_paid_before_the_migration_say_what_was_paid_after_it(own_database, clock):
    engine = make_engine(own_database)
    rt = Runtime(uow=partial(SqlUnitOfWork, engine, clock), clock=clock, policies=scenario_policies(),
                 calendar=default_calendar())
    story = Story(rt, clock)
    story.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14))
    story.until(date(2024, 6, 14))
    story.act("record_payment", date(2024, 7, 1), number=1, amount_fen=50 * WAN)
    after = story.case
    # the database as 0008 left it: snapshots without paid_fen, no paid_fen column, no clawback table
    with engine.begin() as conn:
        snapshot = conn.execute(sa.select(t.cases.c.snapshot).where(t.cases.c.id == story.case_id)).scalar_one()
        for inst in snapshot["instalments"]:
            del inst["paid_fen"]
        conn.execute(t.cases.update().where(t.cases.c.id == story.case_id).values(snapshot=snapshot))
    command.downgrade(alembic_config(own_database), "0008")
    with engine.connect() as conn:
        assert "paid_fen" not in {c["name"] for c in sa.inspect(conn).get_columns("subsidy_instalments")}

    upgrade(own_database)
    with engine.connect() as conn:
        paid = conn.execute(sa.text("SELECT number, status, paid_fen FROM subsidy_instalments WHERE case_id = :c"),
                            {"c": story.case_id}).all()
    assert [tuple(r) for r in paid] == [(1, "paid", 50 * WAN)]
    assert story.case == after and story.case.instalments[0].paid_fen == 50 * WAN
    assert "replay" not in {v.check for v in audit.verify_case(rt, story.case_id).violations}
    engine.dispose()

