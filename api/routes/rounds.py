"""Application rounds (R1, R19): each policy's rounds with their counts, and the announcement of a
year's round where a policy's rounds are announced."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api import openapi_examples as ex
from api.deps import CurrentUser, RuntimeDep
from api.fields import prose, text
from api.openapi_docs import UNKNOWN_POLICY, VALIDATION, Refusal, documented, forbidden, invalid
from services import rounds
from services.values import Round
from statemachines.errors import UnknownPolicy

router = APIRouter(prefix="/api/v1/rounds", tags=["rounds"])
ALREADY_ANNOUNCED = Refusal("round-already-announced", 409, "This year's round is already announced",
                            "the 2027 round of qingdao-municipal is already announced",
                            {"field": "year", "rule": "R19", "policy_id": "qingdao-municipal", "year": 2027})
NOT_ANNOUNCER = forbidden("announcing a round of qingdao-municipal needs the role supervisor for 370200",
                          act="announce_round", needed=["supervisor"])
FIXED_WINDOW = invalid("policy_id", "贵州省省级创业孵化示范基地认定与管理（2022年质量提升实施方案） fixes its "
                       "window in the policy; its rounds are not announced", rule="R1")


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
             summary="Announce a year's round of a policy whose rounds are announced (R19)",
             **documented(ex.ROUND, NOT_ANNOUNCER, ALREADY_ANNOUNCED, FIXED_WINDOW, VALIDATION, body=ex.ROUND_IN,
                          status=201))
def announce_round(body: RoundIn, rt: RuntimeDep, user: CurrentUser) -> dict[str, Any]:
    """Publishes a year's application round (每年发布申报通知) of a policy whose rounds are announced:
    its dates, its quota of recognitions (名额; the policy's when left out) and the notice's 文号,
    once a year (409 when it is announced already). From then applications are taken within it
    and approvals counted against its quota (R19).

    **Who may call:** a `supervisor` of the policy's jurisdiction (else 403)."""
    return round_view(rounds.announce(rt, user, policy_id=body.policy_id, year=body.year, opens_on=body.opens_on,
                                      closes_on=body.closes_on, quota=body.quota, document=body.document,
                                      reason=body.reason))


@router.get("", response_model=list[RoundOut], summary="A policy's rounds: fixed or announced, with their counts",
            **documented([ex.ROUND], UNKNOWN_POLICY, VALIDATION))
def list_rounds(rt: RuntimeDep, user: CurrentUser,
                policy_id: Annotated[str, Query(min_length=1, max_length=64)]) -> list[dict[str, Any]]:
    """The policy's application rounds (R1, R19), fixed by the policy or announced: their dates,
    whether they opened and closed, the applications received and the quota, and the announcement.

    **Who may call:** any signed-in user."""
    if not rt.policies.versions(policy_id):
        raise UnknownPolicy(f"no policy {policy_id!r}", key="unknown-policy.id", policy_id=policy_id)
    return [round_view(r) for r in rounds.listed(rt, policy_id)]
