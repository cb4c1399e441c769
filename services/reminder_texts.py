"""The Chinese wording of reminders, per timer kind and step."""
from __future__ import annotations

from datetime import date

from statemachines.case import Case

WHAT = {
    "annual_report": "{key}年度工作报告报送",
    "assessment": "第{period}认定期第{index}次绩效考核",
    "rectification": "限期整改",
    "reevaluation": "认定期满复评",
    "reevaluation_decision": "第{key}认定期期满复评决定（逾期未决定的，认定终止）",
    "instalment": "第{key}期补助资金拨付",
    "clawback": "撤销认定后补助资金退回",
}
# R21: an assessment of a yearly campaign is keyed by its period and campaign year
CAMPAIGN_ASSESSMENT = "{index}年度绩效考核"


def step_words(step: str, lang: str = "zh") -> str:
    """A reminder's step as people say it (issue 15): 到期前30日 / 30 days before, not d30."""
    zh = lang == "zh"
    if step == "overdue":
        return "逾期督办" if zh else "Overdue"
    days = step.removeprefix("d")
    if not days.isdigit():
        return step
    if int(days) == 0:
        return "到期当日" if zh else "On the day"
    return f"到期前{int(days)}日" if zh else f"{int(days)} days before"


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def describe(kind: str, key: str, campaign: bool = False) -> str:
    """What a timer is about; `campaign`: the case's policy assesses in yearly campaigns (R21)."""
    period, _, index = key.partition(".")
    template = CAMPAIGN_ASSESSMENT if campaign and kind == "assessment" else WHAT[kind]
    return template.format(key=key, period=period, index=index or key)


def subject(case: Case, kind: str, key: str, due_on: date, step: str, campaign: bool = False) -> str:
    what = describe(kind, key, campaign)
    if step == "overdue":
        return f"【逾期督办】{case.base_name}：{what}已于{zh_date(due_on)}到期"
    days = int(step.removeprefix("d"))
    when = "今日到期" if days == 0 else f"将于{zh_date(due_on)}到期（还有{days}天）"
    return f"【到期提醒】{case.base_name}：{what}{when}"


def body(case: Case, kind: str, key: str, due_on: date, step: str, campaign: bool = False) -> str:
    lines = [
        subject(case, kind, key, due_on, step, campaign),
        "",
        f"基地：{case.base_name}",
        f"运营机构统一社会信用代码：{case.operator_code}",
        *([f"受理编号：{case.reference}"] if case.reference else []),
        f"系统编号：{case.id}",
        f"事项：{describe(kind, key, campaign)}",
        f"到期日：{zh_date(due_on)}",
    ]
    if step == "overdue":
        lines.append("该事项已逾期，请审批人督促经办人尽快处理。")
    lines.append("（本邮件由 incubase 自动发送，请勿直接回复。）")
    return "\n".join(lines)
