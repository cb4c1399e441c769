"""Signing in through the API, one's own password and two-factor sign-in, unlocking, and the
security log (issue 14, level 3). The pages do the same through api/web/signin.py."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field

from api import openapi_examples as ex
from api.deps import CurrentUser, RequestOrigin, RuntimeDep, _bearer, client_address
from api.openapi_docs import SIGN_IN_FAILED, VALIDATION, Refusal, documented, forbidden, invalid, role_needed
from services import duties, lockout, security_log, signin, two_factor, users
from services.values import SecurityLogFilter
from statemachines.errors import InvalidAct

router = APIRouter(prefix="/api/v1", tags=["security"])
LOCKED_OUT = Refusal("locked-out", 429, "Locked after failed sign-ins",
                     "too many failed sign-ins: this account is locked until 2026-12-03 20:15 (Asia/Shanghai); an "
                     "administrator can unlock it sooner", {"scope": "account", "until": "2026-12-03T12:15:00+00:00"})
CODE_NEEDED = Refusal("second-factor-required", 401, "A one-time code is needed to sign in",
                      "this account signs in with a one-time code from its authenticator (code)",
                      {"field": "code", "enrolled": True})
PASSWORD_EXPIRED = Refusal("password-expired", 403, "The password has expired",
                           "the password is older than the policy allows: choose a new one (new_password)",
                           {"field": "new_password"})
WEAK_PASSWORD = Refusal("weak-password", 422, "The password does not meet the policy",
                        "a password has at least 12 characters", {"field": "password", "min_length": 12})
WRONG_PASSWORD = Refusal("unauthenticated", 401, "Not signed in", "the present password is wrong",
                         name="wrong-present-password")
WRONG_CODE = Refusal("wrong-code", 422, "Wrong or used one-time code",
                     "the one-time code is wrong or was already used: enter the code your authenticator shows now, "
                     "or an unused recovery code", {"field": "code"})
ENROLLED = Refusal("two-factor-enrolled", 409, "Two-factor sign-in is on already",
                   "caseworker.wang already signs in with a one-time code; an administrator resets it "
                   "(`incubase users two-factor-reset`) before a new one is issued", {"username": "caseworker.wang"})
NOT_ENROLLING = Refusal("two-factor-not-enrolling", 409, "No two-factor enrolment was started",
                        "no TOTP secret was issued to caseworker.wang: start the enrolment first",
                        {"username": "caseworker.wang"})
NOT_AUDITADMIN = forbidden("the security log is read by the audit administrator (role auditadmin); caseworker.wang "
                           "does not hold it", needed=["auditadmin"])


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
             summary="Sign in: a session token (fixed lifetime, idle time-out); a code where 2FA is on",
             **documented(ex.SESSION, SIGN_IN_FAILED, CODE_NEEDED, PASSWORD_EXPIRED, LOCKED_OUT, WEAK_PASSWORD,
                          VALIDATION, body=ex.SIGN_IN, status=201, signed_in=False))
def sign_in(body: SessionIn, request: Request, rt: RuntimeDep) -> dict[str, Any]:
    """Signs in with username and password, and the one-time `code` where the account's roles ask
    for a second factor: a session token for `Authorization: Bearer`, which ends at `expires_at` or
    after `idle_timeout_minutes` unused. A password past its age is changed here with
    `new_password` (403 `/problems/password-expired` without). Every attempt is on the security
    log; too many failures of one name or from one address lock it (429 with `Retry-After`).

    **Who may call:** anyone: this is the one operation without a token. A wrong username or
    password is one answer (401), so neither can be told apart."""
    step = signin.sign_in_at_once(rt, body.username, body.password, client_address(request), code=body.code,
                                  new_password=body.new_password)
    return {"username": step.user.username, "token": step.token, "expires_at": step.expires_at,
            "idle_timeout_minutes": int(rt.security.session_idle.total_seconds() // 60)}


@router.delete("/sessions/current", status_code=204, summary="Sign out: the token of this request is revoked",
               **documented(None, status=204))
def sign_out(request: Request, rt: RuntimeDep, user: CurrentUser,
             credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None) -> Response:
    """Revokes the token this request carries, a session's or a program's: it is refused from then
    on. Answers 204 without a body; on the security log.

    **Who may call:** any signed-in user, for their own token."""
    if credentials is not None:
        signin.sign_out(rt, credentials.credentials, client_address(request))
    return Response(status_code=204)


class PasswordIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=1000)
    new_password: str = Field(min_length=1, max_length=1000)


@router.post("/me/password", status_code=204, summary="Change one's own password (the policy applies)",
             **documented(None, WRONG_PASSWORD, WEAK_PASSWORD, VALIDATION, body=ex.PASSWORD_IN, status=204))
def change_password(body: PasswordIn, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin,
                    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None) -> Response:
    """Sets a new password after the present one is given again: at least the policy's length and
    none of the most common ones (422 `/problems/weak-password`). The caller's other sessions end.

    **Who may call:** any signed-in user, for their own account."""
    users.change_own_password(rt, user, body.current_password, body.new_password, origin,
                              credentials.credentials if credentials else None)
    return Response(status_code=204)


@router.post("/me/two-factor", status_code=201, summary="Enrol in two-factor sign-in: a new TOTP secret",
             **documented(ex.TWO_FACTOR, ENROLLED, status=201))
def begin_two_factor(rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin) -> dict[str, str]:
    """Issues a new TOTP secret (RFC 6238) and its `otpauth://` address for an authenticator app;
    two-factor sign-in is on once a first code confirms it (`/me/two-factor/confirm`).

    **Who may call:** any signed-in user, for their own account, while it has no second factor
    (else 409: an administrator resets it first)."""
    secret = two_factor.begin(rt, user, origin)
    return {"secret": secret, "uri": two_factor.provisioning_uri(rt, user.username, secret)}


class CodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=20)


@router.post("/me/two-factor/confirm", summary="Turn two-factor sign-in on with a first code: the recovery codes",
             **documented(ex.RECOVERY_CODES, NOT_ENROLLING, ENROLLED, WRONG_CODE, VALIDATION, body=ex.CODE_IN))
def confirm_two_factor(body: CodeIn, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin) -> dict[str, Any]:
    """Turns two-factor sign-in on with a first code from the authenticator, and answers the
    recovery codes, shown this once (each signs in once instead of a code).

    **Who may call:** any signed-in user who started the enrolment (else 409)."""
    return {"recovery_codes": two_factor.turn_on(rt, user, body.code, origin)}


def _sysadmin(user, what: str, what_zh: str) -> None:
    """Accounts are the system administrator's (三员分立): unlocking one, resetting its second factor."""
    duties.require_role_anywhere(user, duties.SYSADMIN, what, what_zh)


