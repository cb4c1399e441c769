"""Accounts and their role grants, for the administrators (三员分立): the system administrator adds
accounts, the security administrator grants and revokes roles over its own jurisdictions (never
its own), and each sees the accounts of its jurisdictions. Policies stay reviewed files
(`incubase policies check`)."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CurrentUser, RequestOrigin, RuntimeDep
from api.fields import JurisdictionCode, prose, text
from services import users
from services.users import User

router = APIRouter(prefix="/api/v1/users", tags=["admin"])
Role = Literal["caseworker", "supervisor", "auditor", "sysadmin", "secadmin", "auditadmin"]


class GrantIn(BaseModel):
    role: Role
    jurisdiction: JurisdictionCode
    reason: prose(500, description="Why: kept in the grant ledger") = ""  # type: ignore[valid-type]


class UserIn(BaseModel):
    username: text(63, min_length=2)  # type: ignore[valid-type]
    display_name: text(100, min_length=1)  # type: ignore[valid-type]
    email: text(254) | None = None  # type: ignore[valid-type]
    grants: list[GrantIn] = Field(default_factory=list, max_length=50,
                                  description="Refused from the API: a security administrator grants roles "
                                              "after the system administrator added the account")


class GrantOut(BaseModel):
    role: str
    jurisdiction: str
    granted_at: str | None
    revoked_at: str | None
    seq: int | None = Field(default=None, description="The grant's act in the grant ledger")
    revoked_seq: int | None = Field(default=None, description="The act that ended it")


class UserOut(BaseModel):
    username: str
    display_name: str
    email: str | None
    grants: list[GrantOut]


def _out(user: User) -> dict:
    return {"username": user.username, "display_name": user.display_name, "email": user.email,
            "grants": [{"role": g.role, "jurisdiction": g.jurisdiction,
                        "granted_at": g.granted_at.isoformat() if g.granted_at else None,
                        "revoked_at": g.revoked_at.isoformat() if g.revoked_at else None,
                        "seq": g.seq, "revoked_seq": g.revoked_seq} for g in user.grants]}


@router.get("", response_model=list[UserOut],
            summary="The accounts of your jurisdictions with their dated grants there (administrators)")
def list_users(rt: RuntimeDep, user: CurrentUser) -> list[dict]:
    return [_out(u) for u in users.list_users(rt, by=user)]


@router.post("", status_code=201, response_model=UserOut, summary="Add an account, without roles (sysadmin)")
def add_user(body: UserIn, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin) -> dict:
    return _out(users.add_user(rt, body.username, body.display_name,
                               [(g.role, g.jurisdiction) for g in body.grants], email=body.email, by=user,
                               origin=origin))


@router.post("/{username}/grants", response_model=UserOut,
             summary="Grant a role over a jurisdiction your secadmin grant covers, to someone else (secadmin)")
def grant(username: str, body: GrantIn, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin) -> dict:
    return _out(users.grant(rt, username, body.role, body.jurisdiction, by=user, reason=body.reason, origin=origin))


@router.post("/{username}/grants/revoke", response_model=UserOut,
             summary="End a grant; it stays on record with its end (secadmin)")
def revoke(username: str, body: GrantIn, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin) -> dict:
    return _out(users.revoke_grant(rt, username, body.role, body.jurisdiction, by=user, reason=body.reason,
                                   origin=origin))
