"""Delivering the reminders outbox to a real SMTP server and a real webhook receiver (R7–R9 timers).

Both servers listen on 127.0.0.1 only: aiosmtpd collects the mail, a ThreadingHTTPServer records
the webhook calls and can be told to answer 500 for the first N of them.
"""
from __future__ import annotations

import email
import hashlib
import hmac
import json
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.policy import default as default_policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from db import tables as t
from db.engine import make_engine
from db.reminders import SqlReminderRepository
from db.tables import metadata
from db.uow import SqlUnitOfWork
from notify.email import SmtpSender
from notify.webhook import WebhookSender
from services import users
from services.calendars import default_calendar
from services.delivery import BACKOFF, MAX_ATTEMPTS, deliver
from services.runtime import Runtime
from services.sweep import sweep
from tests.e2e.conftest import callers, client  # noqa: F401  (fixtures for the HTTP check)
from tests.policy_variants import scenario_policies
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, Story
from tests.webhook import receiving

SECRET = "s3cret-for-delivery-tests"
BASE = "贵阳市大学生创业园"
D7 = date(2026, 3, 24)  # the d7 step of the 2025 report, due 2026-03-31
D1 = date(2026, 3, 30)


# --- the two servers ---------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    messages: list = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.original_content or envelope.content)
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@pytest.fixture
def smtp():
    box = Mailbox()
    port = _free_port()  # the controller's readiness check cannot use port 0
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def webhook():
    with receiving() as receiver:
        yield receiver, receiver.url


# --- the case and the outbox -----------------------------------------------------------------------

def _add_people(rt) -> None:
    users.add_user(rt, CASEWORKER, "王芳", [("caseworker", "520000")], email="wang@dept.example")
    users.add_user(rt, INSPECTOR, "赵磊", [("caseworker", "520000")])
    users.add_user(rt, SUPERVISOR, "李强", [("supervisor", "520000")], email="li@dept.example")


def _recognized(rt, clock) -> Story:
    s = Story(rt, clock)
    s.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14), contact_email="ops@base.example")
    s.act("submit_annual_report", date(2025, 3, 10), year=2024)
    return s


@pytest.fixture
def story(rt, clock) -> Story:
    _add_people(rt)
    return _recognized(rt, clock)


def _plan(s: Story, day: date, channels=("email", "webhook")) -> None:
    s.clock.set_day(day)
    report = sweep(s.rt, day, channels=channels)
    assert not report.failed, report.failed


def _rows(rt, **where) -> list[dict]:
    with rt.uow() as uow:
        q = sa.select(t.reminders).where(*(t.reminders.c[k] == v for k, v in where.items()))
        return [dict(r) for r in uow.conn.execute(q.order_by(t.reminders.c.id)).mappings()]


def _utc(stamp: datetime | None) -> datetime | None:
    if stamp is not None and stamp.tzinfo is None:  # SQLite gives stored instants back without their zone
        stamp = stamp.replace(tzinfo=UTC)
    return stamp


def _senders(port: int | None = None, url: str | None = None) -> dict:
    out = {}
    if port is not None:
        out["email"] = SmtpSender("127.0.0.1", port, "incubase@dept.example", timeout=5)
    if url is not None:
        out["webhook"] = WebhookSender(url, SECRET, timeout=5)
    return out


# --- sending once ------------------------------------------------------------------------------------

def test_r7_each_pending_reminder_is_sent_once_and_marked_sent(rt, clock, story, smtp, webhook):
    box, port = smtp
    receiver, url = webhook
    _plan(story, D7)
    outbox = [r for r in _rows(rt, timer_key="2025", step="d7") if r["channel"] != "inbox"]
    assert len(outbox) == 4 and {r["status"] for r in outbox} == {"pending"}
    inbox_before = _rows(rt, channel="inbox")

    report = deliver(rt, _senders(port, url))
    assert sorted(report.sent) == sorted(r["id"] for r in outbox)
    assert report.retrying == [] and report.failed == []
    after = {r["id"]: r for r in _rows(rt, timer_key="2025", step="d7")}
    for r in outbox:
        row = after[r["id"]]
        assert (row["status"], row["attempts"], row["last_error"], row["claimed_at"]) == ("sent", 0, None, None)
        assert _utc(row["sent_at"]) == clock.now
    assert _rows(rt, channel="inbox") == inbox_before  # the inbox was never the deliverer's

    assert len(box.messages) == 2 and len(receiver.calls) == 2
    again = deliver(rt, _senders(port, url))  # right after: nothing more to send
    assert (again.sent, again.retrying, again.failed) == ([], [], [])
    clock.now += timedelta(days=1)
    assert deliver(rt, _senders(port, url)).sent == []
    assert len(box.messages) == 2 and len(receiver.calls) == 2


