"""Issue 16: the case list reads projection columns of `cases` and pages by keyset.

Every sort, read page by page forward (`after`) and back (`before`), gives each case once, in the
order the whole list has (then by id in the sort's direction, cases without a next timer last);
cases written between two pages neither make another repeat nor hide it; a search finds a case by
a fragment of a Chinese name, of the credit code, by the start of its id and by its 受理编号; the
count stops at its cap (services.case_listing). SQLite, PostgreSQL and the in-memory storage; the projection's tampers
and its back-fill read the database, so SQLite and PostgreSQL.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date as D

import pytest
import sqlalchemy as sa

from db import tables as t
from db.case_listing import backfill
from services import audit, cases
from services.case_listing import InvalidCursor, decode_cursor, encode_cursor
from services.ports import CaseFilter
from services.queries import every_case, list_cases, page_of_cases
from tests.integration.test_audit import add_people
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, credit_code

CITIES = (("520000", "贵阳"), ("520100", "遵义"), ("520500", "毕节"))
OPERATORS = ("贵阳高新创业服务有限公司", "遵义红色创业服务有限公司", "毕节乌蒙孵化管理有限公司")
SORTS = ("applied_on", "-applied_on", "updated", "-updated", "next_due", "-next_due", "state", "-state")
COUNT = 120
RECOGNISED = len([i for i in range(COUNT)[1::3] if i % 5])


def apply(rt, clock, i: int, on: D) -> str:
    code, city = CITIES[i % 3]
    clock.set_day(on)
    return cases.open_case(
        rt, operator_name=OPERATORS[i % 3], credit_code=credit_code(i % 3 + 1), base_name=f"{city}第{i}号创业园",
        base_address="贵州省", level="provincial", jurisdiction=code, on=on, actor=CASEWORKER,
        reason="受理申报材料").case.id


@pytest.fixture
def department(rt, clock) -> list[str]:
    """COUNT applications on 2024-04-08..19, a fifth of them withdrawn, a third recognised on one of
    ten days (timers pending: a next_due), the others still applied (no timer: no next_due), days
    shared, so every order has ties that only the id breaks."""
    add_people(rt)
    ids = [apply(rt, clock, i, D(2024, 4, 8 + i % 12)) for i in range(COUNT)]
    clock.set_day(D(2024, 4, 25))
    for case_id in ids[::5]:
        cases.ACTS["withdraw"](rt, case_id, on=D(2024, 4, 25), actor=CASEWORKER, reason="申请人撤回")
    clock.set_day(D(2024, 6, 20))
    for i, case_id in list(enumerate(ids))[1::3]:
        if i % 5:
            cases.ACTS["inspect"](rt, case_id, on=D(2024, 5, 10), actor=INSPECTOR, reason="考察", outcome="pass")
            cases.ACTS["approve"](rt, case_id, on=D(2024, 6, 3 + i % 10), actor=SUPERVISOR, reason="批复")
    return ids


def walk(rt, query: CaseFilter) -> list[str]:
    """The ids of every page from the query's own `after` on."""
    seen, after = [], query.after
    while True:
        page = page_of_cases(rt, replace(query, after=after))
        seen += [r.id for r in page.rows]
        assert len(page.rows) <= query.limit
        if page.next_after is None:
            return seen
        after = page.next_after


def expected_order(rows, sort: str) -> list[str]:
    name, descending = sort.lstrip("-"), sort.startswith("-")
    field = {"updated": "last_on"}.get(name, name)
    valued = sorted((r for r in rows if getattr(r, field) is not None), key=lambda r: (getattr(r, field), r.id),
                    reverse=descending)
    empty = sorted((r for r in rows if getattr(r, field) is None), key=lambda r: r.id, reverse=descending)
    return [r.id for r in valued + empty]


