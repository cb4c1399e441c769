"""Users, their roles per jurisdiction, and bearer tokens (kept only as hashes).

Grants are acts of the grant ledger (services.grant_ledger), dated, hash-chained and never
deleted, so an auditor can later check that an actor held the role an act needs at the moment
it was recorded. An administrator's act names the administrator (`by`) and is checked for
separation of duties and scope (services.duties); without `by` it is the console's.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from services import duties, grant_ledger
from services.duties import ROLE_NAMES_ZH as ROLE_NAMES_ZH
from services.ports import UnitOfWork
from services.refusals import Forbidden as Forbidden
from services.refusals import Unauthenticated as Unauthenticated
from services.runtime import Runtime
from services.values import ROLES as ROLES
from services.values import Grant as Grant
from services.values import User as User
from statemachines import jurisdiction as divisions
from statemachines.errors import DomainError, InvalidAct

TOKEN_PREFIX = "ib_"
_USERNAME = re.compile(r"[a-z][a-z0-9._-]{1,62}")


class UnknownUser(DomainError):
    code = "unknown-user"

    def __init__(self, username: str) -> None:
        super().__init__(f"no user {username!r}", username=username)


class UnknownInspector(InvalidAct):
    """An inspector named who is not a user: four eyes compares people, so inspectors who are
    staff are named by username, and outside experts go under `experts`, by name."""

    code = "unknown-inspector"

    def __init__(self, unknown: list[str], hints: dict[str, str]) -> None:
        said = ", ".join(f"{name!r} (the name of {hints[name]})" if name in hints else repr(name) for name in unknown)
        super().__init__(f"not a user of the system: {said}; name inspecting users by username, "
                         "and outside experts under 'experts'", field="inspectors", rule="R5")
        self.details.update(unknown=unknown, usernames=hints)


def normal_username(name: str) -> str:
    """'Caseworker.Zhao ' and full-width 'ｃａｓｅｗｏｒｋｅｒ.ｚｈａｏ' are the user caseworker.zhao."""
    return unicodedata.normalize("NFKC", name).strip().lower()


def inspecting_users(rt: Runtime, names: Sequence[str]) -> list[str]:
    """The usernames of the users named as inspectors, normalised, each once; UnknownInspector
    names any who is not a user (and whose user a display name belongs to, where one matches)."""
    usernames = list(dict.fromkeys(normal_username(n) for n in names if n.strip()))
    if not usernames:
        return []
    with rt.reads() as uow:
        unknown = [u for u in usernames if uow.users.by_username(u) is None]
        if not unknown:
            return usernames
        by_display = {user.display_name: user.username for user in uow.users.all()}
    wanted = [n.strip() for n in names if normal_username(n) in unknown]
    raise UnknownInspector(wanted, {n: by_display[n] for n in wanted if n in by_display})


def hash_token(token: str) -> str:
    # tokens carry 256 random bits, so a fast hash is enough: nothing to guess from it
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(rt: Runtime, username: str, display_name: str, grants: list[tuple[str, str]],
             email: str | None = None, *, by: User | None = None) -> User:
    """A new account; `by` a system administrator, or the console. Grants come with it only at
    the console: an administrator's account and its roles are two people's acts (三员分立)."""
    if not _USERNAME.fullmatch(username):
        raise InvalidAct(f"username {username!r}: lower-case letters, digits, '.', '_' or '-'", field="username")
    if not display_name.strip():
        raise InvalidAct("a user needs a display name", field="display_name")
    for role, code in grants:
        _check_grant(role, code)
    with rt.uow() as uow:
        if by is not None:
            duties.require_role_anywhere(_user(uow, by.username), duties.SYSADMIN, "adding an account", "新增账号")
            if grants:
                raise Forbidden("a system administrator adds the account; its roles are granted by a security "
                                f"administrator afterwards (POST /api/v1/users/{username}/grants)", field="grants",
                                detail_zh="系统管理员只新增账号，角色须由安全管理员另行授予")
        if uow.users.by_username(username) is not None:
            raise InvalidAct(f"user {username!r} already exists", field="username")
        user_id = secrets.token_hex(16)
        uow.users.add(user_id, username, display_name.strip(), rt.clock(), email=email_address(email))
        for role, code in grants:
            _record(rt, uow, grant_ledger.GRANT, _user(uow, username), role, code, None, "")
        uow.commit()
        return _user(uow, username)


def grant(rt: Runtime, username: str, role: str, code: str, *, by: User | None = None, reason: str = "") -> User:
    """Grants `role` over the jurisdiction `code`: by a security administrator whose grant covers
    it (never to themselves), or at the console; refused if it would give one account two of the
    administrators' roles."""
    _check_grant(role, code)
    with rt.uow() as uow:
        user = _user(uow, username)
        _record(rt, uow, grant_ledger.GRANT, user, role, code, by, reason)
        uow.commit()
        return _user(uow, username)


