"""The case list's projection columns, and its keyset cursor (issue 16).

The case list and its search read columns of the `cases` row itself, kept by the act that changes
them in its own transaction and held against the replay by `audit verify` (services.projections):

- `base_name`, `operator_name`: the names shown, so no page joins bases and operators;
- `next_due`, `next_timer`: the earliest timer the case still owes (pending: not fired), the one
  the pages show as "next"; of several due the same day, the first by kind and key;
- `search_text`: what a search looks in, lower-cased, one field after another with a separator
  no text people send can hold (services.text refuses control characters), so a fragment never
  matches across two fields: the 受理编号, the base's and the operator's names, the credit code.
  A search is `search_text LIKE '%fragment%'`: on PostgreSQL a pg_trgm index answers it.
- the case id is not in it: a query that looks like the start of an id (`id_prefix`) is also
  looked up as a range of the primary key, `id >= start AND id < the start's successor` (a btree
  walk), OR-ed with the search, so a query that is both an id's start and a fragment of a name or
  code finds both. Ids are hex (services.cases.new_id) or made-up sequential ones (the demo's
  `demo-…`, a generator's `ca000000042`): their trigrams are in nearly every row, so a LIKE over
  them made pg_trgm recheck most of the table (2.3 s at 1,000,000 cases, bench b8). A fragment
  from the middle of an id finds nothing: an id is read from its start.
- a query that is a whole unified social credit code (`whole_credit_code`: 18 characters, its check
  character right) is that operator's cases, `operator_code = code` on its index, not a fragment:
  the codes of one division share their first eight characters and a generator's or a registry's
  run of codes most of the rest, so their trigrams narrow little (2.1 s at 1,000,000 cases, b8).

Pages are read by keyset: a page ends with its last row's (sort value, id), and the next page is
the rows after it in the same order, so the cost of a page does not grow with how far one reads,
and rows written meanwhile are neither skipped nor repeated. The cursor people see is that key,
opaque (base64 of JSON) and tied to its sort.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from statemachines.credit_code import CreditCode, InvalidCreditCode
from statemachines.timers import Timer

SEPARATOR = "\x1f"  # the ASCII unit separator: a control character, which no normalised text holds
# counting more matches than this costs a page more than the rows it shows: beyond it the pages
# and the API say "more than 10,000" (CasePage.total_capped). A filter's matches are counted on an
# index alone (1.4–6.7 ms for 10,001 at 1,000,000 cases); a search's are rechecked row by row in
# the table (168 ms for 10,001), so a search counts to 1,000: one that finds more is read by
# narrowing it, not by paging through it (bench/README.md)
COUNT_CAP = 10_000
SEARCH_COUNT_CAP = 1_000
LISTING_COLUMNS = ("base_name", "operator_name", "next_due", "next_timer", "search_text")
# the sorts offered and the type of each one's value in a cursor; next_due alone may be empty
SORT_VALUES = {"applied_on": date, "updated": date, "next_due": date, "state": str}


# what may be the start of a case id: at least 4 of the characters ids are made of (1/65,536 of hex
# ids share a 4-character start), a whole 32-character id, or a `demo-…` id; a shorter query would
# be the start of too many ids to mean one
ID_START = re.compile(r"[0-9a-z][0-9a-z-]{3,63}")


class InvalidCursor(ValueError):
    """A cursor that is not one this list gave for this order."""


def search_text(reference: str | None, base_name: str, operator_name: str, credit_code: str) -> str:
    return SEPARATOR.join(part.lower() for part in (reference or "", base_name, operator_name, credit_code))


def id_prefix(text: str) -> str | None:
    """The start of a case id this query may be (lower-cased, as ids are made), or None."""
    start = text.strip().lower()
    return start if ID_START.fullmatch(start) else None


def whole_credit_code(text: str) -> str | None:
    """The credit code this query is, whole and valid (upper-cased), or None."""
    try:
        return CreditCode.parse(text).value
    except InvalidCreditCode:
        return None


def after_prefix(start: str) -> str:
    """The first string past every one that begins with `start` (its last character the next one):
    `id >= start AND id < after_prefix(start)` is the ids beginning with it, in bytewise order."""
    return start[:-1] + chr(ord(start[-1]) + 1)


def count_cap(text: str | None) -> int:
    """Up to how many matches a list counts exactly: fewer for a search (see COUNT_CAP)."""
    return SEARCH_COUNT_CAP if text else COUNT_CAP


def needle(text: str) -> str:
    """What a search looks for in `search_text`: the words as typed, lower-cased like the column."""
    return text.replace(SEPARATOR, "").lower()


def next_of(pending: Iterable[Timer]) -> tuple[date | None, str | None]:
    """(due date, "kind:key") of the earliest of these timers; (None, None) when there is none."""
    first = min(pending, key=lambda t: (t.due_on, t.kind, t.key), default=None)
    return (None, None) if first is None else (first.due_on, f"{first.kind}:{first.key}")


def pack_cursor(parts: list[Any]) -> str:
    """A keyset cursor as people see it: its parts, opaque (unpadded url-safe base64 of compact JSON)."""
    raw = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def unpack_cursor(cursor: str) -> Any:
    """What pack_cursor packed; ValueError (or binascii.Error, UnicodeDecodeError) for any other string."""
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


def encode_cursor(sort: str, value: Any, case_id: str) -> str:
    return pack_cursor([sort.lstrip("-"), value.isoformat() if isinstance(value, date) else value, case_id])


def decode_cursor(sort: str, cursor: str) -> tuple[Any, str]:
    """(sort value, case id) of a cursor of this sort; InvalidCursor for any other string."""
    try:
        named, value, case_id = unpack_cursor(cursor)
        if named != sort.lstrip("-") or not isinstance(case_id, str):
            raise InvalidCursor(cursor)
        if value is None:
            if named != "next_due":
                raise InvalidCursor(cursor)
            return None, case_id
        if not isinstance(value, str):
            raise InvalidCursor(cursor)
        return (date.fromisoformat(value) if SORT_VALUES[named] is date else value), case_id
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor(cursor) from None


def sort_value(row: Any, sort: str) -> Any:
    """The value a summary is ordered by in this sort (a CaseSummary's field)."""
    return getattr(row, _FIELDS[sort.lstrip("-")])


_FIELDS = {"applied_on": "applied_on", "updated": "last_on", "next_due": "next_due", "state": "state"}
