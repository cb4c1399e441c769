"""One value for a reminder: planned (services.values.Reminder), queued in the outbox (Queued, which holds
the Reminder), and shown by the API (api.routes.timers.ReminderRow, built from a Queued)."""
from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime

from api.routes.timers import ReminderRow
from services.values import Queued, Reminder

PLANNED = Reminder("c1", "annual_report", "2024", date(2025, 3, 31), "d7", "user:caseworker.wang", "caseworker",
                   "webhook", "https://example.invalid/hook", "主题", "正文", date(2025, 3, 24))


def test_a_queued_reminder_is_read_from_an_outbox_row_its_other_columns_left_aside():
    row = {"id": 7, **vars(PLANNED), "status": "sending", "attempts": 2, "next_attempt_at": datetime(2025, 3, 24),
           "claimed_at": None, "sent_at": None, "last_error": "503", "created_at": datetime(2025, 3, 24),
           "jurisdiction": "520100"}
    assert Queued.of_row(row) == Queued(7, PLANNED, "sending", 2, "503")


def test_the_api_row_shows_the_queued_reminder_without_its_address_and_body():
    shown = ReminderRow.of(Queued(7, PLANNED, "failed", 5, "webhook answered 503")).model_dump()
    assert shown == {"id": 7, **{k: v for k, v in vars(PLANNED).items() if k not in ("address", "body")},
                     "status": "failed", "attempts": 5, "last_error": "webhook answered 503",
                     "step_label": "到期前7日"}  # issue 15: the step in words beside its code


def test_every_field_of_the_api_row_is_a_field_of_the_reminder_or_of_the_outbox():
    known = {f.name for f in fields(Reminder)} | {f.name for f in fields(Queued)}
    derived = {"step_label"}  # issue 15: the step in words, made from `step`
    assert set(ReminderRow.model_fields) <= known | derived


def test_issue_15_reminder_steps_are_said_in_words():
    """issue 15: 到期前30日 not d30, 到期当日 for d0, 逾期督办 for an escalation; an unknown step is left as it is."""
    from services.reminder_texts import step_words

    assert [step_words(s) for s in ("d30", "d7", "d1", "d0", "overdue", "x")] == [
        "到期前30日", "到期前7日", "到期前1日", "到期当日", "逾期督办", "x"]
