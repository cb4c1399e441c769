"""The OpenAPI document's shared declarations (issue 15): the problem+json schema every refusal
is described with, a realistic example of each refusal, the API's conventions, and `documented`,
which gives a route decorator its example request, example answer and refusals.

Kept apart from api/problems.py, which answers the problems: this module only describes them, and
tests/e2e/test_openapi_document.py holds each description to what the service answers.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field

MEDIA_TYPE = "application/problem+json"  # as api/problems.py answers
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


class ProblemError(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    field: str = Field(description="The field, dotted (`operator.credit_code`)")
    in_: str = Field(alias="in", description="Where it was sent: body, query, path or header")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem: why a request was refused. Nothing was written. A problem may carry
    more members of its own kind (`allowed_actions` of an illegal transition, `expected` and
    `actual` of a stale version, the ban of `/problems/ban-in-force`)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="The kind of problem, one per refusal: `/problems/<code>`",
                      examples=["/problems/window-closed"])
    title: str = Field(description="The kind of problem in words, the same for every problem of its type")
    status: int = Field(description="The HTTP status, as answered")
    detail: str = Field(description="This occurrence in words: what was refused and why")
    instance: str = Field(description="The path of the request refused")
    field: str | None = Field(default=None, description="The request field the problem is about, where one is")
    rule: str | None = Field(default=None, description="The rule of docs/rules.md that refused it (R1–R23)")
    errors: list[ProblemError] | None = Field(default=None,
                                              description="`/problems/validation`: every malformed field")


DESCRIPTION = """\
The recognition lifecycle of government-recognised entrepreneurship incubation bases (创业孵化基地):
applications, inspections, approvals, annual reports, assessments, rectification, re-evaluation,
suspension, revocation and bans. Every act is an append-only, hash-chained event; the rules each
operation enforces (R1–R23) are in the repository's `docs/rules.md`.

## Conventions

- **Sign-in.** Every request carries `Authorization: Bearer <token>`: a program's token from
  `incubase tokens create USER`, or a session's from `POST /api/v1/sessions`. Without a valid one
  the answer is 401 `/problems/unauthenticated`.
- **Who may do what.** Roles are held per jurisdiction (GB/T 2260 codes; a grant for 520000 covers
  all of Guizhou, 000000 the country). `caseworker` records acts, `supervisor` also decides
  (approve, reject, revoke, reinstate, re-evaluate, decide objections, window exceptions),
  `auditor` reads; the administrators `sysadmin`, `secadmin`, `auditadmin` (三员分立) manage accounts,
  grants and the security record and see no case. A case outside the caller's jurisdictions is
  404, as if it did not exist; an act the caller's role does not cover is 403 `/problems/forbidden`,
  and four eyes (R5, R13, R17) 403 `/problems/four-eyes`.
- **Money in fen.** Every amount is an integer number of fen (分; 1 元 = 100 分): `amount_fen`,
  `owed_fen`, `subsidy_total_fen` — 50000000 is ¥500,000.00. The web pages show and take 元.
- **Business date and recorded time.** `on` (and `applied_on`) is the business date (办理日期) the act
  happened, a calendar date in Asia/Shanghai, never after today and never before the case's last
  act (R17); the service stamps `recorded_at`, the moment it was recorded (UTC, ISO 8601 with its
  offset). Audits replay a case as of either: `GET /api/v1/cases/{case_id}/state?as_of=` (a
  business date) or `?as_of_recorded=` (a moment, with its time zone).
- **Versions: ETag and If-Match.** A case read or act answers `ETag: "<version>"`. Send it back as
  `If-Match` with the next act: if the case changed meanwhile the act is refused with 412
  `/problems/stale-version` and nothing is written. Without `If-Match` the act is recorded against
  the case as it is.
- **Idempotency-Key.** `POST /api/v1/cases` and every act take an `Idempotency-Key` header (1–200
  characters). Sent again with the same body, it returns the first answer with
  `Idempotent-Replayed: true` and writes nothing more; with another body it is 422
  `/problems/idempotency-key-reused`, and while the first is still running 409
  `/problems/request-in-progress`. The answer is stored in the same transaction as the act.
- **Paging.** `GET /api/v1/cases` and `GET /api/v1/timers` are paged by keyset (issue 16): they
  take `limit` (the cases `sort` too) and answer `next_after` and `next`, the cursor and the address
  of the next page (null on the last); follow `next` to read to the end. Each page costs the same
  however far in, and a row written meanwhile is neither skipped nor repeated; `total` counts up to
  10,000 cases or 1,000 timers (`total_capped` past it), and `offset` other than 0 is refused (422).
  A cursor is opaque and good for the list (and the sort) that gave it. The other listings take `limit` and `offset` and
  answer in a stable order; read them to their end by raising `offset` by `limit` until a page is
  short. Walks over every case inside the service (sweeps, exports, anchors) use keyset paging by
  case id, so a case written meanwhile is neither skipped nor repeated.
