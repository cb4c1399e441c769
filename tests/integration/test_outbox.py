"""Reminders planned once per (timer, step, recipient, channel) and delivered with retries (R7–R9 timers)."""
from __future__ import annotations

import email
import hashlib
import hmac
import json
import socket
import threading
from datetime import date, timedelta
from email.policy import default as default_policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from db import tables as t
from notify.email import SmtpSender
from notify.webhook import WebhookSender
from services import users
from services.delivery import deliver
from tests.story import INSPECTOR, SUPERVISOR, Story
from tests.webhook import receiving

CHANNELS = ("email", "webhook")
SECRET = "s3cret-for-tests-only"


@pytest.fixture
def recognized(rt, clock) -> Story:
    users.add_user(rt, "caseworker.wang", "王芳", [("caseworker", "520000")], email="wang@dept.example")
    users.add_user(rt, INSPECTOR, "赵磊", [("caseworker", "520000")])
    users.add_user(rt, SUPERVISOR, "李强", [("supervisor", "520000")], email="li@dept.example")
    users.add_user(rt, "supervisor.sun", "孙丽", [("supervisor", "520100")], email="sun@dept.example")
    users.add_user(rt, "supervisor.hu", "胡军", [("supervisor", "310000")], email="hu@dept.example")
    story = Story(rt, clock)
    story.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14), contact_email="ops@base.example")
    return story


def _rows(rt, **where) -> list[dict]:
    with rt.uow() as uow:
        q = sa.select(t.reminders).where(*(t.reminders.c[k] == v for k, v in where.items()))
        return [dict(r) for r in uow.conn.execute(q.order_by(t.reminders.c.id)).mappings()]


def _sweep_days(story: Story, first: date, last: date) -> None:
    day = first
    while day <= last:
        story.clock.set_day(day)
        from services.sweep import sweep

        report = sweep(story.rt, day, channels=CHANNELS)
        assert not report.failed
        day += timedelta(days=1)


def test_r7_each_reminder_step_is_planned_once_on_its_day_and_the_overdue_one_escalates(recognized):
    story = recognized
    # the 2024 report is due 2025-03-31 (a Monday): steps at 30, 7, 1 days before and on the day
    _sweep_days(story, date(2025, 2, 27), date(2025, 4, 2))
    _sweep_days(story, date(2025, 3, 1), date(2025, 4, 2))  # the same days again: nothing new
    rows = _rows(story.rt, timer_kind="annual_report", timer_key="2024")
    by_step = {}
    for r in rows:
        by_step.setdefault(r["step"], set()).add((r["recipient"], r["channel"], r["send_on"]))
    assert {step: {s for _, _, s in v} for step, v in by_step.items()} == {
        "d30": {date(2025, 3, 1)}, "d7": {date(2025, 3, 24)}, "d1": {date(2025, 3, 30)},
        "d0": {date(2025, 3, 31)}, "overdue": {date(2025, 4, 1)}}
    # before the day: the caseworker and the operator's contact, each in the inbox, by e-mail and webhook
    assert by_step["d7"] == {
        ("user:caseworker.wang", "inbox", date(2025, 3, 24)), ("user:caseworker.wang", "email", date(2025, 3, 24)),
        ("user:caseworker.wang", "webhook", date(2025, 3, 24)),
        (f"operator:{story.case.operator_code}", "inbox", date(2025, 3, 24)),
        (f"operator:{story.case.operator_code}", "email", date(2025, 3, 24)),
        (f"operator:{story.case.operator_code}", "webhook", date(2025, 3, 24))}
    # overdue: every supervisor covering 520000 (li, 520000; not sun, Guiyang only; not hu, Shanghai),
    # and the caseworker
    assert {rcpt for rcpt, _, _ in by_step["overdue"]} == {"user:supervisor.li", "user:caseworker.wang"}
    assert len(rows) == len({(r["step"], r["recipient"], r["channel"]) for r in rows})
    overdue_flag = [e for e in story.events if e.act == "flag_overdue_report"]
    assert [(e.on, e.payload["year"]) for e in overdue_flag] == [(date(2025, 4, 1), 2024)]
    subject = next(r["subject"] for r in rows if r["step"] == "d7")
    assert "贵阳市大学生创业园" in subject and "2025年3月31日" in subject and "还有7天" in subject


def test_r7_a_sweep_after_an_outage_plans_only_the_latest_step(recognized):
    story = recognized
    _sweep_days(story, date(2025, 3, 25), date(2025, 3, 25))  # first sweep since February
    steps = {r["step"] for r in _rows(story.rt, timer_kind="annual_report", timer_key="2024")}
    assert steps == {"d7"}


