"""The words of the exported workbooks (issue 15), in 简体中文 (the default) and English.

The workbooks are filed by people who read names, not codes: acts, choices and the acts' inputs take
their names from the catalogue (one declaration per act); states from statemachines.states; what
neither holds — the sheets' headings, the fields the system itself records in an act, the figures
of the statistics — is here.
"""
from __future__ import annotations

from statemachines import catalogue, messages
from statemachines.states import STATE_NAMES_EN, STATE_NAMES_ZH

LANGS = ("zh", "en")
DEFAULT = "zh"

ZH: dict[str, str] = {
    # sheets
    "sheet.case": "案卷信息", "sheet.acts": "办理记录", "sheet.deadlines": "期限与提醒", "sheet.verification": "核验",
    "sheet.statistics": "统计",
    # titles, headers and footers
    "title.dossier": "{base} · 受理编号 {reference} · 案卷", "title.statistics": "{jurisdiction} · {year}年度统计",
    "exported": "导出时间 {at}（北京时间）", "page": "第 &P 页，共 &N 页",
    # the case sheet
    "item": "项目", "value": "内容",
    "case.base": "基地名称", "case.reference": "受理编号", "case.id": "系统编号",
    "case.operator_code": "运营机构统一社会信用代码", "case.level": "级别", "case.jurisdiction": "辖区",
    "case.state": "状态", "case.policy": "政策", "case.policy_version": "政策版本", "case.period": "认定期",
    "case.period_start": "认定期起始日", "case.period_end": "认定期届满日", "case.flags": "待办标记",
    "case.version": "记录版本", "case.as_of": "截至办理日期", "case.verification": "核验结果",
    "period_n": "第{n}认定期", "version_n": "第{n}版",
    "verified": "通过（{events}个事件，哈希链、顺序、状态转换、角色与回放一致）",
    "not_verified": "发现{count}处问题（见“核验”表）",
    # the acts sheet
    "seq": "序号", "on": "办理日期", "act": "事项", "actor": "办理人", "username": "用户名", "reason": "事由",
    "rule": "规则", "policy_version": "政策版本", "recorded_at": "录入时间（北京时间）",
    "system": "系统",
    # the fields the system records in an act, by their path in its payload
    "p.base_id": "基地系统编号", "p.base_name": "基地名称", "p.operator_code": "运营机构统一社会信用代码",
    "p.level": "级别", "p.jurisdiction": "辖区", "p.reference": "受理编号", "p.round": "申报批次（年度）",
    "p.prerequisite": "前置认定", "p.prerequisite.level": "前置认定级别", "p.prerequisite.document": "前置认定文号",
    "p.period": "认定期", "p.period.number": "认定期次", "p.period.start": "认定期起始日",
    "p.period.end": "认定期届满日", "p.index": "考核序次", "p.instalments": "补助分期",
    "p.timer": "计时", "p.timer.kind": "计时类别", "p.timer.key": "计时事项", "p.timer.due_on": "计时到期日",
    "p.rectification": "整改", "p.rectification.deadline": "整改期限", "p.rectification.provisional": "整改期限待定",
    "p.rectification.period": "整改期", "p.ban": "再申报限制", "p.ban.level": "限制级别",
    "p.ban.length": "限制期长", "p.ban.first_day": "限制起始日", "p.ban.last_day": "限制届满日",
    "p.notice": "公示", "p.notice.number": "公示次数", "p.notice.period": "公示期",
    "p.notice.first_day": "公示起始日", "p.notice.last_day": "公示届满日",
    "p.due_on": "到期日", "p.amount_fen": "金额（元）", "p.outstanding_fen": "尚未结清（元）",
    "p.valid_complaints": "属实投诉数", "p.quota": "上限", "p.back_to": "恢复至状态", "p.brought_about_by": "起因",
    "p.criterion": "标准", "p.name": "名称", "p.programme": "计划", "p.pass": "通过",
    "p.valid": "是否属实", "p.inspectors": "参加考察的工作人员",
    "p.ground": "撤销或暂停事由", "p.experts": "外部专家", "yes": "是", "no": "否",
    "p.corrects": "更正的事件序号", "p.changes": "更正内容", "p.changes.on": "更正后的办理日期",
    "p.changes.reason": "更正后的事由", "p.changes.payload": "更正后",
    # the flags a case carries, by their name before the ':' ({key}: what comes after it)
    "flag.annual_report_overdue": "{key}年度工作报告逾期", "flag.assessment_overdue": "第{key}次绩效考核逾期",
    "flag.rectification_review_due": "整改期满待复核", "flag.reevaluation_review_due": "认定期满待复评",
    # the deadlines sheet
    "type": "类别", "what": "事项", "due_on": "到期日", "status": "状态", "step": "提醒节点", "recipient": "接收人",
    "channel": "渠道", "send_on": "发送日", "sent_at": "发送时间（北京时间）", "last_error": "发送错误",
    "t.timer": "期限", "t.reminder": "提醒", "provisional": "（暂定）",
    "s.pending": "待到期", "s.fired": "已到期处理", "s.sending": "发送中", "s.sent": "已发送", "s.failed": "发送失败",
    "ch.inbox": "站内信", "ch.email": "电子邮件", "ch.webhook": "接口推送",
    "operator": "运营机构 {code}",
    "k.annual_report": "年度工作报告", "k.assessment": "绩效考核", "k.rectification": "限期整改",
    "k.reevaluation": "期满复评", "k.reevaluation_decision": "复评决定", "k.instalment": "补助分期",
    "k.clawback": "补助退回", "k.ban_end": "再申报限制届满", "k.public_notice": "公示期满",
    # the verification sheet
    "prev_hash": "前一事件哈希", "hash": "本事件哈希", "check": "核验", "ok": "通过", "whole_case": "（整个案卷）",
    # the statistics sheet
    "figure": "指标", "count": "数值",
    "st.jurisdiction": "辖区", "st.year": "年度", "st.as_of": "统计截至", "st.cases": "认定事项总数",
    "st.recognized": "年末认定有效", "st.newly_recognized": "本年新认定", "st.extended": "本年延续认定",
    "st.assessed": "本年完成考核", "st.assessment_results": "考核结果：{key}", "st.in_rectification": "年末整改中",
    "st.in_public_notice": "年末公示中", "st.suspended": "年末暂停", "st.revoked": "本年撤销",
    "st.revoked_by_ground": "撤销事由：{key}", "st.bans_in_force": "再申报限制中",
    "st.overdue_reports": "本年年度报告逾期", "st.by_level": "年末认定有效：{key}", "no_grade": "（未定等级）",
    # levels
    **messages.LEVEL_LABELS["zh"],
}

