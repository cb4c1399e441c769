"""Issue 14's attacks on the pages, each reproduced through HTTP on both backends: forms posted from
another origin of the same host (CSRF, login CSRF, cross-site sign-out), cookies over HTTPS, the
security headers and the CSP, text and sizes the forms must refuse, and the work queue's pages
and rate limit. The browser half (the CSP obeyed, an attacker's page on another port) is in
test_browser.py."""
from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.web import csrf
from api.web.routes import router as pages
from api.web.signin import router as signin_pages
from config import Settings
from services import cases, users
from tests.signing_in import sign_in_page
from tests.story import CASEWORKER, INSPECTOR, SUPERVISOR, Story

from .conftest import PASSWORD, PageClient, token_on

ATTACKER = "http://127.0.0.1:9999"  # a page served on another port of the same host: same-site
COMPLAINT = {"on": "2026-11-22", "reason": "收到投诉", "summary": "伪造的投诉"}


def complaints(rt, case_id: str) -> int:
    return len(cases.get_case(rt, case_id).complaints)


def raw_client(rt, **settings) -> TestClient:
    """A client that sends only what it is told to: no Origin, no token, unless given."""
    return TestClient(create_app(Settings(**settings) if settings else None, runtime=rt), follow_redirects=False)


# --- #4: CSRF ------------------------------------------------------------------------------------

def test_issue14_4_a_form_posted_from_another_port_is_refused(rt, sign_in, department):
    """issue 14 #4: a page on another port of the same host posted a form and recorded
    record_complaint as the signed-in supervisor: SameSite=Strict does not separate ports."""
    supervisor = sign_in(SUPERVISOR)
    url = f"/cases/{department['recognized']}/acts/record_complaint"
    before = complaints(rt, department["recognized"])
    # what the browser sends for the attacker's page: the cookie (same site), its Origin, same-site
    for headers in ({"Origin": ATTACKER, "Sec-Fetch-Site": "same-site"}, {"Origin": ATTACKER},
                    {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}):
        answer = supervisor.post(url, data=COMPLAINT, headers=headers)  # even with the right token
        assert answer.status_code == 403, headers
        assert 'data-code="cross-site"' in answer.text and "不是从本系统的页面提交的" in answer.text
    # a browser that sends neither header leaves it to the token, which no other origin can read
    assert TestClient.post(supervisor, url, data={**COMPLAINT, "csrf": "forged"}).status_code == 403
    assert complaints(rt, department["recognized"]) == before
    assert supervisor.post(url, data=COMPLAINT).status_code == 303  # from its own page: recorded
    assert complaints(rt, department["recognized"]) == before + 1


def test_issue14_4_the_token_is_the_sessions_and_no_other(rt, sign_in, department):
    url = f"/cases/{department['recognized']}/acts/record_complaint"
    mine, theirs = sign_in(SUPERVISOR), sign_in(CASEWORKER)
    page = mine.get(f"/cases/{department['recognized']}").text
    forms = re.findall(r'<form method="post"[^>]*>(.*?)</form>', page, re.S)
    assert forms and all(f'name="csrf" value="{token_on(page)}"' in f for f in forms)  # every form, logout too
    their_token = theirs.form_token(url)
    before = complaints(rt, department["recognized"])
    own = token_on(page)
    for token in ("", their_token, own[:-1] + ("B" if own.endswith("A") else "A")):  # one character off
        assert mine.post(url, data={**COMPLAINT, "csrf": token}).status_code == 403
    assert complaints(rt, department["recognized"]) == before
    # a new sign-in is a new session: the old page's token is worth nothing
    old = token_on(page)
    mine.post("/logout")
    again = sign_in(SUPERVISOR)
    assert again.post(url, data={**COMPLAINT, "csrf": old}).status_code == 403


