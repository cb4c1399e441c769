"""A case's life told act by act, with time moving as it would in a department.

`Story` sets the clock to each act's business date and first runs the sweep up to that date,
so every automatic act (overdue flags, reviews, extensions, end of bans) happens on its legal
date before the next act a person records.
"""
from __future__ import annotations

from datetime import date

from services import cases
from services.ports import DueTimer
from services.runtime import Runtime
from services.sweep import SweepReport, sweep
from statemachines.credit_code import check_character

CASEWORKER = "caseworker.wang"
INSPECTOR = "caseworker.zhao"
SUPERVISOR = "supervisor.li"


def credit_code(seed: int, division: str = "520100") -> str:
    first17 = f"91{division}MA6{seed:06d}"
    return first17 + check_character(first17)


class Story:
    def __init__(self, rt: Runtime, clock) -> None:
        self.rt, self.clock = rt, clock
        self.case_id: str | None = None
        self.sweeps: list[SweepReport] = []

    def until(self, day: date) -> SweepReport:
        self.clock.set_day(day)
        report = sweep(self.rt, day)
        assert not report.failed, report.failed
        self.sweeps.append(report)
        return report

    def apply(self, on: date, *, seed: int = 1, base: str = "贵阳市大学生创业园", level: str = "provincial",
              jurisdiction: str = "520000", actor: str = CASEWORKER, **extra) -> cases.ActResult:
        self.until(on)
        result = cases.open_case(
            self.rt, operator_name=extra.pop("operator_name", "贵阳高新创业服务有限公司"),
            credit_code=extra.pop("credit_code", credit_code(seed)),
            base_name=base, base_address="贵州省贵阳市观山湖区长岭北路8号", level=level,
            jurisdiction=jurisdiction, on=on, actor=actor, reason="受理申报材料", **extra)
        self.case_id = result.case.id
        return result

    def act(self, name: str, on: date, *, actor: str = CASEWORKER, reason: str = "依规办理",
            **fields) -> cases.ActResult:
        self.until(on)
        return cases.ACTS[name](self.rt, self.case_id, on=on, actor=actor, reason=reason, **fields)

    def recognize(self, applied: date, inspected: date, approved: date, **apply_args) -> cases.ActResult:
        self.apply(applied, **apply_args)
        self.act("inspect", inspected, actor=INSPECTOR, outcome="pass")
        return self.act("approve", approved, actor=SUPERVISOR)

    @property
    def case(self):
        return cases.get_case(self.rt, self.case_id)

    @property
    def events(self):
        return cases.history(self.rt, self.case_id)

    def system_events(self) -> list[tuple[str, date]]:
        return [(e.act, e.on) for e in self.events if e.actor == "system"]

    def timers(self) -> dict[tuple[str, str], date]:
        from services.queries import pending_timers

        return {t.ident: t.due_on for t in pending_timers(self.rt, self.case_id)}


__all__ = ["Story", "DueTimer", "credit_code", "CASEWORKER", "INSPECTOR", "SUPERVISOR"]