- **Languages.** Send `Accept-Language: zh` (the default) or `en`: the problems' `detail` follows
  it where a message has both; `type`, `title` and the fields are the same in every language.
  Names of states are given in Chinese beside their codes (`state_name`).
- **Errors.** Every refusal is RFC 9457 `application/problem+json` with its own `type`
  (`/problems/<code>`), the `status`, a `detail` in words, the `instance` refused and, where they
  apply, the `field` it is about, the `rule` that refused it and, for a malformed request, every
  error in `errors`. Nothing is written when a problem is answered. Text no field may hold (a NUL,
  a lone surrogate) anywhere in a request is 422 `/problems/invalid-text`; a body past the limit
  413 `/problems/too-large`; too many expensive reads (verification, dossiers, statistics) 429
  `/problems/rate-limited` with `Retry-After`.
"""

# the groups of operations, in the order the docs list them
TAGS = [
    {"name": "cases", "description": "Apply, find cases, read one and its history"},
    {"name": "actions", "description": "The acts recorded on a case, one operation each (R4–R22)"},
    {"name": "audit", "description": "Replay, verification, dossiers, statistics, anchors, corrections, the grant "
                                     "ledger"},
    {"name": "reference", "description": "The policies and the eligibility question (R2)"},
    {"name": "rounds", "description": "Application rounds and their quotas (R1, R19)"},
    {"name": "timers", "description": "Deadlines and reminders across the caller's cases"},
    {"name": "admin", "description": "Accounts and role grants (三员分立)"},
    {"name": "security", "description": "Sign-in, one's own password and second factor, lock-outs, the security log"},
]

# what each status means wherever it is answered
STATUS_TEXT = {
    401: "Not signed in: no token, or an expired, idle or revoked one",
    403: "Signed in, but not allowed: the role or the four-eyes rule refuses it",
    404: "No such thing here; a case outside the caller's jurisdictions is not found either",
    409: "Refused by the case's present state or by what is recorded",
    412: "If-Match names an older version of the case: read it again",
    413: "The request body is larger than the service takes",
    422: "A field or parameter is malformed or unknown (`field` names it)",
    429: "Too many requests of this kind just now: wait `Retry-After` seconds",
}
HEADERS = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds until the next request of this kind is taken",
                          "schema": {"type": "integer"}}},
}
ETAG = {"ETag": {"description": "The case's version, for `If-Match` on the next act", "schema": {"type": "string"},
                 "example": '"3"'}}
REPLAYED = {"Idempotent-Replayed": {"description": "`true`: the first answer to this Idempotency-Key, replayed; "
                                                   "nothing more was written", "schema": {"type": "string"}}}


@dataclass(frozen=True)
class Refusal:
    """One problem an operation may answer, as an example of its body."""

    code: str  # its type is /problems/<code>
    status: int
    title: str  # as api/problems.py titles it
    detail: str
    extra: Mapping[str, Any] = field(default_factory=dict)
    name: str = ""  # the example's name where two of one type are shown (else its code)

    def body(self) -> dict[str, Any]:
        return {"type": f"/problems/{self.code}", "title": self.title, "status": self.status,
                "detail": self.detail, **self.extra}


UNAUTHENTICATED = Refusal("unauthenticated", 401, "Not signed in", "sign in: send 'Authorization: Bearer <token>'")
INVALID_TEXT = Refusal("invalid-text", 422, "The text cannot be stored",  # the guard's (api/inputs.py), anywhere
                       "path contains a NUL character (U+0000), which no text may hold", {"field": "path"})
TOO_LARGE = Refusal("too-large", 413, "The request body is too large",
                    "the request body is larger than 1,048,576 bytes, the most any request of this service needs")
RATE_LIMITED = Refusal("rate-limited", 429, "Too many expensive reads",
                       "too many expensive reads (work queue, dashboard, audit, statistics, exports): at most 20 at "
                       "once and 60 a minute per user; try again in 2 s")
CASE_NOT_FOUND = Refusal("case-not-found", 404, "No such case", "no case demo-gy-daxuesheng-x",
                         {"case_id": "demo-gy-daxuesheng-x"})
VALIDATION = Refusal("validation", 422, "The request is malformed", "reason: Field required", {
    "field": "reason", "errors": [{"field": "reason", "in": "body", "message": "Field required"}]})


def forbidden(detail: str, **extra: Any) -> Refusal:
    """403 /problems/forbidden: the caller's roles do not cover what was asked."""
    return Refusal("forbidden", 403, "Not allowed for this user", detail, extra)


