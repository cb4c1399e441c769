from tests.story import credit_code


def test_r1_apply_over_http_returns_the_case_with_its_allowed_actions(rt, clock, callers):
    from datetime import date

    clock.set_day(date(2024, 4, 8))
    wang = callers["caseworker.wang"]
    response = wang.post("/api/v1/cases", json={
        "base": {"name": "贵阳市大学生创业园", "address": "贵阳市观山湖区"},
        "operator": {"name": "贵阳高新创业服务有限公司", "credit_code": credit_code(1)},
        "level": "provincial", "jurisdiction": "520000", "applied_on": "2024-04-08",
    })
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["state"] == "applied" and body["version"] == 1
    assert body["allowed_actions"] == ["inspect", "withdraw"]  # reject is a supervisor's
    assert response.headers["ETag"] == '"1"'
