"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

18 characters: registration authority (1), entity kind (1), administrative division (6),
organisation code (9), check character (1). The alphabet leaves out I, O, S, V and Z so that
codes survive hand copying; the check character is a weighted sum modulo 31.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from statemachines.errors import DomainError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class InvalidCreditCode(DomainError):
    """The text is not a unified social credit code; the message says which part is wrong."""

    code = "invalid-credit-code"

    def __init__(self, message: str, key: str | None = None, **params: Any) -> None:
        super().__init__(message, field="credit_code", key=key, **params)


def check_character(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


@dataclass(frozen=True)
class CreditCode:
    value: str

    @classmethod
    def parse(cls, text: str) -> CreditCode:
        code = text.strip().upper()
        if len(code) != 18:
            raise InvalidCreditCode(f"credit code {text!r} has {len(code)} characters, needs 18",
                                    "invalid-credit-code.length", length=len(code))
        bad = [ch for ch in code if ch not in _VALUE]
        if bad:
            raise InvalidCreditCode(
                f"credit code {text!r} contains {bad[0]!r}, which GB 32100-2015 does not use",
                "invalid-credit-code.character", character=bad[0])
        if not code[2:8].isdigit():
            raise InvalidCreditCode(f"credit code {text!r}: characters 3-8 must be a division code",
                                    "invalid-credit-code.division")
        expected = check_character(code[:17])
        if code[17] != expected:
            raise InvalidCreditCode(
                f"credit code {text!r}: check character is {code[17]!r}, expected {expected!r}",
                "invalid-credit-code.check")
        return cls(code)

    def __str__(self) -> str:
        return self.value
