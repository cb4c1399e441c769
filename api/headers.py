"""Security headers on every response (issue 14 #5).

The pages load only their own stylesheet and scripts (api/web/static): their policy has no
'unsafe-inline' at all, so a script that got into a page through some field would not run, and
`frame-ancestors 'none'` keeps another site from framing a page to trick a click. `nosniff` keeps
a browser from reading a download (a dossier, a JSON body) as something else, and
`Referrer-Policy: same-origin` keeps case ids in our URLs from leaking to other sites while
same-origin form posts still carry their Origin (which the pages check, api/web/csrf.py: under
`no-referrer` a browser sends `Origin: null` even to its own site). HSTS only when the service
says it is served over HTTPS (settings.https): over plain HTTP the header means nothing, and sent
by mistake it would lock browsers out of a service that has no certificate yet.

The one exception: the API documentation pages (Swagger UI, ReDoc, from fastapi-offline) have
inline scripts and ReDoc injects its styles, so their policy allows inline code on those three
paths only; they show our OpenAPI document and no data of any case. Their scripts and styles are
still served by the app itself, and ReDoc's sidebar logo at cdn.redoc.ly is not fetched.
"""
from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
               "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'")
DOCS_POLICY = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
               "script-src 'self' 'unsafe-inline' blob:; worker-src 'self' blob:; connect-src 'self'; "
               "base-uri 'none'; object-src 'none'; frame-ancestors 'none'")
HSTS = "max-age=31536000"  # a year; no includeSubDomains: a department's other hosts are not ours to decide

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


class SecurityHeaders:
    """Pure ASGI (no BaseHTTPMiddleware): the headers are added as the response starts."""

    def __init__(self, app: ASGIApp, *, docs_paths: Iterable[str | None], https: bool) -> None:
        self.app = app
        self.docs_paths = frozenset(p for p in docs_paths if p)
        self.headers = {**COMMON, **({"Strict-Transport-Security": HSTS} if https else {})}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY if scope["path"] in self.docs_paths else PAGE_POLICY

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = policy
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)
