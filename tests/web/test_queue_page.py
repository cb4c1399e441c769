"""issue 15, the work queue page: every kind of pending work for the people who can do it, with its
deadline, 待批复 kept apart for a caseworker, and the keyset pages still whole."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from api.main import create_app
from tests.signing_in import sign_in_page
from tests.story import CASEWORKER, SUPERVISOR

from .conftest import PASSWORD, TODAY, PageClient

ROW = r'<tr class="(\w+)" data-case="([^"]+)" data-kind="(\w+)">'


def test_issue_15_the_queue_shows_overdue_reports_and_due_grants_with_their_deadlines(sign_in, department):
    """issue 15: the overdue annual reports the dashboard counts and the instalments due are in the
    caseworker's queue, each with its deadline and what it is about in words (2024年度, 第1期)."""
    html = sign_in(CASEWORKER).get("/queue").text
    rows = re.findall(ROW, html)
    assert ("overdue", department["recognized"], "annual_report") in rows
    assert ("overdue", department["recognized"], "instalment") in rows
    assert "年度报告逾期" in html and "2024年度" in html and "2025年3月31日" in html
    assert "补贴待支付" in html and "第1期" in html and "2024年12月10日" in html


def test_issue_15_the_supervisor_has_the_approval_and_a_suspension_to_decide(rt, clock, sign_in, department):
    """issue 15: 待批复 is the supervisor's own work (not read-only there), and a suspended case waits for
    撤销 or 恢复 in the supervisor's queue only; the caseworker sees it under 等待审批."""
    from services import cases
    cases.ACTS["suspend"](rt, department["complaint"], on=TODAY, actor=CASEWORKER, reason="投诉查实前暂停",
                          ground="complaints")
    supervisor = re.findall(ROW, sign_in(SUPERVISOR).get("/queue").text)
    assert ("no_deadline", department["inspected"], "approval") in supervisor
    assert ("no_deadline", department["complaint"], "suspension") in supervisor
    caseworker = sign_in(CASEWORKER).get("/queue").text
    assert ("awaiting", department["complaint"], "suspension") in re.findall(ROW, caseworker)
    assert "暂停待撤销或恢复" in caseworker and "等待审批" in caseworker


def test_issue_15_keyset_pages_of_the_queue_hold_every_item_once_across_the_groups(rt, department, clock):
    """issue 15 with issue 14 #10: pages of 2 walk the whole queue, the read-only group included, and
    give what one page shows, in the same order."""
    with PageClient(create_app(runtime=rt), follow_redirects=False) as whole:
        assert sign_in_page(whole, CASEWORKER, PASSWORD, clock, None).status_code == 303
        everything = re.findall(ROW, whole.get("/queue").text)
    assert len(everything) > 4 and everything[-1][0] == "awaiting"
    app = create_app(runtime=rt)
    # smaller than the settings allow (10), so the few cases of the department span several pages
    app.state.web = replace(app.state.web, queue_page_size=2)
    with PageClient(app, follow_redirects=False) as client:
        assert sign_in_page(client, CASEWORKER, PASSWORD, clock, None).status_code == 303
        seen, url = [], "/queue"
        while url:
            page = client.get(url).text
            seen += re.findall(ROW, page)
            found = re.search(r'<a href="([^"]+)" id="next-page"', page)
            url = found.group(1).replace("&amp;", "&") if found else ""
    assert seen == everything


def test_issue_15_the_queue_says_which_application_round_closes_soon(clock, people, sign_in):
    """issue 15: while Guizhou's round is open (R1, 04-01 to 04-30) the caseworker's queue says it closes
    on 2026年4月30日; once it has closed the queue says nothing of it."""
    clock.set_day(date(2026, 4, 20))
    html = sign_in(CASEWORKER).get("/queue").text
    section = html.split('id="rounds-closing"')[1].split("</section>")[0]
    assert "申报受理即将截止" in section and "2026年4月30日" in section
    assert 'id="rounds-closing"' not in sign_in("auditor.chen").get("/queue").text  # takes no application
    clock.set_day(date(2026, 5, 1))
    assert 'id="rounds-closing"' not in sign_in(CASEWORKER).get("/queue").text


COUNT = r'data-kind="(\w+)"[^>]*>\s*[^<]*<b class="count">(超过 )?(\d+)</b>'
GROUP = r'<h2 class="group-(\w+)">[^<]*<span class="muted">\((超过 )?(\d+)\)</span>'


def test_issue16_past_its_cap_a_count_of_the_queue_says_more_than_and_is_never_wrong(rt, clock, department):
    """issue 16: each count of the queue (a kind in a date group) is exact up to a cap and past it says
    超过 (more than) a floor below the truth; at the cap the page is the page without one."""
    from tests.story import Story

    for seed in (5, 6):  # three inspections wait: a count of three, to stop at one or two
        Story(rt, clock).apply(date(2026, 4, 16), seed=seed, base=f"六盘水市创业园{seed}")

    def page(cap):
        app = create_app(runtime=rt)
        app.state.web = replace(app.state.web, queue_count_cap=cap, queue_page_size=2)
        with PageClient(app, follow_redirects=False) as client:
            assert sign_in_page(client, CASEWORKER, PASSWORD, clock, None).status_code == 303
            html = client.get("/queue").text
        total = re.search(r'本页显示 \d+ / (超过 )?(\d+)</span>', html)
        return ({k: (bool(more), int(n)) for k, more, n in re.findall(COUNT, html)},
                {g: (bool(more), int(n)) for g, more, n in re.findall(GROUP, html)}, (bool(total[1]), int(total[2])))

    counts, groups, total = page(None)
    assert counts["inspection"] == (False, 3) and not total[0] and groups
    assert page(3) == (counts, groups, total)
    for cap in (2, 1):
        capped, capped_groups, capped_total = page(cap)
        assert capped["inspection"] == (True, cap)
        for k, (more, n) in capped.items():
            assert n < counts[k][1] if more else (more, n) == counts[k], (k, cap)
        for g, (more, n) in capped_groups.items():
            assert n < groups[g][1] if more else (more, n) == groups[g], (g, cap)
        assert capped_total[0] and capped_total[1] < total[1]
