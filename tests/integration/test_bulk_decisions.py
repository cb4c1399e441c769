"""Issue 15, bulk acts of a round: a supervisor decides several inspected cases of one round under one
批复文号, each case in its own transaction with its own event and four-eyes check (R5), one refused
leaving the others decided, a retry reported as done. Runs on SQLite, PostgreSQL and the in-memory storage."""
from __future__ import annotations

from datetime import date as D

import pytest

from services import bulk_decisions, cases, users
from services.bulk_decisions import ALREADY, DECIDED, REFUSED, Pick
from services.idempotency import IdempotentRequest
from services.users import Forbidden
from statemachines.errors import FourEyesViolation, FutureDate, InvalidAct, QuotaReached, StaleVersion
from tests.policy_variants import variant, with_policies
from tests.story import CASEWORKER, INSPECTOR, Story

pytestmark = pytest.mark.memory

NUMBER = "湘人社复〔2025〕15号"
WINDOW = {"opens": "04-01", "closes": "04-30", "clause": "测试：申报窗口与名额", "default": True}


@pytest.fixture
def office(rt):
    """A province whose round runs in April, its supervisor, and a second one who inspected."""
    rt = with_policies(rt, variant("430000", application_window=WINDOW))
    clerk = users.add_user(rt, CASEWORKER, "王芳", [("caseworker", "430000")])
    users.add_user(rt, INSPECTOR, "赵磊", [("caseworker", "430000")])
    boss = users.add_user(rt, "supervisor.hn", "刘洋", [("supervisor", "430000")])
    other = users.add_user(rt, "supervisor.xu", "徐静", [("supervisor", "430000")])
    return rt, boss, other, clerk


def inspected(rt, clock, seed: int, *, inspectors: tuple[str, ...] = ()) -> Story:
    story = Story(rt, clock)
    story.apply(D(2025, 4, 7 + seed), seed=seed, base=f"长沙创业园{seed}号", jurisdiction="430000")
    story.act("inspect", D(2025, 5, 6), actor=INSPECTOR, outcome="pass", inspectors=[INSPECTOR, *inspectors])
    return story


def decide(rt, user, picks, decision="approve", **extra):
    return bulk_decisions.decide(rt, user, **{"policy_id": "test-430000", "year": 2025, "decision": decision,
                                              "picks": picks, "decision_number": NUMBER, "on": D(2025, 5, 20),
                                              "reason": "经集体研究，予以认定", **extra})


def test_issue15_each_case_of_the_round_gets_its_own_approval_event_with_the_decision_number(rt, clock, office):
    rt, boss, *_ = office
    stories = [inspected(rt, clock, n) for n in (1, 2, 3)]
    clock.set_day(D(2025, 5, 20))
    waiting = bulk_decisions.inspected_in_round(rt, boss, "test-430000", 2025)
    assert [w.case.id for w in waiting] == [s.case_id for s in stories]
    assert all(w.may_decide and w.inspected_on == D(2025, 5, 6) for w in waiting)

    result = decide(rt, boss, [Pick(s.case_id, s.case.version) for s in stories])

    assert [o.result for o in result.outcomes] == [DECIDED] * 3
    for story in stories:
        last = story.events[-1]
        assert (last.act, last.actor, last.payload["decision_number"]) == ("approve", "supervisor.hn", NUMBER)
        assert story.case.state == "recognized"
    assert bulk_decisions.inspected_in_round(rt, boss, "test-430000", 2025) == []


def test_issue15_one_case_refused_leaves_the_others_decided(rt, clock, office):
    """Four eyes between people (R5) per case, a stale version, an illegal state: each its own outcome."""
    rt, boss, *_ = office
    took_part = inspected(rt, clock, 1, inspectors=("supervisor.hn",))
    fine = inspected(rt, clock, 2)
    stale = inspected(rt, clock, 3)
    withdrawn = inspected(rt, clock, 4)
    stale_version = stale.case.version
    withdrawn.act("withdraw", D(2025, 5, 12))
    clock.set_day(D(2025, 5, 20))
    assert not bulk_decisions.inspected_in_round(rt, boss, "test-430000", 2025)[0].may_decide
    before = took_part.case

    result = decide(rt, boss, [Pick(took_part.case_id), Pick(fine.case_id), Pick(stale.case_id, stale_version - 1),
                               Pick(withdrawn.case_id)])

    outcome = {o.case_id: o for o in result.outcomes}
    assert isinstance(outcome[took_part.case_id].refusal, FourEyesViolation)
    assert outcome[fine.case_id].result == DECIDED and fine.case.state == "recognized"
    assert isinstance(outcome[stale.case_id].refusal, StaleVersion)
    assert outcome[withdrawn.case_id].result == REFUSED
    assert took_part.case == before and stale.case.state == "inspected"
    assert result.counts() == {DECIDED: 1, REFUSED: 3}


