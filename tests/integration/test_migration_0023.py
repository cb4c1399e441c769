"""Migration 0023 (issue 16): the case list's order indexes carry the filters' columns (jurisdiction,
level, state) after the order's. Down to 0022 they are the order's alone, up again they carry the
filters, and the filtered, sorted pages of the list are the same throughout. Each backend in a
database of its own."""
from __future__ import annotations

from functools import partial

import pytest
import sqlalchemy as sa
from alembic import command

from db.engine import make_engine
from db.migrate import alembic_config, upgrade
from db.tables import LIST_INDEXES
from db.uow import SqlUnitOfWork
from services.calendars import default_calendar
from services.ports import CaseFilter
from services.queries import page_of_cases
from services.runtime import Runtime
from tests.conftest import own_database_url
from tests.integration.figures_data import play
from tests.policy_variants import scenario_policies

FILTERS = [CaseFilter(limit=3, sort=sort, **where) for sort in ("applied_on", "-updated", "next_due", "-state")
           for where in ({}, {"level": "provincial"}, {"state": "recognized"}, {"scopes": ("520000",)},
                         {"jurisdiction": "520100", "level": "municipal"})]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def own_database(request, tmp_path, sqlite_template):
    yield from own_database_url(request.param, tmp_path, sqlite_template, "incubase_m0023")


def list_indexes(engine) -> dict[str, tuple[str, ...]]:
    with engine.connect() as conn:
        found = sa.inspect(conn).get_indexes("cases")
    return {i["name"].removeprefix("ix_cases_list_"): tuple(i["column_names"]) for i in found
            if i["name"].startswith("ix_cases_list_")}


def pages(rt) -> list:
    return [[(r.id, r.state) for r in page_of_cases(rt, f).rows] for f in FILTERS]


def test_issue16_the_list_indexes_carry_the_filters_and_the_pages_stay_the_same(own_database, clock):
    engine = make_engine(own_database)
    rt = Runtime(uow=partial(SqlUnitOfWork, engine, clock), clock=clock, policies=scenario_policies(),
                 calendar=default_calendar())
    play(rt, clock, cases_n=8, seed=23)
    before = pages(rt)
    assert sum(map(len, before)) > 20
    assert list_indexes(engine) == LIST_INDEXES
    assert list_indexes(engine)["applied"] == ("applied_on", "id", "jurisdiction", "level", "state")

    command.downgrade(alembic_config(own_database), "0022")
    assert list_indexes(engine)["applied"] == ("applied_on", "id")
    assert list_indexes(engine)["j_state"] == ("jurisdiction", "state", "id")
    assert pages(rt) == before
    upgrade(own_database)
    assert list_indexes(engine) == LIST_INDEXES
    assert pages(rt) == before
    engine.dispose()
