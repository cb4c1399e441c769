"""Issue 16: the dashboard's grid, flows and the figures of a settled day are summed from counters
(db/counts.py: case_counts, year_counts) kept in each act's own transaction. They equal the replay
of every case — after acts and the sweep move cases between states, after corrections (R17), after
a write that moves a case to another jurisdiction and level — and the numbers the dashboard counted
before them (a GROUP BY over the cases and the tallies); `audit verify --all` names a counter
changed behind the service's back, and `audit rebuild-figures` counts them again. SQLite and
PostgreSQL.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from db import counts
from db import tables as t
from db.figures import code_range
from services import audit, cases
from services.figures_rebuild import rebuild_figures
from services.stats import flows_by_year, state_level_grid, statistics
from services.stats_replay import flows_by_year_by_replay, statistics_by_replay
from statemachines import replay
from statemachines.jurisdiction import covers
from tests.integration.figures_data import play

SCOPES = ("520000", "520100", "520300", "430000", "000000")
YEARS = list(range(2023, 2031))


@pytest.fixture
def department(rt, clock):
    return play(rt, clock, cases_n=10, seed=61)


def grid_by_replay(rt, case_ids, scope: str) -> Counter[tuple[str, str]]:
    out = Counter[tuple[str, str]]()
    for case_id in case_ids:
        case = replay.replay(cases.history(rt, case_id), rt.policies.get)
        if covers(scope, case.jurisdiction):
            out[(case.state, case.level)] += 1
    return out


def grid_before(engine, scope: str, scopes=None) -> Counter[tuple[str, str]]:
    """The dashboard's grid as it was counted before the counters: a GROUP BY over the cases."""
    c = t.cases.c
    q = sa.select(c.state, c.level, sa.func.count()).where(code_range(c.jurisdiction, scope))
    if scopes is not None:
        q = q.where(sa.or_(sa.false(), *(code_range(c.jurisdiction, s) for s in scopes)))
    with engine.connect() as conn:
        return Counter({(s, lv): n for s, lv, n in conn.execute(q.group_by(c.state, c.level))})


def flows_before(engine, scope: str) -> dict[int, Counter[str]]:
    tl = t.case_tallies.c
    out: dict[int, Counter[str]] = {y: Counter() for y in sorted(YEARS, reverse=True)}
    with engine.connect() as conn:
        for year, figure, n in conn.execute(
                sa.select(tl.year, tl.figure, sa.func.count())
                .where(tl.year.in_(YEARS), code_range(tl.jurisdiction, scope), tl.figure.is_not(None))
                .group_by(tl.year, tl.figure)):
            out[year][figure] += n
    return out


def test_issue16_dashboard_counters_equal_the_replay_and_the_counts_before_them(department, engine):
    played, rt = department, department.rt
    moved = {case_id: len(cases.history(rt, case_id)) for case_id in played.case_ids}
    assert max(moved.values()) > 3  # cases moved through several states (acts, sweep, corrections)
    assert any(e.act == "correct" for case_id in played.case_ids for e in cases.history(rt, case_id))
    for scope in SCOPES:
        grid = state_level_grid(rt, scope, None)
        assert grid == grid_by_replay(rt, played.case_ids, scope) == grid_before(engine, scope), scope
        assert state_level_grid(rt, scope, ("520100",)) == grid_before(engine, scope, ("520100",)), scope
        flows = flows_by_year(rt, scope, YEARS)
        assert flows == flows_by_year_by_replay(rt, scope, YEARS) == flows_before(engine, scope), scope
    assert len({state for state, _ in state_level_grid(rt, "000000", None)}) >= 3
    assert sum(sum(f.values()) for f in flows_by_year(rt, "000000", YEARS).values()) > 10
    assert audit.verify_counters(rt) == []


def test_issue16_a_case_moved_to_another_jurisdiction_and_level_moves_its_counter(department, engine):
    """A write of the case as a tool makes it (no act: the stored row is read for the key it leaves) and an
    act after it (the unit of work's own read): the counters follow both, and stay the rows' counts."""
    played, rt = department, department.rt
    case_id = played.case_ids[0]
    with rt.uow() as uow:
        case = uow.cases.get(case_id, for_update=True)
        old = (case.state, case.level)
        uow.commit()
    with rt.uow() as uow:  # another unit of work: it has not read the case
        uow.cases.save(replace(case, jurisdiction="520302", level="municipal", version=case.version + 1),
                       case.version, [], [])
        uow.commit()
    assert state_level_grid(rt, "520302", None) == Counter({(old[0], "municipal"): 1})
    for scope in SCOPES:
        assert state_level_grid(rt, scope, None) == grid_before(engine, scope), scope
    assert audit.verify_counters(rt) == []