EN: dict[str, str] = {
    "sheet.case": "Case", "sheet.acts": "Acts", "sheet.deadlines": "Deadlines and reminders",
    "sheet.verification": "Verification", "sheet.statistics": "Statistics",
    "title.dossier": "{base} · case number {reference} · dossier",
    "title.statistics": "{jurisdiction} · statistics {year}",
    "exported": "Exported {at} (Beijing time)", "page": "Page &P of &N",
    "item": "Item", "value": "Value",
    "case.base": "Base", "case.reference": "Case number", "case.id": "Internal id",
    "case.operator_code": "Operator's unified social credit code", "case.level": "Level",
    "case.jurisdiction": "Jurisdiction", "case.state": "State", "case.policy": "Policy",
    "case.policy_version": "Policy version", "case.period": "Recognition period",
    "case.period_start": "Period starts", "case.period_end": "Period ends", "case.flags": "Flags",
    "case.version": "Record version", "case.as_of": "Business date", "case.verification": "Verification",
    "period_n": "Period {n}", "version_n": "Version {n}",
    "verified": "Passed ({events} events: hash chain, sequence, transitions, roles and replay agree)",
    "not_verified": "{count} problem(s) found (see the Verification sheet)",
    "seq": "No.", "on": "Business date", "act": "Act", "actor": "Recorded by", "username": "Username",
    "reason": "Reason", "rule": "Rule", "policy_version": "Policy version",
    "recorded_at": "Recorded at (Beijing time)", "system": "System",
    "p.base_id": "Base id", "p.base_name": "Base", "p.operator_code": "Operator's credit code", "p.level": "Level",
    "p.jurisdiction": "Jurisdiction", "p.reference": "Case number", "p.round": "Application round (year)",
    "p.prerequisite": "Prerequisite", "p.prerequisite.level": "Prerequisite level",
    "p.prerequisite.document": "Prerequisite document", "p.period": "Period", "p.period.number": "Period number",
    "p.period.start": "Period starts", "p.period.end": "Period ends", "p.index": "Assessment number",
    "p.instalments": "Subsidy instalments", "p.timer": "Timer", "p.timer.kind": "Timer kind",
    "p.timer.key": "Timer of", "p.timer.due_on": "Timer due", "p.rectification": "Rectification",
    "p.rectification.deadline": "Rectification deadline", "p.rectification.provisional": "Deadline provisional",
    "p.rectification.period": "Rectification period", "p.ban": "Ban", "p.ban.level": "Ban level",
    "p.ban.length": "Ban length", "p.ban.first_day": "Ban starts", "p.ban.last_day": "Ban ends",
    "p.notice": "Public notice", "p.notice.number": "Notice number",
    "p.notice.period": "Notice period", "p.notice.first_day": "Notice starts", "p.notice.last_day": "Notice ends",
    "p.due_on": "Due", "p.amount_fen": "Amount (yuan)", "p.outstanding_fen": "Outstanding (yuan)",
    "p.valid_complaints": "Valid complaints", "p.quota": "Limit", "p.back_to": "Back to state",
    "p.brought_about_by": "Brought about by", "p.criterion": "Criterion", "p.name": "Name",
    "p.programme": "Programme", "p.pass": "Pass", "p.valid": "Valid", "p.inspectors": "Staff who inspected",
    "p.ground": "Ground", "p.experts": "Outside experts", "yes": "Yes", "no": "No",
    "p.corrects": "Corrects No.", "p.changes": "Changes", "p.changes.on": "Corrected business date",
    "p.changes.reason": "Corrected reason", "p.changes.payload": "Corrected",
    "flag.annual_report_overdue": "Annual report {key} overdue", "flag.assessment_overdue": "Assessment {key} overdue",
    "flag.rectification_review_due": "Rectification to review", "flag.reevaluation_review_due": "Re-evaluation due",
    "type": "Type", "what": "What", "due_on": "Due", "status": "Status", "step": "Step", "recipient": "Recipient",
    "channel": "Channel", "send_on": "Send on", "sent_at": "Sent at (Beijing time)", "last_error": "Sending error",
    "t.timer": "Deadline", "t.reminder": "Reminder", "provisional": " (provisional)",
    "s.pending": "Pending", "s.fired": "Fired", "s.sending": "Sending", "s.sent": "Sent", "s.failed": "Failed",
    "ch.inbox": "In-app", "ch.email": "E-mail", "ch.webhook": "Webhook",
    "operator": "Operator {code}",
    "k.annual_report": "Annual report", "k.assessment": "Assessment", "k.rectification": "Rectification",
    "k.reevaluation": "Re-evaluation", "k.reevaluation_decision": "Re-evaluation decision",
    "k.instalment": "Subsidy instalment", "k.clawback": "Repayment", "k.ban_end": "End of ban",
    "k.public_notice": "End of public notice",
    "prev_hash": "Previous hash", "hash": "Hash", "check": "Check", "ok": "Passed", "whole_case": "(whole case)",
    "figure": "Figure", "count": "Value",
    "st.jurisdiction": "Jurisdiction", "st.year": "Year", "st.as_of": "As of", "st.cases": "Cases",
    "st.recognized": "In force at year end", "st.newly_recognized": "Newly recognised",
    "st.extended": "Extended", "st.assessed": "Assessed", "st.assessment_results": "Assessment result: {key}",
    "st.in_rectification": "Rectifying at year end", "st.in_public_notice": "In public notice at year end",
    "st.suspended": "Suspended at year end", "st.revoked": "Revoked", "st.revoked_by_ground": "Revoked for: {key}",
    "st.bans_in_force": "Bans in force", "st.overdue_reports": "Annual reports overdue",
    "st.by_level": "In force at year end: {key}", "no_grade": "(no grade)",
    **messages.LEVEL_LABELS["en"],
}

