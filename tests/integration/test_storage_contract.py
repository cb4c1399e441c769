"""The storage contract: what SQLite and PostgreSQL, and the in-memory ports of the tests, must all keep true.

Every test here takes `rt` or `engine`, so it runs once per backend (tests/conftest.py). What a
test checks in the database it reads with plain SQL, not through the repository it checks: through
`stored`, which reads the rows with SQL, or the in-memory store's tables as they are, so the tests
taking it run on the in-memory storage too. Those that take `engine` (a statement of their own, the
schema, a row changed behind the repository's back) run on SQLite and PostgreSQL only.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import statemachines.automatic
from db.migrate import alembic_config
from db.tables import POSTGRESQL_ONLY_INDEXES, metadata
from services import cases
from services.queries import list_cases, pending_timers
from services.sweep import sweep
from statemachines import acts
from statemachines.case import Case
from statemachines.errors import FutureDate, IllegalTransition, StaleVersion
from statemachines.events import GENESIS_HASH
from statemachines.timers import timers_for
from tests.fakes.memory import MemoryStore
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, Story, credit_code

pytestmark = pytest.mark.memory

APPLIED, INSPECTED, APPROVED = date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14)
BASES = ("贵阳市大学生创业园", "遵义市退役军人创业孵化基地", "六盘水市农民工返乡创业园")

# what the Guizhou policy owes a base recognised on 2024-06-14: reports due 03-31 the year after
# (moved off weekends), assessments 2 and 4 years in, re-evaluation at the end of the 5-year
# period, and the one subsidy instalment on the day of recognition
OWED_AFTER_APPROVAL = {
    ("annual_report", "2024"): date(2025, 3, 31),
    ("annual_report", "2025"): date(2026, 3, 31),
    ("annual_report", "2026"): date(2027, 3, 31),
    ("annual_report", "2027"): date(2028, 3, 31),
    ("annual_report", "2028"): date(2029, 4, 2),   # 2029-03-31 is a Saturday
    ("annual_report", "2029"): date(2030, 4, 1),   # 2030-03-31 is a Sunday
    ("assessment", "1.1"): date(2026, 6, 15),      # 2026-06-14 is a Sunday
    ("assessment", "1.2"): date(2028, 6, 14),
    ("reevaluation", "1"): date(2029, 6, 14),
    ("instalment", "1"): date(2024, 6, 14),
}


# --- helpers -------------------------------------------------------------------------------

def recognize(rt, clock, *, seed: int = 1, base: str = BASES[0]) -> str:
    """A recognised case, recorded through the services without any sweep."""
    clock.set_day(APPLIED)
    case_id = cases.open_case(
        rt, operator_name="贵阳高新创业服务有限公司", credit_code=credit_code(seed), base_name=base,
        base_address="贵州省贵阳市观山湖区长岭北路8号", level="provincial", jurisdiction="520000",
        on=APPLIED, actor=CASEWORKER, reason="受理申报材料").case.id
    clock.set_day(INSPECTED)
    cases.ACTS["inspect"](rt, case_id, outcome="pass", on=INSPECTED, actor=INSPECTOR, reason="现场考察通过")
    clock.set_day(APPROVED)
    cases.ACTS["approve"](rt, case_id, on=APPROVED, actor=SUPERVISOR, reason="经厅务会研究，同意认定")
    return case_id


def rows(engine, sql: str, **params) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def table_state(engine) -> dict[str, list[tuple]]:
    """Every row an act may write, JSON as its stored text, so equality is byte for byte."""
    return {
        "case_events": rows(engine, 'SELECT id, case_id, seq, act, "on", recorded_at, actor, reason, rule, '
                                    "policy_id, policy_version, CAST(payload AS TEXT), canonical, prev_hash, hash "
                                    "FROM case_events ORDER BY id"),
        "cases": rows(engine, "SELECT id, state, version, period_start, period_end, last_on, "
                              "CAST(snapshot AS TEXT), updated_at FROM cases ORDER BY id"),
        "timers": rows(engine, "SELECT id, case_id, kind, key, due_on, fires_on, provisional, fired_at, created_at "
                               "FROM timers ORDER BY id"),
        "complaints": rows(engine, "SELECT * FROM complaints ORDER BY case_id, complaint_id"),
        "bans": rows(engine, "SELECT * FROM bans ORDER BY case_id"),
        "subsidy_instalments": rows(engine, "SELECT * FROM subsidy_instalments ORDER BY case_id, number"),
    }


def as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def unfired(engine, case_id: str) -> dict[tuple[str, str], date]:
    return {(k, key): as_date(d) for k, key, d in rows(
        engine, "SELECT kind, key, due_on FROM timers WHERE case_id = :c AND fired_at IS NULL", c=case_id)}


def fired(engine, case_id: str) -> dict[tuple[str, str], object]:
    return {(k, key): at for k, key, at in rows(
        engine, "SELECT kind, key, fired_at FROM timers WHERE case_id = :c AND fired_at IS NOT NULL", c=case_id)}


def event_count(engine, case_id: str | None = None) -> int:
    if case_id is None:
        return rows(engine, "SELECT COUNT(*) FROM case_events")[0][0]
    return rows(engine, "SELECT COUNT(*) FROM case_events WHERE case_id = :c", c=case_id)[0][0]


def system_events(engine) -> list[tuple]:
    """(case, act, business date, timer) of every system event, in the order written."""
    out = []
    for case_id, act, on, payload in rows(
            engine, "SELECT case_id, act, \"on\", CAST(payload AS TEXT) FROM case_events "
                    "WHERE actor = 'system' ORDER BY id"):
        timer = json.loads(payload)["timer"]
        out.append((case_id, act, as_date(on), (timer["kind"], timer["key"])))
    return out


def as_utc(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class SqlStored:
    """What the database holds, read with plain SQL."""

    def __init__(self, engine) -> None:
        self.engine = engine

    def table_state(self) -> dict[str, list[tuple]]:
        return table_state(self.engine)

    def unfired(self, case_id: str) -> dict[tuple[str, str], date]:
        return unfired(self.engine, case_id)

    def fired(self, case_id: str) -> dict[tuple[str, str], object]:
        return fired(self.engine, case_id)

    def event_count(self, case_id: str | None = None) -> int:
        return event_count(self.engine, case_id)

    def system_events(self) -> list[tuple]:
        return system_events(self.engine)

    def version_and_state(self, case_id: str) -> list[tuple]:
        return rows(self.engine, "SELECT version, state FROM cases WHERE id = :c", c=case_id)

    def version(self, case_id: str) -> list[tuple]:
        return rows(self.engine, "SELECT version FROM cases WHERE id = :c", c=case_id)

    def events(self, case_id: str) -> list[tuple]:
        """(case_id, seq, act, on, recorded_at, actor, reason, rule, policy_id, policy_version, payload as
        text, canonical, prev_hash, hash, hash_algorithm) of the case's events, in seq order."""
        return rows(self.engine, f"SELECT {EVENT_COLUMNS} FROM case_events WHERE case_id = :c ORDER BY seq",
                    c=case_id)

    def due_timer_ids(self, as_of: date) -> set[int]:
        return {t for (t,) in rows(self.engine, "SELECT id FROM timers WHERE fired_at IS NULL AND fires_on <= :d",
                                   d=as_of)}


