"""The work queue's items as a projection (issue 16): what each case gives the queue whatever the day.

`work_items_of` is the one derivation of a case's items from its snapshot and its stored timers
(pending or fired): db/repository.py writes its result in the act's own transaction (table
`work_items`), and `audit verify` holds the stored rows to it (services.projections). The day only
decides which of them show (`window`, read with today's date in SQL), and who sees an item as theirs
(services.work_queue, services.authz): neither is stored.

Pure: imports the domain (and the plain values) only, so the writer, the in-memory storage and the
check all use it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.values import WorkFilter, WorkRow, WorkScope
from statemachines.case import Case
from statemachines.lifecycle import OPEN_STATES
from statemachines.timers import Timer, awaiting_review

# the values the ports name, importable from here with the derivation they belong to
__all__ = ["ALWAYS", "COLUMNS", "DUE", "KINDS", "NO_DATE", "PAST", "SOON", "TIMER_KINDS", "WAITING", "WorkFilter",
           "WorkItem", "WorkRow", "WorkScope", "capped", "group_of", "rows_of", "shows", "work_items_of"]

KINDS = ("inspection", "approval", "assessment", "rectification", "complaint", "reevaluation", "objection",
         "clawback", "annual_report", "suspension", "instalment")
# the timer kinds that are someone's work (a ban's end or a notice's end is not; an instalment is read
# from the case, which says whether it is paid); money owed back (R20) is work on a revoked case,
# the one kind after the case has ended
TIMER_KINDS = ("assessment", "rectification", "reevaluation", "clawback", "annual_report")
# states whose only work is the next act of a person, with no timer
WAITING = {"applied": "inspection", "inspected": "approval", "suspended": "suspension"}
_OVERDUE_REPORT = "annual_report_overdue:"
# the states in which an instalment is paid (R11): a suspension holds payment back
_PAYING = ("recognized", "assessed")
# when an item shows, given today (the horizon is the page's, services.work_queue.HORIZON):
ALWAYS = "always"  # no deadline, or a fired timer whose review waits: from now until someone acts
SOON = "soon"      # a pending deadline: once it is within the horizon
PAST = "past"      # an annual report, the base's to file: once its deadline has passed (R7)
DUE = "due"        # an instalment: from the day it falls due (R11)
# the sort key of an item without a due date: after every dated one (services.work_queue.Item.order)
NO_DATE = date.max


@dataclass(frozen=True)
class WorkItem:
    """One item of a case's work, as the projection keeps it (the key is the case, kind and detail)."""

    kind: str
    detail: str
    due_on: date | None
    window: str

    @property
    def rank(self) -> int:
        return KINDS.index(self.kind)

    @property
    def due_key(self) -> date:
        return self.due_on or NO_DATE


def work_items_of(case: Case, timers: Iterable[tuple[Timer, bool]]) -> list[WorkItem]:
    """Every item of the case the queue may show on some day: `timers` are its stored ones, each with
    whether it fired. Unique by (kind, detail)."""
    state = case.state
    if state in OPEN_STATES:
        # an application or inspection waits for its decision: no timer of it is anyone's work yet
        kinds: tuple[str, ...] = () if state in ("applied", "inspected") else TIMER_KINDS
    elif state == "revoked":
        kinds = ("clawback",)
    else:
        return []
    own = sorted(((tm, fired) for tm, fired in timers if tm.kind in kinds),
                 key=lambda tf: (tf[0].due_on, tf[0].kind, tf[0].key))
    if state not in OPEN_STATES and not own:
        return []  # a revoked case is work only while it has money to claw back (R20)
    # the fired timers whose consequence waits for a person, and each annual report the sweep found
    # overdue (R7): its flag stays up until the report is recorded
    waiting = set(awaiting_review(case)) | {("annual_report", f[len(_OVERDUE_REPORT):])
                                            for f in case.flags if f.startswith(_OVERDUE_REPORT)}
    out = [WorkItem(WAITING[state], "", None, ALWAYS)] if state in WAITING else []
    for tm, fired in own:
        if not fired:
            out.append(WorkItem(tm.kind, tm.key, tm.due_on, PAST if tm.kind == "annual_report" else SOON))
        elif tm.ident in waiting:
            out.append(WorkItem(tm.kind, tm.key, tm.due_on, ALWAYS))
    if state in OPEN_STATES:  # a complaint left on a revoked case is no one's work any more
        out += [WorkItem("complaint", c.id, None, ALWAYS) for c in case.complaints if c.valid is None]
        # R11: an instalment not yet paid (in full), whether or not swept, while the state pays
        if state in _PAYING:
            out += [WorkItem("instalment", str(i.number), i.due_on, DUE) for i in case.instalments
                    if i.status in ("scheduled", "due")]
    out += [WorkItem("objection", o.id, None, ALWAYS) for o in case.open_objections()]
    seen: set[tuple[str, str]] = set()
    unique = []
    for item in out:
        if (item.kind, item.detail) not in seen:
            seen.add((item.kind, item.detail))
            unique.append(item)
    return unique


def shows(item: WorkItem, today: date, soon: date) -> bool:
    """Whether the item is in today's queue (the SQL of db/work_items.py says the same)."""
    if item.window == ALWAYS:
        return True
    assert item.due_on is not None
    return item.due_on <= {SOON: soon, PAST: date.fromordinal(today.toordinal() - 1), DUE: today}[item.window]


def group_of(due_on: date | None, today: date) -> str:
    """The date group a shown item is counted in: overdue | due_soon | no_deadline."""
    return "no_deadline" if due_on is None else "overdue" if due_on < today else "due_soon"


def capped(found: Iterable[tuple[str, bool, str, int]], cap: int) -> list[tuple[str, bool, str, int, bool]]:
    """The queue's counts as both storages give them (issue 16): per (kind, whether the user's, group),
    the number exactly up to `cap`, and beyond it `cap` with True, which reads "more than cap". A count
    is a count of one such cell, so it does not depend on how the storage found it (walking each cell
    to cap + 1 rows, or one GROUP BY over a scope small enough to read whole)."""
    return [(k, mine, g, min(n, cap), n > cap) for k, mine, g, n in found if n]


# the columns of a work_items row besides its key (case, kind, detail), as stored and as checked
COLUMNS = ("rank", "due_on", "due_key", "window", "jurisdiction", "level", "state", "base_name", "operator_name",
           "operator_code")


def rows_of(case: Case, timers: Iterable[tuple[Timer, bool]], base_name: str, operator_name: str
            ) -> dict[tuple[str, str], tuple[Any, ...]]:
    """The work_items rows of the case by (kind, detail): its items with what the queue shows of it."""
    return {(i.kind, i.detail): (i.rank, i.due_on, i.due_key, i.window, case.jurisdiction, case.level, case.state,
                                 base_name, operator_name, case.operator_code)
            for i in work_items_of(case, timers)}
