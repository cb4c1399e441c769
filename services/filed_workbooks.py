"""The dossier and the statistics as workbooks a department files (issue 15).

The dossier has four sheets: 案卷信息 (the case's facts), 办理记录 (one row per act, oldest first, its
payload's fields as columns of their own: one column per field name across the case's acts, so the
whole history reads as one table and prints as one), 期限与提醒 (timers and reminders) and 核验 (the
verification, with each event's hashes for auditors, kept off the other sheets). The statistics have
one sheet of figures. Every name is in words: acts, choices, states, levels, jurisdictions, users by
display name with the username beside.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from services.export_labels import Words
from services.reminder_texts import WHAT, describe, step_words
from services.xlsx import Sheet, Yuan, beijing, date_text, shown, workbook
from statemachines import jurisdiction as divisions
from statemachines.events import SYSTEM_ACTOR
from statemachines.replay import is_iso_date

# the payload fields whose value is a choice of the catalogue, a level, a state or a timer's kind
_CHOICES = ("outcome", "ground", "decision")
_LEVELS = ("level",)
_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)wd)?(?:(\d+)d)?$")
_DURATION_WORDS = {"zh": ("{}年", "{}个月", "{}个工作日", "{}日"), "en": ("{} y", "{} m", "{} working days", "{} d")}


def dossier_workbook(d: Mapping[str, Any], lang: str = "zh") -> bytes:
    w = Words(lang)
    case = d["case"]
    exported = datetime.fromisoformat(d["generated_at"])
    title = w("title.dossier", base=case["base"], reference=case.get("reference") or case["id"])
    title = f"{title} · {w('exported', at=_moment_text(exported, w.lang))}"
    names = _Names(w, d.get("people", {}))
    return workbook([
        Sheet(w("sheet.case"), title, [w("item"), w("value")], _case_rows(d, w)),
        _acts_sheet(d["events"], title, w, names),
        Sheet(w("sheet.deadlines"), title,
              [w(k) for k in ("type", "what", "due_on", "status", "step", "recipient", "channel", "send_on",
                              "sent_at", "last_error")],
              [*_timer_rows(d["timers"], w), *_reminder_rows(d["reminders"], w, names)]),
        Sheet(w("sheet.verification"), title, [w(k) for k in ("seq", "act", "prev_hash", "hash", "check")],
              _verification_rows(d, w)),
    ], lang=w.lang, page_footer=w("page"))


def statistics_workbook(stats: Mapping[str, Any], exported: datetime, lang: str = "zh") -> bytes:
    w = Words(lang)
    code = stats["jurisdiction"]
    title = (f"{w('title.statistics', jurisdiction=_jurisdiction_name(code), year=stats['year'])} · "
             f"{w('exported', at=_moment_text(exported, w.lang))}")
    rows: list[list[Any]] = [[w("st.jurisdiction"), divisions.label(code)], [w("st.year"), stats["year"]],
                             [w("st.as_of"), date.fromisoformat(stats["as_of"])]]
    for key, value in stats.items():
        if key in ("jurisdiction", "year", "as_of"):
            continue
        if isinstance(value, Mapping):
            rows.extend([w(f"st.{key}", key=_figure_key(key, k, w)), n] for k, n in sorted(value.items()))
        else:
            rows.append([w(f"st.{key}"), value])
    return workbook([Sheet(w("sheet.statistics"), title, [w("figure"), w("count")], rows)],
                    lang=w.lang, page_footer=w("page"))


# --- the dossier's sheets ----------------------------------------------------------------------

def _case_rows(d: Mapping[str, Any], w: Words) -> list[list[Any]]:
    case, report = d["case"], d["verification"]
    period = case.get("period")
    policy_id, _, version = case["policy"].rpartition(" v")
    return [[w(f"case.{k}"), v] for k, v in (
        ("base", case["base"]), ("reference", case.get("reference") or ""), ("id", case["id"]),
        ("operator_code", case["operator_code"]), ("level", w(f"l.{case['level']}")),
        ("jurisdiction", divisions.label(case["jurisdiction"])), ("state", w.state(case["state"])),
        ("policy", f"{case.get('policy_title') or policy_id}（{policy_id}）"),
        ("policy_version", w("version_n", n=version)),
        ("period", w("period_n", n=period["number"]) if period else "—"),
        ("period_start", date.fromisoformat(period["start"]) if period else "—"),
        ("period_end", date.fromisoformat(period["end"]) if period else "—"),
        ("flags", "、".join(w.flag(f) for f in case.get("flags") or ()) or "—"), ("version", case["version"]),
        ("as_of", date.fromisoformat(d["as_of"])),
        ("verification", w("verified", events=report["events"]) if report["ok"]
         else w("not_verified", count=len(report["violations"]))),
    )]


def _acts_sheet(events: Sequence[Mapping[str, Any]], title: str, w: Words, names: _Names) -> Sheet:
    fields = list(dict.fromkeys(path for e in events for path, _ in _flat(e["payload"])))
    header = [w(k) for k in ("seq", "on", "act", "actor", "username", "reason", "rule", "policy_version",
                             "recorded_at")] + [w.field(f) for f in fields]
    rows = []
    for e in events:
        values = dict(_flat(e["payload"]))
        rows.append([e["seq"], date.fromisoformat(e["on"]), w(f"a.{e['act']}"), names.display(e["actor"]),
                     e["actor"], e["reason"], e["rule"], e["policy_version"],
                     datetime.fromisoformat(e["recorded_at"]),
                     *(_value(f, values[f], w, names) if f in values else None for f in fields)])
    return Sheet(w("sheet.acts"), title, header, rows)


def _timer_rows(timers: Sequence[Mapping[str, Any]], w: Words) -> Iterator[list[Any]]:
    for t in timers:
        status = w(f"s.{t['status']}") + (w("provisional") if t.get("provisional") else "")
        fired = datetime.fromisoformat(t["fired_at"]) if t.get("fired_at") else None
        yield [w("t.timer"), _timer_words(t["kind"], t["key"], w), date.fromisoformat(t["due_on"]), status,
               None, None, None, None, fired, None]


def _reminder_rows(reminders: Sequence[Mapping[str, Any]], w: Words, names: _Names) -> Iterator[list[Any]]:
    for r in reminders:
        yield [w("t.reminder"), _timer_words(r["timer_kind"], r["timer_key"], w), date.fromisoformat(r["due_on"]),
               w(f"s.{r['status']}"), step_words(r["step"], w.lang), names.recipient(r["recipient"]),
               w(f"ch.{r['channel']}"), date.fromisoformat(r["send_on"]),
               datetime.fromisoformat(r["sent_at"]) if r.get("sent_at") else None, r.get("last_error") or None]


def _verification_rows(d: Mapping[str, Any], w: Words) -> list[list[Any]]:
    found: dict[int | None, list[str]] = {}
    for v in d["verification"]["violations"]:
        found.setdefault(v["seq"], []).append(f"{v['rule']} [{v['check']}] {v['message']}")
    rows: list[list[Any]] = [[e["seq"], w(f"a.{e['act']}"), e["prev_hash"], e["hash"],
                              "\n".join(found.pop(e["seq"], ())) or w("ok")] for e in d["events"]]
    rows.extend([seq, w("whole_case"), None, None, "\n".join(lines)] for seq, lines in found.items())
    return rows


# --- a payload's fields, in words ----------------------------------------------------------------

def _flat(payload: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """A payload's fields by path: {"ban": {"first_day": …}} is ban.first_day."""
    for key, value in payload.items():
        if isinstance(value, Mapping) and value:
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _value(path: str, value: Any, w: Words, names: _Names) -> Any:
    last = path.rpartition(".")[2]
    if isinstance(value, bool):
        return w("yes") if value else w("no")
    if last.endswith("_fen") and isinstance(value, int):
        return Yuan(value)
    if isinstance(value, str):
        return _text_value(path, last, value, w)
    if isinstance(value, list):
        if last == "inspectors":
            return "、".join(names.display(u, beside=True) for u in value)
        if all(isinstance(v, str) for v in value):  # names: 张三、李四
            return "、".join(value)
        return "；".join(_item(v, w, names) for v in value)
    return value


