"""The lifecycle as an SVG, generated from the state machine's own table (not drawn by hand).

States are boxes in fixed columns (how far along the lifecycle they are); every (source, dest)
pair of `TRANSITIONS` is one arrow, labelled with its acts. A case's visited states and taken
transitions, read from its events, are highlighted.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape
from typing import Any

from statemachines.events import Event
from statemachines.lifecycle import STATES, TRANSITIONS
from statemachines.replay import folds

# (column, row) of each state: columns follow the lifecycle left to right
LAYOUT: dict[str, tuple[int, int]] = {
    "applied": (0, 1), "inspected": (1, 1), "publicized": (0, 0), "rejected": (1, 3),
    "recognized": (2, 0), "assessed": (2, 1), "rectifying": (2, 2), "withdrawn": (2, 3),
    "suspended": (3, 1), "lapsed": (3, 0), "revoked": (4, 1),
}
BOX_W, BOX_H, COL_W, ROW_H, PAD = 118, 40, 190, 92, 24


def edges(transitions: Iterable[dict[str, Any]] = TRANSITIONS) -> dict[tuple[str, str], list[str]]:
    """(source, dest) → the acts that move a case along it; "=" (no change of state) is left out."""
    out: dict[tuple[str, str], list[str]] = {}
    for t in transitions:
        sources = [t["source"]] if isinstance(t["source"], str) else list(t["source"])
        for source in sources:
            if t["dest"] in ("=", source):
                continue
            acts = out.setdefault((source, t["dest"]), [])
            if t["trigger"] not in acts:
                acts.append(t["trigger"])
    return out


def path_of(events: list[Event], policy_of: Callable) -> list[str]:
    """The states the case passed through, in order, as replay folds its events."""
    states: list[str] = []
    for case in folds(events, policy_of):
        if not states or states[-1] != case.state:
            states.append(case.state)
    return states


def _centre(state: str) -> tuple[float, float]:
    col, row = LAYOUT.get(state, (5, STATES.index(state) % 4))
    return PAD + col * COL_W + BOX_W / 2, PAD + row * ROW_H + BOX_H / 2


def _anchor(state: str, towards: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the box's centre towards a point leaves the box."""
    x, y = _centre(state)
    dx, dy = towards[0] - x, towards[1] - y
    if dx == 0 and dy == 0:
        return x, y
    scale = min((BOX_W / 2) / abs(dx) if dx else float("inf"), (BOX_H / 2) / abs(dy) if dy else float("inf"))
    return x + dx * scale, y + dy * scale


def lifecycle_svg(path: list[str] = (), *, label: Callable[[str], str] = str,
                  act_label: Callable[[str], str] = str, title: str = "",
                  transitions: Iterable[dict[str, Any]] = TRANSITIONS) -> str:
    visited = set(path)
    taken = set(zip(path, path[1:], strict=False))  # consecutive pairs: one shorter
    pairs = edges(transitions)
    states = [s for s in STATES]
    for source, dest in pairs:
        for s in (source, dest):
            if s not in states:
                states.append(s)
    width = PAD * 2 + max(LAYOUT.get(s, (5, 0))[0] for s in states) * COL_W + BOX_W
    height = PAD * 2 + 3 * ROW_H + BOX_H
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="lifecycle" '
           f'role="img" aria-labelledby="lc-title"><title id="lc-title">{escape(title)}</title>',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>']
    for (source, dest), acts in pairs.items():
        start = _anchor(source, _centre(dest))
        end = _anchor(dest, _centre(source))
        # a pair drawn both ways is bent apart so the two arrows and labels do not overlap
        bend = 18 if (dest, source) in pairs else 0
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        dx, dy = end[0] - start[0], end[1] - start[1]
        length = max((dx * dx + dy * dy) ** 0.5, 1)
        cx, cy = mx - dy / length * bend, my + dx / length * bend
        cls = "edge taken" if (source, dest) in taken else "edge"
        names = " / ".join(act_label(a) for a in acts)
        out.append(f'<g class="{cls}" data-source="{source}" data-dest="{dest}" data-acts="{" ".join(acts)}">'
                   f'<title>{escape(label(source))} → {escape(label(dest))}: {escape(names)}</title>'
                   f'<path d="M{start[0]:.1f},{start[1]:.1f} Q{cx:.1f},{cy:.1f} {end[0]:.1f},{end[1]:.1f}" '
                   f'marker-end="url(#arrow)"/>'
                   f'<text x="{(mx + cx) / 2:.1f}" y="{(my + cy) / 2 - 3:.1f}">{escape(names)}</text></g>')
    for state in states:
        x, y = _centre(state)
        cls = "state" + (" visited" if state in visited else "") + (" current" if path and state == path[-1] else "")
        out.append(f'<g class="{cls}" data-state="{state}"><rect x="{x - BOX_W / 2:.1f}" y="{y - BOX_H / 2:.1f}" '
                   f'width="{BOX_W}" height="{BOX_H}" rx="6"/>'
                   f'<text x="{x:.1f}" y="{y + 5:.1f}">{escape(label(state))}</text></g>')
    out.append("</svg>")
    return "".join(out)
