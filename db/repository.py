"""The case repository: the aggregate's row, its events, its timers and its projections.

Writes are Core statements (bench/README.md: the naive ORM path costs several times the CPU),
built once; the ones every act runs go to the driver's cursor (db.driver_path). The case row is
updated only where its version is still the one read, so a lost race writes nothing and raises
StaleVersion.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from db import counts, figures
from db import tables as t
from db import work_items as work
from db.case_listing import ClaimedCases
from db.driver_path import DriverStatement
from db.projections import among, among_ids
from services.case_listing import after_prefix, count_cap, id_prefix, needle, next_of, search_text, whole_credit_code
from services.ports import CaseFilter, CaseNotFound, CasePage, CaseSummary, CaseTimer, Party, PartyDetails
from services.references import reference_after
from services.work_items import WorkFilter, WorkRow, WorkScope
from statemachines.acts import BanOnRecord
from statemachines.case import Case
from statemachines.errors import OpenCaseExists, StaleVersion
from statemachines.events import Event
from statemachines.jurisdiction import prefix
from statemachines.programmes import DEFAULT_PROGRAMME
from statemachines.replay import PolicyLookup
from statemachines.timers import DEADLINE_KINDS, Timer


class SqlCaseRepository:
    def __init__(self, conn: Connection, clock, claimed: ClaimedCases | None = None) -> None:
        self.conn, self.clock = conn, clock
        self.claimed = claimed or ClaimedCases()  # shared with the timers' repository (db.uow)
        # (version, snapshot) of each case as this unit of work last read or wrote it: the
        # projection rows in the database are that snapshot's, so a save writes only the difference
        self._known: dict[str, tuple[int, dict]] = {}
        self._writing: tuple[dict, dict | None] = ({}, None)  # (new snapshot, old) for _sync_projections

    # --- reading ---

    def get(self, case_id: str, *, for_update: bool = False) -> Case:
        found = (_GET_LOCKED if for_update else _GET).rows(self.conn, {"id": case_id})
        if not found:
            raise CaseNotFound(case_id)
        snapshot = found[0][0]
        case = Case.from_dict(snapshot)
        self._known[case_id] = (case.version, snapshot)
        return case

    def many(self, case_ids: Sequence[str]) -> list[Case]:
        c = t.cases.c
        return [Case.from_dict(snapshot) for chunk in _chunks(case_ids) for snapshot in self.conn.execute(
            sa.select(c.snapshot).where(among(c.id, chunk, self.conn.dialect.name))).scalars()]

    def snapshots(self, case_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        statement = _SNAPSHOTS_PG if self.conn.dialect.name == "postgresql" else _SNAPSHOTS_SQLITE
        return {case_id: json.loads(text) for case_id, text in statement.rows(self.conn, {"ids": list(case_ids)})}

    def events(self, case_id: str) -> list[Event]:
        from db.event_reader import case_events

        return case_events(self.conn, case_id)

    def versions(self, case_ids: Sequence[str]) -> dict[str, int]:
        statement = _VERSIONS_PG if self.conn.dialect.name == "postgresql" else _VERSIONS_SQLITE
        return {case_id: version for case_id, version in statement.rows(self.conn, {"ids": list(case_ids)})}

    def events_of(self, case_ids: Sequence[str]) -> dict[str, list[Event]]:
        from db.event_reader import events_of_cases

        return {case_id: events for chunk in _chunks(case_ids)
                for case_id, events in events_of_cases(self.conn, chunk).items()}

    def summaries(self, query: CaseFilter) -> CasePage:
        """A page read as an index range of `cases` in its order, from its keyset: no join, no
        offset, and a count that stops at its cap (issue 16; services.case_listing.COUNT_CAP)."""
        matching, cap = _matching(query, self.conn.dialect.name), count_cap(query.text)
        capped = sa.select(sa.literal(1)).select_from(t.cases).where(*matching).limit(cap + 1)
        total = self.conn.execute(sa.select(sa.func.count()).select_from(capped.subquery())).scalar_one()
        name, descending = query.sort.lstrip("-"), query.sort.startswith("-")
        backward = query.before is not None
        rows: list = []
        # all the matches were counted (no more than the cap): the page is sorted from them, a bounded
        # cost; walking the order's index instead skips rows of other scopes and values until 51 match,
        # which costs seconds where the matches are few or all at one end of the order (dash16:
        # `?level=provincial` of a province walked 88,000 rows of 200,000 for 51)
        few = total <= cap
        for where, order in _segments(_SORT_COLUMNS[name], descending, query.before if backward else query.after,
                                      backward):
            if len(rows) > query.limit:
                break
            if few:
                order = _sorted_not_walked(order)
            rows += self.conn.execute(sa.select(*_SUMMARY_COLUMNS).where(*matching, *where).order_by(*order)
                                      .limit(query.limit + 1 - len(rows))).all()
        more = len(rows) > query.limit  # a row beyond the page: there is a page further in this direction
        rows = rows[:query.limit]
        if backward:
            rows.reverse()
            if not more:  # reached the start: the first page, full, as if read from the start
                return self.summaries(replace(query, before=None, after=None))
        page = [CaseSummary(**r._mapping) for r in rows]
        keys = [(_key_of(r, name), r.id) for r in rows]
        if backward:
            return CasePage(page, min(total, cap), total > cap, next_after=keys[-1] if keys else None,
                            previous_before=keys[0] if more and keys else None)
        started = query.after is not None
        return CasePage(page, min(total, cap), total > cap,
                        next_after=keys[-1] if more else None, previous_before=keys[0] if started and keys else None)

    def count(self) -> int:
        return self.conn.execute(sa.select(sa.func.count()).select_from(t.cases)).scalar_one()

    def work_page(self, scopes: Sequence[WorkScope], where: WorkFilter,
                  after: tuple[date, int, str, str, str] | None, limit: int) -> list[WorkRow]:
        return work.page(self.conn, scopes, where, after, limit)

    def work_counts(self, mine: Sequence[WorkScope], others: Sequence[WorkScope], where: WorkFilter, cap: int,
                    scan: int) -> tuple[list[tuple[str, bool, str, int, bool]], bool]:
        return work.counts(self.conn, mine, others, where, cap, scan)

    def ids_after(self, after: str, limit: int, jurisdiction: str | None = None) -> list[str]:
        """Case ids in order after `after`: keyset paging for walks over every case."""
        c = t.cases.c
        q = sa.select(c.id).where(c.id > after)
        if jurisdiction is not None:
            q = q.where(c.jurisdiction.startswith(prefix(jurisdiction)))
        return list(self.conn.execute(q.order_by(c.id).limit(limit)).scalars())

    def operator_contact(self, operator_code: str) -> str | None:
        return self.conn.execute(sa.select(t.operators.c.contact_email).where(
            t.operators.c.credit_code == operator_code)).scalar_one_or_none()

    def party_of(self, base_id: str) -> PartyDetails | None:
        o, b = t.operators.c, t.bases.c
        row = self.conn.execute(sa.select(o.name, b.address, o.contact_email)
                                .join_from(t.bases, t.operators, b.operator_id == o.id).where(b.id == base_id)).first()
        return None if row is None else PartyDetails(row.name, row.address, row.contact_email)

    def next_reference(self, jurisdiction: str, year: int) -> str:
        prefix_ = f"{jurisdiction}-{year}-"
        if self.conn.dialect.name == "postgresql":
            # two applications of one jurisdiction and year take their numbers one after the other (the
            # lock ends with the transaction); SQLite's writing transactions are one at a time already
            self.conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(prefix_))))
        ref = t.cases.c.reference
        last = self.conn.execute(sa.select(ref).where(ref.startswith(prefix_, autoescape=True))
                                 .order_by(sa.func.length(ref).desc(), ref.desc()).limit(1)).scalar_one_or_none()
        return reference_after(prefix_, last)

    def of_base(self, base_id: str, level: str, states: Sequence[str],
                programme: str = DEFAULT_PROGRAMME) -> list[str]:
        c = t.cases.c
        return list(self.conn.execute(sa.select(c.id).where(
            c.base_id == base_id, c.level == level, c.programme == programme, c.state.in_(states))
        ).scalars())

    def bans(self, operator_code: str, base_id: str | None, level: str) -> list[BanOnRecord]:
        b = t.bans.c
        # every level and jurisdiction, ended or not: whether a ban bars an application is the policy's
        # scope and the application's own date (one received during a ban and entered after it ended
        # is still refused), decided in the domain
        match = b.operator_code == operator_code if base_id is None else sa.or_(
            b.operator_code == operator_code, b.base_id == base_id)
        rows = self.conn.execute(
            sa.select(t.bans, t.cases.c.jurisdiction).join(t.cases, t.cases.c.id == b.case_id)
            .where(match)).mappings()
        return [BanOnRecord(r["case_id"], r["ground"], r["level"], r["first_day"], r["last_day"], r["jurisdiction"])
                for r in rows]

    def register_party(self, *, credit_code: str, operator_name: str, base_name: str, base_address: str,
                       jurisdiction: str, new_id: str, contact_email: str | None = None) -> Party:
        """Finds the operator by credit code and its base by name, creating what is new."""
        now = self.clock()
        # insert-if-absent, then read: two concurrent applications of a new operator both succeed
        self.conn.execute(insert_new(self.conn, t.operators).values(
            id="op" + new_id[:30], credit_code=credit_code, name=operator_name, created_at=now))
        operator_id = self.conn.execute(
            sa.select(t.operators.c.id).where(t.operators.c.credit_code == credit_code)).scalar_one()
        if contact_email:  # the newest application names the contact reminders go to
            self.conn.execute(t.operators.update().where(t.operators.c.id == operator_id)
                              .values(contact_email=contact_email))
        self.conn.execute(insert_new(self.conn, t.bases).values(
            id="ba" + new_id[:30], operator_id=operator_id, name=base_name, address=base_address,
            jurisdiction=jurisdiction, created_at=now))
        base_id = self.conn.execute(sa.select(t.bases.c.id).where(
            t.bases.c.operator_id == operator_id, t.bases.c.name == base_name)).scalar_one()
        return Party(operator_id, base_id)

    # --- writing ---

    def add(self, case: Case, events: Sequence[Event], timers: Sequence[Timer], *,
            policy_of: PolicyLookup | None = None) -> None:
        snapshot = case.to_dict()
        next_due, next_timer = next_of(timers)  # a new case's timers are all pending
        values = {"id": case.id, **self._case_values(case, snapshot), **self._listing(case, None, snapshot),
                  "next_due": next_due, "next_timer": next_timer}
        try:
            with self.conn.begin_nested():
                self.conn.execute(t.cases.insert(), values)
        except sa.exc.IntegrityError as exc:
            if "one_open_per_base" in str(exc.orig) or "cases.base_id, cases.level, cases.programme" in str(exc.orig):
                raise OpenCaseExists("(an application recorded at the same moment)", case.level) from None
            raise
        self._append(events)
        plan = self._plan_timers(case.id, timers, fresh=True)
        self._apply_timers(plan)
        work.sync(self.conn, case, plan.stored(), trust_names=False)
        self._writing = (snapshot, None)
        self._sync_projections(case, fresh=True)
        figures.write(self.conn, case, events, policy_of, fresh=True)
        counts.move_case(self.conn, None, _counted(snapshot))
        self._known[case.id] = (case.version, snapshot)

    def save(self, case: Case, expected_version: int, events: Sequence[Event], timers: Sequence[Timer], *,
             policy_of: PolicyLookup | None = None) -> None:
        snapshot = case.to_dict()
        known = self._known.pop(case.id, None)
        # only an act builds on what was read; a rewrite without events (rebuild-snapshots)
        # writes every column and projection row, so it also repairs rows that drifted
        before = known[1] if events and known is not None and known[0] == expected_version else None
        values = self._case_values(case, snapshot)
        # the dashboard's counter the case leaves (db/counts.py): as this unit of work read it, or as stored
        counted = _counted(known[1]) if known is not None and known[0] == expected_version else self._counted_now(
            case.id, expected_version)
        if before is not None:
            # an indexed column set to its own value still rewrites its index entries
            values = {k: v for k, v in values.items() if k in _ALWAYS_SET or _changed(before, snapshot, _SOURCE[k])}
        plan = self._plan_timers(case.id, timers)
        next_due, next_timer = next_of(plan.pending)
        values.update(self._listing(case, before, snapshot), next_due=next_due, next_timer=next_timer)
        done = _save(tuple(values)).run(self.conn, {"_id": case.id, "_version": expected_version, **values})
        if done != 1:
            raise StaleVersion(case.id, expected_version)
        self.claimed.cases.discard(case.id)  # its next timer is set, from the timers as now claimed
        self._append(events)
        self._apply_timers(plan)
        # a rewrite without events (rebuild-snapshots) reads the names again, so it repairs them too
        work.sync(self.conn, case, plan.stored(), trust_names=before is not None)
        self._writing = (snapshot, before)
        self._sync_projections(case)
        figures.write(self.conn, case, events, policy_of)
        counts.move_case(self.conn, counted, _counted(snapshot))
        self._known[case.id] = (case.version, snapshot)

    def _counted_now(self, case_id: str, version: int) -> counts.CaseKey | None:
        """The stored row's counter key, of that version (another version: the save fails anyway)."""
        row = _COUNTED.rows(self.conn, {"id": case_id, "version": version})
        return (row[0][0], row[0][1], row[0][2]) if row else None

    def _case_values(self, case: Case, snapshot: dict) -> dict:
        return {
            "base_id": case.base_id, "operator_code": case.operator_code, "level": case.level,
            "jurisdiction": case.jurisdiction, "programme": case.programme, "reference": case.reference,
            "state": case.state,
            "version": case.version,
            "policy_id": case.policy_id, "policy_version": case.policy_version,
            "applied_on": case.applied_on, "last_on": case.last_on,
            "period_start": case.period.start if case.period else None,
            "period_end": case.period.end if case.period else None,
            "snapshot": snapshot, "updated_at": self.clock(),
        }

    def _listing(self, case: Case, before: dict | None, snapshot: dict) -> dict:
        """The case list's names and search column (services.case_listing), where what they are made
        of changed since `before` (all of them when it is not known)."""
        if before is not None and not _changed(before, snapshot, *_LISTED):
            return {}
        operator_name = self.conn.execute(_OPERATOR_NAME, {"base_id": case.base_id}).scalar_one_or_none() or ""
        return {"base_name": case.base_name, "operator_name": operator_name,
                "search_text": search_text(case.reference, case.base_name, operator_name, case.operator_code)}

    def _append(self, events: Sequence[Event]) -> None:
        if events:
            _INSERT_EVENT.run_many(self.conn, [event_to_row(e) for e in events])

    def sync_timers(self, case_id: str, timers: Sequence[Timer]) -> None:
        """Timers only, for a change of calendar that moves dates without any act, or a timer fired
        with no act (the sweep): the case list's next timer and the queue's items follow (issue 16)."""
        plan = self._plan_timers(case_id, timers)
        self._apply_timers(plan)
        next_due, next_timer = next_of(plan.pending)
        _SET_NEXT.run(self.conn, {"_id": case_id, "next_due": next_due, "next_timer": next_timer})
        self.claimed.cases.discard(case_id)
        known = self._known.get(case_id)
        case = Case.from_dict(known[1]) if known is not None else self.get(case_id)
        work.sync(self.conn, case, plan.stored())

    def _plan_timers(self, case_id: str, wanted: Sequence[Timer], fresh: bool = False) -> _TimerPlan:
        """What reconciling the case's timers with `wanted` writes: adds what the case now owes,
        moves changed dates, drops unfired timers it no longer owes; and the timers then stored."""
        # (id, due_on, provisional, fired_at) by (kind, key)
        rows = () if fresh else _TIMERS_OF.rows(self.conn, {"case_id": case_id})
        existing = {(kind, key): rest for kind, key, *rest in rows}
        now = self.clock()
        plan = _TimerPlan()
        keep = set()
        for timer in wanted:
            keep.add(timer.ident)
            row = existing.get(timer.ident)
            if row is None or row[3] is None:  # a fired row stays fired: the case owes it no more
                plan.pending.append(timer)
            if row is None:
                plan.added.append({"case_id": case_id, "kind": timer.kind, "key": timer.key, "due_on": timer.due_on,
                                   "fires_on": timer.fires_on, "provisional": timer.provisional, "created_at": now})
            elif row[3] is None and (row[1], row[2]) != (timer.due_on, timer.provisional):
                plan.moved.append({"_id": row[0], "due_on": timer.due_on, "fires_on": timer.fires_on,
                                   "provisional": timer.provisional})
        plan.stale = [row[0] for ident, row in existing.items() if ident not in keep and row[3] is None]
        # a fired row keeps its date and stays, whether or not the case still owes it
        plan.fired = [Timer(ident[0], ident[1], row[1], bool(row[2])) for ident, row in existing.items()
                      if row[3] is not None]
        return plan

    def _apply_timers(self, plan: _TimerPlan) -> None:
        if plan.stale:
            _DROP_TIMER.run_many(self.conn, [{"_id": i} for i in plan.stale])
        if plan.added:
            _INSERT_TIMER.run_many(self.conn, plan.added)
        if plan.moved:
            _MOVE_TIMER.run_many(self.conn, plan.moved)

    def _sync_projections(self, case: Case, fresh: bool = False) -> None:
        """Bans, complaints, instalments and money owed back as rows, for the queries that cross
        cases (R2, R20).

        Of the case's new snapshot, writes what differs from the snapshot the rows were last
        written from; every row when that one is not known. Rows of what the case no longer has
        (a correction can take a complaint or a ban away, R17) are deleted; a `fresh` case has none."""
        snapshot, before = self._writing
        if case.ban is not None and (before is None or _changed(before, snapshot, "ban", "operator_code", "base_id")):
            ban = case.ban
            _upsert(self.conn, _BANS, {"k_case_id": case.id}, {
                "operator_code": case.operator_code, "base_id": case.base_id, "level": ban.level,
                "ground": ban.ground, "first_day": ban.first_day, "last_day": ban.last_day,
                "ended_on": ban.ended_on})
        old = _by(before, "complaints", "id")
        for complaint, now in zip(case.complaints, snapshot["complaints"], strict=True):
            if old.get(now["id"]) != now:
                _upsert(self.conn, _COMPLAINTS, {"k_case_id": case.id, "k_complaint_id": complaint.id}, {
                    "received_on": complaint.received_on, "summary": complaint.summary,
                    "period": complaint.period, "valid": complaint.valid, "verified_on": complaint.verified_on})
        old = _by(before, "instalments", "number")
        for inst, now in zip(case.instalments, snapshot["instalments"], strict=True):
            if old.get(now["number"]) != now:
                _upsert(self.conn, _INSTALMENTS, {"k_case_id": case.id, "k_number": inst.number}, {
                    "amount_fen": inst.amount_fen, "due_on": inst.due_on, "status": inst.status,
                    "paid_on": inst.paid_on, "paid_fen": inst.paid_fen})
        if case.clawback is not None and (before is None or _changed(before, snapshot, "clawback")):
            claw = case.clawback
            _upsert(self.conn, _CLAWBACKS, {"k_case_id": case.id}, {
                "ground": claw.ground, "since": claw.since, "owed_fen": claw.owed_fen,
                "repaid_fen": claw.repaid_fen, "repaid_on": claw.repaid_on})
        if not fresh:
            self._drop_projections(case, before)

    def _drop_projections(self, case: Case, before: dict | None) -> None:
        """Deletes the rows of what the case had (as the snapshot `before` says; every row not of the
        case when unknown) and no longer has."""
        def gone(collection: str, key: str, current: set) -> bool:
            return before is None or bool(set(_by(before, collection, key)) - current)

        b, cp, i, cl = t.bans.c, t.complaints.c, t.subsidy_instalments.c, t.subsidy_clawbacks.c
        if case.ban is None and (before is None or before.get("ban") is not None):
            self.conn.execute(t.bans.delete().where(b.case_id == case.id))
        if case.clawback is None and (before is None or before.get("clawback") is not None):
            self.conn.execute(t.subsidy_clawbacks.delete().where(cl.case_id == case.id))
        ids = {c.id for c in case.complaints}
        if gone("complaints", "id", ids):
            self.conn.execute(t.complaints.delete().where(cp.case_id == case.id, cp.complaint_id.not_in(ids)))
        numbers = {n.number for n in case.instalments}
        if gone("instalments", "number", numbers):
            self.conn.execute(t.subsidy_instalments.delete().where(i.case_id == case.id, i.number.not_in(numbers)))