def test_r7_the_email_arrives_with_its_chinese_subject_and_body_intact(rt, story, smtp):
    box, port = smtp
    _plan(story, D7, channels=("email",))
    rows = {r["address"]: r for r in _rows(rt, channel="email", step="d7")}
    assert set(rows) == {"wang@dept.example", "ops@base.example"}
    report = deliver(rt, _senders(port=port))
    assert len(report.sent) == 2

    assert sorted(rcpts[0] for _, rcpts in box.envelopes) == ["ops@base.example", "wang@dept.example"]
    assert {sender for sender, _ in box.envelopes} == {"incubase@dept.example"}
    for mail, raw in zip(box.messages, box.raw, strict=True):
        row = rows[mail["To"]]
        assert mail["From"] == "incubase@dept.example"
        assert mail["Subject"] == row["subject"]
        assert BASE in mail["Subject"] and "2026年3月31日" in mail["Subject"] and "还有7天" in mail["Subject"]
        assert mail.get_content_charset() == "utf-8"
        assert mail.get_content().rstrip("\n") == row["body"]
        assert f"系统编号：{story.case_id}" in mail.get_content()
        assert mail["X-Incubase-Reminder"] == str(row["id"])
        assert f"incubase-reminder-{row['id']}" in mail["Message-ID"]
        # on the wire the headers are ASCII (RFC 2047), so any server takes them
        head = raw.split(b"\r\n\r\n", 1)[0]
        head.decode("ascii")
        assert "贵阳".encode() not in head


