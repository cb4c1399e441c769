"""The text types of the request bodies and forms: every text a person sends, normalised once.

`text(...)` and `prose(...)` are strings whose value is services.text.normalise's: the length
and pattern given are checked on what was sent (so a 5,000,000-character reason is refused before
anything is done with it) and again on the normalised form (so a name of zero-width spaces is as
empty as it looks). A NUL or a lone surrogate is a validation error of the field it is in.

`JurisdictionCode` is a code, not text: six ASCII digits, nothing mapped onto them (GB/T 2260).
"""
from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from services.text import InvalidText, normalise

JURISDICTION_PATTERN = r"^[0-9]{6}$"  # not \d, which also takes ５ and ٥
JurisdictionCode = Annotated[str, Field(pattern=JURISDICTION_PATTERN, examples=["520000"])]


def _normalised(*, min_length: int, max_length: int | None, pattern: str | None, multiline: bool,
                blank: bool = False):
    compiled = re.compile(pattern) if pattern else None

    def check(value: str) -> str:
        try:
            value = normalise(value, multiline=multiline)
        except InvalidText as exc:
            raise PydanticCustomError("invalid_text", "Text {why}", {"why": str(exc).removeprefix("text ")}) from None
        if len(value) < min_length and not (blank and not value):
            raise PydanticCustomError("string_too_short", "String should have at least {min_length} characters "
                                      "(after removing invisible characters)", {"min_length": min_length})
        if max_length is not None and len(value) > max_length:
            raise PydanticCustomError("string_too_long", "String should have at most {max_length} characters",
                                      {"max_length": max_length})
        if compiled is not None and not compiled.search(value):
            raise PydanticCustomError("string_pattern_mismatch", "String should match pattern '{pattern}'",
                                      {"pattern": pattern})
        return value

    return AfterValidator(check)


def text(max_length: int, *, min_length: int = 0, pattern: str | None = None, **field: Any) -> Any:
    """A single line of text (a name, an id): white space made single spaces."""
    return Annotated[str, Field(min_length=min_length or None, max_length=max_length, pattern=pattern, **field),
                     _normalised(min_length=min_length, max_length=max_length, pattern=pattern, multiline=False)]


def prose(max_length: int, *, min_length: int = 0, blank: bool = False, **field: Any) -> Any:
    """Text that may run over lines (a reason, findings, a summary). `blank`: what was sent may
    normalise to nothing, for the domain to refuse by its own rule (R17: every act says why)."""
    return Annotated[str, Field(min_length=min_length or None, max_length=max_length, **field),
                     _normalised(min_length=min_length, max_length=max_length, pattern=None, multiline=True,
                                 blank=blank)]
