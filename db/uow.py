"""The unit of work: one transaction, committed explicitly, rolled back otherwise."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from db.anchors import SqlAnchorRepository
from db.case_listing import ClaimedCases
from db.deployment import SqlDeploymentRepository
from db.engine import READ_ONLY
from db.figures import SqlFigureRepository
from db.projections import SqlProjectionRepository
from db.reminders import SqlReminderRepository
from db.repository import SqlCaseRepository, SqlTimerRepository
from db.rounds import SqlRoundRepository
from db.security_log import SqlSecurityLogRepository
from db.two_factor import SqlTwoFactorRepository
from db.users import SqlIdempotencyRepository, SqlUserRepository

if TYPE_CHECKING:
    from services.ports import UnitOfWork


class SqlUnitOfWork:
    """`read_only`: for reads only. SQLite then begins a deferred transaction, so a reader never
    waits for nor holds the write lock (in WAL mode it reads its own snapshot); PostgreSQL runs
    a READ ONLY transaction, which refuses a write that slipped into a reading path."""

    def __init__(self, engine: Engine, clock, *, read_only: bool = False) -> None:
        self.engine, self.clock, self.read_only = engine, clock, read_only

    def __enter__(self) -> SqlUnitOfWork:
        self.conn = self.engine.connect()
        if self.read_only:
            self.conn.execution_options(**READ_ONLY)
        self.tx = self.conn.begin()
        # the cases whose timers the sweep claimed, their next timer set before the commit (issue 16)
        self.claimed = ClaimedCases()
        self.cases = SqlCaseRepository(self.conn, self.clock, self.claimed)
        self.timers = SqlTimerRepository(self.conn, self.claimed)
        self.users = SqlUserRepository(self.conn)
        self.two_factor = SqlTwoFactorRepository(self.conn)
        self.security_log = SqlSecurityLogRepository(self.conn)
        self.idempotency = SqlIdempotencyRepository(self.conn)
        self.reminders = SqlReminderRepository(self.conn)
        self.rounds = SqlRoundRepository(self.conn)
        self.anchors = SqlAnchorRepository(self.conn)
        self.deployment = SqlDeploymentRepository(self.conn)
        self.projections = SqlProjectionRepository(self.conn)
        self.figures = SqlFigureRepository(self.conn)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.tx.is_active:
                self.tx.rollback()
        finally:
            self.conn.close()

    def commit(self) -> None:
        self.claimed.settle(self.conn)
        self.tx.commit()

    def rollback(self) -> None:
        self.tx.rollback()


if TYPE_CHECKING:  # mypy holds the storage to every port the services declare (services/ports.py)
    _PORTS: type[UnitOfWork] = SqlUnitOfWork
