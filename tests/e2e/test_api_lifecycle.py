"""A Guizhou provincial case through the HTTP API only, from its application in 2024 to the end
of its reapplication ban and a fresh application in 2037, on business dates.

Every expected date is worked out by hand from the rules (docs/rules.md):
R6 a 5-year period to the corresponding day; R8 assessments 2 and 4 years after the period
starts (a deadline on a rest day moves to the next working day, R15); R8 a 3-month rectification
deadline; R10 automatic extension on the period's last day; R12/R14 a 5-year ban for fraud,
ending the day after its last day. The scheduled flows are a later issue, so the test plays
them by calling the sweep on each business date (as `tests/story.py` does).
"""
from __future__ import annotations

import hashlib
import json
from datetime import date

from services.sweep import sweep
from tests.e2e.http import CASES, ok
from tests.story import credit_code

CODE = credit_code(7)
SUBSIDY_FEN = 50_000_000


def until(rt, clock, day: date) -> None:
    """The department's clock moves to `day` and the scheduled acts due by then are fired."""
    clock.set_day(day)
    report = sweep(rt, day)
    assert not report.failed, report.failed


def apply_body(on: str) -> dict:
    return {
        "base": {"name": "贵阳市大学生创业园", "address": "贵州省贵阳市观山湖区长岭北路8号"},
        "operator": {"name": "贵阳高新创业服务有限公司", "credit_code": CODE},
        "level": "provincial", "jurisdiction": "520000", "applied_on": on,
    }


def timers(case: dict) -> dict[str, dict]:
    return {f"{t['kind']}:{t['key']}": t for t in case["timers"]}


