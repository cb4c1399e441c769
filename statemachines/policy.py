"""Policy as data: a frozen, versioned rule set for one jurisdiction and level.

Every duration, threshold, amount and reminder offset of the lifecycle lives here, each with
the clause it comes from (or a mark that the figure is our default). Domain functions take a
Policy as an argument; nothing in the code knows a figure of its own.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import EllipsisType, MappingProxyType
from typing import Any, NamedTuple, overload

from statemachines.jurisdiction import covers, prefix
from statemachines.periods import Duration, InvalidDuration, period_end
from statemachines.programmes import DEFAULT_PROGRAMME, PROGRAMME_PATTERN

# 区/县级, 市/州级, 省级, 国家级: a policy of a level governs the cases of that level in its jurisdiction
LEVELS = ("county", "municipal", "provincial", "national")
REVOCATION_GROUNDS = (
    "rectification_failed", "assessment_failed", "fraud", "commitment_breach", "complaints",
)
MISCONDUCT_GROUNDS = ("fraud", "commitment_breach", "complaints")
BAN_SCOPES = ("level", "jurisdiction", "all")
UNKNOWN_KEY = "is not a key of a policy file"
ANNUAL_REPORT_YEARS = ("next", "same")  # [annual_report] year: when the report on year N is due
# the only window the texts support so far; a rolling window would be a new value here
COMPLAINT_WINDOWS = ("period",)
# [reevaluation] at_end: what follows a period's end that does not extend itself (R10)
PERIOD_END_ACTIONS = ("review", "reapply")
# [prerequisite] proof: what shows the lower recognition (R18): a case in force here, or also its document
PREREQUISITE_PROOFS = ("case", "case_or_document")
# [assessment] schedule: "period" counts from each case's period start (R8); "campaign" assesses
# every eligible base for calendar year N at once (R21)
ASSESSMENT_SCHEDULES = ("period", "campaign")
CAMPAIGN_RESULTS_YEARS = ("same", "next")  # [assessment.campaign] results_year: in N or in N+1
# [assessment] missed: what the sweep does when an assessment's deadline passes unrecorded (R21)
MISSED_ASSESSMENT = ("flag", "fail")


class PolicyError(ValueError):
    """A policy file is malformed; the message names the file and the field, one line per problem
    (`problems`: each "field: what is wrong")."""

    def __init__(self, where: str, message: str, problems: tuple[str, ...] = ()) -> None:
        self.problems = problems or (message,)
        super().__init__("\n".join(f"{where}: {problem}" for problem in self.problems))
        self.where = where

    @classmethod
    def of(cls, where: str, errors: list[PolicyError]) -> PolicyError:
        """Several problems of one file as one error."""
        problems = tuple(p for e in errors for p in e.problems)
        return cls(where, problems[0], problems)


@dataclass(frozen=True)
class Clause:
    """Where a parameter comes from: the rule it serves, the clause text, and which of its figures
    are ours (not in the text): `default` is True where any is; `ours` names them, and is empty
    where the whole section is ours (`default = true` in the file)."""

    rule: str
    text: str
    default: bool
    ours: tuple[str, ...] = ()

    def is_ours(self, key: str) -> bool:
        """Whether the figure at `key` of the section is our default, not the text's."""
        return self.default and (not self.ours or key in self.ours)


@dataclass(frozen=True)
class Source:
    """A document a policy cites: its title, 文号, issuing body, date and address, where known."""

    id: str
    title: str
    number: str | None  # 文号, e.g. 沪就促〔2017〕22号
    issuer: str | None
    issued: date | None
    url: str | None


@dataclass(frozen=True)
class MonthDay:
    month: int
    day: int

    def in_year(self, year: int) -> date:
        return date(year, self.month, self.day)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class Permanent:
    """A ban without end (不得再次申报): the ground bars a new application for good."""

    def __str__(self) -> str:
        return "permanent"


PERMANENT = Permanent()
# how long a revocation on a ground bars a new application: a duration, for good, or not at all
BanLength = Duration | Permanent | None


@dataclass(frozen=True)
class Instalment:
    after: Duration | None  # None: on the day of recognition
    amount_fen: int


@dataclass(frozen=True)
class Tier:
    """A level of the one-off grant chosen at approval (R20), with the criterion that decides it."""

    name: str
    amount_fen: int
    criterion: str


@dataclass(frozen=True)
class Campaign:
    """R21: a yearly assessment campaign on the calendar. Campaign year N assesses the bases
    recognised at least `eligible_after` by the cut-off day of N; a result for N may be recorded
    from the opening day (the first `opens` on or after the cut-off) to the results deadline."""

    eligible_after: Duration | None  # None ("0d"): every base recognised by the cut-off
    cutoff: MonthDay
    results_due: MonthDay
    results_year: str  # "same": the results of N are due in N; "next": in N+1
    opens: MonthDay

    def cutoff_day(self, year: int) -> date:
        return self.cutoff.in_year(year)

    def results_deadline(self, year: int) -> date:
        """The last day to record year N's result, before rest days move it (R16)."""
        return self.results_due.in_year(year + 1 if self.results_year == "next" else year)

    def opening_day(self, year: int) -> date:
        """The first day a result for year N may be recorded: `opens` on the cut-off day or after."""
        cutoff = self.cutoff_day(year)
        day = self.opens.in_year(year)
        return day if day >= cutoff else self.opens.in_year(year + 1)

    def eligible(self, recognized_on: date, year: int) -> bool:
        """Whether a base recognised on `recognized_on` has been so long enough by N's cut-off."""
        if self.eligible_after is None:
            return recognized_on < self.cutoff_day(year)
        return period_end(recognized_on, self.eligible_after) <= self.cutoff_day(year)


