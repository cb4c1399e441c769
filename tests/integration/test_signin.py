"""Signing in (issue 14, level 3): lock-out per account and per client address, the same answer for
unknown users, unlock, the idle time-out, the password policy and expiry, re-hashing old scrypt
hashes, and two-factor sign-in (TOTP, recovery codes), each on the security log. On SQLite,
PostgreSQL and the in-memory storage (the services against the ports alone)."""
from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import timedelta

import pyotp
import pytest

from services import lockout, passwords, security_log, signin, two_factor, users
from services.lockout import LockedOut
from services.passwords import WeakPassword
from services.signin import SignInExpired, SignInFailed
from services.values import Origin, SecurityLogFilter
from tests.signing_in import code_now, stored_hash

pytestmark = pytest.mark.memory

PASSWORD = "Guizhou incubation 2026"
HERE, THERE = "10.0.0.5", "10.0.0.9"
ADMIN = Origin("admin", "10.0.0.1")


def person(rt, username: str, role: str = "caseworker") -> None:
    """A user with PASSWORD (its hash made once, tests.signing_in.stored_hash)."""
    users.add_user(rt, username, username, [(role, "520000")])
    with rt.uow() as uow:
        uow.users.set_password_hash(uow.users.by_username(username).id, stored_hash(PASSWORD), rt.clock())
        uow.commit()


def log(rt, **filters) -> list:
    with rt.reads() as uow:
        return uow.security_log.search(SecurityLogFilter(limit=1000, **filters))[0][::-1]


def fail(rt, username: str, times: int, client: str = HERE) -> None:
    for _ in range(times):
        with pytest.raises(SignInFailed):
            signin.sign_in(rt, username, "not the password", client)


# --- lock-out --------------------------------------------------------------------------------

def test_five_failed_sign_ins_lock_the_account_even_for_the_right_password(rt, clock):
    """issue 14 #level-3 sign-in: failed attempts are limited per account; the old sign-in let an
    attacker guess for ever."""
    person(rt, "wang")
    fail(rt, "wang", 4)
    with pytest.raises(LockedOut, match=r"this account is locked until \d{4}-\d\d-\d\d \d\d:\d\d") as locked:
        signin.sign_in(rt, "wang", "still not it", HERE)  # the fifth failure locks
    assert locked.value.lock.until == clock.now + timedelta(minutes=30)
    with pytest.raises(LockedOut):  # the right password, another address: locked all the same
        signin.sign_in(rt, "wang", PASSWORD, THERE)
    assert [e.action for e in log(rt, subject="wang")][-3:] == ["signin", "lockout", "signin"]
    assert log(rt, subject="wang")[-1].result == "locked"
    clock.now += timedelta(minutes=31)  # the lock-out period (a setting) passed
    assert signin.sign_in(rt, "wang", PASSWORD, HERE).stage == "done"


def test_failures_count_in_their_window_and_a_success_starts_the_count_again(rt, clock):
    person(rt, "wang")
    fail(rt, "wang", 4)
    assert signin.sign_in(rt, "wang", PASSWORD, HERE).stage == "done"
    fail(rt, "wang", 4)
    clock.now += timedelta(minutes=16)  # older than the failure window (15 minutes)
    fail(rt, "wang", 4)
    assert signin.sign_in(rt, "wang", PASSWORD, HERE).stage == "done"


def test_an_unknown_user_gets_the_same_answer_after_the_same_work_and_is_locked_alike(rt, monkeypatch):
    """issue 14: the same answer after the same work for unknown users: one scrypt hash at the same cost."""
    person(rt, "wang")
    passwords.dummy_hash()  # made once per process, as a first sign-in of an unknown user would
    hashed: list[tuple[int, int, int]] = []
    real = passwords._scrypt
    monkeypatch.setattr(passwords, "_scrypt", lambda password, salt, n, r, p, length=32: (
        hashed.append((n, r, p)), real(password, salt, n, r, p, length))[1])
    answers, work = {}, {}
    for name in ("wang", "nobody.here"):
        with pytest.raises(SignInFailed) as refused:
            signin.sign_in(rt, name, "not the password", HERE)
        work[name], answers[name] = list(hashed), str(refused.value)
        hashed.clear()
    assert answers["wang"] == answers["nobody.here"] == "wrong username or password"
    assert work["nobody.here"] == work["wang"] == [(passwords.SCRYPT_N, passwords.SCRYPT_R, passwords.SCRYPT_P)]
    fail(rt, "nobody.here", 3)
    with pytest.raises(LockedOut) as unknown:
        signin.sign_in(rt, "nobody.here", "x", HERE)
    fail(rt, "wang", 3)
    with pytest.raises(LockedOut) as known:
        signin.sign_in(rt, "wang", "x", HERE)
    assert str(unknown.value) == str(known.value)


