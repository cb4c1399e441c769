"""Accounts and their role grants, for the administrators (三员分立): the system administrator adds
accounts, the security administrator grants and revokes roles over its own jurisdictions (never
its own), and each sees the accounts of its jurisdictions. Policies stay reviewed files
(`incubase policies check`)."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api import openapi_examples as ex
from api.deps import CurrentUser, RequestOrigin, RuntimeDep
from api.fields import JurisdictionCode, prose, text
from api.openapi_docs import UNKNOWN_JURISDICTION, VALIDATION, Refusal, documented, forbidden, invalid, role_needed
from services import users
from services.users import User

router = APIRouter(prefix="/api/v1/users", tags=["admin"])
UNKNOWN_USER = Refusal("unknown-user", 404, "No such user", "no user 'caseworker.zhao2'",
                       {"username": "caseworker.zhao2"})
OWN_GRANTS = Refusal("own-grants", 403, "Nobody grants or revokes their own roles",
                     "secadmin.wu may not grant a role of their own; another security administrator must",
                     {"username": "secadmin.wu",
                      "detail_zh": "不能为本人授予或撤销角色（secadmin.wu），须由另一位安全管理员办理"})
NOT_SECADMIN = role_needed("granting or revoking a role", "secadmin", "授予或撤销角色", "安全管理员")
SEPARATION = Refusal("separation-of-duties", 409, "Separation of duties: one account holds one administrator's role",
                     "separation of duties: sysadmin.zhou holds sysadmin, so cannot also hold secadmin (the system, "
                     "security and audit administrators are three different accounts)",
                     {"field": "role", "username": "sysadmin.zhou", "role": "secadmin", "held": "sysadmin"})
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
            summary="The accounts of your jurisdictions with their dated grants there (administrators)",
            **documented([ex.ACCOUNT], forbidden(
                "reading the accounts needs an administrator's role (sysadmin, secadmin, auditadmin); caseworker.wang "
                "holds none", needed=["sysadmin", "secadmin", "auditadmin"])))
def list_users(rt: RuntimeDep, user: CurrentUser) -> list[dict]:
    """The accounts with a grant in the caller's jurisdictions, each with its grants there, dated
    (granted and revoked), and their acts in the grant ledger.

    **Who may call:** any of the three administrators, `sysadmin`, `secadmin`, `auditadmin` (else 403)."""
    return [_out(u) for u in users.list_users(rt, by=user)]


@router.post("", status_code=201, response_model=UserOut, summary="Add an account, without roles (sysadmin)",
             **documented(ex.NEW_ACCOUNT, role_needed("adding an account", "sysadmin", "新增账号", "系统管理员"),
                          invalid("username", "username 'Zhang Min': lower-case letters, digits, '.', '_' or '-'"),
                          VALIDATION, body=ex.USER_IN, status=201))
def add_user(body: UserIn, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin) -> dict:
    """Adds an account with its username, display name and e-mail, and no role: roles are granted
    by a security administrator afterwards (三员分立), so `grants` is refused here (403). The act is
    on the security log.

    **Who may call:** a `sysadmin` (else 403)."""
    return _out(users.add_user(rt, body.username, body.display_name,
                               [(g.role, g.jurisdiction) for g in body.grants], email=body.email, by=user,
                               origin=origin))


@router.post("/{username}/grants", response_model=UserOut,
             summary="Grant a role over a jurisdiction your secadmin grant covers, to someone else (secadmin)",
             **documented(ex.ACCOUNT, NOT_SECADMIN, OWN_GRANTS, UNKNOWN_USER, SEPARATION, UNKNOWN_JURISDICTION,
                          VALIDATION, body=ex.GRANT_IN))
def grant(username: str, body: GrantIn, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin) -> dict:
    """Grants `role` over `jurisdiction` to the account, with the `reason`: a new act of the
    hash-chained grant ledger, in the same transaction as the grant. One account holds at most one
    administrator's role (409 `/problems/separation-of-duties`); `sysadmin` and `auditadmin` are
    appointed at the server's console only.

    **Who may call:** a `secadmin` whose grant covers `jurisdiction`, never for its own account
    (403 `/problems/own-grants`)."""
    return _out(users.grant(rt, username, body.role, body.jurisdiction, by=user, reason=body.reason, origin=origin))


@router.post("/{username}/grants/revoke", response_model=UserOut,
             summary="End a grant; it stays on record with its end (secadmin)",
             **documented(ex.ACCOUNT, NOT_SECADMIN, OWN_GRANTS, UNKNOWN_USER, UNKNOWN_JURISDICTION, VALIDATION,
                          body=ex.GRANT_IN))
def revoke(username: str, body: GrantIn, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin) -> dict:
    """Ends the account's grant of `role` over `jurisdiction`, with the `reason`: the grant stays on
    record with the day it ended, and the ledger gains the act.

    **Who may call:** a `secadmin` whose grant covers `jurisdiction`, never for its own account."""
    return _out(users.revoke_grant(rt, username, body.role, body.jurisdiction, by=user, reason=body.reason,
                                   origin=origin))
