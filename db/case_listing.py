"""The case list's projection columns in SQL (services.case_listing says what they hold).

`ClaimedCases` holds the cases whose timer the sweep claimed in a transaction and whose next timer
no write of the case has set since; the unit of work settles them before it commits, from their
pending timers (a timer can be fired without any act on its case, when its act finds nothing to
do). `backfill` fills every column from the stored rows, for migration 0019 and for a database
whose columns are to be rebuilt (`incubase audit rebuild-projections`); `rewrite_search_text` the
search column alone (migration 0020, which took the case id out of it).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db import tables as t
from services.case_listing import search_text


def _pending_first(case_id: Any) -> sa.Select:
    tm = t.timers.c
    # the order services.case_listing.next_of takes: due date, then kind and key
    return (sa.select(tm.due_on, tm.kind, tm.key).where(tm.case_id == case_id, tm.fired_at.is_(None))
            .order_by(tm.due_on, tm.kind, tm.key).limit(1))


def _next_values(case_id: Any) -> dict[str, Any]:
    first = _pending_first(case_id)
    tm = t.timers.c
    label = (sa.select(tm.kind + sa.literal(":") + tm.key).where(tm.case_id == case_id, tm.fired_at.is_(None))
             .order_by(tm.due_on, tm.kind, tm.key).limit(1))
    return {"next_due": first.with_only_columns(tm.due_on).scalar_subquery(), "next_timer": label.scalar_subquery()}


def renext_statement() -> sa.Update:
    """UPDATE of one case's next_due and next_timer (bind `_case_id`) from its pending timers."""
    c = t.cases.c
    return t.cases.update().where(c.id == sa.bindparam("_case_id")).values(**_next_values(c.id))


class ClaimedCases:
    """The cases of this transaction's claimed timers whose next timer is still to be set: a claim
    adds its case, a write of the case's timers (an act, sync_timers) takes it away, and `settle`
    sets the rest before the commit, one UPDATE each (most claims are followed by their act, which
    sets the next timer anyway: an UPDATE per claim would write each such case twice)."""

    def __init__(self) -> None:
        self.cases: set[str] = set()

    def settle(self, conn: Connection) -> None:
        for case_id in sorted(self.cases):
            conn.execute(_RENEXT, {"_case_id": case_id})
        self.cases.clear()


def backfill(conn: Connection, batch: int = 5_000) -> int:
    """Every case's listing columns from the stored bases, operators and timers; returns how many."""
    c, b, o = t.cases.c, t.bases.c, t.operators.c
    conn.execute(t.cases.update().values(
        base_name=sa.select(b.name).where(b.id == c.base_id).scalar_subquery(),
        operator_name=sa.select(o.name).join_from(t.bases, t.operators, b.operator_id == o.id)
        .where(b.id == c.base_id).scalar_subquery(),
        **_next_values(c.id)))
    return rewrite_search_text(conn, batch)


def rewrite_search_text(conn: Connection, batch: int = 5_000,
                        text_of: Callable[..., str] | None = None) -> int:
    """Every case's search column from its stored columns (`text_of(id, reference, base name,
    operator name, credit code)`, by default services.case_listing.search_text's fields), in Python:
    SQL's lower() is not Python's beyond ASCII (SQLite lowers ASCII only). Returns how many."""
    c = t.cases.c
    of = text_of or (lambda _id, *fields: search_text(*fields))
    done, after = 0, ""
    while True:
        rows = conn.execute(sa.select(c.id, c.reference, c.base_name, c.operator_name, c.operator_code)
                            .where(c.id > after).order_by(c.id).limit(batch)).all()
        if not rows:
            return done
        conn.execute(t.cases.update().where(c.id == sa.bindparam("_id")).values(search_text=sa.bindparam("_text")),
                     [{"_id": r.id, "_text": of(r.id, r.reference, r.base_name, r.operator_name, r.operator_code)}
                      for r in rows])
        done, after = done + len(rows), rows[-1].id


_RENEXT = renext_statement()