TABLES = {"zh": {**catalogue.labels("zh"), **ZH}, "en": {**catalogue.labels("en"), **EN}}


def language(asked: str | None) -> str:
    """The workbook's language: en when asked for, else the default."""
    return asked if asked in LANGS else DEFAULT


class Words:
    """The words of one language; an unknown key shows as itself (visible in the file, never a failure)."""

    def __init__(self, lang: str) -> None:
        self.lang = language(lang)
        self.table = TABLES[self.lang]

    def __call__(self, key: str, /, **params: object) -> str:
        text = self.table.get(key)
        if text is None:
            return key.split(".", 1)[-1]
        return text.format(**params) if params else text

    def known(self, key: str) -> bool:
        return key in self.table

    def state(self, state: str) -> str:
        return (STATE_NAMES_ZH if self.lang == "zh" else STATE_NAMES_EN).get(state, state)

    def field(self, path: str) -> str:
        """A payload field's name: the system's own (p.period.start) or an act's input (f.outcome)."""
        for key in (f"p.{path}", f"f.{path}"):
            if key in self.table:
                return self.table[key]
        head, _, last = path.rpartition(".")
        return f"{self.field(head)} · {self.field(last)}" if head else path

    def flag(self, flag: str) -> str:
        """annual_report_overdue:2025 → 2025年度工作报告逾期; a flag without words shows as it is."""
        name, _, key = flag.partition(":")
        return self(f"flag.{name}", key=key) if f"flag.{name}" in self.table else flag

    def choice(self, value: str) -> str:
        return self.table.get(f"c.{value}", value)
