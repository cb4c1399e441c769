"""Daily anchors: each day's case heads, chained, for an outside party to hold.

The anchor of day D lists, for every case with an event recorded on D (Asia/Shanghai), the
seq and hash of its last event recorded by the end of D, and the head of the grant ledger by
then (`grants`); its digest covers that list and the previous anchor's digest. Whoever keeps the
digests can later ask `verify_anchors` to show the history still holds those exact heads: a
rewritten event changes every hash after it. The grant ledger's verification
(services.grant_audit) holds the ledger to the anchored heads: an act dated on an anchored day
but outside its head was inserted afterwards.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from services.runtime import Runtime
from services.values import Anchor as Anchor
from services.values import GrantAct
from statemachines.acts import BUSINESS_ZONE
from statemachines.events import GENESIS_HASH, canonical_text, digest


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
    """The anchor of `day`, written once; a second call returns the one written."""
    start, end = day_bounds(day)
    with rt.uow() as uow:
        existing = uow.anchors.get(day)
        if existing is not None:
            return existing
        previous = uow.anchors.latest_before(day)
        heads = uow.anchors.heads_changed(start, end)
        prev_digest = previous.digest if previous else GENESIS_HASH
        grants_seq, grants_hash = ledger_head_by(uow.users.grant_ledger(), end)
        text = canonical_text({
            "day": day.isoformat(), "prev_digest": prev_digest,
            "heads": [{"case_id": c, "seq": s, "hash": h} for c, s, h in heads],
            "grants": {"seq": grants_seq, "hash": grants_hash},
        })
        anchor = Anchor(day, len(heads), text, prev_digest, digest(text))
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
    """The anchors chain, and every head they hold is still in the history, unchanged."""
    import json

    problems: list[AnchorProblem] = []
    previous = GENESIS_HASH
    for anchor in list_anchors(rt):
        body = json.loads(anchor.canonical)
        if digest(anchor.canonical) != anchor.digest:
            problems.append(AnchorProblem(anchor.day, None, None, "digest is not the sha256 of the anchored text"))
        if body["prev_digest"] != previous or anchor.prev_digest != previous:
            problems.append(AnchorProblem(anchor.day, None, None, "not chained to the anchor before it"))
        with rt.uow() as uow:
            for head in body["heads"]:
                found = uow.anchors.hash_at(head["case_id"], head["seq"])
                if found != head["hash"]:
                    problems.append(AnchorProblem(
                        anchor.day, head["case_id"], head["seq"],
                        "the event anchored then is gone" if found is None else "the event anchored then was changed"))
        previous = anchor.digest
    return problems
