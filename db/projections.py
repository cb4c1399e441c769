"""The rows derived from cases, read back as stored, for `audit verify` to hold against the replay.

Six statements for any number of cases: `verify --all` reads them for a batch of cases at a time
(bench b5), where a statement per table and case cost a third of the whole check on PostgreSQL.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db import tables as t
from services.projections import CASE_COLUMNS, StoredProjections, StoredTimer

BAN_COLUMNS = ("operator_code", "base_id", "level", "ground", "first_day", "last_day", "ended_on")
COMPLAINT_COLUMNS = ("complaint_id", "received_on", "summary", "period", "valid", "verified_on")
INSTALMENT_COLUMNS = ("number", "amount_fen", "due_on", "status", "paid_on", "paid_fen")
CLAWBACK_COLUMNS = ("ground", "since", "owed_fen", "repaid_fen", "repaid_on")
IDS: sa.BindParameter[list[str]] = sa.bindparam("ids", expanding=True)


def _of_cases(table: sa.Table, columns: Sequence[str], key: str = "case_id") -> sa.Select:
    return sa.select(table.c[key], *(table.c[c] for c in columns)).where(table.c[key].in_(IDS))


_CASES = _of_cases(t.cases, CASE_COLUMNS, "id")
_BANS = _of_cases(t.bans, BAN_COLUMNS)
_COMPLAINTS = _of_cases(t.complaints, COMPLAINT_COLUMNS)
_INSTALMENTS = _of_cases(t.subsidy_instalments, INSTALMENT_COLUMNS)
_CLAWBACKS = _of_cases(t.subsidy_clawbacks, CLAWBACK_COLUMNS)
_TIMERS = sa.select(t.timers.c.case_id, t.timers.c.kind, t.timers.c.key, t.timers.c.due_on, t.timers.c.provisional,
                    t.timers.c.fired_at.is_not(None)).where(t.timers.c.case_id.in_(IDS))


class SqlProjectionRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def of_cases(self, case_ids: Sequence[str]) -> dict[str, StoredProjections]:
        ids = {"ids": list(case_ids)}
        out: dict[str, dict[str, Any]] = {i: {"case_row": None, "bans": [], "complaints": [], "instalments": [],
                                              "clawbacks": [], "timers": []} for i in case_ids}
        for case_id, *row in self.conn.execute(_CASES, ids):
            out[case_id]["case_row"] = dict(zip(CASE_COLUMNS, row, strict=True))
        for name, statement, columns in (("bans", _BANS, BAN_COLUMNS), ("complaints", _COMPLAINTS, COMPLAINT_COLUMNS),
                                         ("instalments", _INSTALMENTS, INSTALMENT_COLUMNS),
                                         ("clawbacks", _CLAWBACKS, CLAWBACK_COLUMNS)):
            for case_id, *row in self.conn.execute(statement, ids):
                out[case_id][name].append(dict(zip(columns, row, strict=True)))
        for case_id, kind, key, due_on, provisional, fired in self.conn.execute(_TIMERS, ids):
            out[case_id]["timers"].append(StoredTimer(kind, key, due_on, bool(provisional), bool(fired)))
        return {case_id: StoredProjections(rows["case_row"], *(tuple(rows[k]) for k in (
                    "bans", "complaints", "instalments", "clawbacks", "timers"))) for case_id, rows in out.items()}