def invalid(field: str, detail: str, **extra: Any) -> Refusal:
    """422 /problems/invalid-act: a field the route itself checks, beyond its type."""
    return Refusal("invalid-act", 422, "A field of the act is invalid", detail, {"field": field, **extra})


def act_forbidden(act: str, roles: tuple[str, ...] = ("supervisor",)) -> Refusal:
    """403 for an act by someone whose role in the case's jurisdiction does not cover it (services.authz)."""
    return forbidden(f"'{act}' needs the role {' or '.join(roles)} for jurisdiction 520000; auditor.chen has "
                     f"['auditor']", act=act, needed=list(roles))


def illegal_transition(act: str) -> Refusal:
    """409 for an act the case's state does not allow (a withdrawn case allows none)."""
    return Refusal("illegal-transition", 409, "This act is not allowed in the case's current state",
                   f"'{act}' is not allowed in state 'withdrawn'; allowed now: none",
                   {"act": act, "state": "withdrawn", "allowed_actions": []})


STALE_VERSION = Refusal("stale-version", 412, "The case changed since the version in If-Match",
                        "case demo-bj-shuangchuang changed since version 1, it is now at version 2; reload it and "
                        "try again", {"case_id": "demo-bj-shuangchuang", "expected": 1, "actual": 2})
FUTURE_DATE = Refusal("future-date", 422, "The business date is in the future",
                      "business date 2026-12-04 is after today (2026-12-03)",
                      {"field": "on", "rule": "R17", "on": "2026-12-04", "today": "2026-12-03"})
DATE_OUT_OF_ORDER = Refusal("date-out-of-order", 422, "The business date is before the case's last act",
                            "business date 2026-05-01 is before the case's last act ('inspect' on 2026-05-30)",
                            {"field": "on", "rule": "R17", "on": "2026-05-01", "previous": "2026-05-30"})


def four_eyes(act: str, earlier: str, rule: str) -> Refusal:
    """403 for an act its recorder may not record, having recorded `earlier` (statemachines.acts)."""
    return Refusal("four-eyes", 403, "Four eyes: another user must record this act",
                   f"'{act}' must be recorded by someone other than the user who recorded '{earlier}' "
                   f"(supervisor.li)", {"rule": rule, "actor": "supervisor.li"})


WINDOW_CLOSED = Refusal("window-closed", 409, "The application window is closed",
                        "2026-11-02 is outside the application window; the 2027 round is 2027-04-01 to 2027-04-30 "
                        "(a supervisor may record a reasoned exception)",
                        {"field": "applied_on", "rule": "R1", "opens": "2027-04-01", "closes": "2027-04-30"})
BAN_IN_FORCE = Refusal("ban-in-force", 409, "A reapplication ban is in force",
                       "a reapplication ban at level 'provincial' for 'rectification_failed' (case demo-lps-fanxiang) "
                       "runs until 2028-09-11; a new application is possible from 2028-09-12",
                       {"rule": "R2", "case_id": "demo-lps-fanxiang", "ground": "rectification_failed",
                        "level": "provincial", "last_day": "2028-09-11"})
OPEN_CASE_EXISTS = Refusal("open-case-exists", 409, "The base already has an open case at this level",
                           "the base already has an open case at level 'county': 2fcba3fb5b9d4d5282bd759c852bdd55",
                           {"rule": "R3", "case_id": "2fcba3fb5b9d4d5282bd759c852bdd55"})
INVALID_CREDIT_CODE = Refusal("invalid-credit-code", 422, "Malformed unified social credit code",
                              "credit code '91520100MA6DL6JC0X': check character is 'X', expected '5'",
                              {"field": "credit_code"})
UNKNOWN_JURISDICTION = Refusal("unknown-jurisdiction", 422, "Unknown jurisdiction",
                               "jurisdiction '529999' is not a division in GB/T 2260 (list of 2025-11)",
                               {"field": "jurisdiction", "jurisdiction": "529999"})
UNKNOWN_POLICY = Refusal("unknown-policy", 422, "No policy in force for this jurisdiction and level",
                         "no policy 'guizhou-provincial-2099'", {"field": "jurisdiction"})
IDEMPOTENCY_KEY_REUSED = Refusal("idempotency-key-reused", 422, "Idempotency-Key reused for a different request",
                                 "Idempotency-Key 'apply-2026-11-02-xinqiao' was already used for a different request",
                                 {"field": "Idempotency-Key", "key": "apply-2026-11-02-xinqiao"})
REQUEST_IN_PROGRESS = Refusal("request-in-progress", 409, "A request with this Idempotency-Key is being processed",
                              "a request with Idempotency-Key 'apply-2026-11-02-xinqiao' is being processed; retry "
                              "shortly", {"key": "apply-2026-11-02-xinqiao"})


