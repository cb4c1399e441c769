"""Expensive reads, rate-limited per user (issue 14 #10).

200 parallel requests of one signed-in user to the work queue and the dashboard once held every
thread of the pool, and everyone's requests waited behind them. Each read below replays or scans
many cases; a user may make a burst of them (settings.expensive_reads_burst), then as many a
minute as settings.expensive_reads_per_minute allows (a token bucket); past that the answer is
429 with Retry-After, before any of the work is done.

Which reads are expensive is this one table of route paths, not a marker on each route, so the
routes keep the signatures they had; the dependencies that authenticate a request (api/deps.py for
the API, the pages' sign-in) charge it, since the limit is the user's, whichever token or
session they use. tests/e2e/test_api_hardening.py checks every path here is a route.

The buckets live in the process: with several worker processes each keeps its own, so a user
gets the limit once per worker, still a bound and never the whole pool.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from starlette.requests import Request

EXPENSIVE = frozenset({
    "/queue", "/dashboard", "/cases/{case_id}/audit", "/cases/{case_id}/dossier.{fmt}",
    "/api/v1/stats", "/api/v1/cases/{case_id}/dossier", "/api/v1/cases/{case_id}/verify",
})
_MAX_BUCKETS = 10_000  # past this, the buckets already full again are forgotten


class RateLimited(Exception):
    """Too many expensive reads of one user just now; `retry_after` seconds until the next one."""

    def __init__(self, retry_after: int, burst: int, per_minute: int) -> None:
        super().__init__(f"too many expensive reads (work queue, dashboard, audit, statistics, exports): "
                         f"at most {burst} at once and {per_minute} a minute per user; "
                         f"try again in {retry_after} s")
        self.retry_after = retry_after


class Limiter:
    """A token bucket per key: `burst` tokens, refilled at `per_minute` a minute."""

    def __init__(self, burst: int, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst, self.per_minute, self.clock = burst, per_minute, clock
        self._rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, when counted)
        self._lock = threading.Lock()  # the sign-in dependencies run in the thread pool

    def take(self, key: str) -> float:
        """0 if `key` may go on now (a token taken), else the seconds until it may."""
        with self._lock:
            now = self.clock()
            tokens, then = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self._rate)
            if len(self._buckets) >= _MAX_BUCKETS:
                self._forget_full(now)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self._rate

    def _forget_full(self, now: float) -> None:
        self._buckets = {k: (n, t) for k, (n, t) in self._buckets.items()
                         if n + (now - t) * self._rate < self.burst}

    def charge(self, request: Request, user_id: str) -> None:
        """Takes a token of the user's if the route asked for is an expensive read; RateLimited if none is left."""
        route = request.scope.get("route")
        if getattr(route, "path_format", None) not in EXPENSIVE:
            return
        wait = self.take(user_id)
        if wait:
            raise RateLimited(max(1, math.ceil(wait)), self.burst, self.per_minute)


def limiter_of(request: Request) -> Limiter | None:
    return getattr(request.app.state, "limiter", None)
