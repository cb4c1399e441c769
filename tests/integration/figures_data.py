"""Generated departments for issue 16's figures: many cases through the real services and sweep, over
several years, with what the published figures count (approvals, public notices R22, extensions,
assessments with grades, rectifications, revocations with grounds, bans, overdue reports,
suspensions) and corrections of dates and grades (R17).

Each case's life is planned from a seeded random generator; the plans of all cases are played in
one chronological order (the sweep runs up to each act's day, as in a department). An act that the
case's state refuses by then (a plan does not foresee what the sweep did) is left out and counted.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from services import audit, cases
from services.runtime import Runtime
from statemachines.errors import DomainError
from statemachines.lifecycle import OPEN_STATES
from tests.policy_variants import variant, with_policies
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, Story

HUNAN = "430000"  # a test's province whose policy has a public notice (R22) between approval and recognition
SUSPENDER = "supervisor.sun"
JURISDICTIONS = ("520100", "520300", "520000", HUNAN)


def notice_policy():
    return variant(HUNAN, replace={"public_notice": {"period": "5wd", "clause": "测试用条款：公示5个工作日"}})


@dataclass
class Played:
    rt: Runtime
    case_ids: list[str] = field(default_factory=list)
    refused: int = 0
    why: list[str] = field(default_factory=list)
    done: int = 0
    last_day: date = date(2022, 1, 1)


def _plan(rng: random.Random, n: int) -> list[tuple[date, int, str, dict[str, Any]]]:
    """(day, case, act, fields) of one case's life; act "correct" names what it corrects by act."""
    year = rng.choice((2023, 2024, 2025))  # Guizhou's policy is in force from 2022-07
    applied = date(year, 4, rng.randint(3, 25))
    steps: list[tuple[date, int, str, dict[str, Any]]] = [(applied, n, "apply", {})]
    inspected = applied + timedelta(days=rng.randint(20, 40))
    if rng.random() < 0.1:
        steps.append((inspected, n, "inspect", {"actor": INSPECTOR, "outcome": "fail"}))
        steps.append((inspected + timedelta(days=10), n, "reject", {"actor": SUPERVISOR}))
        return steps
    steps.append((inspected, n, "inspect", {"actor": INSPECTOR, "outcome": "pass"}))
    approved = inspected + timedelta(days=rng.randint(15, 40))
    steps.append((approved, n, "approve", {"actor": SUPERVISOR}))
    recognized = approved + timedelta(days=14)
    for y in range(recognized.year + 1, 2031):
        if rng.random() < 0.8:  # else the sweep flags it overdue
            steps.append((date(y, 3, rng.randint(2, 28)), n, "submit_annual_report", {"year": y - 1}))
    for k in (1, 2, 3, 4):  # the assessments every two years from recognition
        due = recognized.replace(year=recognized.year + 2 * k) - timedelta(days=rng.randint(5, 40))
        if due.year > 2030 or rng.random() < 0.15:  # missed: the sweep records it
            continue
        outcome = "pass" if rng.random() < 0.75 else "fail"
        steps.append((due, n, "record_assessment", {"outcome": outcome}))
        if outcome == "fail":
            steps.append((due + timedelta(days=rng.randint(30, 80)), n, "record_rectification",
                          {"outcome": rng.choice(("pass", "pass", "fail"))}))
    end = recognized.replace(year=recognized.year + 5)
    if end.year <= 2030:
        steps.append((end + timedelta(days=rng.randint(3, 20)), n, "reevaluate",
                      {"actor": SUPERVISOR, "decision": rng.choice(("extend", "extend", "lapse"))}))
    fate = n % 6  # by the case's number, so that every data set has each of these
    if fate in (1, 2):
        day = recognized + timedelta(days=rng.randint(60, 900))
        steps.append((day, n, "suspend", {"actor": SUSPENDER, "ground": rng.choice(("fraud", "commitment_breach"))}))
        if fate == 1:
            steps.append((day + timedelta(days=rng.randint(3, 30)), n, "revoke",
                          {"actor": SUPERVISOR, "ground": "commitment_breach"}))
        else:
            steps.append((day + timedelta(days=rng.randint(3, 30)), n, "reinstate", {"actor": SUPERVISOR}))
    elif fate == 3:
        steps.append((recognized + timedelta(days=rng.randint(100, 1200)), n, "revoke",
                      {"actor": SUPERVISOR, "ground": "fraud"}))
    if n % 2 == 0:  # R17: a report's date corrected, a few days or across a year's end
        first_report = next((s for s in steps if s[2] == "submit_annual_report"), None)
        if first_report is not None:
            shift = rng.choice((-20, -3, -60, -200))  # earlier only (R17); far enough to pass other acts
            steps.append((first_report[0] + timedelta(days=30), n, "correct",
                          {"target": "submit_annual_report", "on": first_report[0] + timedelta(days=shift)}))
    if n % 3 == 0:  # R17: a grade corrected
        graded = next((s for s in steps if s[2] == "record_assessment"), None)
        if graded is not None:
            outcome = "fail" if graded[3]["outcome"] == "pass" else "pass"
            grade = "达标" if outcome == "pass" else "不达标"
            steps.append((graded[0] + timedelta(days=7), n, "correct",
                          {"target": "record_assessment", "payload": {"outcome": outcome, "grade": grade}}))
    return steps


def play(rt: Runtime, clock, *, cases_n: int = 18, seed: int = 16, until: date = date(2030, 12, 31),
         jurisdictions: tuple[str, ...] = JURISDICTIONS) -> Played:
    """The generated department, played through the services up to `until`."""
    rng = random.Random(seed)
    rt = with_policies(rt, notice_policy())
    plans = sorted((step for n in range(cases_n) for step in _plan(rng, n)), key=lambda s: (s[0], s[1]))
    stories = {n: Story(rt, clock) for n in range(cases_n)}
    played = Played(rt)
    for day, n, act, fields in plans:
        story = stories[n]
        if act != "apply" and (story.case_id is None or story.case.state not in OPEN_STATES):
            continue  # never opened, or ended (revoked, lapsed, rejected) before its plan did
        try:
            if act == "apply":
                jurisdiction = jurisdictions[n % len(jurisdictions)]
                story.apply(day, seed=n + 1, jurisdiction=jurisdiction, base=f"创业园{n}",
                            level="provincial")
                played.case_ids.append(story.case_id)  # type: ignore[arg-type]
            elif act == "correct":
                _correct(story, day, fields)
            else:
                story.act(act, day, **fields)
            played.done += 1
        except DomainError as exc:
            played.refused += 1
            played.why.append(f"{act}: {type(exc).__name__} {exc}"[:150])
    story = Story(rt, clock)
    story.until(until)
    played.last_day = until
    return played


def _correct(story: Story, day: date, fields: dict[str, Any]) -> None:
    target = next((e for e in story.events if e.act == fields["target"]), None)
    if target is None:
        raise _NotPlayed()
    changes: dict[str, Any] = {}
    if "on" in fields:
        changes["on"] = fields["on"].isoformat()
    if "payload" in fields:
        changes["payload"] = fields["payload"]
    story.until(day)
    audit.correct(story.rt, story.case_id, corrects=target.seq, changes=changes,  # type: ignore[arg-type]
                  actor=SUPERVISOR, on=day, reason="核对原始材料后更正")


class _NotPlayed(DomainError):
    def __init__(self) -> None:
        Exception.__init__(self, "nothing to correct")


__all__ = ["CASEWORKER", "HUNAN", "Played", "cases", "play"]
