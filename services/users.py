"""Users, their roles per jurisdiction, and bearer tokens (kept only as hashes).

Grants are acts of the grant ledger (services.grant_ledger), dated, hash-chained and never
deleted, so an auditor can later check that an actor held the role an act needs at the moment
it was recorded. An administrator's act names the administrator (`by`) and is checked for
separation of duties and scope (services.duties); without `by` it is the console's.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import timedelta

from services import duties, grant_ledger, passwords, security_log
from services.duties import ROLE_NAMES_ZH as ROLE_NAMES_ZH
from services.passwords import hash_password as hash_password
from services.passwords import password_matches as password_matches
from services.ports import UnitOfWork
from services.refusals import Forbidden as Forbidden
from services.refusals import Unauthenticated as Unauthenticated
from services.runtime import Runtime
from services.values import ROLES as ROLES
from services.values import SYSTEM_ORIGIN, Origin, TokenRecord
from services.values import Grant as Grant
from services.values import User as User
from statemachines import jurisdiction as divisions
from statemachines.errors import DomainError, InvalidAct
from statemachines.messages import Words

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
        named = Words("、".join(f"{n}（用户名为 {hints[n]}）" if n in hints else n for n in unknown),
                      ", ".join(f"{n!r} (the name of {hints[n]})" if n in hints else repr(n) for n in unknown))
        super().__init__(field="inspectors", rule="R5", named=named)
        self.details = {"field": "inspectors", "unknown": unknown, "usernames": hints}


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
             email: str | None = None, *, by: User | None = None, origin: Origin = SYSTEM_ORIGIN) -> User:
    """A new account; `by` a system administrator, or the console. Grants come with it only at
    the console: an administrator's account and its roles are two people's acts (三员分立)."""
    if not _USERNAME.fullmatch(username):
        raise InvalidAct(f"username {username!r}: lower-case letters, digits, '.', '_' or '-'", field="username",
                         key="user.username")
    if not display_name.strip():
        raise InvalidAct("a user needs a display name", field="display_name", key="user.display-name")
    for role, code in grants:
        _check_grant(role, code)
    with rt.uow() as uow:
        if by is not None:
            duties.require_role_anywhere(_user(uow, by.username), duties.SYSADMIN, "adding an account", "新增账号")
            if grants:
                raise duties.said_in_chinese(Forbidden(
                    "a system administrator adds the account; its roles are granted by a security administrator "
                    f"afterwards (POST /api/v1/users/{username}/grants)", key="forbidden.grants-at-add",
                    field="grants"))
        if uow.users.by_username(username) is not None:
            raise InvalidAct(f"user {username!r} already exists", field="username", key="user.exists",
                             username=username)
        user_id = secrets.token_hex(16)
        now = rt.clock()
        uow.users.add(user_id, username, display_name.strip(), now, email=email_address(email))
        security_log.append(uow, now, origin, "user_add", username)
        for role, code in grants:
            _record(rt, uow, grant_ledger.GRANT, _user(uow, username), role, code, None, "")
            security_log.append(uow, rt.clock(), origin, "grant", username, "ok", {"role": role, "jurisdiction": code})
        uow.commit()
        return _user(uow, username)


def grant(rt: Runtime, username: str, role: str, code: str, *, by: User | None = None, reason: str = "",
          origin: Origin = SYSTEM_ORIGIN) -> User:
    """Grants `role` over the jurisdiction `code`: by a security administrator whose grant covers
    it (never to themselves), or at the console; refused if it would give one account two of the
    administrators' roles."""
    _check_grant(role, code)
    with rt.uow() as uow:
        user = _user(uow, username)
        _record(rt, uow, grant_ledger.GRANT, user, role, code, by, reason)
        security_log.append(uow, rt.clock(), origin, "grant", username, "ok", {"role": role, "jurisdiction": code})
        uow.commit()
        return _user(uow, username)


def revoke_grant(rt: Runtime, username: str, role: str, code: str, *, by: User | None = None,
                 reason: str = "", origin: Origin = SYSTEM_ORIGIN) -> User:
    """Ends the user's grants of `role` over `code` from now on; they stay on record, with their end."""
    with rt.uow() as uow:
        _record(rt, uow, grant_ledger.REVOKE, _user(uow, username), role, code, by, reason)
        security_log.append(uow, rt.clock(), origin, "revoke_grant", username, "ok",
                            {"role": role, "jurisdiction": code})
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
        raise InvalidAct(f"{user.username} holds no {role} grant for {code}", field="role", key="user.no-grant",
                         role=role, jurisdiction=code)
    head = uow.users.grant_head()
    uow.users.append_grant(grant_ledger.next_act(head, act, user.id, user.username, role, code, rt.clock(),
                                                 by.username if by else grant_ledger.CONSOLE, reason.strip(),
                                                 uow.deployment.hash_algorithm()))


def create_token(rt: Runtime, username: str, label: str = "", lifetime: timedelta | None = None,
                 origin: Origin = SYSTEM_ORIGIN) -> str:
    """A new bearer token for a program; only its hash is stored, so it is shown this once. With a
    `lifetime` it stops working that long after now; without, it works until revoked. (A person's
    session comes from signing in: services.signin.)"""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = rt.clock()
    with rt.uow() as uow:
        user = _user(uow, username)
        uow.users.add_token(user.id, hash_token(token), label, now, now + lifetime if lifetime else None)
        security_log.append(uow, now, origin, "token_create", username, "ok",
                            {"label": label, "expires_at": (now + lifetime).isoformat() if lifetime else None,
                             "token": hash_token(token)[:12]})
        uow.commit()
    return token


