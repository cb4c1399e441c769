"""Issue 15 ("errors entirely in the page's language"): a refused act on a page shows the catalogue's
words (statemachines/messages.py) in the page's language only — no English tail, no raw case id —
and the form keeps what the user typed."""
from __future__ import annotations

import re

import pytest

from services import cases
from tests.story import CASEWORKER

from .test_pages import errors_in

# ASCII words a Chinese refusal may hold: codes people use as they are
CODES = {"GB", "GB/T"}


def english_in(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in CODES]


def _refused(client, case_id: str, act: str, data: dict[str, str]):
    answer = client.post(f"/cases/{case_id}/acts/{act}", data=data)
    assert answer.status_code == 422, answer.text
    return answer, errors_in(answer.text)


@pytest.mark.parametrize("data, field, words", [
    ({"on": "2026-12-01", "reason": "收到报告", "year": "2025"}, "on",
     "办理日期2026年12月1日晚于今天（2026年11月22日），不能预先办理。"),
    ({"on": "2026-11-01", "reason": "收到报告", "year": "2019"}, "year",
     "报告年度须在2024年至2026年之间，不能是2019年。"),
    ({"on": "2026-11-01", "reason": "   ", "year": "2025"}, "reason", "必填"),
])
def test_issue15_a_refused_act_says_only_chinese_beside_its_field(rt, sign_in, department, data, field, words):
    case_id = department["recognized"]
    before = cases.get_case(rt, case_id).version
    answer, errors = _refused(sign_in(CASEWORKER), case_id, "submit_annual_report", data)
    assert errors == {field: words}
    assert not english_in(errors[field]) and case_id not in errors[field]
    assert cases.get_case(rt, case_id).version == before  # nothing written


def test_issue15_stale_version_says_what_happened_and_keeps_the_typed_values(rt, sign_in, department):
    """Another tab (or another person) recorded an act after this page was opened: the page says so in
    words a user understands, not "case … changed since version 3", and keeps what was typed."""
    case_id = department["recognized"]
    client = sign_in(CASEWORKER)
    opened = cases.get_case(rt, case_id).version
    ok = client.post(f"/cases/{case_id}/acts/submit_annual_report",
                     data={"on": "2026-11-01", "reason": "另一个标签页", "year": "2025", "version": str(opened)})
    assert ok.status_code == 303, ok.text
    answer = client.post(f"/cases/{case_id}/acts/record_complaint",
                         data={"on": "2026-11-02", "reason": "来电反映", "complaint_id": "ts-9",
                               "summary": "场地收费与承诺不符", "version": str(opened)})
    assert answer.status_code == 422
    shown = re.findall(r'<(?:p|li|span) class="error"[^>]*>([^<]*)<', answer.text)
    stale = next(s for s in shown if "刷新" in s)
    assert "另一个标签页或窗口" in stale and not english_in(stale) and case_id not in stale
    assert 'value="场地收费与承诺不符"' in answer.text or ">场地收费与承诺不符<" in answer.text  # kept
    assert all(c.id != "ts-9" for c in cases.get_case(rt, case_id).complaints)  # nothing written


def test_issue15_the_same_refusal_in_english_on_an_english_page(rt, sign_in, department):
    client = sign_in(CASEWORKER)
    client.cookies.set("incubase_lang", "en")
    answer = client.post(f"/cases/{department['recognized']}/acts/submit_annual_report?lang=en",
                         data={"on": "2026-12-01", "reason": "report", "year": "2025"})
    assert errors_in(answer.text) == {"on": "business date 2026-12-01 is after today (2026-11-22)"}
