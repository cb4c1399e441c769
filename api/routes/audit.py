"""For auditors: a case as of a date, its verification, its dossier, statistics, anchors, corrections."""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from api import openapi_examples as ex
from api.deps import CurrentUser, ExpectedVersion, RequestOrigin, RuntimeDep
from api.downloads import ExportLanguage, dossier_file, workbook
from api.fields import JURISDICTION_PATTERN, prose
from api.openapi_docs import (
    CASE_NOT_FOUND,
    ETAG,
    RATE_LIMITED,
    STALE_VERSION,
    VALIDATION,
    Refusal,
    act_forbidden,
    documented,
    forbidden,
    four_eyes,
    invalid,
)
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
AS_OF_MISSING = invalid("as_of", "give as_of (a business date) or as_of_recorded (a timestamp)")
NOT_WORKING_THERE = forbidden("caseworker.hu holds no caseworker, supervisor or auditor role for 520000")
CORRECTION_REFUSED = Refusal("correction-refused", 422, "The correction would not be a legal record of the act",
                             "the corrected business date 2026-04-19 is before the case's previous act "
                             "('apply' on 2026-04-20)", {"field": "changes", "rule": "R17"})
XLSX = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "format=xlsx: the workbook"}


@router.get("/cases/{case_id}/state", summary="The case replayed as of a business date or a recorded moment",
            **documented(ex.STATE_AS_OF, CASE_NOT_FOUND, AS_OF_MISSING))
def state(case_id: str, rt: RuntimeDep, user: CurrentUser,
          as_of: date | None = None, as_of_recorded: datetime | None = None) -> JSONResponse:
    """The case as its events make it: replayed as of a business date (`as_of`, the acts that
    happened by then) or as of a recorded moment (`as_of_recorded`, with its time zone: what the
    record said then, before later corrections, R17). `existed: false` where the case had no event
    yet. Without `allowed_actions`: acts are recorded on the case as it is now.

    **Who may call:** a `caseworker`, `supervisor` or `auditor` of the case's jurisdiction (else 404)."""
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
            summary="Hash chain, sequence, transitions, corrections, roles, four eyes, replay and projections",
            **documented(ex.VERIFIED, CASE_NOT_FOUND, RATE_LIMITED))
def verify(case_id: str, rt: RuntimeDep, user: CurrentUser) -> dict:
    """Checks the case's record (R17): each event's hash and the chain, the sequence, that every act
    was a legal transition recorded by a role allowed it with four eyes kept, that corrections are
    legal, and that the replay equals every stored projection. `ok` with no `violations`, or each
    violation named. An expensive read: rate-limited per user (429).

    **Who may call:** a `caseworker`, `supervisor` or `auditor` of the case's jurisdiction (else 404)."""
    report = audit.verify_case(rt, case_id, user)
    return {"case_id": case_id, "ok": report.ok, "events": report.events,
            "violations": [asdict(v) for v in report.violations]}


@router.get("/cases/{case_id}/dossier", summary="The dossier as JSON or a spreadsheet (format=xlsx)",
            **documented(ex.DOSSIER, CASE_NOT_FOUND, RATE_LIMITED, files=XLSX))
def get_dossier(case_id: str, rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin, lang: ExportLanguage,
                format: Literal["json", "xlsx"] = "json") -> Response:
    """The case's file for the record: the case, every event with its canonical text and hash,
    its timers and reminders, and the verification, as JSON or as an xlsx workbook
    (`format=xlsx`). Every download, a refused one too, is written to the security log. An
    expensive read: rate-limited per user (429).

    **Who may call:** a `caseworker`, `supervisor` or `auditor` of the case's jurisdiction (else 404)."""
    # every download is on the security log, a refused one too
    return logged_export(rt, origin, "dossier", case_id,
                         lambda: dossier_file(dossier(rt, case_id, user), case_id, format, attach_json=False,
                                              lang=lang),
                         format=format)


@router.get("/stats", summary="Published figures for a jurisdiction and year",
            **documented(ex.STATS, NOT_WORKING_THERE, RATE_LIMITED, VALIDATION, files=XLSX))
def stats(rt: RuntimeDep, user: CurrentUser, origin: RequestOrigin, lang: ExportLanguage,
          jurisdiction: Annotated[str, Query(pattern=JURISDICTION_PATTERN)],
          year: Annotated[int, Query(ge=2000, le=2200)],
          format: Literal["json", "xlsx"] = "json") -> Response:
    """The year's figures of a jurisdiction as published: cases, recognitions (new and extended),
    assessments and their results, rectifications, suspensions, revocations by ground, bans in
    force, overdue reports, by level; as of the year's end (or today, for the running year). As
    JSON or an xlsx workbook (`format=xlsx`); every export is on the security log. An expensive
    read: rate-limited per user (429).

    **Who may call:** a `caseworker`, `supervisor` or `auditor` holding a role for `jurisdiction`
    (else 403 `/problems/forbidden`)."""
    def figures() -> Response:
        if not user.works_on(jurisdiction):
            raise Forbidden(f"{user.username} holds no caseworker, supervisor or auditor role for {jurisdiction}")
        figures = statistics(rt, jurisdiction, year, rt.today()).as_dict()
        if format == "xlsx":
            return workbook(statistics_workbook(figures, rt.clock(), lang), f"stats-{jurisdiction}-{year}.xlsx")
        return JSONResponse(figures)

    return logged_export(rt, origin, "statistics", f"{jurisdiction}/{year}", figures, format=format)


@router.get("/anchors", summary="The daily anchors: each day's case heads, chained",
            **documented(ex.ANCHORS, VALIDATION))
def anchors(rt: RuntimeDep, user: CurrentUser, since: date | None = None) -> list[dict[str, Any]]:
    """Each ended day's anchor, from `since` on: the head (last seq and hash) of every case that day,
    its canonical text and digest, chained to the day before, so an event rewritten later shows
    against an anchor published or kept elsewhere (R17). A day is anchored once it has ended.

    **Who may call:** any signed-in user: the anchors hold hashes, not the cases' contents."""
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


@router.post("/cases/{case_id}/actions/correct", summary="Correct an event by a compensating event (R17)",
             **documented(ex.case_after("inspect"), act_forbidden("correct"),
                          four_eyes("correct", "record_payment", "R17"), CASE_NOT_FOUND, STALE_VERSION,
                          CORRECTION_REFUSED, VALIDATION, body=ex.CORRECT, headers=ETAG))
def correct(case_id: str, body: CorrectIn, rt: RuntimeDep, user: CurrentUser, version: ExpectedVersion) -> JSONResponse:
    """Corrects what a person entered for an earlier event (`corrects`: its seq) by a new,
    compensating event (更正); the original stays. The act is decided again under its policy with
    the `changes` (R17): dates in order and not after the day it was recorded, amounts, periods and
    deadlines from the policy, the history after it still legal — else 422
    `/problems/correction-refused`. Send `If-Match`: 412 if the case changed since.

    **Who may call:** a `supervisor` of the case's jurisdiction (else 403). Four eyes: nobody
    corrects their own act, nobody who took part in an inspection corrects it or its decision, the
    suspender does not correct the revocation (403 `/problems/four-eyes`)."""
    changes = body.changes.model_dump(mode="json", exclude_none=True)
    case, _ = audit.correct(rt, case_id, corrects=body.corrects, changes=changes, actor=user.username,
                            on=body.on, reason=body.reason, user=user, expected_version=version)
    return JSONResponse(case_view(rt, case, user), headers={"ETag": f'"{case.version}"'})
