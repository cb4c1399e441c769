"""The states of a recognition case, and their names."""
from __future__ import annotations

STATES = (
    "applied", "inspected", "recognized", "assessed", "rectifying",
    "suspended", "revoked", "rejected", "withdrawn", "lapsed",
)
IN_FORCE = ("recognized", "assessed", "rectifying")
OPEN_STATES = ("applied", "inspected", *IN_FORCE, "suspended")
STATE_NAMES_ZH = {
    "applied": "已申报", "inspected": "已考察", "recognized": "已认定", "assessed": "考核达标",
    "rectifying": "限期整改", "suspended": "暂停", "revoked": "已撤销", "rejected": "不予认定",
    "withdrawn": "撤回", "lapsed": "期满终止",
}
STATE_NAMES_EN = {
    "applied": "Applied", "inspected": "Inspected", "recognized": "Recognized", "assessed": "Assessed",
    "rectifying": "Rectifying", "suspended": "Suspended", "revoked": "Revoked", "rejected": "Rejected",
    "withdrawn": "Withdrawn", "lapsed": "Lapsed",
}
