"""Administrative division codes (GB/T 2260) and who covers what.

A code names a province (520000), a prefecture (520100) or a county (520102); a scope covers
the codes below it: 520000 covers every code starting 52, 520100 those starting 5201, and
000000 the whole country.
"""
from __future__ import annotations

from statemachines.errors import DomainError

NATIONAL = "000000"
PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}


class UnknownJurisdiction(DomainError):
    code = "unknown-jurisdiction"

    def __init__(self, code: str, why: str) -> None:
        super().__init__(f"jurisdiction {code!r} {why}", jurisdiction=code)


def validate(code: str) -> str:
    if len(code) != 6 or not code.isdigit():
        raise UnknownJurisdiction(code, "is not a six-digit GB/T 2260 code")
    if code != NATIONAL and code[:2] not in PROVINCES:
        raise UnknownJurisdiction(code, f"names no province ({code[:2]} is not a province code)")
    return code


def prefix(scope: str) -> str:
    """The leading digits a scope fixes: 520000 → 52, 520100 → 5201, 000000 → ''."""
    if scope == NATIONAL:
        return ""
    trimmed = scope
    while trimmed.endswith("00") and len(trimmed) > 2:
        trimmed = trimmed[:-2]
    return trimmed


def covers(scope: str, code: str) -> bool:
    return code.startswith(prefix(scope))
