"""The words that say names instead of codes on the pages (issue 15), in 简体中文 and English
(merged into api.web.i18n's tables): people, the policy, clauses, timers' keys, flags, reminder
statuses, and the case's operator and inspection. `{}` and `{name}` are filled in by api.web.names."""
from __future__ import annotations

ZH: dict[str, str] = {
    "system_actor": "系统",
    "beijing_time": "{}（北京时间）",
    # the policy by its title, number, version in words and first day in force
    "policy_version": "第{}版", "policy_number": "文号", "policy_from": "自{}起施行",
    # the clauses of a policy, by the parameter each one is the source of (statemachines/policy.py)
    "cl.application_window": "申报受理时间", "cl.recognition_period": "认定有效期",
    "cl.annual_report_due": "年度工作报告报送", "cl.assessment": "绩效考核", "cl.rectification_period": "限期整改",
    "cl.reevaluation": "期满复评", "cl.bans": "撤销后再申请限制", "cl.complaints": "有效投诉",
    "cl.subsidy": "补助资金", "cl.reminders": "到期提醒", "cl.prerequisite": "申报条件（下一级认定）",
    "cl.public_notice": "认定前公示",
    # a timer's key said with its kind: 2025年度, 第1认定期第2次, 第1期 (the queue's d.* say the first two)
    "tk.period": "第{}认定期", "tk.round": "第{period}认定期第{index}次", "tk.notice": "第{}次公示",
    # a case's flags
    "fl.annual_report_overdue": "{}工作报告逾期", "fl.assessment_overdue": "{}绩效考核逾期",
    "fl.rectification_review_due": "整改期满，待复核", "fl.reevaluation_review_due": "认定期满，待复评",
    "fl.clawback_overdue": "补助资金逾期未退回",
    # a reminder on its way
    "rs.pending": "待发送", "rs.sending": "发送中", "rs.failed": "发送失败", "rs.sent": "已发送",
    # the operator and the inspection on the case page
    "operator_name": "运营机构", "base_address": "基地地址", "contact_email": "联系邮箱",
    "inspection": "现场考察", "inspected_on": "考察日期", "inspection_outcome": "考察结果",
    "inspectors": "考察人员", "experts": "外部专家", "findings": "考察意见",
    "recognized_on": "认定生效日", "ban_days": "限制期",
}

EN: dict[str, str] = {
    "system_actor": "System",
    "beijing_time": "{} (Beijing time)",
    "policy_version": "version {}", "policy_number": "Document no.", "policy_from": "in force from {}",
    "cl.application_window": "Application window", "cl.recognition_period": "Period of recognition",
    "cl.annual_report_due": "Annual report", "cl.assessment": "Assessment", "cl.rectification_period": "Rectification",
    "cl.reevaluation": "Re-evaluation at the period's end", "cl.bans": "Bans after a revocation",
    "cl.complaints": "Valid complaints", "cl.subsidy": "Subsidy", "cl.reminders": "Reminders",
    "cl.prerequisite": "Prerequisite (recognition at the level below)", "cl.public_notice": "Public notice",
    "tk.period": "period {}", "tk.round": "period {period}, no. {index}", "tk.notice": "notice {}",
    "fl.annual_report_overdue": "{} overdue", "fl.assessment_overdue": "Assessment {} overdue",
    "fl.rectification_review_due": "Rectification ended: review due",
    "fl.reevaluation_review_due": "Period ended: re-evaluation due",
    "fl.clawback_overdue": "Subsidy repayment overdue",
    "rs.pending": "To send", "rs.sending": "Sending", "rs.failed": "Failed", "rs.sent": "Sent",
    "operator_name": "Operator", "base_address": "Address", "contact_email": "Contact e-mail",
    "inspection": "Inspection", "inspected_on": "Inspected on", "inspection_outcome": "Outcome",
    "inspectors": "Inspectors", "experts": "Outside experts", "findings": "Findings",
    "recognized_on": "Recognised as of", "ban_days": "Banned",
}
