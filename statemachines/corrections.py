"""Corrections (R17) held to the rules of the acts they correct.

A correction changes how an act was recorded — its business date, its reason, what a person entered
for it — never the act itself, and never what the rules derived from those (a period, an instalment,
a deadline). So a correction is decided like the act: the act is decided again, from the case as it
stood before it, with the corrected date and entries and the policy it was recorded under, and the
correction records the whole of that new decision. A date in the future of the day the act was
recorded, a date out of order, an amount the policy does not give, an act the machine would not take,
are refused just as the act would have been.

The corrected history must stay legal after the act too: `check` walks it from the first act a
correction touches, decides every act again (a person's act with its recorded entries, a system act
from the timer it names), and compares what that gives with what the history holds, follow-ups
included. It also holds every correction to four eyes: nobody corrects their own act; nobody who took
part in the inspection corrects it or the decision on it (R5), and whoever corrects an inspection
takes part in it from then on, so they may not approve afterwards; whoever suspended does not correct
the revocation (R13). `audit verify` runs it on every history with a correction.

Dates a calendar gives (a rectification deadline, the days of a public notice) are compared only
where neither side is provisional: the calendar of their year may have arrived since (R16).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from statemachines import assessments, automatic, catalogue
from statemachines.acts import DECIDE, Recording, business_date
from statemachines.audit import Violation
from statemachines.case import Case
from statemachines.errors import DomainError, FourEyesViolation, FutureDate, InvalidAct
from statemachines.events import SYSTEM_ACTOR, Event
from statemachines.fold import apply_event
from statemachines.messages import Words
from statemachines.policy import Policy
from statemachines.replay import (
    CORRECTABLE,
    PolicyLookup,
    amended,
    apply_correction,
    corrections_in,
    is_iso_date,
    malformed,
)
from statemachines.rounds import RoundQuota
from statemachines.timers import timers_for
from statemachines.workcalendar import WorkCalendar

# what the rules make follow an act at once, recorded by the system right after it (acts.follow_ups)
FOLLOW_UPS = ("suspend", "revoke", "end_public_notice")
# the acts whose inspection four eyes guard (R5, and R22 after it)
INSPECTION_GUARDED = ("inspect", "approve", "decide_objection")
DATE_FIELDS = ("on", "today", "previous", "opens", "first_day", "last_day")


class CorrectionRefused(InvalidAct):
    """R17: a correction the act it corrects could not have been recorded as, or that leaves the
    history illegal after it; nothing is written."""

    code = "correction-refused"

    def __init__(self, message: str | None = None, *, field: str = "changes", key: str | None = None,
                 **params: object) -> None:
        super().__init__(message, field=field, rule="R17", key=key, **params)


@dataclass(frozen=True)
class Requested:
    """A correction as asked for: the new business date, the new reason, the new entries."""

    on: date | None
    reason: str | None
    entries: Mapping[str, Any]


def entered_fields(act: str) -> dict[str, catalogue.Input]:
    """What a person enters for the act: the only part of its payload a correction may change."""
    decl = catalogue.BY_NAME.get(act)
    return {} if decl is None or not decl.by_person or decl.name == "apply" else {i.name: i for i in decl.inputs}


def requested(target: Event, changes: Any) -> Requested:
    """The correction asked for, each part checked as the act's own field would be; CorrectionRefused
    (naming the field) for anything else. The application and the system's acts take a new reason only:
    the application's date and entries decide its round, window and bans, a system act's its timer."""
    if not isinstance(changes, Mapping) or not changes:
        raise CorrectionRefused(f"a correction changes one or more of {', '.join(CORRECTABLE)}; got nothing")
    unknown = sorted(str(k) for k in changes if k not in CORRECTABLE)
    if unknown:
        raise CorrectionRefused(f"a correction changes {', '.join(CORRECTABLE)} of the act, not {unknown}")
    fixed = target.act == "apply" or target.actor == SYSTEM_ACTOR
    if fixed and set(changes) - {"reason"}:
        which = "the application" if target.act == "apply" else f"the system's act '{target.act}'"
        raise CorrectionRefused(f"only the reason of {which} can be corrected: "
                                + ("withdraw it and apply anew" if target.act == "apply"
                                   else "its date and content follow from its timer"),
                                field="changes.on" if "on" in changes else "changes.payload")
    return Requested(_date(changes.get("on")), _reason(changes.get("reason")), _entries(target.act, changes))


def _date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise CorrectionRefused(f"changes.on must be a date as YYYY-MM-DD, got {value!r}", field="changes.on")


def _reason(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 4000:
        raise CorrectionRefused("changes.reason must be a text of 1 to 4000 characters", field="changes.reason")
    return value


def _entries(act: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    if "payload" not in changes:
        return {}
    payload = changes["payload"]
    if not isinstance(payload, Mapping) or not payload:
        raise CorrectionRefused(f"changes.payload must be an object of the act's fields, got {payload!r}",
                                field="changes.payload")
    fields = entered_fields(act)
    out = {}
    for name, value in payload.items():
        spec = fields.get(name)
        if spec is None:
            raise CorrectionRefused(
                f"'{act}' has no field {name!r} a person enters; a correction changes only those "
                f"({', '.join(fields) or 'none'}), and what the rules derive from them follows",
                field=f"changes.payload.{name}")
        out[name] = _entry(spec, value, f"changes.payload.{name}")
    return out


def _entry(spec: catalogue.Input, value: Any, where: str) -> Any:
    """One entry as the act's request model would take it (api/act_models.py)."""
    def refuse(what: str) -> CorrectionRefused:
        return CorrectionRefused(f"{where} must be {what}, got {value!r}", field=where)

    if value is None and not spec.required:
        return None
    if spec.kind == "int":
        if type(value) is not int or (spec.ge is not None and value < spec.ge) or (spec.le is not None
                                                                                    and value > spec.le):
            raise refuse(f"a whole number from {spec.ge} to {spec.le}")
        return value
    if spec.kind == "bool":
        if type(value) is not bool:
            raise refuse("true or false")
        return value
    if spec.kind == "names":
        if not (isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
                and len(value) <= (spec.max_items or len(value))):
            raise refuse(f"a list of at most {spec.max_items} names")
        return [v.strip() for v in value]
    if not isinstance(value, str) or (spec.max_length is not None and len(value) > spec.max_length) \
            or (spec.min_length is not None and len(value.strip()) < spec.min_length):
        raise refuse(f"a text of at most {spec.max_length} characters")
    if spec.kind == "choice" and spec.values and value not in spec.values:
        raise refuse(f"one of {', '.join(spec.values)}")
    return value


