"""What the services need from storage, declared here and implemented in db/ (README: How it is built)."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from statemachines.acts import BanOnRecord
from statemachines.case import Case
from statemachines.errors import DomainError
from statemachines.events import Event
from statemachines.timers import Timer

if TYPE_CHECKING:
    from services.idempotency import StoredAnswer
    from services.users import User


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
class DueTimer:
    id: int
    case_id: str
    kind: str
    key: str
    due_on: date
    fires_on: date


class CaseRepository(Protocol):
    def get(self, case_id: str, *, for_update: bool = False) -> Case: ...
    def add(self, case: Case, events: Sequence[Event], timers: Sequence[Timer]) -> None: ...
    def save(self, case: Case, expected_version: int, events: Sequence[Event], timers: Sequence[Timer]) -> None: ...
    def events(self, case_id: str) -> list[Event]: ...
    def open_cases(self, base_id: str, level: str) -> list[str]: ...
    def bans(self, operator_code: str, base_id: str | None, level: str) -> list[BanOnRecord]: ...
    def summaries(self, query: CaseFilter) -> tuple[list[CaseSummary], int]: ...
    def party(self, *, credit_code: str, operator_name: str, base_name: str, base_address: str,
              jurisdiction: str, new_id: str) -> Party: ...


class TimerRepository(Protocol):
    def due(self, as_of: date, limit: int) -> list[DueTimer]: ...
    def claim(self, timer_id: int, fired_at: datetime) -> bool: ...
    def pending(self, case_id: str) -> list[Timer]: ...


class UserRepository(Protocol):
    def add(self, user_id: str, username: str, display_name: str, now: datetime) -> None: ...
    def by_username(self, username: str) -> User | None: ...
    def by_token(self, token_hash: str, now: datetime) -> User | None: ...
    def all(self) -> list[User]: ...
    def grant(self, user_id: str, role: str, jurisdiction: str, now: datetime) -> None: ...
    def revoke_grant(self, user_id: str, role: str, jurisdiction: str, now: datetime) -> bool: ...
    def add_token(self, user_id: str, token_hash: str, label: str, now: datetime,
                  expires_at: datetime | None = None) -> None: ...
    def revoke_token(self, token_hash: str, now: datetime) -> bool: ...


class IdempotencyRepository(Protocol):
    def get(self, user_id: str, key: str) -> StoredAnswer | None: ...
    def put(self, user_id: str, key: str, answer: StoredAnswer, now: datetime) -> bool: ...


class ReminderRepository(Protocol):
    def add(self, reminder: Any, now: datetime) -> int: ...
    def claim(self, now: datetime, limit: int, channels: list[str], stale_before: datetime) -> list[Any]: ...
    def sent(self, reminder_id: int, now: datetime) -> None: ...
    def failed_attempt(self, reminder_id: int, attempts: int, error: str, retry_at: datetime | None) -> None: ...
    def search(self, **filters: Any) -> list[dict]: ...


class RoundRepository(Protocol):
    def ensure(self, policy_id: str, year: int, opens_on: date, closes_on: date) -> None: ...
    def open(self, policy_id: str, year: int, now: datetime) -> None: ...
    def close(self, policy_id: str, year: int, now: datetime, applications: int) -> None: ...
    def applications(self, policy_id: str, opens_on: date, closes_on: date) -> int: ...
    def get(self, policy_id: str, year: int) -> Any: ...


class UnitOfWork(Protocol):
    cases: CaseRepository
    timers: TimerRepository
    users: UserRepository
    idempotency: IdempotencyRepository
    reminders: ReminderRepository
    rounds: RoundRepository

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...




@dataclass(frozen=True)
class CaseFilter:
    state: str | None = None
    level: str | None = None
    jurisdiction: str | None = None
    operator_code: str | None = None
    timer_due_before: date | None = None
    scopes: tuple[str, ...] | None = None  # jurisdictions the reader may see; None: all
    sort: str = "applied_on"  # applied_on, updated, next_due, state; "-" first for descending
    limit: int = 100
    offset: int = 0


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


class ChainLinks(Protocol):
    """Every case's chain in one pass: (case_id, seq, prev_hash, canonical, hash), cases in id
    order and each case's events in seq order; a case without events is one row with seq None;
    events of no case are left out. Memory flat in the number of events (audit verify --all)."""

    def __call__(self) -> Iterator[tuple[str, int | None, str, str, str]]: ...
