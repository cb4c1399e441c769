"""Case events: the append-only record, each chained to the one before by its hash.

An event's `canonical` text is produced once, when the event is recorded, and stored as is;
verification hashes those stored bytes instead of re-serialising what a database gives back.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

GENESIS_HASH = "0" * 64
SYSTEM_ACTOR = "system"
# the hash functions a chain may use: SHA-256 by default, SM3 (GB/T 32905) where a deployment chose it
# when its database was created (商用密码); each event records the one it was hashed with
DEFAULT_ALGORITHM = "sha256"
HASH_ALGORITHMS = ("sha256", "sm3")


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
    hash_algorithm: str = DEFAULT_ALGORITHM

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
            canonical: str, hash: str, hash_algorithm: str = DEFAULT_ALGORITHM) -> Event:
    """An event as stored, without the frozen dataclass's __init__ (one object.__setattr__ per
    field, ~3 µs): reading a history builds one per event, and replay and verification read
    every event of a case (bench b4, b5). The values are exactly the fields, nothing derived."""
    e = object.__new__(Event)
    e.__dict__.update(case_id=case_id, seq=seq, act=act, on=on, recorded_at=recorded_at, actor=actor,
                      reason=reason, rule=rule, policy_id=policy_id, policy_version=policy_version,
                      payload=payload, prev_hash=prev_hash, canonical=canonical, hash=hash,
                      hash_algorithm=hash_algorithm)
    return e


def canonical_text(body: Mapping[str, Any]) -> str:
    """Sorted keys, no spaces, Chinese kept as characters: one text for one event."""
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def hasher(algorithm: str) -> Callable[[bytes], str]:
    """The hex digest of bytes under one of HASH_ALGORITHMS; ValueError for any other name."""
    if algorithm == "sha256":
        return _sha256
    if algorithm == "sm3":
        return _sm3
    raise ValueError(f"unknown hash algorithm {algorithm!r}: one of {', '.join(HASH_ALGORITHMS)}")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sm3(data: bytes) -> str:
    # OpenSSL's SM3 through hashlib (GB/T 32905-2016); hashlib has no constructor of its own for it
    return hashlib.new("sm3", data).hexdigest()


def digest(canonical: str, algorithm: str = DEFAULT_ALGORITHM) -> str:
    return hasher(algorithm)(canonical.encode("utf-8"))


def seal(event: Event) -> Event:
    """Fixes the event's canonical text and hash (under the event's algorithm); done once, when it is recorded."""
    text = canonical_text(event.body())
    return Event(**{**event.__dict__, "canonical": text, "hash": digest(text, event.hash_algorithm)})


@dataclass(frozen=True)
class Draft:
    """An event an act has decided on, before it gets its place in the chain."""

    act: str
    on: date
    actor: str
    reason: str
    rule: str
    payload: Mapping[str, Any] = field(default_factory=dict)
