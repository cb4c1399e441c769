"""Response headers that keep the browser from contacting any host but the service itself.

The API documentation pages (Swagger UI, ReDoc) load only files the app serves (fastapi-offline),
but ReDoc's sidebar still draws the Redocly logo from cdn.redoc.ly; the policy below stops the
browser from asking for it. Their page scripts are inline, hence 'unsafe-inline' on these pages
only.
"""
from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DOCS_POLICY = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
               "script-src 'self' 'unsafe-inline' blob:; worker-src 'self' blob:; connect-src 'self'; "
               "frame-ancestors 'none'")


class DocsContentPolicy:
    """Pure ASGI (no BaseHTTPMiddleware): every other request passes through untouched."""

    def __init__(self, app: ASGIApp, paths: Iterable[str | None]) -> None:
        self.app = app
        self.paths = frozenset(p for p in paths if p)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return

        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Content-Security-Policy"] = DOCS_POLICY
            await send(message)

        await self.app(scope, receive, with_policy)
