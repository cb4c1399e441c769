"""What the services need from storage, declared here and implemented in db/ (README: How it is built)."""
from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from services.values import (
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
    StoredProjections,
    TimerFilter,
    TokenRecord,
    TotpSecret,
    User,
    WorkFilter,
    WorkRow,
    WorkScope,
)
from statemachines.acts import BanOnRecord
from statemachines.case import Case
from statemachines.errors import DomainError
from statemachines.events import Event
from statemachines.programmes import DEFAULT_PROGRAMME
from statemachines.replay import PolicyLookup
from statemachines.timers import Timer


class CaseNotFound(DomainError):
    code = "case-not-found"

    def __init__(self, case_id: str) -> None:
        super().__init__(f"no case {case_id}", case_id=case_id)


@dataclass(frozen=True)
class Party:
    """The operator (运营机构) and base (创业孵化基地) an application names."""

    operator_id: str
    base_id: str


@dataclass(frozen=True)
class PartyDetails:
    """What the pages show of a case's operator and base (issue 15), as their applications gave it."""

    operator_name: str
    base_address: str
    contact_email: str | None


@dataclass(frozen=True)
class DueTimer:
    id: int
    case_id: str
    kind: str
    key: str
    due_on: date
    fires_on: date


@dataclass(frozen=True)
class CaseTimer:
    """A stored timer of a case, fired or still pending."""

    case_id: str
    timer: Timer
    fired: bool


