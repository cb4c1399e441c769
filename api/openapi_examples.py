"""Example requests and answers of the OpenAPI document (issue 15), taken from the demo data
(`incubase demo`): what a caller sends and gets back, in the shapes api/schemas.py declares.
tests/e2e/test_openapi_document.py validates every one against its operation's schema."""
from __future__ import annotations

from typing import Any

from statemachines.lifecycle import acts_from
from statemachines.states import STATE_NAMES_ZH

HASH_0 = "0" * 64
HASH_1 = "7a070ab21ab1745a6277a022cd15dd0e58f9d4b17c0252b8162b68c21681e127"
HASH_2 = "c9e0d6b42ef71056ff02af176df8921f4b19c6d10a98ef3e076c275613d3248d"

APPLY = {"base": {"name": "宝安区新桥创业园", "address": "深圳市宝安区新桥街道"},
         "operator": {"name": "深圳新桥创业服务有限公司", "credit_code": "91440306MA5G8XQK35"},
         "level": "county", "jurisdiction": "440306", "applied_on": "2026-11-02"}

APPLIED: dict[str, Any] = {
    "id": "2fcba3fb5b9d4d5282bd759c852bdd55", "state": "applied", "state_name": "已申报", "version": 1,
    "level": "county", "jurisdiction": "440306", "programme": "base", "reference": "440306-2026-0001",
    "base": {"id": "ba70701365a7e44091bb9d4198dd84db", "name": "宝安区新桥创业园"},
    "operator": {"credit_code": "91440306MA5G8XQK35"}, "policy": {"id": "shenzhen-baoan-county", "version": 1},
    "applied_on": "2026-11-02", "last_on": "2026-11-02", "period": None, "allowed_actions": ["inspect", "withdraw"],
    "timers": [], "upcoming_reminders": [], "flags": [], "ban": None, "complaints": [], "instalments": [],
    "subsidy_tier": None, "clawback": None, "notice": None, "objections": []}

RECOGNIZED: dict[str, Any] = {
    "id": "demo-gy-daxuesheng", "state": "recognized", "state_name": "已认定", "version": 4, "level": "provincial",
    "jurisdiction": "520000", "programme": "base", "reference": "520000-2023-0001",
    "base": {"id": "ba8a15d0fcb06f4afe8165e67519fbd5", "name": "贵阳市大学生创业园"},
    "operator": {"credit_code": "91520100MA6DGY0014"}, "policy": {"id": "guizhou-provincial-2022", "version": 1},
    "applied_on": "2023-04-10", "last_on": "2023-06-30",
    "period": {"number": 1, "start": "2023-06-30", "end": "2028-06-30"},
    "allowed_actions": ["withdraw", "submit_annual_report", "record_payment", "record_complaint", "suspend"],
    "timers": [{"kind": "annual_report", "key": "2026", "due_on": "2027-03-31", "provisional": True},
               {"kind": "assessment", "key": "1.2", "due_on": "2027-06-30", "provisional": True},
               {"kind": "reevaluation", "key": "1", "due_on": "2028-06-30", "provisional": False}],
    "upcoming_reminders": [{"kind": "annual_report", "key": "2026", "due_on": "2027-03-31", "step": "d30",
                            "send_on": "2027-03-01"}],
    "flags": [], "ban": None, "complaints": [],
    "instalments": [{"number": 1, "due_on": "2023-06-30", "amount_fen": 50000000, "status": "due",
                     "paid_on": None, "paid_fen": 0, "outstanding_fen": 50000000, "grade": None}],
    "subsidy_tier": None, "clawback": None, "notice": None, "objections": [],
    "reminders": [{"id": 12, "kind": "annual_report", "key": "2026", "due_on": "2027-03-31", "step": "d30",
                   "recipient": "user:caseworker.wang", "channel": "inbox", "status": "pending",
                   "send_on": "2027-03-01"}]}

