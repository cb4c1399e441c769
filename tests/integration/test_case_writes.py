"""What a case save writes: the projection rows that differ from the snapshot the unit of work
read, every row when that snapshot is not the one being replaced, and errors as SQLAlchemy's."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
import sqlalchemy as sa

from statemachines import acts
from statemachines.timers import timers_for
from tests.integration.test_storage_contract import recognize, rows
from tests.story import CASEWORKER

DAY = date(2024, 9, 2)


def _instalments(engine, case_id: str) -> list[tuple]:
    return rows(engine, "SELECT number, status FROM subsidy_instalments WHERE case_id = :c ORDER BY number",
                c=case_id)


def _complaint(rt, case, clock):
    policy = rt.policies.get(case.policy_id, case.policy_version)
    events = acts.record_complaint(case, policy, rt.calendar, acts.Recording(CASEWORKER, DAY, "来信", clock()),
                                   complaint_id="c1", summary="水电费超标收取")
    return events, timers_for(case, policy, rt.calendar)


@pytest.fixture
def recognized(rt, clock, engine):
    case_id = recognize(rt, clock)
    clock.set_day(DAY)
    stored = _instalments(engine, case_id)
    assert stored
    return case_id, stored


def test_an_act_writes_only_the_rows_that_changed_since_the_read(rt, clock, engine, recognized):
    case_id, _ = recognized
    with rt.uow() as uow:
        case = uow.cases.get(case_id, for_update=True)
        uow.conn.execute(sa.text("DELETE FROM subsidy_instalments WHERE case_id = :c"), {"c": case_id})
        version = case.version
        events, timers = _complaint(rt, case, clock)
        uow.cases.save(case, version, events, timers)
        uow.commit()
    assert _instalments(engine, case_id) == []  # unchanged, so not written again
    assert rows(engine, "SELECT complaint_id FROM complaints WHERE case_id = :c", c=case_id) == [("c1",)]


def test_a_save_in_another_unit_of_work_than_the_read_writes_every_row(rt, clock, engine, recognized):
    case_id, stored = recognized
    with rt.uow() as uow:
        case = uow.cases.get(case_id)
    with rt.uow() as uow:
        uow.conn.execute(sa.text("DELETE FROM subsidy_instalments WHERE case_id = :c"), {"c": case_id})
        version = case.version
        events, timers = _complaint(rt, case, clock)
        uow.cases.save(case, version, events, timers)
        uow.commit()
    assert _instalments(engine, case_id) == stored


def test_a_save_over_another_version_than_the_one_read_writes_every_row(rt, clock, engine, recognized):
    case_id, stored = recognized
    with rt.uow() as uow:
        case = uow.cases.get(case_id, for_update=True)
        # what the unit of work read is no longer the stored version: its rows cannot be trusted
        uow.conn.execute(sa.text("UPDATE cases SET version = version + 1 WHERE id = :c"), {"c": case_id})
        uow.conn.execute(sa.text("DELETE FROM subsidy_instalments WHERE case_id = :c"), {"c": case_id})
        case = replace(case, version=case.version + 1)
        version = case.version
        events, timers = _complaint(rt, case, clock)
        uow.cases.save(case, version, events, timers)
        uow.commit()
    assert _instalments(engine, case_id) == stored


def test_a_rewrite_without_events_writes_every_row(rt, clock, engine, recognized):
    case_id, stored = recognized
    with rt.uow() as uow:
        case = uow.cases.get(case_id, for_update=True)
        uow.conn.execute(sa.text("DELETE FROM subsidy_instalments WHERE case_id = :c"), {"c": case_id})
        policy = rt.policies.get(case.policy_id, case.policy_version)
        uow.cases.save(case, case.version, [], timers_for(case, policy, rt.calendar))
        uow.commit()
    assert _instalments(engine, case_id) == stored


def test_a_statement_on_the_driver_fails_as_sqlalchemy_and_writes_nothing(rt, clock, engine, recognized):
    case_id, _ = recognized
    version = rows(engine, "SELECT version FROM cases WHERE id = :c", c=case_id)[0][0]
    with pytest.raises(sa.exc.IntegrityError), rt.uow() as uow:
        case = uow.cases.get(case_id, for_update=True)
        events, timers = _complaint(rt, case, clock)
        uow.cases.save(case, version, [replace(events[0], seq=version)], timers)  # a seq already taken
    assert rows(engine, "SELECT version FROM cases WHERE id = :c", c=case_id) == [(version,)]