def test_one_address_trying_many_accounts_is_locked_and_others_are_not(rt):
    """issue 14: failed attempts are limited per client address too (a password sprayed over accounts)."""
    person(rt, "wang")
    rt = replace(rt, security=replace(rt.security, failures_per_client=6))
    for name in ("a.one", "a.two", "a.three", "a.four", "a.five"):
        fail(rt, name, 1)
    with pytest.raises(LockedOut, match="this client address is locked") as locked:
        signin.sign_in(rt, "a.six", "x", HERE)
    assert locked.value.lock.scope == "client"
    with pytest.raises(LockedOut, match="client address"):  # every account, from that address
        signin.sign_in(rt, "wang", PASSWORD, HERE)
    assert signin.sign_in(rt, "wang", PASSWORD, THERE).stage == "done"  # elsewhere, wang signs in
    assert log(rt, action="client_lockout")[0].subject == HERE


def test_an_admin_unlocks_an_account_and_an_address_and_it_is_logged(rt, clock):
    person(rt, "wang")
    fail(rt, "wang", 4)
    with pytest.raises(LockedOut):
        signin.sign_in(rt, "wang", "the fifth wrong one", HERE)
    with pytest.raises(LockedOut):
        signin.sign_in(rt, "wang", PASSWORD, HERE)
    assert lockout.unlock(rt, ADMIN, username="wang") is True
    assert signin.sign_in(rt, "wang", PASSWORD, HERE).stage == "done"
    assert lockout.unlock(rt, ADMIN, username="wang") is False  # not locked any more: said, and logged
    entries = log(rt, action="unlock")
    assert [(e.actor, e.client, e.subject, e.details["was_locked"]) for e in entries] == [
        ("admin", "10.0.0.1", "wang", True), ("admin", "10.0.0.1", "wang", False)]
    rt = replace(rt, security=replace(rt.security, failures_per_client=5))
    fail(rt, "x.y", 4, client=THERE)
    with pytest.raises(LockedOut):
        signin.sign_in(rt, "x.y", "x", THERE)
    assert lockout.unlock(rt, ADMIN, client=THERE) is True
    assert signin.sign_in(rt, "wang", PASSWORD, THERE).stage == "done"


# --- sessions: the fixed lifetime and the idle time-out -----------------------------------------

def test_a_session_unused_for_the_idle_time_out_ends_and_one_in_use_lives_its_hours(rt, clock):
    """issue 14: an idle time-out besides the fixed session lifetime; a program's token has none."""
    person(rt, "wang")
    idle = signin.sign_in(rt, "wang", PASSWORD, HERE).token
    busy = signin.sign_in(rt, "wang", PASSWORD, HERE).token
    program = users.create_token(rt, "wang", "报表程序")
    clock.now += timedelta(minutes=20)
    users.authenticate(rt, busy)
    clock.now += timedelta(minutes=11)  # idle for 31 minutes; busy used 11 minutes ago
    with pytest.raises(users.Unauthenticated, match="30 minutes unused"):
        users.authenticate(rt, idle)
    for _ in range(35):  # used every 20 minutes, last at 11 h 51 min
        users.authenticate(rt, busy)
        clock.now += timedelta(minutes=20)
    with pytest.raises(users.Unauthenticated):  # 12 h 11 min: past its 12 hours
        users.authenticate(rt, busy)
    assert users.authenticate(rt, program).username == "wang"


def test_signing_out_revokes_the_session_and_is_logged(rt):
    person(rt, "wang")
    token = signin.sign_in(rt, "wang", PASSWORD, HERE).token
    assert signin.sign_out(rt, token, HERE) is True
    with pytest.raises(users.Unauthenticated):
        users.authenticate(rt, token)
    assert [(e.action, e.actor, e.client) for e in log(rt, action="signout")] == [("signout", "wang", HERE)]


# --- the password policy, expiry and re-hashing ----------------------------------------------

@pytest.mark.parametrize("weak, reason", [
    ("short pw", "too-short"), ("qwertyuiop123", "common"), ("Password2024!!", "common"),
    ("WoAiNi1314!!", "common"), ("wang.fang is me 2026", "username"),
])
def test_the_password_policy_refuses_short_common_and_username_passwords(rt, weak, reason):
    """issue 14: a password policy (min length, not a common password, not the username)."""
    users.add_user(rt, "wang.fang", "王芳", [("caseworker", "520000")])
    with pytest.raises(WeakPassword) as refused:
        users.set_password(rt, "wang.fang", weak)
    assert refused.value.details["reason"] == reason and refused.value.field == "password"
    assert not users.has_password(rt, "wang.fang")  # nothing changed


