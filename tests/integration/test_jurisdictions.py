"""One life of a base under each shipped jurisdiction's own rules, written from its text: the dates,
the states, the money and the bans that its policy file says (each figure cited there, or marked
as ours). Runs on SQLite, PostgreSQL and the in-memory storage."""
from __future__ import annotations

from datetime import date as D

import pytest

from services import rounds, users
from services.policies import default_policies
from statemachines.errors import InvalidAct, OpenCaseExists, PrerequisiteMissing, WindowClosed
from tests.policy_variants import variant, with_policies
from tests.story import INSPECTOR, SUPERVISOR, Story

pytestmark = pytest.mark.memory

SHIPPED = default_policies()
GUIZHOU_2024 = SHIPPED.get("guizhou-provincial-2022", 2)


def municipal(code: str):
    """A 市(州) policy of `code` with Guizhou's figures (no shipped file: the municipal measures were
    not read), for the recognition that a higher level's prerequisite asks for."""
    return variant(code, replace={"level": "municipal", "effective_from": D(2020, 1, 1), "application_window": {
        "opens": "01-01", "closes": "12-31", "clause": "测试：市级全年受理", "default": True}})


def recognised_municipally(rt, clock, code: str, seed: int, base: str, approved: D) -> Story:
    story = Story(rt, clock)
    story.apply(D(approved.year, 3, 1), seed=seed, base=base, level="municipal", jurisdiction=code)
    story.act("inspect", D(approved.year, 3, 20), actor=INSPECTOR, outcome="pass")
    story.act("approve", approved, actor=SUPERVISOR)
    return story


def test_guizhou_2024_round_asks_for_a_municipal_recognition_and_closes_on_12_august(rt, clock):
    """gz-2024: the round ran from the notice (2024-03-26) to 2024-08-12, open to bases already
    recognised by a 市(州); the rest is 001: a 5-year period, 50万元 on recognition, assessments
    after 2 and 4 years. Before and after the round, 001's own rules (v1) govern again."""
    rt = with_policies(rt, GUIZHOU_2024, municipal("520300"))
    with pytest.raises(PrerequisiteMissing) as refused:
        Story(rt, clock).apply(D(2024, 4, 15), seed=1, base="遵义市新蒲创业园", jurisdiction="520300")
    assert refused.value.details == {"level": "provincial", "required_level": "municipal"}

    recognised_municipally(rt, clock, "520300", 1, "遵义市新蒲创业园", D(2023, 6, 1))
    story = Story(rt, clock)
    story.apply(D(2024, 8, 12), seed=1, base="遵义市新蒲创业园", jurisdiction="520300")  # its last day
    case = story.case
    assert (case.policy_id, case.policy_version, case.round_year) == ("guizhou-provincial-2022", 2, 2024)
    story.act("inspect", D(2024, 9, 10), actor=INSPECTOR, outcome="pass")
    case = story.act("approve", D(2024, 10, 15), actor=SUPERVISOR).case
    assert (case.state, case.period.end) == ("recognized", D(2029, 10, 15))
    assert [(i.amount_fen, i.due_on) for i in case.instalments] == [(50_000_000, D(2024, 10, 15))]
    assert story.timers()[("assessment", "1.1")] == D(2026, 10, 15)
    # the day after the round, a new application falls under v1 again, whose window is April's
    with pytest.raises(WindowClosed):
        Story(rt, clock).apply(D(2024, 8, 13), seed=2, base="遵义市汇川创业园", jurisdiction="520300")