@dataclass(frozen=True)
class Policy:
    id: str
    version: int
    title: str
    jurisdiction: str
    level: str
    effective_from: date
    effective_to: date | None
    sources: tuple[Source, ...]
    application_window: tuple[MonthDay, MonthDay] | None
    recognition_period: Duration
    annual_report_due: MonthDay | None  # None: the policy asks for no annual reports
    assessment_first: Duration | None  # None with the "campaign" schedule
    assessment_every: Duration | None
    pass_grades: tuple[str, ...]
    fail_grades: tuple[str, ...]
    missed_grade: str | None
    revoke_after_consecutive_fails: int | None
    rectification_period: Duration | None
    auto_extend: bool
    bans: Mapping[str, BanLength]  # per ground; None: a revocation on it bars no reapplication
    ban_scope: str  # which bans on record bar an application under this policy: see ban_applies
    complaint_threshold: int
    complaint_window: str  # "period": valid complaints count within the current period
    subsidy_total_fen: int
    instalments: tuple[Instalment, ...]
    reminder_offsets: tuple[int, ...]
    clauses: Mapping[str, Clause] = field(default_factory=dict)
    # R23: the programme (认定项目) a policy runs; one jurisdiction and level may run several at once
    # (Qingdao's 高能级创业孵化园区 beside its 创业孵化基地); "base" is the 创业孵化基地 itself
    programme: str = DEFAULT_PROGRAMME
    prerequisite_level: str | None = None  # R18: the level a base must be recognised at to apply
    prerequisite_programme: str = DEFAULT_PROGRAMME  # R18, R23: the programme of that recognition
    # R23: programmes whose subsidy this one's is not paid on top of (不重复享受): while the base holds
    # an in-force recognition of one of them with money owed or paid, this case is owed nothing more
    subsidy_not_combined_with: tuple[str, ...] = ()
    prerequisite_proof: str = "case"  # R18: "case_or_document" also accepts the recognition's 文号
    rounds_announced: bool = False  # R19: each year's round is announced (dates, quota), not fixed here
    round_quota: int | None = None  # R19: approvals per round at most (an announcement may set its own)
    # R10: at a period's end not extended by itself, "review" (a person decides) or "reapply" (it lapses)
    period_end_action: str = "review"
    decision_pending_for: Duration | None = None  # R10: in force this long awaiting the decision, then lapses
    ends_with_plan: bool = False  # R6: no period runs past effective_to (a validity that ends with the plan)
    annual_report_year: str = "next"  # the report on year N is due in N+1 ("next") or in N ("same")
    # R20: money tied to what happens. Each default is the behaviour of a policy without the key.
    subsidy_per_grade: Mapping[str, int] = field(default_factory=dict)  # pass grade -> fen, per assessment
    subsidy_cap_fen: int | None = None  # the most a case can ever be owed under the policy
    subsidy_tiers: tuple[Tier, ...] = ()  # with tiers, approve names one and the grant is its amount
    partial_payments: bool = False  # whether a payment may be less than what an instalment still owes
    clawback_grounds: tuple[str, ...] = ()  # revocation grounds on which what was paid is owed back
    clawback_within: Duration | None = None  # the deadline to repay, from the revocation
    assessment_schedule: str = "period"  # R8 "period" (from each period's start) or R21 "campaign"
    campaign: Campaign | None = None  # R21: with the "campaign" schedule
    assessment_opens_before: Duration | None = None  # R21: an assessment may be recorded this long before it is due
    missed_assessment: str = "flag"  # R21: "flag" an unrecorded assessment, or record it as missed ("fail")
    # R22: how long the list of bases to be recognised is publicly noticed (公示) between the
    # approval and the recognition; None: the approval recognises at once
    public_notice_period: Duration | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    @functools.cached_property
    def memo(self) -> dict[Any, Any]:
        """Answers of pure functions of this policy and a few dates (statemachines.assessments.owed):
        verifying a million cases asks the same few hundred questions of each policy (issue 16). Kept
        in the instance, not a field: equality, hashing and `replace` do not see it."""
        return {}

    @property
    def rectification_enabled(self) -> bool:
        return self.rectification_period is not None

    def covers(self, jurisdiction: str) -> bool:
        """A policy for 520000 covers every division of Guizhou (52xxxx); one for 520100, Guiyang."""
        return covers(self.jurisdiction, jurisdiction)

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def window_of(self, year: int) -> tuple[date, date] | None:
        """R1: the first and last day of the round that opens in `year` (a window that spans 1 January
        closes the next year); None where the file fixes no window."""
        if self.application_window is None:
            return None
        opens, closes = self.application_window
        spans = (closes.month, closes.day) < (opens.month, opens.day)
        return opens.in_year(year), closes.in_year(year + 1 if spans else year)

    def period_from(self, start: date) -> date | None:
        """R6: the last day of a period that starts on `start`: its length, or the plan's last day where
        the recognition ends with the plan; None where the plan has ended by then (no period)."""
        end = period_end(start, self.recognition_period)
        if not self.ends_with_plan or self.effective_to is None:
            return end
        return min(end, self.effective_to) if start < self.effective_to else None

    def assessment_offsets(self) -> list[Duration]:
        """Assessments fall at first, first+every, … strictly inside the period (R8); none with
        the "campaign" schedule, whose assessments follow the calendar (R21)."""
        offsets: list[Duration] = []
        if self.assessment_first is None or self.assessment_every is None:
            return offsets
        months, step = _months(self.assessment_first), _months(self.assessment_every)
        while months < _months(self.recognition_period):
            offsets.append(Duration(years=months // 12, months=months % 12))
            months += step
        return offsets

    def annual_report_deadline(self, year: int) -> date | None:
        """R7: the day the report on `year` is due, before rest days move it; None: none is asked for."""
        if self.annual_report_due is None:
            return None
        return self.annual_report_due.in_year(year + 1 if self.annual_report_year == "next" else year)

    def ban_for(self, ground: str) -> BanLength:
        """R14: how long a revocation on `ground` bars a new application: a duration, PERMANENT,
        or None (not at all)."""
        return self.bans[ground]

    def ban_applies(self, ban_level: str, ban_jurisdiction: str, level: str) -> bool:
        """R14: whether a ban of a case of `ban_level` in `ban_jurisdiction` bars an application at
        `level` under this policy. "level" (the usual): a ban of the same level in this policy's
        jurisdiction; "jurisdiction": of any level in it; "all": any ban anywhere. So a ban of
        Hubei never refuses a Guizhou application unless Guizhou's policy says "all"."""
        if self.ban_scope == "all":
            return True
        return covers(self.jurisdiction, ban_jurisdiction) and (self.ban_scope == "jurisdiction" or ban_level == level)

    def cite(self, parameter: str) -> Clause | None:
        return self.clauses.get(parameter)


def _months(duration: Duration) -> int:
    return duration.years * 12 + duration.months


# --- reading a policy from a plain mapping (TOML) -------------------------------------------

class _Reader:
    """Walks a nested mapping, so that every error names the field that is wrong."""

    def __init__(self, data: Mapping[str, Any], where: str, path: str = "",
                 readers: list[_Reader] | None = None) -> None:
        self.data, self.where, self.path = data, where, path
        self.asked: set[str] = set()  # the keys the code has looked for: any other key is unknown
        self.readers = [] if readers is None else readers  # this reader and every one below it
        self.readers.append(self)

    def child(self, data: Mapping[str, Any], path: str) -> _Reader:
        return _Reader(data, self.where, path, self.readers)

    def unknown(self) -> list[str]:
        """Every key of this reader and those below it that no part of the code asked for."""
        return [f"{r._name(key)}: {UNKNOWN_KEY}" for r in self.readers
                for key in r.data if key not in r.asked]

    def _name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, message: str) -> PolicyError:
        return PolicyError(self.where, f"{self._name(key)}: {message}")

    def has(self, key: str) -> bool:
        self.asked.add(key)
        return key in self.data

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        self.asked.add(key)
        if key not in self.data:
            if default is ...:
                raise self.fail(key, "is missing")
            return default
        value = self.data[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(key, f"expected {kind}, got a boolean")
        if not isinstance(value, kind):
            kinds = kind if isinstance(kind, tuple) else (kind,)
            raise self.fail(key, f"expected {' or '.join(k.__name__ for k in kinds)}, got {value!r}")
        return value

    def section(self, key: str) -> _Reader:
        return self.child(self.get(key, dict), self._name(key))

    def duration(self, key: str, *, working_days: bool = False) -> Duration:
        """`working_days`: whether the duration may count working days (a deadline for an act may;
        a validity period, a ban or a date of payment ends on a calendar day)."""
        try:
            duration = Duration.parse(self.get(key, str))
        except InvalidDuration as exc:
            raise self.fail(key, str(exc)) from None
        if duration.working_days and not working_days:
            raise self.fail(key, f"{duration}: working days count only for a deadline to act, not here")
        return duration

    def month_day(self, key: str) -> MonthDay:
        text = self.get(key, str)
        try:
            month, day = (int(part) for part in text.split("-"))
            date(2023, month, day)  # a common year: 02-29 would not exist every year
        except ValueError:
            raise self.fail(key, f"{text!r} is not a MM-DD date that exists every year") from None
        return MonthDay(month, day)

    @overload
    def a_date(self, key: str) -> date: ...
    @overload
    def a_date(self, key: str, default: None) -> date | None: ...

    def a_date(self, key: str, default: EllipsisType | None = ...) -> date | None:
        """The date at `key`; without a default, a missing key is an error."""
        value = self.get(key, (date, str), default)
        if isinstance(value, datetime):  # TOML's date-times are dates to Python: say which is meant
            raise self.fail(key, f"{value.isoformat()} is a date and time; a date is due (YYYY-MM-DD)")
        if value is None or isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(key, f"{value!r} is not a date (YYYY-MM-DD)") from None

    @overload
    def positive_int(self, key: str) -> int: ...
    @overload
    def positive_int(self, key: str, default: None) -> int | None: ...

    def positive_int(self, key: str, default: EllipsisType | None = ...) -> int | None:
        """The whole number 0 or more at `key`; without a default, a missing key is an error."""
        value: int | None = self.get(key, int, default)
        if value is not None and value < 0:
            raise self.fail(key, f"must not be negative, got {value}")
        return value

    def strings(self, key: str, default: Any = ...) -> tuple[str, ...]:
        values = self.get(key, list, default)
        if any(not isinstance(v, str) or not v for v in values):
            raise self.fail(key, "must be a list of non-empty strings")
        return tuple(values)

    def clause(self, rule: str) -> Clause:
        """The section's source. `default` is `true` (every figure of the section is ours) or a list
        of the keys whose figures are ours, the rest coming from the clause's text."""
        text = self.get("clause", str)
        marked = self.get("default", (bool, list), False)
        if isinstance(marked, bool):
            return Clause(rule=rule, text=text, default=marked)
        figures = [k for k in self.data if k not in ("clause", "default")]
        if not marked or any(not isinstance(k, str) or k not in figures for k in marked):
            raise self.fail("default", f"names keys of this section whose figures are ours ({', '.join(figures)}), "
                                       f"got {marked!r}")
        return Clause(rule=rule, text=text, default=True, ours=tuple(marked))


def policy_from_mapping(data: Mapping[str, Any], where: str = "<policy>") -> Policy:
    """The policy a file's mapping describes. Every section is read even when an earlier one is
    wrong, so a reviewer sees every problem at once (a section that depends on a wrong one is left
    until that is fixed); keys no section knows are reported once the rest reads."""
    top = _Reader(data, where)
    errors: list[PolicyError] = []
    parts: dict[str, Any] = {}

    def read(name: str, section: Callable[[], object], *needs: str) -> None:
        if all(n in parts for n in needs):
            try:
                parts[name] = section()
            except PolicyError as exc:
                errors.append(exc)

    read("identity", lambda: _identity(top))
    read("sources", lambda: _sources(top))
    read("window", lambda: _application_window(top))
    read("recognition", lambda: _recognition(top))
    read("report", lambda: _annual_report(top))
    read("assessment", lambda: _assessment(top))
    read("rectification", lambda: _rectification(top, parts["assessment"].revoke_after_consecutive_fails),
         "assessment")
    read("reevaluation", lambda: _reevaluation(top))
    read("bans", lambda: _bans(top, parts["rectification"][1], parts["assessment"].revoke_after_consecutive_fails),
         "assessment", "rectification")
    read("complaints", lambda: _complaints(top))
    read("subsidy", lambda: _subsidy(top, parts["recognition"][1], parts["assessment"], parts["rectification"][1]),
         "recognition", "assessment", "rectification")
    read("reminders", lambda: _reminders(top))
    read("effective", lambda: _effective_dates(top))
    read("names", lambda: (top.get("id", str), top.get("title", str)))
    read("programme", lambda: _programme(top))
    read("prerequisite", lambda: _prerequisite(top, parts["identity"][0], parts["programme"]), "identity", "programme")
    read("plan", lambda: _ends_with_plan(top, parts["recognition"][2], parts["effective"][1]),
         "recognition", "effective")
    read("public_notice", lambda: _public_notice(top))
    read("exclusion", lambda: _exclusion_without_notice(top, parts["subsidy"], parts["public_notice"][1]),
         "subsidy", "public_notice")
    if not errors and (unknown := top.unknown()):
        errors.append(PolicyError(where, unknown[0], tuple(unknown)))
    if errors:
        raise PolicyError.of(where, errors)

    level, jurisdiction, version = parts["identity"]
    sources = parts["sources"]
    window_clause, window, announced, quota = parts["window"]
    recognition_clause, recognition_period, ends_with_plan = parts["recognition"]
    report_clause, report_due, report_year = parts["report"]
    assessment: _Assessment = parts["assessment"]
    consecutive = assessment.revoke_after_consecutive_fails
    rectification_clause, rectification_period = parts["rectification"]
    reevaluation: _Reevaluation = parts["reevaluation"]
    bans: _Bans = parts["bans"]
    complaints: _Complaints = parts["complaints"]
    subsidy: _Subsidy = parts["subsidy"]
    reminders_clause, offsets = parts["reminders"]
    effective_from, effective_to = parts["effective"]
    policy_id, title = parts["names"]
    prerequisite_clause, prerequisite_level, prerequisite_proof, prerequisite_programme = parts["prerequisite"]
    notice_clause, notice_period = parts["public_notice"]
    clauses = {parameter: clause for parameter, clause in (
        ("application_window", window_clause),
        ("recognition_period", recognition_clause),
        ("annual_report_due", report_clause),
        ("assessment", assessment.clause),
        ("rectification_period", rectification_clause),
        ("reevaluation", reevaluation.clause),
        ("bans", bans.clause),
        ("complaints", complaints.clause),
        ("subsidy", subsidy.clause),
        ("reminders", reminders_clause),
        ("prerequisite", prerequisite_clause),
        ("public_notice", notice_clause),
    ) if clause is not None}

    return Policy(
        id=policy_id,
        version=version,
        title=title,
        jurisdiction=jurisdiction,
        level=level,
        effective_from=effective_from,
        effective_to=effective_to,
        sources=sources,
        application_window=window,
        recognition_period=recognition_period,
        annual_report_due=report_due,
        annual_report_year=report_year,
        programme=parts["programme"],
        prerequisite_level=prerequisite_level,
        prerequisite_proof=prerequisite_proof,
        prerequisite_programme=prerequisite_programme,
        subsidy_not_combined_with=subsidy.not_combined_with,
        rounds_announced=announced,
        round_quota=quota,
        public_notice_period=notice_period,
        assessment_first=assessment.first,
        assessment_every=assessment.every,
        pass_grades=assessment.pass_grades,
        fail_grades=assessment.fail_grades,
        missed_grade=assessment.missed_grade,
        assessment_schedule=assessment.schedule,
        campaign=assessment.campaign,
        assessment_opens_before=assessment.opens_before,
        missed_assessment=assessment.missed,
        revoke_after_consecutive_fails=consecutive,
        rectification_period=rectification_period,
        auto_extend=reevaluation.auto_extend,
        period_end_action=reevaluation.at_end,
        decision_pending_for=reevaluation.pending_for,
        ends_with_plan=ends_with_plan,
        bans=MappingProxyType(bans.durations),
        ban_scope=bans.scope,
        complaint_threshold=complaints.threshold,
        complaint_window=complaints.window,
        subsidy_total_fen=subsidy.total_fen,
        instalments=subsidy.instalments,
        subsidy_per_grade=MappingProxyType(subsidy.per_grade),
        subsidy_cap_fen=subsidy.cap_fen,
        subsidy_tiers=subsidy.tiers,
        partial_payments=subsidy.partial_payments,
        clawback_grounds=subsidy.clawback_grounds,
        clawback_within=subsidy.clawback_within,
        reminder_offsets=offsets,
        clauses=MappingProxyType(clauses),
    )


# --- one function per part of the file, in the order policy_from_mapping reads them; each
# returns its clause (None where the part is absent) first, then what it reads ---------------------

class _Assessment(NamedTuple):
    clause: Clause
    first: Duration | None
    every: Duration | None
    pass_grades: tuple[str, ...]
    fail_grades: tuple[str, ...]
    revoke_after_consecutive_fails: int | None
    missed_grade: str | None
    schedule: str
    campaign: Campaign | None
    opens_before: Duration | None
    missed: str


class _Bans(NamedTuple):
    clause: Clause
    durations: dict[str, BanLength]
    scope: str


class _Complaints(NamedTuple):
    clause: Clause
    threshold: int
    window: str


class _Subsidy(NamedTuple):
    clause: Clause
    total_fen: int
    instalments: tuple[Instalment, ...]
    per_grade: dict[str, int]
    cap_fen: int | None
    tiers: tuple[Tier, ...]
    partial_payments: bool
    clawback_grounds: tuple[str, ...]
    clawback_within: Duration | None
    not_combined_with: tuple[str, ...]


def _identity(top: _Reader) -> tuple[str, str, int]:
    """The level, jurisdiction and version at the top of the file."""
    level = _one_of(top, "level", LEVELS)
    from statemachines import jurisdiction as divisions

    jurisdiction = top.get("jurisdiction", str)
    # a division since abolished may still have its policy: the one its cases were decided under
    if (why := divisions.refusal(jurisdiction, abolished_too=True)) is not None:
        raise top.fail("jurisdiction", f"{jurisdiction!r} {why}")
    version = top.get("version", int)
    if version < 1:
        raise top.fail("version", "must be 1 or more")
    return level, jurisdiction, version


def _sources(top: _Reader) -> tuple[Source, ...]:
    sources = []
    for i, raw in enumerate(top.get("sources", list)):
        s = top.child(raw, f"sources[{i}]")
        sources.append(Source(s.get("id", str), s.get("title", str), s.get("number", str, None),
                              s.get("issuer", str, None), s.a_date("issued", None), s.get("url", str, None)))
    return tuple(sources)


class _Window(NamedTuple):
    clause: Clause | None
    window: tuple[MonthDay, MonthDay] | None
    announced: bool
    quota: int | None


def _application_window(top: _Reader) -> _Window:
    """A fixed yearly window (`opens`, `closes`; a `closes` before `opens` ends in the next year), or
    `announced = true`: each year's dates are announced (R19); `quota`, optional, per round."""
    if not top.has("application_window"):
        return _Window(None, None, False, None)
    w = top.section("application_window")
    clause, announced = w.clause("R1"), w.get("announced", bool, False)
    quota = w.positive_int("quota", None)
    if quota == 0:
        raise w.fail("quota", "must be 1 or more (leave it out for no quota)")
    if announced:
        for key in ("opens", "closes"):
            if w.has(key):
                raise w.fail(key, "is announced each year: leave it out, or set announced = false")
        return _Window(clause, None, True, quota)
    return _Window(clause, (w.month_day("opens"), w.month_day("closes")), False, quota)


def _recognition(top: _Reader) -> tuple[Clause, Duration, bool]:
    """The period's length, and `ends_with_plan`: whether no period runs past `effective_to`."""
    rec = top.section("recognition")
    return rec.clause("R6"), rec.duration("period"), rec.get("ends_with_plan", bool, False)


def _annual_report(top: _Reader) -> tuple[Clause, MonthDay | None, str]:
    """The report's due date and whether a year's report is due that year ("same") or the next
    ("next", the usual); `required = false` where the policy asks for none."""
    report = top.section("annual_report")
    clause = report.clause("R7")
    if not report.get("required", bool, True):
        return clause, None, "next"
    return clause, report.month_day("due"), _one_of(report, "year", ANNUAL_REPORT_YEARS)


def _assessment(top: _Reader) -> _Assessment:
    assess = top.section("assessment")
    clause = assess.clause("R8")
    schedule = _one_of(assess, "schedule", ASSESSMENT_SCHEDULES, default="period")
    first = every = opens_before = None
    campaign = None
    if schedule == "period":
        first, every = (_whole_months(assess, key) for key in ("first_after", "every"))
        if assess.has("campaign"):
            raise assess.fail("campaign", 'is read only with schedule = "campaign"')
        if assess.has("opens_before"):
            opens_before = assess.duration("opens_before")
            for key, length in (("first_after", first), ("every", every)):
                if _longer(opens_before, length):
                    raise assess.fail("opens_before", f"{opens_before} is longer than assessment.{key} ({length})")
    else:
        for key in ("first_after", "every", "opens_before"):
            if assess.has(key):
                raise assess.fail(key, 'is not used with schedule = "campaign" (assessment.campaign says when)')
        campaign = _campaign(assess)
    passing, failing = (assess.strings(key) for key in ("pass_grades", "fail_grades"))
    for key, grades in (("pass_grades", passing), ("fail_grades", failing)):
        if not grades:
            raise assess.fail(key, "must name at least one grade")
    both = [g for g in failing if g in passing]
    if both:
        raise assess.fail("fail_grades", f"{both[0]!r} is a pass grade too")
    missed_grade = assess.get("missed_grade", str, None)
    if missed_grade is not None and missed_grade in passing:
        raise assess.fail("missed_grade", f"{missed_grade!r} is a pass grade")
    missed = _one_of(assess, "missed", MISSED_ASSESSMENT, default="flag")
    if missed == "fail" and missed_grade is None:
        raise assess.fail("missed", '"fail" needs assessment.missed_grade, the grade the system records')
    return _Assessment(
        clause, first, every,
        pass_grades=passing,
        fail_grades=failing,
        revoke_after_consecutive_fails=assess.positive_int("revoke_after_consecutive_fails", None),
        missed_grade=missed_grade,
        schedule=schedule,
        campaign=campaign,
        opens_before=opens_before,
        missed=missed,
    )


def _campaign(assess: _Reader) -> Campaign:
    """R21: [assessment.campaign], the yearly campaign's days."""
    section = assess.section("campaign")
    # "0d": every base recognised by the cut-off, however recently (a Duration is never zero)
    eligible_after = None if section.get("eligible_after", str) == "0d" else section.duration("eligible_after")
    cutoff, results_due = section.month_day("cutoff"), section.month_day("results_due")
    results_year = _one_of(section, "results_year", CAMPAIGN_RESULTS_YEARS)
    if results_year == "same" and (results_due.month, results_due.day) < (cutoff.month, cutoff.day):
        raise section.fail("results_due", f"{results_due} is before the cut-off {cutoff} of the same year "
                                          '(results_year = "same")')
    opens = section.month_day("opens") if section.has("opens") else cutoff
    campaign = Campaign(eligible_after, cutoff, results_due, results_year, opens)
    # the order of days of the year is the same every year: one year shows it
    if campaign.opening_day(2001) > campaign.results_deadline(2001):
        raise section.fail("opens", f"{opens}, the first such day from the cut-off {cutoff} on, comes after "
                                    f"the results are due ({results_due}, results_year = {results_year!r})")
    return campaign


def _whole_months(assess: _Reader, key: str) -> Duration:
    duration = assess.duration(key)
    if duration.days:
        raise assess.fail(key, "must be whole years or months (assessments follow the period's months)")
    return duration


def _rectification(top: _Reader, consecutive: int | None) -> tuple[Clause | None, Duration | None]:
    if top.has("rectification"):
        rect = top.section("rectification")
        period = rect.duration("period", working_days=True)
        return rect.clause("R9"), period
    if consecutive is None:
        raise top.fail("rectification", "is missing (or set assessment.revoke_after_consecutive_fails)")
    return None, None


class _Reevaluation(NamedTuple):
    clause: Clause
    auto_extend: bool
    at_end: str
    pending_for: Duration | None


def _reevaluation(top: _Reader) -> _Reevaluation:
    """What follows a period's end: extension where every assessment passed (if so set), else a
    person's decision ("review", in force meanwhile, for at most `pending_for` where given, then
    it lapses) or "reapply": the recognition lapses and the base applies anew."""
    reeval = top.section("reevaluation")
    clause, auto_extend = reeval.clause("R10"), reeval.get("auto_extend_when_all_passed", bool)
    at_end = _one_of(reeval, "at_end", PERIOD_END_ACTIONS) if reeval.has("at_end") else "review"
    pending_for = reeval.duration("pending_for") if reeval.has("pending_for") else None
    if pending_for is not None and at_end != "review":
        raise reeval.fail("pending_for", f"applies only while a decision is pending (at_end = review), not {at_end!r}")
    return _Reevaluation(clause, auto_extend, at_end, pending_for)


def _bans(top: _Reader, rectification_period: Duration | None, consecutive: int | None) -> _Bans:
    bans_section = top.section("bans")
    clause = bans_section.clause("R14")
    bans: dict[str, BanLength] = {}
    for ground in REVOCATION_GROUNDS:
        if bans_section.has(ground):  # "none": no ban for this ground, on purpose; "permanent": for good
            word = bans_section.get(ground, str)
            bans[ground] = (None if word == "none" else PERMANENT if word == "permanent"
                            else bans_section.duration(ground))
    for ground in MISCONDUCT_GROUNDS:
        if ground not in bans:
            raise bans_section.fail(ground, "is missing: every misconduct ground needs a ban (R12)")
    if rectification_period is not None and "rectification_failed" not in bans:
        raise bans_section.fail("rectification_failed", "is missing (R9)")
    if consecutive is not None and "assessment_failed" not in bans:
        raise bans_section.fail("assessment_failed", "is missing (assessment.revoke_after_consecutive_fails)")
    return _Bans(clause, bans, scope=_one_of(bans_section, "scope", BAN_SCOPES))


def _complaints(top: _Reader) -> _Complaints:
    complaints = top.section("complaints")
    clause = complaints.clause("R12")
    threshold = complaints.positive_int("threshold")
    if threshold < 1:
        raise complaints.fail("threshold", "must be 1 or more")
    return _Complaints(clause, threshold, window=_one_of(complaints, "window", COMPLAINT_WINDOWS))


def _subsidy(top: _Reader, period: Duration, assessment: _Assessment,
             rectification_period: Duration | None) -> _Subsidy:
    """R11, and R20's optional keys: the one-off grant (`total_fen`, its `instalments`, or `tiers`
    chosen at approval), an amount per passing grade, a cap, part payments and clawback."""
    subsidy = top.section("subsidy")
    clause = subsidy.clause("R11")
    instalments = []
    for i, raw in enumerate(subsidy.get("instalments", list, [])):
        r = top.child(raw, f"subsidy.instalments[{i}]")
        # "0d" means on the day of recognition; a Duration is never zero
        after = None if r.get("after", str) == "0d" else r.duration("after")
        if after is not None and _longer(after, period):
            raise r.fail("after", f"{after} is after the recognition period ({period}) ends")
        instalments.append(Instalment(after, r.positive_int("amount_fen")))
    added = sum(i.amount_fen for i in instalments)
    # without instalments (a policy that pays per assessment only) the grant is 0 and may be left out
    total = subsidy.positive_int("total_fen") if instalments or subsidy.has("total_fen") else 0
    if added != total:
        raise subsidy.fail("instalments", f"amounts add up to {added} fen, not total_fen {total}")
    per_grade = _per_grade(subsidy, assessment.pass_grades)
    tiers = _tiers(top, subsidy)
    if tiers and total == 0:
        raise subsidy.fail("tiers", "a tier's amount is paid on the instalments' schedule, in their shares: "
                                    "give subsidy.instalments adding up to more than 0")
    cap = subsidy.positive_int("cap_fen", None)
    if cap is not None:
        if cap == 0:
            raise subsidy.fail("cap_fen", "must be 1 or more (leave it out for no cap)")
        over = [(f"tiers {t.name!r}", t.amount_fen) for t in tiers] or [("total_fen", total)]
        over += [(f"per_grade {grade!r}", amount) for grade, amount in per_grade.items()]
        for what, amount in over:
            if amount > cap:
                raise subsidy.fail("cap_fen", f"{cap} is below {what} ({amount}): that amount alone exceeds it")
    grounds = _clawback_grounds(subsidy, assessment.revoke_after_consecutive_fails, rectification_period)
    within = subsidy.duration("clawback_within", working_days=True) if subsidy.has("clawback_within") else None
    if within is not None and not grounds:
        raise subsidy.fail("clawback_within", "is a deadline to repay: it needs subsidy.clawback_grounds")
    return _Subsidy(clause, total, tuple(instalments), per_grade, cap, tiers,
                    subsidy.get("partial_payments", bool, False), grounds, within,
                    _not_combined_with(subsidy, top.get("programme", str, DEFAULT_PROGRAMME)))


def _not_combined_with(subsidy: _Reader, programme: str) -> tuple[str, ...]:
    """R23: the programmes whose money this policy's is not paid on top of (不重复享受)."""
    named = subsidy.get("not_combined_with", list, [])
    for i, other in enumerate(named):
        if not isinstance(other, str) or not PROGRAMME_PATTERN.fullmatch(other):
            raise subsidy.fail(f"not_combined_with[{i}]", f"{other!r} is not a programme id")
        if other == programme:
            raise subsidy.fail(f"not_combined_with[{i}]", f"{other!r} is this policy's own programme")
    if len(set(named)) != len(named):
        raise subsidy.fail("not_combined_with", "names a programme twice")
    return tuple(named)


def _per_grade(subsidy: _Reader, pass_grades: tuple[str, ...]) -> dict[str, int]:
    """R20: grade -> amount in fen, added as an instalment by a passing assessment of that grade."""
    if not subsidy.has("per_grade"):
        return {}
    table = subsidy.section("per_grade")
    if not table.data:
        raise subsidy.fail("per_grade", "must name at least one grade (leave it out for none)")
    amounts = {}
    for grade in table.data:
        if grade not in pass_grades:
            raise table.fail(grade, f"{grade!r} is not one of assessment.pass_grades ({', '.join(pass_grades)}): "
                                    "only a passing assessment earns an amount")
        amounts[grade] = table.positive_int(grade)
        if amounts[grade] == 0:
            raise table.fail(grade, "must be 1 or more (leave the grade out for none)")
    return amounts


def _tiers(top: _Reader, subsidy: _Reader) -> tuple[Tier, ...]:
    """R20: the tiers of the one-off grant, one chosen at approval with its criterion."""
    tiers: list[Tier] = []
    for i, raw in enumerate(subsidy.get("tiers", list, [])):
        if not isinstance(raw, dict):
            raise subsidy.fail("tiers", f"[{i}] must be a table (name, amount_fen, criterion)")
        r = top.child(raw, f"subsidy.tiers[{i}]")
        name, criterion = (r.get(key, str).strip() for key in ("name", "criterion"))
        for key, text in (("name", name), ("criterion", criterion)):
            if not text:
                raise r.fail(key, "must not be empty")
        if any(t.name == name for t in tiers):
            raise r.fail("name", f"{name!r} names another tier too")
        amount = r.positive_int("amount_fen")
        if amount == 0:
            raise r.fail("amount_fen", "must be 1 or more")
        tiers.append(Tier(name, amount, criterion))
    return tuple(tiers)


def _clawback_grounds(subsidy: _Reader, consecutive: int | None,
                      rectification_period: Duration | None) -> tuple[str, ...]:
    """R20: the revocation grounds, of those this policy revokes on, that make what was paid owed back."""
    grounds = subsidy.strings("clawback_grounds", [])
    revocable = (*MISCONDUCT_GROUNDS, *(("rectification_failed",) if rectification_period is not None else ()),
                 *(("assessment_failed",) if consecutive is not None else ()))
    for ground in grounds:
        if ground not in REVOCATION_GROUNDS:
            raise subsidy.fail("clawback_grounds", f"{ground!r} is not a revocation ground "
                                                   f"({', '.join(REVOCATION_GROUNDS)})")
        if ground not in revocable:
            raise subsidy.fail("clawback_grounds", f"{ground!r}: this policy never revokes on that ground")
    if len(set(grounds)) != len(grounds):
        raise subsidy.fail("clawback_grounds", "names a ground twice")
    return grounds


def _programme(top: _Reader) -> str:
    """R23: the programme the policy runs (a short lower-case id; "base" where the file names none)."""
    programme: str = top.get("programme", str, DEFAULT_PROGRAMME)
    if not PROGRAMME_PATTERN.fullmatch(programme):
        raise top.fail("programme", f"{programme!r}: lower-case letters, digits and '-', starting with a letter")
    return programme


def _prerequisite(top: _Reader, level: str, programme: str) -> tuple[Clause | None, str | None, str, str]:
    """R18, optional: the level at which a base must hold a recognition in force to apply, of which
    programme (R23; default "base"), and whether the document of a recognition not recorded here
    may show it instead (`proof`). The level is below the policy's, or the same for another programme."""
    if not top.has("prerequisite"):
        return None, None, "case", DEFAULT_PROGRAMME
    section = top.section("prerequisite")
    clause = section.clause("R18")
    required = _one_of(section, "level", LEVELS)
    of = section.get("programme", str, DEFAULT_PROGRAMME)
    if not PROGRAMME_PATTERN.fullmatch(of):
        raise section.fail("programme", f"{of!r}: lower-case letters, digits and '-', starting with a letter")
    if of == programme and LEVELS.index(required) >= LEVELS.index(level):
        raise section.fail("level", f"{required!r} is not below the policy's level {level!r}"
                                    " (the same level or above needs another programme)")
    if LEVELS.index(required) > LEVELS.index(level):
        raise section.fail("level", f"{required!r} is above the policy's level {level!r}")
    proof = _one_of(section, "proof", PREREQUISITE_PROOFS) if section.has("proof") else "case"
    return clause, required, proof, of


def _public_notice(top: _Reader) -> tuple[Clause | None, Duration | None]:
    """R22, optional: the public notice (公示) between the approval and the recognition, in days or
    working days (5wd: 5个工作日, on the official calendar, R16) — the days people have to object."""
    if not top.has("public_notice"):
        return None, None
    section = top.section("public_notice")
    clause = section.clause("R22")
    period = section.duration("period", working_days=True)
    if period.years or period.months:
        raise section.fail("period", f"{period}: a public notice runs for days or working days (e.g. 5wd, 7d)")
    return clause, period


def _longer(a: Duration, b: Duration) -> bool:
    """Whether `a` from a day ends after `b` from it, whatever the day (months of 28 to 31 days)."""
    starts = (date(2001, 1, 31), date(2001, 2, 28), date(2004, 2, 29), date(2001, 7, 1))
    return any(period_end(start, a) > period_end(start, b) for start in starts)


def _reminders(top: _Reader) -> tuple[Clause, tuple[int, ...]]:
    reminders = top.section("reminders")
    clause = reminders.clause("R7")
    offsets = reminders.get("offsets_days", list)
    if any(not isinstance(o, int) or isinstance(o, bool) or o < 0 for o in offsets):
        raise reminders.fail("offsets_days", "must be a list of whole days, 0 or more")
    return clause, tuple(sorted(set(offsets), reverse=True))


def _exclusion_without_notice(top: _Reader, subsidy: _Subsidy, notice: Duration | None) -> None:
    """R23 × R22: the exclusion is judged when the money is granted, at the approval; with a public
    notice the grant waits for the notice's end, where it is not judged (yet): refused, not ignored."""
    if subsidy.not_combined_with and notice is not None:
        raise top.fail("subsidy", "not_combined_with cannot be used with a public_notice yet: "
                                  "the grant at the notice's end does not check it")


def _ends_with_plan(top: _Reader, ends_with_plan: bool, effective_to: date | None) -> None:
    if ends_with_plan and effective_to is None:
        raise top.fail("recognition", "ends_with_plan needs effective_to: the plan's last day")


def _effective_dates(top: _Reader) -> tuple[date, date | None]:
    effective_from, effective_to = top.a_date("effective_from"), top.a_date("effective_to", None)
    if effective_to is not None and effective_to < effective_from:
        raise top.fail("effective_to", f"{effective_to} is before effective_from {effective_from}")
    return effective_from, effective_to


def _one_of(section: _Reader, key: str, allowed: tuple[str, ...], default: str | EllipsisType = ...) -> str:
    value: str = section.get(key, str, default)
    if value not in allowed:
        raise section.fail(key, f"{value!r} is not one of {', '.join(allowed)}")
    return value


class PolicyBook:
    """All loaded policies; picks the one for a jurisdiction, level and date."""

    def __init__(self, policies: list[Policy]) -> None:
        self._by_key = {p.key: p for p in policies}
        if len(self._by_key) != len(policies):
            raise ValueError("two policy files share an id and version")

    def __iter__(self) -> Iterator[Policy]:
        return iter(sorted(self._by_key.values(), key=lambda p: (p.id, p.version)))

    def get(self, policy_id: str, version: int) -> Policy:
        from statemachines.errors import UnknownPolicy

        try:
            return self._by_key[(policy_id, version)]
        except KeyError:
            raise UnknownPolicy(key="unknown-policy.version", policy_id=policy_id, version=version) from None

    def versions(self, policy_id: str) -> list[Policy]:
        return sorted((p for p in self._by_key.values() if p.id == policy_id), key=lambda p: p.version)

    def select(self, jurisdiction: str, level: str, on: date, programme: str = DEFAULT_PROGRAMME) -> Policy:
        """The most specific policy of the programme (R23) covering the jurisdiction, the newest
        version in force on the date."""
        from statemachines.errors import UnknownPolicy

        candidates = [
            p for p in self._by_key.values()
            if p.level == level and p.programme == programme and p.covers(jurisdiction) and p.in_force_on(on)
        ]
        if not candidates:
            of = "" if programme == DEFAULT_PROGRAMME else f" for programme '{programme}'"
            refused = UnknownPolicy(
                f"no policy in force on {on} for jurisdiction {jurisdiction} at level '{level}'{of}",
                key="unknown-policy.in-force", jurisdiction=jurisdiction, level=level, on=on)
            del refused.details["on"]  # said in the words; the fields are those the API always gave
            raise refused
        return max(candidates, key=lambda p: (len(prefix(p.jurisdiction)), p.effective_from, p.version))
