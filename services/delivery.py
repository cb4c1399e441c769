"""Delivering the outbox: send what is due, retry with backoff, and keep failures visible.

A reminder is claimed (status `sending`) in a short transaction before it is sent, so two
deliverers never send the same row at once; a claim left behind by a crash is taken again
after `stale_after`. Delivery is at least once: a crash after sending and before recording
may send a row twice, so each message carries its outbox id for the receiver to deduplicate.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from services.runtime import Runtime
from services.values import Queued as Queued

log = logging.getLogger(__name__)

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = 5


class DeliveryError(Exception):
    """The channel refused or could not be reached; the message says why."""


class Sender(Protocol):
    def send(self, message: Queued) -> None: ...


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def deliver(rt: Runtime, senders: Mapping[str, Sender], *, batch: int = 100,
            max_attempts: int = MAX_ATTEMPTS, backoff: Sequence[timedelta] = BACKOFF,
            stale_after: timedelta = timedelta(minutes=10)) -> DeliveryReport:
    report = DeliveryReport()
    now = rt.clock()
    with rt.uow() as uow:
        claimed = uow.reminders.claim(now, batch, list(senders), now - stale_after)
        uow.commit()
    for message in claimed:
        try:
            senders[message.reminder.channel].send(message)
        except DeliveryError as exc:
            attempts = message.attempts + 1
            final = attempts >= max_attempts
            retry_at = rt.clock() + backoff[min(attempts, len(backoff)) - 1]
            with rt.uow() as uow:
                uow.reminders.failed_attempt(message.id, attempts, str(exc), None if final else retry_at)
                uow.commit()
            (report.failed if final else report.retrying).append(message.id)
            log.warning("reminder %s via %s to %s: attempt %s failed: %s", message.id, message.reminder.channel,
                        message.reminder.address, attempts, exc)
            continue
        with rt.uow() as uow:
            uow.reminders.sent(message.id, rt.clock())
            uow.commit()
        report.sent.append(message.id)
    return report