# --- deciding the corrected act -------------------------------------------------------------

def entries_of(event: Event, policy: Policy) -> dict[str, Any]:
    """The keyword arguments the act's decide function was given, as its payload records them."""
    p = event.payload
    kwargs = {name: p[name] for name in entered_fields(event.act) if name in p}
    if event.act == "approve":
        tier = p.get("tier")
        kwargs["tier"] = tier.get("name") if isinstance(tier, Mapping) else None
        r = p.get("round")
        if isinstance(r, Mapping):  # the quota and the place the approval took, as recorded (R19)
            kwargs["round_quota"] = RoundQuota(r["year"], r["quota"], r["approved_before"])
    if event.act == "record_assessment":
        kwargs.pop("campaign_year", None)
        if assessments.campaigns(policy):
            kwargs["campaign_year"] = p.get("index")
    return kwargs


def decide_again(before: Case | None, event: Event, policy: Policy, calendar: WorkCalendar,
                 entries: Mapping[str, Any] | None = None) -> list[Event]:
    """The events recording `event` gives now, on a copy of the case as it stood before it: a person's
    act decided with its entries (`entries` overriding them), a system act fired from its timer.
    DomainError when the act would be refused."""
    assert before is not None, "the application is not decided again"
    case = Case.from_dict(before.to_dict())  # deciding changes the case it is given
    if event.actor == SYSTEM_ACTOR:
        return _fire_again(case, event, policy, calendar)
    decide = DECIDE.get(event.act)
    if decide is None:
        raise InvalidAct(f"'{event.act}' is not an act a person records", field="act", rule="R17")
    kwargs = {**entries_of(event, policy), **_as_arguments(event.act, entries or {}, policy)}
    ctx = Recording(event.actor, event.on, event.reason, event.recorded_at)
    return decide(case, policy, calendar, ctx, **kwargs)


