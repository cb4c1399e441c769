"""One route per act, each with its own body: POST /api/v1/cases/{id}/actions/{act}.

No `from __future__ import annotations` here: each route's body type is a closure variable,
which FastAPI must see as a class, not as a string to resolve.
"""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.act_models import ACT_MODELS, ActIn
from api.answers import answer, idempotent
from api.deps import CurrentUser, ExpectedVersion, IdempotencyKey, RuntimeDep
from api.schemas import CaseOut
from api.views import case_view
from services.cases import ACTS
from statemachines.catalogue import CASE_ACTS

router = APIRouter(prefix="/api/v1/cases/{case_id}/actions", tags=["actions"])


def _route(act: str, body_model: type[ActIn], summary: str) -> None:
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
    router.add_api_route(f"/{act}", record, methods=["POST"], response_model=CaseOut, summary=summary,
                         operation_id=f"act_{act}",
                         responses={409: {"description": "Not allowed in this state (lists allowed_actions)"},
                                    412: {"description": "Stale If-Match"}})


for _decl in CASE_ACTS:
    _route(_decl.name, ACT_MODELS[_decl.name], _decl.summary)
