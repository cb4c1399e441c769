"""Auditing: replay a case, see it as of a date, verify its whole record, correct it by event.

Verification trusts nothing stored but the events' canonical text: the chain is recomputed
from those bytes, the state is replayed through the machine under each event's recorded
policy, and the actors' roles are checked against the dated grants at the moment each act
was recorded, counting only grants whose act verifies in the grant ledger (services.grant_audit).
`verify_all` reads the cases a batch at a time (a few statements per batch, not per case) and
yields them case by case, so memory stays flat in the number of events; `services.audit_workers`
spreads the same walk over processes.
"""
from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from services import authz, grant_audit, projections
from services.ports import ChainLinks, UnitOfWork
from services.queries import case_ids
from services.runtime import Runtime
from services.users import Grant, User, inspecting_users
from services.values import StoredProjections
from statemachines import audit, corrections, figures, replay
from statemachines.case import Case
from statemachines.errors import DomainError, FutureDate, InvalidAct, StaleVersion
from statemachines.events import SYSTEM_ACTOR, Event, seal
from statemachines.jurisdiction import covers
from statemachines.timers import timers_for

Violation = audit.Violation


@dataclass
class CaseReport:
    case_id: str
    events: int
    violations: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class Tally:
    """What a verification of many cases found: what `audit verify --all` counts, and every violation
    in case order; tallies of disjoint shards add up to the tally of the whole (flows.verification)."""
    cases: int = 0
    events: int = 0
    bad_cases: int = 0
    violations: tuple[Violation, ...] = ()

    @classmethod
    def of(cls, reports: Iterable[CaseReport]) -> Tally:
        cases = events = bad = 0
        found: list[Violation] = []
        for report in reports:
            cases, events, bad = cases + 1, events + report.events, bad + (not report.ok)
            found += report.violations
        return cls(cases, events, bad, tuple(found))

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.cases + other.cases, self.events + other.events, self.bad_cases + other.bad_cases,
                     self.violations + other.violations)


def verify_counters(rt: Runtime) -> list[Violation]:
    """The dashboard's counters (db/counts.py) held to the rows they count, whose every case `verify_all`
    holds to the replay: so a counter equal to its rows is equal to the replay (issue 16)."""
    with rt.reads() as uow:
        drift = uow.figures.counter_drift()
    return [Violation("", None, "", "counter", f"{table} {'/'.join(map(str, key))}: 存储 {stored}，"
                      f"按投影行计数 {counted}（stored {stored}, counted {counted}）")
            for table, key, counted, stored in drift]


def verify_case(rt: Runtime, case_id: str, user: User | None = None, *, chain_only: bool = False) -> CaseReport:
    with rt.reads() as uow:
        stored = uow.cases.get(case_id)
        if user is not None:
            authz.require_read(user, case_id, stored.jurisdiction)
        events = uow.cases.events(case_id)
        if chain_only:
            return _chain_report(case_id, events)
        scope = Scope(uow.deployment.hash_algorithm(), grant_audit.ledger_report(uow, rt.clock()).tainted)
        return _verify(uow, rt, case_id, stored, events, scope)


def verify_all(rt: Runtime, *, page: int = 200, progress: Callable[[int, int], None] | None = None,
               chain_only: bool = False, links: ChainLinks | None = None) -> Iterator[CaseReport]:
    """Every case, one at a time, in id order; `progress(cases_done, events_done)` after each.

    `chain_only`: only the hash chain and the sequence over the stored canonical text, the record
    as it was written, at close to the speed of hashing it; the full check (the default) also
    compares the stored columns with the hashed text, replays every transition under its policy,
    and checks rules, roles, four eyes and the snapshot, which costs ~10× the hashing (bench b5).
    `links` streams every case's chain in one pass; without it each case is read on its own.
    `audit verify --all --workers N` gives the same reports from N processes (services.audit_workers)."""
    if chain_only and links is not None:
        reports = _stream_chains(links())
    else:
        reports = _verify_ids(rt, case_ids(rt, page=page), scope_of(rt, chain_only=chain_only))
    cases_done = events_done = 0
    for report in reports:
        cases_done, events_done = cases_done + 1, events_done + report.events
        if progress:
            progress(cases_done, events_done)
        yield report


