"""The rows derived from a case, read back as stored, for `audit verify` to hold against the replay.

Six small statements on the driver's path (db.driver_path): verification reads them for every case
of `verify --all` (bench b5), next to its whole history.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db import tables as t
from db.driver_path import DriverStatement
from services.projections import CASE_COLUMNS, StoredProjections, StoredTimer

BAN_COLUMNS = ("operator_code", "base_id", "level", "ground", "first_day", "last_day", "ended_on")
COMPLAINT_COLUMNS = ("complaint_id", "received_on", "summary", "period", "valid", "verified_on")
INSTALMENT_COLUMNS = ("number", "amount_fen", "due_on", "status", "paid_on", "paid_fen")
CLAWBACK_COLUMNS = ("ground", "since", "owed_fen", "repaid_fen", "repaid_on")


def _of_case(table: sa.Table, columns: Sequence[str], key: str = "case_id") -> DriverStatement:
    return DriverStatement(sa.select(*(table.c[c] for c in columns)).where(table.c[key] == sa.bindparam("id")))


_CASE = _of_case(t.cases, CASE_COLUMNS, "id")
_BANS = _of_case(t.bans, BAN_COLUMNS)
_COMPLAINTS = _of_case(t.complaints, COMPLAINT_COLUMNS)
_INSTALMENTS = _of_case(t.subsidy_instalments, INSTALMENT_COLUMNS)
_CLAWBACKS = _of_case(t.subsidy_clawbacks, CLAWBACK_COLUMNS)
_TIMERS = DriverStatement(sa.select(t.timers.c.kind, t.timers.c.key, t.timers.c.due_on, t.timers.c.provisional,
                                    t.timers.c.fired_at.is_not(None)).where(t.timers.c.case_id == sa.bindparam("id")))


class SqlProjectionRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def of_case(self, case_id: str) -> StoredProjections:
        conn, key = self.conn, {"id": case_id}
        rows = _CASE.rows(conn, key)
        return StoredProjections(
            case_row=dict(zip(CASE_COLUMNS, rows[0], strict=True)) if rows else None,
            bans=tuple(dict(zip(BAN_COLUMNS, r, strict=True)) for r in _BANS.rows(conn, key)),
            complaints=tuple(dict(zip(COMPLAINT_COLUMNS, r, strict=True)) for r in _COMPLAINTS.rows(conn, key)),
            instalments=tuple(dict(zip(INSTALMENT_COLUMNS, r, strict=True)) for r in _INSTALMENTS.rows(conn, key)),
            clawbacks=tuple(dict(zip(CLAWBACK_COLUMNS, r, strict=True)) for r in _CLAWBACKS.rows(conn, key)),
            timers=tuple(StoredTimer(kind, key_, due_on, bool(provisional), bool(fired))
                         for kind, key_, due_on, provisional, fired in _TIMERS.rows(conn, key)),
        )
