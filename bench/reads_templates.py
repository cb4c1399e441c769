"""The template cases of b8 (issue 16): a few dozen real cases recorded through the service layer
(services.cases, services.sweep) in a small database of the benchmark's backend, one per
(shape, year of application), so that every row the acts write — the case, its events, its timers,
and whatever projections the acts keep in their transaction — is the project's own. b8 then
replicates them (bench/reads_data.py) to a national record.

The shapes cover every state a national roll-up shows (applied, inspected, publicized, recognized,
assessed, rectifying, suspended, revoked, rejected, withdrawn, lapsed), at each level, applied from
2017 (the first year a policy file covers: mohrss-national) to 2026. An act the policy refuses on
its date (a window, a deadline not yet due) ends its template's story there: the outcome is whatever
state the case reached, and the states reached are counted and printed, not assumed.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench import common as c

NOW = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)  # the benchmark's business day, 10:00 in Shanghai
TODAY = date(2026, 6, 10)
CW, INSP, SUP = "caseworker.wang", "caseworker.zhao", "supervisor.li"
NATIONAL_SCOPE = "000000"

# an act of a shape: (act, days after the application, actor, fields)
Step = tuple[str, int, str, dict[str, Any]]


def _reports(first_year_offset: int, n: int) -> list[Step]:
    """Annual reports of the n years after the recognition, each in March of the year after."""
    return [("submit_annual_report", 330 + 365 * k, CW, {"year_offset": first_year_offset + k}) for k in range(n)]


INSPECT: Step = ("inspect", 35, INSP, {"outcome": "pass"})
APPROVE: Step = ("approve", 65, SUP, {})

SHAPES: dict[str, list[Step]] = {
    "applied": [],
    "inspected": [INSPECT],
    "approved": [INSPECT, APPROVE],
    "reported": [INSPECT, APPROVE, *_reports(0, 2)],
    "assessed": [INSPECT, APPROVE, *_reports(0, 2), ("record_assessment", 790, CW, {"outcome": "pass"})],
    "rectifying": [INSPECT, APPROVE, *_reports(0, 1), ("record_assessment", 790, CW, {"outcome": "fail"})],
    "revoked": [INSPECT, APPROVE, *_reports(0, 1), ("record_assessment", 790, CW, {"outcome": "fail"}),
                ("record_rectification", 880, CW, {"outcome": "fail"})],
    "complaints": [INSPECT, APPROVE,
                   *[step for k in range(3) for step in (
                       ("record_complaint", 120 + 60 * k, CW, {"summary": "入驻企业投诉服务未兑现",
                                                               "complaint_id": f"ts-{k}"}),
                       ("verify_complaint", 140 + 60 * k, CW, {"complaint_id": f"ts-{k}", "valid": True}))]],
    "suspended": [INSPECT, APPROVE, ("suspend", 200, SUP, {"ground": "commitment_breach"})],
    "rejected": [("inspect", 35, INSP, {"outcome": "fail"})],
    "withdrawn": [("withdraw", 20, CW, {})],
    "paid": [INSPECT, APPROVE, ("record_payment", 90, CW, {"number": 1, "amount_fen": 20_000_000}),
             *_reports(0, 2)],
}

# (level, template jurisdiction, programme, first year a policy covers, application month-day)
LEVEL_PLACES = (
    ("national", "520000", "base", 2017, (5, 10)),
    ("provincial", "520000", "base", 2023, (4, 10)),
    ("provincial", "520100", "base", 2023, (4, 12)),
    ("provincial", "520102", "base", 2023, (4, 15)),
    ("municipal", "310000", "base", 2020, (9, 1)),
    ("municipal", "310110", "base", 2020, (9, 3)),
    ("county", "440306", "base", 2023, (9, 4)),
)
YEARS = range(2017, 2027)
# shapes whose story needs years to unfold are not applied for in the last year(s)
LATEST_YEAR = {"applied": 2026, "inspected": 2026, "approved": 2026, "withdrawn": 2026, "rejected": 2026,
               "suspended": 2025, "complaints": 2025, "paid": 2025, "reported": 2023, "assessed": 2023,
               "rectifying": 2023, "revoked": 2023}
# a case still applied or inspected years later is not what a register holds: those shapes are recent
EARLIEST_YEAR = {"applied": 2026, "inspected": 2026, "approved": 2025}


@dataclass
class Template:
    case_id: str
    shape: str
    level: str
    jurisdiction: str  # the template's; b8 moves each copy to another division of the same level
    applied_year: int
    steps_done: int
    steps_wanted: int
    state: str = ""
    refused: str = ""  # the first act the policy refused, with its reason


def plan(every: int = 1) -> list[tuple[str, str, str, str, int, tuple[int, int]]]:
    """(template id, shape, level, jurisdiction, year, month-day) of every `every`-th template case
    (a smoke run takes a few of each shape)."""
    out = []
    for shape in SHAPES:
        for li, (level, juris, _programme, first, md) in enumerate(LEVEL_PLACES):
            for year in YEARS:
                if year < max(first, EARLIEST_YEAR.get(shape, 0)) or year > LATEST_YEAR[shape]:
                    continue
                out.append((f"t{shape[:4]}{li}{year}", shape, level, juris, year, md))
    return out[::every]


REFUSALS: list[Template] = []  # the applications refused in the last build, for the log


def build(rt, staff_scope: str = NATIONAL_SCOPE, log=print, every: int = 1) -> list[Template]:
    """Records every template case through the service; returns what each reached."""
    from services import cases, users
    from services.sweep import sweep
    from statemachines.errors import DomainError

    for name, display, role in ((CW, "王芳", "caseworker"), (INSP, "赵磊", "caseworker"), (SUP, "李强", "supervisor")):
        users.add_user(rt, name, display, [(role, staff_scope)])
    made: list[Template] = []
    # every case's story in date order across the templates: the sweep fires each case's timers
    # on their day, as a real deployment's nightly sweep would
    agenda: list[tuple[date, int, str, Step | None]] = []
    for i, (tid, shape, level, juris, year, (m, d)) in enumerate(plan(every)):
        applied = date(year, m, d)
        t = Template(tid, shape, level, juris, year, 0, len(SHAPES[shape]))
        made.append(t)
        agenda.append((applied, i, tid, None))
        for step in SHAPES[shape]:
            agenda.append((applied + timedelta(days=step[1]), i, tid, step))
    agenda.sort(key=lambda a: (a[0], a[1], a[2]))
    by_id = {t.case_id: t for t in made}
    skip: set[str] = set()
    swept = date(2016, 12, 31)
    for on, i, tid, step in agenda:
        if on > TODAY:
            continue
        if tid in skip:
            continue
        if on > swept:
            rt.clock.now = c.SHANGHAI_10AM(on)
            sweep(rt, on - timedelta(days=1))
            swept = on
        rt.clock.now = c.SHANGHAI_10AM(on)
        t = by_id[tid]
        try:
            if step is None:
                _apply(rt, t, i + 1, on)
            else:
                act, _days, actor, fields = step
                if "year_offset" in fields:
                    fields = {"year": t.applied_year + fields["year_offset"]}
                if act == "record_payment":  # what the policy grants, not a figure of ours
                    due = [i for i in cases.get_case(rt, tid).instalments if i.status == "due"]
                    if not due:
                        continue
                    fields = {"number": due[0].number, "amount_fen": due[0].amount_fen}
                cases.ACTS[act](rt, tid, on=on, actor=actor, reason="依规办理", **fields)
                t.steps_done += 1
        except DomainError as refused:
            # the story goes on past an act the policy has no use for (a policy without annual
            # reports); an application refused ends it
            t.refused = t.refused or f"{step[0] if step else 'apply'} on {on}: {refused}"[:200]
            if step is None:
                skip.add(tid)
                REFUSALS.append(t)
    rt.clock.now = NOW
    # the nightly sweep as of two months ago: what fell due since is overdue or due today (the queue's work)
    sweep(rt, TODAY - timedelta(days=60))
    for t in made:
        try:
            t.state = cases.get_case(rt, t.case_id).state
        except Exception:  # noqa: BLE001 — a template whose application was refused has no case
            t.state = ""
    made = [t for t in made if t.state]
    log(f"  templates: {len(made)} cases, states {dict(Counter(t.state for t in made))}")
    return made


def _apply(rt, t: Template, n: int, on: date) -> None:
    """The application, out of its window if need be; with a lower recognition's 文号 where the policy asks one."""
    from services import cases
    from statemachines.errors import DomainError

    fields = dict(case_id=t.case_id, operator_name=operator_marker(n), credit_code=c.credit_code(900_000 + n),
                  base_name=base_marker(n), base_address="贵州省贵阳市观山湖区长岭北路8号", level=t.level,
                  jurisdiction=t.jurisdiction, on=on, actor=CW, reason="受理申报材料",
                  window_exception="基准测试：全年受理")
    try:
        cases.open_case(rt, **fields)
    except DomainError:
        cases.open_case(rt, **fields, prerequisite_document="X人社〔2016〕1号")


def base_marker(n: int) -> str:
    """A base name the replication replaces whole (its number ends in 号, so no marker holds another)."""
    return f"基准模板基地T{n:04d}号"


def operator_marker(n: int) -> str:
    return f"基准模板运营公司T{n:04d}号"