@dataclass
class Scope:
    """What every case's verification shares: read once per run (or per worker), not once per case."""
    algorithm: str
    tainted: frozenset[int]  # the grant ledger's acts that do not verify (services.grant_audit)
    chain_only: bool = False
    users: dict[str, User | None] = field(default_factory=dict)  # the actors met so far
    # (actor, jurisdiction) -> the actor's grants covering it: a province's cases share a few of each
    covering: dict[tuple[str, str], list[Grant]] = field(default_factory=dict)


def scope_of(rt: Runtime, *, chain_only: bool = False) -> Scope:
    with rt.reads() as uow:
        algorithm = uow.deployment.hash_algorithm()
        tainted = frozenset() if chain_only else grant_audit.ledger_report(uow, rt.clock()).tainted
    return Scope(algorithm, tainted, chain_only)


def case_ranges(rt: Runtime, size: int) -> Iterator[tuple[str, str]]:
    """The cases in key ranges of `size` cases each, (after, through] in id order, walked by keyset: the
    disjoint shards that workers verify."""
    after = ""
    while True:
        with rt.reads() as uow:
            ids = uow.cases.ids_after(after, size)
        if not ids:
            return
        yield after, ids[-1]
        if len(ids) < size:
            return
        after = ids[-1]


def verify_range(rt: Runtime, after: str, through: str, scope: Scope,
                 links: ChainLinks | None = None) -> list[CaseReport]:
    """The reports of the cases with `after` < id <= `through`, in id order, as verify_all gives them."""
    if scope.chain_only and links is not None:
        return list(_stream_chains(links(after=after, through=through)))
    return list(_verify_ids(rt, _ids_through(rt, after, through), scope))


def _ids_through(rt: Runtime, after: str, through: str, page: int = 500) -> Iterator[str]:
    while True:
        with rt.reads() as uow:
            ids = uow.cases.ids_after(after, page)
        for case_id in ids:
            if case_id > through:
                return
            yield case_id
        if len(ids) < page:
            return
        after = ids[-1]


# the cases verify_all reads in one unit of work, and the events it holds in memory at once: per case
# a transaction, a snapshot read and an events read cost more than verifying five events (issue 16);
# a few thousand events keep memory flat however long a case's history (bench b5)
BATCH_CASES, BATCH_EVENTS = 200, 5000


def _verify_ids(rt: Runtime, ids: Iterator[str], scope: Scope) -> Iterator[CaseReport]:
    while batch := list(itertools.islice(ids, BATCH_CASES)):
        with rt.reads() as uow:
            reports = [report for group in _by_events(batch, uow.cases.versions(batch))
                       for report in _verify_group(uow, rt, group, scope)]
        # the batch's rows were read by several statements: a case found wrong is read again, whole, in
        # a unit of work of its own, so an act recorded meanwhile is not a finding
        yield from (report if report.ok else _verify_alone(rt, report.case_id, scope) for report in reports)


def _by_events(batch: list[str], versions: dict[str, int]) -> Iterator[list[str]]:
    """The batch in groups of at most BATCH_EVENTS events (a longer case alone)."""
    group: list[str] = []
    events = 0
    for case_id in batch:
        if case_id not in versions:  # gone since its id was read: cases are never deleted, so never here
            continue
        if group and events + versions[case_id] > BATCH_EVENTS:
            yield group
            group, events = [], 0
        group.append(case_id)
        events += versions[case_id]
    if group:
        yield group


def _verify_group(uow: UnitOfWork, rt: Runtime, group: list[str], scope: Scope) -> list[CaseReport]:
    events = uow.cases.events_of(group)
    if scope.chain_only:
        return [_chain_report(case_id, events.get(case_id, [])) for case_id in group]
    stored = uow.cases.snapshots(group)
    read = uow.projections.of_cases(group)
    return [_verify(uow, rt, case_id, stored[case_id], events.get(case_id, []), scope, read[case_id])
            for case_id in group]


