"""The work_items projection (issue 16): written with each act, read a page at a time by the queue.

Writing: `sync` gives a case the rows services.work_items derives from it and its timers, changing
only what differs from the stored rows (one read of the case's rows, by its key's prefix). `rebuild`
derives every case's rows again (migration 0018, and a repair).

Reading: `page` is the rows of some scopes in the queue's order after a cursor (keyset: no OFFSET),
in two index ranges, the dated items within the horizon first, then those without a date, so a walk
never crosses the far-off deadlines between them. `counts` are exact up to a cap per (kind, mine,
group): one GROUP BY for a province or less, a bounded walk per cell for the country.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db import tables as t
from db.driver_path import DriverStatement
from services.work_items import (
    ALWAYS,
    COLUMNS,
    DUE,
    KINDS,
    NO_DATE,
    PAST,
    SOON,
    WorkFilter,
    WorkRow,
    WorkScope,
    capped,
    rows_of,
)
from statemachines.case import Case
from statemachines.jurisdiction import prefix
from statemachines.timers import Timer

_w = t.work_items.c
_KEY = (_w.case_id, _w.kind, _w.detail)
# every act runs these: prepared once and sent on the driver's cursor (db.driver_path, bench b1)
_OF_CASE = DriverStatement(sa.select(_w.kind, _w.detail, *(_w[c] for c in COLUMNS))
                           .where(_w.case_id == sa.bindparam("case_id")))
_INSERT = DriverStatement(t.work_items.insert(), ("case_id", "kind", "detail", *COLUMNS))
_BY_KEY = (_w.case_id == sa.bindparam("k_case_id"), _w.kind == sa.bindparam("k_kind"),
           _w.detail == sa.bindparam("k_detail"))
_UPDATE = DriverStatement(t.work_items.update().where(*_BY_KEY), COLUMNS)
_DELETE = DriverStatement(t.work_items.delete().where(*_BY_KEY))
_NAMES = (sa.select(t.bases.c.name, t.operators.c.name)
          .join_from(t.bases, t.operators, t.bases.c.operator_id == t.operators.c.id)
          .where(t.bases.c.id == sa.bindparam("base_id")))


def names(conn: Connection, base_id: str) -> tuple[str, str]:
    """(base name, operator name) of a base: what the queue shows and searches besides the case."""
    row = conn.execute(_NAMES, {"base_id": base_id}).first()
    return ("", "") if row is None else (row[0], row[1])


def sync(conn: Connection, case: Case, timers: Iterable[tuple[Timer, bool]], *, trust_names: bool = True) -> None:
    """The case's rows as it and its timers now give them. The names of its base and operator do not
    change; they are read from the stored rows when there are some (`trust_names`), else from the bases."""
    stored = {(kind, detail): tuple(rest) for kind, detail, *rest in _OF_CASE.rows(conn, {"case_id": case.id})}
    timers = list(timers)
    some = next(iter(stored.values()), None)
    base_name, operator_name = (some[7], some[8]) if trust_names and some is not None else ("", "")
    wanted = rows_of(case, timers, base_name, operator_name)
    if wanted and (not trust_names or some is None):
        wanted = rows_of(case, timers, *names(conn, case.base_id))
    gone = [k for k in stored if k not in wanted]
    changed = [k for k, row in wanted.items() if k in stored and stored[k] != row]
    new = [k for k in wanted if k not in stored]
    if gone:
        _DELETE.run_many(conn, [_key(case.id, k) for k in gone])
    if changed:
        _UPDATE.run_many(conn, [{**_key(case.id, k), **dict(zip(COLUMNS, wanted[k], strict=True))} for k in changed])
    if new:
        _INSERT.run_many(conn, [{"case_id": case.id, "kind": k[0], "detail": k[1],
                                **dict(zip(COLUMNS, wanted[k], strict=True))} for k in new])


def _key(case_id: str, key: tuple[str, str]) -> dict[str, str]:
    return {"k_case_id": case_id, "k_kind": key[0], "k_detail": key[1]}


def rebuild(conn: Connection, batch: int = 500) -> int:
    """Every case's rows derived anew from its snapshot and stored timers (migration 0018 back-fills
    with it); the number of cases. Keyset over the case ids, a batch at a time."""
    c, tm = t.cases.c, t.timers.c
    done, after = 0, ""
    while True:
        chunk = conn.execute(sa.select(c.id, c.snapshot).where(c.id > after).order_by(c.id).limit(batch)).all()
        if not chunk:
            return done
        ids = [r.id for r in chunk]
        timers: dict[str, list[tuple[Timer, bool]]] = {}
        for r in conn.execute(sa.select(tm.case_id, tm.kind, tm.key, tm.due_on, tm.provisional,
                                        tm.fired_at.is_not(None)).where(tm.case_id.in_(ids))):
            timers.setdefault(r[0], []).append((Timer(r[1], r[2], r[3], bool(r[4])), bool(r[5])))
        for r in chunk:
            sync(conn, Case.from_dict(r.snapshot), timers.get(r.id, []), trust_names=False)
        done += len(chunk)
        after = ids[-1]


# --- reading ---------------------------------------------------------------------------------

def _within(scope: str) -> Any:
    """Codes under a scope as a range (an index range scan), not LIKE."""
    lo = prefix(scope)
    if not lo:
        return sa.true()
    hi = lo[:-1] + chr(ord(lo[-1]) + 1)
    return sa.and_(_w.jurisdiction >= lo, _w.jurisdiction < hi)


def _scoped(scopes: Sequence[WorkScope]) -> Any:
    return sa.or_(sa.false(), *(sa.and_(_within(s.jurisdiction), _w.kind.in_(s.kinds)) for s in scopes if s.kinds))


def _showing(where: WorkFilter, search: bool = True, trigrams: bool = True) -> Any:
    """Today's items: the window of each (services.work_items.shows), and the search."""
    out = sa.or_(_w.window == ALWAYS, sa.and_(_w.window == SOON, _w.due_key <= where.soon),
                 sa.and_(_w.window == PAST, _w.due_key < where.today),
                 sa.and_(_w.window == DUE, _w.due_key <= where.today))
    if where.text and search:
        out = sa.and_(out, _matching(where.text, trigrams))
    return out


