"""Issue 16: the work queue answered from the work_items projection (services.work_items, db/work_items.py).

- the SQL queue equals the queue computed the old way (every case read, tests/reference_work_queue.py)
  over a few hundred cases in every state that gives work, for several users, roles, kinds, searches
  and days;
- keyset pages neither skip nor repeat an item when items are added between two pages;
- `audit verify` names a tampered, deleted or invented work_items row (R17: the projection is held to
  the replay), and the rows rebuilt from the cases (what migration 0018 back-fills) answer the same.
SQLite, PostgreSQL and (where marked) the in-memory storage.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from services import audit, cases
from services.sweep import sweep
from services.values import Grant, User
from services.work_queue import HORIZON, KINDS, queue_page, work_queue
from tests.integration.test_audit import add_people
from tests.integration.test_subsidy import CLAWBACK, CODE, WAN
from tests.policy_variants import variant, with_policies
from tests.reference_work_queue import reference_queue
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, credit_code

D = date
SINCE = datetime(2020, 1, 1, tzinfo=UTC)


def _user(name: str, *grants: tuple[str, str]) -> User:
    return User(f"u-{name}", name, name, tuple(Grant(role, code, SINCE) for role, code in grants))


USERS = (
    _user("caseworker.q", ("caseworker", "520000")),
    _user(SUPERVISOR, ("supervisor", "520000")),  # inspected some: their approval is not theirs (R5)
    _user(INSPECTOR, ("caseworker", "520100"), ("supervisor", "520100")),  # inspected most
    _user("mixed.m", ("caseworker", "520200"), ("supervisor", "520300"), ("auditor", "520000")),
    _user("auditor.a", ("auditor", "520000")),
    _user("caseworker.js", ("caseworker", CODE)),
    _user("national.n", ("supervisor", "000000")),
)
DIVISIONS = ("520100", "520200", "520300")


class Department:
    """A few hundred cases told together in date order (one sweep a day, not one an act)."""

    def __init__(self, rt, clock) -> None:
        self.rt, self.clock, self.ids = rt, clock, []

    def day(self, on: date) -> None:
        self.clock.set_day(on)
        report = sweep(self.rt, on)
        assert not report.failed, report.failed

    def act(self, name: str, case_id: str, on: date, actor: str = CASEWORKER, **fields) -> None:
        cases.ACTS[name](self.rt, case_id, on=on, actor=actor, reason="依规办理", **fields)

    def apply(self, seed: int, on: date, division: str, jurisdiction: str | None = None) -> str:
        result = cases.open_case(
            self.rt, operator_name=f"运营公司{seed % 7}", credit_code=credit_code(seed, division),
            base_name=f"{'贵阳遵义安顺'[seed % 3 * 2:seed % 3 * 2 + 2]}创业园{seed:03d}",
            base_address="贵州省贵阳市观山湖区长岭北路8号", level="provincial",
            jurisdiction=jurisdiction or division, on=on, actor=CASEWORKER, reason="受理申报材料")
        self.ids.append(result.case.id)
        return result.case.id


def department(rt):
    """The runtime with Jiangsu's test policy: a subsidy, and money owed back after fraud (R20)."""
    return with_policies(rt, variant(CODE, subsidy=CLAWBACK))


