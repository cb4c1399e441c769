"""The one place incubase reads the wall clock; everything below takes it as an argument."""
from __future__ import annotations

from datetime import UTC, datetime


def system_clock() -> datetime:
    return datetime.now(UTC)
