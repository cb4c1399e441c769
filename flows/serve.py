"""Serves the flows with their schedules against a running Prefect server (`incubase run`).

The schedules are those of prefect.yaml, in Asia/Shanghai, unless the operator overrides one
with INCUBASE_SCHEDULES (e.g. `{"deliver-reminders": "* * * * *"}`). Served deployments are
named `served-*` so they never collide with the `prefect deploy` ones (docs/prefect.md).
"""
from __future__ import annotations

from collections.abc import Mapping

from prefect import serve
from prefect.schedules import Cron, Schedule

from config import get_settings
from flows.deadlines import (
    close_application_round,
    daily_anchor,
    deadline_sweep,
    deliver_reminders,
    open_application_round,
    refresh_provisional_dates,
)
from flows.verification import verify_records

ZONE = "Asia/Shanghai"
SCHEDULED = (deadline_sweep, deliver_reminders, open_application_round, close_application_round, daily_anchor)
DEFAULT_CRONS = {
    deadline_sweep.name: "30 1 * * *",           # 01:30 every day
    deliver_reminders.name: "*/5 * * * *",        # every five minutes
    open_application_round.name: "0 8 * * *",     # 08:00: opens on the window's first day
    close_application_round.name: "5 0 * * *",    # 00:05: closes the day after the window's last day
    daily_anchor.name: "15 0 * * *",              # 00:15: anchors yesterday's case heads
}


def schedules(overrides: Mapping[str, str] | None = None) -> dict[str, Schedule]:
    """Each scheduled flow's cron in Asia/Shanghai; ValueError names an unknown flow or a bad cron."""
    overrides = get_settings().schedules if overrides is None else overrides
    unknown = sorted(set(overrides) - set(DEFAULT_CRONS))
    if unknown:
        raise ValueError(f"INCUBASE_SCHEDULES names no scheduled flow: {', '.join(unknown)} "
                         f"(scheduled: {', '.join(DEFAULT_CRONS)})")
    crons = {**DEFAULT_CRONS, **overrides}
    return {name: Cron(cron, timezone=ZONE) for name, cron in crons.items()}


def deployments():
    # no concurrency limit: overlapping runs are safe (the database keeps each effect once), and
    # a Prefect slot left taken by a killed run would block every later run (docs/prefect.md)
    crons = schedules()
    out = [flow_.to_deployment(name=f"served-{flow_.name}", schedules=[crons[flow_.name]]) for flow_ in SCHEDULED]
    out.append(refresh_provisional_dates.to_deployment(name="served-refresh-provisional-dates"))
    out.append(verify_records.to_deployment(name="served-verify-records"))  # on demand, issue 16
    return out


if __name__ == "__main__":
    serve(*deployments())