def test_every_post_route_of_the_pages_refuses_another_origin(rt, sign_in, department):
    """No page route that takes a POST is left without the origin check, whatever its path."""
    client = sign_in(SUPERVISOR)
    posts = [r.path for r in (*pages.routes, *signin_pages.routes) if "POST" in getattr(r, "methods", ())]
    assert {"/login", "/login/step", "/logout", "/account/password", "/cases/{case_id}/acts/{act}"} <= set(posts)
    for path in posts:
        url = path.replace("{case_id}", department["recognized"]).replace("{act}", "record_complaint")
        answer = client.post(url, data=COMPLAINT, headers={"Origin": ATTACKER, "Sec-Fetch-Site": "same-site"})
        assert answer.status_code == 403, path
    assert client.get("/queue").status_code == 200  # still signed in: the cross-site sign-out did nothing


def test_issue14_4_login_csrf_is_refused(rt, people):
    """issue 14 #4: another site could sign a browser in (as the attacker, to read what the victim
    enters then): the sign-in form has its own token, of a cookie only our sign-in page sets."""
    with raw_client(rt) as client:
        data = {"username": CASEWORKER, "password": PASSWORD, "next": "/queue"}
        # posted from the attacker's page, even with a token the attacker fetched for itself
        page = client.get("/login")
        answer = client.post("/login", data={**data, "csrf": token_on(page.text)},
                             headers={"Origin": ATTACKER, "Sec-Fetch-Site": "same-site"})
        assert answer.status_code == 403 and "incubase_session" not in answer.headers.get("set-cookie", "")
        assert "登录页面已过期" in answer.text
        # no token, or the token of another browser's sign-in page
        client.cookies.clear()
        assert client.post("/login", data=data).status_code == 403
        with raw_client(rt) as other:
            assert client.post("/login", data={**data, "csrf": token_on(other.get("/login").text)}).status_code == 403
        # from the sign-in page itself
        page = client.get("/login")
        answer = client.post("/login", data={**data, "csrf": token_on(page.text)})
        assert answer.status_code == 303 and "incubase_session=" in answer.headers["set-cookie"]


def test_issue14_4_cross_site_sign_out_is_refused(rt, sign_in, department):
    client = sign_in(CASEWORKER)
    session = client.cookies.get("incubase_session")
    assert client.post("/logout", headers={"Origin": ATTACKER, "Sec-Fetch-Site": "same-site"}).status_code == 403
    assert client.post("/logout", data={"csrf": "x"}).status_code == 403
    assert users.authenticate(rt, session).username == CASEWORKER  # still signed in
    assert client.post("/logout").status_code == 303  # the page's own button
    with pytest.raises(users.Unauthenticated):
        users.authenticate(rt, session)


def test_issue14_4_over_https_the_cookies_are_secure_and_host_prefixed(rt, people):
    """issue 14 #4: cookies Secure when served over HTTPS (INCUBASE_HTTPS), with the __Host- prefix, so
    no http:// page or sibling subdomain can set or replace them."""
    app = create_app(Settings(https=True), runtime=rt)
    with PageClient(app, base_url="https://testserver", follow_redirects=False) as client:
        page = client.get("/login?lang=zh")
        for cookie in page.headers.get_list("set-cookie"):
            assert cookie.startswith("__Host-") and "Secure" in cookie and "Path=/" in cookie
            assert "domain" not in cookie.lower()
        assert page.headers["strict-transport-security"] == "max-age=31536000"
        answer = client.post("/login", data={"username": CASEWORKER, "password": PASSWORD, "next": "/queue"})
        assert answer.status_code == 303
        session = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("__Host-incubase_session="))
        assert "Secure" in session and "HttpOnly" in session and "samesite=strict" in session.lower()
        assert client.get("/queue").status_code == 200
        # over https the expected origin is https://host, whatever the proxy speaks to the app
        refused = client.post("/logout", headers={"Origin": "http://testserver"})
        assert refused.status_code == 403
    with raw_client(rt) as plain:
        cookie = plain.get("/login").headers["set-cookie"]
        assert cookie.startswith("incubase_login=") and "Secure" not in cookie


# --- #5: headers and the CSP ---------------------------------------------------------------------