def _matching(text: str, trigrams: bool = True) -> Any:
    """The search. Without `trigrams`, said of `column || ''`, which no trigram index answers: a
    province's rows are fewer than the matches of a common fragment in the country's trigram index,
    which PostgreSQL otherwise reads to intersect them (433 ms of a 472 ms page for 运营公司3,
    bench/queue_scale.py)."""
    columns = (_w.base_name, _w.operator_name, _w.operator_code)
    return sa.or_(*((c if trigrams else c.concat("")).icontains(text, autoescape=True) for c in columns))


_ROW = (_w.case_id, _w.kind, _w.detail, _w.rank, _w.due_on, _w.jurisdiction, _w.level, _w.state, _w.base_name,
        _w.operator_name, _w.operator_code)
_ORDER = (_w.due_key, _w.rank, _w.base_name, _w.case_id, _w.detail)


def page(conn: Connection, scopes: Sequence[WorkScope], where: WorkFilter,
         after: tuple[date, int, str, str, str] | None, limit: int) -> list[WorkRow]:
    """Up to `limit` rows of these scopes in the queue's order (WorkRow.key) after `after`: those due
    by the horizon, then those without a date; the rows between (due later) never show."""
    # a scope within a province is read by its range of codes (_ordered), its search rechecked there
    trigrams = not all(prefix(s.jurisdiction) for s in scopes)
    base = sa.and_(_scoped(scopes), _showing(where, trigrams=trigrams))
    order: tuple[Any, ...] = _ORDER
    if where.kind is not None:
        # one kind: its rank is fixed, so (rank, due_key, …) gives the order (ix_work_items_kind_order).
        # Said by the rank alone: with `kind = …` and the scopes' `kind IN (…)` besides, PostgreSQL
        # took the kind's 208,320 undated rows of the country for 129 and sorted them (643 ms, not
        # a walk in order of 3 ms: bench/queue_scale.py)
        wanted = [s for s in scopes if where.kind in s.kinds]
        base = sa.and_(sa.or_(sa.false(), *(_within(s.jurisdiction) for s in wanted)),
                       _showing(where, trigrams=trigrams),
                       _w.rank == KINDS.index(where.kind))
        order = tuple(c for c in _ORDER if c is not _w.rank)
    walk = _walked(conn, base, where, scopes)
    out: list[WorkRow] = []
    for dated in (True, False):
        if after is not None and dated and after[0] == NO_DATE:
            continue  # the cursor is among the undated already
        span = sa.and_(_w.due_key <= where.soon) if dated else (_w.due_key == NO_DATE)
        q = sa.select(*_ROW).where(base, span)
        if after is not None:
            cursor = dict(zip(_ORDER, after, strict=True))
            q = q.where(sa.tuple_(*order) > sa.tuple_(*(sa.literal(cursor[c], c.type) for c in order)))
        out += [WorkRow(*r) for r in conn.execute(_ordered(q, walk, limit - len(out)))]
        if len(out) >= limit:
            break
    return out