def test_r1_to_r14_an_eleven_year_guizhou_case_through_the_api(rt, clock, callers):
    wang, zhao = callers["caseworker.wang"], callers["caseworker.zhao"]
    li, sun = callers["supervisor.li"], callers["supervisor.sun"]
    auditor = callers["auditor.chen"]

    # --- R1: application in the 2024 round -------------------------------------------------
    until(rt, clock, date(2024, 4, 8))
    applied = wang.post(CASES, json=apply_body("2024-04-08"))
    case = ok(applied, 201)
    cid = case["id"]
    assert applied.headers["Location"] == f"{CASES}/{cid}"
    assert (case["state"], case["version"], case["level"], case["jurisdiction"]) == (
        "applied", 1, "provincial", "520000")
    assert case["policy"] == {"id": "guizhou-provincial-2022", "version": 1}
    assert case["period"] is None and case["ban"] is None
    assert case["operator"]["credit_code"] == CODE

    # --- R4: inspection passes ------------------------------------------------------------------
    until(rt, clock, date(2024, 5, 16))
    case = ok(zhao.act(cid, "inspect", on="2024-05-16", reason="现场考察", outcome="pass",
                       inspectors=["caseworker.zhao"], findings="场地、服务与制度齐全"))
    assert (case["state"], case["version"]) == ("inspected", 2)

    # --- R5: at approval time, what each user may do differs ------------------------------------
    until(rt, clock, date(2024, 6, 14))
    seen = {name: ok(callers[name].get(f"{CASES}/{cid}"))["allowed_actions"]
            for name in ("caseworker.wang", "caseworker.zhao", "supervisor.li", "auditor.chen")}
    assert seen["supervisor.li"] == ["approve", "reject", "withdraw"]
    assert seen["caseworker.wang"] == ["withdraw"]  # approval and refusal are a supervisor's
    assert seen["caseworker.zhao"] == ["withdraw"]
    assert seen["auditor.chen"] == []

    # approved by a supervisor who did not inspect: the period starts on the approval date (R5, R6)
    case = ok(li.act(cid, "approve", on="2024-06-14", reason="经审批，予以认定", headers={"If-Match": "2"}))
    assert (case["state"], case["version"]) == ("recognized", 3)
    assert case["period"] == {"number": 1, "start": "2024-06-14", "end": "2029-06-14"}
    t = timers(case)
    # R8: 2026-06-14 is a Sunday → Monday 2026-06-15; 2028-06-14 is a Wednesday
    assert t["assessment:1.1"]["due_on"] == "2026-06-15"
    assert t["assessment:1.2"]["due_on"] == "2028-06-14"
    assert t["reevaluation:1"]["due_on"] == "2029-06-14"
    assert t["annual_report:2024"]["due_on"] == "2025-03-31"  # R7, a Monday
    assert [(i["number"], i["amount_fen"]) for i in case["instalments"]] == [(1, SUBSIDY_FEN)]  # R11

    # the sweep of the approval day makes the subsidy due; it is paid
    until(rt, clock, date(2024, 7, 1))
    assert ok(wang.get(f"{CASES}/{cid}"))["instalments"][0]["status"] == "due"
    case = ok(wang.act(cid, "record_payment", on="2024-07-01", reason="拨付补助资金", number=1,
                       amount_fen=SUBSIDY_FEN))
    assert case["instalments"][0]["status"] == "paid"

    # --- R7, R8: annual reports and two passing assessments ----------------------------------
    def report(year: int, on: date) -> dict:
        until(rt, clock, on)
        return ok(wang.act(cid, "submit_annual_report", on=on.isoformat(), reason="报送年度报告", year=year))

    report(2024, date(2025, 3, 20))
    report(2025, date(2026, 3, 20))
    until(rt, clock, date(2026, 6, 10))
    case = ok(wang.act(cid, "record_assessment", on="2026-06-10", reason="第一次绩效考核", outcome="pass"))
    assert case["state"] == "assessed"
    assert "assessment:1.1" not in timers(case)
    report(2026, date(2027, 3, 19))
    report(2027, date(2028, 3, 20))
    until(rt, clock, date(2028, 6, 8))
    case = ok(wang.act(cid, "record_assessment", on="2028-06-08", reason="第二次绩效考核", outcome="pass"))
    assert case["state"] == "assessed"
    case = report(2028, date(2029, 3, 20))
    assert case["flags"] == []  # every report in time, every assessment recorded

    # --- R10: automatic extension on the period's last day, by the sweep ----------------------
    until(rt, clock, date(2029, 6, 13))
    case = ok(wang.get(f"{CASES}/{cid}"))
    assert case["state"] == "assessed" and case["period"]["number"] == 1
    until(rt, clock, date(2029, 6, 14))
    case = ok(wang.get(f"{CASES}/{cid}"))
    assert case["state"] == "recognized"
    assert case["period"] == {"number": 2, "start": "2029-06-14", "end": "2034-06-14"}
    t = timers(case)
    # 2031-06-14 is a Saturday → Monday 2031-06-16 (provisional: no official calendar for 2031, R16)
    assert (t["assessment:2.1"]["due_on"], t["assessment:2.1"]["provisional"]) == ("2031-06-16", True)
    assert t["reevaluation:2"]["due_on"] == "2034-06-14"
    extend = ok(auditor.get(f"{CASES}/{cid}/events"))[-1]
    assert (extend["act"], extend["actor"], extend["on"], extend["rule"]) == ("extend", "system", "2029-06-14", "R10")

    # --- R8, R9: second period, a failed assessment, rectification and a passing re-assessment --
    report(2029, date(2030, 3, 20))
    report(2030, date(2031, 3, 20))
    until(rt, clock, date(2031, 6, 10))
    case = ok(wang.act(cid, "record_assessment", on="2031-06-10", reason="第二期第一次考核", outcome="fail"))
    assert case["state"] == "rectifying"
    rect = [t for t in case["timers"] if t["kind"] == "rectification"]
    # 3 months from 2031-06-10 → 2031-09-10, a Wednesday; 2031 has no official calendar yet
    assert rect == [{"kind": "rectification", "key": "2.1", "due_on": "2031-09-10", "provisional": True}]
    assert "assessment:2.1" not in timers(case)

    until(rt, clock, date(2031, 8, 20))
    case = ok(wang.act(cid, "record_rectification", on="2031-08-20", reason="整改后复评", outcome="pass"))
    assert case["state"] == "assessed"
    assert not [t for t in case["timers"] if t["kind"] == "rectification"]
    assert "assessment:2.2" in timers(case)

    # --- R12: complaints are recorded, then verified; below the threshold nothing moves --------
    until(rt, clock, date(2031, 10, 9))
    for n in (1, 2):
        ok(wang.act(cid, "record_complaint", on="2031-10-09", reason="收到投诉", complaint_id=f"c{n}",
                    summary=f"入驻企业投诉{n}：服务不到位"))
    until(rt, clock, date(2031, 10, 15))
    ok(zhao.act(cid, "verify_complaint", on="2031-10-15", reason="核实", complaint_id="c1", valid=True))
    case = ok(zhao.act(cid, "verify_complaint", on="2031-10-15", reason="核实", complaint_id="c2", valid=False))
    assert case["state"] == "assessed"
    assert [(c["id"], c["valid"], c["verified_on"]) for c in case["complaints"]] == [
        ("c1", True, "2031-10-15"), ("c2", False, "2031-10-15")]
    report(2031, date(2032, 3, 19))

    # --- R12, R13: suspension by one supervisor, revocation by another ------------------------
    until(rt, clock, date(2032, 3, 22))
    case = ok(li.act(cid, "suspend", on="2032-03-22", reason="经查存在弄虚作假线索，暂停认定", ground="fraud"))
    assert case["state"] == "suspended"
    assert "revoke" not in case["allowed_actions"]  # li suspended: another supervisor revokes
    assert "revoke" in ok(sun.get(f"{CASES}/{cid}"))["allowed_actions"]
    until(rt, clock, date(2032, 4, 6))
    case = ok(sun.act(cid, "revoke", on="2032-04-06", reason="核实弄虚作假，撤销认定",
                      ground="fraud"))
    assert case["state"] == "revoked"
    # R14: 5 years for fraud, from 2032-04-06: last day 2037-04-06 (a ban does not move, R15)
    assert case["ban"] == {"ground": "fraud", "level": "provincial", "first_day": "2032-04-06",
                           "last_day": "2037-04-06", "ended_on": None}
    assert [(t["kind"], t["due_on"]) for t in case["timers"]] == [("ban_end", "2037-04-07")]
    assert case["instalments"][0]["status"] == "paid"  # what was paid stays paid
    assert case["allowed_actions"] == []

    # --- R2, R14: not eligible until the ban's last day, eligible the day after ---------------
    until(rt, clock, date(2032, 4, 7))
    elig = ok(auditor.get("/api/v1/eligibility", params={"credit_code": CODE, "level": "provincial"}))
    assert elig["eligible"] is False
    assert [(b["case_id"], b["ground"], b["last_day"], b["eligible_from"]) for b in elig["bans"]] == [
        (cid, "fraud", "2037-04-06", "2037-04-07")]
    # another level is not barred (ban scope: the same level)
    assert ok(auditor.get("/api/v1/eligibility", params={"credit_code": CODE, "level": "national"}))["eligible"]

    until(rt, clock, date(2037, 4, 6))
    elig = ok(wang.get("/api/v1/eligibility", params={"credit_code": CODE, "level": "provincial"}))
    assert (elig["on"], elig["eligible"]) == ("2037-04-06", False)
    refused = wang.post(CASES, json=apply_body("2037-04-06"))
    assert refused.status_code == 409 and refused.json()["type"] == "/problems/ban-in-force"
    assert "2037-04-06" in refused.json()["detail"]

    until(rt, clock, date(2037, 4, 7))
    elig = ok(wang.get("/api/v1/eligibility", params={"credit_code": CODE, "level": "provincial"}))
    assert (elig["on"], elig["eligible"], elig["bans"]) == ("2037-04-07", True, [])
    case = ok(wang.get(f"{CASES}/{cid}"))
    assert (case["state"], case["ban"]["ended_on"], case["ban"]["last_day"]) == ("revoked", "2037-04-07", "2037-04-06")
    assert case["timers"] == []

    fresh = ok(wang.post(CASES, json=apply_body("2037-04-07")), 201)
    assert fresh["id"] != cid and (fresh["state"], fresh["version"]) == ("applied", 1)
    listed = ok(auditor.get(CASES, params={"credit_code": CODE, "sort": "applied_on"}))
    assert listed["total"] == 2
    assert [(i["id"], i["state"]) for i in listed["items"]] == [(cid, "revoked"), (fresh["id"], "applied")]

    # --- R17: the whole history, oldest first, each event chained to the one before -----------
    events = ok(auditor.get(f"{CASES}/{cid}/events"))
    assert [(e["act"], e["on"], e["actor"]) for e in events] == [
        ("apply", "2024-04-08", "caseworker.wang"),
        ("inspect", "2024-05-16", "caseworker.zhao"),
        ("approve", "2024-06-14", "supervisor.li"),
        ("instalment_due", "2024-06-14", "system"),
        ("record_payment", "2024-07-01", "caseworker.wang"),
        ("submit_annual_report", "2025-03-20", "caseworker.wang"),
        ("submit_annual_report", "2026-03-20", "caseworker.wang"),
        ("record_assessment", "2026-06-10", "caseworker.wang"),
        ("submit_annual_report", "2027-03-19", "caseworker.wang"),
        ("submit_annual_report", "2028-03-20", "caseworker.wang"),
        ("record_assessment", "2028-06-08", "caseworker.wang"),
        ("submit_annual_report", "2029-03-20", "caseworker.wang"),
        ("extend", "2029-06-14", "system"),
        ("submit_annual_report", "2030-03-20", "caseworker.wang"),
        ("submit_annual_report", "2031-03-20", "caseworker.wang"),
        ("record_assessment", "2031-06-10", "caseworker.wang"),
        ("record_rectification", "2031-08-20", "caseworker.wang"),
        ("record_complaint", "2031-10-09", "caseworker.wang"),
        ("record_complaint", "2031-10-09", "caseworker.wang"),
        ("verify_complaint", "2031-10-15", "caseworker.zhao"),
        ("verify_complaint", "2031-10-15", "caseworker.zhao"),
        ("submit_annual_report", "2032-03-19", "caseworker.wang"),
        ("suspend", "2032-03-22", "supervisor.li"),
        ("revoke", "2032-04-06", "supervisor.sun"),
        ("end_ban", "2037-04-07", "system"),
    ]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["prev_hash"] == "0" * 64
    for before, after in zip(events, events[1:], strict=False):
        assert after["prev_hash"] == before["hash"]
        assert before["recorded_at"] <= after["recorded_at"]
    assert len({e["hash"] for e in events}) == len(events)
    for e in events:
        assert e["policy"] == {"id": "guizhou-provincial-2022", "version": 1}
        assert len(e["hash"]) == 64 and e["reason"]
    rules = {e["act"]: e["rule"] for e in events}
    assert (rules["apply"], rules["inspect"], rules["approve"], rules["record_rectification"], rules["extend"],
            rules["end_ban"]) == ("R1", "R4", "R5", "R9", "R10", "R14")
    assert events[15]["payload"]["rectification"]["deadline"] == "2031-09-10"
    revoke = events[23]
    assert (revoke["rule"], revoke["payload"]["ground"], revoke["payload"]["ban"]["length"],
            revoke["payload"]["ban"]["last_day"]) == ("R12", "fraud", "5y", "2037-04-06")
    assert events[1]["payload"]["inspectors"] == ["caseworker.zhao"]
    # the case's version is its last event's seq
    assert ok(auditor.get(f"{CASES}/{cid}"))["version"] == events[-1]["seq"]


