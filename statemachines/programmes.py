"""R23: programmes (认定项目). A jurisdiction may run several recognitions at one level at once —
Qingdao's 高能级创业孵化园区 is chosen from its 创业孵化基地 — each with its own policy; a case is
of one programme, and a base has at most one open case per level and programme (R3)."""
from __future__ import annotations

import re

# the programme of a policy (and a case) that names none: the 创业孵化基地 / 示范基地 recognition itself
DEFAULT_PROGRAMME = "base"

# a programme's id, as policy files, the API and the events write it
PROGRAMME_PATTERN = re.compile(r"[a-z][a-z0-9-]{0,31}")