@pytest.mark.memory
def test_issue16_every_sort_pages_forward_and_back_without_skipping_or_repeating(rt, department):
    everything = list_cases(rt, CaseFilter(limit=1000))
    assert len(everything) == COUNT
    assert sum(r.next_due is not None for r in everything) == RECOGNISED  # the others have no timer pending
    for sort in SORTS:
        want = expected_order(everything, sort)
        assert [r.id for r in list_cases(rt, CaseFilter(sort=sort, limit=1000))] == want, sort
        forward = walk(rt, CaseFilter(sort=sort, limit=17))
        assert forward == want, sort
        # and back from the last page, by `before` its first row
        pages, query = [], CaseFilter(sort=sort, limit=17)
        page = page_of_cases(rt, query)
        while page.next_after is not None:
            page = page_of_cases(rt, replace(query, after=page.next_after))
        pages.append([r.id for r in page.rows])
        while page.previous_before is not None:
            page = page_of_cases(rt, replace(query, before=page.previous_before))
            pages.append([r.id for r in page.rows])
        assert [i for p in reversed(pages) for i in p] == want, sort
        assert len(pages[-1]) == 17  # the first page, full


@pytest.mark.memory
def test_issue16_cases_written_between_pages_neither_repeat_nor_hide_the_others(rt, clock, department):
    """A case applied meanwhile at the top of the list, and acts on cases already read and not yet
    read: under OFFSET the new case would push page 1's last row onto page 2; by keyset every case
    whose place did not change is read exactly once."""
    query = CaseFilter(sort="-applied_on", limit=25)
    first = page_of_cases(rt, query)
    newcomer = apply(rt, clock, COUNT + 1, D(2024, 4, 26))  # applied after every other: first in this order
    read, unread = first.rows[3].id, list_cases(rt, CaseFilter(sort="-applied_on", limit=1000))[-1].id
    for case_id in (read, unread):
        if cases.get_case(rt, case_id).state == "applied":
            cases.ACTS["withdraw"](rt, case_id, on=D(2024, 6, 20), actor=CASEWORKER, reason="申请人撤回")
    seen = [r.id for r in first.rows] + walk(rt, replace(query, after=first.next_after))
    assert sorted(seen) == sorted(department) and newcomer not in seen
    assert len(seen) == len(set(seen))


@pytest.mark.memory
def test_issue16_filters_with_the_keyset_and_every_case_in_pages(rt, department):
    within = walk(rt, CaseFilter(jurisdiction="520100", sort="-updated", limit=7))
    assert len(within) == COUNT // 3 and all(i in department for i in within)
    zunyi = {r.id for r in list_cases(rt, CaseFilter(limit=1000)) if r.jurisdiction == "520100"}
    assert set(within) == zunyi
    # a scope of a province covers its cities; one of another province none
    assert len(walk(rt, CaseFilter(scopes=("520000",), limit=50))) == COUNT
    assert walk(rt, CaseFilter(scopes=("310000",), limit=50)) == []
    applied = walk(rt, CaseFilter(state="applied", sort="next_due", limit=9))
    assert len(applied) == COUNT - COUNT // 5 - RECOGNISED
    assert [r.id for r in every_case(rt, CaseFilter(state="withdrawn"), page=7)] == sorted(
        department[::5], key=lambda i: (cases.get_case(rt, i).applied_on, i))
    due = list_cases(rt, CaseFilter(timer_due_before=D(2099, 1, 1), limit=1000))
    assert len(due) == RECOGNISED and all(r.next_due is not None for r in due)


@pytest.mark.memory
def test_issue16_search_by_name_fragment_credit_code_id_start_and_reference(rt, department):
    def found(text: str) -> set[str]:
        return {r.id for r in list_cases(rt, CaseFilter(text=text, limit=1000))}

    by_id = {r.id: r for r in list_cases(rt, CaseFilter(limit=1000))}
    assert found("遵义第4号") == {i for i, r in by_id.items() if r.base_name.startswith("遵义第4号")}
    assert found("第7号创业") == {department[7]}
    assert found("乌蒙孵化") == {i for i, r in by_id.items() if r.operator_name == OPERATORS[2]}
    code = credit_code(2)
    assert found(code[8:]) == {i for i, r in by_id.items() if r.operator_code == code}
    assert found(code[8:].lower()) == found(code[8:])  # the column and the words are lower-cased alike
    target = by_id[department[33]]
    assert department[33] in found(target.id[:10])
    assert found(target.reference) == {target.id}
    assert found("没有这个名字") == set()
    assert found("%") == set() and found("_") == set()  # LIKE's wildcards are searched for as typed


