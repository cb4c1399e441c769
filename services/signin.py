"""Signing in: a password, then (where the account has or needs one) a one-time code or the
enrolment of an authenticator, then (where the password is too old) a new password; then a
session token with a fixed lifetime and an idle time-out. The web pages and the API go through
here alike.

Each attempt is refused, before a password is even looked at, while the account or the client
address is locked out (services.lockout). A wrong password, an unknown user and a user without a
password get the same answer after the same work (the scrypt hash is computed against a dummy
one), and each failure counts towards the lock-out of the name tried and of the address. The
hashing (half a second) is done outside any transaction, so that it holds no lock.

Between two steps the sign-in is a ticket: random, stored as its hash, for one client, valid for
a few minutes, used once. A wrong code leaves it valid (and counts as a failure): the lock-out
bounds the guesses.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NoReturn

from services import lockout, passwords, security_log, two_factor
from services.lockout import LockedOut
from services.ports import UnitOfWork
from services.runtime import Runtime
from services.users import Unauthenticated, check_new_password, hash_token, normal_username
from services.values import Origin, SignInTicket, User
from statemachines.errors import DomainError

TOKEN_PREFIX = "ib_"
STAGES = ("totp", "enrol", "password")


class SignInFailed(Unauthenticated):
    """A wrong username or password: one answer for every reason, so none can be told apart."""

    def __init__(self) -> None:
        super().__init__("wrong username or password")


class SignInExpired(DomainError):
    code = "sign-in-expired"

    def __init__(self) -> None:
        super().__init__("this sign-in has expired or was already completed: sign in again with your password")


class PasswordExpired(DomainError):
    code = "password-expired"

    def __init__(self) -> None:
        super().__init__("the password is older than the policy allows: choose a new one (new_password)")


class SecondFactorRequired(DomainError):
    code = "second-factor-required"

    def __init__(self, enrolled: bool) -> None:
        super().__init__(key=None if enrolled else "second-factor-required.enrol", enrolled=enrolled)


@dataclass(frozen=True)
class SignInStep:
    """Where a sign-in stands: `done` with its session token, or the next stage and its ticket.
    At the enrolment, the secret to put in the authenticator; once it is turned on, the recovery
    codes, shown this once."""

    stage: str  # done | totp | enrol | password
    user: User
    ticket: str | None = None
    token: str | None = None
    expires_at: datetime | None = None
    secret: str | None = None
    uri: str | None = None
    recovery_codes: tuple[str, ...] = ()


def subject_of(username: str) -> str:
    return normal_username(username)[:64]


def sign_in(rt: Runtime, username: str, password: str, client: str, label: str = "web") -> SignInStep:
    """The first step: the password. SignInFailed, LockedOut, or the next step (or the session)."""
    subject = subject_of(username)
    origin = Origin(subject, client)
    now = rt.clock()
    with rt.reads() as uow:
        stored = uow.users.password_hash(subject)
        user = uow.users.by_username(subject) if stored else None
    right = passwords.password_matches(password, stored or passwords.dummy_hash())  # the same work for all
    rehashed = passwords.hash_password(password) if right and stored and passwords.needs_rehash(stored) else None
    now = rt.clock()
    with rt.uow() as uow:
        _refuse_if_locked(uow, origin, subject, now, "password")
        if not right or user is None:
            lock = lockout.note_failure(uow, rt.security, origin, subject, now, step="password")
            uow.commit()
            raise LockedOut(lock) if lock else SignInFailed()
        if rehashed:  # an old hash made stronger, now that the password is at hand
            changed = uow.users.password_changed_at(subject) or now
            uow.users.set_password_hash(user.id, rehashed, changed)
        step = _advance(uow, rt, origin, user, now, done=("password",), label=label)
        uow.commit()
    return step


def proceed(rt: Runtime, ticket: str, client: str, *, code: str = "", new_password: str = "",
            label: str = "web") -> SignInStep:
    """The next step of a started sign-in: `code` at totp and enrol, `new_password` at password."""
    now = rt.clock()
    with rt.reads() as uow:
        held = uow.two_factor.ticket(_hash(ticket), now)
        user = uow.users.by_username(held.username) if held else None
    if held is None or user is None or held.client != client:
        raise SignInExpired()
    origin = Origin(user.username, client)
    hashed = None
    if held.stage == "password":
        check_new_password(rt, user.username, new_password)
        hashed = passwords.hash_password(new_password)
    now = rt.clock()
    with rt.uow() as uow:
        _refuse_if_locked(uow, origin, user.username, now, held.stage)
        recovery: tuple[str, ...] = ()
        done: tuple[str, ...]
        if held.stage == "totp":
            kind = two_factor.check(uow, origin, user, code, now, rt.real_time())
            if kind is None:
                _wrong_code(uow, rt, origin, user.username, now)
            done = ("password", "second")
        elif held.stage == "enrol":
            try:
                recovery = tuple(two_factor.confirm(uow, origin, user, code, now, rt.real_time()))
            except two_factor.WrongCode:
                _wrong_code(uow, rt, origin, user.username, now)
            done = ("password", "second")
        else:
            assert hashed is not None
            uow.users.set_password_hash(user.id, hashed, now)
            security_log.append(uow, now, origin, "password_change", user.username, "ok", {"reason": "expired"})
            done = ("password", "second", "renewed")
        if not uow.two_factor.use_ticket(_hash(ticket), now):
            raise SignInExpired()  # used meanwhile by a request racing this one
        step = _advance(uow, rt, origin, user, now, done=done, label=label)
        uow.commit()
    return replace(step, recovery_codes=recovery) if recovery else step


def sign_in_at_once(rt: Runtime, username: str, password: str, client: str, *, code: str = "",
                    new_password: str = "", label: str = "api session") -> SignInStep:
    """The API's sign-in in one request: the password, and the code or the new password where the
    account needs one (SecondFactorRequired, PasswordExpired when it is missing)."""
    step = sign_in(rt, username, password, client, label=label)
    while step.stage != "done":
        assert step.ticket is not None
        if step.stage in ("totp", "enrol") and (step.stage == "enrol" or not code):
            raise SecondFactorRequired(enrolled=step.stage == "totp")
        if step.stage == "password" and not new_password:
            raise PasswordExpired()
        step = proceed(rt, step.ticket, client, code=code, new_password=new_password, label=label)
    return step


def enrolling_secret(rt: Runtime, ticket: str, client: str) -> tuple[str, str] | None:
    """(username, secret) of the authenticator a live enrolment ticket is turning on, to show again."""
    with rt.reads() as uow:
        held = uow.two_factor.ticket(_hash(ticket), rt.clock())
        if held is None or held.stage != "enrol" or held.client != client:
            return None
        secret = uow.two_factor.totp(held.user_id)
    return (held.username, secret.secret) if secret is not None and not secret.confirmed else None


def sign_out(rt: Runtime, token: str, client: str) -> bool:
    """Ends the session of this token (revoked: a copied cookie is worth nothing after); logged."""
    now = rt.clock()
    with rt.uow() as uow:
        found = uow.users.session(hash_token(token), now)
        done = uow.users.revoke_token(hash_token(token), now)
        if found is not None and done:
            security_log.append(uow, now, Origin(found[0].username, client), "signout", found[0].username)
        uow.commit()
    return done


def password_expired(rt: Runtime, changed_at: datetime | None, now: datetime) -> bool:
    max_age = rt.security.password_max_age
    return max_age is not None and (changed_at is None or changed_at + max_age <= now)


def _advance(uow: UnitOfWork, rt: Runtime, origin: Origin, user: User, now: datetime, *, done: tuple[str, ...],
             label: str) -> SignInStep:
    """The next stage after those done (the password; the second factor, or none needed; a new
    password): a ticket for it, or the session."""
    if "second" not in done:
        if two_factor.enrolled(uow, user):
            return _ticket(uow, rt, origin, user, now, "totp")
        if two_factor.requires_two_factor(rt, user):
            step = _ticket(uow, rt, origin, user, now, "enrol")
            secret = two_factor.issue(uow, rt, origin, user, now)
            return replace(step, secret=secret, uri=two_factor.provisioning_uri(rt, user.username, secret))
    if "renewed" not in done and password_expired(rt, uow.users.password_changed_at(user.username), now):
        return _ticket(uow, rt, origin, user, now, "password")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = now + rt.security.session_lifetime
    uow.users.add_token(user.id, hash_token(token), label, now, expires, now + rt.security.session_idle)
    security_log.append(uow, now, origin, "signin", user.username, "ok",
                        {"factors": ["password", "totp"] if two_factor.enrolled(uow, user) else ["password"],
                         "session": label,
                         "expires_at": expires.isoformat()})
    return SignInStep("done", user, token=token, expires_at=expires)


def _ticket(uow: UnitOfWork, rt: Runtime, origin: Origin, user: User, now: datetime, stage: str) -> SignInStep:
    ticket = secrets.token_urlsafe(32)
    expires = now + rt.security.step_lifetime
    uow.two_factor.add_ticket(_hash(ticket), SignInTicket(user.id, user.username, stage, origin.client, expires), now)
    security_log.append(uow, now, origin, "signin", user.username, "pending", {"next": stage})
    return SignInStep(stage, user, ticket=ticket, expires_at=expires)


def _refuse_if_locked(uow: UnitOfWork, origin: Origin, subject: str, now: datetime, step: str) -> None:
    lock = lockout.lock_of(uow, subject, origin.client, now)
    if lock is not None:
        security_log.append(uow, now, origin, "signin", subject, "locked", {"step": step, "scope": lock.scope})
        uow.commit()
        raise LockedOut(lock)


def _wrong_code(uow: UnitOfWork, rt: Runtime, origin: Origin, subject: str, now: datetime) -> NoReturn:
    lock = lockout.note_failure(uow, rt.security, origin, subject, now, step="code")
    uow.commit()
    raise LockedOut(lock) if lock else two_factor.WrongCode()


def _hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8")).hexdigest()
