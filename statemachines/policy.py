"""Policy as data: a frozen, versioned rule set for one jurisdiction and level.

Every duration, threshold, amount and reminder offset of the lifecycle lives here, each with
the clause it comes from (or a mark that the figure is our default). Domain functions take a
Policy as an argument; nothing in the code knows a figure of its own.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import EllipsisType, MappingProxyType
from typing import Any, NamedTuple, overload

from statemachines.jurisdiction import covers, prefix
from statemachines.periods import Duration, InvalidDuration, period_end

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
    """Where a parameter comes from: the rule it serves, the clause text, and whether it is ours."""

    rule: str
    text: str
    default: bool


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
class Instalment:
    after: Duration | None  # None: on the day of recognition
    amount_fen: int


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
    assessment_first: Duration
    assessment_every: Duration
    pass_grades: tuple[str, ...]
    fail_grades: tuple[str, ...]
    missed_grade: str | None
    revoke_after_consecutive_fails: int | None
    rectification_period: Duration | None
    auto_extend: bool
    bans: Mapping[str, Duration | None]  # per ground; None: a revocation on it bars no reapplication
    ban_scope: str  # which bans on record bar an application under this policy: see ban_applies
    complaint_threshold: int
    complaint_window: str  # "period": valid complaints count within the current period
    subsidy_total_fen: int
    instalments: tuple[Instalment, ...]
    reminder_offsets: tuple[int, ...]
    clauses: Mapping[str, Clause] = field(default_factory=dict)
    prerequisite_level: str | None = None  # R18: the lower level a base must be recognised at to apply
    annual_report_year: str = "next"  # the report on year N is due in N+1 ("next") or in N ("same")
    # R22: how long the list of bases to be recognised is publicly noticed (公示) between the
    # approval and the recognition; None: the approval recognises at once
    public_notice_period: Duration | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    @property
    def rectification_enabled(self) -> bool:
        return self.rectification_period is not None

    def covers(self, jurisdiction: str) -> bool:
        """A policy for 520000 covers every division of Guizhou (52xxxx); one for 520100, Guiyang."""
        return covers(self.jurisdiction, jurisdiction)

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def assessment_offsets(self) -> list[Duration]:
        """Assessments fall at first, first+every, … strictly inside the period (R8)."""
        offsets: list[Duration] = []
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

    def ban_for(self, ground: str) -> Duration | None:
        """R14: how long a revocation on `ground` bars a new application; None: not at all."""
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
            raise self.fail(key, f"expected {getattr(kind, '__name__', kind)}, got {value!r}")
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
        return Clause(rule=rule, text=self.get("clause", str), default=self.get("default", bool, False))


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
    read("subsidy", lambda: _subsidy(top, parts["recognition"][1]), "recognition")
    read("reminders", lambda: _reminders(top))
    read("effective", lambda: _effective_dates(top))
    read("names", lambda: (top.get("id", str), top.get("title", str)))
    read("prerequisite", lambda: _prerequisite(top, parts["identity"][0]), "identity")
    read("public_notice", lambda: _public_notice(top))
    if not errors and (unknown := top.unknown()):
        errors.append(PolicyError(where, unknown[0], tuple(unknown)))
    if errors:
        raise PolicyError.of(where, errors)

    level, jurisdiction, version = parts["identity"]
    sources = parts["sources"]
    window_clause, window = parts["window"]
    recognition_clause, recognition_period = parts["recognition"]
    report_clause, report_due, report_year = parts["report"]
    assessment: _Assessment = parts["assessment"]
    consecutive = assessment.revoke_after_consecutive_fails
    rectification_clause, rectification_period = parts["rectification"]
    reevaluation_clause, auto_extend = parts["reevaluation"]
    bans: _Bans = parts["bans"]
    complaints: _Complaints = parts["complaints"]
    subsidy: _Subsidy = parts["subsidy"]
    reminders_clause, offsets = parts["reminders"]
    effective_from, effective_to = parts["effective"]
    policy_id, title = parts["names"]
    prerequisite_clause, prerequisite_level = parts["prerequisite"]
    notice_clause, notice_period = parts["public_notice"]
    clauses = {parameter: clause for parameter, clause in (
        ("application_window", window_clause),
        ("recognition_period", recognition_clause),
        ("annual_report_due", report_clause),
        ("assessment", assessment.clause),
        ("rectification_period", rectification_clause),
        ("reevaluation", reevaluation_clause),
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
        prerequisite_level=prerequisite_level,
        public_notice_period=notice_period,
        assessment_first=assessment.first,
        assessment_every=assessment.every,
        pass_grades=assessment.pass_grades,
        fail_grades=assessment.fail_grades,
        missed_grade=assessment.missed_grade,
        revoke_after_consecutive_fails=consecutive,
        rectification_period=rectification_period,
        auto_extend=auto_extend,
        bans=MappingProxyType(bans.durations),
        ban_scope=bans.scope,
        complaint_threshold=complaints.threshold,
        complaint_window=complaints.window,
        subsidy_total_fen=subsidy.total_fen,
        instalments=subsidy.instalments,
        reminder_offsets=offsets,
        clauses=MappingProxyType(clauses),
    )


# --- one function per part of the file, in the order policy_from_mapping reads them; each
# returns its clause (None where the part is absent) first, then what it reads ---------------------

class _Assessment(NamedTuple):
    clause: Clause
    first: Duration
    every: Duration
    pass_grades: tuple[str, ...]
    fail_grades: tuple[str, ...]
    revoke_after_consecutive_fails: int | None
    missed_grade: str | None


class _Bans(NamedTuple):
    clause: Clause
    durations: dict[str, Duration | None]
    scope: str


class _Complaints(NamedTuple):
    clause: Clause
    threshold: int
    window: str


class _Subsidy(NamedTuple):
    clause: Clause
    total_fen: int
    instalments: tuple[Instalment, ...]


def _identity(top: _Reader) -> tuple[str, str, int]:
    """The level, jurisdiction and version at the top of the file."""
    level = _one_of(top, "level", LEVELS)
    jurisdiction = top.get("jurisdiction", str)
    if len(jurisdiction) != 6 or not jurisdiction.isdigit():
        raise top.fail("jurisdiction", f"{jurisdiction!r} is not a six-digit GB/T 2260 code")
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


def _application_window(top: _Reader) -> tuple[Clause | None, tuple[MonthDay, MonthDay] | None]:
    if not top.has("application_window"):
        return None, None
    w = top.section("application_window")
    window = (w.month_day("opens"), w.month_day("closes"))
    if (window[1].month, window[1].day) < (window[0].month, window[0].day):
        raise w.fail("closes", "is before opens")
    return w.clause("R1"), window


def _recognition(top: _Reader) -> tuple[Clause, Duration]:
    rec = top.section("recognition")
    return rec.clause("R6"), rec.duration("period")


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
    first, every = (_whole_months(assess, key) for key in ("first_after", "every"))
    passing, failing = (assess.strings(key) for key in ("pass_grades", "fail_grades"))
    for key, grades in (("pass_grades", passing), ("fail_grades", failing)):
        if not grades:
            raise assess.fail(key, "must name at least one grade")
    both = [g for g in failing if g in passing]
    if both:
        raise assess.fail("fail_grades", f"{both[0]!r} is a pass grade too")
    return _Assessment(
        clause, first, every,
        pass_grades=passing,
        fail_grades=failing,
        revoke_after_consecutive_fails=assess.positive_int("revoke_after_consecutive_fails", None),
        missed_grade=assess.get("missed_grade", str, None),
    )


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


def _reevaluation(top: _Reader) -> tuple[Clause, bool]:
    reeval = top.section("reevaluation")
    return reeval.clause("R10"), reeval.get("auto_extend_when_all_passed", bool)


def _bans(top: _Reader, rectification_period: Duration | None, consecutive: int | None) -> _Bans:
    bans_section = top.section("bans")
    clause = bans_section.clause("R14")
    bans: dict[str, Duration | None] = {}
    for ground in REVOCATION_GROUNDS:
        if bans_section.has(ground):  # "none": the policy sets no ban for this ground, on purpose
            none = bans_section.get(ground, str) == "none"
            bans[ground] = None if none else bans_section.duration(ground)
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


def _subsidy(top: _Reader, period: Duration) -> _Subsidy:
    subsidy = top.section("subsidy")
    clause = subsidy.clause("R11")
    total = subsidy.positive_int("total_fen")
    instalments = []
    for i, raw in enumerate(subsidy.get("instalments", list, [])):
        r = top.child(raw, f"subsidy.instalments[{i}]")
        # "0d" means on the day of recognition; a Duration is never zero
        after = None if r.get("after", str) == "0d" else r.duration("after")
        if after is not None and _longer(after, period):
            raise r.fail("after", f"{after} is after the recognition period ({period}) ends")
        instalments.append(Instalment(after, r.positive_int("amount_fen")))
    if sum(i.amount_fen for i in instalments) != total:
        raise subsidy.fail("instalments",
                           f"amounts add up to {sum(i.amount_fen for i in instalments)} fen, not total_fen {total}")
    return _Subsidy(clause, total, tuple(instalments))


def _prerequisite(top: _Reader, level: str) -> tuple[Clause | None, str | None]:
    """R18, optional: the lower level at which a base must hold a recognition in force to apply."""
    if not top.has("prerequisite"):
        return None, None
    section = top.section("prerequisite")
    clause = section.clause("R18")
    required = _one_of(section, "level", LEVELS)
    if LEVELS.index(required) >= LEVELS.index(level):
        raise section.fail("level", f"{required!r} is not below the policy's level {level!r}")
    return clause, required


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


def _effective_dates(top: _Reader) -> tuple[date, date | None]:
    effective_from, effective_to = top.a_date("effective_from"), top.a_date("effective_to", None)
    if effective_to is not None and effective_to < effective_from:
        raise top.fail("effective_to", f"{effective_to} is before effective_from {effective_from}")
    return effective_from, effective_to


def _one_of(section: _Reader, key: str, allowed: tuple[str, ...]) -> str:
    value: str = section.get(key, str)
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
            raise UnknownPolicy(f"no policy {policy_id} version {version}") from None

    def versions(self, policy_id: str) -> list[Policy]:
        return sorted((p for p in self._by_key.values() if p.id == policy_id), key=lambda p: p.version)

    def select(self, jurisdiction: str, level: str, on: date) -> Policy:
        """The most specific policy covering the jurisdiction, the newest version in force on the date."""
        from statemachines.errors import UnknownPolicy

        candidates = [
            p for p in self._by_key.values()
            if p.level == level and p.covers(jurisdiction) and p.in_force_on(on)
        ]
        if not candidates:
            raise UnknownPolicy(
                f"no policy in force on {on} for jurisdiction {jurisdiction} at level '{level}'",
                jurisdiction=jurisdiction, level=level,
            )
        return max(candidates, key=lambda p: (len(prefix(p.jurisdiction)), p.effective_from, p.version))
