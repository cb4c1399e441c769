"""The storage ports (services/ports.py) in memory: plain dicts of immutable rows, no database.

`MemoryUnitOfWork(store, clock, read_only=...)` is built like db.uow.SqlUnitOfWork and keeps the
promises the services rely on, with the same errors:

- a unit of work is a transaction: a writing one takes the store's write lock when it begins (as
  SQLite's BEGIN IMMEDIATE does) and works on a copy of the tables, which `commit` makes the
  store's; whatever it did not commit is gone when it ends. A reading one takes no lock and reads
  the tables as they were committed when it began (SQLite's WAL snapshot), and refuses any write
  (PostgreSQL's READ ONLY transaction);
- a case is saved only at the version it was read at (StaleVersion otherwise, nothing written),
  one open case per base and level (OpenCaseExists), events are append-only with (case, seq)
  unique, timers are reconciled after every act (added, moved, unfired ones no longer owed
  dropped, fired ones kept) and claimed once; reminders are unique on (case, timer, due date,
  step, recipient, channel); idempotency keys, anchors and application rounds are written once;
  tokens expire and are revoked, dated, and the grant ledger is append-only with its seq unique;
- what the SQL repositories ask with a query (filters, joins, sort orders, NULLs last, paging) is
  asked here of the rows in Python, with the same results.

Rows are frozen dataclasses and every table a dict that a writer replaces entries of, never
mutates in place, so copying the tables for a writer copies only the dicts, and a reader's
snapshot never changes under it. The projection rows of db/ — bans, complaints, the subsidy's
instalments and money owed back — are kept as db/ writes them, from the case, rows of what the case
no longer has deleted; `audit verify` reads them all back (ProjectionRepository).
"""
from __future__ import annotations

import dataclasses
import json
import threading
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from services.case_listing import count_cap, id_prefix, needle, next_of, search_text, whole_credit_code
from services.grant_ledger import GENESIS, grants_of
from services.ports import (
    CaseFilter,
    CaseNotFound,
    CasePage,
    CaseSummary,
    CaseTimer,
    DueTimer,
    Party,
    PartyDetails,
    UnitOfWork,
)
from services.projections import (
    BAN_COLUMNS,
    CASE_COLUMNS,
    CLAWBACK_COLUMNS,
    COMPLAINT_COLUMNS,
    DAY_COLUMNS,
    INSTALMENT_COLUMNS,
    TALLY_COLUMNS,
    StoredProjections,
    StoredTimer,
)
from services.references import reference_after
from services.reminders import INBOX
from services.values import (
    SECURITY_GENESIS,
    Anchor,
    Announcement,
    GrantAct,
    Queued,
    Reminder,
    Round,
    SecurityEntry,
    SecurityLogFilter,
    SignInTicket,
    StoredAnswer,
    TimerFilter,
    TokenRecord,
    TotpSecret,
    User,
)
from services.work_items import COLUMNS as WORK_COLUMNS
from services.work_items import WorkFilter, WorkItem, WorkRow, WorkScope
from services.work_items import capped as work_capped
from services.work_items import group_of as work_group_of
from services.work_items import rows_of as work_rows_of
from services.work_items import shows as work_shows
from statemachines.acts import BanOnRecord
from statemachines.case import Case
from statemachines.errors import OpenCaseExists, StaleVersion
from statemachines.events import Event, restore
from statemachines.figures import DayRow, TallyRow, bans_on, day_rows, tally_rows
from statemachines.jurisdiction import covers, prefix
from statemachines.lifecycle import IN_FORCE, OPEN_STATES
from statemachines.programmes import DEFAULT_PROGRAMME
from statemachines.replay import PolicyLookup
from statemachines.timers import DEADLINE_KINDS, Timer

Clock = Callable[[], datetime]


class IntegrityError(Exception):
    """A write a constraint of the schema refuses (sqlalchemy.exc.IntegrityError on the database)."""


class ReadOnlyTransaction(Exception):
    """A write in a reading unit of work (PostgreSQL: "cannot execute … in a read-only transaction")."""


class LockTimeout(Exception):
    """A writing unit of work waited too long for another to end (SQLite: "database is locked")."""


# --- the rows --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Operator:
    id: str
    credit_code: str
    name: str
    contact_email: str | None
    created_at: datetime


@dataclass(frozen=True)
class _Base:
    id: str
    operator_id: str
    name: str
    address: str
    jurisdiction: str
    created_at: datetime


@dataclass(frozen=True)
class _Case:
    id: str
    base_id: str
    operator_code: str
    level: str
    jurisdiction: str
    programme: str
    reference: str | None
    state: str
    version: int
    policy_id: str
    policy_version: int
    applied_on: date
    last_on: date
    period_start: date | None
    period_end: date | None
    snapshot: str  # the case as JSON text, as the database's JSON column holds it
    updated_at: datetime


@dataclass(frozen=True)
class _Event:
    case_id: str
    seq: int
    act: str
    on: date
    recorded_at: datetime
    actor: str
    reason: str
    rule: str
    policy_id: str
    policy_version: int
    payload: str  # JSON text: each read gets its own dict, as from the database
    canonical: str
    prev_hash: str
    hash: str
    hash_algorithm: str


@dataclass(frozen=True)
class _Timer:
    id: int
    case_id: str
    kind: str
    key: str
    due_on: date
    fires_on: date
    provisional: bool
    fired_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class _Ban:
    case_id: str
    operator_code: str
    base_id: str
    level: str
    ground: str
    first_day: date
    last_day: date | None
    ended_on: date | None


@dataclass(frozen=True)
class _Complaint:
    case_id: str
    complaint_id: str
    received_on: date
    summary: str
    period: int
    valid: bool | None
    verified_on: date | None


@dataclass(frozen=True)
class _Instalment:
    """A row of subsidy_instalments: the case's instalment as its snapshot has it (R11, R20)."""

    case_id: str
    number: int
    amount_fen: int
    due_on: date
    status: str
    paid_on: date | None
    paid_fen: int


@dataclass(frozen=True)
class _Clawback:
    """A row of subsidy_clawbacks: what a revocation made owed back, and what is repaid (R20)."""

    case_id: str
    ground: str
    since: date
    owed_fen: int
    repaid_fen: int
    repaid_on: date | None


@dataclass(frozen=True)
class _User:
    id: str
    username: str
    display_name: str
    email: str | None
    created_at: datetime
    password_hash: str | None = None
    password_changed_at: datetime | None = None


@dataclass(frozen=True)
class _Token:
    token_hash: str
    user_id: str
    label: str
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None
    idle_expires_at: datetime | None = None


@dataclass(frozen=True)
class _RecoveryCode:
    user_id: str
    created_at: datetime
    used_at: datetime | None = None


@dataclass(frozen=True)
class _Ticket:
    ticket: SignInTicket
    created_at: datetime
    used_at: datetime | None = None


@dataclass(frozen=True)
class _Answer:
    fingerprint: str
    status: int
    body: str  # JSON text
    created_at: datetime


@dataclass(frozen=True)
class _Reminder:
    """A row of the outbox: the reminder planned, and where its delivery stands."""

    id: int
    reminder: Reminder
    status: str  # pending | sending | sent | failed
    attempts: int
    next_attempt_at: datetime
    claimed_at: datetime | None
    sent_at: datetime | None
    last_error: str | None
    created_at: datetime

    @property
    def once(self) -> tuple[str, str, str, date, str, str, str]:
        """The outbox's unique key (uq_reminders_once)."""
        r = self.reminder
        return (r.case_id, r.timer_kind, r.timer_key, r.due_on, r.step, r.recipient, r.channel)

    def queued(self) -> Queued:
        return Queued(self.id, self.reminder, self.status, self.attempts, self.last_error)

    def row(self) -> dict[str, Any]:
        """The row as the table's columns, in their order."""
        return {"id": self.id, **vars(self.reminder),
                **{k: v for k, v in vars(self).items() if k not in ("id", "reminder")}}


