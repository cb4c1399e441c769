"""Issue 15, "the OpenAPI document complete": /openapi.json describes every operation (what it
does, who may call it, the rules it enforces), with an example request and answer that are valid
by its own schemas, and documents every refusal an operation can answer as an RFC 9457 problem
under application/problem+json; and what the service really answers matches the document."""
from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from api import problems, refusals
from api.limits import EXPENSIVE, Limiter
from api.openapi_docs import MEDIA_TYPE
from tests.story import INSPECTOR, SUPERVISOR, Story, credit_code

# the document is the same on every storage: read it from one
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
METHODS = ("get", "post", "put", "patch", "delete")
# the operations that check a role: everyone else is refused with 403 (services.authz, services.duties)
ROLE_CHECKED = re.compile(r"^(post /api/v1/cases(/\{case_id\}/actions/.*)?|get /api/v1/stats|"
                          r"(get|post) /api/v1/users.*|get /api/v1/grants.*|get /api/v1/security-log.*|"
                          r"post /api/v1/client-locks/release|post /api/v1/rounds(/\{policy_id\}/\{year\}/decisions)?|"
                          r"post /api/v1/sessions)$")


@pytest.fixture
def document(client) -> dict[str, Any]:
    return client.get("/openapi.json").json()


def operations(document: dict[str, Any]):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if method in METHODS:
                yield f"{method} {path}", operation


def validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """`schema` of the document, its $refs to #/components resolved within the document."""
    return Draft202012Validator({**schema, "components": document["components"]}, format_checker=FormatChecker())


def success(operation: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    [(status, answer)] = [(s, a) for s, a in operation["responses"].items() if s.startswith("2")]
    return status, answer


def header_names(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}


def applicable(name: str, operation: dict[str, Any]) -> set[int]:
    """The refusals an operation can answer, from what it takes: every one needs a token (sign-in
    refuses a wrong password) and is guarded against invalid text; a body can be too large; a case
    can be missing; If-Match can be stale; an Idempotency-Key can be in use; a role can be lacking;
    an expensive read or a sign-in can be limited."""
    path = name.split(" ", 1)[1]
    statuses = {401, 422}
    statuses |= {413} if "requestBody" in operation else set()
    statuses |= {404} if "{case_id}" in path else set()
    statuses |= {412} if "If-Match" in header_names(operation) else set()
    statuses |= {409} if "Idempotency-Key" in header_names(operation) else set()
    statuses |= {403} if ROLE_CHECKED.match(name) else set()
    statuses |= {429} if path in EXPENSIVE or path == "/api/v1/sessions" else set()
    return statuses


def test_issue15_every_operation_says_what_it_does_who_may_call_it_and_shows_examples(document):
    """Each operation: a summary, a description naming who may call it, an example request body
    where it takes one and an example answer where the answer has a body."""
    names = [name for name, _ in operations(document)]
    assert len(names) >= 50
    for name, operation in operations(document):
        assert operation.get("summary"), name
        assert len(operation.get("description", "")) > 80, name
        assert "**Who may call:**" in operation["description"], name
        if "requestBody" in operation:
            assert "example" in operation["requestBody"]["content"]["application/json"], name
        status, answer = success(operation)
        if status != "204":
            assert "example" in answer["content"]["application/json"], name


def test_issue15_every_applicable_refusal_is_documented_as_a_problem(document):
    """401, 403, 404, 409, 412, 413, 422 and 429, wherever an operation can answer them: each
    with the Problem schema under application/problem+json and an example of that status."""
    problem = validator(document, {"$ref": "#/components/schemas/Problem"})
    for name, operation in operations(document):
        documented = {int(s) for s in operation["responses"] if s[0] in "45"}
        assert applicable(name, operation) <= documented, (name, applicable(name, operation) - documented)
        for status in documented:
            answer = operation["responses"][str(status)]
            assert answer["description"], (name, status)
            assert list(answer["content"]) == [MEDIA_TYPE], (name, status)
            content = answer["content"][MEDIA_TYPE]
            assert content["schema"] == {"$ref": "#/components/schemas/Problem"}, (name, status)
            assert content["examples"], (name, status)
            for example in content["examples"].values():
                body = example["value"]
                problem.validate(body)
                assert body["status"] == status and body["instance"].startswith("/api/v1/"), (name, body)


def test_issue15_the_problem_schema_has_every_member_the_service_answers(document):
    schema = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "field", "rule", "errors"} <= set(schema["properties"])
    assert {"type", "title", "status", "detail", "instance"} <= set(schema["required"])
    assert schema["additionalProperties"] is True  # allowed_actions, expected/actual, the ban …
    error = document["components"]["schemas"]["ProblemError"]
    assert set(error["properties"]) == {"field", "in", "message"}


def test_issue15_the_examples_are_valid_by_their_own_schemas(document):
    """An example that its schema refuses would teach a caller a request the service refuses."""
    checked = 0
    for _, operation in operations(document):
        if "requestBody" in operation:
            media = operation["requestBody"]["content"]["application/json"]
            validator(document, media["schema"]).validate(media["example"])
            checked += 1
        status, answer = success(operation)
        for media in answer.get("content", {}).values():
            if "example" in media:  # a workbook or a CSV has none
                validator(document, media["schema"]).validate(media["example"])
                checked += 1
    assert checked > 70


def test_issue15_every_problem_example_is_a_problem_the_service_answers(document):
    """The examples' types are those api/problems.py and api/refusals.py answer, not invented ones."""
    answered = set(problems.CODES.values()) | set(refusals.TITLES) | {"validation", "invalid-act"}
    for name, operation in operations(document):
        for answer in operation["responses"].values():
            for example in answer.get("content", {}).get(MEDIA_TYPE, {}).get("examples", {}).values():
                assert example["value"]["type"].removeprefix("/problems/") in answered, (name, example)


