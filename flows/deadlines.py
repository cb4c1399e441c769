"""The scheduled flows: the daily deadline sweep, reminder delivery, and the application rounds.

Each flow turns a schedule into service calls; the exactly-once guarantees live in the
database (claimed timers, unique reminder keys, round timestamps), not in Prefect, so a flow
run that is retried, overlaps another or dies half-way changes nothing twice.
"""
from __future__ import annotations

from datetime import date, timedelta

from prefect import flow, get_run_logger

from flows import wiring
from services import delivery, rounds, sweep
from services.anchors import write_anchor
from services.calendar_refresh import refresh_provisional


@flow(name="deadline-sweep", log_prints=False)
def deadline_sweep(as_of: date | None = None) -> dict:
    """Fires every timer due by `as_of` (default: the scheduled day) and plans the reminders due."""
    rt = wiring.runtime()
    day = wiring.resolve_as_of(as_of)
    report = sweep.sweep(rt, day, channels=wiring.channels())
    logger = get_run_logger()
    for timer, error in report.failed:
        logger.error("case %s timer %s:%s failed: %s", timer.case_id, timer.kind, timer.key, error)
    logger.info("sweep %s: %d timers fired, %d events, %d failed, %d reminders planned", day,
                len(report.fired), len(report.events), len(report.failed), report.reminders_planned)
    return {"as_of": day.isoformat(), "fired": len(report.fired), "events": len(report.events),
            "failed": [{"case_id": t.case_id, "kind": t.kind, "key": t.key, "error": e} for t, e in report.failed],
            "reminders_planned": report.reminders_planned}


@flow(name="deliver-reminders")
def deliver_reminders(batch: int = 200) -> dict:
    """Sends the reminders due from the outbox, with retries and backoff."""
    report = delivery.deliver(wiring.runtime(), wiring.senders(), batch=batch)
    get_run_logger().info("reminders: %d sent, %d to retry, %d failed", len(report.sent),
                          len(report.retrying), len(report.failed))
    return {"sent": report.sent, "retrying": report.retrying, "failed": report.failed}


@flow(name="open-application-round")
def open_application_round(year: int | None = None, as_of: date | None = None) -> list[dict]:
    """Opens each policy's round of `year` once its window's first day has come (R1)."""
    day = wiring.resolve_as_of(as_of)
    return [r.__dict__ for r in rounds.open_rounds(wiring.runtime(), year or day.year, day)]


@flow(name="close-application-round")
def close_application_round(year: int | None = None, as_of: date | None = None) -> list[dict]:
    """Closes each policy's round of `year` once its window's last day has passed (R1)."""
    day = wiring.resolve_as_of(as_of)
    return [r.__dict__ for r in rounds.close_rounds(wiring.runtime(), year or day.year, day)]


@flow(name="refresh-provisional-dates")
def refresh_provisional_dates() -> dict:
    """After a year's holiday notice is loaded: recompute every provisional deadline (R16)."""
    report = refresh_provisional(wiring.runtime())
    return {"cases": report.cases, "timers_moved": report.timers_moved, "events": report.events}


@flow(name="daily-anchor")
def daily_anchor(day: date | None = None) -> dict:
    """Anchors the day before the run (default) by chaining every changed case's head hash."""
    rt = wiring.runtime()
    when = day or wiring.resolve_as_of(None) - timedelta(days=1)
    anchor = write_anchor(rt, when)
    get_run_logger().info("anchor %s: %d case(s), digest %s", anchor.day, anchor.cases, anchor.digest)
    return {"day": anchor.day.isoformat(), "cases": anchor.cases, "digest": anchor.digest}
