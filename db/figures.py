"""The projections the published figures are counted from (issue 16): writing them in the act's own
transaction, counting them with GROUP BY, and back-filling them (migration 0017, `audit rebuild-figures`).

The rows are `statemachines.figures`'s. An act whose events all fall on one date, no earlier than the
case's last day row, and correct nothing (the usual act) touches two rows at most: the case after the
act is the case as of that date. Any other batch (a correction, a back-dated event, several dates, a
rewrite without events) derives the case's rows again from its whole history, read in the same
transaction.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db import counts
from db import tables as t
from db.driver_path import DriverStatement
from statemachines.case import Case
from statemachines.events import Event
from statemachines.figures import TallyRow, day_values, tally_rows, values_of
from statemachines.jurisdiction import prefix
from statemachines.lifecycle import IN_FORCE
from statemachines.replay import PolicyLookup

_d, _t = t.case_days.c, t.case_tallies.c
DAY_KEYS = ("on", "until", "jurisdiction", "level", "state", "ban_first_day", "ban_last_day", "ban_ended_on")
TALLY_KEYS = ("seq", "on", "year", "jurisdiction", "figure", "grade", "ground")
# the statements every act runs, on the driver's cursor (db.driver_path: SQLAlchemy's execution
# cost more than the statements themselves, bench b1)
_INSERT_DAY = DriverStatement(t.case_days.insert(), ("case_id", *DAY_KEYS))
_INSERT_TALLY = DriverStatement(t.case_tallies.insert(), ("case_id", *TALLY_KEYS))
# a later day: the case's last row ends where the new one begins (none: the act is not later)
_CLOSE_LAST = DriverStatement(t.case_days.update().where(
    _d.case_id == sa.bindparam("k_case_id"), _d.until.is_(None), _d.on < sa.bindparam("k_on")), ("until",))
# another act of the last row's day: that row is the case after it
_SAME_DAY = DriverStatement(t.case_days.update().where(
    _d.case_id == sa.bindparam("k_case_id"), _d.until.is_(None), _d.on == sa.bindparam("k_on")), DAY_KEYS[2:])


def write(conn: Connection, case: Case, events: Sequence[Event], policy_of: PolicyLookup | None, *,
          fresh: bool = False) -> None:
    """The case's day and tally rows after an act (see the module's docstring)."""
    if events and all(e.on == events[0].on and e.act != "correct" for e in events):
        on = events[0].on
        values = dict(zip(DAY_KEYS, values_of(case, on, None), strict=True))
        key = {"k_case_id": case.id, "k_on": on}
        if fresh or _CLOSE_LAST.run(conn, {**key, "until": on}) == 1:
            _INSERT_DAY.run(conn, {"case_id": case.id, **values})
        elif _SAME_DAY.run(conn, {**key, **values}) != 1:  # an earlier day than the last row's, or no rows
            rewrite(conn, case.id, case.jurisdiction, None, policy_of)
            return
        _insert_tallies(conn, case.id, tally_rows(list(events), case.jurisdiction))
        return
    rewrite(conn, case.id, case.jurisdiction, None, policy_of)


def rewrite(conn: Connection, case_id: str, jurisdiction: str, events: list[Event] | None,
            policy_of: PolicyLookup | None, *, counted: bool = True) -> None:
    """The case's rows derived again from its whole history (`events`, or read now). `counted`: the
    flows' counters follow (not in migration 0017's back-fill, which runs before they exist: 0022
    counts them from the rows)."""
    from db.event_reader import case_events

    history = case_events(conn, case_id) if events is None else events
    conn.execute(t.case_days.delete().where(_d.case_id == case_id))
    delete = t.case_tallies.delete().where(_t.case_id == case_id)
    # the flows' counters lose what the case's old tallies added (db/counts.py)
    dropped = counts.tally_deltas(conn.execute(delete.returning(_t.jurisdiction, _t.year, _t.figure, _t.grade,
                                                                _t.ground)), -1) if counted else None
    if not counted:
        conn.execute(delete)
    days = day_values(history, policy_of or _shipped_policies())
    if days:
        _INSERT_DAY.run_many(conn, [{"case_id": case_id, **dict(zip(DAY_KEYS, v, strict=True))} for v in days])
    _insert_tallies(conn, case_id, tally_rows(history, jurisdiction), dropped, counted=counted)


def _shipped_policies() -> PolicyLookup:
    """For a write that named no policies (a tool or test writing a case directly): the shipped
    book. Every service passes its runtime's."""
    from services.policies import default_policies

    return default_policies().get


def _insert_tallies(conn: Connection, case_id: str, rows: Iterable[TallyRow],
                    deltas: Counter[counts.YearKey] | None = None, *, counted: bool = True) -> None:
    values = [{"case_id": case_id, "seq": r.seq, "on": r.on, "year": r.year, "jurisdiction": r.jurisdiction,
               "figure": r.figure, "grade": r.grade, "ground": r.ground} for r in rows]
    if values:
        _INSERT_TALLY.run_many(conn, values)
    if not counted:
        return
    deltas = deltas or Counter()
    deltas.update(counts.tally_deltas((v["jurisdiction"], v["year"], v["figure"], v["grade"], v["ground"])
                                      for v in values))
    counts.shift(conn, t.year_counts, deltas)


