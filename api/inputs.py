"""What every request may carry, checked before any route sees it (issue 14 #7).

The text fields of bodies and forms are normalised by their types (api/fields.py); this guard
covers what no field type does — the path, every query value, every string of a JSON body (a
correction's free-form `changes` too) and of a form — and refuses any that services.text.refusal
refuses (a NUL, a lone surrogate) with a 422 naming where it was, so no such text reaches a
database (PostgreSQL answers a NUL with an error, which was a 500). A body larger than
`max_body_bytes` is refused with a 413 before it is read whole: a 5,000,000-character reason is
never parsed, let alone stored.

Pure ASGI, so a request without a body costs a scan of its path and query, nothing more.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.text import refusal

# (request, status, code, detail, field) -> the answer: problem+json for the API, a page for the pages
Refuse = Callable[[Request, int, str, str, str | None], Response]


class GuardedInputs:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, refuse: Refuse) -> None:
        self.app, self.max_body_bytes, self.refuse = app, max_body_bytes, refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = _unsafe_in_url(scope)
        if found is None and _has_body(scope):
            length = _content_length(scope)
            if length is not None and length > self.max_body_bytes:
                await self._too_large(scope, receive, send)
                return
            body = await _read(receive, self.max_body_bytes)
            if body is None:
                await self._too_large(scope, receive, send)
                return
            found = _unsafe_in_body(scope, body)
            receive = _replay(body, receive)
        if found is not None:
            where, why = found
            response = self.refuse(Request(scope, receive), 422, "invalid-text", f"{where} {why}", where)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.max_body_bytes
        detail = f"the request body is larger than {limit:,} bytes, the most any request of this service needs"
        await self.refuse(Request(scope, receive), 413, "too-large", detail, None)(scope, receive, send)


def _unsafe_in_url(scope: Scope) -> tuple[str, str] | None:
    if (why := refusal(scope["path"])) is not None:
        return "path", why
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        for text in (name, value):
            if (why := refusal(text)) is not None:
                return f"query parameter {name!r}", why
    return None


def _unsafe_in_body(scope: Scope, body: bytes) -> tuple[str, str] | None:
    kind = _header(scope, b"content-type").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        pairs = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
        strings: Iterator[tuple[str, str]] = ((name, text) for name, value in pairs for text in (name, value))
    elif kind == "application/json" or kind.endswith("+json"):
        try:
            strings = _strings(json.loads(body), "")
        except ValueError:  # not JSON (or not UTF-8): the route's own validation says so, as a 422
            return None
    else:
        return None
    for where, text in strings:
        if (why := refusal(text)) is not None:
            return where or "body", why
    return None


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every string of a JSON document, keys included, with the dotted path of where it is."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{where}.{key}" if where else str(key)
            yield inner, key
            yield from _strings(item, inner)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{where}.{i}" if where else str(i))


def _has_body(scope: Scope) -> bool:
    return scope["method"] not in ("GET", "HEAD", "OPTIONS")


def _header(scope: Scope, name: bytes) -> str:
    return next((v.decode("latin-1") for k, v in scope["headers"] if k == name), "")


def _content_length(scope: Scope) -> int | None:
    text = _header(scope, b"content-length")
    return int(text) if text.isascii() and text.isdigit() else None


async def _read(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes `limit` (the rest is never read)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
