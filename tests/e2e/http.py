"""What the HTTP tests share: the paths, an application body, and checks of answers and problems."""
from __future__ import annotations

from tests.story import credit_code

CASES = "/api/v1/cases"
PROBLEM_JSON = "application/problem+json"


def apply_body(on: str = "2024-04-08", seed: int = 1, **over) -> dict:
    body = {
        "base": {"name": f"贵阳市创业园{seed}", "address": "贵阳市观山湖区"},
        "operator": {"name": "贵阳高新创业服务有限公司", "credit_code": credit_code(seed)},
        "level": "provincial", "jurisdiction": "520000", "applied_on": on,
    }
    body.update(over)
    return body


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def problem(response, status: int, type_: str) -> dict:
    """An RFC 9457 answer of this status and type, with a title and a detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == PROBLEM_JSON
    body = response.json()
    assert body["type"] == type_, body
    assert body["status"] == status and body["title"] and body["detail"]
    return body
