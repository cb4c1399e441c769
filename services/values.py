"""The values the services and their storage hand each other across the ports (services.ports).

Plain frozen dataclasses that import nothing from services, so the ports can name them without
an import cycle. Each is also importable from the service module that is about it (a user from
services.users, a reminder from services.reminders, …), where the code using them imports it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from statemachines import jurisdiction as divisions

# the department's work on cases: recording acts, deciding, reading for audit
BUSINESS_ROLES = ("caseworker", "supervisor", "auditor")
# 三员分立 (separation of duties, GB/T 22239-2019 level 3): the system administrator manages
# accounts, the security administrator roles and grants, the audit administrator reads the
# security record; no account holds two of them (services.duties), and none of them sees cases
ADMIN_ROLES = ("sysadmin", "secadmin", "auditadmin")
ROLES = (*BUSINESS_ROLES, *ADMIN_ROLES)


@dataclass(frozen=True)
class Grant:
    """A role over a jurisdiction, dated: never deleted, revoked from a moment on. Folded from
    the grant ledger (GrantAct): `seq` is the act that granted it, `revoked_seq` the one that
    ended it."""

    role: str
    jurisdiction: str
    granted_at: datetime | None = None
    revoked_at: datetime | None = None
    seq: int | None = None
    revoked_seq: int | None = None

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

    def works_on(self, code: str) -> bool:
        """Whether a business role covers the jurisdiction: only those see its cases and figures."""
        return bool(self.roles_in(code) & set(BUSINESS_ROLES))

    def scopes(self, roles: tuple[str, ...] = BUSINESS_ROLES) -> list[str]:
        """The jurisdictions these roles cover, by default where the user works on cases."""
        return sorted({g.jurisdiction for g in self.grants if g.revoked_at is None and g.role in roles})

    def live_roles(self) -> set[str]:
        """Every role held now, in any jurisdiction."""
        return {g.role for g in self.grants if g.revoked_at is None}


@dataclass(frozen=True)
class TokenRecord:
    """A user's token as it may be shown: what it is for and its dates, never the token (nor its hash,
    but the short prefix of the hash the security log names it by)."""

    ref: str
    label: str
    created_at: datetime
    expires_at: datetime | None
    idle_expires_at: datetime | None  # set: a web session's, pushed on as it is used
    revoked_at: datetime | None


@dataclass(frozen=True)
class GrantAct:
    """One act of the grant ledger (the rows of role_grants): a role granted to or revoked from a
    user over a jurisdiction, by whom, when and why. Append-only and hash-chained like a case's
    events: `canonical` is the exact text hashed, `prev_hash` the hash of the act before it.
    `username` is the grantee's, as hashed (sealing) or as the users table names them now (read)."""

    seq: int
    act: str  # grant | revoke
    user_id: str
    username: str
    role: str
    jurisdiction: str
    recorded_at: datetime
    actor: str  # a security administrator's username, or CONSOLE / MIGRATION (services.grant_ledger)
    reason: str
    prev_hash: str
    canonical: str = ""
    hash: str = ""


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
    due_from: date | None = None  # only timers due on this day or later (issue 15: the deadlines calendar)
    kind: str | None = None
    overdue_on: date | None = None  # only timers whose day to act has passed by this date
    scopes: tuple[str, ...] | None = None
    limit: int = 100
    # keyset (issue 16): only the timers after this (due_on, case_id, kind, key), the list's order
    after: tuple[date, str, str, str] | None = None


# --- signing in and the security log (services.signin, services.security_log) ---------------
SECURITY_GENESIS = "0" * 64


@dataclass(frozen=True)
class Origin:
    """Who does something and from where: the security log's who and where. `client` is the
    client address the API saw, or `cli@<host>` for a command run on the server."""

    actor: str
    client: str


# what the service itself does (the demo's users, a test's set-up): no person, no address
SYSTEM_ORIGIN = Origin("system", "local")


@dataclass(frozen=True)
class SecurityEntry:
    """One entry of the security log, sealed into its chain: `hash = sha256(canonical)`, and
    `canonical` names the hash of the entry before (`prev_hash`)."""

    seq: int
    at: datetime
    actor: str
    client: str
    action: str
    subject: str
    result: str  # ok | failed | refused | locked
    details: Mapping[str, Any] = field(default_factory=dict)
    prev_hash: str = SECURITY_GENESIS
    canonical: str = ""
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """What the hash covers: every field but the hash itself."""
        return {"seq": self.seq, "at": self.at.isoformat(), "actor": self.actor, "client": self.client,
                "action": self.action, "subject": self.subject, "result": self.result,
                "details": dict(self.details), "prev_hash": self.prev_hash}


@dataclass(frozen=True)
class SecurityLogFilter:
    """Which entries of the security log a reader asks for, newest first."""

    actor: str | None = None
    action: str | None = None
    subject: str | None = None
    client: str | None = None
    result: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True)
class TotpSecret:
    """A user's TOTP secret; `confirmed` once a first code was entered; `last_step`, the time step of
    the last code accepted (a code is accepted once)."""

    secret: str
    confirmed: bool
    last_step: int | None = None


@dataclass(frozen=True)
class SignInTicket:
    """A started sign-in waiting for its next `stage` (totp, enrol, password), for one client."""

    user_id: str
    username: str
    stage: str
    client: str
    expires_at: datetime


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
    # the case list's columns of the case row (services.case_listing.LISTING_COLUMNS), and the name of
    # the operator its base belongs to, which they copy; None where a storage keeps no such columns
    listing: Row | None = None
    operator_name: str | None = None
    # issue 16: the figures' projections (statemachines.figures), case_days by date, case_tallies by seq
    days: Mapping[date, Row] = field(default_factory=dict)
    tallies: Mapping[int, Row] = field(default_factory=dict)
    # issue 16: the work queue's rows by (kind, detail), and (base name, operator name) as the bases say
    work_items: Mapping[tuple[str, str], Row] = field(default_factory=dict)
    names: tuple[str, str] | None = None


@dataclass(frozen=True)
class WorkRow:
    """A stored work item with what the queue shows of its case (a work_items row, issue 16)."""

    case_id: str
    kind: str
    detail: str
    rank: int  # the kind's place in the queue's order (services.work_items.KINDS)
    due_on: date | None
    jurisdiction: str
    level: str
    state: str
    base_name: str
    operator_name: str
    operator_code: str

    @property
    def key(self) -> tuple[date, int, str, str, str]:
        """Its place in the queue within its group (services.work_queue.Item.order without the group)."""
        return (self.due_on or date.max, self.rank, self.base_name, self.case_id, self.detail)


@dataclass(frozen=True)
class WorkScope:
    """A jurisdiction (a grant's: the codes it covers) and the kinds of work read there."""

    jurisdiction: str
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class WorkFilter:
    """Which stored items show: today's (their window), the search `text`, one `kind` or all."""

    today: date
    soon: date  # the last due date within the horizon
    text: str = ""
    kind: str | None = None