def test_an_expired_password_is_changed_at_sign_in_before_the_session(rt, clock):
    """issue 14: password expiry per settings (password_max_age_days)."""
    person(rt, "wang")
    rt = replace(rt, security=replace(rt.security, password_max_age=timedelta(days=90)))
    clock.now += timedelta(days=91)
    step = signin.sign_in(rt, "wang", PASSWORD, HERE)
    assert step.stage == "password" and step.token is None
    with pytest.raises(WeakPassword):  # the same password again is refused
        signin.proceed(rt, step.ticket, HERE, new_password=PASSWORD)
    done = signin.proceed(rt, step.ticket, HERE, new_password="a new, longer passphrase")
    assert done.stage == "done" and users.authenticate(rt, done.token).username == "wang"
    with pytest.raises(SignInExpired):  # the ticket was used
        signin.proceed(rt, step.ticket, HERE, new_password="yet another passphrase")
    with pytest.raises(SignInFailed):
        signin.sign_in(rt, "wang", PASSWORD, HERE)
    assert signin.sign_in(rt, "wang", "a new, longer passphrase", HERE).stage == "done"
    assert log(rt, action="password_change")[-1].details == {"reason": "expired"}


def test_an_old_scrypt_hash_is_rehashed_at_the_next_sign_in(rt, product_password_cost):
    """issue 14: scrypt at least N=2^17, r=8, p=1, with re-hash on sign-in of old hashes (2^14 before)."""
    users.add_user(rt, "wang", "王芳", [("caseworker", "520000")])
    salt = secrets.token_bytes(16)
    old = f"scrypt$16384$8$1${salt.hex()}${passwords._scrypt(PASSWORD, salt, 2**14, 8, 1).hex()}"
    with rt.uow() as uow:
        uow.users.set_password_hash(uow.users.by_username("wang").id, old, rt.clock())
        uow.commit()
    with rt.reads() as uow:
        changed = uow.users.password_changed_at("wang")
    assert passwords.needs_rehash(old)
    signin.sign_in(rt, "wang", PASSWORD, HERE)
    with rt.reads() as uow:
        now_stored, still = uow.users.password_hash("wang"), uow.users.password_changed_at("wang")
    assert now_stored.startswith("scrypt$131072$8$1$") and not passwords.needs_rehash(now_stored)
    assert still == changed  # the same password: its age goes on
    assert signin.sign_in(rt, "wang", PASSWORD, HERE).stage == "done"


# --- two-factor sign-in --------------------------------------------------------------------------

def test_a_supervisor_must_enrol_a_second_factor_before_any_session(rt, clock):
    """issue 14: TOTP required for supervisors and admins; recovery codes shown once."""
    person(rt, "li", "supervisor")
    step = signin.sign_in(rt, "li", PASSWORD, HERE)
    assert step.stage == "enrol" and step.token is None and step.secret
    assert step.uri.startswith("otpauth://totp/incubase:li?secret=" + step.secret)
    with pytest.raises(two_factor.WrongCode):
        signin.proceed(rt, step.ticket, HERE, code="000000")
    done = signin.proceed(rt, step.ticket, HERE, code=code_now(clock, step.secret))
    assert done.stage == "done" and len(done.recovery_codes) == 10
    with rt.reads() as uow:  # the codes are kept as hashes only
        assert uow.two_factor.recovery_codes_left(uow.users.by_username("li").id) == 10
    assert [e.action for e in log(rt, subject="li") if e.action.startswith("two_factor")] == [
        "two_factor_enrol", "two_factor_confirm"]


def test_a_code_is_accepted_once_and_a_recovery_code_once(rt, clock):
    person(rt, "li", "supervisor")
    secret = enrolled(rt, clock, "li")
    step = signin.sign_in(rt, "li", PASSWORD, HERE)
    assert step.stage == "totp"
    code = code_now(clock, secret)
    assert signin.proceed(rt, step.ticket, HERE, code=code).stage == "done"
    again = signin.sign_in(rt, "li", PASSWORD, HERE)
    with pytest.raises(two_factor.WrongCode):  # the same code, replayed within its 30 seconds
        signin.proceed(rt, again.ticket, HERE, code=code)
    recovery = recovery_codes[secret][0]
    assert signin.proceed(rt, again.ticket, HERE, code=recovery.upper()).stage == "done"
    third = signin.sign_in(rt, "li", PASSWORD, HERE)
    with pytest.raises(two_factor.WrongCode):
        signin.proceed(rt, third.ticket, HERE, code=recovery)
    assert log(rt, action="recovery_code_used")[0].details == {"left": 9}


def test_wrong_codes_count_towards_the_lock_out(rt, clock):
    person(rt, "li", "supervisor")
    enrolled(rt, clock, "li")
    step = signin.sign_in(rt, "li", PASSWORD, HERE)
    for _ in range(4):
        with pytest.raises(two_factor.WrongCode):
            signin.proceed(rt, step.ticket, HERE, code="123456")
    with pytest.raises(LockedOut):
        signin.proceed(rt, step.ticket, HERE, code="123456")


