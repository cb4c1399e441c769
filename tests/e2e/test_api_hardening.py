"""Issue 14's attacks on the JSON API, each reproduced through HTTP on both backends: input that
is the same name in disguise, text no database may hold, codes in other digits, bodies of
megabytes, a malformed If-Match, formula injection into the exports, one user's flood of
expensive reads; and the headers every answer carries. Each refusal writes nothing."""
from __future__ import annotations

import io
import json
import re
import zipfile
from contextlib import contextmanager
from datetime import date

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.limits import EXPENSIVE
from api.main import create_app
from config import Settings
from services import users
from tests.e2e.conftest import Caller
from tests.e2e.http import CASES, apply_body, ok, problem
from tests.story import credit_code

EVIL = '=HYPERLINK("http://evil.example/x","点击查看材料")'


def snapshot(reader) -> tuple:
    listed = ok(reader.get(CASES, params={"limit": 500}))
    return listed, [ok(reader.get(f"{CASES}/{c['id']}/events")) for c in listed["items"]]


@contextmanager
def nothing_written(callers):
    reader = callers["auditor.chen"]
    before = snapshot(reader)
    yield
    assert snapshot(reader) == before


def applied(callers, clock, **over) -> dict:
    clock.set_day(date(2024, 4, 8))
    return ok(callers["caseworker.wang"].post(CASES, json=apply_body(**over)), 201)


# --- #7: one normalisation, identities compared on it -------------------------------------------

@pytest.mark.parametrize("disguised", [
    "贵阳市创业园1\u200b",  # a zero-width space
    "贵阳市\u200d创业园1",  # a zero-width joiner
    "\ufeff贵阳市创业园１",  # a byte-order mark, a full-width digit
])
def test_issue14_7_a_disguised_name_hits_r3_one_open_case_per_base(rt, clock, callers, disguised):
    """issue 14 #7: names with a zero-width space or a full-width letter opened a second case for the
    same base (R3 bypassed). The name is normalised before the base is looked up."""
    assert applied(callers, clock, seed=1)["base"]["name"] == "贵阳市创业园1"
    body = apply_body(seed=1)
    body["base"]["name"] = disguised
    with nothing_written(callers):
        problem(callers["caseworker.zhao"].post(CASES, json=body), 409, "/problems/open-case-exists")


def test_issue14_7_full_width_letters_in_a_name_are_the_same_base(rt, clock, callers):
    applied(callers, clock, seed=1, base={"name": "ABC创业园", "address": ""})
    with nothing_written(callers):
        problem(callers["caseworker.wang"].post(CASES, json=apply_body(
            seed=1, base={"name": "ＡＢＣ创业园", "address": ""})), 409, "/problems/open-case-exists")


def test_issue14_7_text_of_an_act_is_stored_normalised_and_chinese_punctuation_kept(rt, clock, callers):
    cid = applied(callers, clock)["id"]
    clock.set_day(date(2024, 5, 16))
    ok(callers["caseworker.zhao"].act(cid, "inspect", on="2024-05-16", reason="现场考察\u200b，场地2000㎡。\r\n",
                                      outcome="pass", inspectors=["ｃａｓｅｗｏｒｋｅｒ.ｚｈａｏ"],
                                      experts=["钱七\u200b（外聘专家）"]))
    last = ok(callers["auditor.chen"].get(f"{CASES}/{cid}/events"))[-1]
    assert last["reason"] == "现场考察，场地2000㎡。"
    assert last["payload"]["inspectors"] == ["caseworker.zhao"] and last["payload"]["experts"] == ["钱七（外聘专家）"]


def test_issue14_7_a_reason_of_invisible_characters_is_no_reason(rt, clock, callers):
    cid = applied(callers, clock)["id"]
    clock.set_day(date(2024, 5, 16))
    with nothing_written(callers):
        body = problem(callers["caseworker.zhao"].act(cid, "inspect", on="2024-05-16", reason="\u200b\u3000\ufeff",
                                                      outcome="pass"), 422, "/problems/invalid-act")
    assert (body["field"], body["rule"]) == ("reason", "R17")


