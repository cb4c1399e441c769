"""Issue 16, R17: `Case.encodes_as(snapshot)`, which `audit verify` asks instead of encoding every replayed
case, answers `to_dict() == snapshot` for the stored snapshot and for every way one value of it can
differ: changed, of another type, gone, or one key too many, at every depth."""
from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

from statemachines.case import Assessment, Ban, Case, Complaint, Instalment, Period, Rectification

CASE = Case(id="x", base_id="b", base_name="贵阳基地", operator_code="91520100MA6000001X", level="provincial",
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


def paths(value: Any, at: tuple = ()) -> list[tuple]:
    """Every place in the JSON: keys of objects, indexes of lists."""
    inner = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    return [p for key, v in inner for p in [(*at, key), *paths(v, (*at, key))]]


def changed(document: Any, path: tuple, how: str) -> Any:
    out = copy.deepcopy(document)
    parent = out
    for key in path[:-1]:
        parent = parent[key]
    old = parent[path[-1]]
    if how == "gone":
        del parent[path[-1]]
    elif how == "other":
        parent[path[-1]] = "2099-01-01" if not isinstance(old, str) or old != "2099-01-01" else "x"
    elif how == "type":
        parent[path[-1]] = [old] if not isinstance(old, list) else {"0": old}
    elif how == "extra" and isinstance(old, dict):
        old["not_a_field"] = None
    return out


def test_issue16_encodes_as_answers_as_to_dict_compared():
    stored = json.loads(json.dumps(CASE.to_dict(), ensure_ascii=False))
    assert CASE.encodes_as(stored) and CASE.encodes_as(CASE.to_dict())
    assert not CASE.encodes_as({**stored, "not_a_field": 1}) and not CASE.encodes_as(None)
    tried = 0
    for path in paths(stored):
        for how in ("gone", "other", "type", "extra"):
            document = changed(stored, path, how)
            if isinstance(path[-1], int) and how == "gone":
                continue  # a list item deleted is a shorter list: covered by "type" of the list itself
            assert CASE.encodes_as(document) == (CASE.to_dict() == document), (path, how)
            tried += 1
    assert tried > 150
    # equal values of JSON's other spellings stay equal, as they do for to_dict() == …
    assert CASE.encodes_as({**stored, "version": 9.0}) == (CASE.to_dict() == {**stored, "version": 9.0})
