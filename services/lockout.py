"""Failed sign-ins, counted per account and per client address, and the lock-outs they cause.

Derived from the security log alone: a failure is a `signin` entry with result `failed`. An
account whose failures since its last successful sign-in, unlock or lock-out, within the failure
window, reach the policy's number is locked for the lock-out period (a `lockout` entry saying
until when); a client address the same with its own, larger number (`client_lockout`), so that
one address cannot try a password on every account. An unlock by an administrator is an `unlock`
entry. A name that is no user is counted and locked like any other, so the answers do not tell
who is a user.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services import security_log
from services.ports import UnitOfWork
from services.runtime import Runtime
from services.security_policy import SecurityPolicy
from services.values import Origin
from statemachines.errors import DomainError


@dataclass(frozen=True)
class Lock:
    scope: str  # account | client
    until: datetime


class LockedOut(DomainError):
    code = "locked-out"

    def __init__(self, lock: Lock) -> None:
        super().__init__(key=f"locked-out.{lock.scope}", scope=lock.scope, until=lock.until)
        self.lock = lock


_KINDS = {"account": ("lockout", "unlock"), "client": ("client_lockout", "client_unlock")}


def lock_of(uow: UnitOfWork, subject: str, client: str, now: datetime) -> Lock | None:
    """The lock in force at `now` on the account or the client address, if any."""
    for scope, key in (("account", subject), ("client", client)):
        last = uow.security_log.latest(subject=key, actions=_KINDS[scope])
        if last is not None and last.action == _KINDS[scope][0]:
            until = datetime.fromisoformat(str(last.details["until"]))
            if until > now:
                return Lock(scope, until)
    return None


def note_failure(uow: UnitOfWork, policy: SecurityPolicy, origin: Origin, subject: str, now: datetime,
                 **details: object) -> Lock | None:
    """Logs a failed sign-in (of `subject`, from `origin.client`) and the lock-out it brings about, if any."""
    security_log.append(uow, now, origin, "signin", subject, "failed", details)
    since = now - policy.failure_window
    log = uow.security_log
    reset = max((e.seq for e in (log.latest(subject=subject, actions=("signin",), result="ok"),
                                 log.latest(subject=subject, actions=_KINDS["account"])) if e is not None), default=0)
    lock = None
    if log.count(subject=subject, action="signin", result="failed", after_seq=reset, since=since) \
            >= policy.failures_per_account:
        lock = Lock("account", now + policy.lockout)
        security_log.append(uow, now, origin, "lockout", subject, "ok",
                            {"until": lock.until.isoformat(), "failures": policy.failures_per_account})
    last = log.latest(subject=origin.client, actions=_KINDS["client"])
    if log.count(client=origin.client, action="signin", result="failed", after_seq=last.seq if last else 0,
                 since=since) >= policy.failures_per_client:
        lock = lock or Lock("client", now + policy.lockout)
        security_log.append(uow, now, origin, "client_lockout", origin.client, "ok",
                            {"until": (now + policy.lockout).isoformat(), "failures": policy.failures_per_client})
    return lock


def unlock(rt: Runtime, origin: Origin, *, username: str | None = None, client: str | None = None) -> bool:
    """Ends the lock on an account (by username) or on a client address; whether one was in force."""
    scope, subject = ("account", username) if username else ("client", client)
    if not subject:
        raise ValueError("unlock needs a username or a client address")
    now = rt.clock()
    with rt.uow() as uow:
        held = lock_of(uow, subject if scope == "account" else "", subject if scope == "client" else "", now)
        was_locked = held is not None and held.scope == scope
        security_log.append(uow, now, origin, _KINDS[scope][1], subject, "ok", {"was_locked": was_locked})
        uow.commit()
    return was_locked
