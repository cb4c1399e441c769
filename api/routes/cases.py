"""Cases: apply, list, read one, read its history."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api import openapi_examples as ex
from api import problems
from api.answers import answer, idempotent
from api.deps import CurrentUser, IdempotencyKey, Offset, RuntimeDep, next_page
from api.fields import JURISDICTION_PATTERN
from api.openapi_docs import (
    BAN_IN_FORCE,
    CASE_NOT_FOUND,
    ETAG,
    FUTURE_DATE,
    IDEMPOTENCY_KEY_REUSED,
    INVALID_CREDIT_CODE,
    OPEN_CASE_EXISTS,
    REPLAYED,
    REQUEST_IN_PROGRESS,
    UNKNOWN_JURISDICTION,
    VALIDATION,
    WINDOW_CLOSED,
    act_forbidden,
    documented,
)
from api.schemas import ApplyIn, CaseOut, CasePage, EventOut, Level
from api.views import case_view, event_view
from services import cases
from services.case_listing import InvalidCursor, decode_cursor, encode_cursor
from services.ports import CaseFilter
from services.queries import page_of_cases
from services.text import normalise
from services.timer_queries import reminders_of

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
Sort = Literal["applied_on", "-applied_on", "updated", "-updated", "next_due", "-next_due", "state", "-state"]


# what an application may meet, the commonest first (R1–R3, then the fields' checks)
APPLY_REFUSALS = (act_forbidden("apply", ("caseworker", "supervisor")), WINDOW_CLOSED, BAN_IN_FORCE, OPEN_CASE_EXISTS,
                  REQUEST_IN_PROGRESS, INVALID_CREDIT_CODE, UNKNOWN_JURISDICTION, FUTURE_DATE, IDEMPOTENCY_KEY_REUSED,
                  VALIDATION)
LOCATION = {"Location": {"description": "The new case's address", "schema": {"type": "string"}}}


@router.post("", status_code=201, response_model=CaseOut, summary="Apply: open a case (R1–R3)",
             **documented(ex.APPLIED, *APPLY_REFUSALS, body=ex.APPLY, status=201,
                          headers={**ETAG, **REPLAYED, **LOCATION}))
def apply(body: ApplyIn, request: Request, rt: RuntimeDep, user: CurrentUser,
          idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Opens a case: the application of a base, run by its operator, for recognition at a level in a
    jurisdiction, dated `applied_on`. Answers 201 with the case (`已申报`), its `Location` and `ETag`.

    **Who may call:** a `caseworker` or `supervisor` holding the role for `jurisdiction` (a grant for
    a province covers its cities and counties); `window_exception`, accepting an application outside
    the window, is a supervisor's.

    **Rules:** R1 the application window (or the announced round, R19) — 409 `/problems/window-closed`;
    R2 no reapplication ban in force — 409 `/problems/ban-in-force`; R3 one open case per base, level
    and programme — 409 `/problems/open-case-exists`; R18 a required lower recognition — 409
    `/problems/prerequisite-missing`; the credit code's check character (GB 32100) and the
    jurisdiction (GB/T 2260) — 422. With `Idempotency-Key`, a repeat returns the first answer."""
    once = idempotent(request, user, idempotency_key, body, lambda r: (201, case_view(rt, r.case, user, r.timers)))
    problems.name_fields(request, on="applied_on")
    result = cases.open_case(
        rt, operator_name=body.operator.name, credit_code=body.operator.credit_code, base_name=body.base.name,
        base_address=body.base.address, level=body.level, jurisdiction=body.jurisdiction, on=body.applied_on,
        actor=user.username, reason=body.reason, window_exception=body.window_exception,
        contact_email=body.operator.contact_email, user=user, once=once,
        prerequisite_document=body.prerequisite_document, programme=body.programme)
    return answer(rt, result, user, status=201, location=f"/api/v1/cases/{result.case.id}")


@router.get("", response_model=CasePage, summary="Cases in the user's jurisdictions, filtered and paged",
            **documented(ex.CASE_PAGE, VALIDATION))
