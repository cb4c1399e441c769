"""The unit of work: one transaction, committed explicitly, rolled back otherwise."""
from __future__ import annotations

from sqlalchemy.engine import Engine

from db.repository import SqlCaseRepository, SqlTimerRepository
from db.anchors import SqlAnchorRepository
from db.reminders import SqlReminderRepository
from db.rounds import SqlRoundRepository
from db.users import SqlIdempotencyRepository, SqlUserRepository


class SqlUnitOfWork:
    def __init__(self, engine: Engine, clock) -> None:
        self.engine, self.clock = engine, clock

    def __enter__(self) -> "SqlUnitOfWork":
        self.conn = self.engine.connect()
        self.tx = self.conn.begin()
        self.cases = SqlCaseRepository(self.conn, self.clock)
        self.timers = SqlTimerRepository(self.conn)
        self.users = SqlUserRepository(self.conn)
        self.idempotency = SqlIdempotencyRepository(self.conn)
        self.reminders = SqlReminderRepository(self.conn)
        self.rounds = SqlRoundRepository(self.conn)
        self.anchors = SqlAnchorRepository(self.conn)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.tx.is_active:
                self.tx.rollback()
        finally:
            self.conn.close()

    def commit(self) -> None:
        self.tx.commit()

    def rollback(self) -> None:
        self.tx.rollback()
