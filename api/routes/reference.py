"""Policies in force and the eligibility question (R2)."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, RuntimeDep
from api.fields import JURISDICTION_PATTERN
from api.schemas import EligibilityOut, Level, PolicySummaryOut
from api.views import ban_view, policy_detail, policy_summary
from services.eligibility import eligibility
from statemachines.errors import UnknownPolicy
from statemachines.programmes import DEFAULT_PROGRAMME, PROGRAMME_PATTERN

router = APIRouter(prefix="/api/v1", tags=["reference"])


@router.get("/policies", response_model=list[PolicySummaryOut], summary="Every policy version")
def list_policies(rt: RuntimeDep, user: CurrentUser) -> list[dict]:
    today = rt.today()
    return [policy_summary(p, today) for p in rt.policies]


@router.get("/policies/{policy_id}", summary="One policy: every version with its parameters and clauses")
def get_policy(policy_id: str, rt: RuntimeDep, user: CurrentUser) -> dict:
    versions = rt.policies.versions(policy_id)
    if not versions:
        raise UnknownPolicy(f"no policy {policy_id!r}", key="unknown-policy.id", policy_id=policy_id)
    today = rt.today()
    return {"id": policy_id, "versions": [policy_detail(p, today) for p in versions]}


@router.get("/eligibility", response_model=EligibilityOut, summary="May this operator apply now at this level?")
def get_eligibility(
    rt: RuntimeDep, user: CurrentUser,
    credit_code: Annotated[str, Query(min_length=1, max_length=40)],
    level: Level,
    jurisdiction: Annotated[str | None, Query(pattern=JURISDICTION_PATTERN)] = None,
    on: date | None = None,
    programme: Annotated[str, Query(pattern=f"^{PROGRAMME_PATTERN.pattern}$")] = DEFAULT_PROGRAMME,
) -> dict:
    day = on or rt.today()
    result = eligibility(rt, credit_code=credit_code, level=level, on=day, jurisdiction=jurisdiction,
                         programme=programme)
    return {"credit_code": result.credit_code, "level": level, "on": day.isoformat(),
            "eligible": result.eligible, "bans": [ban_view(b, user) for b in result.bans]}
