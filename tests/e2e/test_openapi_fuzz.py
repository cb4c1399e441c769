"""Schemathesis against /openapi.json: generated requests to every operation, none answered 500.

Bounded (a few examples per operation, derandomised) so it runs in `make test`; the seed data
gives the generated requests a real case to hit besides the random ids. The operations are
walked in one test, with hypothesis driven directly: schemathesis' lazy pytest fixture loader
does not run under pytest 9.
"""
from __future__ import annotations

from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from api.main import create_app
from services import users
from tests.story import Story

EXAMPLES_PER_OPERATION = 12


# hypothesis compares the global `random` state before and after drawing a case; a thread left by an
# earlier test of the same pytest worker moves it now and then (the websockets client under Prefect's
# events client draws its reconnect backoff from `random`), and the deprecation, an error under the
# suite's filterwarnings, failed this test by chance
@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
def test_no_generated_request_gets_a_server_error(rt, clock):
    users.add_user(rt, "supervisor.fuzz", "模糊测试", [("supervisor", "000000")])
    headers = {"Authorization": f"Bearer {users.create_token(rt, 'supervisor.fuzz', 'fuzz')}"}
    Story(rt, clock).recognize(date(2024, 4, 8), date(2024, 5, 16), date(2024, 6, 14), case_id="fuzz-case")
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(runtime=rt))

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20  # every route of the contract is in the schema
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), database=None)
        def no_server_error(case):
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        no_server_error()
