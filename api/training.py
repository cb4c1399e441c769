"""Training mode on the wire (issue 15): every answer of a training deployment says so, with the
business date it ran on, so a program (or a trainer's curl) never takes practice data for real."""
from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "Incubase-Training"


class TrainingHeader:
    """Pure ASGI, like api.headers.SecurityHeaders: the header is added as the response starts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rt = getattr(scope["app"].state, "runtime", None) if scope["type"] == "http" else None
        if rt is None or not rt.training:
            await self.app(scope, receive, send)
            return

        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = rt.today().isoformat()
            await send(message)

        await self.app(scope, receive, with_header)
