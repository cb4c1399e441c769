"""The values the services and their storage hand each other across the ports (services.ports).

Plain frozen dataclasses that import nothing from services, so the ports can name them without
an import cycle. Each is also importable from the service module that is about it (a user from
services.users, a reminder from services.reminders, …), where the code using them imports it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from statemachines import jurisdiction as divisions

ROLES = ("caseworker", "supervisor", "auditor", "admin")


@dataclass(frozen=True)
class Grant:
    """A role over a jurisdiction, dated: never deleted, revoked from a moment on."""

    role: str
    jurisdiction: str
    granted_at: datetime | None = None
    revoked_at: datetime | None = None

    def active_at(self, when: datetime) -> bool:
        return (self.granted_at is None or self.granted_at <= when) and (
            self.revoked_at is None or when < self.revoked_at)


@dataclass(frozen=True)
class User:
    id: str
    username: str
    display_name: str
    grants: tuple[Grant, ...]
    email: str | None = None

    def roles_in(self, code: str) -> set[str]:
        """The roles this user holds over a jurisdiction code (grants revoked are gone)."""
        return {g.role for g in self.grants if g.revoked_at is None and divisions.covers(g.jurisdiction, code)}

    def scopes(self, roles: tuple[str, ...] = ROLES) -> list[str]:
        return sorted({g.jurisdiction for g in self.grants if g.revoked_at is None and g.role in roles})


@dataclass(frozen=True)
class StoredAnswer:
    """The answer to an idempotent request, stored in the transaction of the act it answers."""

    fingerprint: str
    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Reminder:
    """A reminder planned into the outbox: once per (timer, step, recipient, channel)."""

    case_id: str
    timer_kind: str
    timer_key: str
    due_on: date
    step: str
    recipient: str
    recipient_role: str
    channel: str
    address: str
    subject: str
    body: str
    send_on: date

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> Reminder:
        """The reminder of an outbox row (its other columns left aside)."""
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True)
class Queued:
    """A reminder as the outbox holds it: its id and where its delivery stands (claimed: `sending`)."""

    id: int
    reminder: Reminder
    status: str  # pending | sending | sent | failed
    attempts: int
    last_error: str | None = None

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> Queued:
        return cls(row["id"], Reminder.of_row(row), row["status"], row["attempts"], row["last_error"])


@dataclass(frozen=True)
class Anchor:
    """One day's anchor of the case heads, chained to the day before by its digest."""

    day: date
    cases: int
    canonical: str
    prev_digest: str
    digest: str
    hash_algorithm: str = "sha256"  # of `digest`: the deployment's (sha256 or sm3)


@dataclass(frozen=True)
class Round:
    """A policy's application round in one year (R1)."""

    policy_id: str
    year: int
    opens_on: date
    closes_on: date
    opened: bool
    closed: bool
    applications: int | None
    quota: int | None = None
    announcement: Announcement | None = None  # where the round was announced by a person (R19)


@dataclass(frozen=True)
class Announcement:
    """Who announced a round (R19), when, under which notice (文号 or title) and why."""

    by: str
    at: datetime
    document: str
    reason: str


@dataclass(frozen=True)
class TimerFilter:
    """Which pending timers a reader asks for, across the cases they may see."""

    due_before: date | None = None
    kind: str | None = None
    overdue_on: date | None = None  # only timers whose day to act has passed by this date
    scopes: tuple[str, ...] | None = None
    limit: int = 100
    offset: int = 0


# --- a case's derived rows as stored, read back by audit verify (services.projections) ---

Row = tuple[Any, ...]  # a row's columns, in the order services.projections names them for its table


@dataclass(frozen=True)
class StoredTimer:
    kind: str
    key: str
    due_on: date
    provisional: bool
    fired: bool


@dataclass(frozen=True)
class StoredProjections:
    """One case's derived rows as stored: each table's rows by their key (the case, for the tables
    keyed by it; the complaint's id; the instalment's number)."""

    case_row: Row | None
    bans: Mapping[str, Row]
    complaints: Mapping[str, Row]
    instalments: Mapping[int, Row]
    clawbacks: Mapping[str, Row]
    timers: tuple[StoredTimer, ...]
