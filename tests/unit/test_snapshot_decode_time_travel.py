"""Snapshot decoding under a frozen clock: the tests travel in time with freezegun, and the decoder's
cached hints must not remember the fake `date` it saw while time was frozen."""
from datetime import date
from freezegun import freeze_time
from statemachines.case import Case, _fields_of

def test_snapshot_dates_decode_after_a_frozen_first_decode():
    # R15: dates in a snapshot stay dates, whether the hints were first resolved in frozen time or not
    _fields_of.cache_clear()
    with freeze_time("2026-01-01"):
        hints = dict(_fields_of(Case))
    assert hints
    c = Case.from_dict({"id": "x", "base_id": "b", "base_name": "n", "operator_code": "c", "level": "provincial",
                        "jurisdiction": "520000", "policy_id": "p", "policy_version": 1, "applied_on": "2026-01-02",
                        "reports": {"2025": "2026-03-01"}})
    assert c.applied_on == date(2026, 1, 2) and isinstance(c.applied_on, date)
    assert c.reports == {2025: date(2026, 3, 1)}
