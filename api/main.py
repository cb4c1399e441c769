"""The FastAPI application: `create_app(settings)` for the service, `app` for uvicorn."""
from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from api import problems
from api.routes import actions, admin, audit, cases, reference, timers
from api.web import routes as web
from config import Settings, get_settings
from services.runtime import Runtime


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if getattr(app.state, "runtime", None) is None:
            from bootstrap import build_runtime

            app.state.runtime = build_runtime(settings or get_settings())
        yield

    app = FastAPI(
        title="incubase",
        version="1",
        summary="Recognition lifecycle of 创业孵化基地: cases, acts, history, policies.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.web_session = timedelta(hours=(settings or get_settings()).web_session_hours)
    problems.install(app)
    for router in (cases.router, actions.router, audit.router, reference.router, admin.router, timers.router):
        app.include_router(router)
    web.install(app)  # the caseworkers' pages (/login, /queue, /cases/{id}, /dashboard)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok"}

    return app


app = create_app()
