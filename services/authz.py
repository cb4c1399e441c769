"""Who may do what: roles per act, jurisdiction scopes, and the acts a user may record now.

A user sees only cases in the jurisdictions their grants cover; a case outside them is
reported as not found, so its existence does not leak.
"""
from __future__ import annotations

from datetime import date

from services.ports import CaseNotFound
from services.users import Forbidden, User
from services.values import BUSINESS_ROLES
from statemachines import catalogue
from statemachines.acts import allowed_acts
from statemachines.case import Case
from statemachines.events import SYSTEM_ACTOR
from statemachines.policy import Policy

# the administrators (三员) manage accounts, grants and the security record, and see no case
READ = BUSINESS_ROLES

# who may record each act, as declared with the act; an exception to the application window (R1)
# is a supervisor's decision taken with an application, not an act of its own
ACT_ROLES: dict[str, tuple[str, ...]] = {
    **{a.name: a.roles for a in catalogue.ACTS if a.by_person},
    "window_exception": catalogue.DECISION,
}


def require_read(user: User, case_id: str, jurisdiction: str) -> None:
    if not user.roles_in(jurisdiction) & set(READ):
        raise CaseNotFound(case_id)


def require_act(user: User, act: str, jurisdiction: str) -> None:
    needed = ACT_ROLES[act]
    if not user.roles_in(jurisdiction) & set(needed):
        raise Forbidden(
            f"'{act}' needs the role {' or '.join(needed)} for jurisdiction {jurisdiction}; "
            f"{user.username} has {sorted(user.roles_in(jurisdiction)) or 'none'}",
            key="forbidden.act", act=act, needed=list(needed), jurisdiction=jurisdiction)


def permitted_acts(user: User, case: Case, policy: Policy, on: date | None = None) -> list[str]:
    """The acts legal now (R1–R14) that this user may record, four eyes kept; given today's
    business date `on`, without an assessment that opens later (R21)."""
    roles = user.roles_in(case.jurisdiction)
    acts = [a for a in allowed_acts(case, policy, on) if roles & set(ACT_ROLES[a])]
    if user.username == case.inspected_by or user.username in case.inspectors:
        acts = [a for a in acts if a not in ("approve", "decide_objection")]  # R5, and R22 after it
    if case.state == "suspended" and case.suspended_by not in (None, SYSTEM_ACTOR) \
            and case.suspended_by == user.username:
        acts = [a for a in acts if a != "revoke"]
    return acts
