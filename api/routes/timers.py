"""Timers and reminders across the user's cases."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from api import openapi_examples as ex
from api.deps import CurrentUser, Offset, RuntimeDep, next_page
from api.openapi_docs import VALIDATION, documented
from services.case_listing import InvalidCursor
from services.reminder_texts import step_words
from services.reminders import Queued
from services.timer_queries import (
    TimerFilter,
    decode_cursor,
    encode_cursor,
    find_reminders,
    my_reminders,
    page_of_timers,
)

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


class TimerPage(BaseModel):
    items: list[TimerRow]
    total: int
    # issue 16: counting stops at 1,000 (services.timer_queries.COUNT_CAP); true when there are more
    total_capped: bool = False
    limit: int
    # the cursor of the next page (pass it as `after`), null on the last; `next` is its address
    next_after: str | None = None
    next: str | None = None


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


@router.get("/timers", response_model=TimerPage, summary="Pending timers of the user's cases, paged",
            **documented(ex.TIMER_PAGE, VALIDATION))
def list_timers(
    request: Request, rt: RuntimeDep, user: CurrentUser,
    due_before: date | None = None, kind: Kind | None = None,
    overdue: Annotated[bool, Query(description="Only deadlines already passed and not yet swept.")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: Annotated[str | None, Query(max_length=400, description="The `next_after` of the page before: "
                                       "the page that follows it (issue 16, keyset paging)")] = None,
    offset: Annotated[Offset, Query(description="Refused unless 0: pages follow `after` (issue 16)",
                                    deprecated=True)] = 0,
) -> dict:
    """The deadlines still pending on the cases of the caller's jurisdictions, by due date (then
    case, kind and key): annual reports (R7), assessments (R8, R21), rectification (R9),
    re-evaluation (R10), subsidy instalments (R11, R20), ban ends (R14), public notices (R22);
    `fires_on` is the day the sweep acts on one, `provisional` a date whose year's official calendar
    is not loaded yet (R16). A page of `limit` at a time: the next page is the one `after` this
    page's `next_after` (its address is `next`; null on the last page), each page costing the same
    however far one reads. `total` counts the matches up to 1,000; past that, `total_capped` is
    true. `offset` is refused unless 0 (422).

    **Who may call:** any signed-in user; each sees only their own jurisdictions' cases."""
    if offset:
        raise RequestValidationError([{"loc": ("query", "offset"), "type": "value_error",
                                       "msg": "不再按 offset 翻页：请跟随 `next`（或传入 `after`） / "
                                              "offset paging is gone: follow `next` (or pass `after`)"}])
    try:
        after_key = decode_cursor(after) if after else None
    except InvalidCursor:
        raise RequestValidationError([{"loc": ("query", "after"), "type": "value_error",
                                       "msg": "不是本列表给出的游标 / not a cursor of this list"}]) from None
    query = TimerFilter(due_before=due_before, kind=kind, overdue_on=rt.today() if overdue else None,
                        scopes=tuple(user.scopes()), limit=limit, after=after_key)
    page = page_of_timers(rt, query)
    next_after = None if page.next_after is None else encode_cursor(page.next_after)
    return {"items": page.rows, "total": page.total, "total_capped": page.total_capped, "limit": limit,
            "next_after": next_after,
            "next": next_page(request, next_after)}



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