@dataclass
class _TimerPlan:
    added: list[dict] = field(default_factory=list)
    moved: list[dict] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    pending: list[Timer] = field(default_factory=list)  # what the case owes and has not fired, after it
    fired: list[Timer] = field(default_factory=list)  # the fired rows, at the dates they fired at

    def stored(self) -> list[tuple[Timer, bool]]:
        """Every timer of the case once the plan is applied, each with whether it fired (the queue's
        items follow them: db.work_items)."""
        return [*((t, False) for t in self.pending), *((t, True) for t in self.fired)]


def _changed(before: dict, after: dict, *keys: str) -> bool:
    return any(before.get(k) != after.get(k) for k in keys)


def _by(snapshot: dict | None, collection: str, key: str) -> dict:
    return {} if snapshot is None else {item[key]: item for item in snapshot.get(collection, ())}


# The hot statements, built once: building one costs more than executing it (bench b1 profile).
def _stmt_where(table: sa.Table, keys: Sequence[str]):
    return [table.c[k] == sa.bindparam(f"k_{k}") for k in keys]


_c, _tm = t.cases.c, t.timers.c
_EVENT_COLUMNS = ("case_id", "seq", "act", "on", "recorded_at", "actor", "reason", "rule", "policy_id",
                  "policy_version", "payload", "canonical", "prev_hash", "hash", "hash_algorithm")