def test_r7_a_report_in_time_ends_the_reminders_and_no_overdue_follows(recognized):
    story = recognized
    _sweep_days(story, date(2025, 3, 1), date(2025, 3, 1))
    story.act("submit_annual_report", date(2025, 3, 10), year=2024)
    _sweep_days(story, date(2025, 3, 10), date(2025, 4, 2))
    steps = {r["step"] for r in _rows(story.rt, timer_kind="annual_report", timer_key="2024")}
    assert steps == {"d30"}
    assert not [e for e in story.events if e.act == "flag_overdue_report"]


def test_r7_two_sweeps_at_once_plan_each_reminder_once(recognized, rt, clock):
    from services.sweep import sweep

    clock.set_day(date(2025, 3, 24))
    barrier = threading.Barrier(2)
    errors = []

    def run():
        barrier.wait()
        try:
            sweep(rt, date(2025, 3, 24), channels=CHANNELS)
        except Exception as exc:  # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert not errors
    rows = _rows(rt, timer_kind="annual_report", timer_key="2024", step="d7")
    assert len(rows) == 6


# --- delivery ---------------------------------------------------------------------------------

class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


@pytest.fixture
def smtp():
    box = _Mailbox()
    with socket.socket() as probe:  # a free port: the controller's readiness check cannot use 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def webhook():
    with receiving("/hook") as receiver:
        yield receiver


def test_r7_reminders_arrive_by_email_and_signed_webhook_in_chinese_and_once(recognized, smtp, webhook):
    story = recognized
    box, port = smtp
    url = webhook.url
    _sweep_days(story, date(2025, 3, 24), date(2025, 3, 24))
    senders = {"email": SmtpSender("127.0.0.1", port, "incubase@dept.example"), "webhook": WebhookSender(url, SECRET)}
    first = deliver(story.rt, senders)
    again = deliver(story.rt, senders)
    assert len(first.sent) == 4 and not first.retrying and not first.failed  # 2 e-mails, 2 webhooks
    assert again.sent == []
    assert sorted(m["To"] for m in box.messages) == ["ops@base.example", "wang@dept.example"]
    mail = box.messages[0]
    assert "贵阳市大学生创业园" in mail["Subject"] and "2025年3月31日" in mail.get_content()
    assert len(webhook.accepted) == 2
    for headers, raw in webhook.accepted:
        expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        assert headers["X-Incubase-Signature"] == expected
        body = json.loads(raw)
        assert body["id"] == int(headers["X-Incubase-Delivery"]) and body["kind"] == "annual_report"
    assert {r["status"] for r in _rows(story.rt, timer_kind="annual_report", step="d7")} == {"sent"}


def test_r7_a_failing_webhook_is_retried_with_backoff_then_failed_and_kept_visible(recognized, webhook, rt, clock):
    story = recognized
    url = webhook.url
    _sweep_days(story, date(2025, 3, 24), date(2025, 3, 24))
    senders = {"webhook": WebhookSender(url, SECRET)}

    webhook.fail_first = 2
    report = deliver(rt, senders)
    assert len(report.retrying) == 2 and not report.sent
    row = _rows(rt, channel="webhook", step="d7")[0]
    assert row["status"] == "pending" and row["attempts"] == 1 and "500" in row["last_error"]
    assert deliver(rt, senders).sent == []  # not before its next attempt
    clock.now += timedelta(minutes=2)
    report = deliver(rt, senders)
    # the two failures were the first row's and the second's
    assert len(report.sent) == 2 and len(webhook.accepted) == 2

    # a receiver that never answers: five attempts, then failed, with the error kept
    _sweep_days(story, date(2025, 3, 30), date(2025, 3, 30))
    webhook.fail_first = 10**6
    for _ in range(6):
        deliver(rt, senders)
        clock.now += timedelta(hours=3)
    failed = _rows(rt, channel="webhook", step="d1")
    assert {r["status"] for r in failed} == {"failed"}
    assert {r["attempts"] for r in failed} == {5}
    assert all("500" in r["last_error"] for r in failed)


def test_r7_an_smtp_server_that_is_down_leaves_the_reminder_to_retry(recognized, rt):
    _sweep_days(recognized, date(2025, 3, 24), date(2025, 3, 24))
    report = deliver(rt, {"email": SmtpSender("127.0.0.1", 9, "incubase@dept.example", timeout=2)})
    assert len(report.retrying) == 2 and not report.sent
    assert {r["status"] for r in _rows(rt, channel="email", step="d7")} == {"pending"}