def build(rt, clock, n: int = 90) -> Department:
    """n Guizhou cases per round year (applied, inspected by one of two people, recognised, with
    complaints, suspensions, reports filed or not) and a few Jiangsu ones that are paid a subsidy
    and revoked for fraud (money owed back, R20)."""
    d = Department(rt, clock)
    d.day(D(2024, 4, 8))
    guizhou = [d.apply(i, D(2024, 4, 8), DIVISIONS[i % 3]) for i in range(n)]
    jiangsu = [d.apply(500 + i, D(2024, 4, 8), "320100", CODE) for i in range(6)]
    d.day(D(2024, 5, 16))
    for i, case_id in enumerate([*guizhou, *jiangsu]):
        if i % 5 != 0:  # every fifth stays applied (an inspection waits)
            d.act("inspect", case_id, D(2024, 5, 16), actor=SUPERVISOR if i % 4 == 1 else INSPECTOR, outcome="pass")
    d.day(D(2024, 6, 14))
    recognised = [c for i, c in enumerate([*guizhou, *jiangsu]) if i % 5 not in (0, 3)]
    for case_id in recognised:  # the fourth of each five stays inspected (an approval waits)
        d.act("approve", case_id, D(2024, 6, 14), actor="supervisor.w")
    d.day(D(2024, 7, 1))
    for case_id in [c for c in jiangsu if c in recognised]:
        d.act("record_payment", case_id, D(2024, 7, 1), number=1, amount_fen=20 * WAN)
    d.day(D(2024, 9, 2))
    for i, case_id in enumerate(recognised):
        if case_id in jiangsu:
            d.act("revoke", case_id, D(2024, 9, 2), actor=SUPERVISOR, ground="fraud")
        elif i % 9 == 2:
            d.act("suspend", case_id, D(2024, 9, 2), actor=SUPERVISOR if i % 2 else "supervisor.w", ground="fraud")
        elif i % 7 == 3:
            d.act("record_complaint", case_id, D(2024, 9, 2), summary="入驻企业反映服务承诺未兑现",
                  complaint_id=f"c-{i}")
    d.day(D(2025, 3, 10))
    for i, case_id in enumerate(recognised):
        if i % 3 == 0 and case_id not in jiangsu and cases.get_case(rt, case_id).state == "recognized":
            d.act("submit_annual_report", case_id, D(2025, 3, 10), year=2024)
    d.day(D(2025, 4, 2))  # the other reports of 2024 are flagged overdue (R7)
    return d


def _compare(rt, today: date) -> int:
    """Every user, every kind and two searches: the projection's queue equals the reference's."""
    seen = 0
    for user in USERS:
        for kind in (None, *KINDS):
            for q in ("", "遵义", "运营公司3", credit_code(7, DIVISIONS[1])[4:10]):
                if kind is not None and q:
                    continue
                want = reference_queue(rt, user, today, kind=kind, q=q)
                got = work_queue(rt, user, today, kind=kind, q=q)
                assert got[0] == want[0], (user.username, kind, q, today)
                assert got[1] == want[1], (user.username, kind, q, today)
                seen += len(got[0])
    return seen


@pytest.mark.memory
def test_issue16_the_queue_from_the_projection_equals_the_queue_from_every_case(rt, clock):
    rt = department(rt)
    build(rt, clock, n=45)  # every branch of build's pattern, each case kind in each of three divisions
    # the day the reports were flagged, a day the revoked cases' deadline to repay is near and passed,
    # and a day the first assessments come within the horizon
    shown = sum(_compare(rt, day) for day in (D(2025, 4, 2), D(2025, 4, 20), D(2026, 5, 20)))
    assert shown > 500  # the comparison saw real queues, not empty ones
    kinds = {i.kind for u in USERS for i in work_queue(rt, u, D(2025, 4, 2))[0]}
    assert {"inspection", "approval", "annual_report", "complaint", "suspension", "clawback"} <= kinds
    groups = {i.group for i in work_queue(rt, USERS[1], D(2025, 4, 2))[0]}
    assert {"overdue", "no_deadline", "awaiting"} <= groups


def _all_pages(rt, user, today, size, between=None) -> list:
    out, after = [], None
    while True:
        page = queue_page(rt, user, today, after=after, size=size)
        out += page.items
        if not page.more:
            return out
        after = page.items[-1].order
        if between is not None:
            between()


@pytest.mark.memory
def test_issue16_keyset_pages_neither_skip_nor_repeat_as_work_is_added_between_them(rt, clock):
    rt = department(rt)
    d = build(rt, clock, n=30)
    user = USERS[1]
    whole = work_queue(rt, user, D(2025, 4, 2))[0]
    assert _all_pages(rt, user, D(2025, 4, 2), 7) == whole  # pages of 7 make the whole queue, in order
    assert {i.group for i in whole} >= {"overdue", "no_deadline", "awaiting"}
    seeds = iter(range(900, 999))

    def new_application() -> None:  # an inspection waits for each, anywhere in the order
        d.apply(next(seeds), D(2025, 4, 2), DIVISIONS[0])

    paged = _all_pages(rt, user, D(2025, 4, 2), 7, between=new_application)
    keys = [i.order for i in paged]
    assert len(keys) == len(set(keys)) and keys == sorted(keys)  # no repeat, in order
    assert set(whole) <= set(paged)  # nothing that was there when paging began is skipped
    page = queue_page(rt, user, D(2025, 4, 2), size=7)
    assert page.total == sum(page.group_totals.values()) == len(work_queue(rt, user, D(2025, 4, 2))[0])


