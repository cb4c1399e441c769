"""The app under test: one per process and settings, serving the runtime of the test that asks.

FastAPI (0.150) builds an app's routes — their dependants and pydantic adapters — on its first
request: ~80 ms a new app here, a quarter of the page tests' time when every client had an app of its
own. An app holds nothing of a test's but its runtime, its rate limiter and its pages' settings; all three
are set anew for each test that asks, so a test sees the app it would have had from create_app.
"""
from __future__ import annotations

from fastapi import FastAPI

from api.main import create_app, rate_limiter
from config import Settings, get_settings
from services.runtime import Runtime

_apps: dict[str, tuple[FastAPI, object]] = {}  # settings → (app, its pages' settings as built)


def app_for(rt: Runtime, settings: Settings | None = None) -> FastAPI:
    """create_app(settings, runtime=rt), the routes built once per process and settings."""
    config = settings or get_settings()
    key = config.model_dump_json()
    if key not in _apps:
        app = create_app(config)
        _apps[key] = app, app.state.web
    app, web = _apps[key]
    app.state.runtime, app.state.web = rt, web
    app.state.limiter = rate_limiter(config)
    return app
