"""The form of each act, derived from its declaration, and how a posted form is validated.

A posted form is read into the act's request model (api/act_models.py), the same one the JSON API
validates with; the service and the domain then check the act, and a refusal names the field it
is about, so the page shows it beside that field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import ValidationError

from api.act_models import ACT_MODELS
from api.problems import PROBLEMS
from services.money import AmountRefused, fen_to_yuan, yuan_to_fen
from statemachines.assessments import campaigns
from statemachines.case import Case
from statemachines.catalogue import BY_NAME, Input
from statemachines.errors import DomainError
from statemachines.messages import render
from statemachines.policy import Policy

# the words of a list typed into one box: commas (also 、 and full-width ones), or spaces
_SEPARATORS = re.compile(r"[,，、\s]+")
# pydantic's error types, as the pages say them
_MESSAGES = {"missing": "required", "string_too_short": "required", "int_parsing": "invalid_number",
             "int_from_float": "invalid_number", "date_from_datetime_parsing": "invalid_date",
             "date_parsing": "invalid_date", "date_from_datetime_inexact": "invalid_date"}


def is_money(i: Input) -> bool:
    """An amount: kept and sent to the API in fen (its name ends in _fen), typed in yuan on the forms."""
    return i.kind == "int" and i.name.endswith("_fen")


@dataclass(frozen=True)
class Field:
    """A field as the page draws it: text, textarea, int, yuan or choice (the choices' values)."""

    name: str
    kind: str = "text"
    choices: tuple[str, ...] = ()
    required: bool = True
    literal: bool = False  # the choices are shown as written (ids, the policy's own names), not translated
    max_length: int | None = None  # the request model's limit, also the box's maxlength (a list's is per name)


def _drawn(i: Input) -> Field:
    kind = "yuan" if is_money(i) else {"choice": "choice", "bool": "choice", "int": "int",
                                       "textarea": "textarea"}.get(i.kind, "text")
    return Field(i.name, kind, i.values, i.required, max_length=None if i.kind == "names" else i.max_length)


FIELDS: dict[str, tuple[Field, ...]] = {name: tuple(_drawn(i) for i in BY_NAME[name].inputs) for name in ACT_MODELS}


class FormErrors(Exception):
    """Fields the form itself could not read, before any service call."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def fields_for(act: str, case: Case, policy: Policy) -> tuple[Field, ...]:
    """The act's fields; a choice whose options depend on the case or its policy gets them from there,
    and a field its policy has no use for is left out (a tier where it has none, a campaign year
    where assessments follow the period)."""
    out = []
    for f in FIELDS[act]:
        if act == "verify_complaint" and f.name == "complaint_id":
            f = Field(f.name, "choice", tuple(c.id for c in case.complaints if c.valid is None), literal=True)
        elif act == "approve" and f.name == "tier":
            if not policy.subsidy_tiers:
                continue  # R20: only a policy with tiers asks for one
            f = Field(f.name, "choice", tuple(t.name for t in policy.subsidy_tiers), literal=True)
        elif act == "decide_objection" and f.name == "objection_id":
            f = Field(f.name, "choice", tuple(o.id for o in case.open_objections()), literal=True)
        if f.name == "campaign_year" and not campaigns(policy):
            continue
        out.append(f)
    return tuple(out)


def parse(act: str, form: dict[str, str], t) -> tuple[date, str, dict[str, Any]]:
    """The business date, the reason and the act's fields, validated by the act's request model;
    FormErrors names each field it refused."""
    data: dict[str, Any] = {"on": form.get("on", "").strip(), "reason": form.get("reason", "")}
    errors: dict[str, str] = {}
    for i in BY_NAME[act].inputs:
        raw = form.get(i.name, "").strip()
        if raw and is_money(i):
            try:
                data[i.name] = _fen(i, raw)
            except AmountRefused as exc:
                errors[i.name] = _amount_message(i, exc, t)
        elif raw:
            data[i.name] = [w for w in _SEPARATORS.split(raw) if w] if i.kind == "names" else raw
    try:
        body = ACT_MODELS[act].model_validate(data)
    except ValidationError as exc:
        for e in exc.errors():
            errors.setdefault(str(e["loc"][0]), _message(e, t))
        raise FormErrors(errors) from None
    if errors:  # an amount refused while the rest was well-formed
        raise FormErrors(errors)
    if not body.reason.strip():
        raise FormErrors({"reason": t("required")})
    return body.on, body.reason, body.model_dump(exclude={"on", "reason"}, exclude_unset=True)


def _fen(i: Input, typed: str) -> int:
    fen = yuan_to_fen(typed)
    if (i.ge is not None and fen < i.ge) or (i.le is not None and fen > i.le):
        raise AmountRefused("amount-range")
    return fen


def _amount_message(i: Input, exc: AmountRefused, t) -> str:
    # the bounds said in yuan, as the box asks for them
    low, high = fen_to_yuan(i.ge if i.ge is not None else 0), fen_to_yuan(i.le) if i.le is not None else "∞"
    return t(f"e.{exc.code}").replace("{min}", low).replace("{max}", high)


def _message(error: Any, t) -> str:
    if error["type"] == "string_too_long":  # the same limit as the JSON API's, said in the page's language
        return t("too_long").replace("{max_length}", str(error["ctx"]["max_length"]))
    if error["type"] == "invalid_text":  # the catalogue's words, not pydantic's English
        return render("invalid-text", {"field": str(error["loc"][0])}, t.lang)
    return t(_MESSAGES[error["type"]]) if error["type"] in _MESSAGES else error["msg"]


def field_of(exc: DomainError) -> str:
    """The form field a refusal is about, as the JSON API names it (api/problems.py); `_form` for none."""
    named = exc.details.get("field") or getattr(exc, "field", None)
    if named:
        return str(named)
    cls = next((c for c in type(exc).__mro__ if c in PROBLEMS), None)
    return (PROBLEMS[cls][2] if cls else None) or "_form"


def message_of(exc: DomainError, t) -> str:
    """The refusal beside its field: the catalogue's words in the page's language, nothing else
    (statemachines/messages.py says amounts in 元, as the form asks for them)."""
    return exc.localized(t.lang)
