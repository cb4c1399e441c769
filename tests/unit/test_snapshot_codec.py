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

    from statemachines.case import Assessment, Ban, Complaint, Instalment, Period, Rectification

    case = Case(id="x", base_id="b", base_name="贵阳基地", operator_code="91520100MA6000001X", level="provincial",
                jurisdiction="520000", policy_id="p", policy_version=2, applied_on=date(2024, 4, 8),
                state="rectifying", version=9, last_on=date(2026, 6, 10), inspectors=["赵磊", "钱七"],
                recognized_on=date(2024, 6, 14), period=Period(1, date(2024, 6, 14), date(2029, 6, 14)),
                assessments=[Assessment(1, 1, date(2026, 6, 10), "fail", "", True)],
                rectification=Rectification(1, 1, date(2026, 6, 10), date(2026, 9, 10), True),
                reports={2024: date(2025, 3, 1), 2025: date(2026, 3, 2)}, flags=["annual_report_overdue:2025"],
                complaints=[Complaint("ts-1", date(2026, 1, 5), "未兑现", 1),
                            Complaint("ts-2", date(2026, 2, 5), "收费", 1, True, date(2026, 2, 20))],
                ban=Ban("fraud", "provincial", date(2026, 7, 1), date(2031, 6, 30)),
                instalments=[Instalment(1, date(2024, 6, 14), 50_000_000, "paid", date(2024, 7, 1)),
                             Instalment(2, date(2029, 6, 14), 0)])
    stored = json.loads(json.dumps(case.to_dict(), ensure_ascii=False))
    back = Case.from_dict(stored)
    assert back == case
    assert type(back.period.start) is date and type(back.complaints[1].verified_on) is date
    assert back.reports == {2024: date(2025, 3, 1), 2025: date(2026, 3, 2)}
    back.flags.append("changed")  # the decoded lists are the case's own, not the stored document's
    assert stored["flags"] == ["annual_report_overdue:2025"]
