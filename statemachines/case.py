"""The case aggregate: everything the rules need to know about one base's recognition path.

A case is a plain dataclass. It changes only by applying events (statemachines.fold), so the
stored snapshot and a replay from nothing are the same value; `to_dict`/`from_dict` give the
snapshot its JSON form.
"""
from __future__ import annotations

import dataclasses
import functools
import operator
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from statemachines.events import DEFAULT_ALGORITHM, GENESIS_HASH
from statemachines.programmes import DEFAULT_PROGRAMME


@dataclass
class Period:
    number: int
    start: date  # the day of the triggering act; not counted (R15)
    end: date  # the last day the recognition is in force


@dataclass
class Assessment:
    period: int
    index: int  # 1 for the first assessment of the period, 2 for the second…
    on: date
    outcome: str  # pass | fail | missed
    grade: str
    first_attempt: bool


@dataclass
class Rectification:
    period: int
    index: int
    opened_on: date
    deadline: date
    provisional: bool


@dataclass
class Complaint:
    id: str
    received_on: date
    summary: str
    period: int
    valid: bool | None = None
    verified_on: date | None = None


@dataclass
class Ban:
    ground: str
    level: str
    first_day: date
    last_day: date | None  # None: permanent (R14), so no ban_end follows
    ended_on: date | None = None

    def bars_on(self, day: date) -> bool:
        return self.ended_on is None and self.first_day <= day and (self.last_day is None or day <= self.last_day)


@dataclass
class Instalment:
    number: int
    due_on: date
    amount_fen: int
    status: str = "scheduled"  # scheduled | due | withheld | paid | cancelled
    paid_on: date | None = None  # the day it was paid in full
    paid_fen: int = 0  # paid so far: a part payment leaves it due (R20)
    grade: str | None = None  # the assessment grade that earned it (R20); None: the grant on recognition

    @property
    def outstanding_fen(self) -> int:
        return self.amount_fen - self.paid_fen


@dataclass
class Clawback:
    """What a revocation on a clawback ground makes the base owe back (R20): all it was paid."""

    ground: str
    since: date  # the day of the revocation; a deadline to repay runs from it
    owed_fen: int
    repaid_fen: int = 0
    repaid_on: date | None = None  # the day the last of it was repaid

    @property
    def outstanding_fen(self) -> int:
        return self.owed_fen - self.repaid_fen


@dataclass
class Notice:
    """A public notice (公示, R22) of the approval, before the recognition takes effect."""

    number: int  # 1 for the first; an upheld objection and a new approval give the next
    approved_on: date  # the approval (批复) that opened it
    first_day: date
    last_day: date
    provisional: bool  # its days lie in a year whose official calendar is not loaded (R16)
    ended_on: date | None = None  # the day the system ended it and recognised the base
    outcome: str | None = None  # None while it runs | "recognized" | "objection_upheld"


@dataclass
class Objection:
    """An objection (异议) received during a public notice (R22)."""

    id: str
    notice: int  # the number of the notice it was received in
    received_on: date
    summary: str
    decision: str | None = None  # None while undecided | "dismiss" | "uphold" | "superseded"
    decided_on: date | None = None


@dataclass
class Case:
    id: str
    base_id: str
    base_name: str
    operator_code: str
    level: str
    jurisdiction: str
    policy_id: str
    policy_version: int
    applied_on: date
    opened_by: str = ""  # the caseworker who recorded the application: the one reminders go to
    state: str = "applied"
    version: int = 0  # the seq of the last event: the optimistic-concurrency token
    head_hash: str = GENESIS_HASH
    hash_algorithm: str = DEFAULT_ALGORITHM  # of its chain: every event of a case is hashed alike
    last_on: date | None = None
    last_act: str | None = None
    window_exception: str | None = None
    round_year: int | None = None  # the application round it was received in (R19); None: outside one
    # issue 15: the 受理编号 people say, <jurisdiction>-<year>-<nnnn>; None for a case applied before it
    reference: str | None = None
    programme: str = DEFAULT_PROGRAMME  # R23: the programme applied for (its policy's); "base": 创业孵化基地
    inspected_by: str | None = None
    inspectors: list[str] = field(default_factory=list)
    recognized_on: date | None = None
    period: Period | None = None
    assessments: list[Assessment] = field(default_factory=list)
    consecutive_fails: int = 0
    rectification: Rectification | None = None
    reports: dict[int, date] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    complaints: list[Complaint] = field(default_factory=list)
    suspended_from: str | None = None
    suspended_by: str | None = None
    suspension_ground: str | None = None
    revocation_ground: str | None = None
    ban: Ban | None = None
    instalments: list[Instalment] = field(default_factory=list)
    end_reason: str | None = None
    tier: str | None = None  # the subsidy tier chosen at approval, where the policy has tiers (R20)
    clawback: Clawback | None = None  # money owed back after a revocation (R20)
    notice: Notice | None = None  # the latest public notice (R22), where the policy has one
    objections: list[Objection] = field(default_factory=list)

    # --- questions the rules ask --------------------------------------------------------

    def assessments_in_period(self) -> list[Assessment]:
        number = self.period.number if self.period else 0
        return [a for a in self.assessments if a.period == number]

    def assessed_indexes(self) -> set[int]:
        """The period's scheduled assessments already recorded (a re-assessment adds none)."""
        return {a.index for a in self.assessments_in_period()}

    def valid_complaints_in_period(self) -> int:
        number = self.period.number if self.period else 0
        return sum(1 for c in self.complaints if c.period == number and c.valid)

    def complaint(self, complaint_id: str) -> Complaint | None:
        # ids are unique within a case (record_complaint refuses a second), so the direction does
        # not change the answer; newest first because a verification follows its complaint, and
        # a replay asking oldest first walked every earlier complaint (quadratic in a long case)
        for c in reversed(self.complaints):
            if c.id == complaint_id:
                return c
        return None

    def subsidy_owed_fen(self) -> int:
        """What the case has been granted so far, all instalments but those cancelled (the cap, R20)."""
        return sum(i.amount_fen for i in self.instalments if i.status != "cancelled")

    def subsidy_paid_fen(self) -> int:
        return sum(i.paid_fen for i in self.instalments)
    def objection(self, objection_id: str) -> Objection | None:
        return next((o for o in self.objections if o.id == objection_id), None)

    def open_objections(self) -> list[Objection]:
        """R22: the objections to the current notice still waiting for a decision."""
        number = self.notice.number if self.notice else 0
        return [o for o in self.objections if o.notice == number and o.decision is None]

    def has_flag(self, flag: str) -> bool:
        return flag in self.flags

    def raise_flag(self, flag: str) -> None:
        if flag not in self.flags:
            self.flags.append(flag)

    def lower_flag(self, flag: str) -> None:
        if flag in self.flags:
            self.flags.remove(flag)

    # --- snapshot ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        encoded: dict[str, Any] = _encode(self)
        return encoded

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Case:
        case: Case = _decode(cls, data)
        return case

    def encodes_as(self, data: Any) -> bool:
        """Whether `to_dict()` equals `data` (a stored snapshot's JSON), answered without building it and
        at the first difference: `audit verify` asks it of every replayed case (issue 16)."""
        return _encodes_as(self, data)


