"""Decisions of a round (issue 15): a supervisor approves or refuses several inspected cases of one
application round under one 批复文号, each case decided on its own (services.bulk_decisions).

A request wrong as a whole is a problem+json answer and decides nothing; otherwise the answer is 200
and lists each case's outcome, a case refused on its own with the problem the single act would have
answered. An Idempotency-Key returns the first answer again.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api import openapi_examples as ex
from api.act_models import REASON_LIMIT
from api.answers import idempotent
from api.deps import CurrentUser, IdempotencyKey, RuntimeDep
from api.fields import prose, text
from api.openapi_docs import REQUEST_IN_PROGRESS, UNKNOWN_POLICY, VALIDATION, documented, forbidden
from api.problems import described
from services import bulk_decisions
from services.bulk_decisions import BulkResult, Outcome, Pick

router = APIRouter(prefix="/api/v1/rounds", tags=["rounds"])


class PickIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_id: text(64, min_length=1)  # type: ignore[valid-type]
    version: int | None = Field(default=None, ge=0, le=2**31 - 1,
                                description="The version the case was seen at (its ETag); left out: as it is now")


class DecisionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    decision_number: text(100, min_length=1, description="批复文号, recorded in every case's event")  # type: ignore[valid-type]
    on: date = Field(description="The business date of the decision")
    reason: prose(REASON_LIMIT, min_length=1)  # type: ignore[valid-type]
    cases: list[PickIn] = Field(min_length=1, max_length=bulk_decisions.MOST)


class OutcomeOut(BaseModel):
    case_id: str
    outcome: Literal["decided", "already_decided", "refused"]
    state: str | None = None
    version: int | None = None
    problem: dict[str, Any] | None = Field(default=None, description="Why this case was refused (problem+json)")


class DecisionsOut(BaseModel):
    decision: str
    decision_number: str
    counts: dict[str, int]
    outcomes: list[OutcomeOut]


class WaitingOut(BaseModel):
    case_id: str
    base_name: str
    reference: str | None
    version: int = Field(description="Send it back as the pick's `version`")
    inspected_on: date | None
    inspectors: list[str] = Field(description="Who took part in the inspection, by username")
    may_decide: bool = Field(description="False: this user took part in the inspection, another approves (R5)")


@router.get("/{policy_id}/{year}/decisions", response_model=list[WaitingOut],
            summary="The inspected cases of a round in the user's jurisdictions, to decide (issue 15)",
            **documented(ex.WAITING, UNKNOWN_POLICY))
def waiting_in_round(rt: RuntimeDep, user: CurrentUser, policy_id: str = Path(min_length=1, max_length=64),
                     year: int = Path(ge=2000, le=2200)) -> list[dict[str, Any]]:
    """The cases of the round (the policy, the year they were received) that are inspected and wait
    for a decision, in the user's jurisdictions, each with the version to send back as its pick's
    `version` and whether this user may decide it (R5: not one who inspected it).

    **Who may call:** any signed-in user; only the cases of their own jurisdictions are listed."""
    return [{"case_id": w.case.id, "base_name": w.case.base_name, "reference": w.case.reference,
             "version": w.case.version, "inspected_on": w.inspected_on, "inspectors": list(w.case.inspectors),
             "may_decide": w.may_decide} for w in bulk_decisions.inspected_in_round(rt, user, policy_id, year)]


def _outcome(request: Request, o: Outcome) -> dict[str, Any]:
    return {"case_id": o.case_id, "outcome": o.result,
            "state": o.case.state if o.case else None, "version": o.case.version if o.case else None,
            "problem": described(request, o.refusal) if o.refusal is not None else None}


def _view(request: Request, result: BulkResult) -> dict[str, Any]:
    return {"decision": result.decision, "decision_number": result.decision_number,
            "counts": dict(result.counts()), "outcomes": [_outcome(request, o) for o in result.outcomes]}


@router.post("/{policy_id}/{year}/decisions", response_model=DecisionsOut,
             summary="Approve or refuse several inspected cases of a round under one 批复文号 (issue 15, R5)",
             **documented(ex.DECISIONS, forbidden("deciding a round needs the role supervisor; caseworker.wang "
                                                 "does not hold it", needed=["supervisor"]),
                          REQUEST_IN_PROGRESS, UNKNOWN_POLICY, VALIDATION, body=ex.DECISIONS_IN))
def decide_round(request: Request, rt: RuntimeDep, user: CurrentUser, body: DecisionsIn,
                 policy_id: str = Path(min_length=1, max_length=64), year: int = Path(ge=2000, le=2200),
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Approves (R5) or refuses several inspected cases of one round under one 批复文号, recorded in
    every case's event. Each case is decided in its own transaction with the act's own checks (four
    eyes, `version` as its If-Match, the round's quota, its state): one refused leaves the others
    decided, and its outcome carries the problem the single act would have answered. A case already
    decided so under this number is `already_decided`, so a retry is safe; an `Idempotency-Key`
    replays the first answer. A request wrong as a whole (no case, a case twice, no 批复文号, no such
    policy) is refused and decides nothing.

    **Who may call:** a `supervisor` of the cases' jurisdiction (else 403, or the case's own refusal)."""
    once = idempotent(request, user, idempotency_key, body, lambda r: (200, _view(request, r)))
    result = bulk_decisions.decide(
        rt, user, policy_id=policy_id, year=year, decision=body.decision,
        picks=[Pick(p.case_id, p.version) for p in body.cases], decision_number=body.decision_number,
        on=body.on, reason=body.reason, once=once)
    if result.answer is not None:
        headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
        return JSONResponse(result.answer.body, status_code=result.answer.status, headers=headers)
    return JSONResponse(_view(request, result))
