"""Reminders: which step of which timer is due on a day, and who is told (R7–R11 timers).

Steps fall at the policy's offsets before the due date (default 30, 7, 1 days and the day
itself); after a deadline passes, its overdue step escalates to the supervisors. A sweep that
missed days (an outage) sends only the latest step due, not every missed one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from statemachines.policy import Policy
from statemachines.timers import DEADLINE_KINDS, Timer

# who hears of each kind of timer before it falls due
AUDIENCE = {
    "annual_report": ("caseworker", "operator"),
    "assessment": ("caseworker", "operator"),
    "rectification": ("caseworker", "operator"),
    "reevaluation": ("caseworker",),
    "reevaluation_decision": ("supervisor",),
    "instalment": ("caseworker",),
    "clawback": ("caseworker", "operator"),  # R20: money owed back after a revocation
}
ESCALATION = ("supervisor", "caseworker")
OVERDUE = "overdue"


@dataclass(frozen=True)
class Step:
    name: str  # "d30", "d7", "d1", "d0" or "overdue"
    send_on: date


def steps(timer: Timer, policy: Policy) -> list[Step]:
    if timer.kind not in AUDIENCE:
        return []
    return [Step(f"d{offset}", timer.due_on - timedelta(days=offset)) for offset in policy.reminder_offsets]


def step_due(timer: Timer, policy: Policy, as_of: date) -> Step | None:
    """The latest step whose day has come, while the timer is still ahead or on its day."""
    if as_of > timer.due_on:
        return None
    ready = [s for s in steps(timer, policy) if s.send_on <= as_of]
    return max(ready, key=lambda s: s.send_on) if ready else None


def escalates(kind: str) -> bool:
    return kind in DEADLINE_KINDS


def lead_days(policy: Policy) -> int:
    return max(policy.reminder_offsets, default=0)
