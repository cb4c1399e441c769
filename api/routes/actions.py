"""One route per act, each with its own body: POST /api/v1/cases/{id}/actions/{act}.

No `from __future__ import annotations` here: each route's body type is a closure variable,
which FastAPI must see as a class, not as a string to resolve.
"""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api import openapi_examples as ex
from api.act_models import ACT_MODELS, ActIn
from api.answers import answer, idempotent
from api.deps import CurrentUser, ExpectedVersion, IdempotencyKey, RuntimeDep
from api.openapi_docs import (
    CASE_NOT_FOUND,
    DATE_OUT_OF_ORDER,
    ETAG,
    FUTURE_DATE,
    IDEMPOTENCY_KEY_REUSED,
    REPLAYED,
    REQUEST_IN_PROGRESS,
    STALE_VERSION,
    VALIDATION,
    Refusal,
    act_forbidden,
    documented,
    four_eyes,
    illegal_transition,
)
from api.schemas import CaseOut
from api.views import case_view
from services.cases import ACTS
from statemachines.catalogue import CASE_ACTS, DECISION, ActDecl

router = APIRouter(prefix="/api/v1/cases/{case_id}/actions", tags=["actions"])


# who recorded an earlier act may not record these, by these rules (statemachines.acts)
FOUR_EYES_AFTER = {"approve": ("inspect", "R5"), "decide_objection": ("inspect", "R5"), "revoke": ("suspend", "R13")}


def _description(decl: ActDecl) -> str:
    """What the act does, who may record it and the rules it enforces, from its declaration."""
    roles = " or ".join(f"`{r}`" for r in decl.roles)
    decides = " (a decision)" if decl.roles == DECISION else ""
    eyes = (f" Four eyes: nobody who recorded or took part in `{FOUR_EYES_AFTER[decl.name][0]}` on the case may "
            f"record it (403 `/problems/four-eyes`, {FOUR_EYES_AFTER[decl.name][1]})."
            if decl.name in FOUR_EYES_AFTER else "")
    return (f"{decl.summary}: records `{decl.name}` ({decl.zh}) on the case, dated `on` (the business date, not "
            f"after today nor before the case's last act, R17), with its `reason`, as one new event in the "
            f"same transaction as the case's new state. Answers the case as the act left it.\n\n"
            f"**Who may call:** {roles} holding the role for the case's jurisdiction{decides}; anyone else "
            f"403 `/problems/forbidden`, and a case outside the caller's jurisdictions is 404.{eyes}\n\n"
            f"**Rules:** {', '.join(decl.rules)} (docs/rules.md). The act must be in the case's "
            f"`allowed_actions`, else 409 `/problems/illegal-transition` listing them. Send `If-Match` with "
            f"the `ETag` last read: 412 `/problems/stale-version` if the case changed since. With "
            f"`Idempotency-Key`, a repeat returns the first answer and writes nothing more.")


def _refusals(decl: ActDecl) -> tuple[Refusal, ...]:
    eyes = (four_eyes(decl.name, *FOUR_EYES_AFTER[decl.name]),) if decl.name in FOUR_EYES_AFTER else ()
    return (act_forbidden(decl.name, decl.roles), *eyes, CASE_NOT_FOUND, illegal_transition(decl.name),
            REQUEST_IN_PROGRESS, STALE_VERSION, VALIDATION,
            FUTURE_DATE, DATE_OUT_OF_ORDER, IDEMPOTENCY_KEY_REUSED)


def _route(decl: ActDecl, body_model: type[ActIn]) -> None:
    act = decl.name

    def record(case_id: str, body: ActIn, request: Request, rt: RuntimeDep, user: CurrentUser,
               version: ExpectedVersion, idempotency_key: IdempotencyKey = None) -> JSONResponse:
        fields = body.model_dump(exclude={"on", "reason"})
        once = idempotent(request, user, idempotency_key, body, lambda r: (200, case_view(rt, r.case, user, r.timers)))
        result = ACTS[act](rt, case_id, on=body.on, reason=body.reason, actor=user.username, user=user,
                           expected_version=version, once=once, **fields)
        return answer(rt, result, user)

    # FastAPI reads the body's model from the annotation: the act's own model (a subclass of ActIn,
    # which is all the function relies on) rather than the base
    record.__annotations__["body"] = body_model
    record.__name__ = act
    router.add_api_route(f"/{act}", record, methods=["POST"], response_model=CaseOut, summary=decl.summary,
                         operation_id=f"act_{act}", description=_description(decl),
                         **documented(ex.case_after(act), *_refusals(decl), body=ex.ACT_BODIES[act][0],
                                      headers={**ETAG, **REPLAYED}))


for _decl in CASE_ACTS:
    _route(_decl, ACT_MODELS[_decl.name])