class CaseRepository(Protocol):
    """The cases: each one's row (its snapshot and version), its events, and the views across cases."""

    def get(self, case_id: str, *, for_update: bool = False) -> Case:
        """The case as last saved (locked for the transaction if `for_update`); CaseNotFound if none."""
        ...

    def add(self, case: Case, events: Sequence[Event], timers: Sequence[Timer], *,
            policy_of: PolicyLookup | None = None) -> None:
        """A new case with its first events and timers; OpenCaseExists if its base already has one open (R3).
        `policy_of`: the policies its figures' rows are derived under when they must be folded again
        (statemachines.figures; db.figures falls back on the shipped ones)."""
        ...

    def save(self, case: Case, expected_version: int, events: Sequence[Event], timers: Sequence[Timer], *,
             policy_of: PolicyLookup | None = None) -> None:
        """The case, events appended, timers reconciled, if still at `expected_version` (else StaleVersion);
        its figures' rows (statemachines.figures) follow in the same transaction."""
        ...

    def sync_timers(self, case_id: str, timers: Sequence[Timer]) -> None:
        """Reconciles the case's timers without an act (a calendar change): as `save` does."""
        ...

    def work_page(self, scopes: Sequence[WorkScope], where: WorkFilter,
                  after: tuple[date, int, str, str, str] | None, limit: int) -> list[WorkRow]:
        """Up to `limit` of today's work items (the work_items projection) of these scopes, in the queue's
        order (WorkRow.key) after `after` (keyset), of the filter's kind and search."""
        ...

    def work_counts(self, mine: Sequence[WorkScope], others: Sequence[WorkScope], where: WorkFilter, cap: int,
                    scan: int) -> tuple[list[tuple[str, bool, str, int, bool]], bool]:
        """(kind, in `mine`, overdue | due_soon | no_deadline, count, more) of today's items of the scopes
        (issue 16), each count exact up to `cap`; past it the count is `cap` and `more` is True
        (services.work_items.capped). A search is counted among at most `scan` + 1 rows of the scopes;
        the second value is True when they have more, and every count is then a floor (at least)."""
        ...

    def many(self, case_ids: Sequence[str]) -> list[Case]:
        """The cases of these ids that exist, as stored, in no particular order (for reading only)."""
        ...

    def snapshots(self, case_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The stored snapshots of these ids that exist, as their JSON (`Case.to_dict`'s shape), by id:
        `audit verify` compares them with the replay's without decoding them (issue 16)."""
        ...

    def events(self, case_id: str) -> list[Event]:
        """The case's events as stored, in seq order."""
        ...

    def versions(self, case_ids: Sequence[str]) -> dict[str, int]:
        """The version of each of these cases that exists: the number of its events (how much reading
        its history will hold in memory)."""
        ...

    def events_of(self, case_ids: Sequence[str]) -> dict[str, list[Event]]:
        """The events of several cases as stored, each case's in seq order, read at once (audit verify
        --all reads a batch of cases with one statement); a case without events is absent."""
        ...

    def ids_after(self, after: str, limit: int, jurisdiction: str | None = None) -> list[str]:
        """Up to `limit` case ids in id order after `after` (within a jurisdiction): keyset paging."""
        ...

    def next_reference(self, jurisdiction: str, year: int) -> str:
        """Issue 15: the next 受理编号 of the jurisdiction and year, <jurisdiction>-<year>-<nnnn>; the
        caller's transaction holds it (two applications at once never get the same)."""
        ...

    def of_base(self, base_id: str, level: str, states: Sequence[str],
                programme: str = DEFAULT_PROGRAMME) -> list[str]:
        """The ids of the base's cases at this level and of this programme (R23) in these states: its
        open ones (R3), those whose recognition is in force (R18)."""
        ...

    def bans(self, operator_code: str, base_id: str | None, level: str) -> list[BanOnRecord]:
        """Every ban on record on the operator, or on the base (R2), ended or not, whatever the level and
        jurisdiction it was imposed at: which of them bars an application is the domain's to say."""
        ...

    def summaries(self, query: CaseFilter) -> CasePage:
        """One page of the cases the filter matches, in its order (then by id, in the same direction;
        cases without a next timer last in either direction of next_due), after `query.after` or
        before `query.before`, and how many match (up to COUNT_CAP)."""
        ...

    def count(self) -> int:
        """How many cases there are, exactly."""
        ...

    def register_party(self, *, credit_code: str, operator_name: str, base_name: str, base_address: str,
                       jurisdiction: str, new_id: str, contact_email: str | None = None) -> Party:
        """The operator (by credit code) and its base (by name) an application names, created if new."""
        ...

    def operator_contact(self, operator_code: str) -> str | None:
        """The e-mail address the operator's reminders go to, if it gave one."""
        ...

    def party_of(self, base_id: str) -> PartyDetails | None:
        """The base's operator's name and contact and the base's address; None for no such base."""
        ...


class TimerRepository(Protocol):
    """The timers each case owes, each fired once."""

    def due(self, as_of: date, limit: int) -> list[DueTimer]:
        """Unfired timers whose day to fire is by `as_of`, the oldest first."""
        ...

    def claim(self, timer_id: int, fired_at: datetime) -> bool:
        """Marks the timer fired if no one did yet; False if it was (the sweep's exactly once)."""
        ...

    def claim_next(self, as_of: date, fired_at: datetime, skip: Collection[int] = (),
                   after: tuple[date, int] | None = None) -> DueTimer | None:
        """Issue 16: the oldest unfired timer due by `as_of` (not one of `skip`, and after (fires_on,
        id) `after` if given) that no concurrent transaction holds, marked fired in this transaction,
        its case locked for it; None when every such timer is fired or held. What concurrent sweeps
        claim is disjoint, and a claim lasts only as long as this transaction (a sweep that dies
        leaves the timer to the next)."""
        ...

    def pending(self, case_id: str) -> list[Timer]:
        """The case's unfired timers."""
        ...

    def fired(self, case_id: str) -> list[dict[str, Any]]:
        """The case's fired timers (kind, key, due_on, provisional, fired_at), for its dossier."""
        ...

    def of_cases(self, case_ids: Sequence[str], kinds: Sequence[str]) -> list[CaseTimer]:
        """Every timer of these kinds of these cases, fired or pending."""
        ...

    def upcoming(self, as_of: date, horizon: date) -> list[DueTimer]:
        """Unfired timers due from `as_of` and firing by the day after `horizon`: those reminders are planned for."""
        ...

    def cases_with_provisional(self) -> list[str]:
        """The ids of the cases with an unfired provisional timer (R16), in id order."""
        ...

    def search(self, query: TimerFilter) -> list[dict[str, Any]]:
        """Unfired timers across cases, with their case's jurisdiction, state and base name: up to
        `query.limit` of them after `query.after`, by (due date, case, kind, key)."""
        ...

    def count(self, query: TimerFilter, cap: int) -> int:
        """How many unfired timers the filter matches (its `after` and `limit` aside), counting no
        further than `cap` + 1: more than `cap` is all a reader is told."""
        ...

    def due_counts(self, scopes: Sequence[str], due_from: date, due_before: date) -> list[tuple[date, int]]:
        """(due date, unfired timers due that day) from `due_from` to before `due_before`, of the cases
        in these scopes: counted by the database (issue 16: the dashboard's chart of deadlines)."""
        ...


class UserRepository(Protocol):
    """Users, their dated role grants, their token hashes and their password hashes."""

    def add(self, user_id: str, username: str, display_name: str, now: datetime, email: str | None = None) -> None:
        """A new user, without grants."""
        ...

    def by_username(self, username: str) -> User | None:
        """The user with every grant it ever held, or None."""
        ...

    def by_token(self, token_hash: str, now: datetime) -> User | None:
        """The user of a token neither revoked nor expired at `now`, or None."""
        ...

    def all(self) -> list[User]:
        """Every user, by username."""
        ...

    def holding(self, role: str, jurisdiction: str) -> list[User]:
        """The users whose unrevoked grant of `role` covers the jurisdiction, by username (who to escalate to)."""
        ...

    def grant_head(self) -> tuple[int, str]:
        """The seq and hash of the grant ledger's last act ((0, GENESIS_HASH) when empty). A
        writing unit of work holds the ledger from here until it ends, so that two grants recorded
        at once cannot both follow the same head."""
        ...

    def append_grant(self, act: GrantAct) -> None:
        """Appends a sealed act (a grant or a revocation) to the ledger; it is never changed after."""
        ...

    def grant_ledger(self) -> list[GrantAct]:
        """Every act of the ledger as stored, in seq order, each with its grantee's username now."""
        ...

    def tokens_of(self, user_id: str) -> list[TokenRecord]:
        """The user's tokens, live, expired and revoked alike, oldest first."""
        ...

    def add_token(self, user_id: str, token_hash: str, label: str, now: datetime,
                  expires_at: datetime | None = None, idle_expires_at: datetime | None = None) -> None:
        """A new token, stored as its hash, expiring at `expires_at` if given, and with an idle
        time-out from `idle_expires_at` on if given (see `extend_idle`)."""
        ...

    def revoke_token(self, token_hash: str, now: datetime) -> bool:
        """Ends the token at `now` (kept); False if unknown or already revoked."""
        ...

    def set_password_hash(self, user_id: str, password_hash: str, changed_at: datetime) -> None:
        """Sets the user's password hash for the web sign-in, and when the password was chosen
        (a re-hash of the same password keeps the moment it was chosen)."""
        ...

    def password_hash(self, username: str) -> str | None:
        """The user's password hash; None for no password or no such user."""
        ...

    def password_changed_at(self, username: str) -> datetime | None:
        """When the user's password was chosen; None for no password, no user, or not known."""
        ...

    def session(self, token_hash: str, now: datetime) -> tuple[User, datetime | None] | None:
        """As `by_token`, with the token's idle expiry (None: it has no idle time-out); a token
        whose idle expiry has passed is no longer live."""
        ...

    def extend_idle(self, token_hash: str, until: datetime, unless_after: datetime) -> None:
        """Moves the live token's idle expiry to `until`, where it has one and it is not after
        `unless_after` already (a session used every second is written once a minute, not every second)."""
        ...

    def revoke_sessions(self, user_id: str, now: datetime, keep: str | None = None) -> int:
        """Ends the user's tokens that have an idle time-out (sessions, not programs' tokens) but the
        one of hash `keep`; how many."""
        ...


class TwoFactorRepository(Protocol):
    """TOTP secrets, recovery codes (as hashes) and the tickets of a sign-in's second step."""

    def totp(self, user_id: str) -> TotpSecret | None:
        """The user's TOTP secret, confirmed or not, or None."""
        ...

    def set_totp(self, user_id: str, secret: str, now: datetime) -> None:
        """A new unconfirmed secret for the user, in place of any unconfirmed one."""
        ...

    def confirm_totp(self, user_id: str, step: int, now: datetime) -> None:
        """Marks the secret confirmed with the time step of its first code."""
        ...

    def use_step(self, user_id: str, step: int) -> bool:
        """Records a code of time step `step` accepted, if no code of that step or a later one was; False if one was."""
        ...

    def reset(self, user_id: str) -> bool:
        """Removes the user's secret and recovery codes; False if there was no secret."""
        ...

    def replace_recovery_codes(self, user_id: str, code_hashes: Sequence[str], now: datetime) -> None:
        """The user's recovery codes, in place of any before."""
        ...

    def use_recovery_code(self, user_id: str, code_hash: str, now: datetime) -> bool:
        """Marks the user's unused recovery code used; False if there is none such."""
        ...

    def recovery_codes_left(self, user_id: str) -> int:
        """How many of the user's recovery codes are unused."""
        ...

    def add_ticket(self, ticket_hash: str, ticket: SignInTicket, now: datetime) -> None:
        """A new ticket for a sign-in's next step."""
        ...

    def ticket(self, ticket_hash: str, now: datetime) -> SignInTicket | None:
        """The ticket if it is unused and not expired at `now`, else None."""
        ...

    def use_ticket(self, ticket_hash: str, now: datetime) -> bool:
        """Marks the ticket used if it is unused and not expired at `now`; False otherwise (once only)."""
        ...


class SecurityLogRepository(Protocol):
    """The security audit log: one hash chain of entries by seq, append-only."""

    def head(self) -> tuple[int, str]:
        """(seq, hash) of the last entry, (0, the genesis hash) for none; the log's end stays locked
        for this transaction, so that two writers cannot both chain onto the same entry."""
        ...

    def add(self, entry: SecurityEntry) -> None:
        """Appends a sealed entry (its seq must be the head's next)."""
        ...

    def latest(self, *, subject: str, actions: Sequence[str], result: str | None = None) -> SecurityEntry | None:
        """The last entry of one of these actions (with this result) about this subject, or None."""
        ...

    def count(self, *, action: str, result: str, after_seq: int, since: datetime, subject: str | None = None,
              client: str | None = None) -> int:
        """How many entries of the action and result about this subject (or from this client) follow
        seq `after_seq` and are from `since` on."""
        ...

    def search(self, query: SecurityLogFilter) -> tuple[list[SecurityEntry], int]:
        """One page of the entries the filter matches, newest first, and how many match in all."""
        ...

    def after(self, seq: int, limit: int) -> list[SecurityEntry]:
        """Up to `limit` entries after seq `seq`, in seq order (verification reads the chain page by page)."""
        ...


class IdempotencyRepository(Protocol):
    """The answers of idempotent requests, per user and key."""

    def get(self, user_id: str, key: str) -> StoredAnswer | None:
        """The answer stored under the user's key, or None."""
        ...

    def put(self, user_id: str, key: str, answer: StoredAnswer, now: datetime) -> bool:
        """Stores the answer unless the key already holds one; False then."""
        ...


class ReminderRepository(Protocol):
    """The reminders outbox."""

    def add(self, reminder: Reminder, now: datetime) -> int:
        """Queues the reminder unless its (timer, step, recipient, channel) is queued already: 1 if new, else 0."""
        ...

    def claim(self, now: datetime, limit: int, channels: list[str], stale_before: datetime) -> list[Queued]:
        """Takes up to `limit` reminders due to send on these channels (and claims left before `stale_before`),
        each claimed (status `sending`)."""
        ...

    def sent(self, reminder_id: int, now: datetime) -> None:
        """Records the reminder sent."""
        ...

    def failed_attempt(self, reminder_id: int, attempts: int, error: str, retry_at: datetime | None) -> None:
        """Records a failed attempt: retried at `retry_at`, or failed for good when None."""
        ...

    def search(self, *, case_id: str | None = None, status: str | tuple[str, ...] | None = None,
               scopes: tuple[str, ...] | None = None, limit: int | None = 100,
               offset: int = 0, recipient: str | None = None, channel: str | None = None,
               inbox_order: bool = False) -> list[dict[str, Any]]:
        """Reminders with their case's jurisdiction, by day to send, filtered; `limit` None: all.
        `inbox_order`: as an inbox shows them, escalations first, then the newest first."""
        ...


class RoundRepository(Protocol):
    """Application rounds per policy and year (R1), each opened and closed once."""

    def ensure(self, policy_id: str, year: int, opens_on: date, closes_on: date) -> None:
        """The round's row, created if missing."""
        ...

    def open(self, policy_id: str, year: int, now: datetime) -> None:
        """Records the round opened at `now`, unless it was already."""
        ...

    def close(self, policy_id: str, year: int, now: datetime, applications: int) -> None:
        """Records the round closed at `now` with its count of applications, unless it was already."""
        ...

    def applications(self, policy_id: str, opens_on: date, closes_on: date) -> int:
        """How many cases under the policy were applied for between the two days, both included."""
        ...

    def get(self, policy_id: str, year: int) -> Round:
        """The round as recorded (it must exist)."""
        ...

    def find(self, policy_id: str, year: int) -> Round | None:
        """The round as recorded, or None."""
        ...

    def announce(self, policy_id: str, year: int, opens_on: date, closes_on: date, quota: int | None,
                 announcement: Announcement) -> None:
        """Records a round announced by a person (R19); the row must not exist yet."""
        ...

    def of_policy(self, policy_id: str) -> list[Round]:
        """Every round of the policy on record, by year."""
        ...

    def approvals(self, policy_id: str, year: int, opens_on: date, closes_on: date) -> int:
        """How many cases applied for under the policy between the two days were ever approved (a case
        in its public notice, R22, holds its place: it is approved, not yet recognised),
        counted with the round's row locked until the transaction ends, so two approvals at once
        cannot both take the last place of a quota (R19); the row is created if missing."""
        ...


class AnchorRepository(Protocol):
    """The daily anchors of the case heads, append-only, and the heads they are made of."""

    def get(self, day: date) -> Anchor | None:
        """The anchor of the day, or None."""
        ...

    def latest_before(self, day: date) -> Anchor | None:
        """The last anchor before the day, or None."""
        ...

    def all(self, since: date | None = None) -> list[Anchor]:
        """The anchors by day (from `since` on)."""
        ...

    def add(self, anchor: Anchor, now: datetime) -> None:
        """A new anchor; its day must not have one yet."""
        ...

    def heads_changed(self, start: datetime, end: datetime) -> list[tuple[str, int, str]]:
        """(case, seq, hash) of the last event by `end` of each case with an event in [start, end), by case."""
        ...


class ProjectionRepository(Protocol):
    """The rows derived from each case, read back as stored (audit verify holds them to the replay)."""

    def of_cases(self, case_ids: Sequence[str]) -> dict[str, StoredProjections]:
        """For each of the cases, its row's columns, its ban, complaints, instalments, money owed back
        and timers (empty where none; a case without a row has `case_row` None)."""
        ...


class FigureRepository(Protocol):
    """Issue 16: the published figures counted over their projections (statemachines.figures), not by
    replaying cases. Jurisdictions are scopes: a code and every code under it."""

    def as_of_counts(self, jurisdiction: str, day: date) -> list[tuple[str, str, int, int]]:
        """(level, state, cases, of them with a ban in force) of the cases as they stood on `day`."""
        ...

    def tally_counts(self, jurisdiction: str, year: int, day: date) -> list[tuple[str | None, str | None,
                                                                                  str | None, int]]:
        """(figure, grade, ground, events) of the year's events of the cases that stood by `day`."""
        ...

    def counted(self, jurisdiction: str, year: int, day: date, figure: str) -> list[str]:
        """The ids, in order, of the cases in force on `day` ("recognized") or with an event of the
        year adding to `figure` (and standing by `day`)."""
        ...

    def flows(self, jurisdiction: str, years: Sequence[int]) -> list[tuple[int, str, int]]:
        """(year, figure, events) of every case's events of these years."""
        ...

    def grid(self, jurisdiction: str, scopes: Sequence[str] | None) -> list[tuple[str, str, int]]:
        """(state, level, cases) of the cases now, in the jurisdiction and one of the scopes."""
        ...

    def rewrite(self, case_id: str, jurisdiction: str, events: list[Event], policy_of: PolicyLookup) -> None:
        """The case's figure rows derived again from these events (`audit rebuild-figures`)."""
        ...

    def recount(self) -> dict[str, int]:
        """The dashboard's counters counted again from the rows they stand for (`audit rebuild-figures`):
        the counter rows written, by table (none where the storage sums the rows themselves)."""
        ...

    def counter_drift(self) -> list[tuple[str, tuple[Any, ...], int, int]]:
        """(table, key, counted, stored) of each counter that is not the count of its rows (`audit verify --all`)."""
        ...


class DeploymentRepository(Protocol):
    """What the deployment chose when its database was created."""

    def hash_algorithm(self) -> str:
        """The hash algorithm of its chains and anchors (statemachines.events.HASH_ALGORITHMS)."""
        ...

    def purpose(self) -> str:
        """'production' or 'training' (issue 15); production for a database made before the choice."""
        ...

    def training_day(self) -> date | None:
        """A training database's business date now: the last one set; None elsewhere."""
        ...

    def add_training_day(self, day: date, set_at: datetime, set_by: str) -> None:
        """Appends the business date the training database runs on from now."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every repository: nothing is kept unless committed."""

    @property
    def cases(self) -> CaseRepository: ...
    @property
    def timers(self) -> TimerRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def two_factor(self) -> TwoFactorRepository: ...
    @property
    def security_log(self) -> SecurityLogRepository: ...
    @property
    def idempotency(self) -> IdempotencyRepository: ...
    @property
    def reminders(self) -> ReminderRepository: ...
    @property
    def rounds(self) -> RoundRepository: ...
    @property
    def anchors(self) -> AnchorRepository: ...
    @property
    def deployment(self) -> DeploymentRepository: ...
    @property
    def projections(self) -> ProjectionRepository: ...
    @property
    def figures(self) -> FigureRepository: ...

    def __enter__(self) -> UnitOfWork:
        """Begins the transaction."""
        ...

    def __exit__(self, *exc: object) -> None:
        """Ends it, rolling back whatever was not committed."""
        ...

    def commit(self) -> None:
        """Keeps everything written so far."""
        ...

    def rollback(self) -> None:
        """Drops everything written since the last commit."""
        ...


@dataclass(frozen=True)
class CaseFilter:
    state: str | None = None
    level: str | None = None
    jurisdiction: str | None = None
    operator_code: str | None = None
    timer_due_before: date | None = None
    scopes: tuple[str, ...] | None = None  # jurisdictions the reader may see; None: all
    # issue 15: words found in the base's or the operator's name, the credit code, or the start of the id
    text: str | None = None
    applied_in: int | None = None  # the year of the application
    ids: tuple[str, ...] | None = None  # only these cases (those a dashboard figure counts: issue 15)
    sort: str = "applied_on"  # applied_on, updated, next_due, state; "-" first for descending
    limit: int = 100
    # keyset paging (issue 16): (sort value, id) of the row the page starts after, or of the row it
    # ends before (the previous page); services.case_listing makes the cursors people see of them
    after: tuple[Any, str] | None = None
    before: tuple[Any, str] | None = None


@dataclass(frozen=True)
class CasePage:
    """A page of the case list. `total` counts the matches, exactly up to COUNT_CAP
    (services.case_listing); `total_capped`: there are more than `total`. `next_after` and
    `previous_before` are the keys of the pages on either side, None where there is none."""

    rows: list[CaseSummary]
    total: int
    total_capped: bool = False
    next_after: tuple[Any, str] | None = None
    previous_before: tuple[Any, str] | None = None


@dataclass(frozen=True)
class CaseSummary:
    id: str
    base_name: str
    operator_code: str
    level: str
    jurisdiction: str
    state: str
    version: int
    period_start: date | None
    period_end: date | None
    next_timer: str | None
    next_due: date | None
    operator_name: str = ""  # the operating organisation (运营机构), searched by the work queue
    reference: str | None = None  # the 受理编号 (issue 15)
    applied_on: date | None = None  # the orders' values, for the keyset of the next page
    last_on: date | None = None


class ChainLinks(Protocol):
    """Every case's chain in one pass: (case_id, seq, prev_hash, canonical, hash, hash_algorithm), cases in id
    order and each case's events in seq order; a case without events is one row with seq None;
    events of no case are left out. Memory flat in the number of events (audit verify --all)."""

    def __call__(self, *, after: str | None = None,
                 through: str | None = None) -> Iterator[tuple[str, int | None, str, str, str, str]]:
        """Only the cases with `after` < id <= `through` where given (a shard of the cases)."""
        ...
