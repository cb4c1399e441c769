"""The request model of each act, built from its declaration (statemachines/catalogue.py).

The JSON API validates an act's body with it, and the web forms validate what was posted with
the same model, so a field means the same on both and a refusal names the same field.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from statemachines.catalogue import CASE_ACTS, Input


class ActIn(BaseModel):
    """What every act carries: the business date it happened on and why it is recorded."""

    model_config = ConfigDict(extra="forbid")

    on: date = Field(description="The business date the act happened (may be before today).")
    reason: str = Field(min_length=1, max_length=4000)


def _annotation(i: Input) -> Any:
    if i.kind == "int":
        return Annotated[int, Field(ge=i.ge, le=i.le)]
    if i.kind == "bool":
        return bool
    if i.kind == "names":
        item = Annotated[str, Field(min_length=i.min_length, max_length=i.max_length)]
        return Annotated[list[item], Field(max_length=i.max_items)]
    if i.kind == "choice" and i.values:
        return Literal[i.values]
    return Annotated[str, Field(min_length=i.min_length, max_length=i.max_length, pattern=i.pattern)]


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
