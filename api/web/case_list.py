"""Find any case (issue 15): every case of the user's jurisdictions, whatever its state, by words
of the base's or the operator's name, the credit code or the case id, filtered by state, level,
jurisdiction and year of application, sorted, a page of 50 at a time. The work queue shows what
is to be done; this page finds what was done too (revoked, suspended, assessed, lapsed).

Pages are linked by keyset cursors (issue 16: `after` the last row shown, `before` the first), so a
page costs the same however far one reads; the count says "more than 10,000" past COUNT_CAP.

`figure` and `figure_year` (with a jurisdiction) keep only the cases a dashboard figure of that
year counts (services.stats.counted_cases), so each figure links to exactly its cases."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from api.deps import RuntimeDep
from api.web.routes import PageUser, lang_of, offered_years, refusal_page, render
from services.case_listing import InvalidCursor, decode_cursor, encode_cursor
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
              jurisdiction: str = "", year: str = "", sort: str = "-applied_on", after: str = "",
              before: str = "", figure: str = "", figure_year: str = "") -> HTMLResponse:
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
    try:  # a cursor of another order, or none of ours: the first page, as after a change of filters
        after_key = decode_cursor(chosen["sort"], after) if after else None
        before_key = decode_cursor(chosen["sort"], before) if before and not after else None
    except InvalidCursor:
        after_key = before_key = None
    page = page_of_cases(rt, CaseFilter(
        state=chosen["state"] or None, level=chosen["level"] or None, jurisdiction=chosen["jurisdiction"] or None,
        scopes=scopes, sort=chosen["sort"], limit=PAGE, after=after_key, before=before_key, text=text or None,
        applied_in=int(chosen["year"]) if chosen["year"] else None, ids=counted))
    return render(request, "cases.html", {
        **chosen, "rows": page.rows, "total": page.total, "total_capped": page.total_capped, "states": STATES,
        "levels": LEVELS, "scopes": scopes, "sorts": SORTS, "years": years,
        "clear_figure_url": _at({**chosen, "figure": "", "figure_year": ""}),
        "next_url": _at(chosen, after=_cursor(chosen["sort"], page.next_after)),
        "previous_url": _at(chosen, before=_cursor(chosen["sort"], page.previous_before)),
    }, user=user)


def _cursor(sort: str, key: tuple | None) -> str | None:
    return None if key is None else encode_cursor(sort, *key)


def _at(chosen: dict[str, str], **cursor: str | None) -> str:
    """The list with these filters, from its start or at a cursor (`after` or `before`)."""
    if cursor and not any(cursor.values()):
        return ""  # no such page
    return "/cases?" + urlencode({**{k: v for k, v in chosen.items() if v}, **{k: v for k, v in cursor.items() if v}})