def test_issue16_a_scope_walked_in_order_or_found_and_sorted_gives_the_same_pages(rt, engine, clock, monkeypatch):
    """db/work_items.WALK_FROM: a scope within a province with that many rows today is walked in the
    queue's order, a smaller one found by its codes and sorted (PostgreSQL). Both plans, forced each
    way, give every user's whole queue, page by page, as the reference gives it."""
    from db import work_items as work

    rt = department(rt)
    build(rt, clock, n=30)
    today = D(2025, 4, 2)
    plans = []
    for walk_from in (1, 10**9):  # every scope walked; none
        monkeypatch.setattr(work, "WALK_FROM", walk_from)
        plans.append([_all_pages(rt, user, today, 7) for user in USERS])
        for user, paged in zip(USERS, plans[-1], strict=True):
            assert paged == reference_queue(rt, user, today)[0], (walk_from, user.username)
    assert plans[0] == plans[1] and sum(map(len, plans[0])) > 100


# --- audit verify holds the rows to the replay (R17) ---------------------------------------------

def _violations(rt, case_id: str) -> list[str]:
    return sorted(v.message for v in audit.verify_case(rt, case_id).violations if v.check == "projection")


def test_issue16_a_tampered_work_item_is_named_by_verify(rt, engine, clock):
    rt = department(rt)
    add_people(rt)
    d = build(rt, clock, n=10)
    w = sa.table("work_items", sa.column("case_id"), sa.column("kind"), sa.column("detail"), sa.column("state"),
                 sa.column("due_key", sa.Date), sa.column("base_name"))
    with engine.connect() as conn:
        rows = conn.execute(sa.select(w.c.case_id, w.c.kind, w.c.detail).order_by(w.c.case_id)).all()
    (case_id, kind, detail), (other, other_kind, other_detail) = rows[0], rows[-1]
    assert case_id != other and not _violations(rt, case_id) and not _violations(rt, other)
    with engine.begin() as conn:  # hidden from the queue: moved far off, and its state changed
        conn.execute(w.update().where(w.c.case_id == case_id, w.c.kind == kind, w.c.detail == detail)
                     .values(due_key=D(2099, 1, 1), state="closed"))
        conn.execute(w.delete().where(w.c.case_id == other, w.c.kind == other_kind, w.c.detail == other_detail))
    found = _violations(rt, case_id)
    assert len(found) == 2 and all(m.startswith(f"work_items {kind}:{detail}.") for m in found), found
    assert any("due_key: stored datetime.date(2099, 1, 1)" in m for m in found)
    assert _violations(rt, other) == [f"work_items {other_kind}:{other_detail}: no row, the replay has one"]
    key = dict(zip(("kind", "detail"), _one_key(engine, d.ids[1]), strict=True))
    with engine.begin() as conn:  # an invented item
        conn.execute(sa.text("INSERT INTO work_items SELECT case_id, kind, 'x-1', rank, due_on, due_key, \"window\", "
                             "jurisdiction, level, state, base_name, operator_name, operator_code FROM work_items "
                             "WHERE case_id = :id AND kind = :kind AND detail = :detail"),
                     {"id": d.ids[1], **key})
    assert any(m.endswith(": a row the replay does not have") and ":x-1" in m for m in _violations(rt, d.ids[1]))


def _one_key(engine, case_id: str) -> tuple[str, str]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text("SELECT kind, detail FROM work_items WHERE case_id = :id"),
                                  {"id": case_id}).first())


def test_issue16_the_rows_rebuilt_from_the_cases_answer_the_same(rt, engine, clock):
    """What migration 0018 back-fills with (db.work_items.rebuild) gives the rows the acts wrote."""
    from db.work_items import rebuild

    rt = department(rt)
    build(rt, clock, n=15)
    before = {u.username: work_queue(rt, u, D(2025, 4, 2)) for u in USERS}
    with engine.begin() as conn:
        stored = sorted(tuple(r) for r in conn.execute(sa.text("SELECT * FROM work_items")))
        conn.execute(sa.text("DELETE FROM work_items"))
        assert rebuild(conn) > 0
        assert sorted(tuple(r) for r in conn.execute(sa.text("SELECT * FROM work_items"))) == stored
    assert {u.username: work_queue(rt, u, D(2025, 4, 2)) for u in USERS} == before


# --- the counts stop past a cap (issue 16: the country's counts are bounded walks) ----------------

