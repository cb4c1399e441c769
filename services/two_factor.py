"""Two-factor sign-in: TOTP codes (RFC 6238, through pyotp) and one-use recovery codes.

Required for the roles of SecurityPolicy.two_factor_roles (supervisors and admins), optional
for the others. A secret is issued unconfirmed and turned on by the first code entered from it;
each code is accepted once (the time step of the last one accepted is kept: RFC 6238 §5.2), and
one step either side of now is accepted for a clock a little off. Ten recovery codes are made
when it is turned on, shown that once and kept as SHA-256 hashes (each has 50 random bits and is
used once, as tokens are kept). Issuing, turning on, a reset by an administrator and a recovery
code used are entries of the security log, in the transaction of the change.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp

from services import security_log
from services.ports import UnitOfWork
from services.runtime import Runtime
from services.values import Origin, TotpSecret, User
from statemachines.errors import DomainError, InvalidAct

RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_TOTP_CODE = re.compile(r"\d{6}")


class AlreadyEnrolled(DomainError):
    code = "two-factor-enrolled"

    def __init__(self, username: str) -> None:
        super().__init__(f"{username} already signs in with a one-time code; an administrator resets it "
                         "(`incubase users two-factor-reset`) before a new one is issued", username=username)


class NotEnrolling(DomainError):
    code = "two-factor-not-enrolling"

    def __init__(self, username: str) -> None:
        super().__init__(f"no TOTP secret was issued to {username}: start the enrolment first", username=username)


class WrongCode(InvalidAct):
    code = "wrong-code"

    def __init__(self) -> None:
        super().__init__("the one-time code is wrong or was already used: enter the code your authenticator "
                         "shows now, or an unused recovery code", field="code")


def requires_two_factor(rt: Runtime, user: User) -> bool:
    return bool({g.role for g in user.grants if g.revoked_at is None} & set(rt.security.two_factor_roles))


def provisioning_uri(rt: Runtime, username: str, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads (typed in, or as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=rt.security.totp_issuer)


def issue(uow: UnitOfWork, rt: Runtime, origin: Origin, user: User, now: datetime) -> str:
    """A new unconfirmed secret for the user (in place of an unconfirmed one); AlreadyEnrolled if on."""
    held = uow.two_factor.totp(user.id)
    if held is not None and held.confirmed:
        raise AlreadyEnrolled(user.username)
    secret = pyotp.random_base32()
    uow.two_factor.set_totp(user.id, secret, now)
    security_log.append(uow, now, origin, "two_factor_enrol", user.username)
    return secret


def confirm(uow: UnitOfWork, origin: Origin, user: User, code: str, now: datetime,
            code_time: datetime | None = None) -> list[str]:
    """Turns the issued secret on with its first code; the recovery codes, shown this once.
    WrongCode (logged) when the code is not the secret's now. `code_time`: the real time the app's
    codes follow, where `now` is a training date's (Runtime.real_time)."""
    held = uow.two_factor.totp(user.id)
    if held is None or held.confirmed:
        raise NotEnrolling(user.username) if held is None else AlreadyEnrolled(user.username)
    step = _matching_step(held, code.strip(), code_time or now)
    if step is None:
        raise WrongCode()
    uow.two_factor.confirm_totp(user.id, step, now)
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    uow.two_factor.replace_recovery_codes(user.id, [_hash(c) for c in codes], now)
    security_log.append(uow, now, origin, "two_factor_confirm", user.username, "ok",
                        {"recovery_codes": RECOVERY_CODES})
    return codes


def enrolled(uow: UnitOfWork, user: User) -> bool:
    held = uow.two_factor.totp(user.id)
    return held is not None and held.confirmed


def check(uow: UnitOfWork, origin: Origin, user: User, code: str, now: datetime,
          code_time: datetime | None = None) -> str | None:
    """Which kind of code this is, if it is right and unused now: "totp" or "recovery" (that code
    then used up, logged); None otherwise. `code_time` as confirm's."""
    held = uow.two_factor.totp(user.id)
    if held is None or not held.confirmed:
        return None
    code = code.strip()
    if _TOTP_CODE.fullmatch(code):
        step = _matching_step(held, code, code_time or now)
        return "totp" if step is not None and uow.two_factor.use_step(user.id, step) else None
    if uow.two_factor.use_recovery_code(user.id, _hash(code), now):
        security_log.append(uow, now, origin, "recovery_code_used", user.username, "ok",
                            {"left": uow.two_factor.recovery_codes_left(user.id)})
        return "recovery"
    return None


def reset(uow: UnitOfWork, origin: Origin, user: User, now: datetime) -> bool:
    """Removes the user's secret and recovery codes (an administrator's act, logged); whether there was one."""
    done = uow.two_factor.reset(user.id)
    security_log.append(uow, now, origin, "two_factor_reset", user.username, "ok", {"was_enrolled": done})
    return done


@dataclass(frozen=True)
class TwoFactorState:
    enrolled: bool
    codes_left: int


def state(rt: Runtime, user: User) -> TwoFactorState:
    with rt.reads() as uow:
        return TwoFactorState(enrolled(uow, user), uow.two_factor.recovery_codes_left(user.id))


def pending_secret(rt: Runtime, user: User) -> str | None:
    """The secret issued to the user and not yet turned on, if any."""
    with rt.reads() as uow:
        held = uow.two_factor.totp(user.id)
    return held.secret if held is not None and not held.confirmed else None


def begin(rt: Runtime, user: User, origin: Origin) -> str:
    """A signed-in user's enrolment: the new secret (AlreadyEnrolled if on)."""
    with rt.uow() as uow:
        secret = issue(uow, rt, origin, user, rt.clock())
        uow.commit()
    return secret


def turn_on(rt: Runtime, user: User, code: str, origin: Origin) -> list[str]:
    """A signed-in user's first code from the new secret: the recovery codes (WrongCode, logged, if wrong)."""
    try:
        with rt.uow() as uow:
            codes = confirm(uow, origin, user, code, rt.clock(), rt.real_time())
            uow.commit()
    except WrongCode:
        security_log.record(rt, origin, "two_factor_confirm", user.username, "failed", {"error": "wrong-code"})
        raise
    return codes


def enrol_known_secret(rt: Runtime, user: User, secret: str, origin: Origin) -> None:
    """Turns two-factor sign-in on with a secret given, without a first code: for the demo users
    only (services.demo), whose secret is printed for anyone trying the demo. No recovery codes."""
    now = rt.clock()
    with rt.uow() as uow:
        uow.two_factor.set_totp(user.id, secret, now)
        uow.two_factor.confirm_totp(user.id, -1, now)
        security_log.append(uow, now, origin, "two_factor_confirm", user.username, "ok", {"demo": True})
        uow.commit()


def reset_user(rt: Runtime, username: str, origin: Origin) -> bool:
    """An administrator's reset of a user's two-factor sign-in: at the next sign-in a user who needs
    it enrols a new authenticator. UnknownUser for no such user."""
    from services.users import UnknownUser

    with rt.uow() as uow:
        user = uow.users.by_username(username)
        if user is None:
            raise UnknownUser(username)
        done = reset(uow, origin, user, rt.clock())
        uow.commit()
    return done


def _matching_step(held: TotpSecret, code: str, now: datetime) -> int | None:
    if not _TOTP_CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(held.secret)
    step = totp.timecode(now)
    for candidate in (step, step - 1, step + 1):
        if (held.last_step is None or candidate > held.last_step) and \
                hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def _recovery_code() -> str:
    chars = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def _hash(code: str) -> str:
    normal = re.sub(r"[\s-]", "", code).lower()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()