def test_a_ticket_is_for_its_client_and_a_few_minutes(rt, clock):
    person(rt, "li", "supervisor")
    secret = enrolled(rt, clock, "li")
    step = signin.sign_in(rt, "li", PASSWORD, HERE)
    with pytest.raises(SignInExpired):
        signin.proceed(rt, step.ticket, THERE, code=code_now(clock, secret))
    clock.now += timedelta(minutes=6)
    with pytest.raises(SignInExpired):
        signin.proceed(rt, step.ticket, HERE, code=code_now(clock, secret))
    with pytest.raises(SignInExpired):
        signin.proceed(rt, "made-up", HERE, code="123456")


def test_a_caseworker_may_enrol_and_an_admins_reset_makes_a_supervisor_enrol_anew(rt, clock):
    person(rt, "wang")
    assert signin.sign_in(rt, "wang", PASSWORD, HERE).stage == "done"  # optional for a caseworker
    enrolled(rt, clock, "wang")
    assert signin.sign_in(rt, "wang", PASSWORD, HERE).stage == "totp"
    with pytest.raises(two_factor.AlreadyEnrolled):
        two_factor.begin(rt, users.user_named(rt, "wang"), Origin("wang", HERE))
    person(rt, "li", "supervisor")
    enrolled(rt, clock, "li")
    assert two_factor.reset_user(rt, "li", ADMIN) is True
    assert signin.sign_in(rt, "li", PASSWORD, HERE).stage == "enrol"
    assert log(rt, action="two_factor_reset")[0].actor == "admin"


def test_sign_in_at_once_needs_the_code_of_a_two_factor_account(rt, clock):
    person(rt, "li", "supervisor")
    secret = enrolled(rt, clock, "li")
    with pytest.raises(signin.SecondFactorRequired):
        signin.sign_in_at_once(rt, "li", PASSWORD, HERE)
    step = signin.sign_in_at_once(rt, "li", PASSWORD, HERE, code=code_now(clock, secret))
    assert step.stage == "done" and users.authenticate(rt, step.token).username == "li"
    person(rt, "sun", "supervisor")
    with pytest.raises(signin.SecondFactorRequired, match="no authenticator yet"):
        signin.sign_in_at_once(rt, "sun", PASSWORD, HERE, code="123456")


# --- the security log -------------------------------------------------------------------------

def test_every_security_act_is_one_link_of_a_chain_that_verifies(rt, clock):
    """issue 14: sign-in and failure, sign-out, lock-out, unlock, tokens, grants, passwords and 2FA on
    the log, with who, when, from where, what and the result, hash-chained."""
    users.add_user(rt, "wang", "王芳", [("caseworker", "520000")], origin=ADMIN)
    users.set_password(rt, "wang", PASSWORD, ADMIN)
    users.grant(rt, "wang", "auditor", "520000", origin=ADMIN)
    users.revoke_grant(rt, "wang", "auditor", "520000", origin=ADMIN)
    token = users.create_token(rt, "wang", "程序", origin=ADMIN)
    users.revoke_token(rt, token, ADMIN)
    fail(rt, "wang", 4)
    with pytest.raises(LockedOut):
        signin.sign_in(rt, "wang", "the fifth wrong one", HERE)
    lockout.unlock(rt, ADMIN, username="wang")
    session = signin.sign_in(rt, "wang", PASSWORD, HERE).token
    signin.sign_out(rt, session, HERE)
    actions = [e.action for e in log(rt)]
    assert actions == ["user_add", "grant", "password_set", "grant", "revoke_grant", "token_create", "token_revoke",
                       "signin", "signin", "signin", "signin", "signin", "lockout", "unlock", "signin", "signout"]
    first = log(rt)[0]
    assert (first.actor, first.client, first.subject, first.result) == ("admin", "10.0.0.1", "wang", "ok")
    assert first.at == clock.now
    count, problems = security_log.verify(rt)
    assert count == 16 and problems == []
    entries = log(rt)
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(entries, entries[1:], strict=False))
    assert entries[0].prev_hash == "0" * 64


def enrolled(rt, clock, username: str) -> str:
    """Turns on the user's two-factor sign-in as a person does; its secret (recovery codes kept)."""
    user = users.user_named(rt, username)
    origin = Origin(username, HERE)
    secret = two_factor.begin(rt, user, origin)
    recovery_codes[secret] = two_factor.turn_on(rt, user, code_now(clock, secret), origin)
    assert pyotp.TOTP(secret).now()  # a real base32 secret an authenticator takes
    return secret


recovery_codes: dict[str, list[str]] = {}
