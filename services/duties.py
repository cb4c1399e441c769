"""Separation of duties (三员分立) and the scope of the administrators' acts.

The system administrator (sysadmin) manages accounts, the security administrator (secadmin)
roles and grants, the audit administrator (auditadmin) reads the security record. One account
holds at most one of the three. A security administrator's grants are scoped like every other
act: over the jurisdictions its own grant covers, never to or from itself. The system and audit
administrators are appointed at the server's console, so no security administrator chooses who
audits it. The grant ledger's verification (services.grant_audit) applies these same checks to
every recorded act again.
"""
from __future__ import annotations

from services.refusals import Forbidden
from services.values import ADMIN_ROLES, BUSINESS_ROLES, Grant, User
from statemachines.errors import DomainError
from statemachines.jurisdiction import covers
from statemachines.messages import ROLE_NAMES, Words

SYSADMIN, SECADMIN, AUDITADMIN = ADMIN_ROLES
APPOINTED_AT_CONSOLE = (SYSADMIN, AUDITADMIN)
GRANTED_BY_SECADMIN = (*BUSINESS_ROLES, SECADMIN)
ROLE_NAMES_ZH = ROLE_NAMES["zh"]


class SeparationOfDuties(DomainError):
    """三员分立: the account already holds another of the three administrators' roles."""

    code = "separation-of-duties"

    def __init__(self, username: str, role: str, held: str) -> None:
        super().__init__(
            f"separation of duties: {username} holds {held}, so cannot also hold {role} "
            "(the system, security and audit administrators are three different accounts)",
            username=username, role=role, held=held)
        said_in_chinese(self)


class OwnGrants(Forbidden):
    """Nobody grants or revokes a role of their own: another administrator must."""

    code = "own-grants"

    def __init__(self, username: str, verb: str) -> None:
        super().__init__(f"{username} may not {verb} a role of their own; another security administrator must",
                         username=username)
        said_in_chinese(self)


def said_in_chinese(refusal: DomainError) -> DomainError:
    """The administrators' refusals have always carried their Chinese as `detail_zh` too (README):
    the catalogue's words, as `Accept-Language: zh` gives them in `detail`."""
    refusal.details["detail_zh"] = refusal.localized("zh")
    return refusal


def conflicting_role(user: User, role: str) -> str | None:
    """The administrator's role the user holds now that `role` may not join, if any."""
    if role not in ADMIN_ROLES:
        return None
    return next((r for r in ADMIN_ROLES if r != role and r in user.live_roles()), None)


def require_separate(user: User, role: str) -> None:
    held = conflicting_role(user, role)
    if held is not None:
        raise SeparationOfDuties(user.username, role, held)


def require_may_change_grant(actor: User, grantee: User, role: str, jurisdiction: str, verb: str) -> None:
    """May `actor` grant (or revoke) `role` over `jurisdiction` to (from) `grantee`?"""
    require_role_anywhere(actor, SECADMIN, "granting or revoking a role", "授予或撤销角色")
    if actor.id == grantee.id:
        raise OwnGrants(actor.username, verb)
    if role in APPOINTED_AT_CONSOLE:
        raise said_in_chinese(Forbidden(f"{role} is appointed at the server's console (incubase users {verb}), "
                                        "not by another administrator",
                                        key="forbidden.console", act=f"{verb}_role", role=role))
    if SECADMIN not in actor.roles_in(jurisdiction):
        scopes = actor.scopes((SECADMIN,))
        raise said_in_chinese(Forbidden(
            f"to {verb} {role}@{jurisdiction} needs the role secadmin for a jurisdiction covering "
            f"{jurisdiction}; {actor.username} is secadmin for {', '.join(scopes) or 'none'}",
            key="forbidden.secadmin-scope", act=f"{verb}_role", needed=[SECADMIN], jurisdiction=jurisdiction,
            scopes=list(scopes)))


def require_role_anywhere(actor: User, role: str, what: str, what_zh: str) -> None:
    if role not in actor.live_roles():
        refused = Forbidden(f"{what} needs the role {role}; {actor.username} does not hold it",
                            key="forbidden.role", needed=[role], what=Words(what_zh, what), role=role)
        del refused.details["what"], refused.details["role"]
        raise said_in_chinese(refused)


def require_administrator(actor: User) -> None:
    """Any of the three administrators: they read the accounts of their jurisdictions."""
    if not actor.live_roles() & set(ADMIN_ROLES):
        raise said_in_chinese(Forbidden(
            f"reading the accounts needs an administrator's role ({', '.join(ADMIN_ROLES)}); "
            f"{actor.username} holds none", key="forbidden.administrator", needed=list(ADMIN_ROLES)))


def visible_grants(actor: User, user: User) -> tuple[Grant, ...] | None:
    """What an administrator sees of an account: the grants over its own jurisdictions, or None
    when the account has grants elsewhere only (an account without any grant is seen by all, so
    that it can be given its first)."""
    scopes = actor.scopes(ADMIN_ROLES)
    mine = tuple(g for g in user.grants if any(covers(s, g.jurisdiction) for s in scopes))
    return mine if mine or not user.grants else None
