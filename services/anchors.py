"""Daily anchors: each day's case heads, chained, for an outside party to hold.

The anchor of day D lists, for every case with an event recorded on D (Asia/Shanghai), the
seq and hash of its last event recorded by the end of D, and the head of the grant ledger by
then (`grants`); its digest covers that list and the previous anchor's digest. A day is anchored
once it has ended (by the injected clock): an anchor written earlier would leave that day's later
events out for good, and one of a day to come would name heads that can never exist. Whoever keeps
the digests can later ask `verify_anchors` to show the history still holds those exact heads: each
anchored head is recomputed from the stored events, hashing every canonical text up to it, and
each day's list of heads is recomputed too. The grant ledger's verification (services.grant_audit)
holds the ledger to the anchored heads: an act dated on an anchored day but outside its head was
inserted afterwards.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from services.ports import UnitOfWork
from services.runtime import Runtime
from services.values import Anchor as Anchor
from services.values import GrantAct
from statemachines.acts import BUSINESS_ZONE
from statemachines.errors import DomainError
from statemachines.events import GENESIS_HASH, Event, canonical_text, digest, hasher


class AnchorDayNotEnded(DomainError):
    """A day is anchored only after it has ended: its heads are not final before then."""

    code = "anchor-day-not-ended"
    rule = "R17"

    def __init__(self, day: date, today: date) -> None:
        when = "is still to come" if day > today else "has not ended yet"
        super().__init__(f"{day} {when} (today is {today}): a day is anchored once it has ended, "
                         f"the day after at the earliest (该日尚未结束，须次日起方可锚定)",
                         day=str(day), today=str(today))


@dataclass(frozen=True)
class AnchorProblem:
    day: date
    case_id: str | None
    seq: int | None
    message: str


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The day in Asia/Shanghai, as UTC moments: stored timestamps are UTC (SQLite keeps no zone)."""
    start = datetime.combine(day, time(0), tzinfo=BUSINESS_ZONE)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def write_anchor(rt: Runtime, day: date) -> Anchor:
    """The anchor of `day`, written once; a second call returns the one written. AnchorDayNotEnded
    for a day that has not ended by the clock."""
    start, end = day_bounds(day)
    with rt.uow() as uow:
        existing = uow.anchors.get(day)
        if existing is not None:
            return existing
        if rt.clock() < end:
            raise AnchorDayNotEnded(day, rt.today())
        previous = uow.anchors.latest_before(day)
        heads = uow.anchors.heads_changed(start, end)
        prev_digest = previous.digest if previous else GENESIS_HASH
        grants_seq, grants_hash = ledger_head_by(uow.users.grant_ledger(), end)
        text = canonical_text({
            "day": day.isoformat(), "prev_digest": prev_digest,
            "heads": [{"case_id": c, "seq": s, "hash": h} for c, s, h in heads],
            "grants": {"seq": grants_seq, "hash": grants_hash},
        })
        algorithm = uow.deployment.hash_algorithm()
        anchor = Anchor(day, len(heads), text, prev_digest, digest(text, algorithm), algorithm)
        uow.anchors.add(anchor, rt.clock())
        uow.commit()
    return anchor


def ledger_head_by(acts: Sequence[GrantAct], end: datetime) -> tuple[int, str]:
    """The seq and hash of the grant ledger's last act recorded before `end` ((0, genesis) if none)."""
    before = [a for a in acts if a.recorded_at < end]
    return (before[-1].seq, before[-1].hash) if before else (0, GENESIS_HASH)


def list_anchors(rt: Runtime, since: date | None = None) -> list[Anchor]:
    with rt.uow() as uow:
        return uow.anchors.all(since)