def _verify_alone(rt: Runtime, case_id: str, scope: Scope) -> CaseReport:
    with rt.reads() as uow:
        events = uow.cases.events(case_id)
        if scope.chain_only:
            return _chain_report(case_id, events)
        return _verify(uow, rt, case_id, uow.cases.get(case_id), events, scope)


def _chain_report(case_id: str, events: list[Event]) -> CaseReport:
    n, violations = audit.check_links(case_id, ((e.seq, e.prev_hash, e.canonical, e.hash, e.hash_algorithm)
                                                for e in events))
    return CaseReport(case_id, n, violations)


def _stream_chains(links: Iterator[tuple[str, int | None, str, str, str, str]]) -> Iterator[CaseReport]:
    for case_id, n, violations in audit.check_chains(links):
        yield CaseReport(case_id, n, violations)


def _verify(uow: UnitOfWork, rt: Runtime, case_id: str, stored: Case | Mapping[str, Any], events: list[Event],
            scope: Scope, read: StoredProjections | None = None) -> CaseReport:
    """`stored`: the stored case, or its snapshot's JSON (the batch's), decoded only when it is not the
    replay's own encoding: decoding every snapshot cost a tenth of verifying a short case (issue 16)."""
    report = CaseReport(case_id, len(events))
    report.violations += audit.check_chain(case_id, events)
    algorithm = scope.algorithm
    if events and events[0].hash_algorithm != algorithm:
        report.violations.append(Violation(case_id, 1, "R17", "chain",
                                           f"the case's chain is hashed with {events[0].hash_algorithm}; "
                                           f"this deployment chose {algorithm} when its database was created"))
    days = figures.DayCollector(events)  # issue 16: the figures' day rows, read from this same fold
    try:
        replayed, problems = audit.check_history(case_id, events, rt.policies.get,
                                                 each=days if days.ordered else None)
    except DomainError as exc:  # an unknown policy version, say
        replayed, problems = None, [Violation(case_id, None, "R17", "transition", str(exc))]
    report.violations += problems
    if any(e.act == "correct" for e in events):  # the corrected history decided again (R17)
        report.violations += corrections.check(case_id, events, rt.policies.get, rt.calendar)
    if isinstance(stored, Mapping):
        # the replay encoded as a snapshot is the stored one: then decoding it gives the replay back
        # (the codec's round trip, tests/unit/test_snapshot_codec.py); any other goes to the comparison
        stored = replayed if replayed is not None and replayed.encodes_as(stored) else Case.from_dict(dict(stored))
    if replayed is not None:
        report.violations += audit.compare(case_id, replayed, stored)
        report.violations += _projections(uow, rt, case_id, replayed, events, read, days)
    report.violations += _roles(uow, case_id, stored.jurisdiction, events, scope)
    return report


def _projections(uow: UnitOfWork, rt: Runtime, case_id: str, replayed: Case, events: list[Event],
                 read: StoredProjections | None, days: figures.DayCollector | None = None) -> list[Violation]:
    """The case's derived rows (its columns, ban, complaints, instalments, clawback, timers) against the
    replay; rows `read` earlier are read again, in this unit of work, before anything is reported."""
    try:
        owed = timers_for(replayed, rt.policies.get(replayed.policy_id, replayed.policy_version), rt.calendar)
    except DomainError as exc:  # a date the calendar cannot give
        return [Violation(case_id, None, "R16", "projection", f"the timers the case owes cannot be derived: {exc}")]
    fired = projections.fired_timers(events)
    derived = projections.figure_rows(events, replayed.jurisdiction, rt.policies.get, days)  # issue 16
    if read is not None and not projections.check(case_id, replayed, read, owed, fired, derived):
        return []
    return projections.check(case_id, replayed, uow.projections.of_cases([case_id])[case_id], owed, fired, derived)