# a scope within a province showing at least this many rows today is read by walking the queue's order
# (_walked): its rows are dense enough there (about 101 × the country's rows / WALK_FROM are skipped at
# most); one showing fewer is found by its range of codes and sorted (at most WALK_FROM rows read). At
# 1,000,000 cases a province's 121,157 rows found and sorted took 250 ms, walked in order 9 ms (bench b8)
WALK_FROM = 20_000


def _walked(conn: Connection, base: Any, where: WorkFilter, scopes: Sequence[WorkScope]) -> bool:
    """Whether the page's rows are read in the queue's order from an index, where the rows wanted are
    a large share of those it walks (the country's, a large province's); else, on PostgreSQL, where
    they are a small one (a prefecture's, a small province's) or a search's, found first by the scope's
    range and then sorted: a walk in order would skip the rest of the country's rows to find them
    (bench/queue_scale.py: 1.9 s for a province's search, 1.0 s for a prefecture's first page, walking
    in order), and a search matching nothing would walk them all. (Found first by the trigram index, a
    country's search of 229,152 rows took 5.8 s to sort.)"""
    if conn.dialect.name != "postgresql" or not all(prefix(s.jurisdiction) for s in scopes):
        return True
    return not where.text and _at_least(conn, sa.select(sa.literal(1)).where(base), WALK_FROM)


def _ordered(q: sa.Select, walk: bool, limit: int) -> Any:
    """The rows of `q` in the queue's order, the first `limit`: walked in that order, or found and sorted."""
    if walk:
        return q.order_by(*_ORDER).limit(limit)
    found = q.add_columns(_w.due_key.label("sort_due")).cte("found").prefix_with("MATERIALIZED")
    sort = [found.c.sort_due, *(found.c[c.name] for c in _ORDER[1:])]
    return sa.select(*(found.c[c.name] for c in _ROW)).order_by(*sort).limit(limit)


def _at_least(conn: Connection, q: sa.Select, n: int) -> bool:
    """Whether `q` has `n` rows: counted up to n from the scope's index alone (~3 ms for 20,000)."""
    some = q.limit(n).subquery()
    return conn.execute(sa.select(sa.func.count()).select_from(some)).scalar_one() >= n


def counts(conn: Connection, mine: Sequence[WorkScope], others: Sequence[WorkScope], where: WorkFilter,
           cap: int, scan: int) -> tuple[list[tuple[str, bool, str, int, bool]], bool]:
    """(kind, whether in `mine`, its group by date: overdue | due_soon | no_deadline, how many, more) of
    today's rows of the scopes, of every kind (the filter's `kind` is not applied), each count exact
    up to `cap` (services.work_items.capped). Scopes that each lie within a province or below are
    counted by one GROUP BY over their range of ix_work_items_scope (their rows are few enough to read
    whole, from the index alone); a scope of the country is counted cell by cell, each walking its
    range of ix_work_items_kind_order (rank, due date) up to cap + 1 rows, so the cost is bounded by
    the cells, not by the country's rows (bench/queue_scale.py: 1.1-2.3 s as one GROUP BY).

    A search is counted among at most `scan` + 1 of the scopes' rows shown today, whatever their
    order: each row read from the table to match its names (of one or two characters, no trigram
    index narrows them). The second value says whether the scopes had more rows than that, so each
    count is a floor ("at least"); else they are exact."""
    if where.text:
        found, partial = _searched(conn, mine, others, where, scan)
        return capped(found, cap), partial
    if all(prefix(s.jurisdiction) for s in (*mine, *others)):
        return capped(_grouped(conn, mine, others, where), cap), False
    return capped(_cells(conn, mine, others, where, cap), cap), False


