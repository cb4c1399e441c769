"""The work queue: the cases in the user's jurisdictions that need someone to act.

Overdue first, then due within the horizon, then work without a deadline (an inspection or an
approval waiting, a complaint to verify); of the cases that ended, a revoked one that owes money
back by a deadline (R20). Read from what is stored, in a few queries whatever the
number of cases: the open cases in scope, their timers (the ones the sweep would fire, and the fired
ones whose review still waits, with the date they were due) and the snapshots of the cases in force.
"""
from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.ports import CaseFilter, CaseSummary, CaseTimer
from services.queries import every_case
from services.runtime import Runtime
from services.values import User
from statemachines.case import Case
from statemachines.lifecycle import OPEN_STATES
from statemachines.timers import awaiting_review

KINDS = ("inspection", "approval", "assessment", "rectification", "complaint", "reevaluation", "objection",
         "clawback")
# the timer kinds that are someone's work (an annual report, a ban's end or an instalment is not);
# money owed back (R20) is work on a revoked case, the one kind after the case has ended
TIMER_KINDS = ("assessment", "rectification", "reevaluation", "clawback")
# kinds of work most departments rarely have: offered as a filter, with a count, only when there is some
OCCASIONAL = ("clawback",)
# kinds only some policies give rise to: an objection to a public notice (R22) needs a policy that has one
_NOTICE_KINDS = ("objection",)
# work due this far ahead is shown as due soon; a page setting, not a policy figure
HORIZON = timedelta(days=30)
# states whose only work is the next act of a person, with no timer
WAITING = {"applied": "inspection", "inspected": "approval"}
GROUPS = ("overdue", "due_soon", "no_deadline")


@dataclass(frozen=True)
class Item:
    kind: str
    case_id: str
    base_name: str
    operator_code: str
    operator_name: str
    level: str
    state: str
    due_on: date | None
    overdue: bool
    detail: str = ""

    @property
    def group(self) -> str:
        return "overdue" if self.overdue else "due_soon" if self.due_on else "no_deadline"

    @property
    def order(self) -> tuple[int, str, int, str, str, str]:
        """Where it stands in the queue: overdue first, then by due date, kind and base; unique
        (the case and what the item is about close it), so a page can start after one (keyset)."""
        return (GROUPS.index(self.group), (self.due_on or date.max).isoformat(), KINDS.index(self.kind),
                self.base_name, self.case_id, self.detail)


def work_queue(rt: Runtime, user: User, today: date, *, kind: str | None = None,
               q: str = "") -> tuple[list[Item], Counter[str]]:
    """The items to show (filtered) and the counts per kind (of the search, before the kind filter)."""
    rows = [r for r in _cases(rt, user) if _matches(r, q)]
    in_force = [r.id for r in rows if r.state in OPEN_STATES and r.state not in WAITING]
    revoked = [r.id for r in rows if r.state == "revoked"]
    with rt.reads() as uow:
        timers: dict[str, list[CaseTimer]] = {}
        for stored in uow.timers.of_cases(in_force, TIMER_KINDS):
            timers.setdefault(stored.case_id, []).append(stored)
        # of the revoked cases, only those with money owed back (R20) are read further
        for stored in uow.timers.of_cases(revoked, ("clawback",)):
            timers.setdefault(stored.case_id, []).append(stored)
        snapshots = {c.id: c for c in uow.cases.many([*in_force, *(i for i in revoked if i in timers)])}
    items: list[Item] = []
    for row in rows:
        if row.state in WAITING:
            items.append(_item(row, WAITING[row.state], None, today))
        elif row.id in snapshots:
            items += _items_of(row, snapshots[row.id], timers.get(row.id, []), today)
    counts = Counter(i.kind for i in items)
    if kind:
        items = [i for i in items if i.kind == kind]
    items.sort(key=lambda i: i.order)
    return items, counts


def page_after(items: list[Item], after: tuple[Any, ...] | None, size: int) -> tuple[list[Item], bool]:
    """The `size` items after the one whose order is `after` (from the first without), and whether
    more follow: a later page starts after what the last one showed, even if items came or went."""
    start = 0 if after is None else bisect.bisect_right([i.order for i in items], tuple(after))
    return items[start:start + size], start + size < len(items)


def kinds_to_offer(counts: Counter[str], chosen: str = "") -> list[str]:
    """The kinds to filter by: every usual one, and an occasional one where there is such work."""
    return [k for k in KINDS if k not in OCCASIONAL or counts[k] or k == chosen]


def kinds_offered(rt: Runtime) -> tuple[str, ...]:
    """The kinds of work the loaded policies can give rise to, in the queue's order."""
    notices = any(p.public_notice_period is not None for p in rt.policies)
    return tuple(k for k in KINDS if notices or k not in _NOTICE_KINDS)


def _cases(rt: Runtime, user: User) -> list[CaseSummary]:
    """The open cases in the user's scope, and the revoked ones, which may owe money back (R20)."""
    scopes = tuple(user.scopes())
    return [r for r in every_case(rt, CaseFilter(scopes=scopes)) if r.state in (*OPEN_STATES, "revoked")]


def _matches(row: CaseSummary, q: str) -> bool:
    needle = q.strip().casefold()
    return not needle or any(needle in text.casefold() for text in (row.base_name, row.operator_name,
                                                                   row.operator_code))


def _items_of(row: CaseSummary, case: Case, timers: list[CaseTimer], today: date) -> list[Item]:
    horizon = today + HORIZON
    waiting = set(awaiting_review(case))
    out = [_item(row, s.timer.kind, s.timer.due_on, today, s.timer.key)
           for s in sorted(timers, key=lambda s: (s.timer.due_on, s.timer.kind, s.timer.key))
           if (not s.fired and s.timer.due_on <= horizon) or (s.fired and s.timer.ident in waiting)]
    if row.state in OPEN_STATES:  # a complaint left on a revoked case is no one's work any more
        out += [_item(row, "complaint", None, today, c.id) for c in case.complaints if c.valid is None]
    out += [_item(row, "objection", None, today, o.id) for o in case.open_objections()]
    return out


def _item(row: CaseSummary, kind: str, due: date | None, today: date, detail: str = "") -> Item:
    return Item(kind, row.id, row.base_name, row.operator_code, row.operator_name, row.level, row.state, due,
                due is not None and due < today, detail)