def test_guizhou_pays_100_wan_to_a_base_recognised_nationally(rt, clock):
    """001 §三(六)二: 对成功创建国家级创业孵化基地的，给予100万元一次性补助资金; the national round is
    announced (mohrss-2019: batches), and only a provincial 示范基地 may apply (gov-2017)."""
    provincial = Story(rt, clock)
    provincial.recognize(D(2023, 4, 10), D(2023, 5, 10), D(2023, 6, 30), seed=3, base="贵阳市大学生创业园")
    chief = users.add_user(rt, "supervisor.gz", "李强", [("supervisor", "520000")])
    clock.set_day(D(2025, 5, 6))
    rounds.announce(rt, chief, policy_id="guizhou-national-2022", year=2025, opens_on=D(2025, 5, 6),
                    closes_on=D(2025, 6, 30), quota=None, document="人社厅函〔2025〕（第五批）",
                    reason="转发人社部第五批全国创业孵化示范基地推荐通知")
    national = Story(rt, clock)
    national.apply(D(2025, 5, 20), seed=3, base="贵阳市大学生创业园", level="national")
    assert national.case.policy_id == "guizhou-national-2022"
    national.act("inspect", D(2025, 7, 1), actor=INSPECTOR, outcome="pass")
    case = national.act("approve", D(2025, 9, 1), actor=SUPERVISOR).case
    assert [(i.amount_fen, i.due_on) for i in case.instalments] == [(100_000_000, D(2025, 9, 1))]
    national.until(D(2025, 9, 1))  # the day's sweep after the approval: due that day
    assert national.case.instalments[0].status == "due"
    case = national.act("record_payment", D(2025, 9, 20), number=1, amount_fen=100_000_000).case
    assert case.instalments[0].status == "paid"
    # the ministry's re-evaluation at the end of the period decides; no assessment falls inside it
    assert not any(kind == "assessment" for kind, _ in national.timers())
    national.until(D(2030, 9, 1))
    assert national.case.has_flag("reevaluation_review_due") and national.case.state == "recognized"


def test_fujian_a_provincial_life_from_a_municipal_recognition_to_a_ban(rt, clock):
    """fj-2021: 50万元 to a provincial 示范基地, applicants already recognised by a 设区市; the
    rest is ours (marked default in the file): 5 years, assessments after 2 and 4 years, a 3-month
    rectification, then revocation and a 3-year ban."""
    rt = with_policies(rt, municipal("350100"))
    recognised_municipally(rt, clock, "350100", 4, "福州市鼓楼区创业园", D(2022, 4, 1))
    story = Story(rt, clock)
    story.apply(D(2022, 11, 7), seed=4, base="福州市鼓楼区创业园", jurisdiction="350100")  # no window
    story.act("inspect", D(2022, 12, 1), actor=INSPECTOR, outcome="pass")
    case = story.act("approve", D(2023, 1, 16), actor=SUPERVISOR).case
    assert (case.policy_id, case.period.end) == ("fujian-provincial", D(2028, 1, 16))
    story.act("record_payment", D(2023, 2, 1), number=1, amount_fen=50_000_000)
    story.act("record_assessment", D(2025, 1, 10), outcome="fail")
    case = story.case
    assert (case.state, case.rectification.deadline) == ("rectifying", D(2025, 4, 10))
    story.act("record_rectification", D(2025, 4, 8), outcome="fail")
    case = story.case
    assert (case.state, case.ban.ground, case.ban.last_day) == ("revoked", "rectification_failed", D(2028, 4, 8))
    assert case.instalments[0].status == "paid"
    story.until(D(2028, 4, 9))
    assert story.case.ban.ended_on == D(2028, 4, 9)


def test_r18_a_municipal_recognition_recorded_elsewhere_is_shown_by_its_document(rt, clock):
    """The 2024 round's policy accepts the 文号 of a 市(州) recognition that is not recorded here; the
    application records it as the evidence, and a policy that asks for none refuses a document."""
    rt = with_policies(rt, GUIZHOU_2024)
    story = Story(rt, clock)
    story.apply(D(2024, 5, 6), seed=5, base="毕节市创业孵化园", jurisdiction="520500",
                prerequisite_document="毕人社发〔2023〕21号")
    apply = story.events[0]
    assert apply.payload["prerequisite"] == {"level": "municipal", "document": "毕人社发〔2023〕21号"}
    with pytest.raises(InvalidAct) as refused:  # v1 (after the round) asks for no lower recognition
        Story(rt, clock).apply(D(2025, 4, 8), seed=6, base="安顺市创业园", prerequisite_document="安人社〔2024〕3号")
    assert refused.value.field == "prerequisite_document"