_CASE_COLUMNS = ("base_id", "operator_code", "level", "jurisdiction", "programme", "reference", "state", "version",
                 "policy_id", "policy_version", "applied_on", "last_on", "period_start", "period_end", "snapshot",
                 "updated_at")
_GET = DriverStatement(sa.select(_c.snapshot).where(_c.id == sa.bindparam("id")))
_GET_LOCKED = DriverStatement(sa.select(_c.snapshot).where(_c.id == sa.bindparam("id")).with_for_update())
# the snapshots of many cases as their JSON text, parsed by `json.loads` (the JSON type's own conversion
# with the default deserializer): PostgreSQL's jsonb as text, which psycopg would parse from bytes, slower
_SNAPSHOTS_SQLITE = DriverStatement(sa.select(_c.id, sa.type_coerce(_c.snapshot, sa.Text)).where(
    among_ids(_c.id, pg=False)))
_VERSIONS_SQLITE = DriverStatement(sa.select(_c.id, _c.version).where(among_ids(_c.id, pg=False)))
_VERSIONS_PG = DriverStatement(sa.select(_c.id, _c.version).where(among_ids(_c.id, pg=True)))
_SNAPSHOTS_PG = DriverStatement(sa.select(_c.id, sa.cast(_c.snapshot, sa.Text)).where(among_ids(_c.id, pg=True)))
# the snapshot field each case column is taken from, and the columns every save sets
_SOURCE = {**{k: k for k in _CASE_COLUMNS}, "period_start": "period", "period_end": "period"}
_ALWAYS_SET = frozenset({"version", "snapshot", "updated_at"})
_COUNTED = DriverStatement(sa.select(_c.jurisdiction, _c.state, _c.level).where(
    _c.id == sa.bindparam("id"), _c.version == sa.bindparam("version")))