# what each act sends, and the state it leaves the case in (R-numbers: docs/rules.md)
ACT_BODIES: dict[str, tuple[dict[str, Any], str]] = {
    "inspect": ({"on": "2026-11-20", "reason": "现场考察：场地、服务、入驻企业均符合条件", "outcome": "pass",
                 "inspectors": ["caseworker.wang", "caseworker.zhao"], "experts": ["刘建国"],
                 "findings": "场地面积与入驻企业数量与申报材料一致"}, "inspected"),
    "approve": ({"on": "2026-11-27", "reason": "经研究同意认定"}, "recognized"),
    "reject": ({"on": "2026-11-27", "reason": "入驻企业数量不足，不予认定"}, "rejected"),
    "withdraw": ({"on": "2026-11-25", "reason": "运营主体书面申请撤回"}, "withdrawn"),
    "record_objection": ({"on": "2026-12-01", "reason": "公示期内收到来信",
                          "summary": "反映入驻企业数量与实际不符"}, "publicized"),
    "decide_objection": ({"on": "2026-12-02", "reason": "经核查，异议不成立", "objection_id": "O1",
                          "decision": "dismiss"}, "publicized"),
    "submit_annual_report": ({"on": "2026-03-20", "reason": "收到2025年度工作报告", "year": 2025}, "recognized"),
    "record_assessment": ({"on": "2025-06-20", "reason": "2025年绩效考核结果", "outcome": "pass", "grade": "达标"},
                          "assessed"),
    "record_rectification": ({"on": "2026-02-10", "reason": "整改复核通过", "outcome": "pass"}, "assessed"),
    "reevaluate": ({"on": "2028-07-05", "reason": "复评认定期满，经评审延续认定", "decision": "extend"},
                   "recognized"),
    "record_payment": ({"on": "2023-07-20", "reason": "拨付一次性补助资金", "number": 1, "amount_fen": 50000000},
                       "recognized"),
    "record_complaint": ({"on": "2026-09-03", "reason": "入驻企业来电投诉",
                          "summary": "承诺的免费工位未兑现"}, "recognized"),
    "verify_complaint": ({"on": "2026-09-15", "reason": "经核实投诉属实", "complaint_id": "C1", "valid": True},
                         "recognized"),
    "suspend": ({"on": "2026-09-20", "reason": "核查弄虚作假线索期间暂停认定", "ground": "fraud"}, "suspended"),
    "reinstate": ({"on": "2026-10-20", "reason": "经核查线索不实，恢复认定"}, "recognized"),
    "revoke": ({"on": "2026-10-20", "reason": "经核查存在弄虚作假行为，撤销认定", "ground": "fraud"}, "revoked"),
    "record_repayment": ({"on": "2026-11-10", "reason": "收到退回的补助资金", "amount_fen": 20000000}, "revoked"),
}


def case_after(act: str) -> dict[str, Any]:
    """The example case as the act leaves it: its state, one version more, the acts offered then."""
    state = ACT_BODIES[act][1]
    offered = [a for a in acts_from(state) if a in ACT_BODIES]
    return {**RECOGNIZED, "state": state, "state_name": STATE_NAMES_ZH[state], "version": RECOGNIZED["version"] + 1,
            "last_on": ACT_BODIES[act][0]["on"], "allowed_actions": offered, "reminders": []}


CASE_PAGE = {"items": [{
    "id": "demo-gy-daxuesheng", "base_name": "贵阳市大学生创业园", "operator_code": "91520100MA6DGY0014",
    "level": "provincial", "jurisdiction": "520000", "state": "assessed", "version": 9,
    "period_start": "2023-06-30", "period_end": "2028-06-30", "next_timer": "annual_report:2026",
    "next_due": "2027-03-31", "operator_name": "贵阳高新创业服务有限公司", "reference": "520000-2023-0001"}],
    "total": 9, "total_capped": False, "limit": 1,
    "next_after": "WyJhcHBsaWVkX29uIiwiMjAyMy0wNC0xMCIsImRlbW8tZ3ktZGF4dWVzaGVuZyJd",
    "next": "/api/v1/cases?limit=1&after=WyJhcHBsaWVkX29uIiwiMjAyMy0wNC0xMCIsImRlbW8tZ3ktZGF4dWVzaGVuZyJd"}

