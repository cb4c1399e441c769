"""The states of a recognition case, and their names."""
from __future__ import annotations

STATES = (
    "applied", "inspected", "publicized", "recognized", "assessed", "rectifying",
    "suspended", "revoked", "rejected", "withdrawn", "lapsed",
)
IN_FORCE = ("recognized", "assessed", "rectifying")
# publicized (公示中, R22): approved, its public notice running; not yet in force, but open (R3)
OPEN_STATES = ("applied", "inspected", "publicized", *IN_FORCE, "suspended")
STATE_NAMES_ZH = {
    "applied": "已申报", "inspected": "已考察", "publicized": "公示中", "recognized": "已认定",
    "assessed": "考核达标", "rectifying": "限期整改", "suspended": "已暂停", "revoked": "已撤销",
    "rejected": "不予认定", "withdrawn": "已撤回", "lapsed": "期满终止",
}
STATE_NAMES_EN = {
    "applied": "Applied", "inspected": "Inspected", "publicized": "Public notice", "recognized": "Recognized",
    "assessed": "Assessed", "rectifying": "Rectifying", "suspended": "Suspended", "revoked": "Revoked",
    "rejected": "Rejected", "withdrawn": "Withdrawn", "lapsed": "Lapsed",
}
