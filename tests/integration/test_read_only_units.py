"""Reading units of work (Runtime.reads): pages, queries and sign-in read beside acts, not behind them.

On SQLite every writing unit of work takes the write lock at BEGIN; a reader must not, or a
caseworker's page waits for the sweep. On PostgreSQL a reading unit is a READ ONLY transaction,
so a write that slips into a reading path is refused instead of committed.
"""
from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from db import tables as t
from services import cases, users
from tests.story import Story

pytestmark = pytest.mark.memory  # the in-memory storage keeps these promises too


def test_a_reader_is_not_held_up_by_a_writer_holding_its_transaction(rt, clock):
    story = Story(rt, clock)
    story.apply(date(2026, 4, 15))
    users.add_user(rt, "reader.li", "李读", [("auditor", "000000")])
    token = users.create_token(rt, "reader.li")
    read: dict = {}

    def reader() -> None:
        read["state"] = cases.get_case(rt, story.case_id).state
        read["user"] = users.authenticate(rt, token).username

    with rt.uow() as writer:  # a writing unit, open: on SQLite it holds the write lock
        writer.cases.get(story.case_id, for_update=True)
        thread = threading.Thread(target=reader)
        thread.start()
        thread.join(5)  # a reader that queued for the lock would wait out the 30 s busy timeout
        assert not thread.is_alive(), "the reader waited for the writer"
    assert read == {"state": "applied", "user": "reader.li"}


def test_a_reading_unit_sees_what_was_committed_before_it_began(rt, clock):
    story = Story(rt, clock)
    story.apply(date(2026, 4, 15))
    with rt.reads() as uow:
        assert uow.cases.get(story.case_id).state == "applied"
    story.act("withdraw", date(2026, 4, 20))
    with rt.reads() as uow:
        assert uow.cases.get(story.case_id).state == "withdrawn"


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_postgres_refuses_a_write_in_a_reading_unit(rt, clock):
    with rt.reads() as uow, pytest.raises(sa.exc.InternalError, match="read-only transaction"):
        uow.cases.conn.execute(t.users.insert().values(id="u-x", username="x", display_name="x",
                                                       created_at=clock()))
    with rt.uow() as uow:  # the connection goes back to the pool writable
        uow.cases.conn.execute(t.users.insert().values(id="u-y", username="y", display_name="y",
                                                       created_at=clock()))
        uow.commit()
    assert "y" in {u.username for u in users.list_users(rt)}
