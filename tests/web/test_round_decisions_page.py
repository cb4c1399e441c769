"""Issue 15, the decisions of a round on the pages: a supervisor finds the round from the work queue's 待批复,
picks its inspected cases (base, 受理编号, inspection date, inspectors), approves them under one 批复文号,
and reads each case's outcome in words; the number is then in each case's timeline."""
from __future__ import annotations

import re
from datetime import date

from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, Story

ROUND = "/decisions/guizhou-provincial-2022/2026"
NUMBER = "黔人社复〔2026〕15号"


def _second_inspected(rt, clock, *, inspectors=(INSPECTOR,)) -> str:
    s = Story(rt, clock)
    s.apply(date(2026, 4, 21), seed=5, base="六盘水市青年创业园")
    s.act("inspect", date(2026, 6, 2), actor=INSPECTOR, outcome="pass", inspectors=list(inspectors))
    s.until(date(2026, 11, 22))
    return s.case_id


def _form(ids, **over) -> dict[str, str]:
    return {**{f"pick.{i}": v for i, v in ids.items()}, "decision_number": NUMBER, "on": "2026-11-22",
            "reason": "经集体研究，予以认定", "decision": "approve", **over}


def test_issue15_the_queue_leads_the_supervisor_to_the_round_and_its_cases(rt, clock, sign_in, department):
    other = _second_inspected(rt, clock)
    page = sign_in(SUPERVISOR)
    queue = page.get("/queue").text
    assert 'href="/decisions" id="round-decisions-link"' in queue and "按申报批次批量批复" in queue
    rounds = page.get("/decisions").text
    assert f'href="{ROUND}"' in rounds and "2026年度申报批次" in rounds
    html = page.get(ROUND).text
    for case_id in (department["inspected"], other):
        assert f'name="pick.{case_id}"' in html
    assert "毕节市双创示范基地" in html and "六盘水市青年创业园" in html
    assert "2026年5月30日" in html and "2026年6月2日" in html and "赵磊" in html  # the inspector by name
    assert re.search(r"520000-2026-\d{4}", html)  # the 受理编号
    assert 'name="decision_number"' in html and 'value="reject"' in html and 'name="csrf"' in html


def test_issue15_one_form_approves_the_cases_picked_each_with_its_event_and_says_so(rt, clock, sign_in, department):
    other = _second_inspected(rt, clock)
    page = sign_in(SUPERVISOR)
    from services import cases
    ids = {i: str(cases.get_case(rt, i).version) for i in (department["inspected"], other)}
    answer = page.post(ROUND, data=_form(ids))
    assert answer.status_code == 200, answer.text
    assert answer.text.count('data-outcome="decided"') == 2 and "已批复认定" in answer.text
    assert "办理 2 件，此前已办理 0 件，未办理 0 件" in answer.text
    for case_id in ids:
        assert cases.get_case(rt, case_id).state == "recognized"
        assert cases.history(rt, case_id)[-1].payload["decision_number"] == NUMBER
    assert f"批复文号 {NUMBER}" in page.get(f"/cases/{other}").text  # in the timeline
    # the form sent again: each case reported done before, nothing recorded twice
    recorded = len(cases.history(rt, other))
    again = page.post(ROUND, data=_form(ids)).text
    assert again.count('data-outcome="already_decided"') == 2 and "此前已按该批复文号办理" in again
    assert len(cases.history(rt, other)) == recorded


def test_issue15_a_case_the_supervisor_inspected_is_not_theirs_to_pick_and_is_refused_in_words(
        rt, clock, sign_in, department):
    """R5, four eyes between people: a case the supervisor took part in inspecting has no checkbox, and
    sent anyway it is refused on its own while the other is approved."""
    took_part = _second_inspected(rt, clock, inspectors=(INSPECTOR, SUPERVISOR))
    page = sign_in(SUPERVISOR)
    html = page.get(ROUND).text
    assert f'name="pick.{took_part}"' not in html and "您参加了考察，须由其他主管批复" in html
    answer = page.post(ROUND, data=_form({department["inspected"]: "", took_part: ""})).text
    assert re.search(rf'data-case="{took_part}" data-outcome="refused"', answer)
    assert "未办理" in answer and "办理 1 件" in answer


def test_issue15_a_form_wrong_as_a_whole_is_shown_again_with_the_error_and_decides_nothing(
        rt, clock, sign_in, department):
    page = sign_in(SUPERVISOR)
    from services import cases
    for wrong, field in (({"decision_number": " "}, "decision_number"), ({"on": "2026-13-01"}, "on"),
                         ({"on": "2026-11-23"}, "on"), ({"reason": ""}, "reason")):
        answer = page.post(ROUND, data=_form({department["inspected"]: ""}, **wrong))
        assert answer.status_code == 422 and f'data-field="{field}"' in answer.text, (field, answer.text)
    nothing = page.post(ROUND, data={k: v for k, v in _form({}).items()})
    assert nothing.status_code == 422 and "请至少选择一件事项" in nothing.text
    assert cases.get_case(rt, department["inspected"]).state == "inspected"


def test_issue15_only_supervisors_decide_a_round_and_the_words_are_english_on_request(sign_in, department):
    caseworker = sign_in(CASEWORKER)
    assert caseworker.get("/decisions").status_code == 403
    assert caseworker.post(ROUND, data=_form({department["inspected"]: ""})).status_code == 403
    english = sign_in(SUPERVISOR).get(ROUND + "?lang=en").text
    assert "Decide the cases picked" in english and "Decision number" in english
