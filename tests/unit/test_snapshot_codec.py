"""The case snapshot's codec: every field type survives JSON, and decoding under a frozen clock
(the tests travel in time with freezegun) leaves no fake `date` in the cached decoders."""
from datetime import date

from freezegun import freeze_time

from statemachines.case import Case, _decoder, _fields_of


def test_snapshot_dates_decode_after_a_frozen_first_decode():
    # R15: dates in a snapshot stay dates, whether the hints were first resolved in frozen time or not
    _fields_of.cache_clear()
    _decoder.cache_clear()
    with freeze_time("2026-01-01"):
        hints = dict(_fields_of(Case))
        _decoder(Case)
    assert hints
    c = Case.from_dict({"id": "x", "base_id": "b", "base_name": "n", "operator_code": "c", "level": "provincial",
                        "jurisdiction": "520000", "policy_id": "p", "policy_version": 1, "applied_on": "2026-01-02",
                        "reports": {"2025": "2026-03-01"}})
    assert c.applied_on == date(2026, 1, 2) and isinstance(c.applied_on, date)
    assert c.reports == {2025: date(2026, 3, 1)}


def test_every_kind_of_snapshot_field_survives_a_round_trip_through_json():
    # R17: replay compares the stored snapshot with the folded case; decoding must lose nothing
    import json

    from tests.unit.test_snapshot_encodes_as import CASE as case  # every kind of field, set

    stored = json.loads(json.dumps(case.to_dict(), ensure_ascii=False))
    back = Case.from_dict(stored)
    assert back == case
    assert type(back.period.start) is date and type(back.complaints[1].verified_on) is date
    assert back.reports == {2024: date(2025, 3, 1), 2025: date(2026, 3, 2)}
    back.flags.append("changed")  # the decoded lists are the case's own, not the stored document's
    assert stored["flags"] == ["annual_report_overdue:2025"]
