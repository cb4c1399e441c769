"""Every derived table derived again from the record (issue 16): `incubase audit rebuild-projections`.

The acts keep these projections in their own transaction and `audit verify` names any row that
differs from the replay; this rewrites them all after a repair or an upgrade that changed how one
is derived. Each projection is one entry of PROJECTIONS, the back-fill its migration runs: a new
projection joins the command by adding its entry (and its check to services.projections), nothing
else. The events and the snapshots are the record; these rows only a cache of it.

Each projection is rebuilt in a transaction of its own that first locks `cases` against writers
(PostgreSQL: SHARE ROW EXCLUSIVE, which reads go past and a second rebuild waits for; SQLite: the
write transaction, which is one at a time anyway): an act between a rebuild's read of a case and its
write would otherwise be overwritten with what the case was before it. Acts wait until it commits.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from statemachines.replay import PolicyLookup


@dataclass(frozen=True)
class Projection:
    name: str
    tables: str  # what it writes, as the command prints it
    rebuild: Callable[[Connection, PolicyLookup], int]  # the cases it derived rows for


def _case_list(conn: Connection, policy_of: PolicyLookup) -> int:
    from db.case_listing import backfill

    return backfill(conn)


def _figures(conn: Connection, policy_of: PolicyLookup) -> int:
    from db.counts import rebuild as recount
    from db.figures import backfill

    done = backfill(conn, policy_of)
    recount(conn)  # the dashboard's counters count these rows and the cases' states (db/counts.py)
    return done


def _work_items(conn: Connection, policy_of: PolicyLookup) -> int:
    from db.work_items import rebuild

    return rebuild(conn)


PROJECTIONS: tuple[Projection, ...] = (
    Projection("case_list", "the case list's columns of cases", _case_list),
    Projection("figures", "case_days, case_tallies, case_counts, year_counts", _figures),
    Projection("work_items", "work_items", _work_items),
)


def rebuild(engine: sa.Engine, policy_of: PolicyLookup,
            only: Sequence[str] | None = None) -> list[tuple[Projection, int]]:
    """Rebuilds each projection (those named in `only`, in PROJECTIONS' order); (projection, cases) each."""
    unknown = set(only or ()) - {p.name for p in PROJECTIONS}
    if unknown:
        raise ValueError(f"no such projection: {', '.join(sorted(unknown))}")
    done = []
    for projection in PROJECTIONS:
        if only is not None and projection.name not in only:
            continue
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("LOCK TABLE cases IN SHARE ROW EXCLUSIVE MODE"))
            done.append((projection, projection.rebuild(conn, policy_of)))
    return done
