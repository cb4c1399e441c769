"""The runtime the flows act on: built from settings once per process, replaceable in tests."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date

from config import get_settings
from services.runtime import Runtime
from services.sweep import day_to_sweep

_runtime: Runtime | None = None
_senders: Mapping | None = None
_time_travel: bool | None = None


def runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        from bootstrap import build_runtime

        _runtime = build_runtime(flow_run=True)
    return _runtime


def senders() -> Mapping:
    global _senders
    if _senders is None:
        from bootstrap import build_senders

        _senders = build_senders()
    return _senders


def channels() -> tuple[str, ...]:
    return tuple(senders())


def resolve_as_of(as_of: date | None) -> date:
    """The business date of this run: the parameter, else the run's scheduled day, else today. In
    training mode a scheduled run sweeps for the training date (the runtime's clock), not the real day."""
    rt = runtime()
    travel = get_settings().time_travel if _time_travel is None else _time_travel
    if as_of is None and not rt.training:
        as_of = _scheduled_day()
    return day_to_sweep(as_of, rt.clock(), travel)


def _scheduled_day() -> date | None:
    """A scheduled run sweeps for the day it was meant for, even when it starts late (a backlog
    after an outage); a run started by hand (no deployment) takes the runtime's clock."""
    from prefect.runtime import deployment, flow_run

    from statemachines.acts import business_date

    scheduled = flow_run.scheduled_start_time if deployment.id else None
    return business_date(scheduled) if scheduled is not None else None


@contextmanager
def using(rt: Runtime, senders_: Mapping | None = None, *, time_travel: bool = True) -> Iterator[Runtime]:
    """Tests: run the flows on this runtime and these channels."""
    global _runtime, _senders, _time_travel
    saved = (_runtime, _senders, _time_travel)
    _runtime, _senders, _time_travel = rt, dict(senders_ or {}), time_travel
    try:
        yield rt
    finally:
        _runtime, _senders, _time_travel = saved
