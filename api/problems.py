"""Errors as RFC 9457 problem details: each kind has its own `type`, status and fields.

Nothing is written when one of these is returned: every error is raised before the unit of
work commits.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import languages
from services.anchors import AnchorDayNotEnded
from services.duties import OwnGrants, SeparationOfDuties
from services.idempotency import IdempotencyKeyReused, RequestInProgress
from services.lockout import LockedOut
from services.passwords import WeakPassword
from services.ports import CaseNotFound
from services.security_log import SecurityLogForbidden
from services.signin import PasswordExpired, SecondFactorRequired, SignInExpired, SignInFailed
from services.text import InvalidText
from services.two_factor import AlreadyEnrolled, NotEnrolling, WrongCode
from services.users import Forbidden, Unauthenticated, UnknownInspector, UnknownUser
from statemachines.corrections import CorrectionRefused
from statemachines.credit_code import InvalidCreditCode
from statemachines.errors import (
    AssessmentNotOpen,
    BanInForce,
    DateOutOfOrder,
    DomainError,
    FourEyesViolation,
    FutureDate,
    IllegalTransition,
    InvalidAct,
    NoRoundAnnounced,
    NotDue,
    OpenCaseExists,
    OutsideNotice,
    PrerequisiteMissing,
    QuotaReached,
    RoundAlreadyAnnounced,
    StaleVersion,
    UnknownPolicy,
    WindowClosed,
)
from statemachines.jurisdiction import UnknownJurisdiction
from statemachines.workcalendar import CalendarUnavailable

MEDIA_TYPE = "application/problem+json"
E = TypeVar("E", bound=Exception)

# status, title, and the request field the error is about (None: not about one field)
PROBLEMS: dict[type[DomainError], tuple[int, str, str | None]] = {
    IllegalTransition: (409, "This act is not allowed in the case's current state", None),
    NotDue: (409, "Nothing is due for this act now", None),
    BanInForce: (409, "A reapplication ban is in force", None),
    WindowClosed: (409, "The application window is closed", "on"),
    NoRoundAnnounced: (409, "No application round is announced for this date", "on"),
    QuotaReached: (409, "The round's quota of recognitions is used up", None),
    RoundAlreadyAnnounced: (409, "This year's round is already announced", "year"),
    OpenCaseExists: (409, "The base already has an open case at this level", None),
    PrerequisiteMissing: (409, "The base lacks the recognition this level requires", None),
    AssessmentNotOpen: (409, "The assessment may not be recorded yet", "on"),
    RequestInProgress: (409, "A request with this Idempotency-Key is being processed", None),
    StaleVersion: (412, "The case changed since the version in If-Match", None),
    CaseNotFound: (404, "No such case", None),
    UnknownUser: (404, "No such user", None),
    FourEyesViolation: (403, "Four eyes: another user must record this act", None),
    OwnGrants: (403, "Nobody grants or revokes their own roles", None),
    SeparationOfDuties: (409, "Separation of duties: one account holds one administrator's role", "role"),
    Forbidden: (403, "Not allowed for this user", None),
    Unauthenticated: (401, "Not signed in", None),
    SignInFailed: (401, "Wrong username or password", None),
    SignInExpired: (401, "The sign-in expired or was completed", None),
    SecondFactorRequired: (401, "A one-time code is needed to sign in", "code"),
    LockedOut: (429, "Locked after failed sign-ins", None),
    PasswordExpired: (403, "The password has expired", "new_password"),
    SecurityLogForbidden: (403, "Not allowed for this user", None),
    AlreadyEnrolled: (409, "Two-factor sign-in is on already", None),
    NotEnrolling: (409, "No two-factor enrolment was started", None),
    WrongCode: (422, "Wrong or used one-time code", "code"),
    WeakPassword: (422, "The password does not meet the policy", "password"),
    InvalidCreditCode: (422, "Malformed unified social credit code", "credit_code"),
    UnknownJurisdiction: (422, "Unknown jurisdiction", "jurisdiction"),
    UnknownPolicy: (422, "No policy in force for this jurisdiction and level", "jurisdiction"),
    FutureDate: (422, "The business date is in the future", "on"),
    DateOutOfOrder: (422, "The business date is before the case's last act", "on"),
    OutsideNotice: (422, "The business date is outside the public notice", "on"),
    IdempotencyKeyReused: (422, "Idempotency-Key reused for a different request", "Idempotency-Key"),
    UnknownInspector: (422, "An inspector named is not a user of the system", "inspectors"),
    CorrectionRefused: (422, "The correction would not be a legal record of the act", "changes"),
    InvalidAct: (422, "A field of the act is invalid", None),
    AnchorDayNotEnded: (409, "The day has not ended yet: it is anchored from the day after", "day"),
    CalendarUnavailable: (422, "No work calendar is loaded for the year of this date", None),
    InvalidText: (422, "The text cannot be stored", None),
}

CODES = {cls: cls.code for cls in PROBLEMS}


def problem(status: int, code: str, title: str, detail: str, instance: str, **extra: Any) -> JSONResponse:
    body = {"type": f"/problems/{code}", "title": title, "status": status, "detail": detail,
            "instance": instance, **{k: v for k, v in extra.items() if v is not None}}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _known(request: Request, exc: Exception) -> JSONResponse:
    cls = next(c for c in type(exc).__mro__ if c in PROBLEMS)
    status, title, field = PROBLEMS[cls]
    details = dict(getattr(exc, "details", {}) or {})
    field = details.pop("field", None) or getattr(exc, "field", None) or field
    # a route whose body names an act's field otherwise (apply's `applied_on` is the act's `on`)
    field = getattr(request.state, "field_names", {}).get(field, field)
    rule = getattr(exc, "rule", None)
    # `detail` in the client's language (Accept-Language); `title` and the fields stay machine-readable
    said = exc.localized(languages.of(request)) if isinstance(exc, DomainError) else str(exc)
    answer = problem(status, CODES[cls], title, said, request.url.path,
                     field=field, rule=rule, **details)
    if isinstance(exc, LockedOut):
        wait = exc.lock.until - request.app.state.runtime.clock()
        answer.headers["Retry-After"] = str(max(1, int(wait.total_seconds()) + 1))
    return answer


def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"field": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]), "in": str(e["loc"][0]),
         "message": e["msg"]}
        for e in exc.errors()
    ]
    first = errors[0]["field"] if errors else None
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, "validation", "The request is malformed", detail, request.url.path,
                   field=first, errors=errors)


def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = {404: "not-found", 405: "method-not-allowed", 400: "bad-request"}.get(exc.status_code, "http-error")
    return problem(exc.status_code, code, str(exc.detail), str(exc.detail), request.url.path)


def name_fields(request: Request, **names: str) -> None:
    """This request's body calls the act's fields by these names, which its problems then use."""
    request.state.field_names = names


def install(app: FastAPI) -> None:
    for cls in PROBLEMS:
        app.add_exception_handler(cls, _known)
    app.add_exception_handler(DomainError, _for(DomainError, _known_or_invalid))
    app.add_exception_handler(RequestValidationError, _for(RequestValidationError, _validation))
    app.add_exception_handler(StarletteHTTPException, _for(StarletteHTTPException, http_problem))


def _for(kind: type[E], answer: Callable[[Request, E], JSONResponse]) -> Callable[[Request, Exception], JSONResponse]:
    """A handler Starlette accepts (its handlers take any Exception) for one kind, which is all it is called with."""
    def handler(request: Request, exc: Exception) -> JSONResponse:
        if not isinstance(exc, kind):
            raise exc
        return answer(request, exc)
    return handler


def _known_or_invalid(request: Request, exc: DomainError) -> JSONResponse:
    if any(c in PROBLEMS for c in type(exc).__mro__):
        return _known(request, exc)
    return problem(422, exc.code, "The request cannot be carried out", exc.localized(languages.of(request)),
                   request.url.path, rule=exc.rule, **exc.details)


def described(request: Request, exc: DomainError) -> dict[str, Any]:
    """The problem body the API would answer `exc` with, for an answer that holds several (issue 15:
    each case of a decision of a round refused on its own)."""
    return json.loads(_known_or_invalid(request, exc).body)