def test_r17_every_event_served_verifies_against_its_hash(rt, clock, callers):
    """An auditor can check the chain from the API alone: each event's hash is the SHA-256 of its
    canonical JSON (sorted keys, no spaces, with the case id), over the fields exactly as served."""
    wang, zhao, li = callers["caseworker.wang"], callers["caseworker.zhao"], callers["supervisor.li"]
    until(rt, clock, date(2024, 4, 8))
    cid = ok(wang.post(CASES, json=apply_body("2024-04-08")), 201)["id"]
    until(rt, clock, date(2024, 5, 16))
    ok(zhao.act(cid, "inspect", on="2024-05-16", reason="现场考察", outcome="pass"))
    until(rt, clock, date(2024, 6, 14))
    ok(li.act(cid, "approve", on="2024-06-14", reason="予以认定"))
    events = ok(callers["auditor.chen"].get(f"{CASES}/{cid}/events"))
    assert [e["act"] for e in events] == ["apply", "inspect", "approve"]
    for e in events:
        body = {k: e[k] for k in ("seq", "act", "on", "recorded_at", "actor", "reason", "rule", "policy",
                                  "payload", "prev_hash")}
        text = json.dumps({**body, "case_id": cid}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() == e["hash"], (e["act"], e["recorded_at"])
