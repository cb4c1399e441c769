"""Issue 16: `incubase prefect automations` (cli/prefect_automations.py) against a real Prefect API
(prefect_test_harness): the crash-zombies automation is created once, left alone when it is as wanted,
and brought back when someone changed it. Through the console script: tests/acceptance/test_deployments.py."""
from __future__ import annotations

from datetime import timedelta

import pytest

from cli.prefect_automations import CRASH_AFTER, CRASH_ZOMBIES, NoPrefectServer, ensure_automations


def _named(name: str):
    from prefect.automations import Automation
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        found = client.read_automations_by_name(name)
    return [Automation(**a.model_dump()) for a in found]


def test_issue16_the_crash_zombies_automation_is_created_once_and_kept_as_wanted(prefect_harness):
    assert ensure_automations() == [(CRASH_ZOMBIES, "created")]
    assert ensure_automations() == [(CRASH_ZOMBIES, "unchanged")]
    (automation,) = _named(CRASH_ZOMBIES)
    assert automation.trigger.within == CRASH_AFTER  # type: ignore[union-attr]

    automation.trigger.within = timedelta(minutes=30)  # type: ignore[union-attr]
    automation.update()
    assert ensure_automations() == [(CRASH_ZOMBIES, "updated")]
    (automation,) = _named(CRASH_ZOMBIES)
    assert automation.trigger.within == CRASH_AFTER  # type: ignore[union-attr]


def test_issue16_without_a_prefect_server_nothing_is_created_on_a_temporary_one():
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: ""}), pytest.raises(NoPrefectServer, match="PREFECT_API_URL"):
        ensure_automations()