class MemoryStored:
    """What the in-memory store holds: its committed tables, read as they are."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def table_state(self) -> dict[str, dict]:
        tables = self.store.tables
        state = {f.name: dict(getattr(tables, f.name)) for f in dataclasses.fields(tables)}
        state["case_events"] = state.pop("events")
        return state

    def unfired(self, case_id: str) -> dict[tuple[str, str], date]:
        return {(t.kind, t.key): t.due_on for t in self.store.tables.timers.values()
                if t.case_id == case_id and t.fired_at is None}

    def fired(self, case_id: str) -> dict[tuple[str, str], object]:
        return {(t.kind, t.key): t.fired_at for t in self.store.tables.timers.values()
                if t.case_id == case_id and t.fired_at is not None}

    def event_count(self, case_id: str | None = None) -> int:
        events = self.store.tables.events
        return sum(map(len, events.values())) if case_id is None else len(events.get(case_id, ()))

    def system_events(self) -> list[tuple]:
        """As SqlStored's, case by case (the store keeps no order across cases)."""
        return [(e.case_id, e.act, e.on, tuple(json.loads(e.payload)["timer"][k] for k in ("kind", "key")))
                for events in self.store.tables.events.values() for e in events if e.actor == "system"]

    def version_and_state(self, case_id: str) -> list[tuple]:
        row = self.store.tables.cases.get(case_id)
        return [] if row is None else [(row.version, row.state)]

    def version(self, case_id: str) -> list[tuple]:
        return [(version,) for version, _ in self.version_and_state(case_id)]

    def events(self, case_id: str) -> list[tuple]:
        return [tuple(getattr(e, f.name) for f in dataclasses.fields(e))
                for e in self.store.tables.events.get(case_id, ())]

    def due_timer_ids(self, as_of: date) -> set[int]:
        return {t.id for t in self.store.tables.timers.values() if t.fired_at is None and t.fires_on <= as_of}


