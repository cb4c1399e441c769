"""Signing in through the API, one's own password and two-factor sign-in, unlocking, and the
security log (issue 14, level 3). The pages do the same through api/web/signin.py."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field

from api.deps import CurrentUser, RequestOrigin, RuntimeDep, _bearer, client_address
from services import duties, lockout, security_log, signin, two_factor, users
from services.values import SecurityLogFilter
from statemachines.errors import InvalidAct

router = APIRouter(prefix="/api/v1", tags=["security"])


class SessionIn(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)
    code: str = Field(default="", max_length=20, description="The TOTP code (or a recovery code) where the "
                                                              "account signs in with a second factor")
    new_password: str = Field(default="", max_length=1000, description="Where the password has expired")


class SessionOut(BaseModel):
    username: str
    token: str
    expires_at: datetime
    idle_timeout_minutes: int


@router.post("/sessions", status_code=201, response_model=SessionOut,
             summary="Sign in: a session token (fixed lifetime, idle time-out); a code where 2FA is on")
def sign_in(body: SessionIn, request: Request, rt: RuntimeDep) -> dict[str, Any]:
    step = signin.sign_in_at_once(rt, body.username, body.password, client_address(request), code=body.code,
                                  new_password=body.new_password)
    return {"username": step.user.username, "token": step.token, "expires_at": step.expires_at,
            "idle_timeout_minutes": int(rt.security.session_idle.total_seconds() // 60)}


@router.delete("/sessions/current", status_code=204, summary="Sign out: the token of this request is revoked")
def sign_out(request: Request, rt: RuntimeDep, user: CurrentUser,
             credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None) -> Response:
    if credentials is not None:
        signin.sign_out(rt, credentials.credentials, client_address(request))
    return Response(status_code=204)


class PasswordIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=1000)
    new_password: str = Field(min_length=1, max_length=1000)


@router.post("/me/password", status_code=204, summary="Change one's own password (the policy applies)")
def change_password(body: PasswordIn, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin,
                    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None) -> Response:
    users.change_own_password(rt, user, body.current_password, body.new_password, origin,
                              credentials.credentials if credentials else None)
    return Response(status_code=204)


@router.post("/me/two-factor", status_code=201, summary="Enrol in two-factor sign-in: a new TOTP secret")
def begin_two_factor(rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin) -> dict[str, str]:
    secret = two_factor.begin(rt, user, origin)
    return {"secret": secret, "uri": two_factor.provisioning_uri(rt, user.username, secret)}


class CodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=20)


@router.post("/me/two-factor/confirm", summary="Turn two-factor sign-in on with a first code: the recovery codes")
def confirm_two_factor(body: CodeIn, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin) -> dict[str, Any]:
    return {"recovery_codes": two_factor.turn_on(rt, user, body.code, origin)}


def _sysadmin(user, what: str, what_zh: str) -> None:
    """Accounts are the system administrator's (三员分立): unlocking one, resetting its second factor."""
    duties.require_role_anywhere(user, duties.SYSADMIN, what, what_zh)


@router.post("/users/{username}/unlock", summary="Unlock an account locked after failed sign-ins (sysadmin)")
def unlock_user(username: str, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin) -> dict[str, Any]:
    _sysadmin(user, "unlocking an account", "解锁账号")
    return {"username": username, "was_locked": lockout.unlock(rt, origin, username=users.normal_username(username))}


class ClientIn(BaseModel):
    client: str = Field(min_length=1, max_length=120, description="The client address, as the security log names it")


@router.post("/client-locks/release", summary="Lift the lock on a client address (sysadmin)")
def unlock_client(body: ClientIn, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin) -> dict[str, Any]:
    _sysadmin(user, "unlocking a client address", "解除客户端地址锁定")
    return {"client": body.client, "was_locked": lockout.unlock(rt, origin, client=body.client.strip())}


@router.post("/users/{username}/two-factor/reset",
             summary="Remove a user's TOTP secret and recovery codes, for a new authenticator (sysadmin)")
def reset_two_factor(username: str, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin) -> dict[str, Any]:
    _sysadmin(user, "resetting two-factor sign-in", "重置双因素认证")
    if users.normal_username(username) == user.username:
        raise InvalidAct("an administrator's own two-factor sign-in is reset by another administrator",
                         field="username")
    return {"username": username, "was_enrolled": two_factor.reset_user(rt, users.normal_username(username), origin)}


@router.get("/security-log", summary="The security audit log, newest first (auditadmin); format=csv exports it")
def get_security_log(rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin,
                     actor: Annotated[str | None, Query(max_length=120)] = None,
                     action: Annotated[str | None, Query(max_length=40)] = None,
                     subject: Annotated[str | None, Query(max_length=200)] = None,
                     client: Annotated[str | None, Query(max_length=120)] = None,
                     result: Annotated[str | None, Query(max_length=16)] = None,
                     since: datetime | None = None, until: datetime | None = None,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                     offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
                     format: Literal["json", "csv"] = "json") -> Response:
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidAct(f"{name} needs a time zone, e.g. 2026-11-22T00:00:00+08:00", field=name)
    query = SecurityLogFilter(actor=actor, action=action, subject=subject, client=client, result=result,
                              since=since, until=until, limit=limit, offset=offset)
    if format == "csv":
        text = security_log.logged_export(rt, origin, "security-log", "", lambda: security_log.as_csv(
            security_log.search(rt, user, query)[0]), format="csv", limit=limit, offset=offset)
        return Response("\ufeff" + text, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="security-log.csv"'})
    entries, total = security_log.search(rt, user, query)
    return JSONResponse({"total": total, "limit": limit, "offset": offset,
                         "entries": [security_log.entry_dict(e) for e in entries]})


@router.get("/security-log/verify", summary="Check the security log's hash chain (auditadmin)")
def verify_security_log(rt: RuntimeDep, user: CurrentUser) -> dict[str, Any]:
    security_log.require_reader(user)
    count, problems = security_log.verify(rt)
    return {"ok": not problems, "entries": count, "problems": [p.__dict__ for p in problems]}
