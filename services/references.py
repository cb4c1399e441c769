"""The 受理编号 people say and write (issue 15): <jurisdiction>-<year>-<nnnn>, e.g. 520000-2026-0012,
numbered from 1 per jurisdiction and year of application, beside the internal id. It is recorded
in the application's event, so it is part of the audited record and never changes."""
from __future__ import annotations

DIGITS = 4  # 0001 … 9999, then 10000 and on: the number grows, it never wraps


def reference_after(prefix: str, last: str | None) -> str:
    """The reference after `last` (None: the first of its jurisdiction and year)."""
    number = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{number:0{DIGITS}d}"
