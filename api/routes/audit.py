"""For auditors: a case as of a date, its verification, its dossier, statistics, anchors, corrections."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentUser, ExpectedVersion, RequestOrigin, RuntimeDep
from api.downloads import ExportLanguage, dossier_file, workbook
from api.fields import JURISDICTION_PATTERN, prose
from api.views import case_view
from services import audit
from services.anchors import list_anchors
from services.dossier import dossier
from services.filed_workbooks import statistics_workbook
from services.security_log import logged_export
from services.stats import statistics
from services.users import Forbidden
from statemachines.errors import InvalidAct

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/cases/{case_id}/state", summary="The case replayed as of a business date or a recorded moment")
def state(case_id: str, rt: RuntimeDep, user: CurrentUser,
          as_of: date | None = None, as_of_recorded: datetime | None = None) -> JSONResponse:
    if as_of is None and as_of_recorded is None:
        raise InvalidAct("give as_of (a business date) or as_of_recorded (a timestamp)", field="as_of")
    if as_of_recorded is not None and as_of_recorded.tzinfo is None:
        raise InvalidAct("as_of_recorded needs a time zone, e.g. 2026-03-01T12:00:00+08:00", field="as_of_recorded")
    case = audit.state_as_of(rt, case_id, day=as_of, recorded=as_of_recorded, user=user)
    if case is None:
        return JSONResponse({"id": case_id, "state": None, "existed": False,
                             "as_of": as_of.isoformat() if as_of else None,
                             "as_of_recorded": as_of_recorded.isoformat() if as_of_recorded else None})
    view = case_view(rt, case, user)
    view.pop("allowed_actions")  # acts are recorded on the case as it is now, not as it was
    return JSONResponse({**view, "existed": True, "as_of": as_of.isoformat() if as_of else None,
                         "as_of_recorded": as_of_recorded.isoformat() if as_of_recorded else None})


@router.get("/cases/{case_id}/verify",
            summary="Hash chain, sequence, transitions, corrections, roles, four eyes, replay and projections")
def verify(case_id: str, rt: RuntimeDep, user: CurrentUser) -> dict:
    report = audit.verify_case(rt, case_id, user)
    return {"case_id": case_id, "ok": report.ok, "events": report.events,
            "violations": [asdict(v) for v in report.violations]}


@router.get("/cases/{case_id}/dossier", summary="The dossier as JSON or a spreadsheet (format=xlsx)")
def get_dossier(case_id: str, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin, lang: ExportLanguage,
                format: Literal["json", "xlsx"] = "json") -> Response:
    # every download is on the security log, a refused one too
    return logged_export(rt, origin, "dossier", case_id,
                         lambda: dossier_file(dossier(rt, case_id, user), case_id, format, attach_json=False,
                                              lang=lang),
                         format=format)


@router.get("/stats", summary="Published figures for a jurisdiction and year")
def stats(rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin, lang: ExportLanguage,
          jurisdiction: Annotated[str, Query(pattern=JURISDICTION_PATTERN)],
          year: Annotated[int, Query(ge=2000, le=2200)],
          format: Literal["json", "xlsx"] = "json") -> Response:
    def figures() -> Response:
        if not user.works_on(jurisdiction):
            raise Forbidden(f"{user.username} holds no caseworker, supervisor or auditor role for {jurisdiction}")
        figures = statistics(rt, jurisdiction, year, rt.today()).as_dict()
        if format == "xlsx":
            return workbook(statistics_workbook(figures, rt.clock(), lang), f"stats-{jurisdiction}-{year}.xlsx")
        return JSONResponse(figures)

    return logged_export(rt, origin, "statistics", f"{jurisdiction}/{year}", figures, format=format)


@router.get("/anchors", summary="The daily anchors: each day's case heads, chained")
def anchors(rt: RuntimeDep, user: CurrentUser, since: date | None = None) -> list[dict[str, Any]]:
    return [{"day": a.day.isoformat(), "cases": a.cases, "prev_digest": a.prev_digest, "digest": a.digest,
             "canonical": a.canonical} for a in list_anchors(rt, since)]


class CorrectionChanges(BaseModel):
    """What a correction changes of the act it corrects; the rest of the act follows from its rules."""

    model_config = ConfigDict(extra="forbid")

    on: date | None = Field(None, description="The act's corrected business date")
    reason: prose(4000, min_length=1, description="The act's corrected reason") | None = None  # type: ignore[valid-type]
    payload: dict[str, Any] | None = Field(
        None, description="Corrected values of what a person entered for the act (its fields, e.g. `outcome`, "
                          "`amount_fen`); what its rules derive (periods, instalments, deadlines) is decided again")


class CorrectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: date
    reason: prose(4000, min_length=1)  # type: ignore[valid-type]
    corrects: int = Field(ge=1, description="The seq of the event being corrected")
    changes: CorrectionChanges


@router.post("/cases/{case_id}/actions/correct", summary="Correct an event by a compensating event (R17)")
def correct(case_id: str, body: CorrectIn, rt: RuntimeDep, user: CurrentUser, version: ExpectedVersion) -> JSONResponse:
    changes = body.changes.model_dump(mode="json", exclude_none=True)
    case, _ = audit.correct(rt, case_id, corrects=body.corrects, changes=changes, actor=user.username,
                            on=body.on, reason=body.reason, user=user, expected_version=version)
    return JSONResponse(case_view(rt, case, user), headers={"ETag": f'"{case.version}"'})