def _cells(rt, user, today: date, q: str = "", cap: int = 10**9) -> dict:
    from services.work_items import WorkFilter
    from services.work_queue import _scopes

    mine, others = _scopes(user)
    with rt.reads() as uow:
        found, partial = uow.cases.work_counts(mine, others, WorkFilter(today, today + HORIZON, q), cap, 10**9)
    assert not partial
    return {(k, ours, g): (n, more) for k, ours, g, n, more in found}


def _honest(page, want: dict[str, int]) -> None:
    """Each figure is the truth, or a floor marked "more than" below it, or (a search counted over part
    of the scope) "at least" it: never a wrong number."""
    for k in KINDS:
        if k in page.counts_more:
            assert page.counts[k] < want[k], (k, page.counts[k], want[k])
        elif page.partial:
            assert page.counts[k] <= want[k], (k, page.counts[k], want[k])
        else:
            assert page.counts[k] == want[k], (k, page.counts[k], want[k])


@pytest.mark.memory
def test_issue16_the_counts_equal_the_reference_up_to_the_cap_and_say_more_than_past_it(rt, clock):
    rt = department(rt)
    build(rt, clock)
    today = D(2025, 4, 2)
    capped_somewhere = 0
    for user in USERS:
        for q in ("", "遵义"):
            want = reference_queue(rt, user, today, q=q)[1]
            cells = _cells(rt, user, today, q)
            assert not any(more for _, more in cells.values())
            whole = queue_page(rt, user, today, q=q, size=5)
            assert whole.counts == want and not whole.counts_more and not whole.total_more
            if not cells:
                continue
            top = max(n for n, _ in cells.values())
            # at the cap every count is exact; one below it the largest cell says "more than"
            at = queue_page(rt, user, today, q=q, size=5, cap=top)
            assert at.counts == want and not at.counts_more and at.total == whole.total
            assert at.group_totals == whole.group_totals
            below = _cells(rt, user, today, q, cap=top - 1)
            assert below == {key: (min(n, top - 1), n > top - 1) for key, (n, _) in cells.items()}
            for cap in sorted(c for c in {top - 1, 2, 1} if 0 < c < top):
                page = queue_page(rt, user, today, q=q, size=5, cap=cap)
                _honest(page, want)
                assert page.counts_more and page.total_more and page.total < whole.total
                for group, n in whole.group_totals.items():
                    assert page.group_totals[group] < n if group in page.groups_more else page.group_totals[group] == n
                capped_somewhere += 1
    assert capped_somewhere >= 2 * 6  # every user with work was counted past a cap


def test_issue16_the_country_counted_cell_by_cell_equals_one_group_by(rt, engine, clock):
    """The two ways db/work_items.py counts (a bounded walk per cell for the country, one GROUP BY for
    a province or less) give the same counts for the same scopes, at and around the cap."""
    from db import work_items as work
    from services.work_items import WorkFilter, WorkScope, capped

    rt = department(rt)
    build(rt, clock, n=30)
    country = [WorkScope("000000", KINDS)]
    province = [WorkScope("520000", KINDS)]
    for today in (D(2025, 4, 2), D(2025, 4, 20)):
        for q in ("", "遵义"):
            where = WorkFilter(today, today + HORIZON, q)
            with engine.connect() as conn:
                for mine, others in ((country, []), (country, province), (province, country), ([], country)):
                    grouped = sorted(work._grouped(conn, mine, others, where))
                    assert grouped, (mine, others, q)
                    for cap in (1, 3, 10**6):
                        assert sorted(capped(work._cells(conn, mine, others, where, cap), cap)) == sorted(
                            capped(grouped, cap))


@pytest.mark.memory
def test_issue16_a_search_counted_over_part_of_a_large_scope_says_at_least_and_is_never_wrong(rt, clock):
    """A search's counts read at most SEARCH_SCAN rows of the scope (a fragment of one or two characters
    has no trigram index): within it they equal the reference; past it each is a floor, marked."""
    rt = department(rt)
    build(rt, clock, n=45)
    today = D(2025, 4, 2)
    for user in (USERS[1], USERS[-1]):
        shown = queue_page(rt, user, today, size=1).total
        for q in ("遵义", "运营公司3", "创业园"):
            want = reference_queue(rt, user, today, q=q)[1]
            whole = queue_page(rt, user, today, q=q, size=1, scan=shown)
            assert not whole.partial and whole.counts == want, (user.username, q)
            for scan in (shown - 1, 10, 1):
                page = queue_page(rt, user, today, q=q, size=1, scan=scan)
                assert page.partial, (user.username, q, scan)
                _honest(page, want)
                assert page.total <= whole.total and not page.total_more