@dataclass(frozen=True)
class _Round:
    policy_id: str
    year: int
    opens_on: date
    closes_on: date
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    applications: int | None = None
    quota: int | None = None
    announcement: Announcement | None = None


@dataclass(frozen=True)
class _Anchor:
    anchor: Anchor
    created_at: datetime


@dataclass
class Tables:
    """Every table, keyed as the database's primary and unique keys are."""

    operators: dict[str, _Operator] = field(default_factory=dict)
    operator_by_code: dict[str, str] = field(default_factory=dict)
    bases: dict[str, _Base] = field(default_factory=dict)
    base_by_name: dict[tuple[str, str], str] = field(default_factory=dict)  # (operator_id, name) → id
    cases: dict[str, _Case] = field(default_factory=dict)
    events: dict[str, tuple[_Event, ...]] = field(default_factory=dict)  # by case, in seq order
    timers: dict[int, _Timer] = field(default_factory=dict)
    bans: dict[str, _Ban] = field(default_factory=dict)
    complaints: dict[tuple[str, str], _Complaint] = field(default_factory=dict)  # (case, complaint id)
    instalments: dict[tuple[str, int], _Instalment] = field(default_factory=dict)  # (case, number)
    clawbacks: dict[str, _Clawback] = field(default_factory=dict)
    users: dict[str, _User] = field(default_factory=dict)
    user_by_name: dict[str, str] = field(default_factory=dict)
    grants: dict[int, GrantAct] = field(default_factory=dict)  # the ledger, by seq
    tokens: dict[str, _Token] = field(default_factory=dict)
    answers: dict[tuple[str, str], _Answer] = field(default_factory=dict)
    reminders: dict[int, _Reminder] = field(default_factory=dict)
    reminder_by_key: dict[tuple[str, str, str, date, str, str, str], int] = field(default_factory=dict)
    rounds: dict[tuple[str, int], _Round] = field(default_factory=dict)
    anchors: dict[date, _Anchor] = field(default_factory=dict)
    totp: dict[str, TotpSecret] = field(default_factory=dict)  # by user id
    recovery_codes: dict[str, _RecoveryCode] = field(default_factory=dict)  # by code hash
    tickets: dict[str, _Ticket] = field(default_factory=dict)  # by ticket hash
    security_log: dict[int, SecurityEntry] = field(default_factory=dict)  # by seq
    training_days: dict[int, tuple[date, datetime, str]] = field(default_factory=dict)  # by seq
    days: dict[str, tuple[DayRow, ...]] = field(default_factory=dict)  # case_days, by case, in date order
    tallies: dict[str, tuple[TallyRow, ...]] = field(default_factory=dict)  # case_tallies, by case
    last_id: dict[str, int] = field(default_factory=dict)  # the sequences of the integer keys

    def copy(self) -> Tables:
        return Tables(**{f.name: dict(getattr(self, f.name)) for f in dataclasses.fields(self)})

    def next_id(self, table: str) -> int:
        self.last_id[table] = self.last_id.get(table, 0) + 1
        return self.last_id[table]


class MemoryStore:
    """The committed tables, the lock a writing unit of work holds, and the hash algorithm chosen
    when the store was made (the database's `deployment` row)."""

    def __init__(self, hash_algorithm: str = "sha256", purpose: str = "production") -> None:
        self.tables = Tables()
        self.write_lock = threading.Lock()
        self.hash_algorithm, self.purpose = hash_algorithm, purpose


class MemoryUnitOfWork:
    """`read_only`: for reads only; it reads the tables committed when it began and refuses writes."""

    def __init__(self, store: MemoryStore, clock: Clock, *, read_only: bool = False,
                 lock_timeout: float = 30.0) -> None:
        self.store, self.clock, self.read_only, self.lock_timeout = store, clock, read_only, lock_timeout
        self._locked = False
        self._tables = store.tables
        self.cases = MemoryCaseRepository(self)
        self.timers = MemoryTimerRepository(self)
        self.users = MemoryUserRepository(self)
        self.two_factor = MemoryTwoFactorRepository(self)
        self.security_log = MemorySecurityLogRepository(self)
        self.idempotency = MemoryIdempotencyRepository(self)
        self.reminders = MemoryReminderRepository(self)
        self.rounds = MemoryRoundRepository(self)
        self.anchors = MemoryAnchorRepository(self)
        self.deployment = MemoryDeploymentRepository(self)
        self.projections = MemoryProjectionRepository(self)
        self.figures = MemoryFigureRepository(self)

    def __enter__(self) -> MemoryUnitOfWork:
        if self.read_only:
            self._tables = self.store.tables
        else:
            if not self.store.write_lock.acquire(timeout=self.lock_timeout):
                raise LockTimeout("another writing unit of work holds the store")
            self._locked = True
            self._tables = self.store.tables.copy()
        return self

    def __exit__(self, *exc: object) -> None:
        self._tables = self.store.tables
        if self._locked:
            self._locked = False
            self.store.write_lock.release()

    def commit(self) -> None:
        if not self.read_only:
            self.store.tables = self._tables
            self._tables = self._tables.copy()

    def rollback(self) -> None:
        if not self.read_only:
            self._tables = self.store.tables.copy()

    @property
    def read(self) -> Tables:
        """The tables as this unit of work sees them."""
        return self._tables

    def write(self) -> Tables:
        """The tables to change; refused in a reading unit of work."""
        if self.read_only:
            raise ReadOnlyTransaction("cannot write in a read-only transaction")
        if not self._locked:
            raise RuntimeError("a unit of work writes only between __enter__ and __exit__")
        return self._tables


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _utc_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def _found(tables: Tables, c: _Case, text: str) -> bool:
    """The case list's search (services.case_listing): a whole credit code, or a fragment, or an id's start."""
    code = whole_credit_code(text)
    return (c.operator_code == code if code else needle(text) in _search_text(tables, c)) or c.id.startswith(
        id_prefix(text) or "\x00")  # NUL: no id begins with it


def _search_text(tables: Tables, c: _Case) -> str:
    base = tables.bases[c.base_id]
    return search_text(c.reference, base.name, tables.operators[base.operator_id].name, c.operator_code)


def _beyond(key: tuple[Any, str], cursor: tuple[Any, str], descending: bool) -> bool:
    """Whether `key` comes after `cursor` in the list's order (values first, then the cases without one)."""
    (value, case_id), (at, at_id) = key, cursor
    if (value is None) != (at is None):
        return value is None  # the cases without a value come last
    mine, theirs = ((case_id,), (at_id,)) if value is None else ((value, case_id), (at, at_id))
    return mine < theirs if descending else mine > theirs


def _within(code: str, scopes: tuple[str, ...] | None) -> bool:
    return scopes is None or any(code.startswith(prefix(s)) for s in scopes)


# --- cases -----------------------------------------------------------------------------------

_SORT_COLUMNS: dict[str, Callable[[_Case, date | None], Any]] = {
    "applied_on": lambda c, next_due: c.applied_on,
    "updated": lambda c, next_due: c.last_on,
    "next_due": lambda c, next_due: next_due,
    "state": lambda c, next_due: c.state,
}


