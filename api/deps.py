"""Request dependencies: the runtime, the signed-in user, and the optional headers."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.limits import limiter_of
from services import users
from services.runtime import Runtime
from services.users import User
from services.values import Origin
from statemachines.errors import InvalidAct

_bearer = HTTPBearer(auto_error=False, description="A token from `incubase tokens create USER`.")


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in the
# thread pool, and each such hop (queue, wake a worker, hand the result back to the loop) costs
# ~65 µs of CPU here, a third of what the authentication query itself costs.
async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def current_user(request: Request, rt: RuntimeDep,  # blocking: reads the database, so it stays in the thread pool
                 credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> User:
    user = users.authenticate(rt, credentials.credentials if credentials else None)
    if (limiter := limiter_of(request)) is not None:
        limiter.charge(request, user.id)  # an expensive read counts against the user (api/limits.py)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


async def expected_version(if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> int | None:
    """`If-Match: 7`, `"7"` or `W/"7"`: the case version the client last saw."""
    if if_match is None:
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    # ASCII digits only: str.isdigit() also takes '²' and '٣', which int() then refuses (a 500), and a
    # version past 2**31 is none a case has reached
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        raise InvalidAct(f"If-Match must be a case version (a whole number), got {if_match!r}", field="If-Match",
                         key="if-match")
    return int(text)


ExpectedVersion = Annotated[int | None, Depends(expected_version)]
# a page offset past any real listing, bounded so that it fits both backends' 64-bit integers
# (an unbounded one reached SQLite as an OverflowError: a 500 instead of a 422)
Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200, min_length=1)]


def client_address(request: Request) -> str:
    """Where a request comes from, for the security log and the lock-out per address: the peer
    address as uvicorn reports it (behind a reverse proxy, the address it forwards, where
    uvicorn is told to trust that proxy: --forwarded-allow-ips)."""
    return request.client.host if request.client else "unknown"


async def request_origin(request: Request, user: CurrentUser) -> Origin:
    return Origin(user.username, client_address(request))


RequestOrigin = Annotated[Origin, Depends(request_origin)]


def next_page(request: Request, next_after: str | None) -> str | None:
    """The address within this server of the page after this one (issue 16, keyset paging): this
    request's own path and query with `after` set to the page's `next_after`; None on the last page."""
    if next_after is None:
        return None
    return f"{request.url.path}?{request.url.include_query_params(after=next_after).query}"
