"""What the system does when a timer fires: the automatic acts of the lifecycle.

A timer that no longer matches the case (the report came in, the case moved on) fires as a
no-op. The act's business date is the timer's date, or the case's last date if a person has
acted since (business dates never go back); the legal date stays in the payload.
"""
from __future__ import annotations

from datetime import date, datetime

from statemachines import assessments
from statemachines.acts import business_date, end_of_notice, next_period, notice_days, record, rectification_payload
from statemachines.case import Case
from statemachines.events import SYSTEM_ACTOR, Draft, Event
from statemachines.periods import Duration, deadline
from statemachines.policy import Policy
from statemachines.timers import Timer, timers_for
from statemachines.workcalendar import WorkCalendar


def fire(case: Case, policy: Policy, calendar: WorkCalendar, timer: Timer, now: datetime) -> list[Event]:
    current = {t.ident: t for t in timers_for(case, policy, calendar)}
    if timer.ident not in current:
        return []
    timer = current[timer.ident]
    on = max(timer.fires_on, case.last_on) if case.last_on else timer.fires_on
    return fire_on(case, policy, calendar, timer, on, now)


def _day(day: date | None) -> str:
    """A date in a system act's reason as people write it (issue 15): 2026年3月31日, not 2026-03-31."""
    return "—" if day is None else f"{day.year}年{day.month}月{day.day}日"


def _span(duration: Duration | None) -> str:
    return "—" if duration is None else duration.words()


def fire_on(case: Case, policy: Policy, calendar: WorkCalendar, timer: Timer, on: date, now: datetime) -> list[Event]:
    """The timer's act (and its follow-ups) dated `on`: what `fire` records, for a day of the caller's
    choosing (a corrected history decided again keeps the day the system acted, R17)."""
    return record(case, policy, calendar, [_decide(case, policy, calendar, timer, on)], now)


def _recompute_notice(case: Case, policy: Policy, calendar: WorkCalendar, now: datetime) -> list[Event]:
    """R16, R22: a running notice whose days were provisional, on the calendar as it is now."""
    n = case.notice
    if case.state != "publicized" or n is None or not n.provisional or policy.public_notice_period is None:
        return []
    first, last, provisional = notice_days(n.approved_on, policy.public_notice_period, calendar)
    if (first, last, provisional) == (n.first_day, n.last_day, n.provisional):
        return []
    on = max(business_date(now), case.last_on) if case.last_on else business_date(now)
    reason = (f"官方节假日安排已发布，公示期由{_day(n.first_day)}至{_day(n.last_day)}（暂定）"
              f"重新计算为{_day(first)}至{_day(last)}"
              + ("（仍为暂定）" if provisional else ""))
    return record(case, policy, calendar, [Draft("reschedule_public_notice", on, SYSTEM_ACTOR, reason, "R16", {
        "first_day": first.isoformat(), "last_day": last.isoformat(), "provisional": provisional,
        "was": {"first_day": n.first_day.isoformat(), "last_day": n.last_day.isoformat()}})], now)


def recompute_provisional(case: Case, policy: Policy, calendar: WorkCalendar, now: datetime) -> list[Event]:
    """R16: a deadline fixed while its year's calendar was provisional, computed again now.

    Dates derived afresh after every act (reports, assessments) follow the calendar by
    themselves; a rectification deadline or a public notice's days were decided in an event, so a
    change is an event too.
    """
    if case.state == "publicized":
        return _recompute_notice(case, policy, calendar, now)
    r = case.rectification
    if case.state != "rectifying" or r is None or not r.provisional or policy.rectification_period is None:
        return []
    due = deadline(r.opened_on, policy.rectification_period, calendar)
    if (due.date, due.provisional) == (r.deadline, r.provisional):
        return []
    on = max(business_date(now), case.last_on) if case.last_on else business_date(now)
    reason = (f"官方节假日安排已发布，整改期限由{_day(r.deadline)}（暂定）重新计算为{_day(due.date)}"
              + ("（仍为暂定）" if due.provisional else ""))
    return record(case, policy, calendar, [Draft("reschedule_rectification", on, SYSTEM_ACTOR, reason, "R16", {
        "deadline": due.date.isoformat(), "provisional": due.provisional, "was": r.deadline.isoformat()})], now)


