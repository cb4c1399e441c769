"""What an auditor checks in one case's history, without trusting the database or its rows.

Pure functions over events: the hash chain over the stored canonical text, the sequence, the
legality of every transition under the policy version each event recorded (by replaying it
through the machine), the rule each act may cite, four eyes, and the replay against the
stored case. Who held which role is the services' knowledge and is checked there.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from statemachines import catalogue
from statemachines.case import Case
from statemachines.errors import DomainError
from statemachines.events import GENESIS_HASH, SYSTEM_ACTOR, Event, hasher
from statemachines.fold import apply_event
from statemachines.policy import Policy
from statemachines.replay import PolicyLookup, amended, apply_correction, corrections_in, malformed

# the rules an act may cite, as declared with it (an act citing another was not recorded by this system)
ACT_RULES: dict[str, set[str]] = {a.name: set(a.rules) for a in catalogue.ACTS}


NOT_SHA256 = "hash is not the sha256 of the stored canonical text"


@dataclass(frozen=True)
class Violation:
    case_id: str
    seq: int | None
    rule: str
    check: str  # chain | sequence | transition | rule | four-eyes | role | grant | replay
    message: str


def check_chain(case_id: str, events: Iterable[Event]) -> list[Violation]:
    """Each event's hash is the digest of its stored canonical text under the algorithm it records
    (the case's first event's: one chain, one algorithm), chained to the one before."""
    out: list[Violation] = []
    sha256 = hashlib.sha256
    previous_hash, expected_seq, algorithm = GENESIS_HASH, 1, None
    for e in events:
        if e.seq != expected_seq:
            out.append(Violation(case_id, e.seq, "R17", "sequence",
                                 f"expected seq {expected_seq}, found {e.seq}"))
            expected_seq = e.seq
        if e.prev_hash != previous_hash:
            out.append(Violation(case_id, e.seq, "R17", "chain",
                                 "prev_hash does not match the hash of the event before"))
        algorithm = algorithm or e.hash_algorithm
        if e.hash_algorithm == "sha256" == algorithm:  # the usual case, without a call (bench b5)
            if sha256(e.canonical.encode("utf-8")).hexdigest() != e.hash:
                out.append(Violation(case_id, e.seq, "R17", "chain", NOT_SHA256))
        elif problem := _hash_problem(e.canonical, e.hash, e.hash_algorithm, algorithm):
            out.append(Violation(case_id, e.seq, "R17", "chain", problem))
        mismatch = _canonical_mismatch(e)
        if mismatch:
            out.append(Violation(case_id, e.seq, "R17", "chain",
                                 f"stored columns differ from what was hashed: {mismatch}"))
        previous_hash, expected_seq = e.hash, expected_seq + 1
    return out


def _hash_problem(canonical: str, hash_: str, algorithm: str, chain_algorithm: str) -> str:
    """What is wrong with one stored hash, or "" when it is the digest of the text."""
    try:
        computed = hasher(algorithm)(canonical.encode("utf-8"))
    except ValueError:
        return f"hashed with an unknown algorithm {algorithm!r}"
    if algorithm != chain_algorithm:
        return f"hashed with {algorithm}, the case's chain with {chain_algorithm}"
    if computed != hash_:
        return f"hash is not the {algorithm} of the stored canonical text"
    return ""


def check_links(case_id: str, links: Iterable[tuple[int, str, str, str, str]]) -> tuple[int, list[Violation]]:
    """The chain alone, over one case's (seq, prev_hash, canonical, hash, hash_algorithm): each hash
    the digest of the stored text, linked to the one before, seqs without gaps. The same findings as
    check_chain less its comparison of the stored columns with the hashed text, which parses every
    event's JSON and costs more than the hashing (bench b5). Returns the number of events and the violations."""
    for _, n, out in check_chains((case_id, *link) for link in links):
        return n, out
    return 0, []


def check_chains(rows: Iterable[tuple[str, int | None, str, str, str, str]]
                 ) -> Iterator[tuple[str, int, list[Violation]]]:
    """check_links over many cases' rows (case_id, seq, prev_hash, canonical, hash, hash_algorithm),
    grouped by case in order (a row with seq None: a case without events); yields (case_id, events,
    violations). One loop without a call per event but the hash: this is the whole cost of
    `verify --all --chain-only`."""
    sha256 = hashlib.sha256
    case_id: str | None = None
    out: list[Violation] = []
    previous_hash, expected_seq, n, chain_algorithm = GENESIS_HASH, 1, 0, ""
    for cid, seq, prev_hash, canonical, hash_, algorithm in rows:
        if cid != case_id:
            if case_id is not None:
                yield case_id, n, out
            case_id, out, previous_hash, expected_seq, n, chain_algorithm = cid, [], GENESIS_HASH, 1, 0, algorithm
        if seq is None:  # the one row of a case without events
            continue
        n += 1
        if seq != expected_seq:
            out.append(Violation(cid, seq, "R17", "sequence", f"expected seq {expected_seq}, found {seq}"))
            expected_seq = seq
        if prev_hash != previous_hash:
            out.append(Violation(cid, seq, "R17", "chain", "prev_hash does not match the hash of the event before"))
        if algorithm == "sha256" == chain_algorithm:  # the usual case, without a call
            if sha256(canonical.encode("utf-8")).hexdigest() != hash_:
                out.append(Violation(cid, seq, "R17", "chain", NOT_SHA256))
        elif problem := _hash_problem(canonical, hash_, algorithm, chain_algorithm):
            out.append(Violation(cid, seq, "R17", "chain", problem))
        previous_hash, expected_seq = hash_, expected_seq + 1
    if case_id is not None:
        yield case_id, n, out