class MemoryCaseRepository:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow

    # --- reading ---

    def get(self, case_id: str, *, for_update: bool = False) -> Case:
        row = self.uow.read.cases.get(case_id)
        if row is None:
            raise CaseNotFound(case_id)
        return Case.from_dict(json.loads(row.snapshot))

    def many(self, case_ids: Sequence[str]) -> list[Case]:
        rows = self.uow.read.cases
        return [Case.from_dict(json.loads(rows[i].snapshot)) for i in case_ids if i in rows]

    def snapshots(self, case_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        rows = self.uow.read.cases
        return {i: json.loads(rows[i].snapshot) for i in case_ids if i in rows}

    def events(self, case_id: str) -> list[Event]:
        return [restore(e.case_id, e.seq, e.act, e.on, e.recorded_at, e.actor, e.reason, e.rule, e.policy_id,
                        e.policy_version, json.loads(e.payload), e.prev_hash, e.canonical, e.hash, e.hash_algorithm)
                for e in self.uow.read.events.get(case_id, ())]

    def versions(self, case_ids: Sequence[str]) -> dict[str, int]:
        rows = self.uow.read.cases
        return {i: rows[i].version for i in case_ids if i in rows}

    def events_of(self, case_ids: Sequence[str]) -> dict[str, list[Event]]:
        return {case_id: self.events(case_id) for case_id in case_ids if self.uow.read.events.get(case_id)}

    def ids_after(self, after: str, limit: int, jurisdiction: str | None = None) -> list[str]:
        start = "" if jurisdiction is None else prefix(jurisdiction)
        ids = sorted(c.id for c in self.uow.read.cases.values() if c.id > after and c.jurisdiction.startswith(start))
        return ids[:limit]

    def next_reference(self, jurisdiction: str, year: int) -> str:
        prefix_ = f"{jurisdiction}-{year}-"
        taken = [c.reference for c in self.uow.write().cases.values()
                 if c.reference and c.reference.startswith(prefix_)]
        return reference_after(prefix_, max(taken, key=lambda r: (len(r), r), default=None))

    def of_base(self, base_id: str, level: str, states: Sequence[str],
                programme: str = DEFAULT_PROGRAMME) -> list[str]:
        return [c.id for c in self.uow.read.cases.values()
                if c.base_id == base_id and c.level == level and c.programme == programme and c.state in states]

    def bans(self, operator_code: str, base_id: str | None, level: str) -> list[BanOnRecord]:
        tables = self.uow.read
        return [BanOnRecord(b.case_id, b.ground, b.level, b.first_day, b.last_day, tables.cases[b.case_id].jurisdiction)
                for b in tables.bans.values()
                if b.operator_code == operator_code or base_id is not None and b.base_id == base_id]

    def summaries(self, query: CaseFilter) -> CasePage:
        """The database's page (db/repository.py), read from the tables as they are: the order
        (value, id) in the sort's direction, cases without a next timer last; the page after
        `after` or before `before`; the count capped (services.case_listing.count_cap)."""
        tables = self.uow.read
        pending: dict[str, list[Timer]] = {}
        for timer in tables.timers.values():
            if timer.fired_at is None:
                pending.setdefault(timer.case_id, []).append(Timer(timer.kind, timer.key, timer.due_on))
        nexts = {case_id: next_of(timers) for case_id, timers in pending.items()}
        rows = [c for c in tables.cases.values()
                if all(value is None or getattr(c, column) == value for column, value in (
                    ("state", query.state), ("level", query.level), ("operator_code", query.operator_code)))
                and (query.jurisdiction is None or c.jurisdiction.startswith(prefix(query.jurisdiction)))
                and _within(c.jurisdiction, query.scopes)
                and (query.timer_due_before is None
                     or (nexts.get(c.id, (None, None))[0] or date.max) < query.timer_due_before)
                and (not query.text or _found(tables, c, query.text))
                and (query.applied_in is None or c.applied_on.year == query.applied_in)
                and (query.ids is None or c.id in query.ids)]
        name, descending = query.sort.lstrip("-"), query.sort.startswith("-")
        column = _SORT_COLUMNS[name]

        def key(c: _Case) -> tuple[Any, str]:
            return column(c, nexts.get(c.id, (None, None))[0]), c.id

        valued = sorted((c for c in rows if key(c)[0] is not None), key=key, reverse=descending)
        ordered = valued + sorted((c for c in rows if key(c)[0] is None), key=lambda c: c.id, reverse=descending)
        keys = [key(c) for c in ordered]
        start, end = 0, len(ordered)
        if query.before is not None:
            end = next((i for i, k in enumerate(keys) if k == query.before or _beyond(k, query.before, descending)),
                       len(ordered))
            start = max(0, end - query.limit)
            if start == 0:
                end = min(len(ordered), query.limit)
        elif query.after is not None:
            start = next((i for i, k in enumerate(keys) if _beyond(k, query.after, descending)), len(ordered))
        end = min(end, start + query.limit)
        out = []
        for c in ordered[start:end]:
            base = tables.bases[c.base_id]
            next_due, next_timer = nexts.get(c.id, (None, None))
            out.append(CaseSummary(
                id=c.id, base_name=base.name, operator_code=c.operator_code, level=c.level,
                jurisdiction=c.jurisdiction, state=c.state, version=c.version, period_start=c.period_start,
                period_end=c.period_end, next_timer=next_timer, next_due=next_due,
                operator_name=tables.operators[base.operator_id].name, reference=c.reference,
                applied_on=c.applied_on, last_on=c.last_on))
        cap = count_cap(query.text)
        return CasePage(out, min(len(rows), cap), len(rows) > cap,
                        next_after=keys[end - 1] if end < len(ordered) and end > start else None,
                        previous_before=keys[start] if start > 0 else None)

    def count(self) -> int:
        return len(self.uow.read.cases)

    def operator_contact(self, operator_code: str) -> str | None:
        tables = self.uow.read
        operator_id = tables.operator_by_code.get(operator_code)
        return None if operator_id is None else tables.operators[operator_id].contact_email

    def party_of(self, base_id: str) -> PartyDetails | None:
        tables = self.uow.read
        base = tables.bases.get(base_id)
        if base is None:
            return None
        operator = tables.operators[base.operator_id]
        return PartyDetails(operator.name, base.address, operator.contact_email)

    def register_party(self, *, credit_code: str, operator_name: str, base_name: str, base_address: str,
                       jurisdiction: str, new_id: str, contact_email: str | None = None) -> Party:
        tables, now = self.uow.write(), self.uow.clock()
        operator_id = tables.operator_by_code.get(credit_code)
        if operator_id is None:
            operator_id = "op" + new_id[:30]
            tables.operators[operator_id] = _Operator(operator_id, credit_code, operator_name, None, now)
            tables.operator_by_code[credit_code] = operator_id
        if contact_email:  # the newest application names the contact reminders go to
            tables.operators[operator_id] = replace(tables.operators[operator_id], contact_email=contact_email)
        base_id = tables.base_by_name.get((operator_id, base_name))
        if base_id is None:
            base_id = "ba" + new_id[:30]
            tables.bases[base_id] = _Base(base_id, operator_id, base_name, base_address, jurisdiction, now)
            tables.base_by_name[(operator_id, base_name)] = base_id
        return Party(operator_id, base_id)

    # --- writing ---

    def add(self, case: Case, events: Sequence[Event], timers: Sequence[Timer], *,
            policy_of: PolicyLookup | None = None) -> None:
        tables = self.uow.write()
        if case.id in tables.cases:
            raise IntegrityError(f"cases.id {case.id} exists")
        if self._another_open_case(tables, case):
            raise OpenCaseExists("(an application recorded at the same moment)", case.level)
        tables.cases[case.id] = self._row(case)
        self._append(tables, events)
        self._sync_timers(tables, case.id, timers)
        self._sync_projections(tables, case)
        self._sync_figures(tables, case, policy_of)

    def save(self, case: Case, expected_version: int, events: Sequence[Event], timers: Sequence[Timer], *,
             policy_of: PolicyLookup | None = None) -> None:
        tables = self.uow.write()
        stored = tables.cases.get(case.id)
        if stored is None or stored.version != expected_version:
            raise StaleVersion(case.id, expected_version)
        if self._another_open_case(tables, case):  # the database's index refuses the update
            raise IntegrityError(f"ix_cases_one_open_per_base: {case.base_id} {case.level}")
        self._append(tables, events)  # first: a duplicate seq refuses the save before anything changed
        tables.cases[case.id] = self._row(case)
        self._sync_timers(tables, case.id, timers)
        self._sync_projections(tables, case)
        self._sync_figures(tables, case, policy_of)

    def _sync_figures(self, tables: Tables, case: Case, policy_of: PolicyLookup | None) -> None:
        """case_days and case_tallies: derived from the whole history at every write (db/figures.py
        writes only what an act changed; the rows are the same)."""
        from services.policies import default_policies

        events = self.events(case.id)
        tables.days[case.id] = tuple(day_rows(events, policy_of or default_policies().get))
        tables.tallies[case.id] = tuple(tally_rows(events, case.jurisdiction))

    def sync_timers(self, case_id: str, timers: Sequence[Timer]) -> None:
        self._sync_timers(self.uow.write(), case_id, timers)

    def _work_rows(self) -> list[tuple[WorkRow, str]]:
        """Every case's work items, derived as the database's writer derives them (services.work_items):
        the memory store keeps no copy, so it cannot drift."""
        tables = self.uow.read
        timers: dict[str, list[tuple[Timer, bool]]] = {}
        for tm in tables.timers.values():
            timers.setdefault(tm.case_id, []).append((Timer(tm.kind, tm.key, tm.due_on, tm.provisional),
                                                      tm.fired_at is not None))
        out = []
        for row in tables.cases.values():
            base = tables.bases[row.base_id]
            names = (base.name, tables.operators[base.operator_id].name)
            case = Case.from_dict(json.loads(row.snapshot))
            for (kind, detail), cols in work_rows_of(case, timers.get(row.id, []), *names).items():
                item = dict(zip(WORK_COLUMNS, cols, strict=True))
                out.append((WorkRow(row.id, kind, detail, item["rank"], item["due_on"], item["jurisdiction"],
                                    item["level"], item["state"], item["base_name"], item["operator_name"],
                                    item["operator_code"]), item["window"]))
        return out

    def _work(self, scopes: Sequence[WorkScope], where: WorkFilter) -> list[WorkRow]:
        needle = where.text.casefold()
        return [r for r, window in self._work_rows()
                if any(_within(r.jurisdiction, (s.jurisdiction,)) and r.kind in s.kinds for s in scopes)
                and work_shows(WorkItem(r.kind, r.detail, r.due_on, window), where.today, where.soon)
                and (r.due_on is None or r.due_on <= where.soon)
                and (not needle or any(needle in x.casefold() for x in (r.base_name, r.operator_name,
                                                                          r.operator_code)))]

    def work_page(self, scopes: Sequence[WorkScope], where: WorkFilter,
                  after: tuple[date, int, str, str, str] | None, limit: int) -> list[WorkRow]:
        rows = sorted((r for r in self._work(scopes, where) if where.kind is None or r.kind == where.kind),
                      key=lambda r: r.key)
        return [r for r in rows if after is None or r.key > tuple(after)][:limit]

    def work_counts(self, mine: Sequence[WorkScope], others: Sequence[WorkScope], where: WorkFilter, cap: int,
                    scan: int) -> tuple[list[tuple[str, bool, str, int, bool]], bool]:
        # a search is counted among the first scan + 1 rows shown (in the queue's order here; SQL
        # reads any of them): beyond that every count is a floor
        shown = replace(where, text="")
        ours = {(r.case_id, r.kind, r.detail) for r in self._work(mine, shown)}
        rows = sorted({(r.case_id, r.kind, r.detail): r for r in [*self._work(others, shown),
                                                                   *self._work(mine, shown)]}.values(),
                      key=lambda r: r.key)
        partial = bool(where.text) and len(rows) > scan
        if where.text:
            wanted = where.text.casefold()
            rows = [r for r in rows[:scan + 1]
                    if any(wanted in x.casefold() for x in (r.base_name, r.operator_name, r.operator_code))]
        found: Counter[tuple[str, bool, str]] = Counter()
        for r in rows:
            found[(r.kind, (r.case_id, r.kind, r.detail) in ours, work_group_of(r.due_on, where.today))] += 1
        return work_capped([(*k, n) for k, n in found.items()], cap), partial

    def _another_open_case(self, tables: Tables, case: Case) -> bool:
        """ix_cases_one_open_per_base: R3 held by the storage too."""
        return case.state in OPEN_STATES and any(
            c.id != case.id and c.base_id == case.base_id and c.level == case.level
            and c.programme == case.programme and c.state in OPEN_STATES
            for c in tables.cases.values())

    def _row(self, case: Case) -> _Case:
        if case.last_on is None:
            raise IntegrityError("cases.last_on is NOT NULL")
        return _Case(
            id=case.id, base_id=case.base_id, operator_code=case.operator_code, level=case.level,
            jurisdiction=case.jurisdiction, programme=case.programme, reference=case.reference, state=case.state,
            version=case.version,
            policy_id=case.policy_id,
            policy_version=case.policy_version, applied_on=case.applied_on, last_on=case.last_on,
            period_start=case.period.start if case.period else None,
            period_end=case.period.end if case.period else None,
            snapshot=json.dumps(case.to_dict(), ensure_ascii=False), updated_at=_utc(self.uow.clock()))

    def _append(self, tables: Tables, events: Sequence[Event]) -> None:
        by_case: dict[str, list[_Event]] = {}
        for e in events:
            by_case.setdefault(e.case_id, []).append(_Event(
                e.case_id, e.seq, e.act, e.on, _utc(e.recorded_at), e.actor, e.reason, e.rule, e.policy_id,
                e.policy_version, json.dumps(dict(e.payload), ensure_ascii=False), e.canonical, e.prev_hash,
                e.hash, e.hash_algorithm))
        for case_id, new in by_case.items():
            if case_id not in tables.cases:
                raise IntegrityError(f"case_events.case_id: no case {case_id}")
            old = tables.events.get(case_id, ())
            seqs = [e.seq for e in old] + [e.seq for e in new]
            if len(set(seqs)) != len(seqs):
                raise IntegrityError(f"case_events (case_id, seq) of {case_id} not unique")
            tables.events[case_id] = tuple(sorted((*old, *new), key=lambda e: e.seq))

    def _sync_timers(self, tables: Tables, case_id: str, wanted: Sequence[Timer]) -> None:
        """Adds what the case now owes, moves changed dates, drops unfired timers it no longer owes."""
        have = {(t.kind, t.key): t for t in tables.timers.values() if t.case_id == case_id}
        now = _utc(self.uow.clock())
        keep = set()
        for timer in wanted:
            keep.add(timer.ident)
            row = have.get(timer.ident)
            if row is None:
                timer_id = tables.next_id("timers")
                tables.timers[timer_id] = _Timer(timer_id, case_id, timer.kind, timer.key, timer.due_on,
                                                 timer.fires_on, timer.provisional, None, now)
                have[timer.ident] = tables.timers[timer_id]
            elif row.fired_at is None and (row.due_on, row.provisional) != (timer.due_on, timer.provisional):
                tables.timers[row.id] = replace(row, due_on=timer.due_on, fires_on=timer.fires_on,
                                                provisional=timer.provisional)
        for ident, row in have.items():
            if ident not in keep and row.fired_at is None:
                del tables.timers[row.id]

    def _sync_projections(self, tables: Tables, case: Case) -> None:
        """The bans row, for the query across cases (R2); the complaints; the subsidy's rows (R20);
        rows of what the case no longer has deleted (a correction can take one away, R17)."""
        tables.bans.pop(case.id, None)
        if case.ban is not None:
            ban = case.ban
            tables.bans[case.id] = _Ban(case.id, case.operator_code, case.base_id, ban.level, ban.ground,
                                        ban.first_day, ban.last_day, ban.ended_on)
        for key in [k for k in tables.complaints if k[0] == case.id]:
            del tables.complaints[key]
        for c in case.complaints:
            tables.complaints[(case.id, c.id)] = _Complaint(case.id, c.id, c.received_on, c.summary, c.period,
                                                            c.valid, c.verified_on)
        for number in [n for c, n in tables.instalments if c == case.id]:
            del tables.instalments[(case.id, number)]
        for inst in case.instalments:
            tables.instalments[(case.id, inst.number)] = _Instalment(
                case.id, inst.number, inst.amount_fen, inst.due_on, inst.status, inst.paid_on, inst.paid_fen)
        tables.clawbacks.pop(case.id, None)
        if case.clawback is not None:
            claw = case.clawback
            tables.clawbacks[case.id] = _Clawback(case.id, claw.ground, claw.since, claw.owed_fen,
                                                  claw.repaid_fen, claw.repaid_on)


# --- timers ----------------------------------------------------------------------------------

class MemoryTimerRepository:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow

    def _pending(self) -> list[_Timer]:
        return [t for t in self.uow.read.timers.values() if t.fired_at is None]

    def due(self, as_of: date, limit: int) -> list[DueTimer]:
        rows = sorted((t for t in self._pending() if t.fires_on <= as_of), key=lambda t: (t.fires_on, t.id))
        return [DueTimer(t.id, t.case_id, t.kind, t.key, t.due_on, t.fires_on) for t in rows[:limit]]

    def claim_next(self, as_of: date, fired_at: datetime, skip: Collection[int] = (),
                   after: tuple[date, int] | None = None) -> DueTimer | None:
        # one writing unit of work at a time holds the store: nothing else holds a timer meanwhile
        pending = self.due(as_of, len(self.uow.read.timers))
        first: dict[str, int] = {}
        for t in pending:  # a case's timers fire in their order (db.repository._earlier_pending)
            first.setdefault(t.case_id, t.id)
        due = [t for t in pending if t.id not in skip and first[t.case_id] == t.id
               and (after is None or (t.fires_on, t.id) > after)]
        if not due or not self.claim(due[0].id, fired_at):
            return None
        return due[0]

    def claim(self, timer_id: int, fired_at: datetime) -> bool:
        tables = self.uow.write()
        row = tables.timers.get(timer_id)
        if row is None or row.fired_at is not None:
            return False
        tables.timers[timer_id] = replace(row, fired_at=_utc(fired_at))
        return True

    def pending(self, case_id: str) -> list[Timer]:
        rows = sorted((t for t in self._pending() if t.case_id == case_id), key=lambda t: (t.fires_on, t.kind, t.key))
        return [Timer(t.kind, t.key, t.due_on, t.provisional) for t in rows]

    def fired(self, case_id: str) -> list[dict[str, Any]]:
        rows = sorted((t for t in self.uow.read.timers.values() if t.case_id == case_id and t.fired_at is not None),
                      key=lambda t: (t.due_on, t.kind))
        return [{"kind": t.kind, "key": t.key, "due_on": t.due_on.isoformat(), "provisional": False,
                 "fired_at": str(t.fired_at)} for t in rows]

    def of_cases(self, case_ids: Sequence[str], kinds: Sequence[str]) -> list[CaseTimer]:
        wanted = set(case_ids)
        return [CaseTimer(t.case_id, Timer(t.kind, t.key, t.due_on, t.provisional), t.fired_at is not None)
                for t in self.uow.read.timers.values() if t.case_id in wanted and t.kind in kinds]

    def upcoming(self, as_of: date, horizon: date) -> list[DueTimer]:
        last = horizon + timedelta(days=1)
        rows = sorted((t for t in self._pending() if t.fires_on <= last and t.due_on >= as_of),
                      key=lambda t: (t.case_id, t.due_on, t.id))
        return [DueTimer(t.id, t.case_id, t.kind, t.key, t.due_on, t.fires_on) for t in rows]

    def cases_with_provisional(self) -> list[str]:
        return sorted({t.case_id for t in self._pending() if t.provisional})

    def due_counts(self, scopes: Sequence[str], due_from: date, due_before: date) -> list[tuple[date, int]]:
        tables = self.uow.read
        counts = Counter(t.due_on for t in self._pending() if due_from <= t.due_on < due_before
                         and _within(tables.cases[t.case_id].jurisdiction, tuple(scopes)))
        return sorted(counts.items())

    def search(self, query: TimerFilter) -> list[dict[str, Any]]:
        tables = self.uow.read
        out = []
        for t in self._pending():
            case = tables.cases[t.case_id]
            if ((query.due_before is None or t.due_on < query.due_before)
                    and (query.due_from is None or t.due_on >= query.due_from)
                    and (query.kind is None or t.kind == query.kind)
                    and (query.overdue_on is None or (t.fires_on <= query.overdue_on and t.kind in DEADLINE_KINDS))
                    and _within(case.jurisdiction, query.scopes)
                    and (query.after is None or (t.due_on, t.case_id, t.kind, t.key) > query.after)):
                out.append((t, case))
        out.sort(key=lambda tc: (tc[0].due_on, tc[0].case_id, tc[0].kind, tc[0].key))
        return [{"case_id": t.case_id, "kind": t.kind, "key": t.key, "due_on": t.due_on, "fires_on": t.fires_on,
                 "provisional": t.provisional, "jurisdiction": c.jurisdiction, "state": c.state,
                 "base_name": tables.bases[c.base_id].name}
                for t, c in out[:query.limit]]

    def count(self, query: TimerFilter, cap: int) -> int:
        return min(cap + 1, len(self.search(replace(query, after=None, limit=cap + 1))))


# --- users -----------------------------------------------------------------------------------

class MemoryUserRepository:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow

    def _user(self, row: _User) -> User:
        acts = sorted((a for a in self.uow.read.grants.values() if a.user_id == row.id), key=lambda a: a.seq)
        return User(row.id, row.username, row.display_name, grants_of(acts), row.email)

    def _named(self, username: str) -> _User | None:
        tables = self.uow.read
        user_id = tables.user_by_name.get(username)
        return None if user_id is None else tables.users[user_id]

    def add(self, user_id: str, username: str, display_name: str, now: datetime, email: str | None = None) -> None:
        tables = self.uow.write()
        if user_id in tables.users or username in tables.user_by_name:
            raise IntegrityError(f"users: {user_id} or {username!r} exists")
        tables.users[user_id] = _User(user_id, username, display_name, email, _utc(now))
        tables.user_by_name[username] = user_id

    def holding(self, role: str, jurisdiction: str) -> list[User]:
        tables = self.uow.read
        users = [self._user(u) for u in sorted(tables.users.values(), key=lambda u: u.username)]
        return [u for u in users if any(g.role == role and g.revoked_at is None and covers(g.jurisdiction, jurisdiction)
                                        for g in u.grants)]

    def by_username(self, username: str) -> User | None:
        row = self._named(username)
        return None if row is None else self._user(row)

    def by_token(self, token_hash: str, now: datetime) -> User | None:
        found = self.session(token_hash, now)
        return None if found is None else found[0]

    def session(self, token_hash: str, now: datetime) -> tuple[User, datetime | None] | None:
        token = self.uow.read.tokens.get(token_hash)
        if token is None or token.revoked_at is not None or any(
                end is not None and not end > now for end in (token.expires_at, token.idle_expires_at)):
            return None
        return self._user(self.uow.read.users[token.user_id]), token.idle_expires_at

    def extend_idle(self, token_hash: str, until: datetime, unless_after: datetime) -> None:
        tables = self.uow.write()
        token = tables.tokens.get(token_hash)
        if token is not None and token.revoked_at is None and token.idle_expires_at is not None \
                and token.idle_expires_at <= unless_after:
            tables.tokens[token_hash] = replace(token, idle_expires_at=_utc(until))

    def revoke_sessions(self, user_id: str, now: datetime, keep: str | None = None) -> int:
        tables = self.uow.write()
        live = [k for k in tables.tokens.values() if k.user_id == user_id and k.revoked_at is None
                and k.idle_expires_at is not None and k.token_hash != keep]
        for k in live:
            tables.tokens[k.token_hash] = replace(k, revoked_at=_utc(now))
        return len(live)

    def all(self) -> list[User]:
        return [self._user(u) for u in sorted(self.uow.read.users.values(), key=lambda u: u.username)]

    def grant_head(self) -> tuple[int, str]:
        ledger = self.uow.write().grants  # the writer holds the store's lock: no other can follow this head
        if not ledger:
            return 0, GENESIS
        last = ledger[max(ledger)]
        return last.seq, last.hash

    def append_grant(self, act: GrantAct) -> None:
        tables = self.uow.write()
        if act.user_id not in tables.users:
            raise IntegrityError(f"role_grants.user_id: no user {act.user_id}")
        if act.seq in tables.grants:
            raise IntegrityError(f"role_grants.seq: {act.seq} exists")
        tables.grants[act.seq] = replace(act, username="", recorded_at=_utc(act.recorded_at))

    def grant_ledger(self) -> list[GrantAct]:
        tables = self.uow.read
        return [replace(a, username=tables.users[a.user_id].username) for _, a in sorted(tables.grants.items())]

    def tokens_of(self, user_id: str) -> list[TokenRecord]:
        mine = sorted((k for k in self.uow.read.tokens.values() if k.user_id == user_id),
                      key=lambda k: (k.created_at, k.token_hash))
        return [TokenRecord(k.token_hash[:12], k.label, k.created_at, k.expires_at, k.idle_expires_at, k.revoked_at)
                for k in mine]

    def add_token(self, user_id: str, token_hash: str, label: str, now: datetime,
                  expires_at: datetime | None = None, idle_expires_at: datetime | None = None) -> None:
        tables = self.uow.write()
        if token_hash in tables.tokens or user_id not in tables.users:
            raise IntegrityError("api_tokens: the token exists, or its user does not")
        tables.tokens[token_hash] = _Token(token_hash, user_id, label, _utc(now), None, _utc_or_none(expires_at),
                                           _utc_or_none(idle_expires_at))

    def revoke_token(self, token_hash: str, now: datetime) -> bool:
        tables = self.uow.write()
        token = tables.tokens.get(token_hash)
        if token is None or token.revoked_at is not None:
            return False
        tables.tokens[token_hash] = replace(token, revoked_at=_utc(now))
        return True

    def set_password_hash(self, user_id: str, password_hash: str, changed_at: datetime) -> None:
        tables = self.uow.write()
        if user_id in tables.users:
            tables.users[user_id] = replace(tables.users[user_id], password_hash=password_hash,
                                            password_changed_at=_utc(changed_at))

    def password_hash(self, username: str) -> str | None:
        row = self._named(username)
        return None if row is None else row.password_hash

    def password_changed_at(self, username: str) -> datetime | None:
        row = self._named(username)
        return None if row is None or row.password_hash is None else row.password_changed_at


class MemoryTwoFactorRepository:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow

    def totp(self, user_id: str) -> TotpSecret | None:
        return self.uow.read.totp.get(user_id)

    def set_totp(self, user_id: str, secret: str, now: datetime) -> None:
        tables = self.uow.write()
        held = tables.totp.get(user_id)
        if held is not None and held.confirmed:
            raise IntegrityError(f"user_totp: {user_id} has a confirmed secret")
        tables.totp[user_id] = TotpSecret(secret, False)

    def confirm_totp(self, user_id: str, step: int, now: datetime) -> None:
        tables = self.uow.write()
        if user_id in tables.totp:
            tables.totp[user_id] = replace(tables.totp[user_id], confirmed=True, last_step=step)

    def use_step(self, user_id: str, step: int) -> bool:
        tables = self.uow.write()
        held = tables.totp.get(user_id)
        if held is None or not held.confirmed or (held.last_step is not None and held.last_step >= step):
            return False
        tables.totp[user_id] = replace(held, last_step=step)
        return True

    def reset(self, user_id: str) -> bool:
        tables = self.uow.write()
        for code_hash in [h for h, c in tables.recovery_codes.items() if c.user_id == user_id]:
            del tables.recovery_codes[code_hash]
        return tables.totp.pop(user_id, None) is not None

    def replace_recovery_codes(self, user_id: str, code_hashes: Sequence[str], now: datetime) -> None:
        tables = self.uow.write()
        for code_hash in [h for h, c in tables.recovery_codes.items() if c.user_id == user_id]:
            del tables.recovery_codes[code_hash]
        for code_hash in code_hashes:
            tables.recovery_codes[code_hash] = _RecoveryCode(user_id, _utc(now))

    def use_recovery_code(self, user_id: str, code_hash: str, now: datetime) -> bool:
        tables = self.uow.write()
        code = tables.recovery_codes.get(code_hash)
        if code is None or code.user_id != user_id or code.used_at is not None:
            return False
        tables.recovery_codes[code_hash] = replace(code, used_at=_utc(now))
        return True

    def recovery_codes_left(self, user_id: str) -> int:
        return sum(1 for c in self.uow.read.recovery_codes.values() if c.user_id == user_id and c.used_at is None)

    def add_ticket(self, ticket_hash: str, ticket: SignInTicket, now: datetime) -> None:
        tables = self.uow.write()
        if ticket_hash in tables.tickets:
            raise IntegrityError("signin_tickets: the ticket exists")
        tables.tickets[ticket_hash] = _Ticket(replace(ticket, expires_at=_utc(ticket.expires_at)), _utc(now))

    def ticket(self, ticket_hash: str, now: datetime) -> SignInTicket | None:
        held = self.uow.read.tickets.get(ticket_hash)
        if held is None or held.used_at is not None or not held.ticket.expires_at > now:
            return None
        return held.ticket

    def use_ticket(self, ticket_hash: str, now: datetime) -> bool:
        tables = self.uow.write()
        held = tables.tickets.get(ticket_hash)
        if held is None or held.used_at is not None or not held.ticket.expires_at > now:
            return False
        tables.tickets[ticket_hash] = replace(held, used_at=_utc(now))
        return True


class MemorySecurityLogRepository:
    """The log's end needs no lock of its own: a writing unit of work holds the store's write lock."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow

    def head(self) -> tuple[int, str]:
        log = self.uow.read.security_log
        if not log:
            return 0, SECURITY_GENESIS
        last = log[max(log)]
        return last.seq, last.hash

    def add(self, entry: SecurityEntry) -> None:
        tables = self.uow.write()
        if entry.seq in tables.security_log:
            raise IntegrityError(f"security_log: seq {entry.seq} exists")
        tables.security_log[entry.seq] = entry

    def latest(self, *, subject: str, actions: Sequence[str], result: str | None = None) -> SecurityEntry | None:
        found = [e for e in self.uow.read.security_log.values()
                 if e.subject == subject and e.action in actions and (result is None or e.result == result)]
        return max(found, key=lambda e: e.seq, default=None)

    def count(self, *, action: str, result: str, after_seq: int, since: datetime, subject: str | None = None,
              client: str | None = None) -> int:
        return sum(1 for e in self.uow.read.security_log.values()
                   if e.action == action and e.result == result and e.seq > after_seq and e.at >= since
                   and (subject is None or e.subject == subject) and (client is None or e.client == client))

    def search(self, query: SecurityLogFilter) -> tuple[list[SecurityEntry], int]:
        wanted = [e for e in sorted(self.uow.read.security_log.values(), key=lambda e: -e.seq)
                  if all(v is None or v == "" or getattr(e, name) == v for name, v in (
                      ("actor", query.actor), ("action", query.action), ("subject", query.subject),
                      ("client", query.client), ("result", query.result)))
                  and (query.since is None or e.at >= query.since) and (query.until is None or e.at < query.until)]
        return wanted[query.offset:query.offset + query.limit], len(wanted)

    def after(self, seq: int, limit: int) -> list[SecurityEntry]:
        log = self.uow.read.security_log
        return [log[s] for s in sorted(k for k in log if k > seq)[:limit]]


class MemoryIdempotencyRepository:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow

    def get(self, user_id: str, key: str) -> StoredAnswer | None:
        row = self.uow.read.answers.get((user_id, key))
        return None if row is None else StoredAnswer(row.fingerprint, row.status, json.loads(row.body))

    def put(self, user_id: str, key: str, answer: StoredAnswer, now: datetime) -> bool:
        tables = self.uow.write()
        if (user_id, key) in tables.answers:
            return False
        tables.answers[(user_id, key)] = _Answer(answer.fingerprint, answer.status,
                                                 json.dumps(answer.body, ensure_ascii=False), _utc(now))
        return True


# --- the outbox ------------------------------------------------------------------------------

class MemoryReminderRepository:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow

    def add(self, reminder: Reminder, now: datetime) -> int:
        tables = self.uow.write()
        if reminder.case_id not in tables.cases:
            raise IntegrityError(f"reminders.case_id: no case {reminder.case_id}")
        now = _utc(now)
        delivered = reminder.channel == INBOX  # the in-app inbox holds it as soon as it exists
        row = _Reminder(0, reminder, status="sent" if delivered else "pending", attempts=0,
                        next_attempt_at=now, claimed_at=None, sent_at=now if delivered else None, last_error=None,
                        created_at=now)
        if row.once in tables.reminder_by_key:
            return 0
        reminder_id = tables.next_id("reminders")
        tables.reminders[reminder_id] = replace(row, id=reminder_id)
        tables.reminder_by_key[row.once] = reminder_id
        return 1

    def claim(self, now: datetime, limit: int, channels: list[str], stale_before: datetime) -> list[Queued]:
        tables = self.uow.write()
        ready = sorted((r for r in tables.reminders.values() if r.reminder.channel in channels and (
            (r.status == "pending" and r.next_attempt_at <= now)
            or (r.status == "sending" and r.claimed_at is not None and r.claimed_at < stale_before))),
            key=lambda r: (r.next_attempt_at, r.id))[:limit]
        claimed = [replace(r, status="sending", claimed_at=_utc(now)) for r in ready]
        tables.reminders.update((r.id, r) for r in claimed)
        return [r.queued() for r in claimed]

    def sent(self, reminder_id: int, now: datetime) -> None:
        tables = self.uow.write()
        if reminder_id in tables.reminders:
            tables.reminders[reminder_id] = replace(tables.reminders[reminder_id], status="sent", sent_at=_utc(now),
                                                    claimed_at=None)

    def failed_attempt(self, reminder_id: int, attempts: int, error: str, retry_at: datetime | None) -> None:
        tables = self.uow.write()
        row = tables.reminders.get(reminder_id)
        if row is None:
            return
        row = replace(row, attempts=attempts, last_error=error[:2000], claimed_at=None)
        tables.reminders[reminder_id] = (replace(row, status="failed") if retry_at is None else
                                         replace(row, status="pending", next_attempt_at=_utc(retry_at)))

    def search(self, *, case_id: str | None = None, status: str | tuple[str, ...] | None = None,
               scopes: tuple[str, ...] | None = None, limit: int | None = 100,
               offset: int = 0, recipient: str | None = None, channel: str | None = None,
               inbox_order: bool = False) -> list[dict[str, Any]]:
        tables = self.uow.read
        statuses = status if isinstance(status, tuple) else None if status is None else (status,)
        found = [r for r in tables.reminders.values()
                 if (case_id is None or r.reminder.case_id == case_id)
                 and (statuses is None or r.status in statuses)
                 and (recipient is None or r.reminder.recipient == recipient)
                 and (channel is None or r.reminder.channel == channel)
                 and _within(tables.cases[r.reminder.case_id].jurisdiction, scopes)]
        rows = (sorted(found, key=lambda r: (r.reminder.step != "overdue", -r.reminder.send_on.toordinal(), -r.id))
                if inbox_order else sorted(found, key=lambda r: (r.reminder.send_on, r.id)))
        page = rows[offset:] if limit is None else rows[offset:offset + limit]
        return [{**r.row(), "jurisdiction": tables.cases[r.reminder.case_id].jurisdiction} for r in page]


# --- rounds and anchors ----------------------------------------------------------------------

class MemoryRoundRepository:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow

    def ensure(self, policy_id: str, year: int, opens_on: date, closes_on: date) -> None:
        tables = self.uow.write()
        tables.rounds.setdefault((policy_id, year), _Round(policy_id, year, opens_on, closes_on))

    def open(self, policy_id: str, year: int, now: datetime) -> None:
        tables = self.uow.write()
        row = tables.rounds.get((policy_id, year))
        if row is not None and row.opened_at is None:
            tables.rounds[(policy_id, year)] = replace(row, opened_at=_utc(now))

    def close(self, policy_id: str, year: int, now: datetime, applications: int) -> None:
        tables = self.uow.write()
        row = tables.rounds.get((policy_id, year))
        if row is not None and row.closed_at is None:
            tables.rounds[(policy_id, year)] = replace(row, closed_at=_utc(now), applications=applications,
                                                       opened_at=row.opened_at or _utc(now))

    def applications(self, policy_id: str, opens_on: date, closes_on: date) -> int:
        return sum(1 for c in self.uow.read.cases.values()
                   if c.policy_id == policy_id and opens_on <= c.applied_on <= closes_on)

    def get(self, policy_id: str, year: int) -> Round:
        found = self.find(policy_id, year)
        if found is None:
            raise LookupError(f"no round {policy_id} {year}")
        return found

    def find(self, policy_id: str, year: int) -> Round | None:
        row = self.uow.read.rounds.get((policy_id, year))
        return None if row is None else _round(row)

    def announce(self, policy_id: str, year: int, opens_on: date, closes_on: date, quota: int | None,
                 announcement: Announcement) -> None:
        tables = self.uow.write()
        if (policy_id, year) in tables.rounds:
            raise IntegrityError(f"application_rounds ({policy_id}, {year}) exists")
        stamped = replace(announcement, at=_utc(announcement.at))
        tables.rounds[(policy_id, year)] = _Round(policy_id, year, opens_on, closes_on, quota=quota,
                                                  announcement=stamped)

    def of_policy(self, policy_id: str) -> list[Round]:
        rows = self.uow.read.rounds.values()
        return [_round(r) for r in sorted(rows, key=lambda r: r.year) if r.policy_id == policy_id]

    def approvals(self, policy_id: str, year: int, opens_on: date, closes_on: date) -> int:
        self.ensure(policy_id, year, opens_on, closes_on)  # the fake's writer holds its one lock
        return sum(1 for c in self.uow.read.cases.values()
                   if c.policy_id == policy_id and opens_on <= c.applied_on <= closes_on
                   and (c.period_start is not None or c.state == "publicized"))


def _round(row: _Round) -> Round:
    return Round(row.policy_id, row.year, row.opens_on, row.closes_on, row.opened_at is not None,
                 row.closed_at is not None, row.applications, row.quota, row.announcement)


class MemoryAnchorRepository:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow

    def get(self, day: date) -> Anchor | None:
        row = self.uow.read.anchors.get(day)
        return None if row is None else row.anchor

    def latest_before(self, day: date) -> Anchor | None:
        earlier = [d for d in self.uow.read.anchors if d < day]
        return self.uow.read.anchors[max(earlier)].anchor if earlier else None

    def all(self, since: date | None = None) -> list[Anchor]:
        anchors = self.uow.read.anchors
        return [anchors[d].anchor for d in sorted(anchors) if since is None or d >= since]

    def add(self, anchor: Anchor, now: datetime) -> None:
        tables = self.uow.write()
        if anchor.day in tables.anchors:
            raise IntegrityError(f"anchors.day {anchor.day} exists")
        tables.anchors[anchor.day] = _Anchor(anchor, _utc(now))

    def heads_changed(self, start: datetime, end: datetime) -> list[tuple[str, int, str]]:
        heads = []
        for case_id in sorted(self.uow.read.events):
            events = self.uow.read.events[case_id]
            if any(start <= e.recorded_at < end for e in events):
                last = max((e for e in events if e.recorded_at < end), key=lambda e: e.seq)
                heads.append((case_id, last.seq, last.hash))
        return heads


class MemoryProjectionRepository:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow

    def of_cases(self, case_ids: Sequence[str]) -> dict[str, StoredProjections]:
        return {case_id: self._of_case(case_id) for case_id in case_ids}

    def _of_case(self, case_id: str) -> StoredProjections:
        tables = self.uow.read
        row = tables.cases.get(case_id)

        def columns(r: Any, names: Sequence[str]) -> tuple[Any, ...]:
            return tuple(getattr(r, n) for n in names)

        return StoredProjections(
            case_row=None if row is None else columns(row, CASE_COLUMNS),
            bans={b.case_id: columns(b, BAN_COLUMNS) for b in tables.bans.values() if b.case_id == case_id},
            complaints={c.complaint_id: columns(c, COMPLAINT_COLUMNS) for c in tables.complaints.values()
                        if c.case_id == case_id},
            instalments={i.number: columns(i, INSTALMENT_COLUMNS) for i in tables.instalments.values()
                         if i.case_id == case_id},
            clawbacks={c.case_id: columns(c, CLAWBACK_COLUMNS) for c in tables.clawbacks.values()
                       if c.case_id == case_id},
            timers=tuple(StoredTimer(t.kind, t.key, t.due_on, t.provisional, t.fired_at is not None)
                         for t in tables.timers.values() if t.case_id == case_id),
            days={r.on: columns(r, DAY_COLUMNS) for r in tables.days.get(case_id, ())},
            tallies={r.seq: columns(r, TALLY_COLUMNS) for r in tables.tallies.get(case_id, ())},
            # the store keeps no work_items rows: they are derived from the stored snapshot when read
            work_items={} if row is None else work_rows_of(
                Case.from_dict(json.loads(row.snapshot)),
                [(Timer(t.kind, t.key, t.due_on, t.provisional), t.fired_at is not None)
                 for t in tables.timers.values() if t.case_id == case_id], *self._names(row)),
            names=None if row is None else self._names(row),
        )

    def _names(self, row: Any) -> tuple[str, str]:
        base = self.uow.read.bases.get(row.base_id)
        return ("", "") if base is None else (base.name, self.uow.read.operators[base.operator_id].name)


class MemoryFigureRepository:
    """The figures counted over the fake's case_days and case_tallies, as db/figures.py's SQL counts them."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow

    def _days_on(self, jurisdiction: str, day: date) -> list[tuple[str, DayRow]]:
        return sorted(((case_id, r) for case_id, rows in self.uow.read.days.items() for r in rows
                       if covers(jurisdiction, r.jurisdiction) and r.on <= day and (r.until is None or r.until > day)),
                      key=lambda cr: cr[0])

    def _tallies(self, jurisdiction: str, year: int, day: date) -> list[tuple[str, TallyRow]]:
        days = self.uow.read.days
        return sorted(((case_id, r) for case_id, rows in self.uow.read.tallies.items() for r in rows
                       if r.year == year and covers(jurisdiction, r.jurisdiction)
                       and (r.on <= day or any(d.on <= day for d in days.get(case_id, ())))),
                      key=lambda cr: cr[0])

    def as_of_counts(self, jurisdiction: str, day: date) -> list[tuple[str, str, int, int]]:
        cases, banned = Counter[tuple[str, str]](), Counter[tuple[str, str]]()
        for _, r in self._days_on(jurisdiction, day):
            cases[(r.level, r.state)] += 1
            banned[(r.level, r.state)] += bans_on(r, day)
        return [(level, state, n, banned[(level, state)]) for (level, state), n in sorted(cases.items())]

    def tally_counts(self, jurisdiction: str, year: int, day: date) -> list[tuple[str | None, str | None,
                                                                                  str | None, int]]:
        counts = Counter((r.figure, r.grade, r.ground) for _, r in self._tallies(jurisdiction, year, day))
        return [(*key, n) for key, n in counts.items()]

    def counted(self, jurisdiction: str, year: int, day: date, figure: str) -> list[str]:
        if figure == "recognized":
            return [case_id for case_id, r in self._days_on(jurisdiction, day) if r.state in IN_FORCE]
        return sorted({case_id for case_id, r in self._tallies(jurisdiction, year, day) if r.figure == figure})

    def flows(self, jurisdiction: str, years: Sequence[int]) -> list[tuple[int, str, int]]:
        counts = Counter((r.year, r.figure) for rows in self.uow.read.tallies.values() for r in rows
                         if r.year in years and r.figure is not None and covers(jurisdiction, r.jurisdiction))
        return [(year, figure, n) for (year, figure), n in counts.items() if figure is not None]

    def grid(self, jurisdiction: str, scopes: Sequence[str] | None) -> list[tuple[str, str, int]]:
        counts = Counter((c.state, c.level) for c in self.uow.read.cases.values()
                         if covers(jurisdiction, c.jurisdiction)
                         and _within(c.jurisdiction, None if scopes is None else tuple(scopes)))
        return [(state, level, n) for (state, level), n in counts.items()]

    def rewrite(self, case_id: str, jurisdiction: str, events: list[Event], policy_of: PolicyLookup) -> None:
        tables = self.uow.write()
        tables.days[case_id] = tuple(day_rows(events, policy_of))
        tables.tallies[case_id] = tuple(tally_rows(events, jurisdiction))

    def recount(self) -> dict[str, int]:
        return {}  # the fake counts its rows on every read: it keeps no counters

    def counter_drift(self) -> list[tuple[str, tuple[Any, ...], int, int]]:
        return []


class MemoryDeploymentRepository:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self.uow = uow

    def hash_algorithm(self) -> str:
        return self.uow.store.hash_algorithm

    def purpose(self) -> str:
        return self.uow.store.purpose

    def training_day(self) -> date | None:
        days = self.uow.read.training_days
        return days[max(days)][0] if days else None

    def add_training_day(self, day: date, set_at: datetime, set_by: str) -> None:
        tables = self.uow.write()
        if any(held == day for held, _, _ in tables.training_days.values()):
            raise IntegrityError(f"training_days.business_date {day} exists")
        tables.training_days[tables.next_id("training_days")] = (day, set_at, set_by)


if TYPE_CHECKING:  # mypy holds the fake to every port the services declare (services/ports.py)
    _PORTS: type[UnitOfWork] = MemoryUnitOfWork
