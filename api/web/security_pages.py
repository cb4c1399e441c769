"""The security log's page for the audit administrator: filters, pages of 100, CSV, the chain checked."""
from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import RuntimeDep, client_address
from api.web.routes import PageUser, render, templates
from services import security_log, users
from services.security_log import SecurityLogForbidden
from services.values import Origin, SecurityEntry, SecurityLogFilter

router = APIRouter(include_in_schema=False)
PAGE = 100
FILTERS = ("actor", "action", "subject", "client", "result")
templates.env.globals["details"] = lambda e: json.dumps(dict(e.details), ensure_ascii=False, sort_keys=True)


def install(app: FastAPI) -> None:
    app.include_router(router)


def _filters(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, "").strip()[:200] for name in FILTERS}


def _query(filters: dict[str, str], offset: int = 0) -> SecurityLogFilter:
    return SecurityLogFilter(actor=filters["actor"] or None, action=filters["action"] or None,
                             subject=filters["subject"] or None, client=filters["client"] or None,
                             result=filters["result"] or None, limit=PAGE, offset=offset)


@router.get("/security-log")
def security_log_page(request: Request, rt: RuntimeDep, user: PageUser, offset: int = 0,
                      verify: bool = False) -> HTMLResponse:
    filters = _filters(request)
    offset = max(0, min(offset, 2**31 - 1))
    try:
        entries, total = security_log.search(rt, user, _query(filters, offset))
    except SecurityLogForbidden:
        return render(request, "forbidden.html", {"needed": security_log.READER}, status=403, user=user)
    verified = None
    if verify:
        count, problems = security_log.verify(rt)
        verified = {"ok": not problems, "count": count, "problems": problems}
    kept = {k: v for k, v in filters.items() if v}
    return render(request, "security_log.html", {
        "entries": entries, "total": total, "filters": filters, "query": urlencode(kept), "verified": verified,
        "people": users.display_names(rt, {e.actor for e in entries}),  # issue 15: people by name
        "previous": urlencode({**kept, "offset": max(0, offset - PAGE)}) if offset else None,
        "following": urlencode({**kept, "offset": offset + PAGE}) if offset + PAGE < total else None,
    }, user=user)


@router.get("/security-log.csv")
def security_log_csv(request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    filters = _filters(request)
    origin = Origin(user.username, client_address(request))
    try:
        text = security_log.logged_export(rt, origin, "security-log", "", lambda: _all(rt, user, filters),
                                          format="csv", filters={k: v for k, v in filters.items() if v})
    except SecurityLogForbidden:
        return render(request, "forbidden.html", {"needed": security_log.READER}, status=403, user=user)
    stamp = rt.today().strftime("%Y%m%d")
    return Response("\ufeff" + text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="security-log-{stamp}.csv"'})


def _all(rt, user, filters: dict[str, str]) -> str:
    """Every entry the filters match, as CSV (page by page from the database)."""
    rows: list[SecurityEntry] = []
    offset = 0
    while True:
        entries, total = security_log.search(rt, user, _query(filters, offset))
        rows.extend(entries)
        offset += PAGE
        if offset >= total or not entries:
            return security_log.as_csv(rows)
