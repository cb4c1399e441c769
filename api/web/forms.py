"""The form of each act: its fields, and how a posted form becomes the service call's arguments.

The fields mirror the JSON API's bodies (api/schemas.py); the service and the domain check
them, and a refusal names the field it is about, so the page shows it beside that field.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from api.problems import PROBLEMS
from statemachines.case import Case
from statemachines.errors import DomainError


@dataclass(frozen=True)
class Field:
    name: str
    kind: str = "text"  # text | textarea | int | choice
    choices: tuple[str, ...] = ()
    required: bool = True


OUTCOME = Field("outcome", "choice", ("pass", "fail"))
GRADE = Field("grade", required=False)

FIELDS: dict[str, tuple[Field, ...]] = {
    "inspect": (OUTCOME, Field("inspectors", required=False), Field("experts", required=False),
                Field("findings", "textarea", required=False)),
    "approve": (),
    "reject": (),
    "withdraw": (),
    "submit_annual_report": (Field("year", "int"),),
    "record_assessment": (Field("outcome", "choice", ("pass", "fail", "missed")), GRADE),
    "record_rectification": (OUTCOME, GRADE),
    "record_complaint": (Field("summary", "textarea"), Field("complaint_id", required=False)),
    "verify_complaint": (Field("complaint_id", "choice"), Field("valid", "choice", ("true", "false"))),
    "suspend": (Field("ground", "choice", ("fraud", "commitment_breach", "complaints")),),
    "reinstate": (),
    "revoke": (Field("ground", "choice", ("rectification_failed", "fraud", "commitment_breach", "complaints")),),
    "reevaluate": (Field("decision", "choice", ("extend", "lapse")),),
    "record_payment": (Field("number", "int"), Field("amount_fen", "int")),
}


class FormErrors(Exception):
    """Fields the form itself could not read, before any service call."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def fields_for(act: str, case: Case) -> tuple[Field, ...]:
    """The act's fields; a choice whose options depend on the case gets them from the case."""
    out = []
    for f in FIELDS[act]:
        if act == "verify_complaint" and f.name == "complaint_id":
            f = Field(f.name, "choice", tuple(c.id for c in case.complaints if c.valid is None))
        out.append(f)
    return tuple(out)


def parse(act: str, form: dict[str, str], t) -> tuple[date, str, dict[str, Any]]:
    """The business date, the reason and the act's fields; FormErrors names each unreadable field."""
    errors: dict[str, str] = {}
    on = None
    try:
        on = date.fromisoformat(form.get("on", "").strip())
    except ValueError:
        errors["on"] = t("invalid_date")
    fields: dict[str, Any] = {}
    for f in FIELDS[act]:
        raw = form.get(f.name, "").strip()
        if not raw:
            if f.required:
                errors[f.name] = t("required")
            continue
        if f.kind == "int":
            if not re.fullmatch(r"-?\d{1,12}", raw):
                errors[f.name] = t("invalid_number")
                continue
            fields[f.name] = int(raw)
        elif f.name == "valid":
            fields[f.name] = raw == "true"
        elif f.name in ("inspectors", "experts"):
            fields[f.name] = [name for name in re.split(r"[,，、\s]+", raw) if name]
        else:
            fields[f.name] = raw
    if errors:
        raise FormErrors(errors)
    assert on is not None
    return on, form.get("reason", ""), fields


def field_of(exc: DomainError) -> str:
    """The form field a refusal is about, as the JSON API names it (api/problems.py); `_form` for none."""
    named = exc.details.get("field") or getattr(exc, "field", None)
    if named:
        return str(named)
    cls = next((c for c in type(exc).__mro__ if c in PROBLEMS), None)
    return (PROBLEMS[cls][2] if cls else None) or "_form"


def message_of(exc: DomainError, t) -> str:
    title = t(f"e.{exc.code}")
    return f"{title}：{exc}" if t.lang == "zh" and title != exc.code else f"{title}: {exc}"