def verify_anchors(rt: Runtime) -> list[AnchorProblem]:
    """The anchors chain; each day's heads are still the ones its events give; and every anchored
    head, recomputed from the stored canonical texts of its case up to it, is the hash anchored."""
    problems: list[AnchorProblem] = []
    anchored: dict[str, list[tuple[date, int, str]]] = {}
    previous = GENESIS_HASH
    with rt.reads() as uow:
        for anchor in uow.anchors.all():
            problems += _own_text(anchor, previous)
            previous = anchor.digest
            heads = _heads(anchor)
            if heads is None:
                problems.append(AnchorProblem(anchor.day, None, None, "the anchored text is not a list of heads"))
                continue
            problems += _same_heads(uow, anchor.day, heads)
            for case_id, (seq, hash_) in heads.items():
                anchored.setdefault(case_id, []).append((anchor.day, seq, hash_))
        for case_id in sorted(anchored):
            problems += _recomputed(case_id, uow.cases.events(case_id), anchored[case_id])
    return sorted(problems, key=lambda p: (p.day, p.case_id or "", p.seq or 0))


def _own_text(anchor: Anchor, previous: str) -> list[AnchorProblem]:
    out = []
    try:
        held = hasher(anchor.hash_algorithm)(anchor.canonical.encode("utf-8"))
    except ValueError:
        held = None
    if held != anchor.digest:
        out.append(AnchorProblem(anchor.day, None, None,
                                 f"digest is not the {anchor.hash_algorithm} of the anchored text"))
    body = _json(anchor.canonical)
    if anchor.prev_digest != previous or body.get("prev_digest") != previous:
        out.append(AnchorProblem(anchor.day, None, None, "not chained to the anchor before it"))
    return out


def _json(text: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _heads(anchor: Anchor) -> dict[str, tuple[int, str]] | None:
    """(seq, hash) by case of the anchored text; None when the text holds no such list."""
    heads = _json(anchor.canonical).get("heads")
    if not isinstance(heads, list):
        return None
    out: dict[str, tuple[int, str]] = {}
    for h in heads:
        if not (isinstance(h, dict) and isinstance(h.get("case_id"), str) and type(h.get("seq")) is int
                and isinstance(h.get("hash"), str)):
            return None
        out[h["case_id"]] = (h["seq"], h["hash"])
    return out


def _same_heads(uow: UnitOfWork, day: date, held: dict[str, tuple[int, str]]) -> list[AnchorProblem]:
    """The day's heads as its events now give them: an event recorded that day since taken away, or
    one slipped in with that day's date, changes them."""
    now = {case_id: seq for case_id, seq, _ in uow.anchors.heads_changed(*day_bounds(day))}
    out = []
    for case_id in sorted(now.keys() - held.keys()):
        out.append(AnchorProblem(day, case_id, now[case_id],
                                 "an event of this case is recorded on this day, and the anchor holds none"))
    for case_id in sorted(held.keys() - now.keys()):
        out.append(AnchorProblem(day, case_id, held[case_id][0],
                                 "the anchor holds this case, and no event of it is recorded on this day now"))
    for case_id in sorted(held.keys() & now.keys()):
        if now[case_id] != held[case_id][0]:
            out.append(AnchorProblem(day, case_id, held[case_id][0],
                                     f"the last event recorded by the day's end is now seq {now[case_id]}"))
    return out


def _recomputed(case_id: str, events: Sequence[Event], heads: list[tuple[date, int, str]]) -> list[AnchorProblem]:
    """Each anchored head against the digest of its stored canonical text, reached through a chain whose
    every link still holds; a stored `hash` column alone proves nothing."""
    recomputed: dict[int, str | None] = {}
    previous: str | None = GENESIS_HASH
    for expected_seq, e in enumerate(events, start=1):
        try:
            computed: str | None = digest(e.canonical, e.hash_algorithm)
        except ValueError:
            computed = None
        holds = previous is not None and e.seq == expected_seq and e.prev_hash == previous and computed == e.hash
        previous = computed if holds else None  # a broken link breaks every head after it
        recomputed[e.seq] = computed if holds else None
    out = []
    for day, seq, hash_ in heads:
        if seq not in recomputed:
            out.append(AnchorProblem(day, case_id, seq, "the event anchored then is gone"))
        elif recomputed[seq] is None:
            out.append(AnchorProblem(day, case_id, seq, "the history up to the event anchored then no longer chains"))
        elif recomputed[seq] != hash_:
            out.append(AnchorProblem(day, case_id, seq, "the event anchored then was changed"))
    return out
