"""The pages name a jurisdiction as people read it (GB/T 2260, statemachines/data/divisions.csv): the
code and the division's name with its province and prefecture, on the case page, the signed-in
user's roles and the dashboard's choice of jurisdiction."""
from __future__ import annotations

import re
from datetime import date

from tests.story import CASEWORKER, SUPERVISOR, Story


def test_the_case_page_names_the_cases_division(rt, clock, sign_in):
    province = Story(rt, clock)
    province.apply(date(2024, 4, 8), seed=1)
    county = Story(rt, clock)
    county.apply(date(2024, 4, 9), seed=2, base="南明区创业孵化基地", jurisdiction="520102")
    client = sign_in(CASEWORKER)
    facts = re.compile(r'<dd id="case-jurisdiction">([^<]*)</dd>')
    assert facts.findall(client.get(f"/cases/{province.case_id}").text) == ["520000 贵州省"]
    assert facts.findall(client.get(f"/cases/{county.case_id}").text) == ["520102 贵州省贵阳市南明区"]


def test_the_users_roles_and_the_dashboards_jurisdictions_are_named(sign_in):
    html = sign_in(SUPERVISOR).get("/dashboard").text
    who = re.search(r'<span class="who">(.*?)</span>', html, re.S)
    assert who and re.search(r"\(\S+ 520000 贵州省\)", who.group(1)), who
    assert re.search(r'<option value="520000" selected>520000 贵州省</option>', html)
