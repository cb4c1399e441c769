"""A small dict-based translation: 简体中文 by default, English on request (no build step)."""
from __future__ import annotations

from datetime import date

from api.web import (
    bulk_labels,
    calendar_labels,
    case_list_labels,
    dashboard_labels,
    name_labels,
    security_labels,
    training_labels,
)
from services import reminder_texts
from services.users import ROLE_NAMES_ZH
from statemachines import catalogue, messages
from statemachines.messages import ROLE_NAMES, day_text
from statemachines.states import STATE_NAMES_EN, STATE_NAMES_ZH

LANGS = ("zh", "en")
DEFAULT = "zh"

ZH: dict[str, str] = {
    "app": "创业孵化基地认定管理", "signin": "登录", "signout": "退出", "username": "用户名", "password": "密码",
    "queue": "待办工作", "dashboard": "统计概览", "case": "认定事项", "audit": "审计回放", "language": "English",
    "overdue": "已逾期", "due_soon": "30日内到期", "no_deadline": "待办（无期限）", "all_kinds": "全部类别",
    "search": "搜索", "search_hint": "基地、运营机构名称或统一社会信用代码", "filter": "筛选",
    "nothing_to_do": "暂无待办事项。", "kind": "类别", "due": "期限", "base": "基地",
    "operator_code": "统一社会信用代码", "operator": "运营机构 · 统一社会信用代码", "level": "级别",
    "state": "状态", "period": "认定期", "policy": "政策", "clauses": "政策条款", "timers": "期限与计时",
    "reminders": "提醒", "complaints": "投诉", "instalments": "补贴分期", "ban": "再申请限制",
    "ban_permanent": "永久（不得再次申报）",
    "acts": "可办理事项", "no_acts": "当前没有您可办理的事项。", "timeline": "办理记录", "lifecycle": "生命周期图",
    "on": "办理日期", "reason": "事由", "submit": "提交", "who": "办理人", "when": "日期", "what": "事项",
    "rule": "规则", "recorded_at": "录入时间", "none": "无", "as_of": "查看日期", "show": "查看",
    "verification": "核验结果", "verified_ok": "核验通过：哈希链、顺序、状态转换、角色与回放均一致",
    "verified_bad": "核验发现问题", "dossier": "下载案卷", "dossier_xlsx": "案卷（Excel）",
    "dossier_json": "案卷（JSON）", "not_yet": "该日期时尚未申报。", "jurisdiction": "辖区",
    "counts_by_state": "各状态、级别认定事项数", "this_year": "本年度", "recognitions": "新认定",
    "revocations": "撤销", "overdue_reports": "逾期未报年度报告", "in_force": "有效认定", "total": "合计",
    "done": "已记录", "wrong_login": "用户名或密码错误", "events": "条记录", "flags": "标记",
    "provisional": "暂定", "received_on": "收到日期", "summary": "内容", "valid": "是否有效",
    "verified_on": "核实日期", "number": "期次", "amount": "金额（元）", "status": "状态", "paid_on": "支付日期",
    "paid": "已付（元）", "outstanding": "未付（元）", "clawback": "补助资金退回", "owed": "应退回（元）",
    "repaid": "已退回（元）",
    "last_day": "截止日", "ground": "事由", "step": "提醒节点", "send_on": "发送日期", "count": "件数",
    "visited": "本案经过的状态与转换以深色标出", "year": "年度", "invalid_number": "请输入整数",
    "stats_export": "导出统计表（xlsx）",
    "invalid_date": "请输入日期（年-月-日）", "required": "必填", "yes": "是", "no": "否", "pending": "待核实",
    "open_case": "打开", "skip": "跳到正文", "signed_in_as": "当前用户", "nothing": "—",
    # kinds of work in the queue
    "k.inspection": "待考察", "k.approval": "待批复", "k.assessment": "考核到期", "k.rectification": "整改期满复核",
    "k.complaint": "投诉待核实", "k.reevaluation": "期满复评",
    "k.clawback": "补助资金待退回", "k.objection": "公示异议待处理",
    "k.annual_report": "年度报告逾期", "k.suspension": "暂停待撤销或恢复", "k.instalment": "补贴待支付",
    "awaiting": "等待审批", "awaiting_note": "以下事项须由主管办理（批复、复评、撤销或恢复、异议决定），仅供查看。",
    "d.annual_report": "{}年度", "d.instalment": "第{}期",
    "my_reminders": "我的提醒", "my_reminders_note": "发给您的到期提醒和逾期督办：督办在前，其余按发送日期由近及远。",
    "no_reminders": "暂无提醒", "reminder_kind": "类别", "reminder_step": "提醒节点", "reminder_about": "事项",
    "sent_on": "发送日期", "reminder_subject": "内容", "escalation": "逾期督办", "reminder": "到期提醒",
    "previous_page": "上一页", "rounds_closing": "申报受理即将截止", "round_closes": "受理截止",
    # the public notice (R22)
    "notice": "公示", "notice_days": "公示期", "notice_running": "公示中，期满无异议予以认定",
    "notice_ended": "公示期满，已认定", "notice_upheld": "异议成立，退回重新审核", "objections": "公示异议",
    "decision": "处理结果", "decided_on": "处理日期", "undecided": "待处理",
    "c.superseded": "随退回重新审核",
    # levels
    **messages.LEVEL_LABELS["zh"],
    # acts, their fields and choices: named where they are declared (statemachines/catalogue.py)
    **catalogue.labels("zh"),
    # the API takes amounts in fen; people type and read them in yuan (services/money.py)
    "f.amount_fen": "金额（元）",
    "e.amount-format": "请输入以元为单位的金额，如 5000 或 5000.50",
    "e.amount-decimals": "金额最多保留两位小数（到分）", "e.amount-negative": "金额不能为负数",
    "e.amount-range": "金额须在 {min} 元至 {max} 元之间",
    "e.amount-over": "金额超过尚未结清的 {outstanding} 元",
    "e.amount-whole": "本政策不支持部分支付，须一次支付 {outstanding} 元",
    # instalment statuses
    "c.scheduled": "待到期", "c.due": "应支付", "c.withheld": "暂缓", "c.paid": "已支付",
    "c.cancelled": "已取消",
    # timers
    "t.annual_report": "年度报告", "t.assessment": "绩效考核", "t.rectification": "整改期限",
    "t.reevaluation": "期满复评",
    "t.reevaluation_decision": "复评决定期限", "t.ban_end": "限制期满", "t.instalment": "补贴分期",
    "t.clawback": "补助资金退回期限",
    "t.public_notice": "公示期满（予以认定）",
    # errors
    "e.date-out-of-order": "办理日期早于本事项上一次办理的日期", "e.future-date": "办理日期不能晚于今天",
    "e.invalid-act": "填写有误", "e.illegal-transition": "当前状态下不能办理此事项",
    "e.not-due": "当前没有可办理的内容", "e.four-eyes": "须由另一位工作人员办理（双人复核）",
    "e.forbidden": "您没有办理此事项的权限",
    "e.unknown-inspector": "考察人员须为系统用户（填写用户名），外部专家请填在“外部专家”一栏",
    "e.stale-version": "本事项已有新的办理记录，请刷新后重试",
    "e.prerequisite-missing": "申报此级别须先取得下一级有效认定",
    "e.assessment-not-open": "尚未到可记录该次考核结果的日期",
    "e.calendar-unavailable": "该年度的工作日历（国务院办公厅节假日安排通知）尚未载入，无法计算期限",
    "e.outside-notice": "异议须在公示期内提出",
    "e.invalid-text": "内容含有无法保存的字符",
    # refusals of a whole request (issue 14): the page's title (e.*) and what to do (x.*)
    "x.invalid-text": "提交的内容含有空字符（NUL）或无效的 Unicode 字符，未作任何记录。请删除这些字符后重新提交。",
    "e.too-large": "提交的内容过大",
    "x.too-large": "提交的内容超过本系统允许的大小，未作任何记录。",
    "e.rate-limited": "请求过于频繁",
    "x.rate-limited": "您在短时间内打开了过多的待办、统计、审计或下载页面。"
                      "为保证其他用户正常使用，请 {seconds} 秒后再试。",
    "e.cross-site": "请求已拒绝：不是从本系统页面提交的",
    "x.cross-site": "该表单不是从本系统的页面提交的，或页面已过期，未作任何记录。请返回、刷新页面后重试。",
    "e.bad-page": "分页参数有误", "x.bad-page": "链接中的分页参数无法识别，请从第一页重新查看。",
    "e.not-found": "页面不存在", "x.not-found": "没有这个页面。请检查地址，或从待办事项重新进入。",
    "e.method-not-allowed": "此地址不能直接打开", "x.method-not-allowed": "这是表单提交的地址，请从页面上的按钮办理。",
    "too_long": "内容过长：最多 {max_length} 个字符", "back": "返回", "pages": "分页", "showing": "本页显示",
    "first_page": "第一页", "next_page": "下一页",
    # issue 15: find any case
    "reference": "受理编号",
    "all_cases": "全部事项", "find_hint": "基地、运营机构、信用代码或事项编号", "all": "全部",
    "applied_year": "申报年度", "sort": "排序", "found": "共找到", "none_found": "没有符合条件的事项。",
    "sort.-applied_on": "申报日期（新→旧）", "sort.applied_on": "申报日期（旧→新）",
    "sort.-updated": "最近办理", "sort.next_due": "最近期限", "sort.state": "状态",
    "login_expired": "登录页面已过期，请重新输入用户名和密码",
    "e.correction-refused": "更正后的记录不符合该事项的办理规则（日期、金额、状态或双人复核）",
    "e.anchor-day-not-ended": "该日尚未结束，须次日起方可锚定",
}

