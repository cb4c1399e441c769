"""The composition root: wires settings, storage, clock, policies and calendar into a Runtime.

Only the entry points (cli, api, flows) import this; services never see db.
"""
from __future__ import annotations

from datetime import timedelta
from functools import partial

from bootstrap.readiness import engine_for
from config import Settings, get_settings
from config.clock import system_clock
from db.deployment import database_purpose, training_day
from db.uow import SqlUnitOfWork
from services.calendars import load_work_calendar
from services.policies import load_policies
from services.ports import ChainLinks
from services.runtime import Clock, Runtime
from services.security_policy import SecurityPolicy
from services.training import TrainingClock, check_mode


def build_senders(settings: Settings | None = None) -> dict:
    """The outbound channels the settings turn on, keyed by channel name."""
    from notify.email import SmtpSender
    from notify.webhook import WebhookSender

    settings = settings or get_settings()
    senders: dict = {}
    if settings.smtp_host:
        senders["email"] = SmtpSender(settings.smtp_host, settings.smtp_port, settings.smtp_from,
                                      settings.smtp_username, settings.smtp_password, settings.smtp_starttls)
    if settings.webhook_url:
        senders["webhook"] = WebhookSender(settings.webhook_url, settings.webhook_secret)
    return senders


def build_runtime(settings: Settings | None = None, *, clock: Clock = system_clock, engine=None,
                  flow_run: bool = False) -> Runtime:
    """Refuses (services.training.TrainingMismatch) a database whose purpose the settings contradict, and
    in deployment mode (bootstrap.readiness.NotReady) one missing or behind; in training mode the clock runs
    on the training database's date. `flow_run`: the pool of a flow run, not the API's."""
    settings = settings or get_settings()
    engine = engine or engine_for(settings, flow_run=flow_run)
    check_deployment(settings, engine=engine)
    wall = clock
    if settings.training:
        clock = TrainingClock(partial(training_day, engine), wall)
    return Runtime(
        uow=partial(SqlUnitOfWork, engine, clock),
        clock=clock,
        policies=load_policies(settings.policies_dir),
        calendar=load_work_calendar(settings.calendars_dir),
        security=security_policy(settings),
        training=settings.training,
        wall=wall,
    )


def check_deployment(settings: Settings | None = None, *, engine=None) -> None:
    """Training mode and the database's purpose agree (issue 15), or TrainingMismatch; in deployment mode
    the database is there and migrated (issue 16), or NotReady: the entry points call it before they start
    anything."""
    settings = settings or get_settings()
    own = engine is None
    engine = engine or engine_for(settings)
    try:
        check_mode(database_purpose(engine), settings.training)
    finally:
        if own:
            engine.dispose()


def security_policy(settings: Settings) -> SecurityPolicy:
    """The sign-in figures of the settings (docs/security.md)."""
    return SecurityPolicy(
        failures_per_account=settings.signin_failures_per_account,
        failures_per_client=settings.signin_failures_per_client,
        failure_window=timedelta(minutes=settings.signin_failure_window_minutes),
        lockout=timedelta(minutes=settings.signin_lockout_minutes),
        session_lifetime=timedelta(hours=settings.web_session_hours),
        session_idle=timedelta(minutes=settings.session_idle_minutes),
        password_min_length=settings.password_min_length,
        # not in training mode: each step of the training date forward would age every password by it
        password_max_age=timedelta(days=settings.password_max_age_days)
        if settings.password_max_age_days and not settings.training else None,
        totp_issuer=settings.totp_issuer,
    )


def build_chain_links(settings: Settings | None = None, *, engine=None) -> ChainLinks:
    """Every case's hash chain streamed in one pass, for `audit verify --all --chain-only`."""
    from db.event_reader import chain_links

    settings = settings or get_settings()
    return partial(chain_links, engine or engine_for(settings))
