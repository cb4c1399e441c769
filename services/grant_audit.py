"""Verifying the grant ledger from its stored bytes, as the case histories are verified.

Each act's hash must be the digest of its stored canonical text and name the hash of the act
before it, the seqs run without a gap, the stored columns say what was hashed, the grantee's
account still bears the name hashed, and an act is recorded no earlier than the one before it
and not after now. Then every act is checked again as the service checked it when recorded
(services.duties), over the ledger as it stood: a security administrator whose verified grant
covered the jurisdiction, never their own grant, no account given two administrators' roles, a
revocation of a grant held. An act with any finding is *tainted*: it gives nobody authority here,
and the case verification (services.audit) reports every act that only a tainted grant authorised.

So an inserted row (its hash, its link or its seq), a back-dated one (before the act it follows),
an edited one (columns against the hashed text, or the hash) and a deleted one (a gap in the seqs,
a broken link) are each found. What the chain alone cannot show, a row sealed and appended at the
end but dated earlier than it was written, or the last rows removed, the daily anchors show: each
holds the ledger's head at the end of its day (services.anchors), so an act dated on an anchored
day must lie within that head, and the anchored head must still be there, unchanged.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services import duties
from services.anchors import day_bounds
from services.grant_ledger import CONSOLE, GENESIS, GRANT, MIGRATION, REVOKE, body, grants_of
from services.ports import UnitOfWork
from services.runtime import Runtime
from services.values import ADMIN_ROLES, ROLES, Anchor, GrantAct, User
from statemachines.errors import DomainError
from statemachines.events import DEFAULT_ALGORITHM, digest
from statemachines.jurisdiction import covers


@dataclass(frozen=True)
class GrantViolation:
    seq: int
    check: str  # chain | sequence | columns | user | time | authority | separation | anchor
    message: str
    jurisdiction: str = ""  # of the act as stored, so a reader sees the findings of their jurisdictions


@dataclass
class LedgerReport:
    acts: int
    violations: list[GrantViolation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def tainted(self) -> frozenset[int]:
        """The seqs of the acts with a finding: no grant of theirs authorises anything."""
        return frozenset(v.seq for v in self.violations)

    def within(self, scopes: Sequence[str]) -> LedgerReport:
        return LedgerReport(self.acts, [v for v in self.violations
                                        if any(covers(s, v.jurisdiction) for s in scopes)])


def verify_grants(rt: Runtime, user: User | None = None) -> LedgerReport:
    """The whole ledger; for an audit administrator (`user`), the findings of its jurisdictions."""
    if user is not None:
        duties.require_role_anywhere(user, duties.AUDITADMIN, "verifying the grant ledger", "核验授权账本")
    with rt.reads() as uow:
        report = ledger_report(uow, rt.clock())
    return report if user is None else report.within(user.scopes((duties.AUDITADMIN,)))


def ledger_acts(rt: Runtime, user: User) -> list[GrantAct]:
    """The acts of the ledger an audit administrator reads: those over its jurisdictions."""
    duties.require_role_anywhere(user, duties.AUDITADMIN, "reading the grant ledger", "查看授权账本")
    scopes = user.scopes((duties.AUDITADMIN,))
    with rt.reads() as uow:
        return [a for a in uow.users.grant_ledger() if any(covers(s, a.jurisdiction) for s in scopes)]


def ledger_report(uow: UnitOfWork, now: datetime) -> LedgerReport:
    acts = uow.users.grant_ledger()
    report = check_ledger(acts, now, uow.deployment.hash_algorithm())
    report.violations += check_anchored(acts, uow.anchors.all(None))
    return report


def check_anchored(acts: Sequence[GrantAct], anchors: Sequence[Anchor]) -> list[GrantViolation]:
    """The ledger against the heads the daily anchors hold (anchors written before the ledger had
    none, and hold nothing of it); each act written after an anchor that should hold it is named
    once, at the first such anchor."""
    by_seq = {a.seq: a for a in acts}
    out: list[GrantViolation] = []
    named: set[int] = set()
    for anchor in anchors:
        head = (_parsed(anchor.canonical) or {}).get("grants")
        if not isinstance(head, dict) or not isinstance(head.get("seq"), int):
            continue
        seq = head["seq"]
        held = by_seq.get(seq)
        if seq > 0 and (held is None or held.hash != head.get("hash")):
            out.append(GrantViolation(seq, "anchor", f"the act the anchor of {anchor.day} holds as the ledger's head "
                                      + ("is gone" if held is None else "was changed"),
                                      held.jurisdiction if held else ""))
        end = day_bounds(anchor.day)[1]
        for a in acts:
            if a.seq > seq and a.recorded_at < end and a.seq not in named:
                named.add(a.seq)
                out.append(GrantViolation(a.seq, "anchor", f"dated {a.recorded_at.isoformat()}, before the end of "
                                          f"{anchor.day}, whose anchor holds the ledger only up to seq {seq}: "
                                          "written afterwards, back-dated", a.jurisdiction))
    return out


def check_ledger(acts: Sequence[GrantAct], now: datetime, algorithm: str = DEFAULT_ALGORITHM) -> LedgerReport:
    report = LedgerReport(len(acts))
    counted: dict[str, list[GrantAct]] = {}  # each user's acts that verified (revocations: all of them)
    ids: dict[str, str] = {}  # username → user id, as the ledger has named the grantees so far
    previous: GrantAct | None = None
    expected, carried_over = 1, True
    for a in acts:
        found = _stored(a, previous, expected, now, algorithm)
        holder = User(a.user_id, a.username, "", grants_of(counted.get(a.user_id, ())))
        found += _allowed(a, holder, counted, ids, carried_over)
        report.violations += [GrantViolation(a.seq, check, message, a.jurisdiction) for check, message in found]
        if not found or a.act == REVOKE:  # a doubtful revocation still ends: authority is never widened
            counted.setdefault(a.user_id, []).append(a)
        ids.setdefault(a.username, a.user_id)
        carried_over = carried_over and a.actor == MIGRATION
        previous, expected = a, a.seq + 1
    return report


def _stored(a: GrantAct, previous: GrantAct | None, expected: int, now: datetime,
            algorithm: str) -> list[tuple[str, str]]:
    """What the stored row says against its hash, its place in the chain and the clock."""
    found = []
    if a.seq != expected:
        found.append(("sequence", f"expected seq {expected}, found {a.seq}"
                                  + (" (an act before it is missing)" if a.seq > expected else "")))
    if a.prev_hash != (previous.hash if previous else GENESIS):
        found.append(("chain", "prev_hash does not match the hash of the act before"))
    if digest(a.canonical, algorithm) != a.hash:
        found.append(("chain", f"hash is not the {algorithm} digest of the stored canonical text"))
    hashed = _parsed(a.canonical)
    if hashed is None:
        found.append(("columns", "the canonical text is not JSON"))
    else:
        stored = body(a)
        differing = [k for k in stored if k not in ("username", "recorded_at") and hashed.get(k) != stored[k]]
        if _moment(hashed.get("recorded_at")) != a.recorded_at:
            differing.append("recorded_at")
        if differing:
            found.append(("columns", f"stored columns differ from what was hashed: {', '.join(sorted(differing))}"))
        if hashed.get("username") != a.username:
            found.append(("user", f"granted to {hashed.get('username')!r} as hashed; that account is now "
                                  f"named {a.username or 'nothing (it is gone)'!r}"))
    if previous is not None and a.recorded_at < previous.recorded_at:
        found.append(("time", f"recorded at {a.recorded_at.isoformat()}, before the act it follows "
                              f"(seq {previous.seq}, {previous.recorded_at.isoformat()}): back-dated"))
    if a.recorded_at > now:
        found.append(("time", f"recorded at {a.recorded_at.isoformat()}, after now"))
    return found


def _allowed(a: GrantAct, holder: User, counted: dict[str, list[GrantAct]], ids: dict[str, str],
             carried_over: bool) -> list[tuple[str, str]]:
    """The act checked as the service checks it, against the ledger as it stood before it."""
    if a.act not in (GRANT, REVOKE) or a.role not in ROLES:
        return [("authority", f"{a.act!r} of {a.role!r} is no act of the ledger")]
    found = []
    if a.actor == MIGRATION:
        if not carried_over:
            found.append(("authority", f"{MIGRATION} records only the grants carried over, before any other act"))
    elif a.actor != CONSOLE:
        actor_id = ids.get(a.actor)
        actor = User(actor_id or "", a.actor, "", grants_of(counted.get(actor_id, ())) if actor_id else ())
        try:
            duties.require_may_change_grant(actor, holder, a.role, a.jurisdiction, a.act)
        except DomainError as exc:
            found.append(("authority", f"recorded by {a.actor}: {exc}"))
    if a.act == GRANT and a.role in ADMIN_ROLES:
        try:
            duties.require_separate(holder, a.role)
        except DomainError as exc:
            found.append(("separation", str(exc)))
    if a.act == REVOKE and not any(g.revoked_at is None and (g.role, g.jurisdiction) == (a.role, a.jurisdiction)
                                   for g in holder.grants):
        found.append(("authority", f"revokes {a.role}@{a.jurisdiction}, which {a.username} did not hold"))
    return found


def _parsed(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _moment(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