EVENTS = [
    {"seq": 1, "act": "apply", "on": "2026-04-20", "recorded_at": "2026-04-20T02:15:30.548996+00:00",
     "actor": "caseworker.wang", "reason": "受理申报材料", "rule": "R1",
     "policy": {"id": "guizhou-provincial-2022", "version": 1},
     "payload": {"base_id": "bacb615bb05ef84cc2b4ce0341ac9663", "base_name": "毕节市双创示范基地",
                 "operator_code": "91520500MA6DBJ005P", "level": "provincial", "jurisdiction": "520000",
                 "reference": "520000-2026-0002", "round": 2026},
     "prev_hash": HASH_0, "hash": HASH_1},
    {"seq": 2, "act": "inspect", "on": "2026-05-30", "recorded_at": "2026-05-30T07:40:11.556348+00:00",
     "actor": "caseworker.zhao", "reason": "现场考察通过，待批复", "rule": "R4",
     "policy": {"id": "guizhou-provincial-2022", "version": 1},
     "payload": {"outcome": "pass", "inspectors": ["caseworker.zhao"], "findings": ""},
     "prev_hash": HASH_1, "hash": HASH_2},
]

POLICY_SUMMARY = {"id": "guizhou-provincial-2022", "version": 1,
                  "title": "贵州省省级创业孵化示范基地认定与管理（2022年质量提升实施方案）", "jurisdiction": "520000",
                  "level": "provincial", "programme": "base", "effective_from": "2022-07-22", "effective_to": None,
                  "in_force": True}
POLICY = {"id": "guizhou-provincial-2022", "versions": [{
    **POLICY_SUMMARY,
    "sources": [{"id": "001", "title": "贵州省创业孵化示范基地质量提升实施方案", "number": None,
                 "issuer": "贵州省人力资源和社会保障厅", "issued": "2022-07-22", "url": None}],
    "parameters": {"application_window": ["04-01", "04-30"], "recognition_period": "5y",
                   "annual_report_due": "03-31", "annual_report_year": "next", "assessment_every": "2y",
                   "rectification_period": "3m", "subsidy_total_fen": 50000000,
                   "instalments": [{"after": "0d", "amount_fen": 50000000}], "reminder_offsets_days": [30, 7, 1, 0]},
    "clauses": {"recognition_period": {"rule": "R6", "text": "复评认定期为5年", "default": False, "ours": []}}}]}

ELIGIBILITY = {"credit_code": "91520200MA6DLP003U", "level": "provincial", "on": "2026-12-03", "eligible": False,
               "bans": [{"case_id": "demo-lps-fanxiang", "ground": "rectification_failed", "level": "provincial",
                         "first_day": "2025-09-12", "last_day": "2028-09-11", "eligible_from": "2028-09-12"}]}

VERIFIED = {"case_id": "demo-gy-daxuesheng", "ok": True, "events": 9, "violations": []}
DOSSIER = {"generated_at": "2026-12-03T03:38:51.645250+00:00", "as_of": "2026-12-03",
           "case": {"id": "demo-bj-shuangchuang", "base": "毕节市双创示范基地", "operator_code": "91520500MA6DBJ005P",
                    "level": "provincial", "jurisdiction": "520000", "state": "inspected", "state_name": "已考察",
                    "version": 2, "policy": "guizhou-provincial-2022 v1",
                    "policy_title": "贵州省省级创业孵化示范基地认定与管理（2022年质量提升实施方案）", "period": None,
                    "flags": [], "head_hash": HASH_2},
           "events": [{**EVENTS[0], "policy_version": 1}], "timers": [], "reminders": [],
           "verification": {"ok": True, "events": 2, "violations": []}}
STATS = {"jurisdiction": "520000", "year": 2025, "as_of": "2025-12-31", "cases": 3, "recognized": 2,
         "newly_recognized": 1, "extended": 0, "assessed": 2, "assessment_results": {"达标": 1, "不达标": 2},
         "in_rectification": 0, "in_public_notice": 0, "suspended": 0, "revoked": 1,
         "revoked_by_ground": {"rectification_failed": 1}, "bans_in_force": 1, "overdue_reports": 1,
         "by_level": {"provincial": 2}}