EN: dict[str, str] = {
    "app": "Incubation base recognition", "signin": "Sign in", "signout": "Sign out", "username": "Username",
    "password": "Password", "queue": "Work queue", "dashboard": "Dashboard", "case": "Case", "audit": "Audit replay",
    "language": "中文", "overdue": "Overdue", "due_soon": "Due within 30 days", "no_deadline": "To do (no deadline)",
    "all_kinds": "All kinds", "search": "Search", "search_hint": "Base or operator name, or credit code",
    "filter": "Filter", "nothing_to_do": "Nothing to do.", "kind": "Kind", "due": "Due", "base": "Base",
    "operator_code": "Credit code", "operator": "Operator · credit code", "level": "Level", "state": "State",
    "period": "Period", "policy": "Policy",
    "clauses": "Policy clauses", "timers": "Deadlines and timers", "reminders": "Reminders",
    "complaints": "Complaints", "instalments": "Subsidy instalments", "ban": "Reapplication ban",
    "ban_permanent": "permanent (no new application)",
    "acts": "Acts you may record", "no_acts": "There is nothing you may record now.", "timeline": "Timeline",
    "lifecycle": "Lifecycle", "on": "Business date", "reason": "Reason", "submit": "Record", "who": "Who",
    "when": "When", "what": "What", "rule": "Rule", "recorded_at": "Recorded", "none": "None", "as_of": "As of",
    "show": "Show", "verification": "Verification",
    "verified_ok": "Verified: hash chain, sequence, transitions, roles and replay agree",
    "verified_bad": "Verification found problems", "dossier": "Download the dossier",
    "dossier_xlsx": "Dossier (Excel)", "dossier_json": "Dossier (JSON)",
    "not_yet": "The case had not been applied for on that date.", "jurisdiction": "Jurisdiction",
    "counts_by_state": "Cases by state and level", "this_year": "This year", "recognitions": "Recognitions",
    "revocations": "Revocations", "overdue_reports": "Overdue annual reports", "in_force": "In force",
    "total": "Total", "done": "Recorded", "wrong_login": "Wrong username or password", "events": "events",
    "flags": "Flags", "provisional": "provisional", "received_on": "Received", "summary": "Summary",
    "valid": "Valid", "verified_on": "Verified", "number": "No.", "amount": "Amount (CNY)", "status": "Status",
    "paid_on": "Paid", "paid": "Paid (CNY)", "outstanding": "Outstanding (CNY)",
    "clawback": "Subsidy owed back", "owed": "Owed back (CNY)", "repaid": "Repaid (CNY)",
    "last_day": "Last day", "ground": "Ground", "step": "Step", "send_on": "Send on",
    "count": "Count", "visited": "This case's states and transitions are dark", "year": "Year",
    "stats_export": "Export the statistics (xlsx)",
    "invalid_number": "Enter a whole number", "invalid_date": "Enter a date (YYYY-MM-DD)", "required": "Required",
    "yes": "Yes", "no": "No", "pending": "to verify", "open_case": "Open", "skip": "Skip to content",
    "signed_in_as": "Signed in as", "nothing": "—",
    "k.inspection": "Inspection pending", "k.approval": "Approval pending", "k.assessment": "Assessment due",
    "k.rectification": "Rectification deadline", "k.complaint": "Complaint to verify",
    "k.reevaluation": "Re-evaluation",
    "k.clawback": "Subsidy to recover", "k.objection": "Objection to decide",
    "k.annual_report": "Annual report overdue", "k.suspension": "Suspended: revoke or reinstate",
    "k.instalment": "Instalment to pay",
    "awaiting": "Awaiting a supervisor", "awaiting_note": "A supervisor decides these (approval, re-evaluation, "
                "revocation or reinstatement, objections); shown for information only.",
    "d.annual_report": "{} report", "d.instalment": "instalment {}",
    "my_reminders": "My reminders", "my_reminders_note": "Reminders of deadlines and escalations sent to you: "
                    "escalations first, then the newest.",
    "no_reminders": "No reminders", "reminder_kind": "Kind", "reminder_step": "Step", "reminder_about": "About",
    "sent_on": "Sent on", "reminder_subject": "Subject", "escalation": "Escalation", "reminder": "Reminder",
    "previous_page": "Previous page", "rounds_closing": "Application rounds closing soon",
    "round_closes": "applications close on",
    "notice": "Public notice", "notice_days": "Notice period", "notice_running": "Running; recognised at its end "
    "unless an objection is upheld", "notice_ended": "Ended; recognised", "notice_upheld": "Objection upheld; "
    "back for a new decision", "objections": "Objections", "decision": "Decision", "decided_on": "Decided",
    "undecided": "to decide", "c.superseded": "Went back with the case",
    **messages.LEVEL_LABELS["en"],
    **catalogue.labels("en"),
    "f.amount_fen": "Amount (yuan)",
    "e.amount-format": "Enter an amount in yuan, e.g. 5000 or 5000.50",
    "e.amount-decimals": "At most two decimals (fen)", "e.amount-negative": "An amount cannot be negative",
    "e.amount-range": "The amount must be between {min} and {max} yuan",
    "e.amount-over": "More than the {outstanding} yuan outstanding",
    "e.amount-whole": "This policy takes no part payments: pay the {outstanding} yuan in one",
    "c.scheduled": "Scheduled", "c.due": "Due", "c.withheld": "Withheld", "c.paid": "Paid",
    "c.cancelled": "Cancelled",
    "t.annual_report": "Annual report", "t.assessment": "Assessment", "t.rectification": "Rectification deadline",
    "t.reevaluation": "Re-evaluation (end of period)",
    "t.reevaluation_decision": "Re-evaluation decision due",
    "t.ban_end": "Ban ends", "t.instalment": "Subsidy instalment",
    "t.clawback": "Subsidy repayment deadline",
    "t.public_notice": "Notice ends (recognition)",
    "e.date-out-of-order": "The date is before the case's last act", "e.future-date": "The date is in the future",
    "e.invalid-act": "Invalid", "e.illegal-transition": "Not allowed in the current state",
    "e.not-due": "Nothing is due for this act now", "e.four-eyes": "Another person must record this (four eyes)",
    "e.forbidden": "You may not record this act",
    "e.unknown-inspector": "Inspectors must be users (by username); put outside experts under experts",
    "e.stale-version": "The case changed meanwhile; reload it",
    "e.prerequisite-missing": "This level needs the base's recognition at the level below, in force",
    "e.assessment-not-open": "This assessment may not be recorded yet",
    "e.calendar-unavailable": "No work calendar (holiday notice) is loaded for that year: no deadline there",
    "e.outside-notice": "Objections are received during the public notice",
    "e.invalid-text": "The text holds characters that cannot be stored",
    "x.invalid-text": "What was sent holds a NUL character or text that is not valid Unicode; nothing was recorded. "
                      "Remove it and send again.",
    "e.too-large": "Too large", "x.too-large": "What was sent is larger than this service takes; nothing was recorded.",
    "e.rate-limited": "Too many requests",
    "x.rate-limited": "You opened many work-queue, dashboard, audit or download pages in a short time. So that "
                      "everyone else can work, try again in {seconds} s.",
    "e.cross-site": "Refused: not sent from this service's pages",
    "x.cross-site": "This form was not sent from a page of this service, or the page is out of date; nothing was "
                    "recorded. Go back, reload the page and try again.",
    "e.bad-page": "Unknown page of the list", "x.bad-page": "The link's page marker is not one this list gave; "
                  "start again from the first page.",
    "e.not-found": "No such page",
    "x.not-found": "There is no such page. Check the address, or start from the work queue.",
    "e.method-not-allowed": "This address is not a page",
    "x.method-not-allowed": "It is where a form is sent; use the page's button.",
    "too_long": "Too long: at most {max_length} characters", "back": "Back", "pages": "Pages", "showing": "Showing",
    "first_page": "First page", "next_page": "Next page",
    "reference": "Reference",
    "all_cases": "All cases", "find_hint": "Base, operator, credit code or case number", "all": "All",
    "applied_year": "Year applied", "sort": "Sort", "found": "Found", "none_found": "No case matches.",
    "sort.-applied_on": "Applied (newest first)",
    "sort.applied_on": "Applied (oldest first)", "sort.-updated": "Last act", "sort.next_due": "Next deadline",
    "sort.state": "State",
    "login_expired": "The sign-in page had expired; enter your username and password again",
    "e.correction-refused": "The corrected record breaks the act's rules (dates, amounts, state or four eyes)",
    "e.anchor-day-not-ended": "The day has not ended: it can be anchored from the day after",
}

