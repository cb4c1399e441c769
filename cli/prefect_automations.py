"""`incubase prefect automations`: the automations a self-hosted Prefect server needs for incubase's
deployments, created (or brought up to date) under fixed names, so running it again changes nothing.

A worker's machine that dies takes its flow run with it, and a self-hosted server keeps that run
Running for good. Deployed flow runs beat every HEARTBEAT_SECONDS (prefect.yaml sets
PREFECT_FLOWS_HEARTBEAT_FREQUENCY); the automation below marks a run Crashed when no heartbeat nor
final state follows its last heartbeat within CRASH_AFTER — Prefect's documented "crash zombie flows"
automation (docs/prefect.md "Crashed machines"). Nothing re-runs the crashed run: its work is claimed in
incubase's own tables, released when its database session died, and taken by the next scheduled run.
"""
from __future__ import annotations

from datetime import timedelta

import typer

# what prefect.yaml sets for every deployed flow run; Prefect 3.8.8 accepts 30 s at least
HEARTBEAT_SECONDS = 30
# three missed heartbeats: a run busy in one long statement still beats (the beat is its own thread)
CRASH_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)
CRASH_ZOMBIES = "incubase: crash zombie flow runs"


class NoPrefectServer(Exception):
    """PREFECT_API_URL is not set: an automation on a temporary server would vanish with it."""

    WORDS = {"en": "PREFECT_API_URL is not set: name the Prefect server the workers use, e.g. "
                   "export PREFECT_API_URL=http://prefect.internal:4200/api",
             "zh": "未设置 PREFECT_API_URL：请指明工作进程所用的 Prefect 服务器，例如 "
                   "export PREFECT_API_URL=http://prefect.internal:4200/api"}

    def __init__(self) -> None:
        super().__init__(self.WORDS["en"])

    def localized(self, lang: str) -> str:
        return self.WORDS.get(lang, self.WORDS["en"])


def crash_zombies():
    """The automation's definition (prefect.automations.Automation), as Prefect documents it."""
    from prefect.automations import Automation
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    final = {f"prefect.flow-run.{state}" for state in ("Completed", "Failed", "Cancelled", "Crashed")}
    return Automation(
        name=CRASH_ZOMBIES,
        description=f"A flow run with no heartbeat for {CRASH_AFTER.seconds} s lost its machine: mark it Crashed "
                    "(created by `incubase prefect automations`).",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", *final},
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=CRASH_AFTER,
        ),
        actions=[ChangeFlowRunState(state=StateType.CRASHED, name=None, force=False,
                                    message=f"no heartbeat for {CRASH_AFTER.seconds} s: the run's machine is gone")],
    )


def ensure_automations() -> list[tuple[str, str]]:
    """Creates each automation missing on the server of PREFECT_API_URL and updates one that differs:
    [(name, "created" | "updated" | "unchanged")]."""
    from prefect.automations import AutomationCore
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise NoPrefectServer()
    done = []
    with get_client(sync_client=True) as client:
        for wanted in (crash_zombies(),):
            # the server refuses an update naming an owner (Automation.update leaves it out too)
            spec = AutomationCore(**wanted.model_dump(exclude={"id", "owner_resource"}))
            existing = client.read_automations_by_name(wanted.name)
            if not existing:
                client.create_automation(spec)
                done.append((wanted.name, "created"))
                continue
            current = AutomationCore(**existing[0].model_dump(exclude={"id", "owner_resource"}))
            if current == spec:
                done.append((wanted.name, "unchanged"))
            else:
                client.update_automation(existing[0].id, spec)
                done.append((wanted.name, "updated"))
    return done


prefect_app = typer.Typer(help="The Prefect server of a several-machine deployment.", no_args_is_help=True)


@prefect_app.command("automations")
def automations() -> None:
    """Create the automations incubase's deployments need (crashed machines' runs marked Crashed) on the
    Prefect server of PREFECT_API_URL; run again, it changes nothing. Run once per server, after
    `prefect deploy --all`."""
    import httpx

    from cli.main import _refusal, console_language

    try:
        done = ensure_automations()
    except NoPrefectServer as exc:
        _refusal(exc)
        raise typer.Exit(2) from None
    except httpx.HTTPError as exc:
        typer.echo(f"错误：PREFECT_API_URL 所指的 Prefect 服务器无法连接：{exc}" if console_language() == "zh"
                   else f"error: the Prefect server at PREFECT_API_URL does not answer: {exc}", err=True)
        raise typer.Exit(2) from None
    for name, what in done:
        typer.echo(f"{what}: {name}")
