"""The values of signing in and of the security log that the services and their storage hand each
other across the ports (services.ports): plain frozen dataclasses importing nothing from services,
as services.values (which holds the rest)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SECURITY_GENESIS = "0" * 64


@dataclass(frozen=True)
class Origin:
    """Who does something and from where: the security log's who and where. `client` is the
    client address the API saw, or `cli@<host>` for a command run on the server."""

    actor: str
    client: str


# what the service itself does (the demo's users, a test's set-up): no person, no address
SYSTEM_ORIGIN = Origin("system", "local")


@dataclass(frozen=True)
class SecurityEntry:
    """One entry of the security log, sealed into its chain: `hash = sha256(canonical)`, and
    `canonical` names the hash of the entry before (`prev_hash`)."""

    seq: int
    at: datetime
    actor: str
    client: str
    action: str
    subject: str
    result: str  # ok | failed | refused | locked
    details: Mapping[str, Any] = field(default_factory=dict)
    prev_hash: str = SECURITY_GENESIS
    canonical: str = ""
    hash: str = ""

    def body(self) -> dict[str, Any]:
        """What the hash covers: every field but the hash itself."""
        return {"seq": self.seq, "at": self.at.isoformat(), "actor": self.actor, "client": self.client,
                "action": self.action, "subject": self.subject, "result": self.result,
                "details": dict(self.details), "prev_hash": self.prev_hash}


@dataclass(frozen=True)
class SecurityLogFilter:
    """Which entries of the security log a reader asks for, newest first."""

    actor: str | None = None
    action: str | None = None
    subject: str | None = None
    client: str | None = None
    result: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True)
class TotpSecret:
    """A user's TOTP secret; `confirmed` once a first code was entered; `last_step`, the time step of
    the last code accepted (a code is accepted once)."""

    secret: str
    confirmed: bool
    last_step: int | None = None


@dataclass(frozen=True)
class SignInTicket:
    """A started sign-in waiting for its next `stage` (totp, enrol, password), for one client."""

    user_id: str
    username: str
    stage: str
    client: str
    expires_at: datetime
