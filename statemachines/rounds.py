"""Application rounds (R1, R19): the windows in which applications are received, and their quotas.

A round is known by the year it opens in. A policy either fixes its window each year (a window
that spans 1 January closes the next year) or has each year's round announced, dates and quota;
the service passes the announced ones in. Which round an application falls in is recorded with
it, so a quota counts the approvals of that round.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from statemachines.policy import Policy


@dataclass(frozen=True)
class RoundWindow:
    year: int
    opens: date
    closes: date
    quota: int | None = None  # approvals at most; None: no quota

    def holds(self, day: date) -> bool:
        return self.opens <= day <= self.closes


@dataclass(frozen=True)
class RoundQuota:
    """What an approval in a round with a quota needs to know: the limit and the approvals so far."""

    year: int
    limit: int
    approved: int


def fixed_rounds(policy: Policy, day: date) -> list[RoundWindow]:
    """The policy's own rounds around `day`: the one that opened the year before (it may still be
    open across 1 January), this year's and next year's."""
    out = []
    for year in (day.year - 1, day.year, day.year + 1):
        window = policy.window_of(year)
        if window is not None:
            out.append(RoundWindow(year, *window, policy.round_quota))
    return out


def round_on(rounds: Iterable[RoundWindow], day: date) -> RoundWindow | None:
    return next((r for r in rounds if r.holds(day)), None)


def next_round(rounds: Iterable[RoundWindow], day: date) -> RoundWindow | None:
    """The first round that has not closed by `day`: the one to name in a refusal."""
    return min((r for r in rounds if r.closes >= day), key=lambda r: r.opens, default=None)