def _counted(snapshot: dict) -> counts.CaseKey:
    return (snapshot["jurisdiction"], snapshot["state"], snapshot["level"])
# what the case list's names and search column are made of (services.case_listing)
_LISTED = ("id", "reference", "base_id", "base_name", "operator_code")
_OPERATOR_NAME = (sa.select(t.operators.c.name)
                  .join_from(t.bases, t.operators, t.bases.c.operator_id == t.operators.c.id)
                  .where(t.bases.c.id == sa.bindparam("base_id")))
_SET_NEXT = DriverStatement(t.cases.update().where(_c.id == sa.bindparam("_id")), ("next_due", "next_timer"))


@functools.cache
def _save(columns: tuple[str, ...]) -> DriverStatement:
    return DriverStatement(
        t.cases.update().where(_c.id == sa.bindparam("_id"), _c.version == sa.bindparam("_version")), columns)


_INSERT_EVENT = DriverStatement(t.case_events.insert(), _EVENT_COLUMNS)
_TIMERS_OF = DriverStatement(sa.select(_tm.kind, _tm.key, _tm.id, _tm.due_on, _tm.provisional, _tm.fired_at).where(
    _tm.case_id == sa.bindparam("case_id")))
_INSERT_TIMER = DriverStatement(t.timers.insert(),
                                ("case_id", "kind", "key", "due_on", "fires_on", "provisional", "created_at"))