def _text_value(path: str, last: str, value: str, w: Words) -> Any:
    if is_iso_date(value):
        return date.fromisoformat(value)
    if last in _CHOICES:
        return w.choice(value)
    if last in _LEVELS:
        return w(f"l.{value}") if w.known(f"l.{value}") else value
    if path == "jurisdiction":
        return divisions.label(value)
    if path == "timer.kind":
        return w(f"k.{value}")
    if last == "back_to":
        return w.state(value)
    if last in ("period", "length") and (found := _DURATION.match(value)) and any(found.groups()):
        words = _DURATION_WORDS[w.lang]
        return "".join(words[i].format(n) for i, n in enumerate(found.groups()) if n)
    return value


def _item(value: Any, w: Words, names: _Names) -> str:
    if isinstance(value, Mapping):
        sep = "，" if w.lang == "zh" else ", "
        return sep.join(f"{w.field(k)} {shown(_value(k, v, w, names), w.lang)}" for k, v in value.items())
    return shown(value, w.lang)


# --- names ------------------------------------------------------------------------------------

class _Names:
    """Users by display name (the system's acts as 系统), the username beside where asked."""

    def __init__(self, w: Words, people: Mapping[str, str]) -> None:
        self.w, self.people = w, people

    def display(self, username: str, *, beside: bool = False) -> str:
        if username == SYSTEM_ACTOR:
            return self.w("system")
        name = self.people.get(username)
        if name is None:
            return username
        return f"{name}（{username}）" if beside else name

    def recipient(self, recipient: str) -> str:
        kind, _, who = recipient.partition(":")
        if kind == "user":
            return self.display(who, beside=True)
        if kind == "operator":
            return self.w("operator", code=who)
        return recipient


def _timer_words(kind: str, key: str, w: Words) -> str:
    if w.lang == "zh" and kind in WHAT:
        return describe(kind, key)
    return f"{w(f'k.{kind}')} {key}"


def _figure_key(figure: str, key: str, w: Words) -> str:
    if figure == "revoked_by_ground":
        return w.choice(key)
    if figure == "by_level":
        return w(f"l.{key}")
    return key or w("no_grade")


def _jurisdiction_name(code: str) -> str:
    try:
        return divisions.full_name(code)
    except divisions.UnknownJurisdiction:
        return code


def _moment_text(moment: datetime, lang: str) -> str:
    local = beijing(moment)
    return f"{date_text(local, lang)} {local:%H:%M}"