def _as_arguments(act: str, entries: Mapping[str, Any], policy: Policy) -> dict[str, Any]:
    if act == "record_assessment" and "campaign_year" in entries and not assessments.campaigns(policy):
        raise InvalidAct(f"{policy.title} assesses by period, not in yearly campaigns: campaign_year does not apply",
                         field="campaign_year", rule="R21")
    return dict(entries)


def _fire_again(case: Case, event: Event, policy: Policy, calendar: WorkCalendar) -> list[Event]:
    """The system's act from the timer it names, on the day it was recorded: the case must have owed
    that timer then, and the timer must have fallen due by that day (a sweep may act late, never early)."""
    named = event.payload.get("timer")
    if not isinstance(named, Mapping):
        raise InvalidAct(f"the system's '{event.act}' names no timer it fired", field="timer", rule="R17")
    owed = {t.ident: t for t in timers_for(case, policy, calendar)}
    timer = owed.get((str(named.get("kind")), str(named.get("key"))))
    if timer is None:
        raise InvalidAct(f"the case did not owe the timer {named.get('kind')}:{named.get('key')} it fired",
                         field="timer", rule="R17")
    if timer.fires_on > event.on:
        raise InvalidAct(f"the timer {timer.kind}:{timer.key} falls due on {timer.fires_on}, after the day the "
                         f"system acted on it ({event.on})", field="timer", rule="R17")
    return automatic.fire_on(case, policy, calendar, timer, event.on, event.recorded_at)


def differences(recorded: Event, decided: Event) -> list[str]:
    """What of the recorded event differs from the one decided: its date, rule and payload fields. The
    due date of the timer a system act names is the timer's under the corrected history, which may have
    moved (the act is then checked to come on or after it, in _fire_again)."""
    out = [name for name, a, b in (("on", recorded.on, decided.on), ("rule", recorded.rule, decided.rule),
                                   ("act", recorded.act, decided.act)) if a != b]
    keys = sorted(set(recorded.payload) | set(decided.payload))
    return out + [f"payload.{k}" for k in keys
                  if not _same(_undated(k, recorded.payload.get(k)), _undated(k, decided.payload.get(k)))]


def _undated(key: str, value: Any) -> Any:
    if key == "timer" and isinstance(value, Mapping):
        return {k: v for k, v in value.items() if k != "due_on"}
    return value


def _same(recorded: Any, decided: Any) -> bool:
    if isinstance(recorded, Mapping) and isinstance(decided, Mapping):
        calendar_made = recorded.get("provisional") is True or decided.get("provisional") is True
        keys = set(recorded) | set(decided)
        return all(_same(recorded.get(k), decided.get(k)) for k in keys
                   if not (calendar_made and (k == "provisional" or is_iso_date(recorded.get(k))
                                              or is_iso_date(decided.get(k)))))
    if isinstance(recorded, list | tuple) and isinstance(decided, list | tuple):
        return len(recorded) == len(decided) and all(_same(a, b) for a, b in zip(recorded, decided, strict=True))
    return isinstance(recorded, bool) == isinstance(decided, bool) and recorded == decided


def changes_recorded(current: Event, decided: Event) -> dict[str, Any]:
    """What a correction records so that replay gives the decided event: the new date and reason, and
    every payload field that differs (None for one the decision no longer has)."""
    out: dict[str, Any] = {}
    if decided.on != current.on:
        out["on"] = decided.on.isoformat()
    if decided.reason != current.reason:
        out["reason"] = decided.reason
    payload = {k: v for k, v in decided.payload.items() if current.payload.get(k) != v}
    payload.update({k: None for k, v in current.payload.items() if k not in decided.payload and v is not None})
    if payload:
        out["payload"] = payload
    return out


# --- four eyes -------------------------------------------------------------------------------

