"""The deadlines calendar page (issue 15): the coming weeks' deadlines of the cases the signed-in user may
see, by day (2026年12月10日 周四 · 工作日), each linked to its case; and the same as an iCalendar file.
The same service calls as GET /api/v1/calendar."""
from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import RuntimeDep
from api.routes.calendar import ics_answer
from api.web.routes import PageUser, render
from services import deadlines_calendar as calendar

router = APIRouter(include_in_schema=False)


def install(app: FastAPI) -> None:
    app.include_router(router)


def _weeks(asked: str) -> int:
    # a number of weeks the page offers, else the default: a link edited by hand is not an error
    return int(asked) if asked.isascii() and asked.isdigit() and 1 <= int(asked) <= calendar.MOST_WEEKS \
        else calendar.WEEKS


@router.get("/calendar")
def calendar_page(request: Request, rt: RuntimeDep, user: PageUser, weeks: str = "") -> HTMLResponse:
    shown = _weeks(weeks)
    deadlines = calendar.coming(rt, user, rt.today(), shown)
    return render(request, "calendar.html", {
        "days": calendar.by_day(rt, deadlines), "weeks": shown, "today": rt.today(),
        "offered": (4, calendar.WEEKS, 13, calendar.MOST_WEEKS),
        # a whole country's weeks (an auditor's) may hold more than one calendar shows: said, not hidden
        "cut_at": calendar.MOST if len(deadlines) >= calendar.MOST else None}, user=user)


@router.get("/calendar.ics")
def calendar_file(request: Request, rt: RuntimeDep, user: PageUser, weeks: str = "") -> Response:
    return ics_answer(request, rt, user, _weeks(weeks))
