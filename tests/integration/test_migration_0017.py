"""Migration 0017 (issue 16): a database of cases recorded before the figures had projections comes
out with case_days and case_tallies back-filled from each case's events, so the upgraded database
answers the same statistics as replaying every case, and `audit verify` finds its rows as the replay
gives them; `incubase audit rebuild-figures` derives the same rows again. Each backend in a database
of its own (the migration is run down and up again)."""
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
from services.figures_rebuild import rebuild_figures
from services.runtime import Runtime
from services.stats import statistics
from services.stats_replay import statistics_by_replay
from tests.conftest import own_database_url
from tests.integration.figures_data import play
from tests.policy_variants import scenario_policies


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def own_database(request, tmp_path, sqlite_template):
    yield from own_database_url(request.param, tmp_path, sqlite_template, "incubase_m0017")


def _rows(engine) -> tuple[list, list]:
    with engine.connect() as conn:
        return ([tuple(r) for r in conn.execute(sa.select(t.case_days).order_by(t.case_days.c.case_id,
                                                                                t.case_days.c.on))],
                [tuple(r) for r in conn.execute(sa.select(t.case_tallies).order_by(t.case_tallies.c.case_id,
                                                                                   t.case_tallies.c.seq))])


def test_issue16_a_database_from_before_0017_is_back_filled_and_counts_as_the_replay(own_database, clock):
    engine = make_engine(own_database)
    rt = Runtime(uow=partial(SqlUnitOfWork, engine, clock), clock=clock, policies=scenario_policies(),
                 calendar=default_calendar())
    played = play(rt, clock, cases_n=8, until=date(2028, 12, 31), jurisdictions=("520100", "520300"))
    written = _rows(engine)
    assert written[0] and written[1]
    command.downgrade(alembic_config(own_database), "0016")
    with engine.connect() as conn:
        assert not {"case_days", "case_tallies"} & set(sa.inspect(conn).get_table_names())

    upgrade(own_database)
    assert _rows(engine) == written  # what the acts wrote, the back-fill derives
    for year in range(2023, 2029):
        assert statistics(rt, "520000", year, date(2028, 12, 31)).as_dict() == \
            statistics_by_replay(rt, "520000", year, date(2028, 12, 31)).as_dict()
    assert not [v for case_id in played.case_ids for v in audit.verify_case(rt, case_id).violations
                if v.check == "projection"]
    with engine.begin() as conn:  # rows lost: the rebuild command derives them again
        conn.execute(t.case_days.delete())
        conn.execute(t.case_tallies.delete())
    assert rebuild_figures(rt) == len(played.case_ids)
    assert _rows(engine) == written
    engine.dispose()
