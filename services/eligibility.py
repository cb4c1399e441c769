"""May an operator apply now at a level, and if not, which ban stops it and until when (R2)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.runtime import Runtime
from statemachines.acts import BanOnRecord
from statemachines.credit_code import CreditCode
from statemachines.programmes import DEFAULT_PROGRAMME


@dataclass(frozen=True)
class Eligibility:
    credit_code: str
    level: str
    on: date
    bans: list[BanOnRecord]

    @property
    def eligible(self) -> bool:
        return not self.bans


def eligibility(rt: Runtime, *, credit_code: str, level: str, on: date, jurisdiction: str | None = None,
                programme: str = DEFAULT_PROGRAMME) -> Eligibility:
    code = CreditCode.parse(credit_code).value
    policy = rt.policies.select(jurisdiction, level, on, programme) if jurisdiction else None
    with rt.reads() as uow:
        found = uow.cases.bans(code, None, level)
    in_force = [
        b for b in found
        if b.bars_on(on)
        and (policy.ban_applies(b.level, b.jurisdiction, level) if policy else b.level == level)
    ]
    return Eligibility(code, level, on, in_force)
