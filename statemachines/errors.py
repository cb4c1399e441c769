"""Domain errors: each refusal has its own type, the rule it enforces and a clear message.

The API maps each type to its own status and problem type; nothing catches DomainError to
hide one. Every error is raised before anything is written. Its words are in the catalogue
(statemachines/messages.py): `str(error)` is the English, `localized(lang)` the text in a
page's language, `details` the parameters as the API's JSON carries them.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from statemachines import messages


class DomainError(Exception):
    code = "domain-error"
    rule: str | None = None

    def __init__(self, message: str | None = None, *, rule: str | None = None, key: str | None = None,
                 **params: object) -> None:
        """`key`: the catalogue's message (the error's code where not given), said with `params`;
        `message`: English more precise than the catalogue's, where a raiser has it."""
        self.key = key or self.code
        self.params: dict[str, Any] = params
        self.message = message if message is not None else messages.render(self.key, params, "en")
        super().__init__(self.message)
        if rule is not None:
            self.rule = rule
        self.details = {name: messages.plain(value) for name, value in params.items()}

    def localized(self, lang: str) -> str:
        """The refusal in `lang` (zh or en), as a person reads it."""
        return self.message if lang == "en" else messages.render(self.key, self.params, lang, fallback=self.code)


class IllegalTransition(DomainError):
    code = "illegal-transition"

    def __init__(self, act: str, state: str, allowed: list[str]) -> None:
        super().__init__(act=act, state=state, allowed_actions=allowed)
        self.act, self.state, self.allowed_actions = act, state, allowed


class InvalidAct(DomainError):
    """A field of the act is missing or outside what the policy allows."""

    code = "invalid-act"

    def __init__(self, message: str | None = None, *, field: str, rule: str | None = None,
                 key: str | None = None, **params: object) -> None:
        super().__init__(message, rule=rule, key=key, field=field, **params)
        self.field = field


class FutureDate(DomainError):
    code = "future-date"
    rule = "R17"

    def __init__(self, on: date, today: date) -> None:
        super().__init__(on=on, today=today)


class DateOutOfOrder(DomainError):
    code = "date-out-of-order"
    rule = "R17"

    def __init__(self, on: date, previous: date, previous_act: str) -> None:
        super().__init__(on=on, previous=previous, previous_act=previous_act)
        del self.details["previous_act"]  # said in the words; the API's fields stay as they were


class WindowClosed(DomainError):
    code = "window-closed"
    rule = "R1"

    def __init__(self, on: date, opens: date, closes: date) -> None:
        """`opens`, `closes`: the round of `on`'s year (or, where none opens that year, the next one)."""
        super().__init__(on=on, opens=opens, closes=closes, year=opens.year)
        del self.details["on"], self.details["year"]  # said in the words; the API's fields stay as they were


class NoRoundAnnounced(DomainError):
    """R19: under a policy whose rounds are announced, no round is announced that holds the date."""

    code = "no-round-announced"
    rule = "R19"

    def __init__(self, on: date, policy_id: str, title: str | None = None) -> None:
        super().__init__(on=on, policy_id=policy_id, policy=title or policy_id)


class QuotaReached(DomainError):
    """R19: the round's quota of approvals is used up."""

    code = "quota-reached"
    rule = "R19"

    def __init__(self, year: int, quota: int, approved: int) -> None:
        super().__init__(year=year, quota=quota, approved=approved)


class RoundAlreadyAnnounced(DomainError):
    code = "round-already-announced"
    rule = "R19"

    def __init__(self, policy_id: str, year: int, title: str | None = None) -> None:
        super().__init__(policy_id=policy_id, year=year, policy=title or policy_id)


class BanInForce(DomainError):
    code = "ban-in-force"
    rule = "R2"

    def __init__(self, *, case_id: str, ground: str, level: str, last_day: date | None) -> None:
        """`last_day` None: the ban is permanent (不得再次申报)."""
        if last_day is None:
            super().__init__(key="ban-in-force.permanent", case_id=case_id, ground=ground, level=level,
                             last_day=None)
        else:
            super().__init__(case_id=case_id, ground=ground, level=level, last_day=last_day,
                             next_day=date.fromordinal(last_day.toordinal() + 1))
            del self.details["next_day"]  # said in the words; the API's fields stay as they were


class OpenCaseExists(DomainError):
    code = "open-case-exists"
    rule = "R3"

    def __init__(self, case_id: str, level: str) -> None:
        super().__init__(case_id=case_id, level=level)


class PrerequisiteMissing(DomainError):
    code = "prerequisite-missing"
    rule = "R18"

    def __init__(self, level: str, required: str, document_accepted: bool = False,
                 programme: str | None = None) -> None:
        """`document_accepted`: the policy accepts the lower recognition's document instead of a case;
        `programme`: the programme of the recognition asked for, where programmes tell them apart (R23)."""
        key = "prerequisite-missing.document" if document_accepted else "prerequisite-missing"
        of = {} if programme is None else {"required_programme": programme}
        super().__init__(key=key, level=level, required_level=required, **of)


class AssessmentNotOpen(DomainError):
    """R21: an assessment recorded before the first day the policy lets it be recorded."""

    code = "assessment-not-open"
    rule = "R21"

    def __init__(self, key: str, index: int, period: int, on: date, opens: date, due: date, *,
                 campaign: bool) -> None:
        """`index`: the assessment's number in its period `period`, or its campaign year where `campaign`."""
        super().__init__(key="assessment-not-open.campaign" if campaign else None, assessment=key, index=index,
                         period=period, on=on, opens=opens, due=due)
        for said_only in ("index", "period", "on"):  # the API's fields: the assessment's key and its dates
            del self.details[said_only]


class OutsideNotice(DomainError):
    """R22: an objection is received during the public notice, not before it or after its last day."""

    code = "outside-notice"
    rule = "R22"

    def __init__(self, on: date, first_day: date, last_day: date) -> None:
        super().__init__(on=on, first_day=first_day, last_day=last_day)


class FourEyesViolation(DomainError):
    code = "four-eyes"

    def __init__(self, act: str, actor: str, earlier_act: str, rule: str) -> None:
        super().__init__(rule=rule, actor=actor, act=act, earlier_act=earlier_act)


class NotDue(DomainError):
    """The act is legal in this state but there is nothing for it to act on now."""

    code = "not-due"


class UnknownPolicy(DomainError):
    code = "unknown-policy"


class StaleVersion(DomainError):
    code = "stale-version"

    def __init__(self, case_id: str, expected: int, actual: int | None = None) -> None:
        super().__init__(case_id=case_id, expected=expected, actual=actual)
