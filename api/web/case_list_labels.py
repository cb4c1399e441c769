"""The case list's words for a count that stopped (issue 16: it counts up to COUNT_CAP, then says
"more than"), in 简体中文 and English (merged into api.web.i18n's tables)."""
from __future__ import annotations

ZH: dict[str, str] = {"found_more": "共找到超过"}
EN: dict[str, str] = {"found_more": "Found more than"}
