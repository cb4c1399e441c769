"""Application rounds (R1, R19): each policy's rounds with their counts, and the announcement of a
year's round where a policy's rounds are announced."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import CurrentUser, RuntimeDep
from api.fields import prose, text
from services import rounds
from services.values import Round
from statemachines.errors import UnknownPolicy

router = APIRouter(prefix="/api/v1/rounds", tags=["rounds"])


class RoundIn(BaseModel):
    policy_id: text(64, min_length=1)  # type: ignore[valid-type]
    year: int = Field(ge=2000, le=2200)
    opens_on: date
    closes_on: date
    quota: int | None = Field(default=None, ge=1, le=100_000,
                              description="Approvals at most; the policy's when left out")
    document: text(100, min_length=1, description="The notice's 文号 or title")  # type: ignore[valid-type]
    reason: prose(2000, min_length=1)  # type: ignore[valid-type]


class AnnouncementOut(BaseModel):
    by: str
    at: str
    document: str
    reason: str


class RoundOut(BaseModel):
    policy_id: str
    year: int
    opens_on: date
    closes_on: date
    opened: bool
    closed: bool
    applications: int | None
    quota: int | None
    announcement: AnnouncementOut | None


def round_view(r: Round) -> dict[str, Any]:
    a = r.announcement
    return {"policy_id": r.policy_id, "year": r.year, "opens_on": r.opens_on.isoformat(),
            "closes_on": r.closes_on.isoformat(), "opened": r.opened, "closed": r.closed,
            "applications": r.applications, "quota": r.quota,
            "announcement": None if a is None else {"by": a.by, "at": a.at.isoformat(), "document": a.document,
                                                    "reason": a.reason}}


@router.post("", status_code=201, response_model=RoundOut,
             summary="Announce a year's round of a policy whose rounds are announced (R19)")
def announce_round(body: RoundIn, rt: RuntimeDep, user: CurrentUser) -> dict[str, Any]:
    return round_view(rounds.announce(rt, user, policy_id=body.policy_id, year=body.year, opens_on=body.opens_on,
                                      closes_on=body.closes_on, quota=body.quota, document=body.document,
                                      reason=body.reason))


@router.get("", response_model=list[RoundOut], summary="A policy's rounds: fixed or announced, with their counts")
def list_rounds(rt: RuntimeDep, user: CurrentUser,
                policy_id: Annotated[str, Query(min_length=1, max_length=64)]) -> list[dict[str, Any]]:
    if not rt.policies.versions(policy_id):
        raise UnknownPolicy(f"no policy {policy_id!r}", key="unknown-policy.id", policy_id=policy_id)
    return [round_view(r) for r in rounds.listed(rt, policy_id)]