NOT_SYSADMIN_UNLOCK = role_needed("unlocking an account", "sysadmin", "解锁账号", "系统管理员")


@router.post("/users/{username}/unlock", summary="Unlock an account locked after failed sign-ins (sysadmin)",
             **documented(ex.UNLOCKED, NOT_SYSADMIN_UNLOCK))
def unlock_user(username: str, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin) -> dict[str, Any]:
    """Lifts the lock-out of an account after failed sign-ins before it ends by itself;
    `was_locked` says whether it was. On the security log.

    **Who may call:** a `sysadmin` (else 403)."""
    _sysadmin(user, "unlocking an account", "解锁账号")
    return {"username": username, "was_locked": lockout.unlock(rt, origin, username=users.normal_username(username))}


class ClientIn(BaseModel):
    client: str = Field(min_length=1, max_length=120, description="The client address, as the security log names it")


@router.post("/client-locks/release", summary="Lift the lock on a client address (sysadmin)",
             **documented(ex.CLIENT_UNLOCKED,
                          role_needed("unlocking a client address", "sysadmin", "解除客户端地址锁定", "系统管理员"),
                          VALIDATION, body=ex.CLIENT_IN))
def unlock_client(body: ClientIn, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin) -> dict[str, Any]:
    """Lifts the lock on a client address (too many failed sign-ins from it), named as the
    security log names it; `was_locked` says whether it was. On the security log.

    **Who may call:** a `sysadmin` (else 403)."""
    _sysadmin(user, "unlocking a client address", "解除客户端地址锁定")
    return {"client": body.client, "was_locked": lockout.unlock(rt, origin, client=body.client.strip())}


@router.post("/users/{username}/two-factor/reset",
             summary="Remove a user's TOTP secret and recovery codes, for a new authenticator (sysadmin)",
             **documented(ex.TWO_FACTOR_RESET, role_needed("resetting two-factor sign-in", "sysadmin", "重置双因素认证",
                                                           "系统管理员"),
                          invalid("username", "an administrator's own two-factor sign-in is reset by another "
                                              "administrator")))
def reset_two_factor(username: str, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin) -> dict[str, Any]:
    """Removes the account's TOTP secret and recovery codes, so that it enrols a new authenticator
    at its next sign-in; `was_enrolled` says whether it had one. On the security log.

    **Who may call:** a `sysadmin`, for another account than its own (else 403, or 422 for its own)."""
    _sysadmin(user, "resetting two-factor sign-in", "重置双因素认证")
    if users.normal_username(username) == user.username:
        raise InvalidAct("an administrator's own two-factor sign-in is reset by another administrator",
                         field="username")
    return {"username": username, "was_enrolled": two_factor.reset_user(rt, users.normal_username(username), origin)}


@router.get("/security-log", summary="The security audit log, newest first (auditadmin); format=csv exports it",
            **documented(ex.SECURITY_LOG, NOT_AUDITADMIN,
                         invalid("since", "since needs a time zone, e.g. 2026-11-22T00:00:00+08:00"), VALIDATION,
                         files={"text/csv": "format=csv: the page as CSV, UTF-8 with a BOM"}))
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
    """The security log (sign-ins and their failures, lock-outs, tokens, accounts, grants,
    exports), newest first, filtered by actor, action, subject, client, result and a time range
    (`since`, `until`, with their time zone), paged by `limit` and `offset`; `format=csv` exports
    the page as CSV (UTF-8 with BOM, for spreadsheets), the export itself logged.

    **Who may call:** an `auditadmin` (else 403)."""
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


@router.get("/security-log/verify", summary="Check the security log's hash chain (auditadmin)",
            **documented(ex.SECURITY_LOG_VERIFIED, NOT_AUDITADMIN))
def verify_security_log(rt: RuntimeDep, user: CurrentUser) -> dict[str, Any]:
    """Recomputes every entry's hash and the chain of the security log: `ok`, the count, and each
    problem named (an entry changed, removed or out of sequence).

    **Who may call:** an `auditadmin` (else 403)."""
    security_log.require_reader(user)
    count, problems = security_log.verify(rt)
    return {"ok": not problems, "entries": count, "problems": [p.__dict__ for p in problems]}
