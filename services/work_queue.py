"""The work queue: the cases in the user's jurisdictions that need someone to act.

Overdue first, then due within the horizon, then work without a deadline (an inspection or an
approval waiting, a complaint to verify, a suspension to end by 撤销 or 恢复); of the cases that ended,
a revoked one that owes money back by a deadline (R20). An annual report past its deadline (R7) and
an instalment due today or before (R11) wait until someone records them.

Each item is the user's when they may record one of the acts that do it (services.authz, four eyes
kept), or, for work not yet open (an assessment due next month), when their role may record it. Work
only a supervisor may do is shown to the others in a read-only group of its own ("awaiting"), so a
caseworker sees what waits for a decision without taking it for theirs (issue 15).

Read from the work_items projection (issue 16; services.work_items derives it with each act): a page
is the rows after a cursor in the queue's order (keyset), in batches until the page is full, the
user's own first (the kinds their roles do, in their grants' jurisdictions), then the decisions that
await others; only the snapshots of a batch's cases are read, to decide whose each item is. The
counts are SQL over the rows, by role: an item a supervisor may not take by four eyes (R5) is counted
in its date's group, and shown in the awaiting one. Each (kind, group) count is exact up to a cap
(10,000; 1,000 for a search) and past it says "more than" (db/work_items.py counts); a search of a
scope with more than SEARCH_SCAN items shown is counted among that many, each figure "at least".
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from services.authz import ACT_ROLES, permitted_acts
from services.case_listing import count_cap
from services.runtime import Runtime
from services.values import BUSINESS_ROLES, User
from services.work_items import KINDS, TIMER_KINDS, WAITING, WorkFilter, WorkRow, WorkScope
from statemachines.acts import allowed_acts
from statemachines.case import Case
from statemachines.catalogue import DECISION
from statemachines.policy import Policy

__all__ = ["GROUPS", "HORIZON", "KINDS", "TIMER_KINDS", "WAITING", "Item", "QueuePage", "kinds_offered",
           "kinds_to_offer", "queue_page", "work_queue"]

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
# "awaiting": work another person must do (a supervisor's decision), shown read-only
GROUPS = ("overdue", "due_soon", "no_deadline", "awaiting")
# the kinds only a supervisor does: shown to everyone else in scope, read-only (awaiting)
DECISION_KINDS = tuple(k for k in KINDS if all(set(ACT_ROLES[a]) <= set(DECISION) for a in ACTS[k]))
# at most this many candidate rows read at a time while a page fills (some may not be the user's)
BATCH = 500
# a search's counts read at most this many of the scope's rows shown today, each from the table (a
# fragment of one or two characters has no trigram index to narrow them): a province's or the
# country's search is counted among the first of them, its figures then floors ("at least"),
# so the count costs what a prefecture's does (bench/queue_scale.py)
SEARCH_SCAN = 20_000


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


@dataclass(frozen=True)
class QueuePage:
    items: list[Item]
    more: bool  # items follow the page's last
    counts: Counter[str]  # per kind, of the search, before the kind filter
    group_totals: dict[str, int]  # per group, of the search and the kind filter
    total: int
    # the kinds and groups (and whether the total) whose figure is a floor: "more than" it (issue 16:
    # each count stops past its cap, services.work_items.capped)
    counts_more: frozenset[str] = frozenset()
    groups_more: frozenset[str] = frozenset()
    total_more: bool = False
    # a search counted among the first SEARCH_SCAN rows of a larger scope: every figure not "more
    # than" is "at least" it
    partial: bool = False


def queue_page(rt: Runtime, user: User, today: date, *, kind: str | None = None, q: str = "",
               after: tuple[Any, ...] | None = None, size: int = 100, cap: int | None = None,
               scan: int | None = None) -> QueuePage:
    """The `size` items after the one whose order is `after` (from the first without), and the counts:
    a later page starts after what the last one showed, even if items came or went. Each count of a
    kind in a group stops past `cap` (by default services.case_listing.count_cap: fewer for a search);
    a search is counted among `scan` rows at most (SEARCH_SCAN)."""
    cap = count_cap(q.strip()) if cap is None else cap
    mine, others = _scopes(user)
    where = WorkFilter(today, today + HORIZON, q.strip(), kind)
    with rt.reads() as uow:
        counted, partial = uow.cases.work_counts(mine, others, where, cap, SEARCH_SCAN if scan is None else scan)
        items = _mine(rt, uow, user, today, mine, where, after, size + 1)
        if len(items) <= size:
            items += _awaiting(rt, uow, user, today, others, where, after, size + 1 - len(items))
    counts: Counter[str] = Counter()
    totals = dict.fromkeys(GROUPS, 0)
    counts_more: set[str] = set()
    groups_more: set[str] = set()
    for k, ours, group, n, more in counted:
        counts[k] += n
        if kind is None or k == kind:
            totals[group if ours else "awaiting"] += n
        if more:  # a cell past its cap: every sum it is in is "more than" that sum
            counts_more.add(k)
            if kind is None or k == kind:
                groups_more.add(group if ours else "awaiting")
    return QueuePage(items[:size], len(items) > size, counts, totals, sum(totals.values()),
                     frozenset(counts_more), frozenset(groups_more), bool(groups_more), partial)


def work_queue(rt: Runtime, user: User, today: date, *, kind: str | None = None,
               q: str = "") -> tuple[list[Item], Counter[str]]:
    """Every item to show (filtered) and the counts per kind (of the search, before the kind filter):
    for small scopes and tests; the pages read one page at a time (queue_page)."""
    page = queue_page(rt, user, today, kind=kind, q=q, size=10**9)
    return page.items, page.counts


def _scopes(user: User) -> tuple[list[WorkScope], list[WorkScope]]:
    """The user's own work (each business grant's jurisdiction, the kinds its role does) and the
    decisions that may await others (every jurisdiction the user works on)."""
    by_scope: dict[str, set[str]] = {}
    for g in user.grants:
        if g.revoked_at is None and g.role in BUSINESS_ROLES:
            by_scope.setdefault(g.jurisdiction, set()).update(
                k for k in KINDS if any(g.role in ACT_ROLES[a] for a in ACTS[k]))
    mine = [WorkScope(j, tuple(k for k in KINDS if k in kinds)) for j, kinds in sorted(by_scope.items())]
    return mine, [WorkScope(j, DECISION_KINDS) for j in user.scopes()]


def _key(order: tuple[Any, ...]) -> tuple[date, int, str, str, str]:
    """The row key (WorkRow.key) of an item's order."""
    return (date.fromisoformat(order[1]), order[2], order[3], order[4], order[5])


