"""The schedules are written twice by nature — prefect.yaml for `prefect deploy`, flows/serve.py for
`incubase run` — and must say the same: each deployment's cron, zone and entry point."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flows.serve import DEFAULT_CRONS, SCHEDULED, ZONE, schedules

CHECKOUT = Path(__file__).resolve().parents[2]


def deployments() -> dict[str, dict]:
    spec = yaml.safe_load((CHECKOUT / "prefect.yaml").read_text(encoding="utf-8"))
    return {d["name"]: d for d in spec["deployments"]}


def test_prefect_yaml_and_the_served_flows_share_every_schedule():
    deployed = deployments()
    assert {name for name, d in deployed.items() if d.get("schedules")} == set(DEFAULT_CRONS)
    for name, cron in DEFAULT_CRONS.items():
        assert deployed[name]["schedules"] == [{"cron": cron, "timezone": ZONE}], name


def test_each_deployment_runs_the_flow_of_its_name():
    for flow_ in SCHEDULED:
        path, function = deployments()[flow_.name]["entrypoint"].split(":")
        assert (CHECKOUT / path).is_file() and function == flow_.fn.__name__


def test_an_operator_may_move_a_schedule_but_not_name_a_flow_that_has_none():
    assert schedules({"deliver-reminders": "* * * * *"})["deliver-reminders"].cron == "* * * * *"
    with pytest.raises(ValueError, match="names no scheduled flow: refresh-provisional-dates"):
        schedules({"refresh-provisional-dates": "0 3 * * *"})
    with pytest.raises(ValueError, match="Invalid cron"):
        schedules({"deadline-sweep": "61 * * * *"})
