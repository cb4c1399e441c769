"""Debian's chromium driven by Playwright, for the page tests and the acceptance tier.

No browser download: `make test` installs chromium from Debian when it can. Where none can be
had, the tests that need one are skipped with one loud line saying the pages were not tested.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
# without the background-networking flags chromium itself calls Google's hosts at start-up, which
# would hide what the pages ask for
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = frozenset({"127.0.0.1"})


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install playwright)"
    if not (os.access(CHROMIUM, os.X_OK) or shutil.which(CHROMIUM)):
        return f"no browser at {CHROMIUM} (apt-get install chromium)"
    return None


MISSING = _missing()
needs_browser = pytest.mark.skipif(
    MISSING is not None, reason=f"!!! BROWSER TESTS SKIPPED: {MISSING} — the web pages were NOT tested in a browser")


@contextmanager
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def is_local(url: str) -> bool:
    """Whether the browser asking for `url` stays on this machine (data: and blob: never leave it)."""
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in LOCAL_HOSTS


def outside_requests(context, seen: list[str] | None = None) -> list[str]:
    """Every request of the context that would go to another host: recorded (in `seen`), then
    refused, so nothing leaves even when the test fails. A request the CSP stops never gets here."""
    seen = [] if seen is None else seen

    def check(route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            seen.append(route.request.url)
            route.abort("blockedbyclient")

    context.route("**/*", check)
    context.on("page", lambda page: page.on(
        "websocket", lambda ws: None if is_local(ws.url) else seen.append(ws.url)))
    return seen
