"""Migration 0020 (issue 16): the case id leaves the search column and the timers API gets its index.
A database of cases from before it (downgraded to 0019, which puts the id back in front of every
row's search column and drops the index) upgraded again finds the same cases by name, code, 受理编号
and id start, its search column holds no id, and it verifies. Each backend in a database of its own."""
from __future__ import annotations

from datetime import date as D
from functools import partial

import pytest
import sqlalchemy as sa
from alembic import command

from db import tables as t
from db.engine import make_engine
from db.migrate import alembic_config, upgrade
from db.uow import SqlUnitOfWork
from services import audit, cases
from services.calendars import default_calendar
from services.case_listing import SEPARATOR
from services.ports import CaseFilter
from services.queries import list_cases
from services.runtime import Runtime
from tests.conftest import own_database_url
from tests.integration.test_audit import add_people
from tests.policy_variants import scenario_policies
from tests.story import CASEWORKER, credit_code


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def own_database(request, tmp_path, sqlite_template):
    yield from own_database_url(request.param, tmp_path, sqlite_template, "incubase_m0020")


def columns(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(t.cases.c.id, t.cases.c.search_text)).all())


def timer_indexes(engine) -> set[str]:
    return {i["name"] for i in sa.inspect(engine).get_indexes("timers")}


def test_issue16_0020_takes_the_id_out_of_the_search_column_and_finds_the_same(own_database, clock):
    engine = make_engine(own_database)
    rt = Runtime(uow=partial(SqlUnitOfWork, engine, clock), clock=clock, policies=scenario_policies(),
                 calendar=default_calendar())
    add_people(rt)
    clock.set_day(D(2024, 4, 20))
    ids = [cases.open_case(rt, operator_name="贵阳高新创业服务有限公司", credit_code=credit_code(i + 1),
                           base_name=f"贵阳第{i}号创业园", base_address="贵州省", level="provincial",
                           jurisdiction="520000", on=D(2024, 4, 8 + i), actor=CASEWORKER, reason="受理").case.id
           for i in range(4)]

    def answers() -> dict[str, list[str]]:
        texts = ("第2号", "ma6000003", "520000-2024-0002", ids[1][:8], ids[3])
        return {text: [r.id for r in list_cases(rt, CaseFilter(text=text, limit=100))] for text in texts}

    before = answers()
    assert before[ids[1][:8]] == [ids[1]] and before[ids[3]] == [ids[3]] and len(before["第2号"]) == 1
    assert {"ix_timers_pending_due", "ix_timers_pending_kind"} <= timer_indexes(engine)

    command.downgrade(alembic_config(own_database), "0019")
    assert all(text.startswith(case_id + SEPARATOR) for case_id, text in columns(engine).items())
    assert not {"ix_timers_pending_due", "ix_timers_pending_kind"} & timer_indexes(engine)
    upgrade(own_database)
    assert not any(case_id in text for case_id, text in columns(engine).items())
    assert {"ix_timers_pending_due", "ix_timers_pending_kind"} <= timer_indexes(engine)
    assert answers() == before
    assert all(r.ok for r in audit.verify_all(rt))
    engine.dispose()
