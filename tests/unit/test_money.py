"""issue 15: money in 元 on the forms — what a person types in yuan becomes fen exactly, or is refused."""
from __future__ import annotations

import pytest

from services.money import AmountRefused, fen_to_yuan, yuan_to_fen


@pytest.mark.parametrize(("typed", "fen"), [
    ("5000", 500_000), ("5000.5", 500_050), ("5000.50", 500_050), ("0.01", 1), (" 5,000.50 ", 500_050),
    ("¥180,000.00", 18_000_000), ("5000元", 500_000), ("0.29", 29), ("1234567890.99", 123_456_789_099),
])
def test_issue15_an_amount_in_yuan_is_its_fen_exactly(typed, fen):
    """issue 15: 5000.50 元 is 500050 分, with no float on the way (0.29 * 100 is 28.999… as a float)."""
    assert yuan_to_fen(typed) == fen


@pytest.mark.parametrize(("typed", "code"), [
    ("5000.505", "amount-decimals"), ("0.001", "amount-decimals"), ("-5", "amount-negative"),
    ("-0.01", "amount-negative"), ("abc", "amount-format"), ("5e3", "amount-format"), ("", "amount-format"),
    ("5,0,0", "amount-format"), ("5000.", "amount-format"), ("１２３", "amount-format"), ("1 000", "amount-format"),
])
def test_issue15_what_is_not_an_amount_in_yuan_is_refused_with_its_reason(typed, code):
    """issue 15: more than two decimals, a negative and garbage are refused, each for its own reason."""
    with pytest.raises(AmountRefused) as refused:
        yuan_to_fen(typed)
    assert refused.value.code == code


@pytest.mark.parametrize(("fen", "shown"), [(500_000, "5,000.00"), (500_050, "5,000.50"), (1, "0.01"),
                                            (0, "0.00"), (123_456_789_099, "1,234,567,890.99"), (-150, "-1.50")])
def test_issue15_fen_are_shown_as_yuan_with_two_decimals(fen, shown):
    assert fen_to_yuan(fen) == shown
