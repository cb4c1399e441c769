"""The work queue: the cases in the user's jurisdictions that need someone to act.

Overdue first, then due within 30 days, then work without a deadline (an inspection or an
approval waiting, a complaint to verify). Built from the cases as stored and the timers the
domain derives from them, so the queue shows what the sweep would fire.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from services import cases
from services.ports import CaseFilter, CaseSummary
from services.queries import every_case
from services.runtime import Runtime
from services.users import User
from statemachines.case import Case
from statemachines.lifecycle import OPEN_STATES
from statemachines.periods import move_off_rest_days, period_end
from statemachines.timers import timers_for

KINDS = ("inspection", "approval", "assessment", "rectification", "complaint", "reevaluation")
HORIZON = timedelta(days=30)


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


def open_cases(rt: Runtime, user: User) -> list[CaseSummary]:
    scopes = tuple(user.scopes(("caseworker", "supervisor", "auditor", "admin")))
    return [r for r in every_case(rt, CaseFilter(scopes=scopes)) if r.state in OPEN_STATES]


def items_of(rt: Runtime, row: CaseSummary, today: date) -> list[Item]:
    def item(kind: str, due: date | None, detail: str = "") -> Item:
        return Item(kind, row.id, row.base_name, row.operator_code, row.operator_name, row.level, row.state, due,
                    due is not None and due < today, detail)

    if row.state == "applied":
        return [item("inspection", None)]
    if row.state == "inspected":
        return [item("approval", None)]
    case = cases.get_case(rt, row.id)
    policy = rt.policies.get(case.policy_id, case.policy_version)
    out = []
    for t in timers_for(case, policy, rt.calendar):
        if t.kind in ("assessment", "rectification", "reevaluation") and t.due_on <= today + HORIZON:
            out.append(item(t.kind, t.due_on, t.key))
    out += [item(kind, due, key) for kind, due, key in _overdue_reviews(case, policy, rt)]
    out += [item("complaint", None, c.id) for c in case.complaints if c.valid is None]
    return out


def _overdue_reviews(case: Case, policy, rt: Runtime) -> list[tuple[str, date, str]]:
    """Work whose timer has fired and is now a flag on the case, with the date it was due."""
    out = []
    for flag in case.flags:
        if flag.startswith("assessment_overdue:") and case.period is not None:
            number, index = (int(x) for x in flag.split(":", 1)[1].split("."))
            offsets = policy.assessment_offsets()
            if number == case.period.number and index <= len(offsets):
                due = move_off_rest_days(period_end(case.period.start, offsets[index - 1]), rt.calendar).date
                out.append(("assessment", due, f"{number}.{index}"))
    if case.has_flag("rectification_review_due") and case.rectification is not None:
        out.append(("rectification", case.rectification.deadline, "review"))
    if case.has_flag("reevaluation_review_due") and case.period is not None:
        out.append(("reevaluation", case.period.end, str(case.period.number)))
    return out


def work_queue(rt: Runtime, user: User, today: date, *, kind: str | None = None,
               q: str = "") -> tuple[list[Item], Counter]:
    """The items to show (filtered) and the counts per kind (of the search, before the kind filter)."""
    needle = q.strip().casefold()
    items = []
    for row in open_cases(rt, user):
        if needle and not any(needle in text.casefold() for text in (row.base_name, row.operator_name,
                                                                    row.operator_code)):
            continue
        items += items_of(rt, row, today)
    counts = Counter(i.kind for i in items)
    if kind:
        items = [i for i in items if i.kind == kind]
    order = {"overdue": 0, "due_soon": 1, "no_deadline": 2}
    items.sort(key=lambda i: (order[i.group], i.due_on or date.max, KINDS.index(i.kind), i.base_name))
    return items, counts