def tokens_of(rt: Runtime, username: str) -> list[TokenRecord]:
    """The user's tokens with their dates, oldest first; the tokens themselves are not kept to show."""
    with rt.reads() as uow:
        return uow.users.tokens_of(_user(uow, username).id)


def revoke_token(rt: Runtime, token: str, origin: Origin = SYSTEM_ORIGIN) -> bool:
    """Ends a token from now on (kept, with the moment it was revoked); False if unknown or already revoked."""
    now = rt.clock()
    with rt.uow() as uow:
        found = uow.users.session(hash_token(token), now)
        done = uow.users.revoke_token(hash_token(token), now)
        security_log.append(uow, now, origin, "token_revoke", found[0].username if found else "",
                            "ok" if done else "failed", {"token": hash_token(token)[:12]})
        uow.commit()
    return done


# a session used again within this long of its last push is not written again (one write a minute)
IDLE_GRANULARITY = timedelta(minutes=1)


def authenticate(rt: Runtime, token: str | None) -> User:
    """The user of a live token; a session's idle time-out is pushed on as it is used."""
    if not token:
        raise Unauthenticated("sign in: send 'Authorization: Bearer <token>'", key="unauthenticated")
    now = rt.clock()
    with rt.reads() as uow:
        found = uow.users.session(hash_token(token), now)
    if found is None:
        raise Unauthenticated("the token is unknown, revoked or expired (a session also ends after "
                              f"{int(rt.security.session_idle.total_seconds() // 60)} minutes unused)",
                              key="unauthenticated.session",
                              minutes=int(rt.security.session_idle.total_seconds() // 60))
    user, idle_until = found
    wanted = now + rt.security.session_idle
    if idle_until is not None and wanted - idle_until >= IDLE_GRANULARITY:
        with rt.uow() as uow:
            uow.users.extend_idle(hash_token(token), wanted, unless_after=wanted - IDLE_GRANULARITY)
            uow.commit()
    return user


# --- passwords, for the web pages' sign-in (services.signin signs in; services.passwords hashes) ---

def check_new_password(rt: Runtime, username: str, password: str) -> None:
    """WeakPassword unless the password meets the policy (length, not common, not the username),
    and InvalidAct if it is the user's present one."""
    passwords.check_policy(password, username, rt.security.password_min_length)
    with rt.reads() as uow:
        stored = uow.users.password_hash(username)
    if stored and passwords.password_matches(password, stored):
        raise passwords.WeakPassword("the new password must differ from the present one", "unchanged")


def set_password(rt: Runtime, username: str, password: str, origin: Origin = SYSTEM_ORIGIN,
                 action: str = "password_set", keep_session: str | None = None) -> None:
    """Sets the user's password (the policy checked); an administrator's `password_set`, or the
    user's own `password_change`, on the security log; the user's own change ends their other
    sessions (all but `keep_session`, the token they changed it with)."""
    passwords.check_policy(password, username, rt.security.password_min_length)
    hashed = hash_password(password)
    with rt.uow() as uow:
        user = _user(uow, username)
        now = rt.clock()
        uow.users.set_password_hash(user.id, hashed, now)
        if action == "password_change":
            uow.users.revoke_sessions(user.id, now, keep=hash_token(keep_session) if keep_session else None)
        security_log.append(uow, now, origin, action, username)
        uow.commit()


def change_own_password(rt: Runtime, user: User, current: str, new: str, origin: Origin,
                        session: str | None = None) -> None:
    """A signed-in user's new password, given the present one (Unauthenticated, logged, if wrong)."""
    with rt.reads() as uow:
        stored = uow.users.password_hash(user.username)
    if not passwords.password_matches(current, stored or passwords.dummy_hash()):
        security_log.record(rt, origin, "password_change", user.username, "failed", {"error": "wrong-password"})
        raise Unauthenticated("the present password is wrong", key="unauthenticated.password")
    check_new_password(rt, user.username, new)
    set_password(rt, user.username, new, origin, action="password_change", keep_session=session)


def has_password(rt: Runtime, username: str) -> bool:
    with rt.reads() as uow:
        return uow.users.password_hash(username) is not None


def user_named(rt: Runtime, username: str) -> User:
    """The user; UnknownUser if none."""
    with rt.reads() as uow:
        return _user(uow, username)


def display_names(rt: Runtime, usernames: Iterable[str]) -> dict[str, str]:
    """Issue 15: the pages name people, not accounts: the display name of each of these usernames
    that is a user's (王芳 for caseworker.wang)."""
    with rt.reads() as uow:
        found = [uow.users.by_username(name) for name in set(usernames)]
    return {u.username: u.display_name for u in found if u is not None}


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
        raise InvalidAct(f"{address!r} is not an e-mail address", field=field, key="user.email")
    return address


def _check_grant(role: str, code: str) -> None:
    if role not in ROLES:
        raise InvalidAct(f"role {role!r} is not one of {', '.join(ROLES)}", key="user.role", field="role", given=role,
                         roles=list(ROLES))
    divisions.validate(code)