_MOVE_TIMER = DriverStatement(t.timers.update().where(_tm.id == sa.bindparam("_id")),
                              ("due_on", "fires_on", "provisional"))
# not IN: expanding it costs more than a statement a row
_DROP_TIMER = DriverStatement(t.timers.delete().where(_tm.id == sa.bindparam("_id")))
_CLAIM_RETURNING = (t.timers.update().where(_tm.id == sa.bindparam("_id"), _tm.fired_at.is_(None))
                    .values(fired_at=sa.bindparam("fired_at", type_=_tm.fired_at.type)).returning(_tm.case_id))
# (update where the key matches, insert when nothing matched) for each projection table
_BANS = (t.bans.update().where(*_stmt_where(t.bans, ["case_id"])), t.bans.insert())
_COMPLAINTS = (t.complaints.update().where(*_stmt_where(t.complaints, ["case_id", "complaint_id"])),
               t.complaints.insert())
_INSTALMENTS = (t.subsidy_instalments.update().where(*_stmt_where(t.subsidy_instalments, ["case_id", "number"])),
                t.subsidy_instalments.insert())
_CLAWBACKS = (t.subsidy_clawbacks.update().where(*_stmt_where(t.subsidy_clawbacks, ["case_id"])),
              t.subsidy_clawbacks.insert())


