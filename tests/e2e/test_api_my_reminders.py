"""issue 15, my reminders: GET /api/v1/reminders?recipient=me is the signed-in user's in-app inbox,
escalations first, each step in words; its errors are problem+json and documented in OpenAPI."""
from __future__ import annotations

from datetime import date

from services.sweep import sweep
from tests.story import Story


def _late_report(rt, clock) -> Story:
    """Recognised 2024-06-14 (the grant due that day); the 2024 report reminded 7 days ahead, then overdue."""
    story = Story(rt, clock)
    story.recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14))
    story.until(date(2024, 6, 14))
    for day in (date(2025, 3, 24), date(2025, 4, 1)):
        clock.set_day(day)
        sweep(rt, day)
    return story


def test_issue_15_my_reminders_are_the_users_inbox_escalations_first(rt, clock, callers):
    """issue 15: the caseworker's inbox holds their reminders and the escalation, 逾期督办 first, then the
    newest; the supervisor's holds only the escalation; nobody sees another's, nor another province's."""
    story = _late_report(rt, clock)
    wang = callers["caseworker.wang"].get("/api/v1/reminders", params={"recipient": "me"})
    assert wang.status_code == 200
    rows = wang.json()
    assert [(r["timer_kind"], r["step"], r["step_label"]) for r in rows] == [
        ("annual_report", "overdue", "逾期督办"),
        ("annual_report", "d7", "到期前7日"),
        ("instalment", "d0", "到期当日")]
    assert {(r["recipient"], r["channel"], r["case_id"]) for r in rows} == {
        ("user:caseworker.wang", "inbox", story.case_id)}
    # the case-wide list (no recipient) still has the operator's and the supervisors' too
    everyone = callers["caseworker.wang"].get("/api/v1/reminders").json()
    assert {r["recipient"] for r in everyone} > {"user:caseworker.wang"}
    li = callers["supervisor.li"].get("/api/v1/reminders", params={"recipient": "me"}).json()
    assert [(r["recipient"], r["step"]) for r in li] == [("user:supervisor.li", "overdue")]
    assert callers["caseworker.zhao"].get("/api/v1/reminders", params={"recipient": "me"}).json() == []
    assert callers["caseworker.hu"].get("/api/v1/reminders", params={"recipient": "me"}).json() == []
    paged = callers["caseworker.wang"].get("/api/v1/reminders", params={"recipient": "me", "limit": 1, "offset": 1})
    assert [r["step"] for r in paged.json()] == ["d7"]


def test_issue_15_my_reminders_refuses_an_unknown_recipient_and_a_missing_token_as_problems(rt, clock, callers,
                                                                                           client):
    """issue 15: recipient=someone-else is a 422 problem naming the field, no token a 401 problem; neither
    shows a reminder."""
    _late_report(rt, clock)
    other = callers["caseworker.zhao"].get("/api/v1/reminders", params={"recipient": "caseworker.wang"})
    assert other.status_code == 422 and other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["field"] == "recipient"
    anonymous = client.get("/api/v1/reminders", params={"recipient": "me"})
    assert anonymous.status_code == 401 and anonymous.headers["content-type"].startswith("application/problem+json")


def test_issue_15_the_openapi_document_describes_recipient_me_and_its_problems(client):
    """issue 15: the operation documents `recipient` and its 401 and 422 answers as problem+json."""
    document = client.get("/openapi.json").json()
    operation = document["paths"]["/api/v1/reminders"]["get"]
    recipient = next(p for p in operation["parameters"] if p["name"] == "recipient")
    assert "me" in str(recipient["schema"]) and recipient["description"]
    for status in ("401", "422"):
        content = operation["responses"][status]["content"]
        assert "application/problem+json" in content, status
        assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}, status
        schema = document["components"]["schemas"]["Problem"]
        assert {"type", "title", "status", "detail", "instance"} <= set(schema["required"]), status