@pytest.fixture
def stored(request, backend, rt):
    if backend == "memory":
        return MemoryStored(rt.uow.args[0])
    return SqlStored(request.getfixturevalue("engine"))


def case_repository(rt) -> type:
    """The class of the backend's case repository, to make it fail on purpose."""
    with rt.reads() as uow:
        return type(uow.cases)


# --- round trip ----------------------------------------------------------------------------

def test_a_saved_case_loads_equal_to_what_the_service_returned(rt, clock, engine):
    story = Story(rt, clock)
    results = [
        story.apply(APPLIED, base="遵义市退役军人创业孵化基地"),
        story.act("inspect", INSPECTED, actor=INSPECTOR, outcome="pass", findings="场地、服务团队均符合条件"),
        story.act("approve", APPROVED, actor=SUPERVISOR, reason="经厅务会研究，同意认定"),
        story.act("record_complaint", date(2024, 9, 2), reason="12333热线转来投诉",
                  summary="承诺的免费场地未兑现", complaint_id="ts-2024-001"),
    ]
    case_id = story.case_id

    loaded = cases.get_case(rt, case_id)
    assert loaded == results[-1].case
    (snapshot,) = rows(engine, "SELECT CAST(snapshot AS TEXT) FROM cases WHERE id = :c", c=case_id)[0]
    assert Case.from_dict(json.loads(snapshot)) == results[-1].case
    assert loaded.base_name == "遵义市退役军人创业孵化基地"
    assert loaded.complaints[0].summary == "承诺的免费场地未兑现"

    written = [e for r in results for e in r.events]
    system = [e for r in story.sweeps for e in r.events]   # the sweep fired the instalment on its day
    history = cases.history(rt, case_id)
    assert history == sorted(written + system, key=lambda e: e.seq)
    assert [e.seq for e in history] == list(range(1, len(history) + 1))
    assert [e.act for e in history] == ["apply", "inspect", "approve", "instalment_due", "record_complaint"]
    assert history[2].reason == "经厅务会研究，同意认定"
    assert history[1].payload["findings"] == "场地、服务团队均符合条件"

    # the columns next to the snapshot say the same
    row = rows(engine, "SELECT state, version, period_start, period_end, last_on, base_id FROM cases WHERE id = :c",
               c=case_id)[0]
    assert (row[0], row[1]) == ("recognized", 5)
    assert tuple(as_date(v) for v in row[2:5]) == (APPROVED, date(2029, 6, 14), date(2024, 9, 2))
    assert rows(engine, "SELECT name FROM bases WHERE id = :b", b=row[5]) == [("遵义市退役军人创业孵化基地",)]
    assert rows(engine, "SELECT reason FROM case_events WHERE case_id = :c ORDER BY seq", c=case_id) == [
        ("受理申报材料",), ("依规办理",), ("经厅务会研究，同意认定",), ("第1期补助资金到期应付",),
        ("12333热线转来投诉",)]
    assert rows(engine, "SELECT summary FROM complaints WHERE case_id = :c", c=case_id) == [("承诺的免费场地未兑现",)]