def code_range(column: Any, scope: str) -> Any:
    """`column` within the scope: a range of codes, which a btree serves under any collation (a LIKE
    prefix may not: PostgreSQL with a non-C collation), for codes of digits; `startswith` otherwise."""
    lead = prefix(scope)
    if not lead:
        return sa.true()
    if not lead.isdigit():
        return column.startswith(lead, autoescape=True)
    if set(lead) == {"9"}:
        return column >= lead
    return sa.and_(column >= lead, column < str(int(lead) + 1).zfill(len(lead)))


def _as_of(day: date) -> Any:
    return sa.and_(_d.on <= day, sa.or_(_d.until.is_(None), _d.until > day))


def _ban_in_force(day: date) -> Any:
    return sa.and_(_d.ban_first_day.is_not(None), _d.ban_ended_on.is_(None), _d.ban_first_day <= day,
                   sa.or_(_d.ban_last_day.is_(None), _d.ban_last_day >= day))


def _known_by(day: date) -> Any:
    """The tally's case stood by `day` (statistics counts the flows of the cases it counts): its own
    event shows it when dated by then; one dated later asks for an earlier day row."""
    earlier = sa.select(sa.literal(1)).where(_d.case_id == _t.case_id, _d.on <= day).exists()
    return sa.or_(_t.on <= day, earlier)


class SqlFigureRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def as_of_counts(self, jurisdiction: str, day: date) -> list[tuple[str, str, int, int]]:
        if counts.settled(self.conn, day):  # today, usually: summed from the counters (db/counts.py)
            return counts.as_of_now(self.conn, jurisdiction, day)
        banned = sa.func.sum(sa.case((_ban_in_force(day), 1), else_=0))
        rows = self.conn.execute(
            sa.select(_d.level, _d.state, sa.func.count(), banned)
            .where(code_range(_d.jurisdiction, jurisdiction), _as_of(day))
            .group_by(_d.level, _d.state).order_by(_d.level, _d.state))
        return [(level, state, n, int(b or 0)) for level, state, n, b in rows]

    def tally_counts(self, jurisdiction: str, year: int, day: date) -> list[tuple[str | None, str | None,
                                                                                  str | None, int]]:
        if counts.settled(self.conn, day):
            return counts.year_tallies(self.conn, jurisdiction, year)
        rows = self.conn.execute(
            sa.select(_t.figure, _t.grade, _t.ground, sa.func.count())
            .where(_t.year == year, code_range(_t.jurisdiction, jurisdiction), _known_by(day))
            .group_by(_t.figure, _t.grade, _t.ground))
        return [tuple(r) for r in rows]

    def counted(self, jurisdiction: str, year: int, day: date, figure: str) -> list[str]:
        if figure == "recognized":
            q = sa.select(_d.case_id).where(code_range(_d.jurisdiction, jurisdiction), _as_of(day),
                                            _d.state.in_(IN_FORCE)).order_by(_d.case_id)
        else:
            q = (sa.select(_t.case_id).where(_t.year == year, code_range(_t.jurisdiction, jurisdiction),
                                             _t.figure == figure, _known_by(day))
                 .distinct().order_by(_t.case_id))
        return list(self.conn.execute(q).scalars())

    def flows(self, jurisdiction: str, years: Sequence[int]) -> list[tuple[int, str, int]]:
        """Summed from the counters (db/counts.py), not counted over the tallies."""
        return counts.flows(self.conn, jurisdiction, years) if years else []

    def grid(self, jurisdiction: str, scopes: Sequence[str] | None) -> list[tuple[str, str, int]]:
        """Summed from the counters (db/counts.py), not counted over the cases."""
        return counts.grid(self.conn, jurisdiction, scopes)

    def rewrite(self, case_id: str, jurisdiction: str, events: list[Event], policy_of: PolicyLookup) -> None:
        rewrite(self.conn, case_id, jurisdiction, events, policy_of)

    def recount(self) -> dict[str, int]:
        return counts.rebuild(self.conn)

    def counter_drift(self) -> list[tuple[str, tuple[Any, ...], int, int]]:
        return counts.drift(self.conn)


def backfill(conn: Connection, policy_of: PolicyLookup, page: int = 500) -> int:
    """Every case's rows from its history (migration 0017): each case replayed once. Returns the cases.
    The flows' counters are not kept here (see `rewrite`): `db.counts.rebuild` counts them after."""
    from db.event_reader import events_of_cases

    done, after = 0, ""
    c = t.cases.c
    while True:
        batch = conn.execute(sa.select(c.id, c.jurisdiction).where(c.id > after).order_by(c.id).limit(page)).all()
        if not batch:
            return done
        events = events_of_cases(conn, [case_id for case_id, _ in batch])
        for case_id, jurisdiction in batch:
            rewrite(conn, case_id, jurisdiction, events.get(case_id, []), policy_of, counted=False)
        done, after = done + len(batch), batch[-1][0]
