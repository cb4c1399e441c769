"""Forms another site cannot post (issue 14 #4).

SameSite=Strict does not separate sites on the same host (another port) or sibling subdomains: a
page at http://127.0.0.1:9999 posted `record_complaint` with the supervisor's cookie. So every
request that changes something is checked twice:

- where it comes from: `Sec-Fetch-Site` must be `same-origin` when the browser sends it, else
  `Origin` must be this service's own origin (scheme, host and port) when sent; every browser of
  the last years sends one of them on a form post. A request with neither comes from no browser,
  so from no page of another site, and is left to the token;
- a token in the form: an HMAC of an HttpOnly cookie's value — the session's token once signed in,
  a random value of its own on the sign-in page (so login CSRF, signing a victim into the
  attacker's account, is refused too) — that a page of another origin can neither read nor make.
  Nothing is stored: the token is recomputed from the cookie, and changes with every sign-in.

The JSON API is not concerned: it takes only `Authorization: Bearer`, which a browser never adds
to another site's request by itself.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from starlette.requests import Request

FIELD = "csrf"
_LABEL = b"incubase web form v1"


class CrossSiteRequest(Exception):
    """A state-changing request the checks above refuse; the message says which one failed."""


def token_for(secret: str) -> str:
    """The form token of a cookie's secret value."""
    mac = hmac.new(secret.encode("utf-8"), _LABEL, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def check_token(secret: str | None, sent: str | None) -> None:
    if not secret:
        raise CrossSiteRequest("no session cookie came with the form (cookies blocked, or the page is old)")
    if not sent or not hmac.compare_digest(token_for(secret), sent):
        raise CrossSiteRequest("the form's token does not belong to this session")


def check_origin(request: Request, *, https: bool) -> None:
    """Refuses a request whose Sec-Fetch-Site or Origin says it comes from another origin."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site != "same-origin":
            raise CrossSiteRequest(f"the browser says the request comes from another site (Sec-Fetch-Site: {site})")
        return
    origin = request.headers.get("origin")
    if origin is not None and origin != own_origin(request, https=https):
        raise CrossSiteRequest(f"the request comes from {origin}, not from this service")


def own_origin(request: Request, *, https: bool) -> str:
    """scheme://host[:port] as the browser names this service: the Host it asked for, and https
    when the service is served over it (a proxy in front may speak plain HTTP to the app)."""
    scheme = "https" if https else request.url.scheme
    return f"{scheme}://{request.headers.get('host', '')}"
