"""The training-mode banner's words (issue 15), in 简体中文 and English (merged into api.web.i18n's tables).
`%(day)s` is filled in by the template with the business date as the page writes dates."""
from __future__ import annotations

ZH: dict[str, str] = {
    "training_banner": "培训模式 · 办理日期 %(day)s — 非真实数据，所办事项不具法律效力",
}
EN: dict[str, str] = {
    "training_banner": "Training mode · business date %(day)s — not real data; nothing done here has legal effect",
}