def _roles(uow: UnitOfWork, case_id: str, jurisdiction: str, events: list[Event], scope: Scope) -> list[Violation]:
    """Each person's act needed a role they held, for this jurisdiction, when it was recorded,
    by a grant whose act in the ledger verifies (`tainted`: the seqs of those that do not)."""
    out = []
    users, covering, tainted = scope.users, scope.covering, scope.tainted
    for e in events:
        if e.actor == SYSTEM_ACTOR:
            continue
        needed = _needed(e.act, bool(e.act == "apply" and e.payload.get("window_exception")))
        # an actor's grants for this jurisdiction, filtered once per run rather than once per event
        grants = covering.get((e.actor, jurisdiction))
        if grants is None:
            if e.actor not in users:
                users[e.actor] = uow.users.by_username(e.actor)
            user = users[e.actor]
            grants = covering[(e.actor, jurisdiction)] = [] if user is None else [
                g for g in user.grants if covers(g.jurisdiction, jurisdiction)]
        when = e.recorded_at
        authorising = [g for g in grants if g.role in needed and g.active_at(when)]
        if authorising and not all(g.seq in tainted for g in authorising):
            continue
        if authorising:
            forged = ", ".join(f"seq {g.seq} ({g.role}@{g.jurisdiction})" for g in authorising)
            out.append(Violation(case_id, e.seq, e.rule, "grant",
                                 f"'{e.act}' by {e.actor} rests only on grant {forged}, which does not verify "
                                 "in the grant ledger (incubase audit verify --grants)"))
            continue
        user = users[e.actor]
        held = {g.role for g in grants if g.active_at(when)}
        who = "is not a known user" if user is None else f"held {sorted(held) or 'no role'} for {jurisdiction}"
        out.append(Violation(case_id, e.seq, e.rule, "role",
                             f"'{e.act}' needs {' or '.join(sorted(needed))}; {e.actor} {who} at {e.recorded_at}"))
    return out


@functools.cache
def _needed(act: str, window_exception: bool) -> frozenset[str]:
    return frozenset(authz.ACT_ROLES["window_exception"] if window_exception else authz.ACT_ROLES.get(act, ()))


def state_as_of(rt: Runtime, case_id: str, *, day: date | None = None, recorded: datetime | None = None,
                user: User | None = None) -> Case | None:
    """The case from its replay: as it stood on a business date, or as the system knew it at a moment."""
    with rt.reads() as uow:
        # the stored snapshot only tells whose case it is: decoding it costs as much as a
        # third of a long replay (bench b4), so it is read only when a reader must be checked
        if user is not None:
            authz.require_read(user, case_id, uow.cases.get(case_id).jurisdiction)
        events = uow.cases.events(case_id)
        if not events:
            uow.cases.get(case_id)  # an unknown id is CaseNotFound, not an empty history
    return replay.as_of(events, rt.policies.get, day=day, recorded=recorded)