@pytest.mark.parametrize("code", ["５２００００", "٥٢٠٠٠٠", "۵۲۰۰۰۰"])
def test_issue14_7_a_jurisdiction_in_other_digits_is_refused(rt, clock, callers, code):
    """issue 14 #7: jurisdictions in full-width or Arabic-Indic digits were accepted."""
    clock.set_day(date(2024, 4, 8))
    wang = callers["caseworker.wang"]
    with nothing_written(callers):
        body = problem(wang.post(CASES, json=apply_body(jurisdiction=code)), 422, "/problems/unknown-jurisdiction")
        assert body["field"] == "jurisdiction"
    for url, params in ((CASES, {}), ("/api/v1/stats", {"year": 2024}),
                        ("/api/v1/eligibility", {"credit_code": credit_code(1), "level": "provincial"})):
        body = problem(wang.get(url, params={**params, "jurisdiction": code}), 422, "/problems/validation")
        assert body["field"] == "jurisdiction", url


# --- #7: what no database may hold is a 4xx, never a 500 -----------------------------------------

def test_issue14_7_nul_in_a_query_or_a_path_is_422_not_500(rt, clock, callers):
    """issue 14 #7: `?state=%00` and `/cases/%00` gave 500 on PostgreSQL."""
    applied(callers, clock)
    auditor = callers["auditor.chen"]
    body = problem(auditor.get(f"{CASES}?state=%00"), 422, "/problems/invalid-text")
    assert "NUL" in body["detail"] and body["field"] == "query parameter 'state'"
    assert problem(auditor.get(f"{CASES}/%00"), 422, "/problems/invalid-text")["field"] == "path"
    assert problem(auditor.get(f"{CASES}/x%00y/events"), 422, "/problems/invalid-text")["field"] == "path"
    problem(auditor.get("/api/v1/reminders?case_id=%00"), 422, "/problems/invalid-text")
    problem(auditor.get(f"{CASES}?credit_code=%00"), 422, "/problems/invalid-text")


def test_issue14_7_nul_or_a_lone_surrogate_in_a_body_is_422_and_writes_nothing(rt, clock, callers):
    cid = applied(callers, clock)["id"]
    clock.set_day(date(2024, 5, 16))
    zhao, li = callers["caseworker.zhao"], callers["supervisor.li"]
    with nothing_written(callers):
        body = problem(zhao.act(cid, "inspect", on="2024-05-16", reason="考察\x00", outcome="pass"),
                       422, "/problems/invalid-text")
        assert body["field"] == "reason"
        body = problem(zhao.post(CASES, json=apply_body(seed=2, base={"name": "创业园\x00", "address": ""})),
                       422, "/problems/invalid-text")
        assert body["field"] == "base.name"
        # a lone surrogate, which json.dumps of a str cannot even send: the raw escape
        raw = json.dumps({"on": "2024-05-16", "reason": "X", "outcome": "pass"}).replace('"X"', '"\\ud800"')
        response = zhao.post(f"{CASES}/{cid}/actions/inspect", content=raw.encode(),
                             headers={"Content-Type": "application/json"})
        assert "lone surrogate" in problem(response, 422, "/problems/invalid-text")["detail"]
        # a correction's changes are free-form: the guard sees every string in them
        body = problem(li.act(cid, "correct", on="2024-05-16", reason="更正", corrects=1,
                              changes={"reason": "受理\x00"}), 422, "/problems/invalid-text")
        assert body["field"] == "changes.reason"


def test_issue14_7_if_match_in_other_digits_is_a_4xx_not_a_500(rt, clock, callers):
    """issue 14 #7: `If-Match: ²` passed str.isdigit() and int() failed on it: a 500."""
    cid = applied(callers, clock)["id"]
    clock.set_day(date(2024, 5, 16))
    with nothing_written(callers):
        # ² and ¹ as a client sends them (ISO-8859-1 bytes, read back as '²' and '¹'), and a number
        # past any version
        for version in ("²".encode("latin-1"), "¹".encode("latin-1"), b"1" * 40):
            body = problem(callers["caseworker.zhao"].act(cid, "record_complaint", on="2024-05-16", reason="投诉",
                                                          summary="x", headers={"If-Match": version}),
                           422, "/problems/invalid-act")
            assert body["field"] == "If-Match"


