"""Application rounds (R1): each policy's window opens and closes once a year.

Opening and closing are recorded once per policy and year (the row's timestamps are set only
where empty), however often the daily flow runs; closing counts the applications received.
"""
from __future__ import annotations

from datetime import date

from services.runtime import Runtime
from services.values import Round as Round


def open_rounds(rt: Runtime, year: int, as_of: date) -> list[Round]:
    """Opens every round of `year` whose first day has come."""
    return _rounds(rt, year, as_of, closing=False)


def close_rounds(rt: Runtime, year: int, as_of: date) -> list[Round]:
    """Closes every round of `year` whose last day has passed, counting its applications."""
    return _rounds(rt, year, as_of, closing=True)


def _rounds(rt: Runtime, year: int, as_of: date, *, closing: bool) -> list[Round]:
    out = []
    with rt.uow() as uow:
        for policy in rt.policies:
            if policy.application_window is None:
                continue
            opens, closes = (md.in_year(year) for md in policy.application_window)
            if not policy.in_force_on(opens):
                continue
            uow.rounds.ensure(policy.id, year, opens, closes)
            if closing and as_of > closes:
                uow.rounds.close(policy.id, year, rt.clock(), uow.rounds.applications(policy.id, opens, closes))
            elif not closing and as_of >= opens:
                uow.rounds.open(policy.id, year, rt.clock())
            out.append(uow.rounds.get(policy.id, year))
        uow.commit()
    return out
