"""Timers and reminders across the user's cases."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api import openapi_examples as ex
from api.deps import CurrentUser, Offset, RuntimeDep
from api.openapi_docs import VALIDATION, documented
from services.reminder_texts import step_words
from services.reminders import Queued
from services.timer_queries import TimerFilter, find_reminders, find_timers, my_reminders

router = APIRouter(prefix="/api/v1", tags=["timers"])
Kind = Literal["annual_report", "assessment", "rectification", "reevaluation", "ban_end", "instalment",
               "clawback", "reevaluation_decision", "public_notice"]  # statemachines.timers.KINDS
Status = Literal["pending", "sending", "sent", "failed"]


class TimerRow(BaseModel):
    case_id: str
    base_name: str
    state: str
    jurisdiction: str
    kind: str
    key: str
    due_on: date
    fires_on: date
    provisional: bool


class ReminderRow(BaseModel):
    # a queued reminder as the API shows it, without its address and body (no docstring: it would
    # become the schema's description in /openapi.json)
    id: int
    case_id: str
    timer_kind: str
    timer_key: str
    due_on: date
    step: str
    step_label: str = Field(description="The step in words: 到期前30日, 到期当日, 逾期督办", examples=["到期前30日"])
    recipient: str
    recipient_role: str
    channel: str
    subject: str
    send_on: date
    status: str
    attempts: int
    last_error: str | None

    @classmethod
    def of(cls, queued: Queued) -> ReminderRow:
        # the reminder's fields and the outbox's beside them; what the row does not show is left aside
        return cls.model_validate({**vars(queued.reminder), **vars(queued),
                                   "step_label": step_words(queued.reminder.step)})


@router.get("/timers", response_model=list[TimerRow], summary="Pending timers of the user's cases",
            **documented(ex.TIMERS, VALIDATION))
def list_timers(
    rt: RuntimeDep, user: CurrentUser,
    due_before: date | None = None, kind: Kind | None = None,
    overdue: Annotated[bool, Query(description="Only deadlines already passed and not yet swept.")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: Offset = 0,
) -> list[dict]:
    """The deadlines still pending on the cases of the caller's jurisdictions, by due date: annual
    reports (R7), assessments (R8, R21), rectification (R9), re-evaluation (R10), subsidy
    instalments (R11, R20), ban ends (R14), public notices (R22); `fires_on` is the day the sweep
    acts on one, `provisional` a date whose year's official calendar is not loaded yet (R16).

    **Who may call:** any signed-in user; each sees only their own jurisdictions' cases."""
    query = TimerFilter(due_before=due_before, kind=kind, overdue_on=rt.today() if overdue else None,
                        scopes=tuple(user.scopes()), limit=limit, offset=offset)
    return find_timers(rt, query)


@router.get("/reminders", response_model=list[ReminderRow], summary="Reminders of the user's cases",
            description="The reminders queued for the cases in the user's jurisdictions, by day to send "
                        "(R7–R11: before a deadline, on its day, escalations after it). "
                        "`recipient=me`: the signed-in user's own in-app inbox instead (issue 15), their "
                        "reminders and escalations, escalations (逾期督办) first, then the newest first.\n\n"
                        "**Who may call:** any signed-in user; each sees only their own jurisdictions' cases, "
                        "or their own inbox.",
            **documented(ex.REMINDERS, VALIDATION))
def list_reminders(
    rt: RuntimeDep, user: CurrentUser,
    case_id: str | None = None, status: Status | None = None,
    recipient: Annotated[Literal["me"] | None, Query(
        description="`me`: only the reminders sent to the signed-in user's in-app inbox.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: Offset = 0,
) -> list[ReminderRow]:
    if recipient == "me":
        found = my_reminders(rt, user, case_id=case_id, status=status, limit=limit, offset=offset)
    else:
        found = find_reminders(rt, case_id=case_id, status=status, scopes=tuple(user.scopes()), limit=limit,
                               offset=offset)
    return [ReminderRow.of(Queued.of_row(row)) for row in found]
