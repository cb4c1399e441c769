"""Subsidy money tied to what happens (R11, R20): what an approval grants, what a passing assessment
earns, what the cap leaves, and what a revocation makes the base owe back.

Each function decides an amount for an event's payload; the fold only reads the payload, so a
replay never recomputes money under a policy that might read differently.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from statemachines.case import Case
from statemachines.periods import period_end
from statemachines.policy import Policy, Tier


def grant(policy: Policy, tier: Tier | None, on: date) -> list[dict[str, Any]]:
    """The instalments of the one-off grant approved on `on`: the policy's schedule, its amounts, or
    with a tier the tier's amount shared out in the schedule's proportions (the last instalment
    takes what rounding to the fen leaves), then held to the cap."""
    amounts = [i.amount_fen for i in policy.instalments]
    if tier is not None:
        shares = [tier.amount_fen * a // policy.subsidy_total_fen for a in amounts]
        shares[-1] += tier.amount_fen - sum(shares)
        amounts = shares
    out: list[dict[str, Any]] = []
    owed = 0
    for inst, amount in zip(policy.instalments, amounts, strict=True):
        given = capped(policy, owed, amount)
        if given == 0 and amount > 0:
            break  # the cap is reached: none beyond
        entry: dict[str, Any] = {"number": len(out) + 1, "amount_fen": given,
                                 "due_on": (on if inst.after is None else period_end(on, inst.after)).isoformat()}
        if given < amount:
            entry["capped_from"] = amount
        out.append(entry)
        owed += given
    return out


def earned(case: Case, policy: Policy, grade: str, on: date) -> dict[str, Any] | None:
    """R20: the instalment a passing assessment of `grade` on `on` adds, due that day, numbered after
    the case's others; held to the cap (`number` None where the cap leaves nothing). None where the
    grade earns nothing under the policy."""
    amount = policy.subsidy_per_grade.get(grade)
    if amount is None:
        return None
    given = capped(policy, case.subsidy_owed_fen(), amount)
    entry: dict[str, Any] = {
        "number": max((i.number for i in case.instalments), default=0) + 1 if given else None,
        "amount_fen": given, "due_on": on.isoformat(), "grade": grade}
    if given < amount:
        entry["capped_from"] = amount
    return entry


def capped(policy: Policy, owed: int, amount: int) -> int:
    """R20: `amount`, reduced to what the cap leaves after `owed`; the whole amount without a cap."""
    if policy.subsidy_cap_fen is None:
        return amount
    return max(0, min(amount, policy.subsidy_cap_fen - owed))


def clawback(case: Case, policy: Policy, ground: str) -> dict[str, Any] | None:
    """R20: on a clawback ground, what the base owes back: everything it was paid so far."""
    if ground not in policy.clawback_grounds:
        return None
    return {"owed_fen": case.subsidy_paid_fen()}
