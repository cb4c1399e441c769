"""The FastAPI application: `create_app(settings)` for the service, `app` for uvicorn."""
from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from api import headers, problems
from api.routes import actions, admin, audit, cases, reference, rounds, security, timers
from api.web import routes as web
from api.web import security_pages, signin
from config import Settings, get_settings
from services.runtime import Runtime

DOCS_URL, REDOC_URL = "/docs", "/redoc"


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if getattr(app.state, "runtime", None) is None:
            from bootstrap import build_runtime

            app.state.runtime = build_runtime(settings or get_settings())
        yield

    # Swagger UI and ReDoc with their scripts and styles served by the app itself: a department's
    # intranet reaches no CDN, and no page of ours may make the browser contact another host
    app = FastAPIOffline(
        docs_url=DOCS_URL,
        redoc_url=REDOC_URL,
        swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from validator.swagger.io
        title="incubase",
        version="1",
        summary="Recognition lifecycle of 创业孵化基地: cases, acts, history, policies.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.web_session = timedelta(hours=(settings or get_settings()).web_session_hours)
    problems.install(app)
    app.add_middleware(headers.DocsContentPolicy, paths=(DOCS_URL, REDOC_URL, app.swagger_ui_oauth2_redirect_url))
    for router in (cases.router, actions.router, audit.router, reference.router, admin.router, timers.router,
                   rounds.router, security.router):
        app.include_router(router)
    web.install(app)  # the caseworkers' pages (/queue, /cases/{id}, /dashboard)
    signin.install(app)  # /login and its steps, /logout, /account
    security_pages.install(app)  # /security-log, for the audit administrator

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok"}

    return app


app = create_app()