def test_issue15_the_document_states_the_apis_conventions(document):
    description = document["info"]["description"]
    for convention in ("fen", "Business date", "recorded_at", "If-Match", "ETag", "Idempotency-Key",
                       "Idempotent-Replayed", "keyset", "offset", "Accept-Language", "application/problem+json",
                       "Retry-After"):
        assert convention in description, convention


def test_issue15_every_group_of_operations_is_described(document):
    described = {t["name"]: t["description"] for t in document["tags"]}
    used = {tag for _, operation in operations(document) for tag in operation["tags"]}
    assert used == set(described) and all(described.values())


def test_issue15_act_descriptions_name_the_roles_and_rules_of_their_declaration(document):
    """Derived from statemachines/catalogue.py: approve is a supervisor's, cites R5 and keeps four eyes."""
    approve = document["paths"]["/api/v1/cases/{case_id}/actions/approve"]["post"]
    assert "`supervisor`" in approve["description"] and "`caseworker`" not in approve["description"]
    assert "R5" in approve["description"] and "four-eyes" in approve["description"]
    assert "four-eyes" in str(approve["responses"]["403"])
    inspect = document["paths"]["/api/v1/cases/{case_id}/actions/inspect"]["post"]
    assert "`caseworker` or `supervisor`" in inspect["description"] and "R4" in inspect["description"]
    window = document["paths"]["/api/v1/cases"]["post"]["responses"]["409"]["content"][MEDIA_TYPE]["examples"]
    assert window["window-closed"]["value"]["field"] == "applied_on"  # as apply names the act's `on`


def _documented(document, method: str, path: str, status: int) -> tuple[Draft202012Validator, set[str]]:
    answer = document["paths"][path][method]["responses"][str(status)]
    content = answer["content"][MEDIA_TYPE]
    return validator(document, content["schema"]), {e["value"]["type"] for e in content["examples"].values()}


def test_issue15_the_service_refuses_as_its_document_says(rt, clock, client, callers, document):
    """Real refusals of each status: answered as application/problem+json, valid by the Problem
    schema their operation documents, and of a type that operation's examples show."""
    applied = Story(rt, clock).apply(date(2026, 4, 10), seed=1, base="贵阳第一创业园").case.id
    story = Story(rt, clock)
    inspected = story.apply(date(2026, 4, 12), seed=2, base="贵阳第二创业园").case.id
    story.act("inspect", date(2026, 5, 20), actor=INSPECTOR, outcome="pass")
    story.until(date(2026, 5, 26))
    wang, li = callers["caseworker.wang"], callers[SUPERVISOR]
    act = "/api/v1/cases/{case_id}/actions/approve"
    limiter, client.app.state.limiter = client.app.state.limiter, Limiter(1, 1)
    answers = [
        ("get", "/api/v1/cases/{case_id}", 401, client.get(f"/api/v1/cases/{applied}")),
        ("get", "/api/v1/cases/{case_id}", 404, wang.get("/api/v1/cases/no-such-case")),
        ("get", "/api/v1/cases/{case_id}", 422, wang.get("/api/v1/cases/no%00such-case")),
        ("post", "/api/v1/sessions", 401, client.post("/api/v1/sessions", json={"username": "caseworker.wang",
                                                                                "password": "不是这个口令"})),
        ("post", "/api/v1/cases", 413, wang.post("/api/v1/cases", content=b"{" + b" " * 2_000_000 + b"}",
                                                 headers={"Content-Type": "application/json"})),
        ("post", act, 403, wang.act(inspected, "approve", on="2026-05-25", reason="同意")),
        ("post", act, 409, li.act(applied, "approve", on="2026-05-25", reason="同意")),
        ("post", act, 412, li.act(inspected, "approve", on="2026-05-25", reason="同意", headers={"If-Match": "1"})),
        ("post", act, 422, li.act(inspected, "approve", on="2026-05-25")),
        ("post", "/api/v1/cases", 409, wang.post("/api/v1/cases", json={
            "base": {"name": "贵阳第三创业园"}, "operator": {"name": "贵阳某公司", "credit_code": credit_code(3)},
            "level": "provincial", "jurisdiction": "520000", "applied_on": "2026-05-25"})),
        ("get", "/api/v1/cases/{case_id}/verify", 429, [wang.get(f"/api/v1/cases/{applied}/verify")
                                                        for _ in range(3)][-1]),
    ]
    client.app.state.limiter = limiter
    for method, path, status, answer in answers:
        assert answer.status_code == status, (path, answer.text)
        assert answer.headers["content-type"].startswith(MEDIA_TYPE), (path, status)
        schema, types = _documented(document, method, path, status)
        schema.validate(answer.json())
        assert answer.json()["type"] in types, (path, status, answer.json()["type"], types)


def test_issue15_the_docs_pages_load_nothing_from_other_hosts(client):
    """Swagger UI and ReDoc with their scripts and styles served by the app: every address their
    pages name is the service's own (the browser test under tests/acceptance draws them offline)."""
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        addresses = re.findall(r"""(?:src|href|url)\s*[=:(]\s*['"]([^'"]+)['"]""", html)
        assert addresses, page
        outside = [a for a in addresses if re.match(r"^(https?:)?//", a)]
        assert outside == [], (page, outside)
        for address in addresses:
            if address.startswith("/") and not address.startswith("/openapi.json"):
                assert client.get(address).status_code == 200, address