def _decide(case: Case, policy: Policy, calendar: WorkCalendar, timer: Timer, on: date) -> Draft:
    base = {"timer": {"kind": timer.kind, "key": timer.key, "due_on": timer.due_on.isoformat()}}
    if timer.kind == "annual_report":
        return Draft("flag_overdue_report", on, SYSTEM_ACTOR,
                     f"{timer.key}年度报告逾期未报送（截止{_day(timer.due_on)}）", "R7",
                     {**base, "year": int(timer.key)})
    if timer.kind == "assessment":
        period, index = (int(p) for p in timer.key.split("."))
        which = f"{index}年度考核" if assessments.campaigns(policy) else f"第{period}认定期第{index}次考核"
        if policy.missed_assessment == "fail" and policy.missed_grade is not None:
            # R21: not taking part is a failed assessment, with every consequence of one
            return Draft("record_missed_assessment", on, SYSTEM_ACTOR,
                         f"{which}截至{_day(timer.due_on)}未参加（未记录考核结果），"
                         "按未参加考核记录，视为不达标", "R21",
                         {**base, "period": period, "index": index, "outcome": "missed", "grade": policy.missed_grade,
                          **rectification_payload(policy, calendar, "missed", on)})
        return Draft("flag_overdue_assessment", on, SYSTEM_ACTOR,
                     f"{which}逾期未记录（应于{_day(timer.due_on)}前完成）", "R8",
                     {**base, "period": period, "index": index})
    if timer.kind == "rectification":
        return Draft("open_rectification_review", on, SYSTEM_ACTOR,
                     f"整改期限（{_day(timer.due_on)}）届满，待经办人复核", "R9", base)
    if timer.kind == "reevaluation":
        following = next_period(case, policy)
        if following is None:
            return Draft("lapse", on, SYSTEM_ACTOR,
                         f"政策有效期已于{_day(policy.effective_to)}届满，认定随之终止", "R6",
                         {**base, "why": "plan_ended"})
        if _extends_automatically(case, policy):
            return Draft("extend", on, SYSTEM_ACTOR, "认定期内连续考核达标，自动延续认定", "R10",
                         {**base, "period": following})
        if policy.period_end_action == "reapply":
            return Draft("lapse", on, SYSTEM_ACTOR, "认定期届满，认定终止；如需继续，须重新申报认定", "R10",
                         {**base, "why": "reapply"})
        return Draft("open_reevaluation_review", on, SYSTEM_ACTOR,
                     "认定期届满，不符合自动延续条件，待复评决定", "R10", base)
    if timer.kind == "reevaluation_decision":
        return Draft("lapse", on, SYSTEM_ACTOR,
                     f"认定期届满后{_span(policy.decision_pending_for)}内未作出复评决定（截至{_day(timer.due_on)}），认定终止",
                     "R10", {**base, "why": "undecided"})
    if timer.kind == "ban_end":
        return Draft("end_ban", on, SYSTEM_ACTOR, "暂停申请期限届满，恢复申请资格", "R14", base)
    if timer.kind == "public_notice":
        assert case.notice is not None
        n = case.notice
        # R22: recognised as of the notice's last day, whenever the sweep gets to it
        return end_of_notice(case, policy, on, n.last_day,
                             f"公示期（{_day(n.first_day)}至{_day(n.last_day)}）届满无异议，予以认定",
                             base)
    if timer.kind == "instalment":
        return Draft("instalment_due", on, SYSTEM_ACTOR, f"第{timer.key}期补助资金到期应付", "R11",
                     {**base, "number": int(timer.key)})
    if timer.kind == "clawback":
        owed = case.clawback.outstanding_fen if case.clawback else 0
        return Draft("flag_overdue_clawback", on, SYSTEM_ACTOR,
                     f"撤销认定后应退回的补助资金逾期未退清（应于{_day(timer.due_on)}前退回，"
                     f"尚欠{owed / 100:.2f}元）", "R20",
                     {**base, "outstanding_fen": owed})
    raise ValueError(f"unknown timer kind {timer.kind!r}")


def _extends_automatically(case: Case, policy: Policy) -> bool:
    """R10: every assessment the period owes recorded and passed at the first attempt."""
    if not policy.auto_extend or case.state not in ("recognized", "assessed"):
        return False
    return assessments.all_passed_first_time(case, policy)