ANCHORS = [{"day": "2026-12-02", "cases": 9, "prev_digest": HASH_0,
            "digest": "5b1e0c1f7d2a44b0f0a8f2b1c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6",
            "canonical": '{"cases":{"demo-gy-daxuesheng":[9,"' + HASH_2 + '"]},"day":"2026-12-02"}'}]
CORRECT = {"on": "2026-06-02", "reason": "考察日期录入有误，据考察记录更正", "corrects": 2,
           "changes": {"on": "2026-05-29"}}
STATE_AS_OF = {**{k: v for k, v in RECOGNIZED.items() if k not in ("allowed_actions", "reminders")},
               "existed": True, "as_of": "2023-07-01", "as_of_recorded": None}

TIMER_PAGE = {"items": [{"case_id": "demo-fz-gulou", "base_name": "福州市鼓楼区创业孵化示范基地", "state": "recognized",
                         "jurisdiction": "350100", "kind": "assessment", "key": "1.1", "due_on": "2027-01-13",
                         "fires_on": "2027-01-14", "provisional": True}],
              "total": 14, "total_capped": False, "limit": 1,
              "next_after": "WyJ0aW1lcnMiLCIyMDI3LTAxLTEzIiwiZGVtby1mei1ndWxvdSIsImFzc2Vzc21lbnQiLCIxLjEiXQ",
              "next": "/api/v1/timers?limit=1&after="
                      "WyJ0aW1lcnMiLCIyMDI3LTAxLTEzIiwiZGVtby1mei1ndWxvdSIsImFzc2Vzc21lbnQiLCIxLjEiXQ"}
REMINDERS = [{"id": 1, "case_id": "demo-gy-daxuesheng", "timer_kind": "annual_report", "timer_key": "2026",
              "due_on": "2027-03-31", "step": "d30", "step_label": "到期前30日", "recipient": "user:caseworker.wang",
              "recipient_role": "caseworker", "channel": "inbox",
              "subject": "【到期提醒】贵阳市大学生创业园：2026年度工作报告报送将于2027年3月31日到期（还有30天）",
              "send_on": "2027-03-01", "status": "pending", "attempts": 0, "last_error": None}]

ROUND_IN = {"policy_id": "qingdao-municipal", "year": 2027, "opens_on": "2027-05-10", "closes_on": "2027-06-10",
            "quota": 15, "document": "青人社字〔2027〕12号", "reason": "发布2027年度申报通知"}
ROUND = {"policy_id": "qingdao-municipal", "year": 2027, "opens_on": "2027-05-10", "closes_on": "2027-06-10",
         "opened": False, "closed": False, "applications": 0, "quota": 15,
         "announcement": {"by": "supervisor.li", "at": "2026-12-03T02:10:00+00:00", "document": "青人社字〔2027〕12号",
                          "reason": "发布2027年度申报通知"}}

GRANT_IN = {"role": "caseworker", "jurisdiction": "520100", "reason": "新任贵阳市经办人"}
USER_IN = {"username": "caseworker.zhang", "display_name": "张敏", "email": "zhang.min@rst.example.gov.cn"}
ACCOUNT = {"username": "caseworker.zhao", "display_name": "赵磊", "email": None, "grants": [
    {"role": "caseworker", "jurisdiction": "520000", "granted_at": "2026-01-05T01:00:00+00:00", "revoked_at": None,
     "seq": 2, "revoked_seq": None},
    {"role": "caseworker", "jurisdiction": "520100", "granted_at": "2026-12-03T02:00:00+00:00", "revoked_at": None,
     "seq": 17, "revoked_seq": None}]}
