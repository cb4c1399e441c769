"""The unified social credit code of GB 32100-2015: 18 characters, the last a mod-31 check character."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statemachines.credit_code import ALPHABET, CreditCode, InvalidCreditCode, check_character

STANDARD_EXAMPLE = "91350100M000100Y43"  # the example printed in GB 32100-2015
FORBIDDEN = "IOSVZ"


def _with_check(first17: str) -> str:
    return first17 + check_character(first17)


# --- valid codes --------------------------------------------------------------------------------

def test_the_standard_example_parses():
    code = CreditCode.parse(STANDARD_EXAMPLE)
    assert code.value == STANDARD_EXAMPLE
    assert str(code) == STANDARD_EXAMPLE


def test_check_character_of_the_standard_example():
    assert check_character(STANDARD_EXAMPLE[:17]) == "3"


@pytest.mark.parametrize("first17", [
    "91520100MA6DJ5XK1",  # Guiyang, a company
    "12520000429200371",  # Guizhou, a public institution
    "52310110MJ4963124",  # Shanghai Yangpu, a social organisation
    "00000000000000000",  # weighted sum 0: the check character is '0', not index 31
])
def test_generated_codes_parse(first17):
    full = _with_check(first17)
    assert len(full) == 18
    assert CreditCode.parse(full).value == full


def test_check_character_values_by_hand():
    # sum 0 -> (31 - 0) % 31 = 0 -> '0'
    assert check_character("0" * 17) == "0"
    # sum 1 (first weight 1) -> 30 -> ALPHABET[30] = 'Y'
    assert check_character("1" + "0" * 16) == "Y"
    # sum 3 (second weight 3) -> 28 -> 'W'
    assert check_character("01" + "0" * 15) == "W"
    # sum 28 (last weight 28) -> 3 -> '3'
    assert check_character("0" * 16 + "1") == "3"


def test_lowercase_and_surrounding_space_are_normalised():
    code = CreditCode.parse("  " + STANDARD_EXAMPLE.lower() + "\n")
    assert code.value == STANDARD_EXAMPLE
    mixed = _with_check("91520100MA6DJ5XK1")
    assert CreditCode.parse(mixed.lower()).value == mixed


def test_codes_are_values():
    assert CreditCode.parse(STANDARD_EXAMPLE) == CreditCode.parse(STANDARD_EXAMPLE.lower())


# --- invalid codes ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["", STANDARD_EXAMPLE[:17], STANDARD_EXAMPLE + "0", "91350100M000100Y4 3"])
def test_wrong_length(text):
    with pytest.raises(InvalidCreditCode) as info:
        CreditCode.parse(text)
    assert f"has {len(text.strip())} characters, needs 18" in str(info.value)


@pytest.mark.parametrize("letter", list(FORBIDDEN))
def test_forbidden_letter(letter):
    # position 9 (the organisation code) takes letters; I, O, S, V, Z are never used
    text = STANDARD_EXAMPLE[:8] + letter + STANDARD_EXAMPLE[9:]
    with pytest.raises(InvalidCreditCode) as info:
        CreditCode.parse(text)
    message = str(info.value)
    assert f"contains '{letter}'" in message
    assert "does not use" in message


@pytest.mark.parametrize("letter", list(FORBIDDEN))
def test_forbidden_letter_in_lowercase(letter):
    text = STANDARD_EXAMPLE[:8] + letter.lower() + STANDARD_EXAMPLE[9:]
    with pytest.raises(InvalidCreditCode) as info:
        CreditCode.parse(text)
    assert f"contains '{letter}'" in str(info.value)


@pytest.mark.parametrize("char", ["-", "#", "中"])
def test_characters_outside_the_alphabet(char):
    text = STANDARD_EXAMPLE[:10] + char + STANDARD_EXAMPLE[11:]
    with pytest.raises(InvalidCreditCode) as info:
        CreditCode.parse(text)
    assert f"contains {char!r}" in str(info.value)


@pytest.mark.parametrize("position", range(3, 9))
def test_non_digit_in_the_division_code(position):
    first17 = STANDARD_EXAMPLE[: position - 1] + "A" + STANDARD_EXAMPLE[position:17]
    text = _with_check(first17)  # a correct check character: only the division is wrong
    with pytest.raises(InvalidCreditCode) as info:
        CreditCode.parse(text)
    assert "characters 3-8 must be a division code" in str(info.value)


def test_letters_outside_positions_3_to_8_are_fine():
    text = _with_check("Y1350100ABCDEFGHJ")
    assert CreditCode.parse(text).value == text


@pytest.mark.parametrize("wrong", ["0", "4", "Y", "A"])
def test_wrong_check_character(wrong):
    text = STANDARD_EXAMPLE[:17] + wrong
    with pytest.raises(InvalidCreditCode) as info:
        CreditCode.parse(text)
    message = str(info.value)
    assert f"check character is '{wrong}', expected '3'" in message


# --- property -----------------------------------------------------------------------------------

alphabet_char = st.sampled_from(ALPHABET)
digit = st.sampled_from("0123456789")
first17s = st.builds(
    lambda head, division, rest: "".join(head) + "".join(division) + "".join(rest),
    st.lists(alphabet_char, min_size=2, max_size=2),
    st.lists(digit, min_size=6, max_size=6),
    st.lists(alphabet_char, min_size=9, max_size=9),
)


@given(first17s)
def test_property_appending_the_check_character_parses(first17):
    assert len(first17) == 17
    check = check_character(first17)
    assert check in ALPHABET
    assert CreditCode.parse(first17 + check).value == first17 + check


@given(first17s, st.sampled_from(ALPHABET + FORBIDDEN))
def test_property_any_other_last_character_never_parses(first17, last):
    check = check_character(first17)
    if last == check:
        last = ALPHABET[(ALPHABET.index(check) + 1) % len(ALPHABET)]
    with pytest.raises(InvalidCreditCode):
        CreditCode.parse(first17 + last)