# --- optimistic concurrency ----------------------------------------------------------------

def test_of_two_writers_at_the_same_version_one_wins_and_the_other_is_stale(rt, clock, stored):
    case_id = recognize(rt, clock)
    n = cases.get_case(rt, case_id).version   # both writers read version n
    clock.set_day(date(2025, 3, 20))

    first = cases.ACTS["submit_annual_report"](rt, case_id, year=2024, expected_version=n, on=date(2025, 3, 20),
                                       actor=CASEWORKER, reason="收到2024年度工作报告")
    after_first = stored.table_state()
    with pytest.raises(StaleVersion):
        cases.ACTS["record_assessment"](rt, case_id, outcome="fail", expected_version=n, on=date(2025, 3, 20),
                                actor=CASEWORKER, reason="绩效考核不达标")

    assert stored.table_state() == after_first
    assert stored.event_count(case_id) == n + 1
    assert stored.version_and_state(case_id) == [(n + 1, "recognized")]
    assert first.case.version == n + 1
    # the winner's timers, and nothing of the loser's (no rectification, assessments still owed)
    owed = dict(OWED_AFTER_APPROVAL)
    del owed[("annual_report", "2024")]
    assert stored.unfired(case_id) == owed


def test_a_save_at_a_version_no_longer_current_writes_nothing(rt, clock, stored):
    """The repository's own guard, for a writer that got past the service's check."""
    case_id = recognize(rt, clock)
    clock.set_day(date(2024, 9, 2))
    before = stored.table_state()
    with pytest.raises(StaleVersion), rt.uow() as uow:
        case = uow.cases.get(case_id, for_update=True)
        read = case.version
        policy = rt.policies.get(case.policy_id, case.policy_version)
        events = acts.record_complaint(case, policy, rt.calendar,
                                       acts.Recording(CASEWORKER, date(2024, 9, 2), "投诉", clock()),
                                       complaint_id="c1", summary="水电费超标收取")
        uow.cases.save(case, read - 1, events, timers_for(case, policy, rt.calendar))
        uow.commit()
    assert stored.table_state() == before


def _race(worker, n: int = 2) -> list[object]:
    barrier = threading.Barrier(n)
    outcomes: list[object] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = worker(i)
        except Exception as exc:  # the test inspects what each thread got
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return outcomes


def test_two_threads_acting_at_the_same_version_one_succeeds(rt, clock, engine):
    case_id = recognize(rt, clock)
    n = cases.get_case(rt, case_id).version
    timers_before = rows(engine, "SELECT * FROM timers WHERE case_id = :c ORDER BY id", c=case_id)
    clock.set_day(date(2024, 9, 2))

    outcomes = _race(lambda i: cases.ACTS["record_complaint"](
        rt, case_id, summary=f"第{i}封投诉信", complaint_id=f"c{i}", expected_version=n,
        on=date(2024, 9, 2), actor=CASEWORKER, reason="入驻企业来信"))

    won = [o for o in outcomes if isinstance(o, cases.ActResult)]
    lost = [o for o in outcomes if isinstance(o, StaleVersion)]
    assert (len(won), len(lost)) == (1, 1), outcomes
    assert event_count(engine, case_id) == n + 1
    assert rows(engine, "SELECT version FROM cases WHERE id = :c", c=case_id) == [(n + 1,)]
    assert rows(engine, "SELECT complaint_id FROM complaints WHERE case_id = :c", c=case_id) == [
        (won[0].case.complaints[0].id,)]
    assert rows(engine, "SELECT * FROM timers WHERE case_id = :c ORDER BY id", c=case_id) == timers_before


