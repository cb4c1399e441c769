"""Domain errors: each refusal has its own type, the rule it enforces and a clear message.

The API maps each type to its own status and problem type; nothing catches DomainError to
hide one. Every error is raised before anything is written.
"""
from __future__ import annotations

from datetime import date


class DomainError(Exception):
    code = "domain-error"
    rule: str | None = None

    def __init__(self, message: str, *, rule: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        if rule is not None:
            self.rule = rule
        self.details = details


class IllegalTransition(DomainError):
    code = "illegal-transition"

    def __init__(self, act: str, state: str, allowed: list[str]) -> None:
        legal = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"'{act}' is not allowed in state '{state}'; allowed now: {legal}",
            act=act, state=state, allowed_actions=allowed,
        )
        self.act, self.state, self.allowed_actions = act, state, allowed


class InvalidAct(DomainError):
    """A field of the act is missing or outside what the policy allows."""

    code = "invalid-act"

    def __init__(self, message: str, *, field: str, rule: str | None = None, **details: object) -> None:
        super().__init__(message, rule=rule, field=field, **details)
        self.field = field


class FutureDate(DomainError):
    code = "future-date"
    rule = "R17"

    def __init__(self, on: date, today: date) -> None:
        super().__init__(f"business date {on} is after today ({today})", on=str(on), today=str(today))


class DateOutOfOrder(DomainError):
    code = "date-out-of-order"
    rule = "R17"

    def __init__(self, on: date, previous: date, previous_act: str) -> None:
        super().__init__(
            f"business date {on} is before the case's last act ('{previous_act}' on {previous})",
            on=str(on), previous=str(previous),
        )


class WindowClosed(DomainError):
    code = "window-closed"
    rule = "R1"

    def __init__(self, on: date, opens: date, closes: date) -> None:
        """`opens`, `closes`: the round of `on`'s year (or, where none opens that year, the next one)."""
        super().__init__(
            f"{on} is outside the application window; the {opens.year} round is {opens} to {closes} "
            "(a supervisor may record a reasoned exception)",
            opens=str(opens), closes=str(closes),
        )


class NoRoundAnnounced(DomainError):
    """R19: under a policy whose rounds are announced, no round is announced that holds the date."""

    code = "no-round-announced"
    rule = "R19"

    def __init__(self, on: date, policy_id: str) -> None:
        super().__init__(
            f"no application round of {policy_id} is announced that is open on {on} "
            "(a supervisor may record a reasoned exception)", on=str(on), policy_id=policy_id)


class QuotaReached(DomainError):
    """R19: the round's quota of approvals is used up."""

    code = "quota-reached"
    rule = "R19"

    def __init__(self, year: int, quota: int, approved: int) -> None:
        super().__init__(
            f"the {year} round's quota of {quota} recognitions is used up ({approved} approved)",
            year=year, quota=quota, approved=approved)


class RoundAlreadyAnnounced(DomainError):
    code = "round-already-announced"
    rule = "R19"

    def __init__(self, policy_id: str, year: int) -> None:
        super().__init__(f"the {year} round of {policy_id} is already announced", policy_id=policy_id, year=year)


class BanInForce(DomainError):
    code = "ban-in-force"
    rule = "R2"

    def __init__(self, *, case_id: str, ground: str, level: str, last_day: date | None) -> None:
        """`last_day` None: the ban is permanent (不得再次申报)."""
        until = ("is permanent: no new application is possible at this level" if last_day is None else
                 f"runs until {last_day}; a new application is possible from "
                 f"{date.fromordinal(last_day.toordinal() + 1)}")
        super().__init__(
            f"a reapplication ban at level '{level}' for '{ground}' (case {case_id}) {until}",
            case_id=case_id, ground=ground, level=level, last_day=None if last_day is None else str(last_day),
        )


class OpenCaseExists(DomainError):
    code = "open-case-exists"
    rule = "R3"

    def __init__(self, case_id: str, level: str) -> None:
        super().__init__(f"the base already has an open case at level '{level}': {case_id}", case_id=case_id)


class PrerequisiteMissing(DomainError):
    code = "prerequisite-missing"
    rule = "R18"

    def __init__(self, level: str, required: str, document_accepted: bool = False,
                 programme: str | None = None) -> None:
        """`document_accepted`: the policy accepts the lower recognition's document instead of a case;
        `programme`: the programme of the recognition asked for, where programmes tell them apart (R23)."""
        instead = " (or the document of that recognition, prerequisite_document)" if document_accepted else ""
        of = "" if programme is None else f" of programme '{programme}'"
        details: dict[str, str] = {"level": level, "required_level": required}
        if programme is not None:
            details["required_programme"] = programme
        super().__init__(f"an application at level '{level}' needs the base's recognition at level '{required}'"
                         f"{of} in force{instead}, and it has none", **details)


class AssessmentNotOpen(DomainError):
    """R21: an assessment recorded before the first day the policy lets it be recorded."""

    code = "assessment-not-open"
    rule = "R21"

    def __init__(self, key: str, what: str, on: date, opens: date, due: date) -> None:
        super().__init__(f"{what} may be recorded from {opens} (due by {due}); {on} is before that",
                         assessment=key, opens=str(opens), due=str(due))


class OutsideNotice(DomainError):
    """R22: an objection is received during the public notice, not before it or after its last day."""

    code = "outside-notice"
    rule = "R22"

    def __init__(self, on: date, first_day: date, last_day: date) -> None:
        super().__init__(
            f"objections are received during the public notice, {first_day} to {last_day}; {on} is outside it",
            on=str(on), first_day=str(first_day), last_day=str(last_day),
        )


class FourEyesViolation(DomainError):
    code = "four-eyes"

    def __init__(self, act: str, actor: str, earlier_act: str, rule: str) -> None:
        super().__init__(
            f"'{act}' must be recorded by someone other than the user who recorded '{earlier_act}' ({actor})",
            rule=rule, actor=actor,
        )


class NotDue(DomainError):
    """The act is legal in this state but there is nothing for it to act on now."""

    code = "not-due"


class UnknownPolicy(DomainError):
    code = "unknown-policy"


class StaleVersion(DomainError):
    code = "stale-version"

    def __init__(self, case_id: str, expected: int, actual: int | None = None) -> None:
        now = "" if actual is None else f", it is now at version {actual}"
        super().__init__(
            f"case {case_id} changed since version {expected}{now}; reload it and try again",
            case_id=case_id, expected=expected, actual=actual,
        )