def four_eyes(events: Sequence[Event], target: Event, corrector: str,
              corrections: Mapping[int, Mapping[str, Any]]) -> FourEyesViolation | None:
    """Why `corrector` may not correct `target`, given the history before the correction; None if they may."""
    if corrector == target.actor:
        return FourEyesViolation("correct", corrector, target.act, "R17")
    before = [e for e in events if e.seq < target.seq or e.act == "correct"]
    if target.act in INSPECTION_GUARDED:
        inspection = target if target.act == "inspect" else next(
            (e for e in reversed(before) if e.act == "inspect" and e.seq < target.seq), None)
        if inspection is not None and corrector in _took_part(inspection, events, corrections):
            return FourEyesViolation("correct", corrector, "inspect", "R5")
    if target.act == "inspect" and corrector in {e.actor for e in events if e.act in ("approve", "decide_objection")}:
        return FourEyesViolation("correct", corrector, "approve", "R5")
    if target.act == "revoke" and corrector == _suspender(events, target.seq, corrections):
        return FourEyesViolation("correct", corrector, "suspend", "R13")
    return None


def _took_part(inspection: Event, events: Sequence[Event], corrections: Mapping[int, Mapping[str, Any]]) -> set[str]:
    """Who took part in the inspection: its recorder, the inspectors it names, and whoever corrected it."""
    named = amended(inspection, corrections).payload.get("inspectors") or []
    correctors = {e.actor for e in events if e.act == "correct" and isinstance(e.payload, Mapping)
                  and e.payload.get("corrects") == inspection.seq}
    return {inspection.actor, *(n for n in named if isinstance(n, str)), *correctors}


def _suspender(events: Sequence[Event], before_seq: int, corrections: Mapping[int, Mapping[str, Any]]) -> str | None:
    """Who suspended the case last before `before_seq`; for the system's suspension at the complaint
    threshold, whoever verified the complaint that reached it (R12, R13)."""
    previous: Event | None = None
    found: str | None = None
    for e in events:
        if e.seq >= before_seq:
            break
        if e.act == "suspend":
            found = previous.actor if e.actor == SYSTEM_ACTOR and previous is not None else e.actor
        elif e.act in ("reinstate", "revoke"):
            found = None
        if e.act != "correct":
            previous = e
    return found


# --- the corrected history -------------------------------------------------------------------

def check(case_id: str, events: Sequence[Event], policy_of: PolicyLookup, calendar: WorkCalendar) -> list[Violation]:
    """Every correction of the history well formed and kept to four eyes, and the history it gives
    legal from the first act it touches (see the module's docstring). A history the machine cannot
    replay at all stops the walk: the replay check names that."""
    out = [Violation(case_id, e.seq, "R17", "correction", f"the correction cannot be applied: {why}")
           for e in events if e.act == "correct" and (why := malformed(e.payload, e.seq))]
    corrections = corrections_in(events)
    if not corrections:
        return out
    first = min(corrections)
    by_seq = {e.seq: e for e in events}
    case: Case | None = None
    policy: Policy | None = None
    previous_on: date | None = None
    i = 0
    while i < len(events):
        e = events[i]
        i += 1
        if e.act == "correct":
            out += _correction(case_id, e, by_seq, events, corrections)
            if case is not None and not malformed(e.payload, e.seq):
                apply_correction(case, e, by_seq.get(e.payload["corrects"]))
            continue
        event = amended(e, corrections)
        if previous_on is not None and event.on < previous_on:
            out.append(Violation(case_id, e.seq, "R17", "correction",
                                 f"'{e.act}' is dated {event.on}, before the act before it ({previous_on})"))
        if e.act == "apply" and e.seq in corrections and set(corrections[e.seq]) - {"reason"}:
            out.append(Violation(case_id, e.seq, "R17", "correction",
                                 "the application's date or entries are corrected: only its reason may be"))
        try:
            policy = policy_of(e.policy_id, e.policy_version)
        except DomainError:
            return out
        follow: list[Event] = []
        if e.seq >= first and case is not None and e.act not in ("reschedule_rectification",
                                                                  "reschedule_public_notice"):
            follow = _recorded_follow_ups(events, i, corrections)
            out += _decided_alike(case_id, case, event, follow, policy, calendar)
            i += len(follow)
        try:
            for each in (event, *follow):
                case = apply_event(case, each, policy)
        except (DomainError, AssertionError, KeyError, ValueError, TypeError):
            return out
        previous_on = (follow[-1] if follow else event).on
    return out


