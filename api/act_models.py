"""The request model of each act, built from its declaration (statemachines/catalogue.py).

The JSON API validates an act's body with it, and the web forms validate what was posted with
the same model, so a field means the same on both, is normalised the same way (api/fields.py)
within the same limits, and a refusal names the same field.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from api.fields import prose, text
from statemachines.catalogue import CASE_ACTS, Input

# a text field whose declaration gives no bound still has one: nothing a person types is unbounded
TEXT_LIMIT = 4000
REASON_LIMIT = 4000  # the forms' reason box says the same (maxlength)


class ActIn(BaseModel):
    """What every act carries: the business date it happened on and why it is recorded."""

    model_config = ConfigDict(extra="forbid")

    on: date = Field(description="The business date the act happened (may be before today).")
    # a reason of blanks or invisible characters only is R17's refusal (every act says why), not the type's
    reason: prose(REASON_LIMIT, min_length=1, blank=True)  # type: ignore[valid-type]


def _annotation(i: Input) -> Any:
    if i.kind == "int":
        return Annotated[int, Field(ge=i.ge, le=i.le)]
    if i.kind == "bool":
        return bool
    if i.kind == "names":
        item = text(i.max_length or TEXT_LIMIT, min_length=i.min_length or 0)
        return Annotated[list[item], Field(max_length=i.max_items)]  # type: ignore[valid-type]
    if i.kind == "choice" and i.values:
        return Literal[i.values]
    if i.kind == "textarea":
        return prose(i.max_length or TEXT_LIMIT, min_length=i.min_length or 0)
    return text(i.max_length or TEXT_LIMIT, min_length=i.min_length or 0, pattern=i.pattern)


def _field(i: Input) -> tuple[Any, Any]:
    kind = _annotation(i)
    description = i.description or None
    if i.required:
        return kind, Field(description=description)
    if i.kind == "names":
        return kind, Field(default_factory=list, description=description)
    if i.kind == "textarea":  # left empty: said nothing
        return kind, Field(default="", description=description)
    return kind | None, Field(default=None, description=description)


def _model(name: str, inputs: tuple[Input, ...]) -> type[ActIn]:
    camel = "".join(part.title() for part in name.split("_"))
    return create_model(f"{camel}In", __base__=ActIn, **{i.name: _field(i) for i in inputs})  # type: ignore[call-overload]


ACT_MODELS: dict[str, type[ActIn]] = {a.name: _model(a.name, a.inputs) for a in CASE_ACTS}
