"""A whole request refused before its route did anything (issue 14): text no field may hold, a
body too large, too many expensive reads. The API answers with problem+json, the pages with a
page saying what to do; both with the same status, and nothing written."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import problems
from api.limits import RateLimited
from api.web.routes import refusal_page

TITLES = {
    "invalid-text": "The text cannot be stored",
    "too-large": "The request body is too large",
    "rate-limited": "Too many expensive reads",
}


def is_api(path: str) -> bool:
    return path.startswith("/api/") or path == "/openapi.json"


def refuse(request: Request, status: int, code: str, detail: str, field: str | None = None,
           headers: dict[str, str] | None = None) -> Response:
    if not is_api(request.url.path):
        return refusal_page(request, status, code, detail, headers)
    response = problems.problem(status, code, TITLES[code], detail, request.url.path, field=field)
    response.headers.update(headers or {})
    return response


def install(app: FastAPI) -> None:
    async def rate_limited(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RateLimited)
        return refuse(request, 429, "rate-limited", str(exc), headers={"Retry-After": str(exc.retry_after)})

    app.add_exception_handler(RateLimited, rate_limited)

    async def no_such_page(request: Request, exc: Exception) -> Response:
        # issue 15: a page that does not exist, or a link to a form's address, answers in the site's
        # style and the page's language, not as the API's JSON
        assert isinstance(exc, StarletteHTTPException)
        if not is_api(request.url.path) and exc.status_code in PAGE_CODES:
            return refusal_page(request, exc.status_code, PAGE_CODES[exc.status_code], str(exc.detail))
        return problems.http_problem(request, exc)

    app.add_exception_handler(StarletteHTTPException, no_such_page)


# the HTTP errors a person meets by following or typing an address, as the pages name them
PAGE_CODES = {404: "not-found", 405: "method-not-allowed"}