@pytest.mark.memory
def test_issue16_an_id_start_is_a_range_of_the_primary_key_or_ed_with_the_search(rt, clock, department):
    def found(text: str) -> set[str]:
        return {r.id for r in list_cases(rt, CaseFilter(text=text, limit=1000))}

    target = department[33]
    assert found(target) == {target} and found(target.upper()) == {target}  # the whole id, as typed
    assert target in found(target[:4]) and all(i.startswith(target[:4]) for i in found(target[:4]))
    assert target not in found(target[12:24])  # an id is read from its start: its middle is in no field
    # an id that begins with what every department's credit code holds ("91520100…"), of a case whose
    # own fields do not hold it (Bijie's credit code, 受理编号 and name): "5201" is both an id start
    # and a fragment of a code, and finds both
    clock.set_day(D(2024, 4, 20))
    own = cases.open_case(rt, operator_name="毕节测试运营有限公司", credit_code=credit_code(9, "520500"),
                          base_name="毕节测试园", base_address="贵州省", level="provincial", jurisdiction="520500",
                          on=D(2024, 4, 20), actor=CASEWORKER, reason="受理", case_id="52010000" + "ab" * 12).case.id
    assert found("5201") == {*department, own}
    assert found("52010000a") == {own}  # an id start no field holds: the id alone
    assert found("520100ma6") == set(department)  # looks like an id start, is a code's: found as one
    assert found("demo-") == set() and found("ab" * 3) == set()


@pytest.mark.memory
def test_issue16_a_whole_credit_code_is_that_operators_cases_not_a_fragment(rt, clock, department):
    """services.case_listing.whole_credit_code: 18 characters whose check character is right are the
    operator's code (its index), in any case as typed; one wrong character makes it a fragment again."""
    def found(text: str) -> set[str]:
        return {r.id for r in list_cases(rt, CaseFilter(text=text, limit=1000))}

    by_id = {r.id: r for r in list_cases(rt, CaseFilter(limit=1000))}
    code = credit_code(2)
    theirs = {i for i, r in by_id.items() if r.operator_code == code}
    assert len(theirs) == COUNT // 3
    assert found(code) == theirs and found(f"  {code.lower()} ") == theirs
    # an operator whose name quotes the code is not that operator: the code is not searched for in names
    clock.set_day(D(2024, 4, 20))
    quoting = cases.open_case(rt, operator_name=f"原{code}承继有限公司", credit_code=credit_code(9, "520500"),
                              base_name="毕节承继园", base_address="贵州省", level="provincial",
                              jurisdiction="520500", on=D(2024, 4, 20), actor=CASEWORKER, reason="受理").case.id
    assert found(code) == theirs
    wrong_check = code[:17] + next(ch for ch in "0123456789" if ch != code[17])
    assert found(wrong_check) == set()  # a fragment of nothing stored
    assert found(code[:17]) == {*theirs, quoting}  # 17 characters: a fragment, found in the name too


@pytest.mark.memory
def test_issue16_the_count_stops_at_the_cap(rt, department, monkeypatch):
    from services import case_listing

    page = page_of_cases(rt, CaseFilter(limit=10))
    assert (page.total, page.total_capped) == (COUNT, False)
    monkeypatch.setattr(case_listing, "COUNT_CAP", 50)
    page = page_of_cases(rt, CaseFilter(limit=10))
    assert (page.total, page.total_capped) == (50, True)
    assert (page_of_cases(rt, CaseFilter(limit=10, jurisdiction="520100")).total_capped,
            page_of_cases(rt, CaseFilter(limit=10, jurisdiction="520100")).total) == (False, COUNT // 3)
    # a search counts to its own, lower cap: its matches are rechecked in the table, not counted on an index
    monkeypatch.setattr(case_listing, "SEARCH_COUNT_CAP", 20)
    searched = page_of_cases(rt, CaseFilter(limit=10, text="创业园"))
    assert (searched.total, searched.total_capped, len(searched.rows)) == (20, True, 10)
    assert page_of_cases(rt, CaseFilter(limit=10, text="第7号创业")).total == 1


def test_issue16_cursors_are_opaque_and_tied_to_their_sort():
    cursor = encode_cursor("-applied_on", D(2024, 4, 8), "abc")
    assert decode_cursor("applied_on", cursor) == (D(2024, 4, 8), "abc")
    assert decode_cursor("next_due", encode_cursor("next_due", None, "x")) == (None, "x")
    for sort, bad in (("state", cursor), ("applied_on", "not-a-cursor"), ("applied_on", ""),
                      ("applied_on", encode_cursor("applied_on", None, "x"))):
        with pytest.raises(InvalidCursor):
            decode_cursor(sort, bad)


# --- the projection: verified, and back-filled -------------------------------------------------

def listing(engine, case_id: str) -> dict:
    c = t.cases.c
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(c.base_name, c.operator_name, c.next_due, c.next_timer, c.search_text)
                                 .where(c.id == case_id)).mappings().one())


