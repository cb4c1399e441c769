"""The grant ledger: every grant and revocation of a role is an act of its own, sealed into one
hash chain like a case's events, and a user's grants are the fold of their acts.

The table holding it (role_grants) refuses UPDATE and DELETE, so a grant is never edited nor
removed: a revocation is a new act. `services.grant_audit` verifies the chain.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from services.values import Grant, GrantAct
from statemachines.events import DEFAULT_ALGORITHM, GENESIS_HASH, canonical_text, digest

GRANT, REVOKE = "grant", "revoke"
# who records an act that no signed-in administrator did: an operator at the server's console
# (`incubase users …`, the demo), and migration 0011, which carried the grants made before the
# ledger into it (their granter was never recorded)
CONSOLE = "console"
MIGRATION = "migration-0011"
GENESIS = GENESIS_HASH


def body(act: GrantAct) -> dict[str, Any]:
    """What is hashed: the act, whose grant it is (id and username), by whom, when and why."""
    return {
        "seq": act.seq,
        "act": act.act,
        "user_id": act.user_id,
        "username": act.username,
        "role": act.role,
        "jurisdiction": act.jurisdiction,
        "recorded_at": act.recorded_at.astimezone(UTC).isoformat(),
        "actor": act.actor,
        "reason": act.reason,
        "prev_hash": act.prev_hash,
    }


def seal(act: GrantAct, algorithm: str = DEFAULT_ALGORITHM) -> GrantAct:
    """The act with its canonical text and hash fixed (under the deployment's algorithm: SHA-256, or
    SM3 where the database was created so); done once, when it is recorded."""
    text = canonical_text(body(act))
    return GrantAct(**{**act.__dict__, "canonical": text, "hash": digest(text, algorithm)})


def next_act(head: tuple[int, str], act: str, user_id: str, username: str, role: str, jurisdiction: str,
             now: datetime, actor: str, reason: str, algorithm: str = DEFAULT_ALGORITHM) -> GrantAct:
    """The act after the ledger's head (its seq and hash), sealed; times are kept in UTC."""
    seq, prev_hash = head
    return seal(GrantAct(seq + 1, act, user_id, username, role, jurisdiction, now.astimezone(UTC), actor,
                         reason, prev_hash), algorithm)


def grants_of(acts: Iterable[GrantAct]) -> tuple[Grant, ...]:
    """One user's grants from their acts in ledger order: a grant opens one, a revocation ends
    every grant of that role and jurisdiction still open."""
    out: list[Grant] = []
    for a in acts:
        if a.act == GRANT:
            out.append(Grant(a.role, a.jurisdiction, a.recorded_at, None, a.seq))
        elif a.act == REVOKE:
            out = [Grant(g.role, g.jurisdiction, g.granted_at, a.recorded_at, g.seq, a.seq)
                   if g.revoked_at is None and (g.role, g.jurisdiction) == (a.role, a.jurisdiction) else g
                   for g in out]
    return tuple(out)
