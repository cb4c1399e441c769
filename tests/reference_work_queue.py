"""The work queue as services.work_queue computed it before issue 16, kept as the reference the
projection's answers are held to (tests/integration/test_work_items.py): every case in scope read,
its timers and snapshot, every item built in Python and sorted."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from services.ports import CaseFilter, CaseSummary, CaseTimer
from services.queries import every_case
from services.runtime import Runtime
from services.values import User
from services.work_queue import HORIZON, TIMER_KINDS, WAITING, Item, _whose
from statemachines.case import Case
from statemachines.lifecycle import OPEN_STATES
from statemachines.timers import awaiting_review

_OVERDUE_REPORT = "annual_report_overdue:"
_PAYING = ("recognized", "assessed")


def reference_queue(rt: Runtime, user: User, today: date, *, kind: str | None = None,
               q: str = "") -> tuple[list[Item], Counter[str]]:
    """The items to show (filtered) and the counts per kind (of the search, before the kind filter)."""
    rows = [r for r in _cases(rt, user) if _matches(r, q)]
    in_force = [r.id for r in rows if r.state in OPEN_STATES and r.state not in ("applied", "inspected")]
    revoked = [r.id for r in rows if r.state == "revoked"]
    with rt.reads() as uow:
        timers: dict[str, list[CaseTimer]] = {}
        for stored in uow.timers.of_cases(in_force, TIMER_KINDS):
            timers.setdefault(stored.case_id, []).append(stored)
        # of the revoked cases, only those with money owed back (R20) are read further
        for stored in uow.timers.of_cases(revoked, ("clawback",)):
            timers.setdefault(stored.case_id, []).append(stored)
        wanted = [r.id for r in rows if r.state in OPEN_STATES or r.id in timers]
        snapshots = {c.id: c for c in uow.cases.many(wanted)}
    items: list[Item] = []
    for row in rows:
        case = snapshots.get(row.id)
        if case is None:
            continue
        found = _items_of(row, case, timers.get(row.id, []), today)
        if row.state in WAITING:
            found.insert(0, _item(row, WAITING[row.state], None, today))
        items += _whose(found, user, case, rt.policies.get(case.policy_id, case.policy_version), today)
    counts = Counter(i.kind for i in items)
    if kind:
        items = [i for i in items if i.kind == kind]
    items.sort(key=lambda i: i.order)
    return items, counts


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
    # the fired timers whose consequence waits for a person, and each annual report the sweep found
    # overdue (R7): its flag stays up until the report is recorded
    waiting = set(awaiting_review(case)) | {("annual_report", f[len(_OVERDUE_REPORT):])
                                            for f in case.flags if f.startswith(_OVERDUE_REPORT)}
    out = [_item(row, s.timer.kind, s.timer.due_on, today, s.timer.key)
           for s in sorted(timers, key=lambda s: (s.timer.due_on, s.timer.kind, s.timer.key))
           if (not s.fired and s.timer.due_on <= _horizon(s.timer.kind, today, horizon))
           or (s.fired and s.timer.ident in waiting)]
    if row.state in OPEN_STATES:  # a complaint left on a revoked case is no one's work any more
        out += [_item(row, "complaint", None, today, c.id) for c in case.complaints if c.valid is None]
        # R11: an instalment due today or before and not yet paid (in full), whether or not swept
        out += [_item(row, "instalment", i.due_on, today, str(i.number)) for i in case.instalments
                if i.status in ("scheduled", "due") and i.due_on <= today and row.state in _PAYING]
    out += [_item(row, "objection", None, today, o.id) for o in case.open_objections()]
    return out


def _horizon(kind: str, today: date, horizon: date) -> date:
    # an annual report is the base's to file: the queue has it only once its deadline has passed
    return today - timedelta(days=1) if kind == "annual_report" else horizon


def _item(row: CaseSummary, kind: str, due: date | None, today: date, detail: str = "") -> Item:
    return Item(kind, row.id, row.base_name, row.operator_code, row.operator_name, row.level, row.state, due,
                due is not None and due < today, detail)