def test_issue16_each_listing_column_tampered_is_named_by_verify(rt, engine, department):
    case_id = department[1]
    assert audit.verify_case(rt, case_id).ok
    with engine.begin() as conn:
        conn.execute(t.cases.update().where(t.cases.c.id == case_id).values(
            base_name="别的基地", operator_name="别的公司", next_due=D(2099, 1, 1), next_timer="inspection:9",
            search_text="x"))
    messages = sorted(v.message.split(":")[0] for v in audit.verify_case(rt, case_id).violations)
    assert messages == ["cases.base_name", "cases.next_due", "cases.next_timer", "cases.operator_name",
                        "cases.search_text"]


def test_issue16_the_back_fill_gives_the_columns_the_acts_wrote(rt, engine, department):
    """Migration 0019's back-fill (db.case_listing.backfill) over a database whose columns are blank, as
    an old database's are when the columns are added: the same columns, the same pages, verify ok."""
    before = {i: listing(engine, i) for i in department}
    pages = walk(rt, CaseFilter(sort="next_due", limit=13))
    with engine.begin() as conn:
        conn.execute(t.cases.update().values(base_name="", operator_name="", next_due=None, next_timer=None,
                                              search_text=""))
        assert backfill(conn, batch=7) == COUNT
    assert {i: listing(engine, i) for i in department} == before
    assert walk(rt, CaseFilter(sort="next_due", limit=13)) == pages
    assert all(r.ok for r in audit.verify_all(rt))


def test_issue16_the_sweep_keeps_the_next_timer_it_fires(rt, engine, clock, department):
    """The sweep claims a timer and acts in one transaction: the case's next timer moves on with it."""
    from services.sweep import sweep

    case_id = department[1]  # recognised: its one subsidy instalment due on the day of recognition
    first = listing(engine, case_id)
    assert first["next_due"] is not None
    clock.set_day(first["next_due"])
    sweep(rt, first["next_due"])
    now = listing(engine, case_id)
    assert (now["next_due"], now["next_timer"]) != (first["next_due"], first["next_timer"])
    assert audit.verify_case(rt, case_id).ok
    (summary,) = list_cases(rt, CaseFilter(ids=(case_id,)))
    assert (summary.next_due, summary.next_timer) == (now["next_due"], now["next_timer"])


def test_issue16_a_timer_claimed_without_an_act_leaves_the_list_at_the_commit(rt, engine, clock, department):
    """A claim whose act finds nothing to record (automatic.fire gives no event) still fires the timer:
    the unit of work sets the case's next timer before it commits; a rollback leaves both as they were."""
    case_id = department[1]
    first = listing(engine, case_id)
    with rt.uow() as uow:
        due = uow.timers.claim_next(first["next_due"], clock())
        assert due is not None and (due.case_id, f"{due.kind}:{due.key}") == (case_id, first["next_timer"])
        uow.rollback()
    assert listing(engine, case_id) == first
    with rt.uow() as uow:
        uow.timers.claim_next(first["next_due"], clock())
        uow.commit()
    now = listing(engine, case_id)
    assert now["next_timer"] != first["next_timer"] and now["next_due"] >= first["next_due"]
