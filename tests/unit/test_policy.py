"""Policies as data: the shipped files, their clauses, selection, versions, and malformed files."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from config import PROJECT_ROOT
from services.policies import default_policies, load_policies, load_policy_file
from statemachines.errors import UnknownPolicy
from statemachines.periods import Duration
from statemachines.policy import MonthDay, PolicyError

POLICIES_DIR = PROJECT_ROOT / "policies"
GUIZHOU_FILE = POLICIES_DIR / "guizhou-provincial-2022.v1.toml"
GUIZHOU = ("guizhou-provincial-2022", 1)
SHANGHAI = ("shanghai-municipal", 1)


@pytest.fixture(scope="module")
def book():
    return default_policies()


# --- the shipped policies -----------------------------------------------------------------------

def test_both_shipped_policies_load(book):
    keys = {p.key for p in book}
    assert {GUIZHOU, SHANGHAI} <= keys
    assert {p.key for p in load_policies(POLICIES_DIR)} == keys


def test_guizhou_has_every_parameter_of_the_lifecycle_with_the_figures_of_the_text(book):
    p = book.get(*GUIZHOU)
    assert (p.jurisdiction, p.level, p.effective_from) == ("520000", "provincial", date(2022, 7, 22))
    assert p.application_window == (MonthDay(4, 1), MonthDay(4, 30))  # R1
    assert p.recognition_period == Duration(years=5)  # R6
    assert p.annual_report_due == MonthDay(3, 31)  # R7
    assert (p.assessment_first, p.assessment_every) == (Duration(years=2), Duration(years=2))  # R8
    assert p.rectification_period == Duration(months=3)  # R8
    assert p.auto_extend is True  # R10
    assert p.subsidy_total_fen == 50_000_000  # R11: 500,000 CNY
    assert [(i.after, i.amount_fen) for i in p.instalments] == [(None, 50_000_000)]  # all on recognition
    assert p.complaint_threshold == 3  # R12
    assert p.ban_for("rectification_failed") == Duration(years=3)  # R9
    for ground in ("fraud", "commitment_breach", "complaints"):
        assert p.ban_for(ground) == Duration(years=5)  # R12
    assert p.reminder_offsets == (30, 7, 1, 0)


# parameter -> (rule it serves, marked as our default?)
GUIZHOU_CLAUSES = {
    "application_window": ("R1", True),
    "recognition_period": ("R6", False),
    "annual_report_due": ("R7", True),
    "assessment": ("R8", False),
    "rectification_period": ("R9", True),
    "reevaluation": ("R10", False),
    "subsidy": ("R11", False),
    "complaints": ("R12", False),
    "bans": ("R14", False),
    "reminders": ("R7", True),
}


@pytest.mark.parametrize("parameter", sorted(GUIZHOU_CLAUSES))
def test_guizhou_every_parameter_cites_its_clause_and_defaults_are_marked(book, parameter):
    p = book.get(*GUIZHOU)
    clause = p.cite(parameter)
    assert clause is not None, f"{parameter} has no clause"
    assert clause == p.clauses[parameter]
    rule, default = GUIZHOU_CLAUSES[parameter]
    assert clause.rule == rule
    assert clause.default is default
    assert clause.text.strip()
    if not default:
        # a figure taken from the text cites the seed document's section
        assert re.match(r"001 §", clause.text), clause.text


def test_guizhou_cites_no_parameter_it_does_not_have(book):
    assert set(book.get(*GUIZHOU).clauses) == set(GUIZHOU_CLAUSES)


def test_shanghai_has_no_text_so_every_parameter_is_marked_default(book):
    p = book.get(*SHANGHAI)
    assert set(p.clauses) == {
        "recognition_period", "annual_report_due", "assessment", "reevaluation", "bans",
        "complaints", "subsidy", "reminders",
    }
    assert all(c.default for c in p.clauses.values())
    assert p.application_window is None
    assert p.rectification_period is None and not p.rectification_enabled
    assert p.revoke_after_consecutive_fails == 2
    assert p.ban_for("assessment_failed") == Duration(years=3)
    assert p.missed_grade == "未参加考核"
    assert p.subsidy_total_fen == 0 and p.instalments == ()


def test_R8_assessment_offsets(book):
    assert book.get(*GUIZHOU).assessment_offsets() == [Duration(years=2), Duration(years=4)]
    assert book.get(*SHANGHAI).assessment_offsets() == [Duration(years=1), Duration(years=2)]


# --- selection ----------------------------------------------------------------------------------

@pytest.mark.parametrize("jurisdiction", ["520000", "520100", "522700"])
def test_select_picks_guizhou_by_jurisdiction_prefix(book, jurisdiction):
    p = book.select(jurisdiction, "provincial", date(2025, 4, 10))
    assert p.key == GUIZHOU
    assert p.level == "provincial"


@pytest.mark.parametrize(("on", "version"), [
    (date(2024, 3, 25), 1), (date(2024, 3, 26), 2), (date(2024, 8, 12), 2), (date(2024, 8, 13), 1)])
def test_a_version_for_one_round_governs_only_within_its_dates(book, on, version):
    """Guizhou's 2024 round (v2, 2024-03-26 to 08-12) and 001's own rules (v1) before and after it."""
    assert book.select("520100", "provincial", on).key == ("guizhou-provincial-2022", version)


@pytest.mark.parametrize(("jurisdiction", "policy_id"), [
    ("520100", "guizhou-national-2022"), ("440306", "mohrss-national"), ("350100", "mohrss-national")])
def test_a_national_case_falls_under_its_provinces_national_policy_where_one_exists(book, jurisdiction, policy_id):
    assert book.select(jurisdiction, "national", date(2025, 4, 10)).id == policy_id


def test_select_picks_shanghai_municipal(book):
    assert book.select("310110", "municipal", date(2024, 4, 10)).key == SHANGHAI


@pytest.mark.parametrize(("jurisdiction", "level", "on"), [
    ("520100", "provincial", date(2022, 7, 21)),  # before Guizhou's policy took effect
    ("520100", "national", date(2016, 4, 10)),  # before the national policy
    ("520100", "municipal", date(2024, 4, 10)),
    ("310110", "provincial", date(2024, 4, 10)),
    ("440300", "provincial", date(2024, 4, 10)),  # Shenzhen: no policy at all
    ("530100", "provincial", date(2024, 4, 10)),  # Kunming: 53 is not 52
])
def test_select_without_a_policy_raises_unknown_policy(book, jurisdiction, level, on):
    with pytest.raises(UnknownPolicy) as info:
        book.select(jurisdiction, level, on)
    assert jurisdiction in str(info.value) and level in str(info.value)


def test_select_on_the_first_day_of_the_policy(book):
    assert book.select("520100", "provincial", date(2022, 7, 22)).key == GUIZHOU


def test_get_an_unknown_version_raises(book):
    with pytest.raises(UnknownPolicy):
        book.get("guizhou-provincial-2022", 99)


def _guizhou_text() -> str:
    return GUIZHOU_FILE.read_text(encoding="utf-8")


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def test_select_picks_the_newest_version_in_force(tmp_path, book):
    v2 = _guizhou_text()
    v2 = _edit(v2, "version = 1", "version = 2")
    v2 = _edit(v2, "effective_from = 2022-07-22", "effective_from = 2025-01-01")
    v2 = _edit(v2, 'period = "3m"', 'period = "6m"')
    v2 = _edit(v2, "threshold = 3", "threshold = 2")
    _write(tmp_path, "guizhou-provincial-2022.v1.toml", _guizhou_text())
    _write(tmp_path, "guizhou-provincial-2022.v2.toml", v2)
    local = load_policies(tmp_path)
    assert [p.version for p in local.versions("guizhou-provincial-2022")] == [1, 2]

    before = local.select("520100", "provincial", date(2024, 12, 31))
    after = local.select("520100", "provincial", date(2025, 1, 1))
    assert before.key == GUIZHOU
    assert (before.rectification_period, before.complaint_threshold) == (Duration(months=3), 3)
    assert after.key == ("guizhou-provincial-2022", 2)
    assert (after.rectification_period, after.complaint_threshold) == (Duration(months=6), 2)

    # a case decided under v1 keeps reading v1, unchanged
    v1 = local.get("guizhou-provincial-2022", 1)
    assert v1 == book.get(*GUIZHOU)
    assert v1.rectification_period == Duration(months=3) and v1.complaint_threshold == 3


def test_two_files_with_the_same_id_and_version_are_refused(tmp_path):
    _write(tmp_path, "a.toml", _guizhou_text())
    _write(tmp_path, "b.toml", _guizhou_text())
    with pytest.raises(ValueError):
        load_policies(tmp_path)


def test_an_empty_policy_directory_is_refused(tmp_path):
    with pytest.raises(PolicyError) as info:
        load_policies(tmp_path)
    assert str(tmp_path) in str(info.value)


# --- malformed files ----------------------------------------------------------------------------

def _without_line(text: str, line: str) -> str:
    assert f"\n{line}\n" in text, line
    return text.replace(f"\n{line}\n", "\n", 1)


MALFORMED = {
    "missing_field": (lambda t: _without_line(t, 'period = "5y"'), "recognition.period"),
    "missing_title": (lambda t: _without_line(t, next(line for line in t.splitlines() if line.startswith("title ="))),
                      "title"),
    "bad_duration": (lambda t: _edit(t, 'period = "5y"', 'period = "5x"'), "recognition.period"),
    "bad_ban_duration": (lambda t: _edit(t, 'fraud = "5y"', 'fraud = "five years"'), "bans.fraud"),
    "bad_level": (lambda t: _edit(t, 'level = "provincial"', 'level = "regional"'), "level"),
    "instalments_not_adding_up": (
        lambda t: _edit(t, "amount_fen = 50000000", "amount_fen = 40000000"), "subsidy.instalments"),
    "missing_misconduct_ban": (lambda t: _without_line(t, 'fraud = "5y"'), "bans.fraud"),
    "missing_rectification_ban": (
        lambda t: _without_line(t, 'rectification_failed = "3y"'), "bans.rectification_failed"),
    "days_in_assessment_every": (lambda t: _edit(t, 'every = "2y"', 'every = "730d"'), "assessment.every"),
    "days_in_assessment_first": (
        lambda t: _edit(t, 'first_after = "2y"', 'first_after = "2y15d"'), "assessment.first_after"),
    "bad_month_day": (lambda t: _edit(t, 'due = "03-31"', 'due = "02-30"'), "annual_report.due"),
    "bad_jurisdiction": (lambda t: _edit(t, 'jurisdiction = "520000"', 'jurisdiction = "52"'), "jurisdiction"),
    "threshold_zero": (lambda t: _edit(t, "threshold = 3", "threshold = 0"), "complaints.threshold"),
    "threshold_not_int": (lambda t: _edit(t, "threshold = 3", 'threshold = "3"'), "complaints.threshold"),
    "clause_missing": (
        lambda t: _without_line(t, 'clause = "001 §三(五)四：复评认定期为5年"'), "recognition.clause"),
    # a zero total does not excuse instalments that pay out 500,000 CNY (R11)
    "instalments_without_total": (
        lambda t: _edit(t, "total_fen = 50000000", "total_fen = 0"), "subsidy.instalments"),
    # a policy that ends before it starts can never be selected
    "effective_to_before_effective_from": (
        lambda t: _edit(t, "effective_from = 2022-07-22", "effective_from = 2022-07-22\neffective_to = 2020-01-01"),
        "effective_to"),
    "window_announced_and_fixed": (lambda t: _edit(t, 'closes = "04-30"', 'closes = "04-30"\nannounced = true'),
                                   "application_window.opens"),
    "window_quota_zero": (lambda t: _edit(t, 'closes = "04-30"', 'closes = "04-30"\nquota = 0'),
                          "application_window.quota"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_policy_names_the_file_and_the_field(tmp_path, case):
    change, field = MALFORMED[case]
    path = _write(tmp_path, f"{case}.toml", change(_guizhou_text()))
    with pytest.raises(PolicyError) as info:
        load_policy_file(path)
    message = str(info.value)
    assert str(path) in message
    assert info.value.where == str(path)
    assert re.search(rf"(^|\W){re.escape(field)}\W", message), message


def test_a_malformed_policy_fails_the_whole_book(tmp_path):
    _write(tmp_path, "good.toml", _guizhou_text())
    bad = _write(tmp_path, "bad.toml", _edit(_guizhou_text(), 'level = "provincial"', 'level = "regional"'))
    with pytest.raises(PolicyError) as info:
        load_policies(tmp_path)
    assert str(bad) in str(info.value) and "level" in str(info.value)


def test_invalid_toml_names_the_file(tmp_path):
    path = _write(tmp_path, "broken.toml", _guizhou_text() + "\n[bans\nfraud = \n")
    with pytest.raises(PolicyError) as info:
        load_policy_file(path)
    assert str(path) in str(info.value)
    assert "TOML" in str(info.value)


def test_shanghai_without_rectification_needs_consecutive_fails(tmp_path):
    text = (POLICIES_DIR / "shanghai-municipal.v1.toml").read_text(encoding="utf-8")
    path = _write(tmp_path, "sh.toml", _without_line(text, "revoke_after_consecutive_fails = 2"))
    with pytest.raises(PolicyError) as info:
        load_policy_file(path)
    assert str(path) in str(info.value) and "rectification" in str(info.value)


def test_a_february_29_date_works_in_every_year_or_is_refused(tmp_path):
    """The loader accepts 02-29 (it validates against a leap year); a policy that loads must then
    give a due date in common years too (R15: the month's last day), or be refused when loaded."""
    path = _write(tmp_path, "feb29.toml", _edit(_guizhou_text(), 'due = "03-31"', 'due = "02-29"'))
    try:
        policy = load_policy_file(path)
    except PolicyError as exc:
        assert str(path) in str(exc) and "annual_report.due" in str(exc)
        return
    assert policy.annual_report_due.in_year(2024) == date(2024, 2, 29)
    assert policy.annual_report_due.in_year(2025) == date(2025, 2, 28)
