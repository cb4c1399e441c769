"""What the deployment chose when its database was created: the hash algorithm of its chains, and its
purpose, production or training (issue 15), with a training database's business dates."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from db import tables as t
from db.engine import READ_ONLY
from statemachines.events import DEFAULT_ALGORITHM

_ALGORITHM = sa.select(t.deployment.c.hash_algorithm).where(t.deployment.c.id == 1)
_PURPOSE = sa.select(t.deployment.c.purpose).where(t.deployment.c.id == 1)
_TRAINING_DAY = sa.select(t.training_days.c.business_date).order_by(t.training_days.c.seq.desc()).limit(1)


class SqlDeploymentRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def hash_algorithm(self) -> str:
        return recorded_algorithm(self.conn)

    def purpose(self) -> str:
        return recorded_purpose(self.conn)

    def training_day(self) -> date | None:
        return self.conn.execute(_TRAINING_DAY).scalar_one_or_none()

    def add_training_day(self, day: date, set_at: datetime, set_by: str) -> None:
        self.conn.execute(t.training_days.insert().values(business_date=day, set_at=set_at, set_by=set_by))


def recorded_algorithm(conn: Connection) -> str:
    """The algorithm recorded at creation; sha256 for a database without the row (made before the choice)."""
    return conn.execute(_ALGORITHM).scalar_one_or_none() or DEFAULT_ALGORITHM


def recorded_purpose(conn: Connection) -> str:
    return conn.execute(_PURPOSE).scalar_one_or_none() or "production"


def database_purpose(engine: Engine) -> str:
    """'production' or 'training', for the composition root before it builds anything: production for a
    database made before the choice (no purpose column) or not migrated at all yet."""
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        if not inspector.has_table("deployment"):
            return "production"
        if "purpose" not in {c["name"] for c in inspector.get_columns("deployment")}:
            return "production"
        return recorded_purpose(conn)


def training_day(engine: Engine) -> date | None:
    """The business date a training database runs on now, read on a connection of its own (the clock's),
    which only reads: the clock is called inside writing units of work, whose lock it must not wait for."""
    with engine.connect() as conn:
        conn.execution_options(**READ_ONLY)
        return conn.execute(_TRAINING_DAY).scalar_one_or_none()
