"""The case list's words for a count that stopped (issue 16: it counts up to COUNT_CAP, then says
"more than"), in 简体中文 and English (merged into api.web.i18n's tables); the work queue's counts stop
the same way (count_more), and a search's over part of a large scope (count_least)."""
from __future__ import annotations

ZH: dict[str, str] = {"found_more": "共找到超过", "count_more": "超过", "count_least": "至少",
                      "counts_partial": "待办较多，搜索的件数只统计了其中一部分，为最少件数；"
                                        "请缩小搜索范围以得到确切件数。"}
EN: dict[str, str] = {"found_more": "Found more than", "count_more": "more than", "count_least": "at least",
                      "counts_partial": "There is much work: the search was counted over part of it, so each count "
                                        "is a least number; narrow the search for exact counts."}
