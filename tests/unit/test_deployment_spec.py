"""Issue 16: what prefect.yaml gives every deployed flow run, checked against the code that relies on it.
(The deployments themselves, applied and run by real workers: tests/acceptance/test_deployments.py.)"""
from __future__ import annotations

import os
from pathlib import Path

import yaml

from cli.prefect_automations import CRASH_AFTER, HEARTBEAT_SECONDS
from config import PROJECT_ROOT
from flows.checkout import enter_checkout

SPEC = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))


def test_issue16_the_pull_step_has_nothing_for_prefect_deploy_to_fill_in():
    """`{{ $VAR }}` in a pull step is filled in on the deploying machine: no placeholder at all."""
    assert SPEC["pull"] == [{"flows.checkout.enter_checkout": {}}]
    assert not any("pull" in d for d in SPEC["deployments"])


def test_issue16_every_deployed_run_is_in_deployment_mode_and_beats_faster_than_the_crash_window():
    for deployment in SPEC["deployments"]:
        env = deployment["work_pool"]["job_variables"]["env"]
        assert env["INCUBASE_MODE"] == "deployment", deployment["name"]
        assert int(env["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"]) == HEARTBEAT_SECONDS, deployment["name"]
    # Prefect refuses a frequency under 30 s; a window of one beat would crash a run whose beat is late
    assert HEARTBEAT_SECONDS >= 30 and CRASH_AFTER.total_seconds() >= 3 * HEARTBEAT_SECONDS


def test_issue16_the_pull_step_enters_the_installation_its_entrypoints_are_found_in(tmp_path):
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        assert enter_checkout() == {"directory": str(PROJECT_ROOT)}
        assert Path.cwd() == PROJECT_ROOT
        for deployment in SPEC["deployments"]:
            assert Path(deployment["entrypoint"].split(":")[0]).is_file(), deployment["entrypoint"]
    finally:
        os.chdir(before)
