"""The words of the deadlines calendar page (issue 15), in 简体中文 and English (merged into api.web.i18n's
tables): each key with its two words side by side."""
from __future__ import annotations

from services.deadlines_calendar import WEEKDAYS

WORDS: dict[str, tuple[str, str]] = {
    "calendar": ("期限日历", "Deadlines"),
    "calendar_note": ("您辖区内认定事项今后 {weeks} 周的到期事项，按日排列；是否工作日依国务院办公厅放假安排。",
                      "The deadlines of the cases in your jurisdictions in the coming {weeks} weeks, by day; working "
                      "days as the State Council's holiday notices set them."),
    "calendar_ics": ("导出到日历（iCalendar）", "Export to a calendar (iCalendar)"),
    "calendar_ics_note": ("可导入 Outlook、手机日历等；再次导入时按同一事项更新，不会重复。",
                          "Import into Outlook or a phone's calendar; importing again updates the same events."),
    "no_deadlines": ("今后 {weeks} 周内没有到期事项。", "No deadline in the coming {weeks} weeks."),
    "working_day": ("工作日", "Working day"), "rest_day": ("休息日", "Rest day"),
    "makeup_day": ("调休上班", "Make-up working day"),
    "calendar_unknown": ("当年放假安排未载入", "Holiday notice not loaded"),
    "weeks_shown": ("显示周数", "Weeks shown"),
    "calendar_cut": ("到期事项较多，只显示最早的 {n} 项；请减少显示周数。",
                     "Only the first {n} deadlines are shown; choose fewer weeks."),
}
WORDS.update({f"wd.{i}": (zh, en) for i, (zh, en) in enumerate(zip(
    WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))})
ZH = {key: zh for key, (zh, _) in WORDS.items()}
EN = {key: en for key, (_, en) in WORDS.items()}