def list_cases(
    request: Request, rt: RuntimeDep, user: CurrentUser,
    state: str | None = None, level: Level | None = None,
    jurisdiction: Annotated[str | None, Query(pattern=JURISDICTION_PATTERN)] = None,
    credit_code: Annotated[str | None, Query(max_length=18)] = None,
    timer_due_before: date | None = None,
    q: Annotated[str | None, Query(max_length=100, description="A fragment of the base's or the operator's "
                                   "name, the credit code or the 受理编号, or the start of a case id (at least "
                                   "4 characters; issues 15, 16); a whole credit code (its check character "
                                   "right) finds that operator's cases")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2200, description="The year of the application")] = None,
    sort: Sort = "applied_on",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after: Annotated[str | None, Query(max_length=400, description="The `next_after` of the page before: "
                                       "the page that follows it (issue 16, keyset paging)")] = None,
    offset: Annotated[Offset, Query(description="Refused unless 0: pages follow `after` (issue 16)",
                                    deprecated=True)] = 0,
) -> dict:
    """The cases of every state in the jurisdictions the caller's grants cover, filtered by state,
    level, jurisdiction, credit code, year, the next deadline or a fragment of a name, code or number
    (`q`), sorted by `sort` (then by id), a page of `limit` at a time. The next page is the one
    `after` this page's `next_after` (its address is `next`; null on the last page): each page costs
    the same however far one reads, and cases written meanwhile are neither skipped nor repeated.
    `total` counts the matches up to 10,000; past that, `total_capped` is true. `offset` is refused
    unless 0 (422): a page far into the list would cost as much as every page before it.

    **Who may call:** any signed-in user; each sees only the cases of their own jurisdictions (the
    administrators none). Nothing is refused for the jurisdiction: a case outside it is not listed."""
    if offset:
        raise RequestValidationError([{"loc": ("query", "offset"), "type": "value_error",
                                       "msg": "offset paging is gone: follow `next` (or pass `after`)"}])
    try:
        after_key = decode_cursor(sort, after) if after else None
    except InvalidCursor:
        raise RequestValidationError([{"loc": ("query", "after"), "type": "value_error",
                                       "msg": "not a cursor of this list in this sort"}]) from None
    text = normalise(q, field="q") if q else None
    query = CaseFilter(state=state, level=level, jurisdiction=jurisdiction, operator_code=credit_code,
                       timer_due_before=timer_due_before, scopes=tuple(user.scopes()), sort=sort,
                       limit=limit, after=after_key, text=text or None, applied_in=year)
    page = page_of_cases(rt, query)
    next_after = None if page.next_after is None else encode_cursor(sort, *page.next_after)
    return {"items": [r.__dict__ for r in page.rows], "total": page.total, "total_capped": page.total_capped,
            "limit": limit, "next_after": next_after,
            "next": next_page(request, next_after)}


@router.get("/{case_id}", response_model=CaseOut, summary="One case, with the acts this user may record now",
            **documented(ex.RECOGNIZED, CASE_NOT_FOUND, headers=ETAG))
def get_case(case_id: str, rt: RuntimeDep, user: CurrentUser) -> JSONResponse:
    """The case as it is now: state, period, timers and reminders, ban, complaints, objections,
    subsidy instalments and money owed back (in fen), and `allowed_actions`: the acts legal now
    (R1–R23) that this caller may record, four eyes kept (R5, R13). `ETag` is its version, for
    `If-Match` on the next act.

    **Who may call:** a `caseworker`, `supervisor` or `auditor` holding a role for the case's
    jurisdiction; for anyone else the case is not found (404), so its existence does not leak."""
    case = cases.get_case(rt, case_id, user)
    view = case_view(rt, case, user)
    view["reminders"] = [
        {"id": r["id"], "kind": r["timer_kind"], "key": r["timer_key"], "due_on": r["due_on"].isoformat(),
         "step": r["step"], "recipient": r["recipient"], "channel": r["channel"], "status": r["status"],
         "send_on": r["send_on"].isoformat()}
        for r in reminders_of(rt, case_id, ("pending", "sending", "failed"))
    ]
    return JSONResponse(view, headers={"ETag": f'"{case.version}"'})


@router.get("/{case_id}/events", response_model=list[EventOut], summary="The case's history, oldest first",
            **documented(ex.EVENTS, CASE_NOT_FOUND))
def get_events(case_id: str, rt: RuntimeDep, user: CurrentUser) -> JSONResponse:
    """Every event of the case, oldest first: the act, its business date `on`, when it was recorded
    (`recorded_at`), who and why, the rule and policy version it applied, what was entered
    (`payload`), and the hash chain (`prev_hash`, `hash`: SHA-256 or SM3 over the event's canonical
    text, R17). Nothing is ever edited: a correction is a new event.

    **Who may call:** a `caseworker`, `supervisor` or `auditor` of the case's jurisdiction (else 404)."""
    # returned as built: a response model would re-serialise recorded_at (+00:00 → Z), and an
    # auditor recomputing a hash over the served fields must see what was hashed
    return JSONResponse([event_view(e) for e in cases.history(rt, case_id, user)])