def _canonical_mismatch(e: Event) -> str:
    try:
        hashed = json.loads(e.canonical)
    except ValueError:
        return "canonical text is not JSON"
    if _agrees(e, hashed):
        return ""
    stored = e.body()
    differing = sorted(k for k in set(hashed) | set(stored) if k != "recorded_at" and hashed.get(k) != stored.get(k))
    if datetime.fromisoformat(hashed.get("recorded_at", "1970-01-01T00:00:00+00:00")) != e.recorded_at:
        differing.append("recorded_at")
    return ", ".join(differing)


def _agrees(e: Event, hashed: Any) -> bool:
    """True only if every stored column equals what was hashed, compared field by field without
    building the event's body (half the cost of the whole check per event, bench b5). Anything
    else, a malformed text included, goes to the full comparison that names what differs."""
    try:
        return (len(hashed) == 11 and hashed["seq"] == e.seq and hashed["act"] == e.act
                and hashed["case_id"] == e.case_id and hashed["actor"] == e.actor and hashed["rule"] == e.rule
                and hashed["prev_hash"] == e.prev_hash and hashed["reason"] == e.reason
                and hashed["on"] == e.on.isoformat()
                and hashed["policy"] == {"id": e.policy_id, "version": e.policy_version}
                and type(e.payload) is dict and hashed["payload"] == e.payload
                and datetime.fromisoformat(hashed["recorded_at"]) == e.recorded_at)
    except (KeyError, TypeError, ValueError, AttributeError):
        return False


def check_history(case_id: str, events: list[Event], policy_of: PolicyLookup, *,
                  each: Callable[[int, Case], None] | None = None) -> tuple[Case | None, list[Violation]]:
    """Every transition legal under its recorded policy, rules cited as the acts may, four eyes.
    `each(i, case)`: after the i-th event, the case folded so far (the same object, changed in place),
    for what else is read from this fold (statemachines.figures.DayCollector: one fold, not two)."""
    out: list[Violation] = []
    corrections = corrections_in(events)
    by_seq = {e.seq: e for e in events} if corrections else {}
    case: Case | None = None
    inspectors: set[str] = set()
    suspender: str | None = None
    verifier: str | None = None  # who verified the latest valid complaint
    automatic = False  # whether the suspension in force was the system's
    policy: Policy | None = None
    key = None
    for i, e in enumerate(events):
        if e.rule not in ACT_RULES.get(e.act, ()):
            out.append(Violation(case_id, e.seq, e.rule, "rule", f"'{e.act}' cannot cite {e.rule}"))
        if e.act == "correct":  # one that cannot be applied is named by statemachines.corrections.check
            if case is not None:
                corrected = None if malformed(e.payload, e.seq) else by_seq.get(e.payload["corrects"])
                apply_correction(case, e, corrected)
                if corrected is not None and corrected.act == "inspect":
                    inspectors.add(e.actor)  # R5: who corrects the inspection took part in it
                if each is not None:
                    each(i, case)
            continue
        event = amended(e, corrections) if corrections else e
        if e.act in ("approve", "decide_objection") and (e.actor in inspectors):  # R22 keeps R5's four eyes
            out.append(Violation(case_id, e.seq, "R5", "four-eyes",
                                 f"{e.actor} {'approved' if e.act == 'approve' else 'decided an objection'} "
                                 "after taking part in the inspection"))
        if e.act == "revoke" and suspender not in (None, SYSTEM_ACTOR) and e.actor == suspender:
            how = "verifying the complaint that suspended it" if automatic else "suspending the case"
            out.append(Violation(case_id, e.seq, "R13", "four-eyes", f"{e.actor} revoked after {how}"))
        try:
            if policy is None or key != (e.policy_id, e.policy_version):  # one lookup per run of a version
                key = (e.policy_id, e.policy_version)
                policy = policy_of(*key)
            case = apply_event(case, event, policy)
        except (DomainError, AssertionError, KeyError, ValueError, TypeError) as exc:
            out.append(Violation(case_id, e.seq, e.rule, "transition", f"'{e.act}' cannot be replayed: {exc}"))
            return None, out
        if e.act == "inspect":
            inspectors = {e.actor, *event.payload.get("inspectors", [])}
        elif e.act == "verify_complaint" and event.payload.get("valid"):
            verifier = e.actor
        elif e.act == "suspend":
            # R13: an automatic suspension's suspender is who verified the complaint that crossed
            # the threshold, named in its payload, or (recorded before it was) the verification before it
            automatic = e.actor == SYSTEM_ACTOR
            suspender = event.payload.get("brought_about_by") or (
                verifier if automatic and event.payload.get("ground") == "complaints" else e.actor)
        elif e.act in ("reinstate", "revoke"):
            suspender = None
        if each is not None:
            each(i, case)
    return case, out


def compare(case_id: str, replayed: Case | None, stored: Case | None) -> list[Violation]:
    if replayed is None or stored is None:
        return [] if replayed is stored else [Violation(case_id, None, "R17", "replay", "no history to replay")]
    if replayed == stored:  # the dataclass's own comparison, field by field in one go: the usual answer
        return []
    return [
        Violation(case_id, None, "R17", "replay",
                  f"{f.name}: stored {getattr(stored, f.name)!r}, replay gives {getattr(replayed, f.name)!r}")
        for f in fields(Case) if getattr(stored, f.name) != getattr(replayed, f.name)
    ]
