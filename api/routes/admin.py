"""Users and their role grants, for admins. Policies stay reviewed files (`incubase policies check`)."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CurrentUser, RuntimeDep
from services import users
from services.users import Forbidden, User

router = APIRouter(prefix="/api/v1/users", tags=["admin"])
Role = Literal["caseworker", "supervisor", "auditor", "admin", "auditadmin"]


class GrantIn(BaseModel):
    role: Role
    jurisdiction: str = Field(pattern=r"^\d{6}$")


class UserIn(BaseModel):
    username: str = Field(min_length=2, max_length=63)
    display_name: str = Field(min_length=1, max_length=100)
    email: str | None = Field(default=None, max_length=254)
    grants: list[GrantIn] = Field(default_factory=list, max_length=50)


class GrantOut(BaseModel):
    role: str
    jurisdiction: str
    granted_at: str | None
    revoked_at: str | None


class UserOut(BaseModel):
    username: str
    display_name: str
    email: str | None
    grants: list[GrantOut]


def _admin(user: User) -> None:
    if "admin" not in {g.role for g in user.grants if g.revoked_at is None}:
        raise Forbidden(f"managing users needs the admin role; {user.username} does not hold it")


def _out(user: User) -> dict:
    return {"username": user.username, "display_name": user.display_name, "email": user.email,
            "grants": [{"role": g.role, "jurisdiction": g.jurisdiction,
                        "granted_at": g.granted_at.isoformat() if g.granted_at else None,
                        "revoked_at": g.revoked_at.isoformat() if g.revoked_at else None} for g in user.grants]}


@router.get("", response_model=list[UserOut], summary="Every user with their dated grants (admin)")
def list_users(rt: RuntimeDep, user: CurrentUser) -> list[dict]:
    _admin(user)
    return [_out(u) for u in users.list_users(rt)]


@router.post("", status_code=201, response_model=UserOut, summary="Add a user (admin)")
def add_user(body: UserIn, rt: RuntimeDep, user: CurrentUser) -> dict:
    _admin(user)
    return _out(users.add_user(rt, body.username, body.display_name,
                               [(g.role, g.jurisdiction) for g in body.grants], email=body.email))


@router.post("/{username}/grants", response_model=UserOut, summary="Grant a role in a jurisdiction (admin)")
def grant(username: str, body: GrantIn, rt: RuntimeDep, user: CurrentUser) -> dict:
    _admin(user)
    return _out(users.grant(rt, username, body.role, body.jurisdiction))


@router.post("/{username}/grants/revoke", response_model=UserOut,
             summary="End a grant; it stays on record with its end (admin)")
def revoke(username: str, body: GrantIn, rt: RuntimeDep, user: CurrentUser) -> dict:
    _admin(user)
    return _out(users.revoke_grant(rt, username, body.role, body.jurisdiction))
