"""The deadlines calendar (issue 15): GET /api/v1/calendar, the coming weeks' deadlines of the user's
cases by day, as JSON or (format=ics) as an iCalendar file to import into a calendar program."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from api import openapi_examples as ex
from api.deps import CurrentUser, RuntimeDep, client_address
from api.downloads import ical_file
from api.openapi_docs import VALIDATION, documented
from services import deadlines_calendar as calendar
from services.runtime import Runtime
from services.security_log import logged_export
from services.users import User
from services.values import Origin

router = APIRouter(prefix="/api/v1", tags=["timers"])
Weeks = Annotated[int, Query(ge=1, le=calendar.MOST_WEEKS, description="How many weeks ahead, from today")]


class DeadlineOut(BaseModel):
    case_id: str
    base_name: str
    reference: str | None
    state: str
    kind: str
    key: str
    what: str
    due_on: date
    provisional: bool
    uid: str
    url: str


class DayOut(BaseModel):
    date: date
    weekday: str
    working: bool | None
    day_kind: str | None
    deadlines: list[DeadlineOut]


def case_url(request: Request) -> str:
    """The address of a case page as this request reached the service, {id} for the case."""
    return str(request.base_url).rstrip("/") + "/cases/{id}"


def ics_answer(request: Request, rt: Runtime, user: User, weeks: int) -> Response:
    """The calendar file, on the security log as every export of case data is."""
    origin = Origin(user.username, client_address(request))
    return logged_export(rt, origin, "calendar", f"calendar/{weeks}w", lambda: ical_file(
        calendar.as_ical(rt, calendar.coming(rt, user, rt.today(), weeks), case_url(request)),
        "incubase-deadlines.ics"), format="ics")


@router.get("/calendar", response_model=list[DayOut],
            summary="The coming weeks' deadlines of the user's cases, by day (format=ics: iCalendar)",
            **documented(ex.CALENDAR, VALIDATION, files={"text/calendar": "format=ics: an RFC 5545 calendar"}))
def deadlines(request: Request, rt: RuntimeDep, user: CurrentUser, weeks: Weeks = calendar.WEEKS,
              format: Literal["json", "ics"] = "json") -> Any:
    """The pending deadlines of the cases in the user's jurisdictions from today, grouped by day, each
    day a working day or not on the official calendar (`working` null where the year's calendar is not
    loaded). `format=ics`: the same as an RFC 5545 file, one all-day event per deadline with a UID
    stable per timer, so importing it again updates rather than duplicates; that download is on the
    security log.

    **Who may call:** any signed-in user; only the cases of their own jurisdictions are listed."""
    if format == "ics":
        return ics_answer(request, rt, user, weeks)
    url = case_url(request)
    return [{"date": d.day, "weekday": d.weekday, "working": d.info.working if d.info else None,
             "day_kind": d.info.reason if d.info else None,
             "deadlines": [{**{k: getattr(x, k) for k in ("case_id", "base_name", "reference", "state", "kind", "key",
                                                          "what", "due_on", "provisional", "uid")},
                            "url": url.replace("{id}", x.case_id)} for x in d.deadlines]}
            for d in calendar.by_day(rt, calendar.coming(rt, user, rt.today(), weeks))]