def role_needed(what: str, role: str, what_zh: str, role_zh: str) -> Refusal:
    """403 for an administrator's act by someone without the role (services.duties)."""
    return forbidden(f"{what} needs the role {role}; caseworker.wang does not hold it", needed=[role],
                     detail_zh=f"{what_zh}须由{role_zh}（{role}）办理")


SIGN_IN_FAILED = Refusal("unauthenticated", 401, "Wrong username or password", "wrong username or password",
                         name="sign-in-failed")


def documented(answer: Any, *refusals: Refusal, body: Any = None, status: int = 200,
               media_type: str = "application/json", headers: Mapping[str, Any] | None = None,
               signed_in: bool = True, files: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The `responses` and `openapi_extra` of a route decorator: an example answer (None: the
    answer has no body), an example request body, and the problems it may answer. Every operation
    also answers 401 where it needs a token (`signed_in`), and 422 (the guard refuses text no
    field may hold anywhere in a request); one with a body answers 413 too. `files`: the other
    media types it answers (a workbook, a CSV), each with what it is."""
    said: dict[str, Any] = {} if answer is None else {"content": {media_type: {"example": answer}}}
    for kind, what in (files or {}).items():
        said["content"][kind] = {"schema": {"type": "string", "format": "binary", "description": what}}
    if headers:
        said["headers"] = dict(headers)
    responses: dict[int | str, dict[str, Any]] = {status: said}
    every = (*((UNAUTHENTICATED,) if signed_in else ()), *refusals, INVALID_TEXT,
             *((TOO_LARGE,) if body is not None else ()))
    for code in sorted({r.status for r in every}):
        responses[code] = _problems(code, [r for r in every if r.status == code])
    extra = {"requestBody": {"content": {"application/json": {"example": body}}}} if body is not None else {}
    return {"responses": responses, "openapi_extra": extra}


def _problems(status: int, refusals: list[Refusal]) -> dict[str, Any]:
    examples: dict[str, dict[str, Any]] = {}
    for r in refusals:
        examples.setdefault(r.name or r.code, {"summary": r.title, "value": r.body()})
    said: dict[str, Any] = {"description": STATUS_TEXT[status],
                            "content": {MEDIA_TYPE: {"schema": PROBLEM_REF, "examples": examples}}}
    if status in HEADERS:
        said["headers"] = HEADERS[status]
    return said


# the path parameters of the examples' `instance`: cases and people of the demo data (`incubase demo`)
PATH_EXAMPLES = {"case_id": "demo-gy-daxuesheng", "username": "caseworker.zhao", "policy_id": "guizhou-provincial-2022"}


def install(app: FastAPI) -> None:
    """The document as FastAPI builds it, with the Problem schema its refusals refer to, and each
    problem example's `instance` the path of its operation."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()  # FastAPI keeps it as app.openapi_schema, which this completes
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}", by_alias=True)
            schemas.update(problem.pop("$defs", {}))
            schemas["Problem"] = problem
            _restore_nulls(document, app)
            for path, operations in document["paths"].items():
                instance = re.sub(r"\{(\w+)\}", lambda m: PATH_EXAMPLES.get(m.group(1), m.group(1)), path)
                for operation in operations.values():
                    _set_instances(operation, instance)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the document


def _restore_nulls(document: dict[str, Any], app: FastAPI) -> None:
    """FastAPI leaves out every null of the document, those inside the examples too (`"period":
    null` of a case not yet recognised), which their schemas then refuse: the declared responses
    and request examples are laid over the document again as they were written."""
    for route in iter_route_contexts(app.routes):  # the routes with their routers' prefixes
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = document["paths"][route.path_format][method.lower()]
            _overlay(operation.setdefault("responses", {}), {str(s): r for s, r in route.responses.items()})
            _overlay(operation, route.openapi_extra or {})


def _overlay(target: dict[str, Any], source: Mapping[str, Any]) -> None:
    for key, value in source.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _overlay(target[key], value)
        else:  # a copy: the document is the app's, the examples this module's
            target[key] = copy.deepcopy(value)


def _set_instances(operation: dict[str, Any], instance: str) -> None:
    for answer in operation.get("responses", {}).values():
        for example in answer.get("content", {}).get(MEDIA_TYPE, {}).get("examples", {}).values():
            first, rest = _split(example["value"], ("type", "title", "status", "detail"))
            example["value"] = {**first, "instance": rest.pop("instance", instance), **rest}


def _split(body: dict[str, Any], keys: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The members `keys` of a problem in the order RFC 9457 lists them, and the rest."""
    return {k: body[k] for k in keys if k in body}, {k: v for k, v in body.items() if k not in keys}