def test_issue14_5_every_page_has_a_csp_without_unsafe_inline_and_no_inline_code(rt, sign_in, department):
    """issue 14 #5: no security headers; the audit page had an inline script."""
    client = sign_in("auditor.chen")
    pages = ["/login", "/queue", "/dashboard", f"/cases/{department['recognized']}",
             f"/cases/{department['recognized']}/audit", "/cases/none", "/static/web.css", "/static/audit.js"]
    for url in pages:
        answer = client.get(url)
        assert answer.status_code in (200, 404), url
        policy = answer.headers["content-security-policy"]
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, url
        assert "script-src 'self'" in policy and "style-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert answer.headers["x-content-type-options"] == "nosniff" and answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "same-origin"
        if answer.headers["content-type"].startswith("text/html"):
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", answer.text), url  # no inline script
            assert not re.search(r"\sstyle=|<style", answer.text), url  # no inline style
            assert not re.search(r"\son[a-z]+=", answer.text), url  # no event handler attributes
    assert '<script src="/static/audit.js" defer></script>' in client.get(
        f"/cases/{department['recognized']}/audit").text


# --- #7: the forms' text ---------------------------------------------------------------------------

def test_issue14_7_a_reason_of_five_million_characters_is_refused_and_nothing_stored(rt, sign_in, department):
    """issue 14 #7: the web forms accepted a 5,000,000-character reason that was then stored forever."""
    client = sign_in(CASEWORKER)
    url = f"/cases/{department['recognized']}/acts/record_complaint"
    before = len(cases.history(rt, department["recognized"]))
    huge = client.post(url, data={**COMPLAINT, "reason": "理" * 5_000_000})
    assert huge.status_code == 413 and 'data-code="too-large"' in huge.text and "提交的内容过大" in huge.text
    long = client.post(url, data={**COMPLAINT, "reason": "理" * 4001})  # the API's limit, beside the field
    assert long.status_code == 422
    assert re.search(r'data-field="reason">内容过长：最多 4000 个字符<', long.text)
    assert len(cases.history(rt, department["recognized"])) == before


def test_issue14_7_nul_in_a_form_a_query_or_a_path_is_a_page_not_a_500(rt, sign_in, department):
    """issue 14 #7: NUL bytes gave 500 on PostgreSQL (in bodies and in paths such as /cases/%00)."""
    client = sign_in(CASEWORKER)
    url = f"/cases/{department['recognized']}/acts/record_complaint"
    before = len(cases.history(rt, department["recognized"]))
    answer = client.post(url, data={**COMPLAINT, "summary": "投诉\x00"})
    assert answer.status_code == 422 and 'data-code="invalid-text"' in answer.text and "空字符" in answer.text
    for page in ("/cases/%00", f"/cases/{department['recognized']}%00/audit", "/queue?q=%00",
                 "/dashboard?jurisdiction=%00"):
        refused = client.get(page)
        assert refused.status_code == 422 and "text/html" in refused.headers["content-type"], page
    assert len(cases.history(rt, department["recognized"])) == before


def test_issue14_7_a_form_takes_names_as_normalised_and_a_version_in_other_digits(rt, sign_in, department):
    client = sign_in(INSPECTOR)
    answer = client.post(f"/cases/{department['applied']}/acts/inspect",
                         data={"on": "2026-05-20", "reason": "现场考察\u200b", "outcome": "pass",
                               "inspectors": f"{INSPECTOR}\u200b，ｃａｓｅｗｏｒｋｅｒ.ｗａｎｇ", "version": "²"})
    assert answer.status_code == 303, answer.text
    case = cases.get_case(rt, department["applied"])
    assert case.inspectors == [INSPECTOR, CASEWORKER]
    assert cases.history(rt, case.id)[-1].reason == "现场考察"


def test_issue14_7_the_queue_search_is_normalised(sign_in, department):
    found = sign_in(CASEWORKER).get("/queue", params={"q": "毕节\u200b"}).text
    assert re.findall(r'data-case="([^"]+)"', found) == [department["inspected"]]