def _recorded_follow_ups(events: Sequence[Event], start: int, corrections: Mapping[int, Mapping[str, Any]]
                         ) -> list[Event]:
    out = []
    for e in events[start:]:
        if not (e.actor == SYSTEM_ACTOR and e.act in FOLLOW_UPS and "timer" not in e.payload):
            break
        out.append(amended(e, corrections))
    return out


def _decided_alike(case_id: str, case: Case, event: Event, follow: list[Event], policy: Policy,
                   calendar: WorkCalendar) -> list[Violation]:
    try:
        decided = decide_again(case, event, policy, calendar)
    except (DomainError, KeyError, ValueError, TypeError) as exc:
        return [Violation(case_id, event.seq, event.rule, "correction",
                          f"'{event.act}' as the corrected history has it would not be recorded: {exc}")]
    if not decided:
        return [Violation(case_id, event.seq, event.rule, "correction",
                          f"'{event.act}' as the corrected history has it would not happen")]
    out = []
    differing = differences(event, decided[0])
    if differing:
        out.append(Violation(case_id, event.seq, event.rule, "correction",
                             f"'{event.act}' as the corrected history has it differs from what its rules give "
                             f"in {', '.join(differing)}"))
    for recorded, due in zip(follow, decided[1:], strict=False):
        if differences(recorded, due):
            out.append(Violation(case_id, recorded.seq, recorded.rule, "correction",
                                 f"the system's '{recorded.act}' after '{event.act}' differs from what the rules "
                                 f"give: {', '.join(differences(recorded, due))}"))
    for extra in follow[len(decided) - 1:]:
        out.append(Violation(case_id, extra.seq, extra.rule, "correction",
                             f"the system's '{extra.act}' follows '{event.act}', whose corrected record does not "
                             "bring it about"))
    for missing in decided[1 + len(follow):]:
        out.append(Violation(case_id, event.seq, missing.rule, "correction",
                             f"'{event.act}' as corrected brings about '{missing.act}', which the history lacks"))
    return out


def _correction(case_id: str, e: Event, by_seq: Mapping[int, Event], events: Sequence[Event],
                corrections: Mapping[int, Mapping[str, Any]]) -> list[Violation]:
    """The correction itself: four eyes, and its own date."""
    if malformed(e.payload, e.seq):
        return []
    target = by_seq.get(e.payload["corrects"])
    if target is None or target.act == "correct":
        return []  # check_history names a correction of nothing
    out = []
    refused = four_eyes([x for x in events if x.seq < e.seq], target, e.actor, corrections)
    if refused is not None:
        out.append(Violation(case_id, e.seq, refused.rule or "R17", "four-eyes",
                             f"{e.actor} corrected '{target.act}' (seq {target.seq}): {refused}"))
    corrected_on = amended(target, corrections).on
    if e.on < corrected_on:
        out.append(Violation(case_id, e.seq, "R17", "correction",
                             f"the correction is dated {e.on}, before the act it corrects ({corrected_on})"))
    if e.on > business_date(e.recorded_at):
        out.append(Violation(case_id, e.seq, "R17", "correction",
                             f"the correction is dated {e.on}, after the day it was recorded"))
    return out


def refusal(exc: DomainError, entries: Mapping[str, Any]) -> CorrectionRefused:
    """The refusal of the corrected act, as the refusal of the correction, naming the field of `changes`."""
    field = getattr(exc, "field", None) or exc.details.get("field")
    if isinstance(field, str) and field in entries:
        where = f"changes.payload.{field}"
    elif field == "on" or any(k in exc.details for k in DATE_FIELDS):
        where = "changes.on"
    else:
        where = "changes"
    if isinstance(exc, FutureDate):  # the act's "today" is the day it was recorded
        return CorrectionRefused(key="correction.after-recorded", field=where, recorded=exc.params["today"],
                                 on=exc.params["on"])
    refused = CorrectionRefused(key="correction.refused-act", field=where,
                                why=Words(exc.localized("zh"), exc.localized("en")))
    del refused.details["why"]  # the words, already the detail
    return refused
