"""Case events: the append-only record, each chained to the one before by its hash.

An event's `canonical` text is produced once, when the event is recorded, and stored as is;
verification hashes those stored bytes instead of re-serialising what a database gives back.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

GENESIS_HASH = "0" * 64
SYSTEM_ACTOR = "system"


@dataclass(frozen=True)
class Event:
    case_id: str
    seq: int
    act: str
    on: date
    recorded_at: datetime
    actor: str
    reason: str
    rule: str
    policy_id: str
    policy_version: int
    payload: Mapping[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS_HASH
    canonical: str = ""
    hash: str = ""

    def body(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "seq": self.seq,
            "act": self.act,
            "on": self.on.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "actor": self.actor,
            "reason": self.reason,
            "rule": self.rule,
            "policy": {"id": self.policy_id, "version": self.policy_version},
            "payload": dict(self.payload),
            "prev_hash": self.prev_hash,
        }


def restore(case_id: str, seq: int, act: str, on: date, recorded_at: datetime, actor: str, reason: str,
            rule: str, policy_id: str, policy_version: int, payload: Mapping[str, Any], prev_hash: str,
            canonical: str, hash: str) -> Event:
    """An event as stored, without the frozen dataclass's __init__ (one object.__setattr__ per
    field, ~3 µs): reading a history builds one per event, and replay and verification read
    every event of a case (bench b4, b5). The values are exactly the fields, nothing derived."""
    e = object.__new__(Event)
    e.__dict__.update(case_id=case_id, seq=seq, act=act, on=on, recorded_at=recorded_at, actor=actor,
                      reason=reason, rule=rule, policy_id=policy_id, policy_version=policy_version,
                      payload=payload, prev_hash=prev_hash, canonical=canonical, hash=hash)
    return e


def canonical_text(body: Mapping[str, Any]) -> str:
    """Sorted keys, no spaces, Chinese kept as characters: one text for one event."""
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def seal(event: Event) -> Event:
    """Fixes the event's canonical text and hash; done once, when it is recorded."""
    text = canonical_text(event.body())
    return Event(**{**event.__dict__, "canonical": text, "hash": digest(text)})


@dataclass(frozen=True)
class Draft:
    """An event an act has decided on, before it gets its place in the chain."""

    act: str
    on: date
    actor: str
    reason: str
    rule: str
    payload: Mapping[str, Any] = field(default_factory=dict)
