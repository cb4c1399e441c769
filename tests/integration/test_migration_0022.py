"""Migration 0022 (issue 16): a database of cases from before it — downgraded past it, which drops the
dashboard's counters — upgraded again shows the same grid and flows, counted by the migration from the
rows they stand for, and its counters verify. Each backend in a database of its own."""
from __future__ import annotations

from functools import partial

import pytest
import sqlalchemy as sa
from alembic import command

from db.engine import make_engine
from db.migrate import alembic_config, upgrade
from db.uow import SqlUnitOfWork
from services import audit
from services.calendars import default_calendar
from services.runtime import Runtime
from services.stats import flows_by_year, state_level_grid
from tests.conftest import own_database_url
from tests.integration.figures_data import play
from tests.policy_variants import scenario_policies

SCOPES = ("520000", "520100", "430000", "000000")
YEARS = range(2023, 2031)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def own_database(request, tmp_path, sqlite_template):
    yield from own_database_url(request.param, tmp_path, sqlite_template, "incubase_m0022")


def answers(rt) -> dict:
    return {scope: (state_level_grid(rt, scope, None), flows_by_year(rt, scope, YEARS)) for scope in SCOPES}


def test_issue16_a_database_from_before_0022_shows_the_same_dashboard_after_it(own_database, clock):
    engine = make_engine(own_database)
    rt = Runtime(uow=partial(SqlUnitOfWork, engine, clock), clock=clock, policies=scenario_policies(),
                 calendar=default_calendar())
    played = play(rt, clock, cases_n=6, seed=20)
    before = answers(rt)
    assert sum(before["000000"][0].values()) == len(played.case_ids) > 0
    assert sum(sum(f.values()) for f in before["000000"][1].values()) > 0

    command.downgrade(alembic_config(own_database), "0021")
    with engine.connect() as conn:
        assert "case_counts" not in sa.inspect(conn).get_table_names()
    upgrade(own_database)
    assert answers(rt) == before
    assert audit.verify_counters(rt) == []
    engine.dispose()