def test_two_threads_acting_without_a_version_are_serialised(rt, clock, stored):
    case_id = recognize(rt, clock)
    n = cases.get_case(rt, case_id).version
    clock.set_day(date(2024, 9, 2))

    outcomes = _race(lambda i: cases.ACTS["record_complaint"](
        rt, case_id, summary=f"第{i}封投诉信", complaint_id=f"c{i}", on=date(2024, 9, 2),
        actor=CASEWORKER, reason="入驻企业来信"))

    assert all(isinstance(o, cases.ActResult) for o in outcomes), outcomes
    assert sorted(o.events[0].seq for o in outcomes) == [n + 1, n + 2]
    assert [e[1] for e in stored.events(case_id)] == list(range(1, n + 3))
    assert_chain(stored, case_id)


# --- a failed act writes nothing -----------------------------------------------------------

def _illegal(rt, case_id, clock):
    with pytest.raises(IllegalTransition):
        cases.ACTS["approve"](rt, case_id, on=date(2024, 9, 2), actor=SUPERVISOR, reason="再次批复")


def _future(rt, case_id, clock):
    with pytest.raises(FutureDate):
        cases.ACTS["record_complaint"](rt, case_id, summary="明日投诉", on=date(2024, 9, 3), actor=CASEWORKER,
                                       reason="来信")


