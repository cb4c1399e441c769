"""What the deployment chose when its database was created: the hash algorithm of its chains."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db import tables as t
from statemachines.events import DEFAULT_ALGORITHM

_ALGORITHM = sa.select(t.deployment.c.hash_algorithm).where(t.deployment.c.id == 1)


class SqlDeploymentRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def hash_algorithm(self) -> str:
        return recorded_algorithm(self.conn)


def recorded_algorithm(conn: Connection) -> str:
    """The algorithm recorded at creation; sha256 for a database without the row (made before the choice)."""
    return conn.execute(_ALGORITHM).scalar_one_or_none() or DEFAULT_ALGORITHM
