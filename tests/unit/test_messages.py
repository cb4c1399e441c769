"""Issue 15: every refusal's words come from one catalogue (statemachines/messages.py), in zh and en,
its parameters said as people say them; the Chinese holds no English and no leftover placeholder."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from api.problems import PROBLEMS
from statemachines.errors import BanInForce, FutureDate, IllegalTransition, InvalidAct, StaleVersion, WindowClosed
from statemachines.messages import KINDS, MESSAGES, placeholders, render

# a value of each kind of parameter, as raisers give them
SAMPLES: dict[str, object] = {
    "": "12", "date": date(2026, 12, 2), "time": datetime(2026, 12, 2, 6, 5, tzinfo=UTC), "state": "suspended",
    "act": "approve", "acts": ["inspect", "withdraw"], "field": "reason", "choice": "fraud",
    "choices": ["dismiss", "uphold"], "level": "provincial", "fen": 500_050, "list": [1, 2],
    "role": "secadmin", "roles": ["caseworker", "supervisor"], "levels": ["county", "national"],
}
# ASCII words the Chinese may hold: codes people use as they are
ALLOWED = {"GB", "Idempotency", "Key", "Match", "JSON", "xlsx", "csv"}  # GB/T, Idempotency-Key, If-Match


def _english_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in ALLOWED]


def test_issue15_every_kind_of_parameter_is_sampled_here():
    assert set(SAMPLES) == set(KINDS)


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_issue15_every_message_has_both_languages_and_renders_in_full(key):
    message = MESSAGES[key]
    assert message.zh.strip() and message.en.strip()
    assert {n for n, _ in placeholders(message.zh)} <= {n for n, _ in placeholders(message.en)} | {"next_day"}
    for lang in ("zh", "en"):
        params = {name: SAMPLES[kind] for name, kind in placeholders(message.template(lang))}
        assert all(kind in KINDS for _, kind in placeholders(message.template(lang)))
        said = render(key, params, lang)
        assert "{" not in said and "}" not in said, said
    zh = render(key, {n: SAMPLES[k] for n, k in placeholders(message.zh)}, "zh")
    assert not _english_words(zh), zh


@pytest.mark.parametrize("cls", list(PROBLEMS), ids=lambda c: c.__name__)
def test_issue15_every_error_the_api_maps_has_its_words_in_the_catalogue(cls):
    assert cls.code in MESSAGES, f"{cls.__name__} ({cls.code}) has no message in statemachines/messages.py"


def test_issue15_parameters_are_said_per_language():
    said = FutureDate(date(2026, 12, 2), date(2026, 12, 1))
    assert said.localized("zh") == "办理日期2026年12月2日晚于今天（2026年12月1日），不能预先办理。"
    assert str(said) == "business date 2026-12-02 is after today (2026-12-01)" == said.localized("en")
    assert said.details == {"on": "2026-12-02", "today": "2026-12-01"}  # the API's fields stay ISO text
    illegal = IllegalTransition("approve", "suspended", ["revoke", "restore"])
    assert "“已暂停”" in illegal.localized("zh") and "“批复认定”" in illegal.localized("zh")
    assert illegal.details["allowed_actions"] == ["revoke", "restore"]
    money = InvalidAct(key="payment.over", field="amount_fen", number=1, outstanding_fen=18_000_000,
                       amount_fen=18_000_001)
    assert "180,000.00 元" in money.localized("zh") and "180,000.01 元" in money.localized("zh")
    assert "180,000.00 yuan" in str(money) and money.details["outstanding_fen"] == 18_000_000


def test_issue15_a_ban_a_window_and_a_stale_version_in_words_without_raw_ids():
    ban = BanInForce(case_id="demo-as-kechuang", ground="fraud", level="provincial", last_day=date(2029, 6, 30))
    assert ban.localized("zh") == ("该基地因“弄虚作假”被撤销省级认定，限制申报至2029年6月30日，"
                                   "2029年7月1日起方可重新申报。")
    assert "demo-as-kechuang" not in ban.localized("zh") and ban.details["case_id"] == "demo-as-kechuang"
    closed = WindowClosed(date(2026, 1, 5), date(2026, 3, 1), date(2026, 4, 30))
    assert "2026年3月1日至2026年4月30日" in closed.localized("zh")
    stale = StaleVersion("demo-as-kechuang", 3, 4)
    assert "另一个标签页或窗口" in stale.localized("zh") and "刷新" in stale.localized("zh")
    assert "demo-as-kechuang" not in stale.localized("zh") + str(stale)
    assert "changed since version 3" in str(stale)


def test_issue15_a_refusal_raised_with_english_only_says_its_errors_generic_words_in_chinese():
    """A raiser that wrote only English (no catalogue key) still gives the page Chinese, never English."""
    english_only = InvalidAct("If-Match must be a whole number", field="If-Match")
    assert english_only.localized("zh") == MESSAGES["invalid-act"].zh
    # a parameter missing: the error's generic words, no crash
    assert render("payment.over", {}, "zh", fallback="invalid-act") == MESSAGES["invalid-act"].zh
