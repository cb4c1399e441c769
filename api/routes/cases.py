"""Cases: apply, list, read one, read its history."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api import problems
from api.answers import answer, idempotent
from api.deps import CurrentUser, IdempotencyKey, Offset, RuntimeDep
from api.fields import JURISDICTION_PATTERN
from api.schemas import ApplyIn, CaseOut, CasePage, EventOut, Level
from api.views import case_view, event_view
from services import cases
from services.ports import CaseFilter
from services.queries import page_of_cases
from services.text import normalise
from services.timer_queries import reminders_of

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
Sort = Literal["applied_on", "-applied_on", "updated", "-updated", "next_due", "-next_due", "state", "-state"]


@router.post("", status_code=201, response_model=CaseOut, summary="Apply: open a case (R1–R3)")
def apply(body: ApplyIn, request: Request, rt: RuntimeDep, user: CurrentUser,
          idempotency_key: IdempotencyKey = None) -> JSONResponse:
    once = idempotent(request, user, idempotency_key, body, lambda r: (201, case_view(rt, r.case, user, r.timers)))
    problems.name_fields(request, on="applied_on")
    result = cases.open_case(
        rt, operator_name=body.operator.name, credit_code=body.operator.credit_code, base_name=body.base.name,
        base_address=body.base.address, level=body.level, jurisdiction=body.jurisdiction, on=body.applied_on,
        actor=user.username, reason=body.reason, window_exception=body.window_exception,
        contact_email=body.operator.contact_email, user=user, once=once,
        prerequisite_document=body.prerequisite_document, programme=body.programme)
    return answer(rt, result, user, status=201, location=f"/api/v1/cases/{result.case.id}")


@router.get("", response_model=CasePage, summary="Cases in the user's jurisdictions, filtered and paged")
def list_cases(
    rt: RuntimeDep, user: CurrentUser,
    state: str | None = None, level: Level | None = None,
    jurisdiction: Annotated[str | None, Query(pattern=JURISDICTION_PATTERN)] = None,
    credit_code: Annotated[str | None, Query(max_length=18)] = None,
    timer_due_before: date | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Words of the base's or the operator's name, "
                                   "the credit code, or the start of the case id (issue 15)")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2200, description="The year of the application")] = None,
    sort: Sort = "applied_on",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> dict:
    text = normalise(q, field="q") if q else None
    query = CaseFilter(state=state, level=level, jurisdiction=jurisdiction, operator_code=credit_code,
                       timer_due_before=timer_due_before, scopes=tuple(user.scopes()), sort=sort,
                       limit=limit, offset=offset, text=text or None, applied_in=year)
    rows, total = page_of_cases(rt, query)
    return {"items": [r.__dict__ for r in rows], "total": total, "limit": limit, "offset": offset}


@router.get("/{case_id}", response_model=CaseOut, summary="One case, with the acts this user may record now")
def get_case(case_id: str, rt: RuntimeDep, user: CurrentUser) -> JSONResponse:
    case = cases.get_case(rt, case_id, user)
    view = case_view(rt, case, user)
    view["reminders"] = [
        {"id": r["id"], "kind": r["timer_kind"], "key": r["timer_key"], "due_on": r["due_on"].isoformat(),
         "step": r["step"], "recipient": r["recipient"], "channel": r["channel"], "status": r["status"],
         "send_on": r["send_on"].isoformat()}
        for r in reminders_of(rt, case_id, ("pending", "sending", "failed"))
    ]
    return JSONResponse(view, headers={"ETag": f'"{case.version}"'})


@router.get("/{case_id}/events", response_model=list[EventOut], summary="The case's history, oldest first")
def get_events(case_id: str, rt: RuntimeDep, user: CurrentUser) -> JSONResponse:
    # returned as built: a response model would re-serialise recorded_at (+00:00 → Z), and an
    # auditor recomputing a hash over the served fields must see what was hashed
    return JSONResponse([event_view(e) for e in cases.history(rt, case_id, user)])
