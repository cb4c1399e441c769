"""The language an API client reads its errors in: `Accept-Language` (RFC 9110), zh or en.

API clients get English unless they ask for Chinese: scripts match English text more often than
people read it, and `title` stays English either way (issue 15)."""
from __future__ import annotations

from fastapi import Request

DEFAULT = "en"


def preferred(header: str | None) -> str:
    """zh where Chinese is preferred to English (`zh-CN,zh;q=0.9,en;q=0.8`), else en."""
    best, best_q = DEFAULT, 0.0
    for part in (header or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        lang = tag.strip().lower().split("-", 1)[0]
        if lang in ("zh", "en") and q > best_q:
            best, best_q = lang, q
    return best


def of(request: Request) -> str:
    return preferred(request.headers.get("accept-language"))