def test_r7_the_webhook_is_signed_over_the_raw_body_and_names_the_delivery(rt, story, webhook):
    receiver, url = webhook
    _plan(story, D7, channels=("webhook",))
    rows = {r["id"]: r for r in _rows(rt, channel="webhook", step="d7")}
    assert len(rows) == 2
    assert sorted(deliver(rt, _senders(url=url)).sent) == sorted(rows)

    assert [path for path, *_ in receiver.calls] == ["/hooks/incubase"] * 2
    seen = set()
    for headers, raw in receiver.accepted:
        expected = "sha256=" + hmac.new(SECRET.encode("utf-8"), raw, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Incubase-Signature"], expected)
        wrong = "sha256=" + hmac.new(b"another-secret-entirely", raw, hashlib.sha256).hexdigest()
        assert headers["X-Incubase-Signature"] != wrong
        assert headers["Content-Type"].startswith("application/json")
        body = json.loads(raw.decode("utf-8"))
        delivery = int(headers["X-Incubase-Delivery"])
        row = rows[delivery]
        assert body["id"] == delivery
        assert (body["case_id"], body["kind"], body["key"], body["step"], body["due_on"]) == (
            story.case_id, "annual_report", "2025", "d7", "2026-03-31")
        assert (body["recipient"], body["recipient_role"]) == (row["recipient"], row["recipient_role"])
        assert body["subject"] == row["subject"] and body["body"] == row["body"]
        assert BASE.encode("utf-8") in raw  # UTF-8 as such, not \\u escapes
        seen.add(delivery)
    assert seen == set(rows)


# --- retries --------------------------------------------------------------------------------------------

def test_r7_a_failing_webhook_is_retried_with_backoff_and_succeeds_later(rt, clock, story, webhook):
    receiver, url = webhook
    _plan(story, D7, channels=("webhook",))
    ids = sorted(r["id"] for r in _rows(rt, channel="webhook", step="d7"))
    assert len(ids) == 2
    receiver.fail_first = 2 * 3  # both rows fail three times
    last_next = None
    for attempt in (1, 2, 3):
        report = deliver(rt, _senders(url=url))
        assert sorted(report.retrying) == ids and report.sent == [] and report.failed == []
        rows = _rows(rt, channel="webhook", step="d7")
        for row in rows:
            assert row["status"] == "pending" and row["attempts"] == attempt
            assert "500" in row["last_error"] and url in row["last_error"]
            assert _utc(row["next_attempt_at"]) == clock.now + BACKOFF[attempt - 1]
            assert row["claimed_at"] is None and row["sent_at"] is None
        next_at = max(_utc(r["next_attempt_at"]) for r in rows)
        assert last_next is None or next_at - clock.now > last_next  # the wait grows each time
        last_next = next_at - clock.now
        # not before the next attempt is due
        calls = len(receiver.calls)
        clock.now = next_at - timedelta(seconds=1)
        assert deliver(rt, _senders(url=url)).sent == [] and len(receiver.calls) == calls
        clock.now = next_at + timedelta(seconds=1)

    report = deliver(rt, _senders(url=url))
    assert sorted(report.sent) == ids
    assert [s for *_, s in receiver.calls] == [500] * 6 + [204] * 2
    assert {r["status"] for r in _rows(rt, channel="webhook", step="d7")} == {"sent"}
    assert sorted(int(h["X-Incubase-Delivery"]) for h, _ in receiver.accepted) == ids  # once each
    assert deliver(rt, _senders(url=url)).sent == []


def test_r7_after_max_attempts_the_reminder_is_failed_and_never_dropped(rt, clock, story, webhook):
    receiver, url = webhook
    _plan(story, D7, channels=("webhook",))
    receiver.fail_first = 10**6
    rounds = 0
    while rounds < 20:  # bounded: five attempts are expected
        rounds += 1
        report = deliver(rt, _senders(url=url))
        clock.now += timedelta(hours=3)
        if report.failed:
            break
    rows = _rows(rt, channel="webhook", step="d7")
    assert rounds == MAX_ATTEMPTS
    assert len(rows) == 2
    assert {(r["status"], r["attempts"]) for r in rows} == {("failed", MAX_ATTEMPTS)}
    assert all("500" in r["last_error"] for r in rows)
    assert len(receiver.calls) == 2 * MAX_ATTEMPTS
    for _ in range(3):  # failed stays failed: no more attempts, and the row is kept
        assert deliver(rt, _senders(url=url)).sent == []
        clock.now += timedelta(days=1)
    assert len(receiver.calls) == 2 * MAX_ATTEMPTS
    assert [(r["id"], r["status"]) for r in _rows(rt, channel="webhook", step="d7")] == [
        (r["id"], "failed") for r in rows]


def test_r7_a_longer_retry_budget_waits_the_longest_backoff_after_the_table_ends(rt, clock, story, webhook):
    receiver, url = webhook
    _plan(story, D7, channels=("webhook",))
    receiver.fail_first = 10**6
    waits = []
    for _ in range(7):
        report = deliver(rt, _senders(url=url), max_attempts=7)
        if report.failed:
            break
        row = _rows(rt, channel="webhook", step="d7")[0]
        waits.append(_utc(row["next_attempt_at"]) - clock.now)
        clock.now = _utc(row["next_attempt_at"]) + timedelta(seconds=1)
    assert waits == [*BACKOFF, BACKOFF[-1], BACKOFF[-1]]
    assert {(r["status"], r["attempts"]) for r in _rows(rt, channel="webhook", step="d7")} == {("failed", 7)}


def test_r7_a_failed_reminder_stays_visible_through_the_api(rt, clock, callers, webhook):  # noqa: F811
    story = _recognized(rt, clock)  # the callers' users: wang opened the case, li approved it
    receiver, url = webhook
    _plan(story, D7, channels=("webhook",))
    receiver.fail_first = 10**6
    for _ in range(MAX_ATTEMPTS):
        deliver(rt, _senders(url=url))
        clock.now += timedelta(hours=3)
    wang = callers[CASEWORKER]
    answer = wang.get("/api/v1/reminders", params={"status": "failed"})
    assert answer.status_code == 200, answer.text
    failed = answer.json()
    assert len(failed) == 2
    for r in failed:
        assert (r["status"], r["attempts"], r["channel"], r["step"]) == ("failed", MAX_ATTEMPTS, "webhook", "d7")
        assert r["case_id"] == story.case_id and "500" in r["last_error"]
    assert {r["recipient"] for r in failed} == {f"user:{CASEWORKER}", f"operator:{story.case.operator_code}"}
    by_case = wang.get("/api/v1/reminders", params={"case_id": story.case_id, "status": "failed"}).json()
    assert {r["id"] for r in by_case} == {r["id"] for r in failed}
    case = wang.get(f"/api/v1/cases/{story.case_id}").json()
    assert {(r["id"], r["status"]) for r in case["reminders"]} == {(r["id"], "failed") for r in failed}
    assert callers["caseworker.hu"].get("/api/v1/reminders", params={"status": "failed"}).json() == []


# --- crashes and outages ------------------------------------------------------------------------------

def test_r7_a_claim_left_by_a_crash_is_sent_after_the_stale_timeout(rt, clock, story, webhook):
    receiver, url = webhook
    _plan(story, D7, channels=("webhook",))
    crashed_at = clock.now
    with rt.uow() as uow:  # a deliverer claims and dies before sending
        claimed = uow.reminders.claim(crashed_at, 100, ["webhook"], crashed_at - timedelta(minutes=10))
        uow.commit()
    ids = sorted(m.id for m in claimed)
    assert len(ids) == 2
    rows = _rows(rt, channel="webhook", step="d7")
    assert {(r["status"], _utc(r["claimed_at"])) for r in rows} == {("sending", crashed_at)}

    clock.now = crashed_at + timedelta(minutes=9)
    assert deliver(rt, _senders(url=url)).sent == [] and receiver.calls == []
    clock.now = crashed_at + timedelta(minutes=11)
    report = deliver(rt, _senders(url=url))
    assert sorted(report.sent) == ids
    assert sorted(int(h["X-Incubase-Delivery"]) for h, _ in receiver.accepted) == ids
    assert {(r["status"], r["claimed_at"]) for r in _rows(rt, channel="webhook", step="d7")} == {("sent", None)}
    assert deliver(rt, _senders(url=url)).sent == []
    assert len(receiver.calls) == 2


def test_r7_an_old_sending_row_is_taken_again_and_a_fresh_one_is_not(rt, clock, story, webhook):
    receiver, url = webhook
    _plan(story, D7, channels=("webhook",))
    old, fresh = (r["id"] for r in _rows(rt, channel="webhook", step="d7"))
    with rt.uow() as uow:
        c = t.reminders.c
        uow.conn.execute(t.reminders.update().where(c.id == old).values(
            status="sending", claimed_at=clock.now - timedelta(hours=5)))
        uow.conn.execute(t.reminders.update().where(c.id == fresh).values(
            status="sending", claimed_at=clock.now - timedelta(minutes=2)))
        uow.commit()
    report = deliver(rt, _senders(url=url))
    assert report.sent == [old]
    assert [int(h["X-Incubase-Delivery"]) for h, _ in receiver.accepted] == [old]
    assert {r["id"]: r["status"] for r in _rows(rt, channel="webhook", step="d7")} == {old: "sent", fresh: "sending"}


def test_r7_an_smtp_server_that_is_down_leaves_the_reminder_to_retry(rt, clock, story):
    _plan(story, D7, channels=("email",))
    port = _free_port()  # nothing listens there
    report = deliver(rt, _senders(port=port))
    ids = sorted(r["id"] for r in _rows(rt, channel="email", step="d7"))
    assert sorted(report.retrying) == ids and report.sent == [] and report.failed == []
    for row in _rows(rt, channel="email", step="d7"):
        assert (row["status"], row["attempts"]) == ("pending", 1)
        assert f"SMTP 127.0.0.1:{port}" in row["last_error"]
        assert _utc(row["next_attempt_at"]) == clock.now + BACKOFF[0]

    # the server comes back: the next round after the backoff delivers
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        clock.now += BACKOFF[0] + timedelta(seconds=1)
        report = deliver(rt, _senders(port=port))
    finally:
        controller.stop()
    assert sorted(report.sent) == ids
    assert sorted(m["To"] for m in box.messages) == ["ops@base.example", "wang@dept.example"]


def test_r7_one_channel_down_does_not_hold_back_the_other(rt, story, webhook):
    receiver, url = webhook
    _plan(story, D7)
    report = deliver(rt, _senders(port=_free_port(), url=url))
    assert sorted(report.sent) == sorted(r["id"] for r in _rows(rt, channel="webhook", step="d7"))
    assert sorted(report.retrying) == sorted(r["id"] for r in _rows(rt, channel="email", step="d7"))
    assert {r["status"] for r in _rows(rt, channel="email")} == {"pending"}


def test_r7_a_channel_without_a_sender_is_left_pending(rt, story, webhook):
    receiver, url = webhook
    _plan(story, D7)
    deliver(rt, _senders(url=url))
    assert {r["status"] for r in _rows(rt, channel="email", step="d7")} == {"pending"}
    assert {(r["status"], r["attempts"]) for r in _rows(rt, channel="email")} == {("pending", 0)}


def test_r7_two_deliverers_at_once_send_each_reminder_once(rt, clock, story, smtp, webhook):
    box, port = smtp
    receiver, url = webhook
    _plan(story, D7)
    _plan(story, D1)
    pending = sorted(r["id"] for r in _rows(rt) if r["status"] == "pending")
    assert len(pending) == 8
    barrier = threading.Barrier(3, timeout=30)
    sent, errors = [], []

    def run():
        try:
            barrier.wait()
            sent.extend(deliver(rt, _senders(port, url), batch=3).sent)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not any(th.is_alive() for th in threads) and errors == []
    while len(sent) < len(pending) and len(sent) < 100:  # what the batches left, in the next rounds
        more = deliver(rt, _senders(port, url)).sent
        if not more:
            break
        sent.extend(more)
    assert sorted(sent) == pending
    assert sorted(int(h["X-Incubase-Delivery"]) for h, _ in receiver.accepted) == sorted(
        r["id"] for r in _rows(rt, channel="webhook"))
    assert sorted(int(m["X-Incubase-Reminder"]) for m in box.messages) == sorted(
        r["id"] for r in _rows(rt, channel="email"))


# --- two deliverers taking the same stale claim (PostgreSQL: SQLite serialises writers) -----------------

class _PauseAfterFirstStatement:
    """A connection that runs `meanwhile` right after its first statement (the claim's SELECT)."""

    def __init__(self, conn, meanwhile) -> None:
        self._conn, self._meanwhile, self._count = conn, meanwhile, 0

    def execute(self, *args, **kwargs):
        result = self._conn.execute(*args, **kwargs)
        self._count += 1
        if self._count == 1:
            rows = result.mappings().all()
            self._meanwhile()
            return _Rows(rows)
        return result

    def __getattr__(self, name):
        return getattr(self._conn, name)


class _Rows:
    def __init__(self, rows) -> None:
        self._rows = rows

    def mappings(self):
        return self

    def all(self):
        return self._rows


@pytest.fixture
def pg_rt(pg_url, clock):
    assert pg_url is not None, "PostgreSQL at 127.0.0.1:5432 is needed for this test"
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(tb.name for tb in metadata.sorted_tables)} CASCADE"))
    from functools import partial

    yield Runtime(uow=partial(SqlUnitOfWork, engine, clock), clock=clock,
                  policies=scenario_policies(), calendar=default_calendar())
    engine.dispose()


@pytest.mark.postgres
def test_r7_two_deliverers_never_both_take_the_same_stale_claim(pg_rt, clock):
    rt = pg_rt
    _add_people(rt)
    story = _recognized(rt, clock)
    _plan(story, D7, channels=("webhook",))
    with rt.uow() as uow:  # a deliverer claimed every webhook row and died
        assert len(uow.reminders.claim(clock.now, 100, ["webhook"], clock.now - timedelta(minutes=10))) == 2
        uow.commit()
    clock.now += timedelta(minutes=30)
    now, stale_before = clock.now, clock.now - timedelta(minutes=10)
    taken_by_a = []

    def deliverer_a():  # runs after B has read the stale rows and before B claims them
        with rt.uow() as uow:
            taken_by_a.extend(m.id for m in uow.reminders.claim(now, 100, ["webhook"], stale_before))
            uow.commit()

    with rt.uow() as uow:
        b = SqlReminderRepository(_PauseAfterFirstStatement(uow.conn, deliverer_a))
        taken_by_b = [m.id for m in b.claim(now, 100, ["webhook"], stale_before)]
        uow.commit()
    assert len(taken_by_a) == 2
    assert set(taken_by_a) & set(taken_by_b) == set(), "both deliverers claimed (and would send) the same rows"
