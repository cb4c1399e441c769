"""6. Application round intake: N applications in one window through services.cases.open_case (credit
code parse, party upsert, the ban and duplicate-open-case checks, the domain, the case, its event
and timers), against a database already holding `existing` cases; vs. bare inserts of the same rows
(operator, base, case, event, timers) in one transaction per application. One existing case in
BANNED carries a ban row (half of them ended), so the ban check searches a table that has rows, as
it will after a few years; no application is itself banned or a duplicate.
"""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime

from bench import common as c

ON = date(2025, 4, 10)  # a round of 001's own rules (v1; 2024's had its own, v2)
BANNED = 20
NOW = datetime(2025, 4, 10, 2, 0, tzinfo=UTC)


def build(backend: c.Backend, cases: int) -> None:
    from statemachines.timers import timers_for

    case, events, policy, calendar = c.recognized_case(reports=2)
    c.insert_template(backend, case, events, timers_for(case, policy, calendar))
    rep = c.Replicator(c.read_template(backend, ["operators", "bases", "cases", "case_events", "timers",
                                                 *c.PROJECTIONS]))
    c.replicate(backend, rep, 1, cases, progress=cases > 50_000)
    add_bans(backend, cases)


def add_bans(backend: c.Backend, cases: int) -> None:
    import sqlalchemy as sa

    from db import tables as t

    rows = [dict(case_id=f"ca{n:09d}", operator_code=c.credit_code(n), base_id=f"ba{n:09d}", level="provincial",
                 ground="fraud", first_day=date(2023, 1, 1), last_day=date(2028, 1, 1),
                 ended_on=None if n % 2 else date(2024, 1, 1))
            for n in range(BANNED, cases + 1, BANNED)]
    engine = backend.engine()
    with engine.begin() as conn:
        if rows:
            conn.execute(sa.insert(t.bans), rows)
    engine.dispose()


def project(rt, seeds: range) -> None:
    from services import cases

    for s in seeds:
        cases.open_case(rt, operator_name=f"运营机构{s}", credit_code=c.credit_code(s, "520200"),
                    base_name=f"创业孵化基地{s}", base_address="贵州省贵阳市观山湖区长岭北路8号", level="provincial",
                    jurisdiction="520000", on=ON, actor=c.CASEWORKER, reason="受理申报材料")


class BareInsert:
    def __init__(self, backend: c.Backend) -> None:
        from services.calendars import default_calendar
        from services.policies import default_policies
        from statemachines import acts
        from statemachines.timers import timers_for

        policies, calendar = default_policies(), default_calendar()
        policy = policies.select("520000", "provincial", ON)
        case, events = acts.open_application(
            case_id="CASEID", base_id="BASEID", base_name="BASENAME", operator_code=c.credit_code(0, "520200"),
            level="provincial", jurisdiction="520000", policy=policy, calendar=calendar, ctx=c.ctx(c.CASEWORKER, ON))
        self.snapshot = json.dumps(case.to_dict(), ensure_ascii=False)
        self.body = events[0].body()
        self.timers = timers_for(case, policy, calendar)
        self.case, self.pg, self.conn = case, backend.kind == "postgres", backend.raw()
        p, js = backend.ph, ("%s::jsonb" if self.pg else "?")
        self.q = [
            f"INSERT INTO operators (id, credit_code, name, created_at) VALUES ({p}, {p}, {p}, {p})",
            "INSERT INTO bases (id, operator_id, name, address, jurisdiction, created_at) "
            f"VALUES ({p},{p},{p},{p},{p},{p})",
            "INSERT INTO cases (id, base_id, operator_code, level, jurisdiction, state, version, policy_id, "
            "policy_version, applied_on, last_on, snapshot, updated_at) "
            f"VALUES ({p},{p},{p},{p},{p},{p},{p},{p},{p},{p},{p},{js},{p})",
            'INSERT INTO case_events (case_id, seq, act, "on", recorded_at, actor, reason, rule, policy_id, '
            "policy_version, payload, canonical, prev_hash, hash) "
            f"VALUES ({p},{p},{p},{p},{p},{p},{p},{p},{p},{p},{js},{p},{p},{p})",
            "INSERT INTO timers (case_id, kind, key, due_on, fires_on, provisional, created_at) "
            f"VALUES ({p},{p},{p},{p},{p},{p},{p})",
        ]
        self.now = NOW if self.pg else NOW.replace(tzinfo=None).isoformat(" ")
        self.on = ON if self.pg else ON.isoformat()

    def __call__(self, seeds: range) -> None:
        conn, case, d = self.conn, self.case, (lambda x: x if self.pg else x.isoformat())
        for s in seeds:
            cid, bid, oid, code = f"nc{s:09d}", f"nb{s:09d}", f"no{s:09d}", c.credit_code(s, "520200")
            payload = {**self.body["payload"], "base_id": bid, "base_name": f"创业孵化基地{s}", "operator_code": code}
            body = {**self.body, "case_id": cid, "payload": payload}
            canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            h = hashlib.sha256(canonical.encode()).hexdigest()
            snap = self.snapshot.replace("CASEID", cid).replace("BASEID", bid)
            conn.execute("BEGIN" if self.pg else "BEGIN IMMEDIATE")
            conn.execute(self.q[0], (oid, code, f"运营机构{s}", self.now))
            conn.execute(self.q[1], (bid, oid, f"创业孵化基地{s}", "贵州省贵阳市观山湖区长岭北路8号", "520000",
                                     self.now))
            conn.execute(self.q[2], (cid, bid, code, "provincial", "520000", case.state, case.version, case.policy_id,
                                     case.policy_version, self.on, self.on, snap, self.now))
            conn.execute(self.q[3], (cid, 1, "apply", self.on, self.now, c.CASEWORKER, "受理申报材料", "R1",
                                     case.policy_id, case.policy_version, json.dumps(payload, ensure_ascii=False),
                                     canonical, "0" * 64, h))
            for t in self.timers:
                conn.execute(self.q[4], (cid, t.kind, t.key, d(t.due_on), d(t.fires_on), t.provisional, self.now))
            conn.execute("COMMIT")


def main(argv=None) -> None:
    args = c.parse("b6_intake", __doc__, sizes={"applications": 5000, "existing": 20_000},
                   smoke_sizes={"applications": 60, "existing": 200}, argv=argv)
    c.header(args, "application round intake vs bare inserts")
    report = c.Report("b6_intake", args)
    n = args.sizes["applications"]
    for kind in c.backends(args, report):
        backend = c.Backend(kind, "b6").create()
        try:
            build(backend, args.sizes["existing"])
            backend.analyze()
            rt = c.runtime(backend, NOW)
            bare = BareInsert(backend)
            t_proj, t_bare = [], []
            seed = 1
            project(rt, range(900_000, 900_005))  # warm
            bare(range(900_005, 900_010))
            for _ in range(args.rounds):
                secs, _ = c.timed(lambda bare=bare, seed=seed: bare(range(seed, seed + n)))
                t_bare.append(n / secs)
                seed += n
                secs, _ = c.timed(lambda rt=rt, seed=seed: project(rt, range(seed, seed + n)))
                t_proj.append(n / secs)
                seed += n
            report.add(kind, f"{n:,} applications (+{args.sizes['existing']:,} cases)", t_proj, t_bare,
                       "apps/s", higher_is_better=True, target="-",
                       window_seconds_project=round(n / c.median(t_proj), 1))
            rt.uow.args[0].dispose()
            bare.conn.close()
        finally:
            backend.drop()
    report.finish()


if __name__ == "__main__":
    c.main_guard(main)