def _encode(value: Any) -> Any:
    kind: type = type(value)
    if kind in _PLAIN:
        return value
    fields = _values_of(kind)
    if fields is not None:
        # plain values taken as they are without a call: most of a snapshot's values are (issue 16:
        # `audit verify` encodes every replayed case to compare it with the stored snapshot)
        names, values = fields
        return dict(zip(names, [v if type(v) in _PLAIN else _encode(v) for v in values(value)], strict=True))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [v if type(v) in _PLAIN else _encode(v) for v in value]
    return value


_PLAIN = frozenset({str, int, bool, float, type(None)})


def _encodes_as(value: Any, data: Any) -> bool:
    """`_encode(value) == data`: True only when it is (False may also mean "not sure", e.g. a dict)."""
    kind: type = type(value)
    if kind in _PLAIN:
        return bool(value == data)
    fields = _values_of(kind)
    if fields is not None:
        names, values = fields
        if not isinstance(data, dict) or len(data) != len(names):
            return False
        for name, v in zip(names, values(value), strict=True):
            if name not in data:
                return False
            if not (v == data[name] if type(v) in _PLAIN else _encodes_as(v, data[name])):
                return False
        return True
    if isinstance(value, date):
        return bool(value.isoformat() == data)
    if isinstance(value, list):
        return isinstance(data, list) and len(value) == len(data) and all(
            _encodes_as(v, d) for v, d in zip(value, data, strict=True))
    return bool(_encode(value) == data)  # a dict's keys are encoded as text: compared as encoded


@functools.cache
def _names_of(kind: type) -> tuple[str, ...] | None:
    # a snapshot encodes dozens of values on every save (bench b1); dataclasses.fields is slow
    return tuple(f.name for f in dataclasses.fields(kind)) if dataclasses.is_dataclass(kind) else None


@functools.cache
def _values_of(kind: type) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]] | None:
    """A dataclass's field names and a function giving all their values at once (one C call)."""
    names = _names_of(kind)
    if names is None:
        return None
    if len(names) == 1:  # attrgetter of one name gives the value, not a tuple of it
        name = names[0]
        return names, lambda value: (getattr(value, name),)
    return names, (operator.attrgetter(*names) if names else (lambda value: ()))


@functools.cache
def _fields_of(kind: type) -> tuple[tuple[str, Any], ...]:
    # resolving the string annotations costs ~50 µs a class; a snapshot decodes dozens (bench b1, b4).
    # `date` resolves to a marker, not to the module's `date`: a clock-faking library swaps that name
    # for a subclass while time is frozen, and a hint cached then would stop matching afterwards.
    hints = typing.get_type_hints(kind, localns={"date": _DateField})
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(kind))


class _DateField:
    """Stands for `date` in the cached hints of the snapshot classes."""


def _decode(kind: Any, data: Any) -> Any:
    if data is None:
        return None
    decode = _decoder(kind)
    return data if decode is None else decode(data)


Decoder = Callable[[Any], Any] | None  # None: the JSON value is already the Python value


@functools.cache
def _decoder(kind: Any) -> Decoder:
    """A function per type, built once from its hints: reading a snapshot is on every act's path
    (bench b1), and walking the hints for each value cost more than the values themselves."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        return _decoder(next(a for a in typing.get_args(kind) if a is not type(None)))
    if origin is list:
        item = _decoder(typing.get_args(kind)[0])
        return list if item is None else (lambda values: [_or_none(item, v) for v in values])
    if origin is dict:
        key_type, item = typing.get_args(kind)[0], _decoder(typing.get_args(kind)[1])
        return lambda values: {key_type(k): _or_none(item, v) for k, v in values.items()}
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        fields = tuple((name, _decoder(hint)) for name, hint in _fields_of(kind))
        return lambda data: kind(**{name: _or_none(decode, data[name]) for name, decode in fields if name in data})
    if kind is _DateField:
        return lambda text: date.fromisoformat(text)  # the module's `date` when called (see _fields_of)
    return None


def _or_none(decode: Decoder, value: Any) -> Any:
    return value if decode is None or value is None else decode(value)
