"""The one normalisation of text that people and programs send (issue 14 #7).

Every text field of the API's bodies and of the web forms passes through `normalise`, and what
no field type covers (a path, a query value, a correction's free-form changes) is at least
refused where `refusal` finds something no database may hold (api/inputs.py). So the same name
typed with a zero-width space, a full-width letter or an ideographic space is the same name, and
a NUL byte is a clear 422 rather than PostgreSQL's error.

NFKC, with the care Chinese text needs. A name (single-line text, which is compared: a base, an
operator, an inspector) is NFKC but for the full-width punctuation of Chinese writing
(，（）：；！？、～￥…), which NFKC would turn into ASCII: 钱七（外聘专家） stays as typed.
Prose (a reason, findings, a summary), which is kept and read but never compared, is NFC: NFKC
would rewrite 2000㎡ as 2000m2, ①② as 12 and …… as ......, changing what the record says.

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
# the full-width punctuation and symbols of the Halfwidth and Fullwidth Forms block (not its letters
# and digits, which NFKC makes ASCII): Chinese text's own punctuation, kept out of NFKC
_PUNCTUATION = "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\uffe0-\uffee"
_PUNCTUATION_RUNS = re.compile(f"([{_PUNCTUATION}]+)")
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
    """`value` in the one form it is stored and compared in: without format and control
    characters (zero-width spaces and joiners, bidi overrides, soft hyphens, BOMs), its ends
    stripped. Single-line text (`multiline=False`: names, ids) is NFKC but for Chinese punctuation
    (full-width letters and digits, ideographic spaces and compatibility forms as their plain
    characters) with every run of white space made one space; prose is NFC and keeps its line
    breaks and tabs, as \\n.

    InvalidText (422) for a NUL character or a lone surrogate: refused, never silently dropped,
    since a program that sends one has a bug its user should hear of."""
    if (why := refusal(value)) is not None:
        raise InvalidText(field, why)
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text) if multiline else _compatible(text)
    text = "".join(_kept(ch, multiline) for ch in text)
    if multiline:
        return _TRAILING.sub("\n", text).strip()
    return _SPACES.sub(" ", text).strip()


def _compatible(text: str) -> str:
    """NFKC, but for Chinese punctuation (the odd parts of the split: runs of it)."""
    parts = _PUNCTUATION_RUNS.split(text)
    return "".join(part if odd else unicodedata.normalize("NFKC", part) for odd, part in
                   ((i % 2 == 1, part) for i, part in enumerate(parts)))


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
