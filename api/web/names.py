"""Names, not codes (issue 15): how the pages say a person, a moment, a timer's key, a flag, a clause
and a policy. The words are in api/web/name_labels.py; these put them together, in the page's language.
`install` makes each a global of the templates."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from jinja2 import Environment

from api.web.i18n import Translator
from statemachines.acts import BUSINESS_ZONE
from statemachines.events import SYSTEM_ACTOR
from statemachines.policy import Policy


def person(t: Translator, people: Mapping[str, str], username: str) -> str:
    """王芳 for caseworker.wang, 系统 for the system's own acts; a name no user has shows as recorded."""
    if username == SYSTEM_ACTOR:
        return t("system_actor")
    return people.get(username) or username


def clock_time(t: Translator, at: datetime, *, seconds: bool = False) -> str:
    """A recorded moment in Beijing time (the business zone, never UTC): 2026年12月2日 14:05."""
    local = at.astimezone(BUSINESS_ZONE)
    return f"{t.date(local.date())} {local.strftime('%H:%M:%S' if seconds else '%H:%M')}"


def beijing_time(t: Translator, at: datetime) -> str:
    """The moment with its zone said: 2026年12月2日 14:05（北京时间）."""
    return t("beijing_time").format(clock_time(t, at))


def timer_key(t: Translator, kind: str, key: str) -> str:
    """A timer's key in words with its kind: 2025年度, 第1认定期第2次, 第1期; '' where the kind has one
    timer only (a ban's end, a clawback)."""
    if kind == "annual_report":
        return t("d.annual_report").format(key)
    if kind in ("assessment", "rectification"):
        return _round(t, key)
    if kind in ("reevaluation", "reevaluation_decision"):
        return t("tk.period").format(key)
    if kind == "instalment":
        return t("d.instalment").format(key)
    if kind == "public_notice":
        return t("tk.notice").format(key)
    return ""


def work_detail(t: Translator, kind: str, detail: str) -> str:
    """Which of a kind of work a queue row is: a complaint's or objection's number as entered, else
    the timer's key in words (2025年度, 第1认定期)."""
    return detail if kind in ("complaint", "objection") else timer_key(t, kind, detail)


def _round(t: Translator, key: str) -> str:
    """period.index (1.2: the period's second), or period.year for a yearly campaign (1.2025, R21)."""
    period, _, index = key.partition(".")
    if len(index) == 4:
        return t("d.annual_report").format(index)
    return t("tk.round").format(period=period, index=index)


def flag(t: Translator, name: str) -> str:
    """annual_report_overdue:2025 → 2025年度工作报告逾期; a flag without words shows as it is."""
    kind, _, key = name.partition(":")
    words = t.table.get(f"fl.{kind}")
    if words is None:
        return name
    if kind == "annual_report_overdue":
        return words.format(timer_key(t, "annual_report", key))
    if kind == "assessment_overdue":
        return words.format(timer_key(t, "assessment", key))
    return words


def clause(t: Translator, name: str) -> str:
    """A policy clause by the Chinese name of what it sets: 认定有效期 for recognition_period."""
    return t.table.get(f"cl.{name}") or name


def policy_number(policy: Policy) -> str | None:
    """The policy's 文号: the first of its sources that has one."""
    return next((s.number for s in policy.sources if s.number), None)


def policy_words(t: Translator, policy: Policy) -> str:
    """The policy as people cite it: its title, 文号, version in words, first day in force."""
    number = policy_number(policy)
    parts = [policy.title, *([f"{t('policy_number')} {number}"] if number else []),
             t("policy_version").format(policy.version), t("policy_from").format(t.date(policy.effective_from))]
    return "，".join(parts) if t.lang == "zh" else ", ".join(parts)


def install(env: Environment) -> None:
    env.globals.update(person=person, clock_time=clock_time, beijing_time=beijing_time, timer_key=timer_key,
                       work_detail=work_detail, flag=flag, clause=clause, policy_words=policy_words)
