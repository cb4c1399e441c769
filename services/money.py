"""Money as people write it (元, two decimals) and as it is kept (分, an integer).

Events, projections and the JSON API keep amounts in fen, so no sum is ever rounded; people type and
read yuan. The conversion is exact (Decimal, never float): `5000.50` is 500050 fen, and a third
decimal is refused rather than rounded away, since a payment of 5000.505 元 cannot be made.
"""
from __future__ import annotations

import re
from decimal import Decimal

# 5000, 5000.5, 5000.50, 5,000.50 (the pages' own way of writing it, so a copied amount is taken back);
# an optional ¥/￥ before and 元 after
_YUAN = re.compile(r"^(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<frac>[0-9]+))?$")
_SIGNS = re.compile(r"^[¥￥]|元$")


class AmountRefused(ValueError):
    """What was typed is not an amount in yuan; `code` says why (the pages' messages are keyed by it)."""

    MESSAGES = {
        "amount-format": "not an amount in yuan (e.g. 5000 or 5000.50)",
        "amount-decimals": "at most two decimals (fen)",
        "amount-negative": "an amount is not negative",
        "amount-range": "out of range",
    }

    def __init__(self, code: str) -> None:
        super().__init__(self.MESSAGES[code])
        self.code = code


def yuan_to_fen(typed: str) -> int:
    """The fen of an amount typed in yuan; AmountRefused for anything that is not one exactly."""
    value = _SIGNS.sub("", typed.strip()).strip()
    if value.startswith("-"):
        raise AmountRefused("amount-negative")
    match = _YUAN.match(value)
    if not match:
        raise AmountRefused("amount-format")
    frac = match["frac"] or ""
    if len(frac) > 2:
        raise AmountRefused("amount-decimals")
    return int(Decimal(f"{match['int'].replace(',', '')}.{frac or '0'}") * 100)


def fen_to_yuan(fen: int) -> str:
    """5,000.50 for 500050 fen: thousands grouped, always two decimals, by integer arithmetic."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"