def _mine(rt: Runtime, uow: Any, user: User, today: date, scopes: list[WorkScope], where: WorkFilter,
          after: tuple[Any, ...] | None, wanted: int) -> list[Item]:
    if after is not None and after[0] >= GROUPS.index("awaiting"):
        return []
    return _collect(rt, uow, user, today, scopes, where, None if after is None else _key(after), wanted, True)


def _awaiting(rt: Runtime, uow: Any, user: User, today: date, scopes: list[WorkScope], where: WorkFilter,
              after: tuple[Any, ...] | None, wanted: int) -> list[Item]:
    cursor = _key(after) if after is not None and after[0] == GROUPS.index("awaiting") else None
    return _collect(rt, uow, user, today, scopes, where, cursor, wanted, False)


def _collect(rt: Runtime, uow: Any, user: User, today: date, scopes: list[WorkScope], where: WorkFilter,
             cursor: tuple[date, int, str, str, str] | None, wanted: int, mine: bool) -> list[Item]:
    """Up to `wanted` items, in order, that are the user's (`mine`) or await another: candidate rows read
    in keyset batches, each batch's cases read to decide (four eyes)."""
    out: list[Item] = []
    batch = max(1, min(wanted, BATCH))
    while len(out) < wanted:
        rows = uow.cases.work_page(scopes, where, cursor, batch)
        if not rows:
            break
        out += [i for i in _decide(rt, uow, user, today, rows) if i.mine == mine]
        if len(rows) < batch:
            break
        cursor = rows[-1].key
    return out[:wanted]


def _decide(rt: Runtime, uow: Any, user: User, today: date, rows: list[WorkRow]) -> list[Item]:
    """The rows' items as the user sees them (theirs, another's, or not shown), in the rows' order."""
    cases = {c.id: c for c in uow.cases.many(list(dict.fromkeys(r.case_id for r in rows)))}
    out = []
    for row in rows:
        case = cases.get(row.case_id)
        if case is None:
            continue
        item = Item(row.kind, row.case_id, row.base_name, row.operator_code, row.operator_name, row.level,
                    row.state, row.due_on, row.due_on is not None and row.due_on < today, row.detail)
        out += _whose([item], user, case, rt.policies.get(case.policy_id, case.policy_version), today)
    return out


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


def kinds_to_offer(counts: Counter[str], chosen: str = "") -> list[str]:
    """The kinds to filter by: every usual one, and an occasional one where there is such work."""
    return [k for k in KINDS if k not in OCCASIONAL or counts[k] or k == chosen]


def kinds_offered(rt: Runtime) -> tuple[str, ...]:
    """The kinds of work the loaded policies can give rise to, in the queue's order."""
    notices = any(p.public_notice_period is not None for p in rt.policies)
    return tuple(k for k in KINDS if notices or k not in _NOTICE_KINDS)