def _searched(conn: Connection, mine: Sequence[WorkScope], others: Sequence[WorkScope], where: WorkFilter,
              scan: int) -> tuple[list[tuple[str, bool, str, int]], bool]:
    is_mine = _scoped(mine)
    read = (sa.select(_w.kind, _w.due_key, sa.case((is_mine, 1), else_=0).label("ours"),
                      sa.case((_matching(where.text), 1), else_=0).label("hit"))
            .where(sa.or_(is_mine, _scoped(others)), _showing(where, search=False),
                   sa.or_(_w.due_key <= where.soon, _w.due_key == NO_DATE))
            .limit(scan + 1).subquery())
    group = _date_group(read.c.due_key, where)
    q = (sa.select(read.c.kind, read.c.ours, group, sa.func.sum(read.c.hit), sa.func.count())
         .group_by(read.c.kind, read.c.ours, group))
    rows = conn.execute(q).all()
    return [(kind, bool(ours), g, int(hits)) for kind, ours, g, hits, _ in rows], sum(r[4] for r in rows) > scan


def _date_group(due_key: Any, where: WorkFilter) -> Any:
    """The group a row's due key puts it in today: the name of the _group condition it meets."""
    return sa.case((due_key == NO_DATE, "no_deadline"), (due_key < where.today, "overdue"), else_="due_soon")


def _group(name: str, where: WorkFilter) -> Any:
    if name == "overdue":
        return _w.due_key < where.today
    if name == "no_deadline":
        return _w.due_key == NO_DATE
    return sa.and_(_w.due_key >= where.today, _w.due_key <= where.soon)


def _grouped(conn: Connection, mine: Sequence[WorkScope], others: Sequence[WorkScope], where: WorkFilter
             ) -> list[tuple[str, bool, str, int]]:
    is_mine = _scoped(mine)
    group = _date_group(_w.due_key, where)
    mine_flag = sa.case((is_mine, 1), else_=0)
    q = (sa.select(_w.kind, mine_flag, group, sa.func.count())
         .where(sa.or_(is_mine, _scoped(others)), _showing(where),
                sa.or_(_w.due_key <= where.soon, _w.due_key == NO_DATE))
         .group_by(_w.kind, mine_flag, group))
    return [(kind, bool(flag), g, n) for kind, flag, g, n in conn.execute(q)]


def _cells(conn: Connection, mine: Sequence[WorkScope], others: Sequence[WorkScope], where: WorkFilter,
           cap: int) -> list[tuple[str, bool, str, int]]:
    """Each (kind, mine, group) counted to cap + 1 rows at most, in one statement."""
    selects = []
    for kind in KINDS:
        ours = [s.jurisdiction for s in mine if kind in s.kinds]
        theirs = [s.jurisdiction for s in others if kind in s.kinds]
        in_ours = sa.or_(sa.false(), *(_within(j) for j in ours))
        for flag, scope in ((True, in_ours), (False, sa.and_(sa.or_(sa.false(), *(_within(j) for j in theirs)),
                                                               sa.not_(in_ours)))):
            if not (ours if flag else theirs):
                continue
            for name in ("overdue", "due_soon", "no_deadline"):
                # by rank, not kind: the walk is a range of ix_work_items_kind_order, read from it alone
                walk = (sa.select(sa.literal(1))
                        .where(_w.rank == KINDS.index(kind), _group(name, where), scope, _showing(where))
                        .limit(cap + 1).subquery())
                n = sa.select(sa.func.count()).select_from(walk).scalar_subquery()
                selects.append(sa.select(sa.literal(kind), sa.literal(flag), sa.literal(name), n))
    if not selects:
        return []
    return [(kind, bool(flag), g, n) for kind, flag, g, n in conn.execute(sa.union_all(*selects))]
