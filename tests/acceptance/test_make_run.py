"""`make run` on a fresh clone, as a new user starts the product: the whole service on SQLite.

One clone, one `make run` for the module (it installs, migrates, loads the demo, then starts the
Prefect server, the served flows and the API); the tests then use it as its users do and end
with Ctrl-C. What each test proves would have failed on the product as it was (issue 11):
no scheduled run at all (SQLAlchemy 2.1), blank /docs offline, the Prefect UI calling an
analytics host, four eyes kept between strings instead of people, a relative pages address.

deliver-reminders is scheduled every minute here (INCUBASE_SCHEDULES) so that a run the scheduler
created, not one the test triggered, is seen completing within the test's time.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import signal
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.acceptance.conftest import (
    PrefectApi,
    Service,
    alive,
    clean_env,
    fresh_clone,
    processes_mentioning,
    wait_until,
)
from tests.browser import chromium, needs_browser, outside_requests
from tests.net import free_port, port_open
from tests.webhook import Receiver, receiving

SHANGHAI = ZoneInfo("Asia/Shanghai")
SECRET = "acceptance-webhook-secret"
SCHEDULED = {  # the served deployments with a schedule, and their cron (prefect.yaml, README)
    "served-deadline-sweep": "30 1 * * *",
    "served-deliver-reminders": "* * * * *",  # */5 by default; every minute for this test
    "served-open-application-round": "0 8 * * *",
    "served-close-application-round": "5 0 * * *",
    "served-daily-anchor": "15 0 * * *",
}


class Running:
    def __init__(self, service: Service, clone, api_port: int, prefect_port: int, webhook: Receiver) -> None:
        self.service, self.clone, self.webhook = service, clone, webhook
        self.ports = (api_port, prefect_port)
        self.base = f"http://127.0.0.1:{api_port}"
        self.prefect_ui = f"http://127.0.0.1:{prefect_port}"
        self.prefect = PrefectApi(f"{self.prefect_ui}/api")
        printed = service.output()
        self.tokens = dict(re.findall(r"^\s+\w+\s+([a-z.]+)\s+(ib_\S+)$", printed, re.MULTILINE))
        self.password = re.search(r"password (\S+)$", printed, re.MULTILINE).group(1)

        self.clients: dict[str, httpx.Client] = {}

    def as_user(self, username: str) -> httpx.Client:
        if username not in self.clients:
            self.clients[username] = httpx.Client(base_url=f"{self.base}/api/v1", timeout=30,
                                                  headers={"Authorization": f"Bearer {self.tokens[username]}"})
        return self.clients[username]

    def close(self) -> None:
        for client in (*self.clients.values(), self.prefect.http):
            client.close()


def today() -> str:
    return datetime.now(SHANGHAI).date().isoformat()


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    clone = fresh_clone(tmp_path_factory.mktemp("fresh-clone"))
    with receiving() as webhook:
        yield from _running(clone, webhook, tmp_path_factory)


def _running(clone, webhook: Receiver, tmp_path_factory):
    api_port, prefect_port = free_port(), free_port()
    env = clean_env(INCUBASE_API_PORT=str(api_port), INCUBASE_PREFECT_PORT=str(prefect_port),
                    INCUBASE_WEBHOOK_URL=webhook.url,
                    INCUBASE_WEBHOOK_SECRET=SECRET,
                    INCUBASE_SCHEDULES=json.dumps({"deliver-reminders": "* * * * *"}))
    service = Service.start(["make", "run"], clone, env, tmp_path_factory.mktemp("logs") / "make-run.log")
    running = None
    try:
        service.wait_for(r"^Ctrl-C stops everything\.$")
        running = Running(service, clone, api_port, prefect_port, webhook)
        yield running
    finally:
        if running is not None:
            running.close()
        if service.process.poll() is None:
            service.kill()


def test_make_run_prints_the_full_address_of_every_part(product):
    printed = product.service.output()
    running = printed[printed.index("incubase is running:"):]
    assert f"web pages  {product.base}/login" in running  # issue 11.6: once a relative path, outside the block
    assert f"API docs   {product.base}/docs" in running and f"Prefect UI {product.prefect_ui}" in running
    assert re.search(rf"^web pages: {re.escape(product.base)}/login as caseworker\.wang", printed, re.MULTILINE)
    # issue 14, 三员分立: a token for each of the three administrators, three accounts
    assert set(product.tokens) == {"caseworker.wang", "supervisor.li", "auditor.chen", "sysadmin.zhou", "secadmin.wu",
                                   "auditadmin.zheng"}


def served_deployments(product) -> dict[str, dict]:
    """Prefect's deployments once `serve` has registered all of its own, one by one, the on-demand
    one included: the service prints its addresses before the last of them may exist."""
    served = SCHEDULED.keys() | {"served-refresh-provisional-dates"}
    return wait_until(lambda: (d := product.prefect.deployments()).keys() >= served and d,
                      60, "the served deployments appearing")


def test_the_scheduler_creates_runs_for_every_scheduled_deployment(product):
    deployments = served_deployments(product)
    for name, cron in SCHEDULED.items():
        schedules = [s["schedule"] for s in deployments[name]["schedules"]]
        assert [(s["cron"], s["timezone"]) for s in schedules] == [(cron, "Asia/Shanghai")], name

    def planned(name: str) -> list[dict]:
        return [r for r in product.prefect.flow_runs(deployments[name]["id"])
                if r["auto_scheduled"] and r["state_type"] in ("SCHEDULED", "PENDING", "RUNNING", "COMPLETED")]

    # with SQLAlchemy 2.1 Prefect's scheduler raised on every loop and planned nothing at all
    runs = {name: wait_until(lambda n=name: planned(n), 90, f"the scheduler planning a run of {name}")
            for name in SCHEDULED}
    first_sweep = datetime.fromisoformat(runs["served-deadline-sweep"][0]["expected_start_time"]).astimezone(SHANGHAI)
    assert (first_sweep.hour, first_sweep.minute) == (1, 30)  # 01:30 in Asia/Shanghai, whatever the server's zone
    assert "served-refresh-provisional-dates" in deployments  # on demand: no schedule, no runs planned
    assert deployments["served-refresh-provisional-dates"]["schedules"] == []


def test_r5_four_eyes_between_people_on_the_running_service(product):
    wang, li = product.as_user("caseworker.wang"), product.as_user("supervisor.li")
    case = "demo-as-kechuang"  # the demo's application waiting for inspection
    before = li.get(f"/cases/{case}/events").json()
    answer = wang.post(f"/cases/{case}/actions/inspect", json={
        "on": today(), "reason": "现场考察", "outcome": "pass", "inspectors": ["李强", "王芳"]})
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "/problems/unknown-inspector"
    assert answer.json()["usernames"] == {"李强": "supervisor.li", "王芳": "caseworker.wang"}
    assert li.get(f"/cases/{case}/events").json() == before  # nothing written

    answer = wang.post(f"/cases/{case}/actions/inspect", json={
        "on": today(), "reason": "现场考察", "outcome": "pass", "inspectors": ["supervisor.li"], "experts": ["钱七"]})
    assert answer.status_code == 200, answer.text
    refused = li.post(f"/cases/{case}/actions/approve", json={"on": today(), "reason": "同意认定"})
    assert (refused.status_code, refused.json()["type"], refused.json()["rule"]) == (403, "/problems/four-eyes", "R5")
    assert li.get(f"/cases/{case}").json()["state"] == "inspected"


def test_a_deployment_run_triggered_through_prefect_fires_the_due_timers(product):
    li = product.as_user("supervisor.li")
    case = "demo-bj-shuangchuang"  # inspected by caseworker.zhao: supervisor.li may approve
    approved = li.post(f"/cases/{case}/actions/approve", json={"on": today(), "reason": "经研究，同意认定"})
    assert approved.status_code == 200, approved.text
    def due_now() -> set[tuple[str, str]]:
        pending = li.get("/timers", params={"limit": 1000}).json()["items"]  # a page (issue 16)
        return {(t["kind"], t["key"]) for t in pending if t["case_id"] == case and t["fires_on"] <= today()}

    due = due_now()
    assert due, f"approving on {today()} leaves no timer due today: {approved.json()['timers']}"
    events = len(li.get(f"/cases/{case}/events").json())

    deployment = served_deployments(product)["served-deadline-sweep"]
    run = product.prefect.create_run(deployment["id"])  # as an operator does, not by calling the flow
    finished = product.prefect.finished(run["id"], 120)
    assert finished["state_type"] == "COMPLETED", finished["state"]

    assert due_now() == set()  # each due timer fired …
    fired = li.get(f"/cases/{case}/events").json()[events:]
    assert fired and {e["actor"] for e in fired} == {"system"} and {e["on"] for e in fired} == {today()}
    planned = li.get("/reminders", params={"case_id": case}).json()
    assert any(r["channel"] == "webhook" and r["send_on"] == today() for r in planned), planned  # … and was announced


@needs_browser
def test_the_pages_ask_no_host_but_the_service(product):
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        outside = outside_requests(context)
        page = context.new_page()

        page.goto(f"{product.base}/docs")
        page.locator(".opblock").first.wait_for(timeout=20_000)  # Swagger UI drawn: blank when its CDN is gone
        assert page.locator(".opblock").count() > 10
        page.goto(f"{product.base}/redoc")
        page.locator("h2", has_text="Apply: open a case (R1–R3)").first.wait_for(timeout=20_000)  # ReDoc drawn

        page.goto(f"{product.base}/login")
        page.get_by_label("用户名").fill("caseworker.wang")
        page.get_by_label("密码").fill(product.password)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{product.base}/queue")
        page.goto(f"{product.base}/cases/demo-gy-daxuesheng")
        assert "贵阳市大学生创业园" in page.locator("h1").inner_text()

        page.goto(product.prefect_ui)
        page.get_by_text("Deployments").first.wait_for(timeout=30_000)
        page.goto(f"{product.prefect_ui}/deployments")
        page.get_by_text("served-deadline-sweep").first.wait_for(timeout=30_000)
        page.wait_for_timeout(3_000)  # an analytics client reports a moment after the page is drawn
        context.close()
    assert outside == [], f"pages made the browser ask other hosts for {outside}"


def test_deliver_reminders_runs_on_its_own_schedule_and_sends_the_signed_webhook(product):
    deployment = served_deployments(product)["served-deliver-reminders"]

    def sent_by_schedule():
        done = [r for r in product.prefect.flow_runs(deployment["id"])
                if r["auto_scheduled"] and r["state_type"] == "COMPLETED"]
        return done and product.webhook.accepted

    wait_until(sent_by_schedule, 150, "a scheduled deliver-reminders run sending the planned webhook", every=2)
    headers, raw = product.webhook.accepted[0]
    assert headers["X-Incubase-Signature"] == "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    sent = [json.loads(r) for _, r in product.webhook.accepted]
    assert any(m["case_id"] == "demo-bj-shuangchuang" for m in sent), sent


def test_ctrl_c_stops_everything_and_frees_the_ports(product):
    service = product.service
    assert all(port_open(p) for p in product.ports)
    service.interrupt(signal.SIGINT)  # what a terminal sends the foreground job on Ctrl-C
    assert "stopping" in service.output()
    left = [pid for pid in service.seen if pid != service.process.pid and alive(pid)]
    assert left == [], f"processes left behind: {left}"
    assert processes_mentioning(str(product.clone)) == []
    wait_until(lambda: not any(port_open(p) for p in product.ports), 10, "the ports being freed")
