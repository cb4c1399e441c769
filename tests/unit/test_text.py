"""The one normalisation of text (services/text.py, issue 14 #7): what is the same name is stored and
compared as the same text, Chinese punctuation and prose stay as typed, and what no database may
hold is refused with the field it is in."""
from __future__ import annotations

import pytest

from services.text import InvalidText, normalise, refusal


@pytest.mark.parametrize("typed", [
    "贵阳市大学生\u200b创业园",  # a zero-width space
    "贵阳市大学生创业园\ufeff",  # a byte-order mark at the end
    "\u200e贵阳市大学生创业园\u202c",  # bidi marks
    "贵阳市大学生\u00ad创业园",  # a soft hyphen
    "贵阳市大学生\u2060创业园\u200d",  # a word joiner, a zero-width joiner
    "  贵阳市大学生创业园\u3000",  # an ideographic space at an end
    "贵阳市大学生\u3164创业园",  # a Hangul filler, invisible though a letter
])
def test_issue14_7_a_name_with_invisible_characters_is_the_same_name(typed):
    """issue 14 #7: names with a zero-width space (and its kin) opened a second case for the same base."""
    assert normalise(typed) == "贵阳市大学生创业园"


def test_issue14_7_full_width_letters_digits_and_spaces_are_the_plain_ones_in_a_name():
    assert normalise("ＡＢＣ创业园") == "ABC创业园"
    assert normalise("第１创业园") == "第1创业园"
    assert normalise("贵阳\u3000\u3000创业园\t基地") == "贵阳 创业园 基地"  # white space made one space
    assert normalise("ｃａｓｅｗｏｒｋｅｒ.ｗａｎｇ") == "caseworker.wang"


def test_chinese_punctuation_stays_as_typed_in_a_name():
    """NFKC would make （） and ， ASCII: a department's names keep their own punctuation."""
    assert normalise("钱七（外聘专家）") == "钱七（外聘专家）"
    assert normalise("贵州省，贵阳市：创业园！～￥") == "贵州省，贵阳市：创业园！～￥"


def test_prose_keeps_its_lines_and_what_nfkc_would_rewrite():
    """A reason is read, never compared: 2000㎡, ① and …… stay, zero-width characters still go."""
    typed = "经研究：\r\n①场地2000㎡……\u200b\n②同意认定。  \n"
    assert normalise(typed, multiline=True) == "经研究：\n①场地2000㎡……\n②同意认定。"
    assert normalise("a\u2028b\tc", multiline=True) == "a\nb\tc"
    assert normalise("a\x07b\x1bc", multiline=True) == "abc"  # control characters other than \n and \t


@pytest.mark.parametrize("text, why", [
    ("reason\x00", "NUL"),
    ("\x00", "NUL"),
    ("half a pair \ud800", "lone surrogate"),
])
def test_issue14_7_nul_and_lone_surrogates_are_refused_naming_the_field(text, why):
    """issue 14 #7: NUL bytes gave 500 on PostgreSQL; refused, never silently dropped."""
    assert why in refusal(text)
    with pytest.raises(InvalidText, match=why) as refused:
        normalise(text, field="reason", multiline=True)
    assert refused.value.field == "reason" and refused.value.code == "invalid-text"


def test_codes_are_left_to_their_own_syntax():
    """A jurisdiction is not text: its check refuses ５２００００ and ٥٢٠٠٠٠ on what was sent."""
    from statemachines.jurisdiction import refusal as not_a_division

    assert not_a_division("５２００００") and not_a_division("٥٢٠٠٠٠") and not_a_division("520000") is None