ROLE_NAMES_EN = ROLE_NAMES["en"]
# the sign-in, account and security-log pages' words (issue 14) are kept beside those pages
ZH.update(security_labels.ZH)
EN.update(security_labels.EN)
# the decisions of a round (issue 15)
ZH.update(bulk_labels.ZH)
EN.update(bulk_labels.EN)
# the deadlines calendar (issue 15)
ZH.update(calendar_labels.ZH)
EN.update(calendar_labels.EN)
ZH.update(training_labels.ZH)  # the training-mode banner (issue 15)
EN.update(training_labels.EN)
ZH.update(case_list_labels.ZH)  # a count that stopped (issue 16)
EN.update(case_list_labels.EN)
ZH.update(dashboard_labels.ZH)
EN.update(dashboard_labels.EN)
ZH.update(name_labels.ZH)  # issue 15: names, not codes
EN.update(name_labels.EN)
TABLES = {"zh": ZH, "en": EN}


class Translator:
    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else DEFAULT
        self.table = TABLES[self.lang]

    def __call__(self, key: str) -> str:
        # an untranslated key shows the English, else the key itself: visible, never a crash
        return self.table.get(key) or EN.get(key) or key.split(".", 1)[-1]

    def state(self, state: str | None) -> str:
        if state is None:
            return "—"
        return (STATE_NAMES_ZH if self.lang == "zh" else STATE_NAMES_EN).get(state, state)

    def step(self, step: str) -> str:
        """A reminder's step in words: 到期前30日 / 30 days before, 逾期督办 / Overdue (issue 15)."""
        return reminder_texts.step_words(step, self.lang)

    def role(self, role: str) -> str:
        return (ROLE_NAMES_ZH if self.lang == "zh" else ROLE_NAMES_EN).get(role, role)

    def date(self, value: date | str | None) -> str:
        """2026年11月22日 in Chinese, 2026-11-22 in English."""
        if value is None or value == "":
            return "—"
        return day_text(value, self.lang)

