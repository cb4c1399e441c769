"""The words of the dashboard's charts, the case list's figure filter and the notice after an act
(issue 15), in 简体中文 and English (merged into api.web.i18n's tables)."""
from __future__ import annotations

ZH: dict[str, str] = {
    "chart.by_state": "各状态案件数（按级别）", "chart.by_year": "各年度新认定与撤销",
    "chart.by_month": "今后12个月的期限（按月）", "month": "月份", "deadlines": "期限数",
    "chart_numbers": "图中数字", "figure_cases": "查看这些案件",
    "fig.recognized": "有效认定", "fig.newly_recognized": "新认定", "fig.revoked": "撤销",
    "fig.overdue_reports": "逾期未报年度报告",
    "only_figure": "仅列出统计概览中计入该数字的案件：", "clear_figure": "取消此条件",
    "done_on": "办理日期",
}

EN: dict[str, str] = {
    "chart.by_state": "Cases by state (by level)", "chart.by_year": "Recognitions and revocations by year",
    "chart.by_month": "Deadlines of the coming 12 months (by month)", "month": "Month", "deadlines": "Deadlines",
    "chart_numbers": "The chart's numbers", "figure_cases": "See these cases",
    "fig.recognized": "In force", "fig.newly_recognized": "Recognitions", "fig.revoked": "Revocations",
    "fig.overdue_reports": "Overdue annual reports",
    "only_figure": "Only the cases the dashboard counts in:", "clear_figure": "Remove this condition",
    "done_on": "business date",
}