def _fails_after_writing(rt, case_id, clock, monkeypatch):
    def broken(self, *args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(case_repository(rt), "_sync_projections", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        cases.ACTS["record_assessment"](rt, case_id, outcome="fail", on=date(2024, 9, 2), actor=CASEWORKER,
                                reason="绩效考核不达标")


@pytest.mark.parametrize("failure", ["illegal act", "future date", "error after the first writes"])
def test_a_failed_act_writes_nothing(rt, clock, stored, monkeypatch, failure):
    case_id = recognize(rt, clock)
    clock.set_day(date(2024, 9, 2))
    before = stored.table_state()
    assert before["case_events"] and before["timers"]

    if failure == "illegal act":
        _illegal(rt, case_id, clock)
    elif failure == "future date":
        _future(rt, case_id, clock)
    else:
        _fails_after_writing(rt, case_id, clock, monkeypatch)

    assert stored.table_state() == before


# --- the hash chain ------------------------------------------------------------------------

EVENT_COLUMNS = 'case_id, seq, act, "on", recorded_at, actor, reason, rule, policy_id, policy_version, ' \
                "CAST(payload AS TEXT), canonical, prev_hash, hash, hash_algorithm"


def assert_chain(stored, case_id: str) -> int:
    events = stored.events(case_id)
    assert [e[1] for e in events] == list(range(1, len(events) + 1))
    previous = GENESIS_HASH
    for (cid, seq, act, on, recorded_at, actor, reason, rule, policy_id, policy_version, payload,
         canonical, prev_hash, hash_, algorithm) in events:
        assert prev_hash == previous, f"seq {seq}"
        assert algorithm == "sha256", f"seq {seq}"  # the default: no deployment here chose SM3
        assert hash_ == hashlib.sha256(canonical.encode("utf-8")).hexdigest(), f"seq {seq}"
        body = json.loads(canonical)
        assert set(body) == {"case_id", "seq", "act", "on", "recorded_at", "actor", "reason", "rule",
                             "policy", "payload", "prev_hash"}
        assert (body["case_id"], body["seq"], body["act"], body["actor"], body["reason"], body["rule"]) == (
            cid, seq, act, actor, reason, rule)
        assert date.fromisoformat(body["on"]) == as_date(on)
        assert datetime.fromisoformat(body["recorded_at"]) == as_utc(recorded_at)
        assert body["policy"] == {"id": policy_id, "version": policy_version}
        assert body["payload"] == json.loads(payload)
        assert body["prev_hash"] == prev_hash
        previous = hash_
    return len(events)


def test_events_form_a_hash_chain_over_their_stored_canonical_text(rt, clock, stored):
    story = Story(rt, clock)
    story.recognize(APPLIED, INSPECTED, APPROVED)
    story.act("record_complaint", date(2024, 9, 2), summary="承诺的免费场地未兑现", complaint_id="ts-1")
    story.act("verify_complaint", date(2024, 9, 20), complaint_id="ts-1", valid=True, reason="经核实属实")
    story.act("record_assessment", date(2026, 6, 10), outcome="fail", reason="孵化企业数量不足")
    story.act("record_rectification", date(2026, 8, 20), outcome="pass", reason="整改后复评达标")

    n = assert_chain(stored, story.case_id)
    assert n == len(story.events) == 10
    assert [e.act for e in story.events] == [
        "apply", "inspect", "approve", "instalment_due", "record_complaint", "verify_complaint",
        "flag_overdue_report", "flag_overdue_report", "record_assessment", "record_rectification"]
    first = next((prev_hash, canonical) for _, seq, *_, canonical, prev_hash, _, _ in stored.events(story.case_id)
                 if seq == 1)
    assert first[0] == "0" * 64
    assert "贵阳市大学生创业园" in first[1]   # Chinese kept as characters, not \u escapes


def test_case_and_seq_are_unique(rt, clock, engine):
    case_id = recognize(rt, clock)
    copy = ('INSERT INTO case_events (case_id, seq, act, "on", recorded_at, actor, reason, rule, policy_id, '
            "policy_version, payload, canonical, prev_hash, hash) "
            'SELECT case_id, :seq, act, "on", recorded_at, actor, reason, rule, policy_id, policy_version, '
            "payload, canonical, prev_hash, hash FROM case_events WHERE case_id = :c AND seq = 1")
    with engine.connect() as conn, conn.begin() as tx:   # the statement itself is sound
        assert conn.execute(sa.text(copy), {"seq": 99, "c": case_id}).rowcount == 1
        tx.rollback()
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.text(copy), {"seq": 1, "c": case_id})
    assert event_count(engine, case_id) == 3


# --- timers, rescheduled after every act ---------------------------------------------------

def test_timers_follow_the_case_through_approval_failure_and_rectification(rt, clock, stored):
    story = Story(rt, clock)
    story.recognize(APPLIED, INSPECTED, APPROVED)
    case_id = story.case_id
    assert stored.unfired(case_id) == OWED_AFTER_APPROVAL
    assert stored.fired(case_id) == {}

    story.act("submit_annual_report", date(2025, 3, 20), year=2024)
    # the sweep before the report fired the instalment on its day; the report drops its timer
    instalment_fired = stored.fired(case_id)
    assert set(instalment_fired) == {("instalment", "1")}
    assert ("annual_report", "2024") not in stored.unfired(case_id)

    story.act("record_assessment", date(2026, 6, 10), outcome="fail", reason="孵化企业数量不足")
    assert story.case.state == "rectifying"
    owed = stored.unfired(case_id)
    assert not [k for k in owed if k[0] == "assessment"]
    assert owed[("rectification", "1.1")] == date(2026, 9, 10)   # 3 months after the failed assessment
    assert owed[("reevaluation", "1")] == date(2029, 6, 14)
    fired_now = stored.fired(case_id)
    assert set(fired_now) == {("instalment", "1"), ("annual_report", "2025")}   # overdue on 2026-04-01
    assert fired_now[("instalment", "1")] == instalment_fired[("instalment", "1")]

    story.act("record_rectification", date(2026, 8, 20), outcome="pass", reason="整改后复评达标")
    assert story.case.state == "assessed"
    owed = stored.unfired(case_id)
    assert ("rectification", "1.1") not in owed
    assert {k: v for k, v in owed.items() if k[0] == "assessment"} == {("assessment", "1.2"): date(2028, 6, 14)}
    assert stored.fired(case_id) == fired_now   # fired rows keep their fired_at, never deleted
    assert all(at is not None for at in fired_now.values())


def test_the_pending_timer_queries_read_only_unfired_rows(rt, clock, engine):
    story = Story(rt, clock)
    story.recognize(APPLIED, INSPECTED, APPROVED)
    story.until(date(2025, 4, 1))   # fires the instalment and the overdue 2024 report
    case_id = story.case_id
    assert set(fired(engine, case_id)) == {("instalment", "1"), ("annual_report", "2024")}

    pending = {t.ident: t.due_on for t in pending_timers(rt, case_id)}
    assert pending == unfired(engine, case_id)
    assert ("instalment", "1") not in pending and ("annual_report", "2024") not in pending
    with rt.uow() as uow:
        due = uow.timers.due(date(2099, 1, 1), 100)
    assert {(t.kind, t.key) for t in due} == set(pending)

    # a row marked fired by anyone drops out of every pending view at once
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE timers SET fired_at = :now WHERE case_id = :c AND kind = 'annual_report' "
                             "AND key = '2025'"), {"now": clock(), "c": case_id})
    assert ("annual_report", "2025") not in {t.ident for t in pending_timers(rt, case_id)}
    with rt.uow() as uow:
        assert ("annual_report", "2025") not in {(t.kind, t.key) for t in uow.timers.due(date(2099, 1, 1), 100)}
    # the case list reads its projection (issue 16), which only the case's acts and the sweep's
    # claims write: a row changed behind their back is not followed there, and verify names it
    (summary,) = list_cases(rt)
    assert (summary.next_timer, summary.next_due) == ("annual_report:2025", date(2026, 3, 31))


