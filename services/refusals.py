"""The refusals of who may do what, shared by the users, the case acts and the administrators'
acts (services.users re-exports them, where most callers import them from)."""
from __future__ import annotations

from statemachines.errors import DomainError


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Forbidden(DomainError):
    code = "forbidden"
