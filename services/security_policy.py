"""The figures of signing in: lock-out thresholds, session time-outs, the password policy.

A value of the Runtime (services.runtime), built from the settings by the composition root; its
defaults are the settings' defaults but for password expiry, which is off unless the settings
turn it on (the tests' clocks travel years between two sign-ins).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

# roles whose holders must sign in with a second factor (TOTP): those who decide and those who
# administer; the others may enrol if they wish
TWO_FACTOR_ROLES = ("supervisor", "sysadmin", "secadmin", "auditadmin")


@dataclass(frozen=True)
class SecurityPolicy:
    failures_per_account: int = 5
    failures_per_client: int = 20
    failure_window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=30)
    session_lifetime: timedelta = timedelta(hours=12)
    session_idle: timedelta = timedelta(minutes=30)
    password_min_length: int = 12
    password_max_age: timedelta | None = None
    totp_issuer: str = "incubase"
    two_factor_roles: tuple[str, ...] = TWO_FACTOR_ROLES
    # how long a started sign-in waits for its next step (the code, the enrolment, a new password)
    step_lifetime: timedelta = timedelta(minutes=5)
