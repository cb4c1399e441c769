"""The one normalisation of text that people and programs send (issue 14 #7).

Every text field of the API's bodies and of the web forms passes through `normalise`, and what
no field type covers (a path, a query value, a correction's free-form changes) is at least
refused where `refusal` finds something no database may hold (api/inputs.py). So the same name
typed with a zero-width space, a full-width letter or an ideographic space is the same name, and
a NUL byte is a clear 422 rather than PostgreSQL's error.

Codes (a jurisdiction, a credit code) are not text: they are checked against their own ASCII
syntax and never mapped, so ５２００００ is refused, not read as 520000.
"""
from __future__ import annotations

import re
import unicodedata

from statemachines.errors import DomainError

# invisible characters that are not of the format category (Cf) but show nothing either: the
# combining grapheme joiner, the Hangul fillers and the Khmer inherent vowels, favourites of
# names that look alike and are not
_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")
_KEPT_IN_PROSE = frozenset("\n\t")
_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[ \t]+\n")


class InvalidText(DomainError):
    """Text that cannot be stored: a NUL character or a lone surrogate (not Unicode at all)."""

    code = "invalid-text"

    def __init__(self, field: str, why: str) -> None:
        super().__init__(f"{field} {why}", field=field)
        self.field = field


def refusal(value: str) -> str | None:
    """Why `value` cannot be taken as text at all (None: it can); what `normalise` refuses."""
    if "\x00" in value:
        return "contains a NUL character (U+0000), which no text may hold"
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return "is not valid Unicode (it holds a lone surrogate)"
    return None


def normalise(value: str, *, field: str = "text", multiline: bool = False) -> str:
    """`value` in the one form it is stored and compared in: NFKC (full-width letters and digits,
    ideographic spaces and compatibility forms as their plain characters), without format and
    control characters (zero-width spaces and joiners, bidi overrides, soft hyphens, BOMs), its
    ends stripped. Single-line text (`multiline=False`: names, ids) has every run of white space
    made one space; prose keeps its line breaks and tabs, as \\n.

    InvalidText (422) for a NUL character or a lone surrogate: refused, never silently dropped,
    since a program that sends one has a bug its user should hear of."""
    if (why := refusal(value)) is not None:
        raise InvalidText(field, why)
    text = unicodedata.normalize("NFKC", value.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(_kept(ch, multiline) for ch in text)
    if multiline:
        return _TRAILING.sub("\n", text).strip()
    return _SPACES.sub(" ", text).strip()


def _kept(ch: str, multiline: bool) -> str:
    if ch in _INVISIBLE:
        return ""
    category = unicodedata.category(ch)
    if category in ("Zl", "Zp"):  # the line and paragraph separators are line breaks
        return "\n" if multiline else " "
    if category == "Cc":
        return ch if multiline and ch in _KEPT_IN_PROSE else (" " if ch in "\n\t\v\f\x1c\x1d\x1e\x1f\x85" else "")
    if category == "Cf":
        return ""
    return ch
