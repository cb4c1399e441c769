"""One route per act, each with its own body: POST /api/v1/cases/{id}/actions/{act}.

No `from __future__ import annotations` here: each route's body type is a closure variable,
which FastAPI must see as a class, not as a string to resolve.
"""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.answers import answer, idempotent
from api.deps import CurrentUser, ExpectedVersion, IdempotencyKey, RuntimeDep
from api.schemas import (
    ActIn, AnnualReportIn, AssessmentIn, CaseOut, ComplaintIn, InspectIn, PaymentIn, ReevaluateIn,
    RectificationIn, RevokeIn, SuspendIn, VerifyComplaintIn,
)
from api.views import case_view
from services.cases import ACTS

router = APIRouter(prefix="/api/v1/cases/{case_id}/actions", tags=["actions"])

ACT_BODIES: dict[str, tuple[type[ActIn], str]] = {
    "inspect": (InspectIn, "Record the on-site inspection (R4)"),
    "approve": (ActIn, "Approve the recognition (批复); starts the period (R5, R6)"),
    "reject": (ActIn, "Refuse the recognition (R5)"),
    "withdraw": (ActIn, "The operator withdraws the application or gives the recognition up"),
    "submit_annual_report": (AnnualReportIn, "Record a year's report (R7)"),
    "record_assessment": (AssessmentIn, "Record the periodic assessment (R8)"),
    "record_rectification": (RectificationIn, "Record the re-assessment after rectification (R9)"),
    "record_complaint": (ComplaintIn, "Record a complaint from a served start-up (R12)"),
    "verify_complaint": (VerifyComplaintIn, "Record whether a complaint is valid (R12)"),
    "suspend": (SuspendIn, "Suspend while misconduct is verified (R12)"),
    "reinstate": (ActIn, "Reinstate a suspended case (R13)"),
    "revoke": (RevokeIn, "Revoke the recognition; a ban follows (R9, R12, R14)"),
    "reevaluate": (ReevaluateIn, "Decide the re-evaluation at the end of the period (R10)"),
    "record_payment": (PaymentIn, "Record the payment of a due subsidy instalment (R11)"),
}


def _route(act: str, body_model: type[ActIn], summary: str):
    def record(case_id: str, body: body_model, request: Request, rt: RuntimeDep, user: CurrentUser,  # type: ignore[valid-type]
               version: ExpectedVersion, idempotency_key: IdempotencyKey = None) -> JSONResponse:
        fields = body.model_dump(exclude={"on", "reason"})
        once = idempotent(request, user, idempotency_key, body, lambda r: (200, case_view(rt, r.case, user)))
        result = ACTS[act](rt, case_id, on=body.on, reason=body.reason, actor=user.username, user=user,
                           expected_version=version, once=once, **fields)
        return answer(rt, result, user)

    record.__name__ = act
    router.add_api_route(f"/{act}", record, methods=["POST"], response_model=CaseOut, summary=summary,
                         operation_id=f"act_{act}",
                         responses={409: {"description": "Not allowed in this state (lists allowed_actions)"},
                                    412: {"description": "Stale If-Match"}})


for _act, (_model, _summary) in ACT_BODIES.items():
    _route(_act, _model, _summary)
