"""Policies in force and the eligibility question (R2)."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from api import openapi_examples as ex
from api.deps import CurrentUser, RuntimeDep
from api.fields import JURISDICTION_PATTERN
from api.openapi_docs import INVALID_CREDIT_CODE, UNKNOWN_JURISDICTION, UNKNOWN_POLICY, VALIDATION, documented
from api.schemas import EligibilityOut, Level, PolicySummaryOut
from api.views import ban_view, policy_detail, policy_summary
from services.eligibility import eligibility
from statemachines.errors import UnknownPolicy
from statemachines.programmes import DEFAULT_PROGRAMME, PROGRAMME_PATTERN

router = APIRouter(prefix="/api/v1", tags=["reference"])


@router.get("/policies", response_model=list[PolicySummaryOut], summary="Every policy version",
            **documented([ex.POLICY_SUMMARY]))
def list_policies(rt: RuntimeDep, user: CurrentUser) -> list[dict]:
    """Every version of every policy loaded: its jurisdiction, level, programme, the days it
    governs applications from and to, and whether it is in force today. A case follows the version
    in force on its application date (docs/policies.md).

    **Who may call:** any signed-in user: the policies are public documents."""
    today = rt.today()
    return [policy_summary(p, today) for p in rt.policies]


@router.get("/policies/{policy_id}", summary="One policy: every version with its parameters and clauses",
            **documented(ex.POLICY, UNKNOWN_POLICY))
def get_policy(policy_id: str, rt: RuntimeDep, user: CurrentUser) -> dict:
    """Every version of one policy with its sources (the documents and their 文号), its parameters
    (window, periods, deadlines, grades, bans, subsidy in fen, reminders) and each clause with the
    rule it sets and whether its value is the document's or ours. An unknown id is 422
    `/problems/unknown-policy`.

    **Who may call:** any signed-in user."""
    versions = rt.policies.versions(policy_id)
    if not versions:
        raise UnknownPolicy(f"no policy {policy_id!r}", key="unknown-policy.id", policy_id=policy_id)
    today = rt.today()
    return {"id": policy_id, "versions": [policy_detail(p, today) for p in versions]}


@router.get("/eligibility", response_model=EligibilityOut, summary="May this operator apply now at this level?",
            **documented(ex.ELIGIBILITY, INVALID_CREDIT_CODE, UNKNOWN_JURISDICTION, VALIDATION))
def get_eligibility(
    rt: RuntimeDep, user: CurrentUser,
    credit_code: Annotated[str, Query(min_length=1, max_length=40)],
    level: Level,
    jurisdiction: Annotated[str | None, Query(pattern=JURISDICTION_PATTERN)] = None,
    on: date | None = None,
    programme: Annotated[str, Query(pattern=f"^{PROGRAMME_PATTERN.pattern}$")] = DEFAULT_PROGRAMME,
) -> dict:
    """Whether the operator with this unified social credit code may apply at `level` (in
    `jurisdiction`, for `programme`) on `on`, today when left out: R2, no reapplication ban in
    force (R12, R14; its scope per the policy). Each ban in force with its ground, last day and the
    first day an application is possible again; which case it came from only to users of that
    case's jurisdiction.

    **Who may call:** any signed-in user."""
    day = on or rt.today()
    result = eligibility(rt, credit_code=credit_code, level=level, on=day, jurisdiction=jurisdiction,
                         programme=programme)
    return {"credit_code": result.credit_code, "level": level, "on": day.isoformat(),
            "eligible": result.eligible, "bans": [ban_view(b, user) for b in result.bans]}