def test_issue14_7_the_same_field_limits_and_a_body_of_megabytes_refused_before_reading(rt, clock, callers):
    """issue 14 #7: a 5,000,000-character reason was stored forever. The API takes the same 4,000 as
    the forms (the act's model, api/act_models.py), and no body past max_body_bytes is read whole."""
    cid = applied(callers, clock)["id"]
    clock.set_day(date(2024, 5, 16))
    zhao = callers["caseworker.zhao"]
    with nothing_written(callers):
        body = problem(zhao.act(cid, "inspect", on="2024-05-16", reason="理" * 4001, outcome="pass"),
                       422, "/problems/validation")
        assert body["field"] == "reason" and "4000" in body["detail"]
        body = problem(zhao.act(cid, "inspect", on="2024-05-16", reason="x" * 5_000_000, outcome="pass"),
                       413, "/problems/too-large")
        assert "1,048,576" in body["detail"]
    ok(zhao.act(cid, "inspect", on="2024-05-16", reason="理" * 4000, outcome="pass"))


# --- #6: exports never carry a formula -----------------------------------------------------------

def formulas_in(content: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return [n for n in z.namelist() if n.startswith("xl/worksheets/") and re.search(rb"<f[ >]", z.read(n))]


def test_issue14_6_a_base_named_like_a_formula_comes_out_of_the_dossier_as_text(rt, clock, callers):
    """issue 14 #6: a base named =HYPERLINK(…) was written into the dossier as a formula cell."""
    cid = applied(callers, clock, base={"name": EVIL, "address": "=1+1"}, reason="+受理")["id"]
    answer = callers["auditor.chen"].get(f"{CASES}/{cid}/dossier", params={"format": "xlsx"})
    assert answer.status_code == 200 and formulas_in(answer.content) == []
    book = load_workbook(io.BytesIO(answer.content))
    base = next(row[1] for row in book["案卷信息"].iter_rows(min_row=3) if row[0].value == "基地名称")
    assert (base.value, base.data_type) == (EVIL, "s")
    reason = book["办理记录"]["F3"]
    assert (reason.value, reason.data_type) == ("+受理", "s")
    stats = callers["auditor.chen"].get("/api/v1/stats", params={"jurisdiction": "520000", "year": 2024,
                                                                 "format": "xlsx"})
    assert stats.status_code == 200 and formulas_in(stats.content) == []


# --- #10: one user's expensive reads are limited, nobody else's ---------------------------------

def test_issue14_10_expensive_reads_are_rate_limited_per_user_with_retry_after(rt, clock, callers):
    """issue 14 #10: 200 parallel requests of one user starved everyone. Past the burst an expensive
    read is 429 with Retry-After before any work; another user, and cheap reads, go on."""
    cid = applied(callers, clock)["id"]
    app = create_app(Settings(expensive_reads_burst=3, expensive_reads_per_minute=6), runtime=rt)
    with TestClient(app) as client:
        chen = Caller(client, "auditor.chen", users.create_token(rt, "auditor.chen", "test"))
        other = Caller(client, "supervisor.li", users.create_token(rt, "supervisor.li", "test"))
        stats = {"jurisdiction": "520000", "year": 2024}
        for _ in range(3):
            ok(chen.get("/api/v1/stats", params=stats))
        refused = chen.get(f"{CASES}/{cid}/verify")  # the same user's bucket, whichever expensive read
        body = problem(refused, 429, "/problems/rate-limited")
        assert 1 <= int(refused.headers["Retry-After"]) <= 10 and "3" in body["detail"]
        # a second token of the same user shares the limit: it is the user's, not the token's
        again = Caller(client, "auditor.chen", users.create_token(rt, "auditor.chen", "second"))
        problem(again.get("/api/v1/stats", params=stats), 429, "/problems/rate-limited")
        ok(other.get("/api/v1/stats", params=stats))  # someone else is not slowed
        ok(chen.get(f"{CASES}/{cid}"))  # a cheap read is not counted
        ok(chen.get(CASES))


def test_issue14_10_every_path_of_the_table_is_limited_and_a_cheap_one_is_not(rt, clock, callers):
    """The limit is keyed by route path (api/limits.EXPENSIVE): each path of the table, asked as a
    browser or a program asks it, is refused the second time under a burst of one, so a renamed
    route cannot lose its limit silently; a case or its history never is."""
    cid = applied(callers, clock)["id"]
    token = users.create_token(rt, "auditor.chen", "test")
    asked = {"/queue": "/queue", "/dashboard": "/dashboard", "/cases/{case_id}/audit": f"/cases/{cid}/audit",
             "/cases/{case_id}/dossier.{fmt}": f"/cases/{cid}/dossier.json",
             "/api/v1/stats": "/api/v1/stats?jurisdiction=520000&year=2024",
             "/api/v1/cases/{case_id}/dossier": f"{CASES}/{cid}/dossier",
             "/api/v1/cases/{case_id}/verify": f"{CASES}/{cid}/verify"}
    assert set(asked) == EXPENSIVE
    cheap = [f"{CASES}/{cid}", f"{CASES}/{cid}/events", f"/cases/{cid}"]
    # refilled once a minute: at the default of once a second, a read slower than that under load was let through
    once = Settings(expensive_reads_burst=1, expensive_reads_per_minute=1)
    for url in [*asked.values(), *cheap]:
        with TestClient(create_app(once, runtime=rt), follow_redirects=False) as client:
            client.cookies.set("incubase_session", token)  # the pages' sign-in holds the same kind of token
            headers = {"Authorization": f"Bearer {token}"}
            assert client.get(url, headers=headers).status_code == 200, url
            assert client.get(url, headers=headers).status_code == (200 if url in cheap else 429), url


# --- #5: security headers on every answer; #4: bearer API unaffected by the pages' CSRF checks -----

def test_issue14_5_every_answer_has_the_security_headers_and_hsts_only_over_https(rt, clock, callers):
    """issue 14 #5: no security headers were sent."""
    wang = callers["caseworker.wang"]
    for answer in (wang.get(CASES), wang.get(f"{CASES}/none"), wang.client.get("/openapi.json"),
                   wang.client.get("/healthz")):
        policy = answer.headers["content-security-policy"]
        assert "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in answer.headers
    with TestClient(create_app(Settings(https=True), runtime=rt), base_url="https://testserver") as client:
        assert client.get("/healthz").headers["strict-transport-security"] == "max-age=31536000"


def test_issue14_4_the_bearer_api_is_not_held_to_the_pages_origin_checks(rt, clock, callers):
    """A browser never adds Authorization: Bearer to another site's request, so the API takes a
    request whatever its Origin says (a program's client, Swagger UI, a department's own tools)."""
    clock.set_day(date(2024, 4, 8))
    headers = {"Origin": "http://127.0.0.1:9999", "Sec-Fetch-Site": "same-site"}
    ok(callers["caseworker.wang"].post(CASES, json=apply_body(), headers=headers), 201)


def test_issue14_7_accounts_grants_and_rounds_are_normalised_like_every_other_body(rt, clock, callers):
    """The administrators' bodies and a round's announcement take the same text types: invisible
    characters removed, a jurisdiction in other digits refused, an over-long reason refused."""
    zhou, wu, li = callers["sysadmin.zhou"], callers["secadmin.wu"], callers["supervisor.li"]
    added = ok(zhou.post("/api/v1/users", json={"username": "wang.li", "display_name": "王\u200b丽"}), 201)
    assert added["display_name"] == "王丽"
    problem(wu.post("/api/v1/users/wang.li/grants", json={"role": "caseworker", "jurisdiction": "５２００００"}),
            422, "/problems/validation")
    problem(wu.post("/api/v1/users/wang.li/grants", json={"role": "caseworker", "jurisdiction": "520000",
                                                          "reason": "x" * 501}), 422, "/problems/validation")
    refused = li.post("/api/v1/rounds", json={"policy_id": "guizhou-provincial-2022", "year": 2027,
                                              "opens_on": "2027-03-01", "closes_on": "2027-04-30",
                                              "document": "\u200b\u200b", "reason": "公布"})
    problem(refused, 422, "/problems/validation")


def test_issue15_the_case_list_finds_by_words_credit_code_or_id_and_year(rt, clock, callers):
    """GET /api/v1/cases?q=…&year=…: the same search as the /cases page."""
    wang = callers["caseworker.wang"]
    clock.set_day(date(2024, 4, 8))
    first = ok(wang.post(CASES, json=apply_body(on="2024-04-08", seed=1)), 201)
    ok(wang.post(CASES, json=apply_body(on="2024-04-08", seed=2)), 201)

    def ids(**params) -> list[str]:
        return [c["id"] for c in ok(wang.get(CASES, params=params))["items"]]

    assert ids(q="贵阳市创业园1") == [first["id"]]
    assert ids(q=first["operator"]["credit_code"].lower()) == [first["id"]]
    assert ids(q=first["id"][:10]) == [first["id"]]
    assert first["reference"] == "520000-2024-0001" and ids(q="2024-0001") == [first["id"]]  # the 受理编号
    assert len(ids(year=2024)) == 2 and ids(year=2023) == []
    problem(wang.get(CASES, params={"q": "x" * 101}), 422, "/problems/validation")
