"""Migration 0019 (issue 16): a database of cases from before it — downgraded past it, which drops the
case list's columns — upgraded again lists the same pages in every sort, finds the same searches and
verifies: the back-fill gives the columns the acts wrote. Each backend in a database of its own."""
from __future__ import annotations

from datetime import date as D
from functools import partial

import pytest
from alembic import command

from db.engine import make_engine
from db.migrate import alembic_config, upgrade
from db.uow import SqlUnitOfWork
from services import audit, cases
from services.calendars import default_calendar
from services.ports import CaseFilter
from services.queries import list_cases
from services.runtime import Runtime
from tests.conftest import own_database_url
from tests.integration.test_audit import add_people
from tests.policy_variants import scenario_policies
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, credit_code


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def own_database(request, tmp_path, sqlite_template):
    yield from own_database_url(request.param, tmp_path, sqlite_template, "incubase_m0019")


def answers(rt) -> dict:
    out = {sort: [(r.id, r.base_name, r.operator_name, r.next_due, r.next_timer)
                  for r in list_cases(rt, CaseFilter(sort=sort, limit=1000))]
           for sort in ("applied_on", "-updated", "next_due", "-state")}
    for text in ("第3号", "ma60000", "520000-2024-0002", "贵阳高新"):
        out[text] = [r.id for r in list_cases(rt, CaseFilter(text=text, limit=1000))]
    return out


def test_issue16_a_database_from_before_0019_lists_and_finds_the_same_after_it(own_database, clock):
    engine = make_engine(own_database)
    rt = Runtime(uow=partial(SqlUnitOfWork, engine, clock), clock=clock, policies=scenario_policies(),
                 calendar=default_calendar())
    add_people(rt)
    clock.set_day(D(2024, 6, 20))
    ids = [cases.open_case(rt, operator_name=("贵阳高新创业服务有限公司", "遵义孵化有限公司")[i % 2],
                           credit_code=credit_code(i % 2 + 1), base_name=f"贵阳第{i}号创业园", base_address="贵州省",
                           level="provincial", jurisdiction="520000", on=D(2024, 4, 8 + i), actor=CASEWORKER,
                           reason="受理").case.id for i in range(8)]
    for case_id in ids[::2]:
        cases.ACTS["inspect"](rt, case_id, on=D(2024, 5, 10), actor=INSPECTOR, reason="考察", outcome="pass")
        cases.ACTS["approve"](rt, case_id, on=D(2024, 6, 12), actor=SUPERVISOR, reason="批复")
    before = answers(rt)
    assert before["第3号"] == [ids[3]] and len(before["ma60000"]) == 8
    assert sum(row[3] is not None for row in before["next_due"]) == 4

    command.downgrade(alembic_config(own_database), "0016")
    upgrade(own_database)
    assert answers(rt) == before
    assert all(r.ok for r in audit.verify_all(rt))
    engine.dispose()
