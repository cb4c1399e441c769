"""The dashboard: a jurisdiction's figures of a year, as tiles, a table of cases by state and level,
and charts (issue 15); every figure links to the case list of exactly the cases it counts.

The headline figures are services.stats' (the record replayed as of the year's end); the table
counts the cases as they are now; the charts draw the table, the recognitions and revocations of
every year the pages offer, and the pending deadlines of the coming twelve months.
"""
from __future__ import annotations

from calendar import month_abbr
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import RuntimeDep, client_address
from api.downloads import workbook
from api.web.charts import Row, bar_chart
from api.web.i18n import Translator
from api.web.routes import PageUser, lang_of, offered_years, refusal_page, render
from services.filed_workbooks import statistics_workbook
from services.security_log import logged_export
from services.stats import flows_by_year, state_level_grid, statistics
from services.timer_queries import deadlines_by_month
from services.values import Origin
from statemachines.lifecycle import STATES
from statemachines.policy import LEVELS

router = APIRouter(include_in_schema=False)

# the tiles: (element id, services.stats figure, label, whether the figure is of the chosen year)
TILES = (("in-force", "recognized", "in_force", False),
         ("recognitions", "newly_recognized", "recognitions", True),
         ("revocations", "revoked", "revocations", True),
         ("overdue-reports", "overdue_reports", "overdue_reports", True))


def install(app: FastAPI) -> None:
    app.include_router(router)


def cases_link(jurisdiction: str, **filters: Any) -> str:
    """The case list of the jurisdiction's cases these filters select (api/web/case_list.py)."""
    return "/cases?" + urlencode({"jurisdiction": jurisdiction, **{k: v for k, v in filters.items() if v}})


def figure_link(jurisdiction: str, figure: str, year: int) -> str:
    """The case list of the cases services.stats counts in a figure of the year."""
    return cases_link(jurisdiction, figure=figure, figure_year=year)


@router.get("/dashboard")
def dashboard(request: Request, rt: RuntimeDep, user: PageUser, jurisdiction: str = "",
              year: str = "") -> HTMLResponse:
    scopes = user.scopes()
    # a supervisor or caseworker of one jurisdiction sees their own without choosing it
    jurisdiction = jurisdiction if jurisdiction in scopes else (scopes[0] if scopes else "")
    years = offered_years(rt)
    chosen = int(year) if year.isdigit() and int(year) in years else years[0]
    context: dict[str, Any] = {"scopes": scopes, "jurisdiction": jurisdiction, "year": chosen, "years": years,
                               "figures": None, "levels": LEVELS, "tiles": TILES}
    if jurisdiction:
        context.update(_figures(Translator(lang_of(request)), rt, jurisdiction, tuple(scopes), chosen, years))
    return render(request, "dashboard.html", context, user=user)


def _figures(t: Translator, rt, jurisdiction: str, scopes: tuple[str, ...], year: int,
             years: list[int]) -> dict[str, Any]:
    grid = state_level_grid(rt, jurisdiction, scopes)  # issue 16: one GROUP BY, not every case read
    states = [s for s in STATES if any(grid[(s, level)] for level in LEVELS)] or list(STATES)
    flows = flows_by_year(rt, jurisdiction, years)
    months = deadlines_by_month(rt, (jurisdiction,), rt.today())

    def link(**filters: Any) -> str:
        return cases_link(jurisdiction, **filters)

    by_state = bar_chart("chart-by-state", t("chart.by_state"), [t(f"l.{level}") for level in LEVELS], [
        Row(t.state(s), tuple(grid[(s, level)] for level in LEVELS),
            tuple(link(state=s, level=level) for level in LEVELS)) for s in states], stacked=True)
    by_year = bar_chart("chart-by-year", t("chart.by_year"), [t("recognitions"), t("revocations")], [
        Row(year_label(t, y), (flows[y]["newly_recognized"], flows[y]["revoked"]),
            (figure_link(jurisdiction, "newly_recognized", y), figure_link(jurisdiction, "revoked", y)))
        for y in years])
    by_month = bar_chart("chart-by-month", t("chart.by_month"), [t("deadlines")],
                         [Row(month_label(t, first), (n,)) for first, n in months])
    return {
        "figures": statistics(rt, jurisdiction, year, rt.today()), "grid": grid, "states": states,
        "state_totals": {s: sum(grid[(s, level)] for level in LEVELS) for s in states},
        "level_totals": {level: sum(grid[(s, level)] for s in states) for level in LEVELS},
        "total": sum(grid.values()), "flows": flows, "months": months,
        "charts": {"by_state": by_state, "by_year": by_year, "by_month": by_month},
        "link": link, "figure_link": lambda figure, of=year: figure_link(jurisdiction, figure, of),
        "year_label": lambda y: year_label(t, y), "month_label": lambda first: month_label(t, first),
    }


def year_label(t: Translator, year: int) -> str:
    return f"{year}年" if t.lang == "zh" else str(year)


def month_label(t: Translator, first: date) -> str:
    """2026年12月 / Dec 2026."""
    return f"{first.year}年{first.month}月" if t.lang == "zh" else f"{month_abbr[first.month]} {first.year}"


@router.get("/dashboard/stats-{jurisdiction}-{year}.xlsx")
def statistics_download(jurisdiction: str, year: int, request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    """The dashboard's figures of a year as a workbook (the API's GET /api/v1/stats?format=xlsx), on the
    security log like every export."""
    if jurisdiction not in user.scopes() or year not in offered_years(rt):
        return refusal_page(request, 404, "not-found", f"no statistics of {jurisdiction} for {year} here")
    origin = Origin(user.username, client_address(request))
    return logged_export(rt, origin, "statistics", f"{jurisdiction}/{year}", lambda: workbook(
        statistics_workbook(statistics(rt, jurisdiction, year, rt.today()).as_dict(), rt.clock(), lang_of(request)),
        f"stats-{jurisdiction}-{year}.xlsx"), format="xlsx")
