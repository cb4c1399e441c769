"""Every act of the lifecycle, each declared once: its moves in the state machine, who may record
it, the rules it may cite, what a person enters for it, and its names in both languages.

The machine's table (lifecycle.py), the authorisation (services/authz.py), the rule check of
`audit verify` (audit.py), the API's request models and routes, the web forms and their labels
are all derived from these declarations. Adding an act is: one declaration here, its decide
function (acts.py, registered under the act's name) and its effect (fold.EFFECTS), and its tests.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from statemachines.states import IN_FORCE

# who may record an act: staff who record acts, and those who decide (批复, 撤销, 复评, 恢复)
CASEWORK = ("caseworker", "supervisor")
DECISION = ("supervisor",)
SYSTEM = ()  # fired by the sweep or as a follow-up of another act, never by a person


@dataclass(frozen=True)
class Choice:
    value: str
    zh: str
    en: str


@dataclass(frozen=True)
class Input:
    """One thing a person enters for an act. `kind`: text, textarea, int, choice, bool or names
    (a list of names, entered comma-separated on the forms)."""

    name: str
    kind: str
    zh: str
    en: str
    required: bool = True
    choices: tuple[Choice, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    ge: int | None = None
    le: int | None = None
    pattern: str | None = None
    max_items: int | None = None
    description: str = ""

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)


@dataclass(frozen=True)
class ActDecl:
    name: str
    zh: str
    en: str
    rules: tuple[str, ...]  # the rules the act may cite; the first is the one it usually cites
    roles: tuple[str, ...]  # who may record it; SYSTEM for the system's own acts
    moves: tuple[Mapping[str, Any], ...] = ()  # its rows of the transition table, less "trigger"
    inputs: tuple[Input, ...] = ()
    summary: str = ""  # one line for the API's documentation
    on_case: bool = True  # False for `apply` (it opens a case) and `correct` (its own route)

    @property
    def by_person(self) -> bool:
        return bool(self.roles)


# --- conditions of the moves: they read the event being applied and the policy it was decided under

Condition = Callable[[Any], bool]  # called with the machine's EventData


def _payload(event: Any) -> Mapping[str, object]:
    """The payload of the event being applied, which the machine is given as `event`."""
    payload: Mapping[str, object] = event.kwargs["event"].payload
    return payload


def _passed(event: Any) -> bool:
    return _payload(event).get("outcome") == "pass"


def _rectification_enabled(event: Any) -> bool:
    enabled: bool = event.kwargs["policy"].rectification_enabled
    return enabled


def _extends(event: Any) -> bool:
    return _payload(event).get("decision") == "extend"


def _noticed(event: Any) -> bool:
    """R22: the approval opened a public notice (its policy has one), so it does not recognise yet."""
    return "notice" in _payload(event)


def _upheld(event: Any) -> bool:
    return _payload(event).get("decision") == "uphold"


def _back_to(state: str) -> Condition:
    def condition(event: Any) -> bool:
        return _payload(event).get("back_to") == state
    condition.__name__ = f"back_to_{state}"
    return condition


def _move(source: str | list[str] | tuple[str, ...], dest: str, **guards: Any) -> dict[str, Any]:
    return {"source": list(source) if isinstance(source, tuple | list) else source, "dest": dest, **guards}


_WITH_REPORTS = (*IN_FORCE, "suspended")
_SCHEDULED_ASSESSMENT = ("recognized", "assessed")

# --- the choices a person picks from -------------------------------------------------------

PASS = Choice("pass", "通过/达标", "Pass")
FAIL = Choice("fail", "不通过/不达标", "Fail")
MISSED = Choice("missed", "未参加", "Missed")
GROUNDS = {
    "rectification_failed": Choice("rectification_failed", "整改后仍不达标", "Rectification failed"),
    "assessment_failed": Choice("assessment_failed", "考核连续不达标", "Assessments failed"),
    "fraud": Choice("fraud", "弄虚作假", "Fraud"),
    "commitment_breach": Choice("commitment_breach", "不履行服务承诺", "Commitment breach"),
    "complaints": Choice("complaints", "有效投诉达到上限", "Complaints"),
}
# grounds of a revocation (R9, R12, R14); misconduct also suspends, and a ban follows every one
REVOCATION_GROUNDS = tuple(GROUNDS)
MISCONDUCT_GROUNDS = ("fraud", "commitment_breach", "complaints")
# what a person may revoke for by hand: a failed assessment revokes by itself (R14)
REVOKED_BY_HAND = ("rectification_failed", *MISCONDUCT_GROUNDS)


# issue 15: the 批复文号 of the document a decision on the recognition was issued under; one document
# may decide several cases of a round (services.bulk_decisions), each recording it in its own event
DECISION_NUMBER = Input("decision_number", "text", "批复文号", "Decision number", required=False, min_length=1,
                        max_length=100, description="The number of the decision document (批复文号), "
                                                    "e.g. 黔人社复〔2026〕15号; recorded with the event.")


def _grounds(names: tuple[str, ...]) -> tuple[Choice, ...]:
    return tuple(GROUNDS[n] for n in names)


_GRADE = Input("grade", "text", "等级", "Grade", required=False, max_length=20,
               description="One of the policy's grades for the outcome; may be left out where it has only one.")

_CAMPAIGN_YEAR = Input("campaign_year", "int", "考核年度", "Campaign year", required=False, ge=1990, le=2200,
                       description="Yearly campaigns only (R21): the campaign year whose result this is; "
                                   "the oldest year still owed when left out.")

# --- the acts --------------------------------------------------------------------------------

ACTS: tuple[ActDecl, ...] = (
    ActDecl("apply", "申报", "Apply", ("R1",), CASEWORK, on_case=False,
            summary="Apply: open a case (R1–R3)"),
    ActDecl("inspect", "记录现场考察", "Record the inspection", ("R4",), CASEWORK, (
        _move("applied", "inspected", conditions=_passed),
        _move("applied", "rejected", unless=_passed),
    ), (
        Input("outcome", "choice", "结果", "Outcome", choices=(PASS, FAIL)),
        Input("inspectors", "names", "参加考察的工作人员（用户名，逗号分隔）",
              "Staff who inspected (usernames, comma-separated)",
              required=False, min_length=1, max_length=64, max_items=20,
              description="The users who took part, by username (the recorder when empty); none of them may "
                          "approve (R5)."),
        Input("experts", "names", "外部专家（姓名，逗号分隔）", "Outside experts (names, comma-separated)",
              required=False, min_length=1, max_length=100, max_items=20,
              description="Outside experts who took part, by name: not users of the system."),
        Input("findings", "textarea", "考察意见", "Findings", required=False, max_length=8000),
    ), "Record the on-site inspection (R4)"),
    ActDecl("approve", "批复认定", "Approve", ("R5",), DECISION, (
        # R22: where the policy has a public notice, the approval opens it and the notice's end recognises
        _move("inspected", "publicized", conditions=_noticed),
        _move("inspected", "recognized", unless=_noticed),
    ), (
        Input("tier", "choice", "补助档次", "Subsidy tier", required=False, min_length=1, max_length=64,
              description="Where the policy has subsidy tiers (subsidy.tiers): the tier granted, by its name "
                          "in the policy; its criterion and amount are recorded with the approval (R20). "
                          "Left out where the policy has none."),
        DECISION_NUMBER,
    ), "Approve the recognition (批复); starts the period, or opens the public notice first (R5, R6, R22)"),
    ActDecl("reject", "不予认定", "Reject", ("R5",), DECISION, (
        _move(("applied", "inspected", "publicized"), "rejected"),
    ), (DECISION_NUMBER,), "Refuse the recognition (R5)"),
    ActDecl("withdraw", "撤回", "Withdraw", ("R4",), CASEWORK, (
        _move(("applied", "inspected", "publicized", *IN_FORCE), "withdrawn"),
    ), summary="The operator withdraws the application or gives the recognition up"),
    # R22: the public notice (公示) between the approval and the recognition
    ActDecl("record_objection", "登记公示异议", "Record an objection", ("R22",), CASEWORK, (
        _move("publicized", "="),  # the notice's end waits while it is undecided
    ), (
        Input("summary", "textarea", "异议内容", "Summary", min_length=1, max_length=4000),
        Input("objection_id", "text", "异议编号", "Objection id", required=False, min_length=1, max_length=32,
              pattern=r"^[A-Za-z0-9._-]+$", description="Given by the system when left out."),
    ), "Record an objection received during the public notice (R22)"),
    ActDecl("decide_objection", "异议处理决定", "Decide an objection", ("R22",), DECISION, (
        _move("publicized", "inspected", conditions=_upheld),  # back for a new decision: approve or reject
        _move("publicized", "=", unless=_upheld),
    ), (
        Input("objection_id", "choice", "异议编号", "Objection id", min_length=1, max_length=32,
              description="An objection waiting for a decision (the case lists them)."),
        Input("decision", "choice", "决定", "Decision", choices=(
            Choice("dismiss", "异议不成立", "Dismiss"),
            Choice("uphold", "异议成立，重新审核", "Uphold: review again"))),
    ), "Dismiss an objection, or uphold it and take the case back for a new decision (R22, R5)"),
    ActDecl("end_public_notice", "公示期满予以认定", "Notice ended: recognised", ("R22",), SYSTEM, (
        _move("publicized", "recognized"),
    )),
    # R16: a provisional notice is recomputed when the official calendar for its year arrives
    ActDecl("reschedule_public_notice", "公示期重算", "Notice recomputed", ("R16",), SYSTEM, (
        _move("publicized", "="),
    )),
    ActDecl("submit_annual_report", "登记年度报告", "Record an annual report", ("R7",), CASEWORK, (
        _move(_WITH_REPORTS, "="),  # a report is not a state change
    ), (Input("year", "int", "报告年度", "Report year", ge=1990, le=2200),), "Record a year's report (R7)"),
    ActDecl("flag_overdue_report", "年度报告逾期", "Report overdue", ("R7",), SYSTEM, (
        _move(_WITH_REPORTS, "="),
    )),
    ActDecl("record_assessment", "记录绩效考核", "Record the assessment", ("R8",), CASEWORK, (
        _move(_SCHEDULED_ASSESSMENT, "assessed", conditions=_passed),
        _move(_SCHEDULED_ASSESSMENT, "rectifying", conditions=_rectification_enabled, unless=_passed),
        # a policy without rectification keeps a failed case in force, counting consecutive fails
        _move(_SCHEDULED_ASSESSMENT, "recognized", unless=[_passed, _rectification_enabled]),
    ), (Input("outcome", "choice", "结果", "Outcome", choices=(PASS, FAIL, MISSED)), _GRADE, _CAMPAIGN_YEAR),
        "Record the periodic assessment (R8, R21)"),
    ActDecl("flag_overdue_assessment", "考核逾期", "Assessment overdue", ("R8",), SYSTEM, (
        _move(_SCHEDULED_ASSESSMENT, "="),
    )),
    # R21: where the policy says not taking part fails, the sweep records the miss at the deadline;
    # it counts as a failed assessment, with the same moves as one recorded by a person
    ActDecl("record_missed_assessment", "未参加考核（系统记录）", "Assessment missed", ("R21",), SYSTEM, (
        _move(_SCHEDULED_ASSESSMENT, "rectifying", conditions=_rectification_enabled),
        _move(_SCHEDULED_ASSESSMENT, "recognized", unless=_rectification_enabled),
    )),
    ActDecl("record_rectification", "记录整改复核", "Record the re-assessment", ("R9",), CASEWORK, (
        _move("rectifying", "assessed", conditions=_passed),
        # a failed re-assessment is followed by a revocation event (R9)
        _move("rectifying", "=", unless=_passed),
    ), (Input("outcome", "choice", "结果", "Outcome", choices=(PASS, FAIL)), _GRADE),
        "Record the re-assessment after rectification (R9)"),
    ActDecl("open_rectification_review", "整改期满待复核", "Rectification review", ("R9",), SYSTEM, (
        _move("rectifying", "="),
    )),
    # R16: a provisional deadline is recomputed when the official calendar for its year arrives
    ActDecl("reschedule_rectification", "整改期限重算", "Deadline recomputed", ("R16",), SYSTEM, (
        _move("rectifying", "="),
    )),
    ActDecl("extend", "自动延续", "Extended", ("R10",), SYSTEM, (
        _move(_SCHEDULED_ASSESSMENT, "recognized"),
    )),
    ActDecl("open_reevaluation_review", "认定期满待复评", "Re-evaluation review", ("R10",), SYSTEM, (
        _move(IN_FORCE, "="),
    )),
    # R10: at the period's end where the policy asks for a new application, or when no decision came
    # within the time it continues provisionally; R6: when the plan it ends with has ended
    ActDecl("lapse", "期满终止", "Lapsed", ("R10", "R6"), SYSTEM, (
        _move(IN_FORCE, "lapsed"),
    )),
    ActDecl("reevaluate", "期满复评决定", "Decide re-evaluation", ("R10",), DECISION, (
        _move(IN_FORCE, "recognized", conditions=_extends),
        _move(IN_FORCE, "lapsed", unless=_extends),
    ), (Input("decision", "choice", "决定", "Decision",
              choices=(Choice("extend", "延续认定", "Extend"), Choice("lapse", "期满终止", "Lapse"))),),
        "Decide the re-evaluation at the end of the period (R10)"),
    # R11: withheld while rectifying or suspended, so only payable from these two
    ActDecl("instalment_due", "补贴到期", "Instalment due", ("R11",), SYSTEM, (
        _move(_SCHEDULED_ASSESSMENT, "="),
    )),
    ActDecl("record_payment", "记录补贴支付", "Record a payment", ("R11", "R20"), CASEWORK, (
        _move(_SCHEDULED_ASSESSMENT, "="),
    ), (
        Input("number", "int", "期次", "Instalment", ge=1, le=100),
        Input("amount_fen", "int", "金额（分）", "Amount (fen)", ge=1, le=10**12,
              description="In fen (分; 1 元 = 100 分), an integer: what is paid now, what the instalment still "
                          "owes or less where the policy takes part payments (subsidy.partial_payments, R20). "
                          "The web form asks for it in 元."),
    ), "Record the payment of a due subsidy instalment, or a part of it (R11, R20)"),
    ActDecl("record_complaint", "登记投诉", "Record a complaint", ("R12",), CASEWORK, (
        _move(_WITH_REPORTS, "="),
    ), (
        Input("summary", "textarea", "投诉内容", "Summary", min_length=1, max_length=4000),
        Input("complaint_id", "text", "投诉编号", "Complaint id", required=False, min_length=1, max_length=32,
              pattern=r"^[A-Za-z0-9._-]+$", description="Given by the system when left out."),
    ), "Record a complaint from a served start-up (R12)"),
    ActDecl("verify_complaint", "核实投诉", "Verify a complaint", ("R12",), CASEWORK, (
        _move(_WITH_REPORTS, "="),
    ), (
        Input("complaint_id", "choice", "投诉编号", "Complaint id", min_length=1, max_length=32,
              description="A complaint waiting for verification (the case lists them)."),
        Input("valid", "bool", "是否属实", "Valid",
              choices=(Choice("true", "属实", "Valid"), Choice("false", "不属实", "Not valid"))),
    ), "Record whether a complaint is valid (R12)"),
    ActDecl("suspend", "暂停认定", "Suspend", ("R12",), CASEWORK, (
        _move(IN_FORCE, "suspended"),
    ), (Input("ground", "choice", "事由", "Ground", choices=_grounds(MISCONDUCT_GROUNDS)),),
        "Suspend while misconduct is verified (R12)"),
    ActDecl("reinstate", "恢复认定", "Reinstate", ("R13",), DECISION, tuple(
        _move("suspended", state, conditions=_back_to(state)) for state in IN_FORCE
    ), summary="Reinstate a suspended case (R13)"),
    ActDecl("revoke", "撤销认定", "Revoke", ("R12", "R9", "R14"), DECISION, (
        _move((*IN_FORCE, "suspended"), "revoked"),
    ), (Input("ground", "choice", "事由", "Ground", choices=_grounds(REVOKED_BY_HAND)),),
        "Revoke the recognition; a ban follows (R9, R12, R14)"),
    ActDecl("end_ban", "限制期满", "Ban ended", ("R14",), SYSTEM, (
        _move("revoked", "="),
    )),
    # R20: after a revocation on a clawback ground the base owes back what it was paid
    ActDecl("record_repayment", "记录补贴退回", "Record a repayment", ("R20",), CASEWORK, (
        _move("revoked", "="),  # the money, not the state, changes
    ), (Input("amount_fen", "int", "金额（分）", "Amount (fen)", ge=1, le=10**12,
              description="In fen (分; 1 元 = 100 分), an integer: money paid back now, at most what is "
                          "still owed back. The web form asks for it in 元."),),
        "Record money paid back after a revocation on a clawback ground (追回/退回, R20)"),
    ActDecl("flag_overdue_clawback", "补贴退回逾期", "Repayment overdue", ("R20",), SYSTEM, (
        _move("revoked", "="),
    )),
    ActDecl("correct", "更正", "Correction", ("R17",), DECISION, on_case=False,
            summary="Correct an event by a compensating event (R17)"),
)

BY_NAME: dict[str, ActDecl] = {a.name: a for a in ACTS}
# the acts a person records on an existing case, each with its own route and form
CASE_ACTS: tuple[ActDecl, ...] = tuple(a for a in ACTS if a.on_case and a.by_person)


def transitions() -> list[dict[str, Any]]:
    """The machine's table: every move of every act, in the order declared."""
    return [{"trigger": a.name, **move} for a in ACTS for move in a.moves]


def labels(lang: str) -> dict[str, str]:
    """The names of every act (a.*), input (f.*) and choice (c.*) in one language."""
    def pick(named: ActDecl | Input | Choice) -> str:
        return named.zh if lang == "zh" else named.en

    out: dict[str, str] = {}
    for a in ACTS:
        out[f"a.{a.name}"] = pick(a)
        for i in a.inputs:
            out.setdefault(f"f.{i.name}", pick(i))
            for c in i.choices:
                out.setdefault(f"c.{c.value}", pick(c))
    for c in GROUNDS.values():
        out.setdefault(f"c.{c.value}", pick(c))
    return out