def revoke_grant(rt: Runtime, username: str, role: str, code: str, *, by: User | None = None,
                 reason: str = "") -> User:
    """Ends the user's grants of `role` over `code` from now on; they stay on record, with their end."""
    with rt.uow() as uow:
        _record(rt, uow, grant_ledger.REVOKE, _user(uow, username), role, code, by, reason)
        uow.commit()
        return _user(uow, username)


def _record(rt: Runtime, uow: UnitOfWork, act: str, user: User, role: str, code: str, by: User | None,
            reason: str) -> None:
    """Checks the act against who records it, then appends it to the ledger's chain."""
    if by is not None:  # the administrator as the database knows them now, not as their token found them
        duties.require_may_change_grant(_user(uow, by.username), user, role, code, act)
    if act == grant_ledger.GRANT:
        duties.require_separate(user, role)
    elif not any(g.revoked_at is None and (g.role, g.jurisdiction) == (role, code) for g in user.grants):
        raise InvalidAct(f"{user.username} holds no {role} grant for {code}", field="role")
    head = uow.users.grant_head()
    uow.users.append_grant(grant_ledger.next_act(head, act, user.id, user.username, role, code, rt.clock(),
                                                 by.username if by else grant_ledger.CONSOLE, reason.strip()))


def create_token(rt: Runtime, username: str, label: str = "", lifetime: timedelta | None = None) -> str:
    """A new bearer token; only its hash is stored, so it is shown this once. With a `lifetime`
    it stops working that long after now; without, it works until revoked."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = rt.clock()
    with rt.uow() as uow:
        user = _user(uow, username)
        uow.users.add_token(user.id, hash_token(token), label, now, now + lifetime if lifetime else None)
        uow.commit()
    return token


def revoke_token(rt: Runtime, token: str) -> bool:
    """Ends a token from now on (kept, with the moment it was revoked); False if unknown or already revoked."""
    with rt.uow() as uow:
        done = uow.users.revoke_token(hash_token(token), rt.clock())
        uow.commit()
    return done


def authenticate(rt: Runtime, token: str | None) -> User:
    if not token:
        raise Unauthenticated("sign in: send 'Authorization: Bearer <token>'")
    with rt.reads() as uow:
        user = uow.users.by_token(hash_token(token), rt.clock())
    if user is None:
        raise Unauthenticated("the token is unknown, revoked or expired")
    return user


# --- passwords, for the web pages' sign-in -------------------------------------------------

# scrypt at n=2**14, r=8, p=1 (16 MiB, ~50 ms): the parameters are stored with each hash, so
# they can be raised later without invalidating the hashes already stored
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$hash`, salt and hash in hex; a fresh random salt each time."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str | None) -> bool:
    """Constant-time comparison against a stored hash; False for no hash or a malformed one."""
    try:
        scheme, n, r, p, salt, digest = (stored or "").split("$")
        if scheme != "scrypt":
            return False
        expected = bytes.fromhex(digest)
        actual = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p), len(expected))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def set_password(rt: Runtime, username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidAct(f"a password has at least {MIN_PASSWORD} characters", field="password")
    hashed = hash_password(password)
    with rt.uow() as uow:
        user = _user(uow, username)
        uow.users.set_password_hash(user.id, hashed)
        uow.commit()


def has_password(rt: Runtime, username: str) -> bool:
    with rt.reads() as uow:
        return uow.users.password_hash(username) is not None


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def check_password(rt: Runtime, username: str, password: str) -> User:
    """The user whose password this is; the same refusal, after the same work, for an unknown
    user, a user without a password and a wrong password, so none of them can be told apart."""
    with rt.reads() as uow:
        stored = uow.users.password_hash(username)
        user = uow.users.by_username(username) if stored else None
    if not password_matches(password, stored or _dummy_hash()) or user is None:
        raise Unauthenticated("wrong username or password")
    return user


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int = 32) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length,
                          maxmem=256 * 1024 * 1024)


def list_users(rt: Runtime, *, by: User | None = None) -> list[User]:
    """Every account; for an administrator (`by`), those of its jurisdictions with only the
    grants there, and the accounts without any grant yet."""
    with rt.reads() as uow:
        everyone = uow.users.all()
    if by is None:
        return everyone
    duties.require_administrator(by)
    seen = ((u, duties.visible_grants(by, u)) for u in everyone)
    return [replace(u, grants=grants) for u, grants in seen if grants is not None]


def _user(uow: UnitOfWork, username: str) -> User:
    user = uow.users.by_username(username)
    if user is None:
        raise UnknownUser(username)
    return user


def email_address(address: str | None, field: str = "email") -> str | None:
    if address is None or not address.strip():
        return None
    address = address.strip()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
        raise InvalidAct(f"{address!r} is not an e-mail address", field=field)
    return address


def _check_grant(role: str, code: str) -> None:
    if role not in ROLES:
        raise InvalidAct(f"role {role!r} is not one of {', '.join(ROLES)}", field="role")
    divisions.validate(code)