_SORT_COLUMNS = {"applied_on": _c.applied_on, "updated": _c.last_on, "next_due": _c.next_due, "state": _c.state}
_SUMMARY_COLUMNS = (_c.id, _c.base_name, _c.operator_code, _c.level, _c.jurisdiction, _c.state, _c.version,
                    _c.period_start, _c.period_end, _c.next_timer, _c.next_due, _c.operator_name, _c.reference,
                    _c.applied_on, _c.last_on)


def _sorted_not_walked(order: list) -> list:
    """The same order on expressions no index serves (coalesce(x, x) is x: the segments hold no NULL
    of the column they order by), so the planner reads the matches by the filter's own index and sorts
    them, rather than walking the order's index."""
    from sqlalchemy.sql import operators

    out = []
    for term in order:
        same = sa.func.coalesce(term.element, term.element)
        out.append(same.desc() if term.modifier is operators.desc_op else same.asc())
    return out


def _key_of(row, sort: str):
    return getattr(row, {"updated": "last_on"}.get(sort, sort))


def _within(column, scope: str) -> list:
    """`column` begins with the scope's prefix, as a range an index answers (a LIKE it does not
    under PostgreSQL's C.UTF-8 collation); nothing for the whole country."""
    lo = prefix(scope)
    if not lo:
        return []
    return [column >= lo, column < lo[:-1] + chr(ord(lo[-1]) + 1)]


def _matching(query: CaseFilter, dialect: str) -> list:
    """The filter's conditions, each on an indexed column of `cases` (or the search column's trigrams)."""
    c = _c
    out: list = [column == value for column, value in ((c.state, query.state), (c.level, query.level),
                                                        (c.operator_code, query.operator_code)) if value is not None]
    if query.jurisdiction is not None:
        out += _within(c.jurisdiction, query.jurisdiction)
    if query.scopes is not None:
        out.append(sa.or_(sa.false(), *(sa.and_(sa.true(), *_within(c.jurisdiction, s)) for s in query.scopes)))
    if query.timer_due_before is not None:
        out.append(c.next_due < query.timer_due_before)
    if query.text and needle(query.text):
        code = whole_credit_code(query.text)
        found = c.operator_code == code if code else c.search_text.contains(needle(query.text), autoescape=True)
        start = id_prefix(query.text)
        if start is not None:  # the ids beginning with it, as a range of the primary key (services.case_listing)
            found = sa.or_(sa.and_(c.id >= start, c.id < after_prefix(start)), found)
        out.append(found)
    if query.applied_in is not None:
        out += [c.applied_on >= date(query.applied_in, 1, 1), c.applied_on <= date(query.applied_in, 12, 31)]
    if query.ids is not None:
        out.append(among(c.id, query.ids, dialect) if query.ids else sa.false())
    return out


def _segments(column, descending: bool, key, backward: bool) -> list[tuple[list, list]]:
    """(conditions, order) of the reads that give the rows from `key` on, in the list's order
    (backward: before `key`, the order reversed): the rows with a value, by (value, id) in the
    sort's direction, then those without one (next_due only), by id, last in either direction."""
    forward = descending == backward  # whether the index is read in ascending order
    up = (lambda col: col.asc()) if forward else (lambda col: col.desc())
    valued_order, empty_order = [up(column), up(_c.id)], [up(_c.id)]

    def past(left, right):
        return left > right if forward else left < right

    nullable = column.nullable
    valued = ([column.is_not(None)] if nullable else [], valued_order)
    empty = ([column.is_(None)], empty_order)
    if key is None:
        pieces = [empty, valued] if backward else [valued, empty]
        return [p for p in pieces if nullable or p is valued]
    value, case_id = key
    if value is None:  # among the rows without a value
        after_empty = ([column.is_(None), past(_c.id, case_id)], empty_order)
        return [after_empty, valued] if backward else [after_empty]
    after_valued = ([*valued[0], past(sa.tuple_(column, _c.id), sa.tuple_(value, case_id))], valued_order)
    return [after_valued] if backward else [after_valued, *([empty] if nullable else [])]


def _timers_matching(query) -> list:
    """The pending timers a TimerFilter asks for (its keyset aside), the scopes as code ranges."""
    c = t.timers.c
    out: list = [c.fired_at.is_(None)]
    if query.due_before is not None:
        out.append(c.due_on < query.due_before)
    if query.due_from is not None:
        out.append(c.due_on >= query.due_from)
    if query.kind is not None:
        out.append(c.kind == query.kind)
    if query.overdue_on is not None:
        # the day to act has passed, the sweep has not fired it yet
        out += [c.fires_on <= query.overdue_on, c.kind.in_(DEADLINE_KINDS)]
    if query.scopes is not None:
        out.append(sa.or_(sa.false(), *(figures.code_range(t.cases.c.jurisdiction, s) for s in query.scopes)))
    return out