def test_shenzhen_baoan_a_district_base_assessed_each_year_and_cancelled_when_it_does_not_take_part(rt, clock):
    """ba-2022: bases recognised a year by 11-30 are assessed that year, materials due 12-28 of the
    same year; not taking part, or failing once, cancels (取消) — with no reapplication ban stated."""
    rt = with_policies(rt, SHIPPED.get("shenzhen-baoan-county", 1))
    story = Story(rt, clock)
    story.apply(D(2023, 9, 4), seed=7, base="宝安区西乡创业孵化基地", level="county", jurisdiction="440306")
    story.act("inspect", D(2023, 10, 9), actor=INSPECTOR, outcome="pass")
    story.act("approve", D(2023, 11, 6), actor=SUPERVISOR)
    assert story.case.policy_id == "shenzhen-baoan-county"
    # recognised 2023-11-06: not a full year by 2023-11-30, so 2024 is its first campaign
    # (12-28 falls on a Saturday in 2024 and a Sunday in 2025: each deadline moves to the Monday)
    assert {k: d for (kind, k), d in story.timers().items() if kind == "assessment"} == {
        "1.2024": D(2024, 12, 30), "1.2025": D(2025, 12, 29)}
    story.act("record_assessment", D(2024, 12, 20), outcome="pass")
    story.until(D(2025, 12, 29))  # 2025-12-28 is a Sunday: the deadline moves to Monday 2025-12-29
    assert story.case.state in ("recognized", "assessed")
    story.until(D(2025, 12, 30))  # the day after: the system records the miss, which cancels
    case = story.case
    assert (case.state, case.revocation_ground, case.ban) == ("revoked", "assessment_failed", None)
    assert [e.actor for e in story.events if e.act == "record_missed_assessment"] == ["system"]


def test_shanghai_a_base_recognised_a_full_year_is_assessed_the_next_summer_and_its_grade_earns(rt, clock):
    """sh-ldb, sh-2019: a base recognised a full year is assessed each year, year N the next summer;
    A/B/C earn 50/30/10万元 运作经费 (v2, for cases opened from 2026-12-03)."""
    story = Story(rt, clock)
    story.apply(D(2027, 1, 11), seed=8, base="杨浦区创业孵化示范基地", level="municipal", jurisdiction="310110")
    story.act("inspect", D(2027, 2, 22), actor=INSPECTOR, outcome="pass")
    story.act("approve", D(2027, 3, 8), actor=SUPERVISOR)
    assert (story.case.policy_id, story.case.policy_version) == ("shanghai-municipal", 2)
    # a full year by 2028-12-31: year 2028 is assessed from 2029-06-01 to 2029-07-31
    story.act("record_assessment", D(2029, 6, 20), outcome="pass", grade="B")
    case = story.case
    assert [(i.amount_fen, i.due_on, i.grade) for i in case.instalments] == [(30_000_000, D(2029, 6, 20), "B")]
    story.until(D(2029, 6, 21))
    assert story.case.instalments[0].status == "due"
    assert dict(SHIPPED.get("shanghai-municipal", 2).subsidy_per_grade) == {
        "A": 50_000_000, "B": 30_000_000, "C": 10_000_000}


def qingdao_base_policy():
    """Qingdao's own 市级创业孵化基地 (programme "base"; its measures were not read: Guizhou's figures)."""
    return variant("370200", replace={"level": "municipal", "effective_from": D(2020, 1, 1), "application_window": {
        "opens": "01-01", "closes": "12-31", "clause": "测试：市级全年受理", "default": True}})


def announce_qingdao_round(rt, clock, year: int):
    chief = users.add_user(rt, f"supervisor.qd{year}", "刘洋", [("supervisor", "370200")])
    clock.set_day(D(year, 3, 3))
    rounds.announce(rt, chief, policy_id="qingdao-municipal", year=year, opens_on=D(year, 3, 3),
                    closes_on=D(year, 4, 30), quota=10, document=f"青岛市高能级创业孵化园区申报通知（{year}年）",
                    reason="按行动方案筛选高能级创业孵化园区")


