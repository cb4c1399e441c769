"""`incubase dates`: the period and deadline arithmetic of R15/R16, for checking a date by hand."""
from __future__ import annotations

import json
import re
from datetime import date
from typing import Annotated, NoReturn

import typer

from services.calendars import CalendarDataError, default_calendar
from statemachines.periods import (
    CalendarDate,
    Duration,
    InvalidDuration,
    add_working_days,
    deadline,
    period_end,
)
from statemachines.workcalendar import CalendarUnavailable

dates_app = typer.Typer(
    help="Period ends, deadlines and working days on the official PRC calendar (R15, R16).",
    no_args_is_help=True,
)

_JSON = Annotated[bool, typer.Option("--json", help='Print {"date": ..., "provisional": ...}.')]
_START = Annotated[str, typer.Argument(metavar="START", help="The day of the triggering act, YYYY-MM-DD.")]
_DURATION = Annotated[str, typer.Argument(
    metavar="DURATION", help="E.g. 3y, 6m, 15d, 1y6m; 20wd (working days, deadlines only).")]


@dates_app.command("period-end")
def period_end_command(start: _START, duration: _DURATION, as_json: _JSON = False) -> None:
    """Last day of a validity period or ban (R15): never moved off rest days."""
    begin, length = parse_date(start), _parse_duration(duration)
    if length.working_days:
        _fail(f"{length} counts working days: a period or ban ends on a calendar day (use `dates deadline`)")
    _print(CalendarDate(period_end(begin, length), False), as_json)


@dates_app.command("deadline")
def deadline_command(start: _START, duration: _DURATION, as_json: _JSON = False) -> None:
    """Last day for an act (R15): the period's end, moved to the next working day if it rests."""
    begin, length = parse_date(start), _parse_duration(duration)
    _print(_on_calendar(lambda cal: deadline(begin, length, cal)), as_json)


@dates_app.command("add-working-days")
def add_working_days_command(
    start: _START,
    n: Annotated[str, typer.Argument(metavar="N", help="How many working days, at least 1.")],
    as_json: _JSON = False,
) -> None:
    """The N-th working day after START, 调休 make-up days included (R16)."""
    begin = parse_date(start)
    if not re.fullmatch(r"[1-9]\d*", n):
        _fail(f"{n!r} is not a count of working days (a whole number, at least 1)")
    _print(_on_calendar(lambda cal: add_working_days(begin, int(n), cal)), as_json)


def parse_date(text: str) -> date:
    """A date written YYYY-MM-DD, else exit 2 with a one-line error (every command's dates)."""
    # date.fromisoformat also takes 20240229 and 2024-W09; only the one spelling is meant here
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    _fail(f"{text!r} is not a date (YYYY-MM-DD)")


def _parse_duration(text: str) -> Duration:
    try:
        return Duration.parse(text)
    except InvalidDuration as exc:
        _fail(str(exc))


def _on_calendar(compute) -> CalendarDate:
    try:
        return compute(default_calendar())
    except (CalendarUnavailable, CalendarDataError) as exc:
        _fail(str(exc), code=1)  # the input was fine; the calendar data is what is missing


def _print(result: CalendarDate, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"date": result.date.isoformat(), "provisional": result.provisional}))
    else:
        typer.echo(result.date.isoformat() + (" (provisional)" if result.provisional else ""))


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
