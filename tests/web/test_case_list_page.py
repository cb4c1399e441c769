"""Issue 16: the /cases page links its pages by keyset cursor (next and previous), each case on one
page only, and says "more than" where the count stopped."""
from __future__ import annotations

import re

from tests.story import CASEWORKER


def page_ids(html: str) -> list[str]:
    return re.findall(r'href="/cases/([0-9a-f]{32})"', html)


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" id="[a-z-]+" rel="{rel}">', html)
    return None if found is None else found.group(1).replace("&amp;", "&")


def test_issue16_the_case_list_pages_by_cursor_forward_and_back(sign_in, department, monkeypatch):
    monkeypatch.setattr("api.web.case_list.PAGE", 3)
    client = sign_in(CASEWORKER)
    first = client.get("/cases?sort=-applied_on")
    assert first.status_code == 200
    assert link(first.text, "prev") is None and "after=" in link(first.text, "next")
    second = client.get(link(first.text, "next"))
    assert link(second.text, "next") is None and "before=" in link(second.text, "prev")
    ids = page_ids(first.text) + page_ids(second.text)
    assert sorted(set(ids)) == sorted(set(department.values())) and len(ids) == len(set(ids)) == 4
    back = client.get(link(second.text, "prev"))
    assert page_ids(back.text) == page_ids(first.text)
    # a cursor of another order, or garbage, is the first page, not an error
    assert page_ids(client.get("/cases?sort=state&after=bm9uc2Vuc2U").text) == page_ids(
        client.get("/cases?sort=state").text)


def test_issue16_the_count_that_stopped_says_more_than(sign_in, department, monkeypatch):
    monkeypatch.setattr("services.case_listing.COUNT_CAP", 2)
    html = sign_in(CASEWORKER).get("/cases").text
    assert re.search(r'id="found">共找到超过 2<', html), html