class SqlTimerRepository:
    def __init__(self, conn: Connection, claimed: ClaimedCases | None = None) -> None:
        self.conn = conn
        self.claimed = claimed or ClaimedCases()  # shared with the cases' repository (db.uow)

    def due(self, as_of: date, limit: int):
        from services.ports import DueTimer

        c = t.timers.c
        rows = self.conn.execute(
            sa.select(c.id, c.case_id, c.kind, c.key, c.due_on, c.fires_on)
            .where(c.fired_at.is_(None), c.fires_on <= as_of)
            .order_by(c.fires_on, c.id).limit(limit)
        )
        return [DueTimer(r.id, r.case_id, r.kind, r.key, r.due_on, r.fires_on) for r in rows]

    def claim(self, timer_id: int, fired_at: datetime) -> bool:
        found = self.conn.execute(_CLAIM_RETURNING, {"_id": timer_id, "fired_at": fired_at}).scalar_one_or_none()
        if found is None:
            return False
        self._renext(found)
        return True

    def _renext(self, case_id: str) -> None:
        """The case list's next timer of a case whose timer was claimed is set in the claim's
        transaction: by the act that follows, or else before the commit (db.case_listing.ClaimedCases),
        so a timer fired without an act on its case is gone from the list with it."""
        self.claimed.cases.add(case_id)

    def claim_next(self, as_of: date, fired_at: datetime, skip: Collection[int] = (),
                   after: tuple[date, int] | None = None):
        from services.ports import DueTimer

        values: dict = {"as_of": as_of, "fired_at": fired_at}
        if after is not None:
            values.update(after_on=after[0], after_id=after[1])
        if skip:  # rare (a timer failed): its expanding IN is rendered per execution, through SQLAlchemy
            found = [tuple(r) for r in self.conn.execute(_claim_next(True, after is not None),
                                                         {**values, "skip": list(skip)})]
        else:
            found = _CLAIM_NEXT[after is not None].rows(self.conn, values)
        if not found:
            return None
        due = DueTimer(*found[0])
        self._renext(due.case_id)
        return due

    def search(self, query) -> list[dict]:
        c, k = t.timers.c, t.cases.c
        q = (sa.select(c.case_id, c.kind, c.key, c.due_on, c.fires_on, c.provisional, k.jurisdiction, k.state,
                       k.base_name)
             .join(t.cases, k.id == c.case_id).where(*_timers_matching(query)))
        if query.after is not None:
            q = q.where(sa.tuple_(c.due_on, c.case_id, c.kind, c.key) > sa.tuple_(*query.after))
        # (case, kind, key) is unique: an order without ties, so pages neither skip nor repeat a timer;
        # it is ix_timers_pending_due's, so a page is a walk of that index from its cursor (issue 16).
        # Not for the overdue ones: they are few (the sweep's backlog), but PostgreSQL cannot tell (its
        # statistics of fires_on are of fired and pending timers alike) and would walk every pending
        # timer in order to find none (0.5 s at 100,000 cases); an order the index does not give
        # makes it read them by ix_timers_pending's range of fires_on and sort them
        first = sa.func.coalesce(c.due_on, c.due_on) if query.overdue_on is not None else c.due_on
        rows = self.conn.execute(q.order_by(first, c.case_id, c.kind, c.key).limit(query.limit))
        return [dict(r) for r in rows.mappings()]

    def count(self, query, cap: int) -> int:
        capped = (sa.select(sa.literal(1)).select_from(t.timers.join(t.cases, t.cases.c.id == t.timers.c.case_id))
                  .where(*_timers_matching(query)).limit(cap + 1))
        return self.conn.execute(sa.select(sa.func.count()).select_from(capped.subquery())).scalar_one()

    def due_counts(self, scopes: Sequence[str], due_from: date, due_before: date) -> list[tuple[date, int]]:
        c = t.timers.c
        # read from ix_timers_pending_due alone (issue 16); a scope of every jurisdiction needs no case
        q = (sa.select(c.due_on, sa.func.count())
             .where(c.fired_at.is_(None), c.due_on >= due_from, c.due_on < due_before)
             .group_by(c.due_on).order_by(c.due_on))
        if not any(not prefix(s) for s in scopes):
            q = q.join(t.cases, t.cases.c.id == c.case_id).where(
                sa.or_(sa.false(), *(figures.code_range(t.cases.c.jurisdiction, s) for s in scopes)))
        return [(due_on, n) for due_on, n in self.conn.execute(q)]

    def fired(self, case_id: str) -> list[dict]:
        c = t.timers.c
        rows = self.conn.execute(sa.select(c.kind, c.key, c.due_on, c.fired_at).where(
            c.case_id == case_id, c.fired_at.is_not(None)).order_by(c.due_on, c.kind))
        return [{"kind": r.kind, "key": r.key, "due_on": r.due_on.isoformat(), "provisional": False,
                 "fired_at": str(r.fired_at)} for r in rows]

    def cases_with_provisional(self) -> list[str]:
        c = t.timers.c
        return list(self.conn.execute(
            sa.select(c.case_id).where(c.fired_at.is_(None), c.provisional.is_(True)).distinct().order_by(c.case_id)
        ).scalars())

    def of_cases(self, case_ids: Sequence[str], kinds: Sequence[str]) -> list[CaseTimer]:
        c = t.timers.c
        return [CaseTimer(r.case_id, Timer(r.kind, r.key, r.due_on, r.provisional), r.fired_at is not None)
                for chunk in _chunks(case_ids)
                for r in self.conn.execute(sa.select(c.case_id, c.kind, c.key, c.due_on, c.provisional, c.fired_at)
                                           .where(c.case_id.in_(chunk), c.kind.in_(kinds)))]

    def upcoming(self, as_of: date, horizon: date):
        """Pending timers due between as_of and horizon: the ones reminders are planned for."""
        from services.ports import DueTimer

        c = t.timers.c
        rows = self.conn.execute(
            sa.select(c.id, c.case_id, c.kind, c.key, c.due_on, c.fires_on)
            .where(c.fired_at.is_(None), c.fires_on <= horizon + timedelta(days=1), c.due_on >= as_of)
            .order_by(c.case_id, c.due_on, c.id)
        )
        return [DueTimer(r.id, r.case_id, r.kind, r.key, r.due_on, r.fires_on) for r in rows]

    def pending(self, case_id: str) -> list[Timer]:
        c = t.timers.c
        rows = self.conn.execute(
            sa.select(c.kind, c.key, c.due_on, c.provisional)
            .where(c.case_id == case_id, c.fired_at.is_(None)).order_by(c.fires_on, c.kind, c.key)
        )
        return [Timer(r.kind, r.key, r.due_on, r.provisional) for r in rows]


