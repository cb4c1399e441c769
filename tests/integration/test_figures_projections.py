"""Issue 16: the published figures come from projections (case_days, case_tallies), counted with SQL,
and are the numbers replaying every case gives ("Statistics of a past year that replaying would give
are the same numbers"); `audit verify` holds those projections to the replay and names a row changed
behind the service's back. On SQLite, PostgreSQL and (the comparison) the in-memory storage.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from db import tables as t
from services import audit, cases
from services.stats import LISTED_FIGURES, counted_cases, flows_by_year, statistics
from services.stats_replay import counted_cases_by_replay, flows_by_year_by_replay, statistics_by_replay
from statemachines import replay
from tests.integration.figures_data import play

SCOPES = ("520000", "520100", "520300", "430000", "000000")
YEARS = range(2023, 2031)


@pytest.fixture
def department(rt, clock):
    return play(rt, clock)


@pytest.mark.memory
def test_issue16_statistics_of_every_year_and_day_from_projections_equal_the_replay(department):
    played, rt = department, department.rt
    histories = {case_id: cases.history(rt, case_id) for case_id in played.case_ids}
    # as of each year's end, days within it, and the days of approvals (a public notice runs then, R22)
    # and suspensions (they last days)
    approvals = sorted({e.on for events in histories.values() for e in events if e.act in ("approve", "suspend")})
    seen = []
    for year in YEARS:
        busy = [d for d in approvals if d.year == year]
        days = [date(year, 12, 31), date(year, 6, 30), date(year, 3, 31), date(year, 1, 1), *busy]
        listed_on = {date(year, 12, 31), *busy}
        for scope in SCOPES:
            for day in days:  # "today" is the day: the figures of a year as of it
                by_sql, by_replay = statistics(rt, scope, year, day), statistics_by_replay(rt, scope, year, day)
                assert by_sql.as_dict() == by_replay.as_dict(), (scope, year, day)
                if scope == "000000":
                    seen.append(by_sql)
                if day not in listed_on:
                    continue  # the lists of cases behind each figure: at the year's end and on the busy days
                for figure in LISTED_FIGURES:
                    assert counted_cases(rt, scope, year, day, figure) == \
                        counted_cases_by_replay(rt, scope, year, day, figure), (scope, year, day, figure)
    for scope in SCOPES:
        by_sql, by_replay = flows_by_year(rt, scope, YEARS), flows_by_year_by_replay(rt, scope, YEARS)
        assert by_sql == by_replay and list(by_sql) == list(by_replay)
    # the data has what each figure counts, and the corrections the projections must follow (R17)
    for figure in ("newly_recognized", "extended", "assessed", "revoked", "overdue_reports", "in_public_notice",
                   "in_rectification", "suspended", "bans_in_force", "recognized"):
        assert any(getattr(s, figure) for s in seen), figure
    assert len({g for s in seen for g in s.assessment_results}) >= 2
    assert len({g for s in seen for g in s.revoked_by_ground}) >= 2
    corrected = [e for events in histories.values() for e in events if e.act == "correct"]
    assert {tuple(e.payload["changes"]) for e in corrected} >= {("on",), ("payload",)}
    assert played.done > 5 * played.refused, "\n".join(played.why)


@pytest.mark.memory
def test_issue16_the_case_as_of_any_day_is_its_stored_day_row(department):
    """The stored case_days of every case, read as "the row with on <= X < until", give what
    replay.as_of gives for X on each day the record names and the day before it."""
    rt = department.rt
    with rt.reads() as uow:
        stored = uow.projections.of_cases(department.case_ids)
    for case_id in department.case_ids:
        events = cases.history(rt, case_id)
        dates = [replay.amended(e, replay.corrections_in(events)).on for e in events]
        rows = stored[case_id].days
        for day in sorted({d + timedelta(days=k) for d in dates for k in (-1, 0)}):
            case = replay.as_of(events, rt.policies.get, day=day)
            on = max((d for d in rows if d <= day), default=None)
            if case is None:
                assert on is None, (case_id, day)
                continue
            until, jurisdiction, level, state, first, last, ended = rows[on]
            assert until is None or day < until
            assert (jurisdiction, level, state) == (case.jurisdiction, case.level, case.state), (case_id, day)
            ban = case.ban
            assert (first, last, ended) == ((ban.first_day, ban.last_day, ban.ended_on) if ban else (None,) * 3)


def test_issue16_verify_names_a_changed_figure_row_and_passes_the_untouched(department, engine):
    played, rt = department, department.rt
    # (the acts' users are not in this database: their role checks are not what is tested here)
    assert [v for case_id in played.case_ids for v in _projection(audit.verify_case(rt, case_id))] == []
    first = played.case_ids[0]
    d, tl = t.case_days.c, t.case_tallies.c
    with engine.begin() as conn:
        on = conn.execute(sa.select(sa.func.min(d.on)).where(d.case_id == first)).scalar_one()
        conn.execute(t.case_days.update().where(d.case_id == first, d.on == on).values(state="recognized"))
        second, seq = conn.execute(sa.select(tl.case_id, tl.seq).where(tl.case_id != first)
                                   .order_by(tl.case_id, tl.seq).limit(1)).one()
        conn.execute(t.case_tallies.update().where(tl.case_id == second, tl.seq == seq).values(year=1999))
    assert [v.message for v in _projection(audit.verify_case(rt, first))] == [
        f"case_days {on}.state: stored 'recognized', replay gives 'applied'"]
    assert [v.message for v in _projection(audit.verify_case(rt, second))] == [
        f"case_tallies {seq}.year: stored 1999, replay gives {_tally_on(engine, second, seq).year}"]
    # verify --all reads the rows of many cases at once (db/projections.py): it names the same two
    named = {r.case_id for r in audit.verify_all(rt) if _projection(r)}
    assert named == {first, second}
    with engine.begin() as conn:  # a row gone, a row the replay does not have
        conn.execute(t.case_days.delete().where(d.case_id == first))
        conn.execute(t.case_tallies.insert().values(case_id=second, seq=999, on=date(2025, 1, 1),
                                                    year=2025, jurisdiction="520000", figure="revoked"))
    messages = {v.message for v in _projection(audit.verify_case(rt, first))}
    assert f"case_days {on}: no row, the replay has one" in messages
    assert "case_tallies 999: a row the replay does not have" in \
        {v.message for v in _projection(audit.verify_case(rt, second))}


def _projection(report) -> list:
    return [v for v in report.violations if v.check == "projection"]


def _tally_on(engine, case_id: str, seq: int) -> date:
    with engine.connect() as conn:
        return conn.execute(sa.select(t.case_tallies.c.on).where(
            t.case_tallies.c.case_id == case_id, t.case_tallies.c.seq == seq)).scalar_one()
