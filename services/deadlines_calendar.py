"""The deadlines calendar (issue 15): the coming weeks' dates of the cases a user may see, by day, each
day a working day or not on the official calendar, and the same as iCalendar to import elsewhere.

A deadline is a pending timer (services.timer_queries), within the user's jurisdictions: what the
sweep will act on, what the reminders are sent for. Its iCalendar UID is made of the case, the timer's
kind and key, so a re-import after the date moved (a rectification extended) updates the event.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from services import ical, reminder_texts
from services.runtime import Runtime
from services.timer_queries import TimerFilter, find_timers
from services.users import User
from statemachines.assessments import campaigns
from statemachines.workcalendar import CalendarUnavailable, DayInfo

WEEKS = 8  # the coming weeks shown by default; the pages' and the API's setting, not a policy figure
MOST_WEEKS = 26
MOST = 2000  # deadlines at most in one calendar: a province's eight weeks fit, a runaway query does not
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
CALENDAR_NAME = "创业孵化基地认定期限"
# what the dates without a reminder are about (the others: services.reminder_texts.WHAT)
_NOT_REMINDED = {"ban_end": "再申请限制期满", "public_notice": "公示期满"}


@dataclass(frozen=True)
class Deadline:
    case_id: str
    base_name: str
    reference: str | None  # the 受理编号
    state: str
    kind: str
    key: str
    due_on: date
    provisional: bool  # the date depends on a year whose holiday notice is not loaded yet (R16)
    what: str  # in Chinese: 2026年度工作报告报送, 第1认定期第2次绩效考核

    @property
    def uid(self) -> str:
        """The same for the same timer however often the calendar is made (RFC 5545 3.8.4.7)."""
        return f"{self.case_id}.{self.kind}.{self.key}@incubase"

    @property
    def summary(self) -> str:
        return f"{self.base_name}：{self.what}"


@dataclass(frozen=True)
class Day:
    day: date
    deadlines: tuple[Deadline, ...]
    info: DayInfo | None  # None: no calendar for the year is loaded

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.day.weekday()]


def coming(rt: Runtime, user: User, today: date, weeks: int = WEEKS) -> list[Deadline]:
    """The pending deadlines from today to `weeks` weeks on, of the cases in the user's jurisdictions,
    by date, then base."""
    query = TimerFilter(due_from=today, due_before=today + timedelta(weeks=weeks) + timedelta(days=1),
                        scopes=tuple(user.scopes()), limit=MOST)
    rows = find_timers(rt, query)
    with rt.reads() as uow:
        snapshots = {c.id: c for c in uow.cases.many(sorted({r["case_id"] for r in rows}))}
    out = []
    for r in rows:
        case = snapshots[r["case_id"]]
        campaign = campaigns(rt.policies.get(case.policy_id, case.policy_version))
        out.append(Deadline(case.id, r["base_name"], case.reference, r["state"], r["kind"], r["key"], r["due_on"],
                            r["provisional"], _what(r["kind"], r["key"], bool(campaign))))
    return sorted(out, key=lambda d: (d.due_on, d.base_name, d.kind, d.key, d.case_id))


def _what(kind: str, key: str, campaign: bool) -> str:
    if kind in _NOT_REMINDED:
        return _NOT_REMINDED[kind]
    return reminder_texts.describe(kind, key, campaign)


def by_day(rt: Runtime, deadlines: list[Deadline]) -> list[Day]:
    """The days that have deadlines, in order, each with what the official calendar says of it."""
    days: dict[date, list[Deadline]] = {}
    for d in deadlines:
        days.setdefault(d.due_on, []).append(d)
    return [Day(day, tuple(found), _info(rt, day)) for day, found in sorted(days.items())]


def _info(rt: Runtime, day: date) -> DayInfo | None:
    try:
        return rt.calendar.day(day)
    except CalendarUnavailable:
        return None


def as_ical(rt: Runtime, deadlines: list[Deadline], case_url: str) -> str:
    """The deadlines as an iCalendar file; `case_url`: the address of a case page, with {id} for the id."""
    events = [ical.AllDayEvent(
        uid=d.uid, day=d.due_on, summary=d.summary, url=case_url.replace("{id}", d.case_id),
        description="\n".join(line for line in (
            f"受理编号：{d.reference}" if d.reference else "", f"事项：{d.what}",
            f"期限：{reminder_texts.zh_date(d.due_on)}" + ("（暂定，待当年放假安排公布）" if d.provisional else ""),
        ) if line),
        categories=("认定期限",)) for d in deadlines]
    return ical.calendar(events, name=CALENDAR_NAME, stamp=rt.clock())