NEW_ACCOUNT = {**USER_IN, "grants": []}
LEDGER = [{"seq": 17, "act": "grant", "username": "caseworker.zhao", "role": "caseworker", "jurisdiction": "520100",
           "recorded_at": "2026-12-03T02:00:00+00:00", "actor": "secadmin.wu", "reason": "新任贵阳市经办人",
           "prev_hash": HASH_1, "hash": HASH_2, "canonical": '{"act":"grant","actor":"secadmin.wu"}'}]
LEDGER_VERIFIED = {"ok": True, "acts": 17, "violations": []}

SIGN_IN = {"username": "caseworker.wang", "password": "一段足够长也难猜的口令句子", "code": "492039"}
SESSION = {"username": "caseworker.wang", "token": "ib_4Jm0c1S1uJk2q8m3Zr7wQe9Xv5Ty6Ua0Bc1De2Fg3Hi4Jk",
           "expires_at": "2026-12-03T14:00:00Z", "idle_timeout_minutes": 30}
PASSWORD_IN = {"current_password": "一段足够长也难猜的口令句子", "new_password": "另一段同样足够长的新口令句子"}
TWO_FACTOR = {"secret": "JBSWY3DPEHPK3PXP",
              "uri": "otpauth://totp/incubase:caseworker.wang?secret=JBSWY3DPEHPK3PXP&issuer=incubase"}
CODE_IN = {"code": "492039"}
RECOVERY_CODES = {"recovery_codes": ["k3v9-p2xq", "m8d4-t6wz", "r1n7-c5hy"]}
UNLOCKED = {"username": "caseworker.zhao", "was_locked": True}
CLIENT_IN = {"client": "10.12.0.31"}
CLIENT_UNLOCKED = {"client": "10.12.0.31", "was_locked": True}
TWO_FACTOR_RESET = {"username": "caseworker.zhao", "was_enrolled": True}
SECURITY_LOG = {"total": 40, "limit": 1, "offset": 0, "entries": [{
    "seq": 40, "at": "2026-12-03T03:38:51.066465+00:00", "actor": "caseworker.wang", "client": "10.12.0.31",
    "action": "sign_in", "subject": "caseworker.wang", "result": "ok", "details": {},
    "prev_hash": HASH_1, "hash": HASH_2}]}
SECURITY_LOG_VERIFIED = {"ok": True, "entries": 40, "problems": []}
DECISIONS_IN = {"decision": "approve", "decision_number": "黔人社函〔2026〕112号", "on": "2026-12-03",
                "reason": "经审核，以下基地符合省级创业孵化示范基地认定条件",
                "cases": [{"case_id": "demo-zy-kechuang", "version": 3},
                          {"case_id": "demo-as-shuangchuang", "version": 4}]}
DECISIONS = {"decision": "approve", "decision_number": "黔人社函〔2026〕112号", "counts": {"decided": 1, "refused": 1},
             "outcomes": [
                 {"case_id": "demo-zy-kechuang", "outcome": "decided", "state": "publicized", "version": 4,
                  "problem": None},
                 {"case_id": "demo-as-shuangchuang", "outcome": "refused", "state": None, "version": None,
                  "problem": {"type": "/problems/four-eyes", "title": "Four eyes: another user must record this act",
                              "status": 403, "detail": "'approve' must be recorded by someone other than the user "
                              "who recorded 'inspect' (supervisor.li)", "rule": "R5"}}]}
WAITING = [{"case_id": "demo-zy-kechuang", "base_name": "遵义市科创孵化基地", "reference": "520000-2026-0007",
            "version": 3, "inspected_on": "2026-05-30", "inspectors": ["caseworker.zhao"], "may_decide": True}]
CALENDAR = [{"date": "2026-12-10", "weekday": "周四", "working": True, "day_kind": "工作日", "deadlines": [
    {"case_id": "demo-gy-daxuesheng", "base_name": "贵阳市大学生创业园", "reference": "520000-2024-0003",
     "state": "recognized", "kind": "assessment", "key": "1", "what": "第1次绩效考核", "due_on": "2026-12-10",
     "provisional": False, "uid": "demo-gy-daxuesheng.assessment.1@incubase",
     "url": "http://127.0.0.1:8000/cases/demo-gy-daxuesheng"}]}]
