"""The composition root: wires settings, storage, clock, policies and calendar into a Runtime.

Only the entry points (cli, api, flows) import this; services never see db.
"""
from __future__ import annotations

from functools import partial

from config import Settings, get_settings
from config.clock import system_clock
from db.engine import make_engine
from db.uow import SqlUnitOfWork
from services.calendars import load_work_calendar
from services.policies import load_policies
from services.runtime import Clock, Runtime


def build_runtime(settings: Settings | None = None, *, clock: Clock = system_clock, engine=None) -> Runtime:
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url)
    return Runtime(
        uow=partial(SqlUnitOfWork, engine, clock),
        clock=clock,
        policies=load_policies(settings.policies_dir),
        calendar=load_work_calendar(settings.calendars_dir),
    )
