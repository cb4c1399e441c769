"""Serves the flows with their schedules against a running Prefect server (`incubase run`).

The schedules are those of prefect.yaml, in Asia/Shanghai. Served deployments are named
`served-*` so they never collide with the `prefect deploy` ones (PREFECT-NOTES.md).
"""
from __future__ import annotations

from prefect import serve
from prefect.schedules import Cron

from flows.deadlines import (
    close_application_round, daily_anchor, deadline_sweep, deliver_reminders, open_application_round,
    refresh_provisional_dates,
)

ZONE = "Asia/Shanghai"
SCHEDULES = {
    deadline_sweep: "30 1 * * *",           # 01:30 every day
    deliver_reminders: "*/5 * * * *",        # every five minutes
    open_application_round: "0 8 * * *",     # 08:00: opens on the window's first day
    close_application_round: "5 0 * * *",    # 00:05: closes the day after the window's last day
    daily_anchor: "15 0 * * *",              # 00:15: anchors yesterday's case heads
}


def deployments():
    # no concurrency limit: overlapping runs are safe (the database keeps each effect once), and
    # a Prefect slot left taken by a killed run would block every later run (PREFECT-NOTES.md)
    out = [flow_.to_deployment(name=f"served-{flow_.name}", schedules=[Cron(cron, timezone=ZONE)])
           for flow_, cron in SCHEDULES.items()]
    out.append(refresh_provisional_dates.to_deployment(name="served-refresh-provisional-dates"))
    return out


if __name__ == "__main__":
    serve(*deployments())
