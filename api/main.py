"""The FastAPI application: `create_app(settings)` for the service, `app` for uvicorn."""
from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from api import headers, openapi_docs, problems, refusals, training
from api.inputs import GuardedInputs
from api.limits import Limiter
from api.routes import actions, admin, audit, calendar, cases, decisions, grants, reference, rounds, security, timers
from api.web import bulk, calendar_page, case_list, dashboard, security_pages, signin
from api.web import routes as web
from config import Settings, get_settings
from services.runtime import Runtime

DOCS_URL, REDOC_URL = "/docs", "/redoc"


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    config = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if getattr(app.state, "runtime", None) is None:
            from bootstrap import build_runtime

            app.state.runtime = build_runtime(config)
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
        description=openapi_docs.DESCRIPTION,
        openapi_tags=openapi_docs.TAGS,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.limiter = rate_limiter(config)
    problems.install(app)
    openapi_docs.install(app)
    refusals.install(app)
    # the outermost last: every answer, a refusal of the guard too, carries the security headers
    app.add_middleware(GuardedInputs, max_body_bytes=config.max_body_bytes, refuse=refusals.refuse)
    app.add_middleware(training.TrainingHeader)
    app.add_middleware(headers.SecurityHeaders, https=config.https,
                       docs_paths=(DOCS_URL, REDOC_URL, app.swagger_ui_oauth2_redirect_url))
    for router in (cases.router, actions.router, audit.router, reference.router, admin.router, grants.router,
                   timers.router, rounds.router, decisions.router, calendar.router, security.router):
        app.include_router(router)
    # the caseworkers' pages (/queue, /cases/{id}, /dashboard)
    web.install(app, web.WebSettings(session=timedelta(hours=config.web_session_hours), https=config.https,
                                     queue_page_size=config.queue_page_size))
    signin.install(app)  # /login and its steps, /logout, /account
    case_list.install(app)  # /cases: find any case
    bulk.install(app)  # /decisions: a round's cases decided under one 批复文号
    calendar_page.install(app)  # /calendar and /calendar.ics: the coming weeks' deadlines
    dashboard.install(app)  # /dashboard: figures, charts, links to the cases they count
    security_pages.install(app)  # /security-log, for the audit administrator

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok"}

    return app


def rate_limiter(config: Settings) -> Limiter:
    """The expensive reads' token buckets of one app (api/limits.py)."""
    return Limiter(config.expensive_reads_burst, config.expensive_reads_per_minute)


app = create_app()