@functools.cache
def _claim_next(skipping: bool, resuming: bool = False) -> sa.Update:
    """Marks fired the oldest due timer that no other transaction holds, nor its case, and returns it.

    PostgreSQL: both rows are locked with SKIP LOCKED, the case's first, so concurrent sweeps take
    disjoint timers without waiting on each other, and a sweep never waits while holding a timer
    (an act holds its case, then changes its timers: a sweep that waited for the case holding the
    timer could deadlock with it). The claim is the lock of this open transaction: it ends with the
    transaction, committed with the act, rolled back by a failure or by the death of the session.
    SQLite renders no FOR UPDATE: its write transaction is the one writer's anyway."""
    c = _tm
    pick = (sa.select(c.id).select_from(t.cases.join(t.timers, c.case_id == t.cases.c.id))
            .where(c.fired_at.is_(None), c.fires_on <= sa.bindparam("as_of", type_=sa.Date))
            # literal LIMIT and OFFSET: no anonymous parameters, so the driver path can run it
            .where(~_earlier_pending(c))
            .order_by(c.fires_on, c.id).limit(sa.literal_column("1")).offset(sa.literal_column("0"))
            .with_for_update(of=[t.cases, t.timers], skip_locked=True))
    if skipping:  # the timers that failed in this sweep: taken again by the next one, not by this one
        pick = pick.where(c.id.not_in(sa.bindparam("skip", expanding=True)))
    if resuming:  # past the sweep's last claim: the index entries of the timers fired before it are
        # dead, and a scan from the start would step over every one of them (0.36 ms at 15,000)
        pick = pick.where(sa.tuple_(c.fires_on, c.id) > sa.tuple_(sa.bindparam("after_on", type_=sa.Date),
                                                                   sa.bindparam("after_id", type_=sa.Integer)))
    return (t.timers.update().where(c.id == pick.scalar_subquery(), c.fired_at.is_(None))
            .values(fired_at=sa.bindparam("fired_at", type_=c.fired_at.type))
            .returning(c.id, c.case_id, c.kind, c.key, c.due_on, c.fires_on))


def _earlier_pending(c) -> sa.Exists:
    """Another pending timer of the same case comes first: a case's timers fire in their order, since
    an act is dated no earlier than the case's last one (a claim resumed past a timer whose case was
    held when it passed, and free since, must not fire that case's next timer before it)."""
    e = t.timers.alias("earlier")
    return sa.exists().where(e.c.case_id == c.case_id, e.c.fired_at.is_(None),
                             sa.tuple_(e.c.fires_on, e.c.id) < sa.tuple_(c.fires_on, c.id))


_CLAIM_NEXT = {resuming: DriverStatement(_claim_next(False, resuming)) for resuming in (False, True)}


def _chunks(ids: Sequence[str], size: int = 500) -> list[Sequence[str]]:
    """Lists of ids short enough for one IN (…) of either backend."""
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def insert_new(conn: Connection, table: sa.Table):
    """INSERT … ON CONFLICT DO NOTHING in the backend's own dialect."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()


def _upsert(conn: Connection, statements: tuple, key: dict, values: dict) -> None:
    update, insert = statements
    if conn.execute(update, {**key, **values}).rowcount == 0:
        conn.execute(insert, {**{k[2:]: v for k, v in key.items()}, **values})


def event_to_row(e: Event) -> dict:
    return {
        "case_id": e.case_id, "seq": e.seq, "act": e.act, "on": e.on,
        "recorded_at": e.recorded_at.astimezone(UTC), "actor": e.actor, "reason": e.reason, "rule": e.rule,
        "policy_id": e.policy_id, "policy_version": e.policy_version, "payload": dict(e.payload),
        "canonical": e.canonical, "prev_hash": e.prev_hash, "hash": e.hash, "hash_algorithm": e.hash_algorithm,
    }


def event_from_row(r) -> Event:
    recorded_at = r["recorded_at"]
    if recorded_at.tzinfo is None:  # SQLite hands back naive UTC
        recorded_at = recorded_at.replace(tzinfo=UTC)
    return Event(
        case_id=r["case_id"], seq=r["seq"], act=r["act"], on=r["on"], recorded_at=recorded_at,
        actor=r["actor"], reason=r["reason"], rule=r["rule"], policy_id=r["policy_id"],
        policy_version=r["policy_version"], payload=r["payload"], prev_hash=r["prev_hash"],
        canonical=r["canonical"], hash=r["hash"], hash_algorithm=r.get("hash_algorithm", "sha256"),
    )