def test_r23_qingdao_a_high_level_park_chosen_from_a_base_ends_with_the_plan_and_is_paid_by_its_grade(rt, clock):
    """002: parks are chosen from existing 创业孵化基地 in rounds the bureau announces (~10 places);
    their operation is assessed and paid up to 50万元 a year by the result; the plan, and with it
    every park's standing, ends on 2026-12-31 (R6 ends_with_plan). A base recorded elsewhere shows
    its recognition by its document (R18)."""
    announce_qingdao_round(rt, clock, 2025)
    with pytest.raises(PrerequisiteMissing) as refused:  # not (shown to be) a base already
        Story(rt, clock).apply(D(2025, 3, 10), seed=9, base="崂山区创新创业园", level="municipal",
                               jurisdiction="370212", programme="high-level-park")
    assert refused.value.details == {"level": "municipal", "required_level": "municipal",
                                     "required_programme": "base"}
    story = Story(rt, clock)
    story.apply(D(2025, 3, 10), seed=9, base="崂山区创新创业园", level="municipal", jurisdiction="370212",
                programme="high-level-park", prerequisite_document="青人社〔2021〕8号")
    case = story.case
    assert (case.policy_id, case.programme, case.round_year) == ("qingdao-municipal", "high-level-park", 2025)
    assert story.events[0].payload["prerequisite"] == {"level": "municipal", "programme": "base",
                                                        "document": "青人社〔2021〕8号"}
    story.act("inspect", D(2025, 4, 8), actor=INSPECTOR, outcome="pass")
    case = story.act("approve", D(2025, 5, 12), actor=SUPERVISOR).case
    assert (case.state, case.period.end) == ("recognized", D(2026, 12, 31))  # the plan's last day, not 2028
    # recognised six months by 2025-12-31: year 2025 is assessed by 2026-03-31
    assert {k: d for (kind, k), d in story.timers().items() if kind == "assessment"}["1.2025"] == D(2026, 3, 31)
    case = story.act("record_assessment", D(2026, 3, 16), outcome="pass", grade="良好").case
    assert [(i.amount_fen, i.grade) for i in case.instalments] == [(30_000_000, "良好")]
    assert max(SHIPPED.get("qingdao-municipal", 1).subsidy_per_grade.values()) == 50_000_000  # 不超过50万元
    story.until(D(2027, 4, 1))  # the plan has ended: the park lapses, and year 2026 is never assessed
    case = story.case
    assert case.state == "lapsed"
    assert [e.act for e in story.events if e.act in ("lapse", "record_missed_assessment")] == ["lapse"]


def test_r23_a_base_recognised_here_becomes_a_park_too_and_its_money_is_not_paid_twice(rt, clock):
    """002 §二(八): 补助资金与创业孵化基地奖补资金不重复享受. A municipal base of Qingdao (programme
    "base", 50万元 on recognition) applies to the park programme at the same level: R3 holds per
    programme, R18 finds the base's case, and the park's graded money yields to the base's."""
    rt = with_policies(rt, qingdao_base_policy())
    base = Story(rt, clock)
    base.apply(D(2024, 3, 1), seed=10, base="市北区创业孵化基地", level="municipal", jurisdiction="370203")
    base.act("inspect", D(2024, 3, 20), actor=INSPECTOR, outcome="pass")
    base.act("approve", D(2024, 4, 15), actor=SUPERVISOR)
    assert (base.case.programme, [i.amount_fen for i in base.case.instalments]) == ("base", [50_000_000])

    announce_qingdao_round(rt, clock, 2025)
    park = Story(rt, clock)
    park.apply(D(2025, 3, 10), seed=10, base="市北区创业孵化基地", level="municipal", jurisdiction="370203",
               programme="high-level-park")  # the same base, the same level: another programme (R3)
    assert park.events[0].payload["prerequisite"] == {"level": "municipal", "programme": "base",
                                                       "case_id": base.case.id}
    with pytest.raises(OpenCaseExists):  # but one open case per programme
        Story(rt, clock).apply(D(2025, 3, 11), seed=10, base="市北区创业孵化基地", level="municipal",
                               jurisdiction="370203", programme="high-level-park")
    park.act("inspect", D(2025, 4, 8), actor=INSPECTOR, outcome="pass")
    park.act("approve", D(2025, 5, 12), actor=SUPERVISOR)
    case = park.act("record_assessment", D(2026, 3, 16), outcome="pass", grade="优秀").case
    assert case.instalments == []
    assert park.events[-1].payload["not_combined_with"] == base.case.id