def test_issue16_verify_names_a_changed_counter_and_rebuild_counts_them_again(department, engine):
    rt = department.rt
    cc, yc = t.case_counts.c, t.year_counts.c
    with engine.begin() as conn:
        jurisdiction, state, level, n = conn.execute(
            sa.select(cc.jurisdiction, cc.state, cc.level, cc.n).where(cc.n > 0).order_by(cc.jurisdiction,
                                                                                          cc.state, cc.level)
            .limit(1)).one()
        conn.execute(t.case_counts.update().where(cc.jurisdiction == jurisdiction, cc.state == state,
                                                  cc.level == level).values(n=n + 2))
        yj, year, kind, value, yn = conn.execute(
            sa.select(yc.jurisdiction, yc.year, yc.kind, yc.value, yc.n).where(yc.n > 0, yc.kind == "grade")
            .order_by(yc.jurisdiction, yc.year, yc.value).limit(1)).one()
        conn.execute(t.year_counts.delete().where(yc.jurisdiction == yj, yc.year == year, yc.kind == kind,
                                                  yc.value == value))
        conn.execute(t.year_counts.insert().values(jurisdiction="110000", year=2024, kind="figure", value="revoked",
                                                   n=1))
    found = sorted(v.message for v in audit.verify_counters(rt))
    assert found == sorted([
        f"case_counts {jurisdiction}/{state}/{level}: 存储 {n + 2}，按投影行计数 {n}（stored {n + 2}, counted {n}）",
        f"year_counts {yj}/{year}/grade/{value}: 存储 0，按投影行计数 {yn}（stored 0, counted {yn}）",
        "year_counts 110000/2024/figure/revoked: 存储 1，按投影行计数 0（stored 1, counted 0）"])
    assert all(v.check == "counter" for v in audit.verify_counters(rt))
    assert rebuild_figures(rt) == len(department.case_ids)
    assert audit.verify_counters(rt) == []
    for scope in SCOPES:
        assert state_level_grid(rt, scope, None) == grid_before(engine, scope)
        assert flows_by_year(rt, scope, YEARS) == flows_before(engine, scope)


def test_issue16_the_figures_of_a_settled_day_are_the_counters_and_equal_the_replay(department, engine):
    """After the department's last event every day is settled: `statistics` sums the counters (and reads
    the bans of the cases now); the numbers are the replay's, for every year and scope. A day with a row
    after it is counted over the rows, as before."""
    played, rt = department, department.rt
    with engine.connect() as conn:
        last = conn.execute(sa.select(sa.func.max(t.case_days.c.on))).scalar_one()
        assert counts.settled(conn, last) and not counts.settled(conn, last - timedelta(days=1))
    seen = []
    for year in range(2023, last.year + 1):
        for scope in SCOPES:
            day = max(last, date(year, 12, 31)) if year == last.year else last
            by_counters = statistics(rt, scope, year, day)
            assert by_counters.as_dict() == statistics_by_replay(rt, scope, year, day).as_dict(), (scope, year)
            seen.append(by_counters)
    assert any(s.bans_in_force for s in seen) and any(s.assessment_results for s in seen)
    assert any(s.revoked_by_ground for s in seen) and any(s.recognized for s in seen)
    assert played.case_ids


def test_issue16_the_counters_hold_no_negative_or_phantom_rows(department, engine):
    """Every counter row is a count (never below 0), and a key no case holds now shows nothing."""
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.min(t.case_counts.c.n))).scalar_one() >= 0
        assert conn.execute(sa.select(sa.func.min(t.year_counts.c.n))).scalar_one() >= 0
    assert all(n > 0 for n in state_level_grid(department.rt, "000000", None).values())
    assert all(n > 0 for f in flows_by_year(department.rt, "000000", YEARS).values() for n in f.values())
