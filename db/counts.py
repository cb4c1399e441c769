"""Counters the dashboard sums over a jurisdiction's range of codes (issue 16), kept in the act's own
transaction like the other projections, checked by `audit verify --all`, rebuilt by
`audit rebuild-figures`.

- `case_counts` (jurisdiction, state, level) → cases: the `cases` rows now, the dashboard's grid;
- `year_counts` (jurisdiction, year, kind, value) → events: the `case_tallies` rows of the year by
  their figure, grade and ground, each column on its own: the flows the dashboard charts for every
  year it offers, and the year's flows, grades and grounds `services.stats` adds up.

Both count rows of projections that `audit verify` already holds, case by case, to the replay
(the case's columns, its tallies), so a counter equal to the count of those rows is equal to the
replay; `drift` is that comparison, one statement over each table. A province of 1,000,000 cases
has a few hundred jurisdictions: a page sums a few thousand counter rows instead of counting its
cases (bench b8: the grid, the flows and the year's figures were most of the dashboard's seconds).

The figures as of a day are the counters' when the day is *settled*: no day row of any case begins
after it (`settled`, one probe of an index). Then every case stands on the day as it stands now and
every tally of the year is of a case standing by it (db.figures `_as_of`, `_known_by`), so the
counts over the rows and the sums of the counters are the same numbers; only the bans in force on
the day depend on the day, read from a partial index of the banned cases' last rows. Today is
settled (no act is dated after its business day); a past year's end is not, and is counted over
the rows as before.

An act changes a counter row only when it moves a case between keys (a new case, a change of state,
level or jurisdiction; a tally written or rewritten). The rows it changes are updated in key order,
so two acts moving cases in opposite directions wait for each other instead of deadlocking; acts on
cases of the same key wait for each other's commit on PostgreSQL (a row lock held to the end of the
transaction) — the cost of an exact count that needs no scan.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db import tables as t
from db.driver_path import DriverStatement

CaseKey = tuple[str, str, str]  # (jurisdiction, state, level)
YearKey = tuple[str, int, str, str]  # (jurisdiction, year, kind, value)
_KEYS = {"case_counts": ("jurisdiction", "state", "level"), "year_counts": ("jurisdiction", "year", "kind", "value")}
# the tally columns year_counts counts, each on its own: `statistics` adds each up apart from the others
TALLIED = ("figure", "grade", "ground")


def _add_statement(table: sa.Table, dialect: str) -> DriverStatement:
    from sqlalchemy.dialects import postgresql, sqlite

    keys = _KEYS[table.name]
    adding = {"n": table.c.n + sa.literal_column("excluded.n")}
    statement = (postgresql.insert(table).on_conflict_do_update(index_elements=list(keys), set_=adding)
                 if dialect == "postgresql" else
                 sqlite.insert(table).on_conflict_do_update(index_elements=list(keys), set_=adding))
    return DriverStatement(statement, (*keys, "n"))


_ADD = {(table.name, dialect): _add_statement(table, dialect)
        for table in (t.case_counts, t.year_counts) for dialect in ("postgresql", "sqlite")}


def shift(conn: Connection, table: sa.Table, deltas: Counter[Any]) -> None:
    """Adds each key's delta to its counter, in key order (see the module's docstring)."""
    rows = [{**dict(zip(_KEYS[table.name], key, strict=True)), "n": n} for key, n in sorted(deltas.items()) if n]
    if rows:
        _ADD[(table.name, "postgresql" if conn.dialect.name == "postgresql" else "sqlite")].run_many(conn, rows)


def move_case(conn: Connection, old: CaseKey | None, new: CaseKey | None) -> None:
    """The case left `old` (None: it is new) for `new`."""
    if old == new:
        return
    deltas = Counter[CaseKey]()
    if old is not None:
        deltas[old] -= 1
    if new is not None:
        deltas[new] += 1
    shift(conn, t.case_counts, deltas)


def tally_deltas(rows: Iterable[Any], sign: int = 1) -> Counter[YearKey]:
    """Tally rows (jurisdiction, year, figure, grade, ground) → what they add to (or, sign -1, take
    from) the year's counters."""
    out = Counter[YearKey]()
    for jurisdiction, year, *values in rows:
        for kind, value in zip(TALLIED, values, strict=True):
            if value is not None:
                out[(jurisdiction, year, kind, value)] += sign
    return out


# what each counter counts, as a GROUP BY over the projection rows it stands for
def _sources() -> dict[str, Any]:
    c, tl = t.cases.c, t.case_tallies.c
    per_column = [sa.select(tl.jurisdiction, tl.year, sa.literal(kind, sa.String).label("kind"),
                            tl[kind].label("value"), sa.func.count().label("n"))
                  .where(tl[kind].is_not(None)).group_by(tl.jurisdiction, tl.year, tl[kind]) for kind in TALLIED]
    return {"case_counts": sa.select(c.jurisdiction, c.state, c.level, sa.func.count().label("n"))
            .group_by(c.jurisdiction, c.state, c.level),
            "year_counts": sa.union_all(*per_column)}