# --- the sweep fires each timer once -------------------------------------------------------

AS_OF = date(2025, 4, 1)


def three_recognised(rt, clock) -> list[str]:
    ids = [recognize(rt, clock, seed=i + 1, base=base) for i, base in enumerate(BASES)]
    clock.set_day(AS_OF)
    return ids


def expected_firings(case_ids) -> set[tuple]:
    """Each case owes two system acts by 2025-04-01: the instalment, and the 2024 report overdue."""
    return {x for c in case_ids for x in (
        (c, "instalment_due", APPROVED, ("instalment", "1")),
        (c, "flag_overdue_report", AS_OF, ("annual_report", "2024")),
    )}


def test_sweeping_twice_fires_each_timer_once(rt, clock, stored):
    ids = three_recognised(rt, clock)
    first = sweep(rt, AS_OF)
    assert not first.failed
    assert len(first.fired) == 6
    assert set(stored.system_events()) == expected_firings(ids)
    after_first = stored.table_state()

    second = sweep(rt, AS_OF)
    assert (second.fired, second.failed) == ([], [])
    assert stored.table_state() == after_first
    assert all(len(stored.fired(c)) == 2 for c in ids)


def test_issue16_a_claim_resumed_past_a_cases_first_timer_leaves_its_later_ones(rt, clock, stored):
    """R17: an act is dated no earlier than the case's last, so a case's timers fire in their order. A
    sweep's claim resumes past its last one; a timer it passed while its case was held (a killed sweep's
    session not yet ended) must come first, not that case's later timer, else the instalment of
    2024-06-14 would be recorded on 2025-04-01, after the overdue report."""
    three_recognised(rt, clock)
    with rt.uow() as uow:
        due = uow.timers.due(AS_OF, 10)
        last_instalment = max((t.fires_on, t.id) for t in due if t.kind == "instalment")
        assert uow.timers.claim_next(AS_OF, clock(), after=last_instalment) is None  # each case's report waits
        first = uow.timers.claim_next(AS_OF, clock())
        assert (first.kind, first.id) == ("instalment", due[0].id)  # the oldest due timer
        uow.rollback()
    report = sweep(rt, AS_OF)
    assert len(report.fired) == 6 and set(stored.system_events()) == expected_firings(
        sorted({t.case_id for t in due}))


def test_two_concurrent_sweeps_fire_each_timer_once(rt, clock, stored):
    ids = three_recognised(rt, clock)
    due_ids = stored.due_timer_ids(AS_OF)
    assert len(due_ids) == 6

    reports = _race(lambda i: sweep(rt, AS_OF))

    assert all(not isinstance(r, Exception) for r in reports), reports
    assert [r.failed for r in reports] == [[], []]
    fired_by = [{t.id for t, _ in r.fired} for r in reports]
    assert fired_by[0].isdisjoint(fired_by[1])
    assert fired_by[0] | fired_by[1] == due_ids
    events = stored.system_events()
    assert len(events) == 6 and set(events) == expected_firings(ids)
    for c in ids:
        assert_chain(stored, c)


