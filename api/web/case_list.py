"""Find any case (issue 15): every case of the user's jurisdictions, whatever its state, by words
of the base's or the operator's name, the credit code or the case id, filtered by state, level,
jurisdiction and year of application, sorted, a page of 50 at a time. The work queue shows what
is to be done; this page finds what was done too (revoked, suspended, assessed, lapsed).

`figure` and `figure_year` (with a jurisdiction) keep only the cases a dashboard figure of that
year counts (services.stats.counted_cases), so each figure links to exactly its cases."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from api.deps import RuntimeDep
from api.web.routes import PageUser, lang_of, offered_years, refusal_page, render
from services.ports import CaseFilter
from services.queries import page_of_cases
from services.stats import LISTED_FIGURES, counted_cases
from services.text import InvalidText, normalise
from statemachines.lifecycle import STATES
from statemachines.policy import LEVELS

router = APIRouter(include_in_schema=False)
PAGE = 50
# the orders offered, as the API's list names them
SORTS = ("-applied_on", "applied_on", "-updated", "next_due", "state")


def install(app: FastAPI) -> None:
    app.include_router(router)


@router.get("/cases")
def case_list(request: Request, rt: RuntimeDep, user: PageUser, q: str = "", state: str = "", level: str = "",
              jurisdiction: str = "", year: str = "", sort: str = "-applied_on", offset: int = 0,
              figure: str = "", figure_year: str = "") -> HTMLResponse:
    try:
        text = normalise(q[:100], field="q")
    except InvalidText as exc:
        return refusal_page(request, 422, "invalid-text", exc.localized(lang_of(request)))
    scopes = tuple(user.scopes())
    chosen = {
        "q": text, "state": state if state in STATES else "", "level": level if level in LEVELS else "",
        "jurisdiction": jurisdiction if jurisdiction in scopes else "",
        "year": year if year.isdigit() and 2000 <= int(year) <= 2200 else "",
        "sort": sort if sort in SORTS else SORTS[0],
    }
    years = offered_years(rt)
    # a figure is of one jurisdiction and year: without both (or with one not on offer) it is left out
    if figure in LISTED_FIGURES and chosen["jurisdiction"] and figure_year in map(str, years):
        chosen.update(figure=figure, figure_year=figure_year)
    else:
        chosen.update(figure="", figure_year="")
    counted = None
    if chosen["figure"]:
        counted = tuple(counted_cases(rt, chosen["jurisdiction"], int(figure_year), rt.today(), figure))
    offset = max(0, offset)
    rows, total = page_of_cases(rt, CaseFilter(
        state=chosen["state"] or None, level=chosen["level"] or None, jurisdiction=chosen["jurisdiction"] or None,
        scopes=scopes, sort=chosen["sort"], limit=PAGE, offset=offset, text=text or None,
        applied_in=int(chosen["year"]) if chosen["year"] else None, ids=counted))
    return render(request, "cases.html", {
        **chosen, "rows": rows, "total": total, "offset": offset, "states": STATES, "levels": LEVELS,
        "scopes": scopes, "sorts": SORTS, "years": years,
        "clear_figure_url": _at({**chosen, "figure": "", "figure_year": ""}, 0),
        "next_url": _at(chosen, offset + PAGE) if offset + PAGE < total else None,
        "previous_url": _at(chosen, max(0, offset - PAGE)) if offset else None,
    }, user=user)


def _at(chosen: dict[str, str], offset: int) -> str:
    return "/cases?" + urlencode({**{k: v for k, v in chosen.items() if v}, "offset": offset})
