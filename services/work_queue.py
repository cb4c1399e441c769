"""The work queue: the cases in the user's jurisdictions that need someone to act.

Overdue first, then due within the horizon, then work without a deadline (an inspection or an
approval waiting, a complaint to verify, a suspension to end by 撤销 or 恢复); of the cases that ended,
a revoked one that owes money back by a deadline (R20). An annual report past its deadline (R7) and
an instalment due today or before (R11) wait until someone records them.

Each item is the user's when they may record one of the acts that do it (services.authz, four eyes
kept), or, for work not yet open (an assessment due next month), when their role may record it. Work
only a supervisor may do is shown to the others in a read-only group of its own ("awaiting"), so a
caseworker sees what waits for a decision without taking it for theirs (issue 15).

Read from what is stored, in a few queries whatever the number of cases: the open cases in scope,
their timers (the ones the sweep would fire, and the fired ones whose review still waits, with the
date they were due) and the snapshots of the cases.
"""
from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from services.authz import ACT_ROLES, permitted_acts
from services.ports import CaseFilter, CaseSummary, CaseTimer
from services.queries import every_case
from services.runtime import Runtime
from services.values import User
from statemachines.acts import allowed_acts
from statemachines.case import Case
from statemachines.catalogue import DECISION
from statemachines.lifecycle import OPEN_STATES
from statemachines.policy import Policy
from statemachines.timers import awaiting_review

KINDS = ("inspection", "approval", "assessment", "rectification", "complaint", "reevaluation", "objection",
         "clawback", "annual_report", "suspension", "instalment")
# the timer kinds that are someone's work (a ban's end or a notice's end is not; an instalment is read
# from the case, which says whether it is paid); money owed back (R20) is work on a revoked case,
# the one kind after the case has ended
TIMER_KINDS = ("assessment", "rectification", "reevaluation", "clawback", "annual_report")
# the acts that do each kind of work: the item is the user's when they may record one of them. 待批复
# is the approval's (R5): the supervisor who inspected may still refuse, but the approval waits for another
ACTS: dict[str, tuple[str, ...]] = {
    "inspection": ("inspect",), "approval": ("approve",), "assessment": ("record_assessment",),
    "rectification": ("record_rectification", "revoke"), "complaint": ("verify_complaint",),
    "reevaluation": ("reevaluate",), "objection": ("decide_objection",), "clawback": ("record_repayment",),
    "annual_report": ("submit_annual_report",), "suspension": ("reinstate", "revoke"),
    "instalment": ("record_payment",),
}
# kinds of work most departments rarely have: offered as a filter, with a count, only when there is some
OCCASIONAL = ("clawback", "suspension")
# kinds only some policies give rise to: an objection to a public notice (R22) needs a policy that has one
_NOTICE_KINDS = ("objection",)
# work due this far ahead is shown as due soon; a page setting, not a policy figure
HORIZON = timedelta(days=30)
# states whose only work is the next act of a person, with no timer
WAITING = {"applied": "inspection", "inspected": "approval", "suspended": "suspension"}
# "awaiting": work another person must do (a supervisor's decision), shown read-only
GROUPS = ("overdue", "due_soon", "no_deadline", "awaiting")
_OVERDUE_REPORT = "annual_report_overdue:"
# the states in which an instalment is paid (R11): a suspension holds payment back
_PAYING = ("recognized", "assessed")


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
    mine: bool = True  # False: someone else's to do (a supervisor's decision), shown read-only

    @property
    def group(self) -> str:
        if not self.mine:
            return "awaiting"
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


def _whose(items: list[Item], user: User, case: Case, policy: Policy, today: date) -> list[Item]:
    """The items the user may do, and the decisions only others may take marked as theirs (read-only);
    work of a kind the user's roles never do (an auditor's queue) is left out."""
    if not items:
        return []
    permitted = set(permitted_acts(user, case, policy, today))
    legal = set(allowed_acts(case, policy, today))
    roles = user.roles_in(case.jurisdiction)
    out = []
    for item in items:
        acts = ACTS[item.kind]
        if permitted & set(acts):
            out.append(item)
        elif not legal & set(acts) and any(roles & set(ACT_ROLES[a]) for a in acts):
            # not open yet (an assessment due next month, an instalment the sweep has not yet made
            # due): the user's to do once it is
            out.append(item)
        elif all(set(ACT_ROLES[a]) <= set(DECISION) for a in acts):
            out.append(replace(item, mine=False))
    return out


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