# --- #10: the queue pages, and the expensive pages limited -------------------------------------------

def test_issue14_10_the_queue_is_paged_by_keyset_and_its_counts_are_the_whole(rt, clock, people):
    """issue 14 #10: /queue was one page of every case (776 KB). Pages of queue_page_size rows, each
    starting after the last row shown; the counts per kind are still of the whole queue."""
    for seed in range(1, 13):
        Story(rt, clock).apply(date(2026, 4, 15), seed=seed, base=f"第{seed:02d}创业园")
    clock.set_day(date(2026, 11, 22))
    app = create_app(Settings(queue_page_size=10), runtime=rt)
    with PageClient(app, follow_redirects=False) as client:
        assert client.post("/login", data={"username": CASEWORKER, "password": PASSWORD}).status_code == 303
        first = client.get("/queue").text
        rows = re.findall(r'<tr class="\w+" data-case="([^"]+)"', first)
        assert len(rows) == 10 and re.search(r'data-kind="inspection"[^>]*>\s*[^<]+<b class="count">12</b>', first)
        assert "(12)" in first  # the group's size, not the page's
        link = re.search(r'<a href="([^"]+)" id="next-page"', first).group(1).replace("&amp;", "&")
        second = client.get(link).text
        more = re.findall(r'<tr class="\w+" data-case="([^"]+)"', second)
        assert len(more) == 2 and not set(rows) & set(more) and 'id="next-page"' not in second
        assert 'id="first-page"' in second
        # a marker no page gave is a readable 400, not a 500
        for after in ("garbage", "WzEsMl0=", "WyJhIiwiYiIsImMiLCJkIiwiZSIsImYiXQ=="):
            bad = client.get("/queue", params={"after": after})
            assert bad.status_code == 400 and 'data-code="bad-page"' in bad.text, after


def test_issue14_10_one_users_expensive_pages_are_limited_with_a_readable_page(rt, clock, people, totp_secrets,
                                                                              department):
    app = create_app(Settings(expensive_reads_burst=2, expensive_reads_per_minute=1), runtime=rt)
    with PageClient(app, follow_redirects=False) as client, PageClient(app, follow_redirects=False) as other:
        for c, who in ((client, CASEWORKER), (other, SUPERVISOR)):
            assert sign_in_page(c, who, PASSWORD, clock, totp_secrets.get(who)).status_code == 303
        assert client.get("/queue").status_code == 200 and client.get("/dashboard").status_code == 200
        refused = client.get("/queue")
        assert refused.status_code == 429 and 'data-code="rate-limited"' in refused.text
        seconds = refused.headers["Retry-After"]
        assert 1 <= int(seconds) <= 60 and f"请 {seconds} 秒后再试" in refused.text
        assert other.get("/queue").status_code == 200  # another user is not slowed
        assert client.get(f"/cases/{department['applied']}").status_code == 200  # a case page is not counted


def test_the_form_token_is_an_hmac_of_the_cookie():
    """Nothing is stored for it: the same secret gives the same token, another secret another one."""
    a, b = csrf.new_secret(), csrf.new_secret()
    assert csrf.token_for(a) == csrf.token_for(a) != csrf.token_for(b) and a not in csrf.token_for(a)


def test_issue14_7_a_forms_boxes_say_the_apis_limits(sign_in, department):
    """The same limits for the API and the forms: each box's maxlength is its request model's."""
    from api.act_models import ACT_MODELS

    page = sign_in(CASEWORKER).get(f"/cases/{department['applied']}").text
    boxes = dict(re.findall(r'id="inspect-(\w+)" name="\w+"[^>]*?maxlength="(\d+)"', page))
    schema = ACT_MODELS["inspect"].model_json_schema()["properties"]
    assert boxes == {"findings": str(schema["findings"]["maxLength"]), "reason": str(schema["reason"]["maxLength"])}
    assert boxes["reason"] == "4000"