def test_issue15_the_rounds_quota_refuses_the_cases_past_it_and_keeps_the_ones_within(rt, clock, office):
    rt, boss, *_ = office
    rt = with_policies(rt, variant("430000", application_window={**WINDOW, "quota": 2}))
    stories = [inspected(rt, clock, n) for n in (1, 2, 3)]
    clock.set_day(D(2025, 5, 20))
    result = decide(rt, boss, [Pick(s.case_id) for s in stories])
    assert [o.result for o in result.outcomes] == [DECIDED, DECIDED, REFUSED]
    assert isinstance(result.outcomes[2].refusal, QuotaReached)


def test_issue15_a_retry_reports_the_cases_decided_under_the_number_as_done_and_writes_nothing(rt, clock, office):
    rt, boss, *_ = office
    stories = [inspected(rt, clock, n) for n in (1, 2)]
    clock.set_day(D(2025, 5, 20))
    picks = [Pick(s.case_id, s.case.version) for s in stories]
    decide(rt, boss, picks[:1])
    events = len(stories[0].events)

    again = decide(rt, boss, picks)  # the first case's answer was lost: the whole form sent again

    assert [o.result for o in again.outcomes] == [ALREADY, DECIDED]
    assert len(stories[0].events) == events
    # another document is another decision: the case approved already is refused, not done
    other = decide(rt, boss, picks[:1], decision_number="湘人社复〔2025〕16号")
    assert other.outcomes[0].result == REFUSED


def test_issue15_an_idempotency_key_returns_the_first_answer(rt, clock, office):
    rt, boss, *_ = office
    story = inspected(rt, clock, 1)
    clock.set_day(D(2025, 5, 20))
    once = IdempotentRequest(boss.id, "k-1", "fp", lambda r: (200, {"decided": r.counts()[DECIDED]}))
    first = decide(rt, boss, [Pick(story.case_id)], once=once)
    second = decide(rt, boss, [Pick(story.case_id)], once=once)
    assert (first.replayed, second.replayed) == (False, True)
    assert second.answer.body == first.answer.body == {"decided": 1}


def test_issue15_a_refusal_of_the_round_under_one_number(rt, clock, office):
    rt, boss, *_ = office
    stories = [inspected(rt, clock, n) for n in (1, 2)]
    clock.set_day(D(2025, 5, 20))
    result = decide(rt, boss, [Pick(s.case_id) for s in stories], decision="reject", reason="不符合认定条件")
    assert [o.result for o in result.outcomes] == [DECIDED, DECIDED]
    assert [(s.case.state, s.events[-1].payload["decision_number"]) for s in stories] == [("rejected", NUMBER)] * 2


def test_issue15_a_request_wrong_as_a_whole_decides_nothing(rt, clock, office):
    rt, boss, other, clerk = office
    story = inspected(rt, clock, 1)
    clock.set_day(D(2025, 5, 20))
    for wrong, field in (({"decision_number": "  "}, "decision_number"), ({"picks": []}, "cases"),
                         ({"picks": [Pick(story.case_id)] * 2}, "cases"), ({"decision": "revoke"}, "decision"),
                         ({"reason": " "}, "reason")):
        with pytest.raises(InvalidAct) as refused:
            decide(rt, boss, **{"picks": [Pick(story.case_id)], **wrong})
        assert refused.value.field == field
    with pytest.raises(Forbidden):
        decide(rt, clerk, [Pick(story.case_id)])
    with pytest.raises(FutureDate):
        decide(rt, boss, [Pick(story.case_id)], on=D(2025, 5, 21))
    assert story.case.state == "inspected"
    # a case of another round is refused on its own
    assert decide(rt, other, [Pick(story.case_id)], year=2024).outcomes[0].result == REFUSED
    assert cases.get_case(rt, story.case_id).state == "inspected"
