"""Idempotent requests and the answers to acts."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.views import case_view
from services.cases import ActResult
from services.idempotency import IdempotentRequest, fingerprint
from services.runtime import Runtime
from services.users import User


def idempotent(request: Request, user: User, key: str | None, body: BaseModel,
               render: Callable[[Any], tuple[int, dict[str, Any]]]) -> IdempotentRequest | None:
    """`render` words the answer from the service's result (an act's, a decision of a round's)."""
    if key is None:
        return None
    asked = fingerprint(request.method, request.url.path, body.model_dump(mode="json"))
    return IdempotentRequest(user.id, key, asked, render)


def answer(rt: Runtime, result: ActResult, user: User, *, status: int = 200,
           location: str | None = None) -> JSONResponse:
    """The stored answer of an idempotent request, else the case as the act left it."""
    if result.answer is not None:
        status, body = result.answer.status, result.answer.body
    else:
        body = case_view(rt, result.case, user, result.timers)
    headers = {"ETag": f'"{body["version"]}"'}
    if location:
        headers["Location"] = location
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(body, status_code=status, headers=headers)