def rebuild(conn: Connection) -> dict[str, int]:
    """Every counter counted again from the rows it stands for (migration 0022, `audit rebuild-figures`);
    the counter rows written, by table."""
    done = {}
    if conn.dialect.name == "postgresql":
        # an act that moves a case meanwhile waits (its counter update needs the table) rather than
        # shifting a counter this is about to count again; one that already did is waited for here
        conn.execute(sa.text("LOCK TABLE case_counts, year_counts IN EXCLUSIVE MODE"))
    for table in (t.case_counts, t.year_counts):
        source = _sources()[table.name]
        conn.execute(table.delete())
        conn.execute(table.insert().from_select([*_KEYS[table.name], "n"], source))
        done[table.name] = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    return done


def drift(conn: Connection) -> list[tuple[str, tuple[Any, ...], int, int]]:
    """(table, key, counted, stored) of every counter that is not the count of its rows; a counter of
    0 and no counter are the same. One statement per table."""
    out = []
    for table in (t.case_counts, t.year_counts):
        keys = _KEYS[table.name]
        source = _sources()[table.name].subquery()
        stored = sa.select(*(table.c[k] for k in keys), table.c.n).where(table.c.n != 0).subquery()
        on = sa.and_(*(source.c[k] == stored.c[k] for k in keys))
        q = (sa.select(*(sa.func.coalesce(source.c[k], stored.c[k]) for k in keys),
                       sa.func.coalesce(source.c.n, 0), sa.func.coalesce(stored.c.n, 0))
             .select_from(source.join(stored, on, full=True))
             .where(sa.func.coalesce(source.c.n, 0) != sa.func.coalesce(stored.c.n, 0)))
        out += [(table.name, tuple(row[:-2]), row[-2], row[-1]) for row in conn.execute(q)]
    return out


def grid(conn: Connection, jurisdiction: str, scopes: Sequence[str] | None) -> list[tuple[str, str, int]]:
    from db.figures import code_range

    c = t.case_counts.c
    q = sa.select(c.state, c.level, sa.func.sum(c.n)).where(code_range(c.jurisdiction, jurisdiction))
    if scopes is not None:
        q = q.where(sa.or_(sa.false(), *(code_range(c.jurisdiction, s) for s in scopes)))
    return [(state, level, int(n)) for state, level, n in conn.execute(q.group_by(c.state, c.level)) if n]


def flows(conn: Connection, jurisdiction: str, years: Sequence[int]) -> list[tuple[int, str, int]]:
    from db.figures import code_range

    c = t.year_counts.c
    rows = conn.execute(sa.select(c.year, c.value, sa.func.sum(c.n))
                        .where(c.year.in_(list(years)), c.kind == "figure", code_range(c.jurisdiction, jurisdiction))
                        .group_by(c.year, c.value))
    return [(year, figure, int(n)) for year, figure, n in rows if n]


_d = t.case_days.c
# no day row begins after the day: then every case stands on the day as it stands now (its last row),
# and every tally of the day's year is of a case standing by it (db.figures._known_by)
_LATER = sa.select(_d.case_id).where(_d.on > sa.bindparam("day", type_=sa.Date)).limit(1)


def settled(conn: Connection, day: date) -> bool:
    """Whether the figures as of `day` are the counters' (no day row begins after it: an index probe)."""
    return conn.execute(_LATER, {"day": day}).first() is None


def as_of_now(conn: Connection, jurisdiction: str, day: date) -> list[tuple[str, str, int, int]]:
    """db.figures' as_of_counts for a settled day: the cases now from the counters, and of them those
    with a ban in force on the day from the partial index of the banned cases' last rows."""
    from db.figures import code_range

    c = t.case_counts.c
    rows = conn.execute(sa.select(c.level, c.state, sa.func.sum(c.n)).where(code_range(c.jurisdiction, jurisdiction))
                        .group_by(c.level, c.state))
    banned = dict(((level, state), n) for level, state, n in conn.execute(
        sa.select(_d.level, _d.state, sa.func.count())
        .where(_d.until.is_(None), _d.ban_first_day.is_not(None), _d.ban_ended_on.is_(None),
               code_range(_d.jurisdiction, jurisdiction), _d.ban_first_day <= day,
               sa.or_(_d.ban_last_day.is_(None), _d.ban_last_day >= day))
        .group_by(_d.level, _d.state)))
    return sorted((level, state, int(n), banned.get((level, state), 0)) for level, state, n in rows if n)


def year_tallies(conn: Connection, jurisdiction: str, year: int) -> list[tuple[str | None, str | None, str | None,
                                                                               int]]:
    """db.figures' tally_counts for a settled day: (figure, grade, ground, events), each column on its own."""
    from db.figures import code_range

    c = t.year_counts.c
    out: list[tuple[str | None, str | None, str | None, int]] = []
    for kind, value, n in conn.execute(sa.select(c.kind, c.value, sa.func.sum(c.n))
                                       .where(c.year == year, code_range(c.jurisdiction, jurisdiction))
                                       .group_by(c.kind, c.value)):
        if n:
            out.append(tuple(value if kind == k else None for k in TALLIED) + (int(n),))  # type: ignore[arg-type]
    return out