def test_a_sweep_that_fails_on_one_case_fires_the_others_and_a_later_sweep_fires_it_once(
        rt, clock, stored, monkeypatch):
    ids = three_recognised(rt, clock)
    victim = ids[1]
    real_fire = statemachines.automatic.fire

    def fire(case, *args, **kwargs):
        if case.id == victim:
            raise RuntimeError("the process died here")
        return real_fire(case, *args, **kwargs)

    monkeypatch.setattr(statemachines.automatic, "fire", fire)
    report = sweep(rt, AS_OF)

    assert {(t.case_id, t.kind, t.key) for t, _ in report.failed} == {
        (victim, "instalment", "1"), (victim, "annual_report", "2024")}
    assert all("RuntimeError: the process died here" in why for _, why in report.failed)
    others = [c for c in ids if c != victim]
    assert set(stored.system_events()) == expected_firings(others)
    assert stored.fired(victim) == {}   # the claims were rolled back with the act
    assert stored.event_count(victim) == 3

    monkeypatch.undo()
    later = sweep(rt, AS_OF)
    assert not later.failed
    assert {(t.case_id, t.kind, t.key) for t, _ in later.fired} == {
        (victim, "instalment", "1"), (victim, "annual_report", "2024")}
    events = stored.system_events()
    assert len(events) == 6 and set(events) == expected_firings(ids)
    assert sweep(rt, AS_OF).fired == []


def test_a_sweep_that_dies_mid_write_leaves_no_half_written_case(rt, clock, stored, monkeypatch):
    ids = three_recognised(rt, clock)
    victim = ids[0]
    repository = case_repository(rt)
    real_sync = repository._sync_projections

    def sync(self, *args):
        if args[-1].id == victim:  # the case
            raise RuntimeError("connection lost")
        return real_sync(self, *args)

    monkeypatch.setattr(repository, "_sync_projections", sync)
    report = sweep(rt, AS_OF)
    assert {t.case_id for t, _ in report.failed} == {victim}
    assert stored.event_count(victim) == 3
    assert stored.version(victim) == [(3,)]
    assert stored.fired(victim) == {}

    monkeypatch.undo()
    sweep(rt, AS_OF)
    assert set(stored.system_events()) == expected_firings(ids)
    assert len(stored.system_events()) == 6
    assert_chain(stored, victim)


# --- the schema ----------------------------------------------------------------------------

def test_the_pending_timer_index_is_partial(engine):
    if engine.dialect.name == "sqlite":
        found = rows(engine, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'ix_timers_pending'")
    else:
        found = rows(engine, "SELECT indexdef FROM pg_indexes WHERE tablename = 'timers' "
                             "AND indexname = 'ix_timers_pending'")
    assert len(found) == 1
    definition = " ".join(found[0][0].replace("(", " ").replace(")", " ").split()).lower()
    assert "where fired_at is null" in definition
    assert "fires_on, id" in definition


def test_the_schema_is_alembic_head_and_matches_the_tables(engine):
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    assert rows(engine, "SELECT version_num FROM alembic_version") == [(head,)]
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    if engine.dialect.name != "postgresql":  # issue 16: the trigram index is PostgreSQL's alone
        differences = [d for d in differences if not (d[0] == "add_index" and d[1].name in POSTGRESQL_ONLY_INDEXES)]
    assert differences == []


def test_issue15_the_party_of_a_case_is_its_operators_name_and_contact_and_its_bases_address(rt, clock):
    """The case page names the operator, its contact and the base's address (issue 15): every storage
    answers them as the application gave them, and None for a base it does not hold."""
    s = Story(rt, clock)
    s.apply(APPLIED, base=BASES[0], operator_name="贵阳高新创业服务有限公司", contact_email="ban@example.cn")
    with rt.reads() as uow:
        party = uow.cases.party_of(s.case.base_id)
        assert uow.cases.party_of("no-such-base") is None
    assert (party.operator_name, party.base_address, party.contact_email) == (
        "贵阳高新创业服务有限公司", "贵州省贵阳市观山湖区长岭北路8号", "ban@example.cn")