def correct(rt: Runtime, case_id: str, *, corrects: int, changes: dict[str, Any], actor: str, on: date,
            reason: str, user: User | None = None, expected_version: int | None = None) -> tuple[Case, Event]:
    """R17: a compensating event; the corrected event stays as recorded, replay applies the change.

    Validated like the act it corrects (statemachines.corrections): the act is decided again with the
    corrected date and entries, under its policy, from the case as it stood before it, and the
    correction records that whole decision; the history after it must stay legal; four eyes."""
    if not reason.strip():
        raise InvalidAct(key="correction.reason", field="reason", rule="R17")
    if on > rt.today():
        raise FutureDate(on, rt.today())
    with rt.uow() as uow:
        stored = uow.cases.get(case_id, for_update=True)
        if user is not None:
            authz.require_read(user, case_id, stored.jurisdiction)
            authz.require_act(user, "correct", stored.jurisdiction)
        if expected_version is not None and expected_version != stored.version:
            raise StaleVersion(case_id, expected_version, stored.version)
        events = uow.cases.events(case_id)
        target = next((e for e in events if e.seq == corrects and e.act != "correct"), None)
        if target is None:
            raise InvalidAct(key="correction.not-an-act", field="corrects", rule="R17", corrects=corrects)
        asked = corrections.requested(target, changes)
        known = replay.corrections_in(events)
        refused = corrections.four_eyes(events, target, actor.strip(), known)
        if refused is not None:
            raise refused
        recorded = _decided(rt, events, target, asked, known)
        current = replay.amended(target, known)
        if on < current.on:
            raise corrections.CorrectionRefused(f"a correction is dated on or after the act it corrects "
                                                f"({current.on}); {on} is before it", field="on")
        policy = rt.policies.get(stored.policy_id, stored.policy_version)
        event = seal(Event(case_id=case_id, seq=stored.version + 1, act="correct", on=on, recorded_at=rt.clock(),
                           actor=actor.strip(), reason=reason, rule="R17", policy_id=policy.id,
                           policy_version=policy.version, payload={"corrects": corrects, "changes": recorded},
                           prev_hash=stored.head_hash, hash_algorithm=stored.hash_algorithm))
        try:
            case = replay.replay([*events, event], rt.policies.get)
        except (DomainError, AssertionError, KeyError, ValueError, TypeError) as exc:
            raise corrections.CorrectionRefused(f"the correction would make the history inconsistent: {exc}") from None
        introduced = [v for v in corrections.check(case_id, [*events, event], rt.policies.get, rt.calendar)
                      if v not in corrections.check(case_id, events, rt.policies.get, rt.calendar)]
        if introduced:
            first = introduced[0]
            raise corrections.CorrectionRefused(
                f"the history after the correction would not be legal: seq {first.seq} ({first.rule}): {first.message}")
        assert case is not None
        uow.cases.save(case, stored.version, [event], timers_for(case, policy, rt.calendar),
                       policy_of=rt.policies.get)
        uow.commit()
    return case, event


def _decided(rt: Runtime, events: list[Event], target: Event, asked: corrections.Requested,
             known: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The changes the correction records: the act decided again with what is asked (see correct)."""
    current = replay.amended(target, known)
    if target.act == "apply" or target.actor == SYSTEM_ACTOR:  # a new reason only (corrections.requested)
        if asked.reason is None or asked.reason == current.reason:
            raise corrections.CorrectionRefused("the correction changes nothing", field="changes")
        return {"reason": asked.reason}
    entries = dict(asked.entries)
    if "inspectors" in entries:  # R5: users, by username, as the inspection itself takes them
        entries["inspectors"] = inspecting_users(rt, entries["inspectors"])
    asked_event = replace(current, on=asked.on or current.on, reason=asked.reason or current.reason)
    before = replay.replay([e for e in events if e.seq < target.seq], rt.policies.get, known)
    policy = rt.policies.get(target.policy_id, target.policy_version)
    try:
        decided = corrections.decide_again(before, asked_event, policy, rt.calendar, entries)
    except DomainError as exc:
        raise corrections.refusal(exc, entries) from None
    recorded = corrections.changes_recorded(current, decided[0])
    if not recorded:
        raise corrections.CorrectionRefused("the correction changes nothing: the act would be recorded as it is")
    return recorded


def rebuild_snapshots(rt: Runtime) -> list[str]:
    """Rewrites each stored case that differs from its replay (after the case model gained a
    field, say): the events are the record, the snapshot only a cache of their fold. Cases whose
    history does not verify are left alone, to be looked at. Returns the ids rewritten."""
    rebuilt: list[str] = []
    for case_id in case_ids(rt, page=200):
        with rt.uow() as uow:
            stored = uow.cases.get(case_id, for_update=True)
            events = uow.cases.events(case_id)
            if audit.check_chain(case_id, events):
                continue
            replayed = replay.replay(events, rt.policies.get)
            if replayed is None or replayed == stored:
                continue
            policy = rt.policies.get(replayed.policy_id, replayed.policy_version)
            uow.cases.save(replayed, stored.version, [], timers_for(replayed, policy, rt.calendar),
                           policy_of=rt.policies.get)
            uow.commit()
            rebuilt.append(case_id)
    return rebuilt
