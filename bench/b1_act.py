"""1. One act (record_assessment) through the service layer vs. the same transaction shape with the
bare driver: read the case (locked), update it with a version check, insert the hash-chained event,
drop the timer the act discharged and upsert the one it schedules. 1 and 4 concurrent writer
processes. Target: project ≥ 50 % of the bare-driver rate.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import time
from datetime import UTC, date, datetime

from bench import common as c

ON = date(2026, 6, 10)
NOW = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
WARMUP = 5


def build(backend: c.Backend, cases: int) -> None:
    from statemachines.timers import timers_for

    case, events, policy, calendar = c.recognized_case(reports=2)
    c.insert_template(backend, case, events, timers_for(case, policy, calendar))
    rep = c.Replicator(c.read_template(backend, ["operators", "bases", "cases", "case_events", "timers",
                                                 "subsidy_instalments", *c.PROJECTIONS]))
    c.replicate(backend, rep, 1, cases, progress=cases > 50_000)


def case_ids(start: int, count: int) -> list[str]:
    return [f"ca{n:09d}" for n in range(start, start + count)]


# --- the two sides --------------------------------------------------------------------------------

def project_worker(kind: str, tag: str, ids: list[str], go, out) -> None:
    from services import cases

    backend = c.Backend(kind, tag)
    rt = c.runtime(backend, NOW)
    act = lambda cid: cases.ACTS["record_assessment"](rt, cid, outcome="pass", actor=c.CASEWORKER, on=ON,  # noqa: E731
                                              reason="考核合格")
    _run(act, ids, go, out)


def bare_worker(kind: str, tag: str, ids: list[str], go, out) -> None:
    backend = c.Backend(kind, tag)
    act = BareAct(backend)
    _run(act, ids, go, out)


def _run(act, ids, go, out) -> None:
    for cid in ids[:WARMUP]:
        act(cid)
    go.wait()
    lat = []
    t0 = time.monotonic()
    for cid in ids[WARMUP:]:
        s = time.perf_counter()
        act(cid)
        lat.append(time.perf_counter() - s)
    out.put((t0, time.monotonic(), lat))


class BareAct:
    """The act's transaction shape, hand-written for the driver (sqlite3 / psycopg 3)."""

    def __init__(self, backend: c.Backend) -> None:
        self.kind = backend.kind
        self.conn = backend.raw()
        self.pg = backend.kind == "postgres"
        p = backend.ph
        lock = " FOR UPDATE" if self.pg else ""
        js = "%s::jsonb" if self.pg else "?"
        self.begin = "BEGIN" if self.pg else "BEGIN IMMEDIATE"
        self.q_read = f"SELECT snapshot, version FROM cases WHERE id = {p}{lock}"
        self.q_update = (f"UPDATE cases SET state = {p}, version = {p}, last_on = {p}, snapshot = {js}, "
                         f"updated_at = {p} WHERE id = {p} AND version = {p}")
        self.q_event = ('INSERT INTO case_events (case_id, seq, act, "on", recorded_at, actor, reason, rule, '
                        f"policy_id, policy_version, payload, canonical, prev_hash, hash) VALUES "
                        f"({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {js}, {p}, {p}, {p})")
        self.q_timers = f"SELECT id, kind, key, due_on, provisional, fired_at FROM timers WHERE case_id = {p}"
        self.q_drop = f"DELETE FROM timers WHERE case_id = {p} AND kind = {p} AND key = {p} AND fired_at IS NULL"
        self.q_upsert = ("INSERT INTO timers (case_id, kind, key, due_on, fires_on, provisional, created_at) "
                         f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}) ON CONFLICT (case_id, kind, key) DO UPDATE "
                         "SET due_on = excluded.due_on, fires_on = excluded.fires_on, "
                         "provisional = excluded.provisional")
        # SQLite stores what SQLAlchemy's types would store: ISO text
        self.now = NOW if self.pg else NOW.replace(tzinfo=None).isoformat(" ")
        self.on = ON if self.pg else ON.isoformat()

    def __call__(self, cid: str) -> None:
        conn = self.conn
        conn.execute(self.begin)
        try:
            snap, version = conn.execute(self.q_read, (cid,)).fetchone()
            if isinstance(snap, str):
                snap = json.loads(snap)
            payload = {"period": 1, "index": 1, "outcome": "pass", "grade": "合格"}
            body = {"case_id": cid, "seq": version + 1, "act": "record_assessment", "on": ON.isoformat(),
                    "recorded_at": NOW.isoformat(), "actor": c.CASEWORKER, "reason": "考核合格", "rule": "R8",
                    "policy": {"id": snap["policy_id"], "version": snap["policy_version"]}, "payload": payload,
                    "prev_hash": snap.get("head_hash", "0" * 64)}
            canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            digest = hashlib.sha256(canonical.encode()).hexdigest()
            snap.update(version=version + 1, state="assessed", head_hash=digest, last_on=ON.isoformat())
            conn.execute(self.q_update, ("assessed", version + 1, self.on, json.dumps(snap, ensure_ascii=False),
                                         self.now, cid, version))
            conn.execute(self.q_event, (cid, version + 1, "record_assessment", self.on, self.now, c.CASEWORKER,
                                        "考核合格", "R8", snap["policy_id"], snap["policy_version"],
                                        json.dumps(payload, ensure_ascii=False), canonical, body["prev_hash"], digest))
            conn.execute(self.q_timers, (cid,)).fetchall()
            conn.execute(self.q_drop, (cid, "assessment", "1.1"))
            due = date(2028, 6, 12)
            conn.execute(self.q_upsert, (cid, "assessment", "1.2", due if self.pg else due.isoformat(),
                                         date(2028, 6, 13) if self.pg else "2028-06-13",
                                         False, self.now))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def measure(kind: str, tag: str, worker, ids: list[str], writers: int) -> tuple[float, list[float]]:
    """(acts per second over all writers, every act's latency in seconds)."""
    ctx = mp.get_context("fork")
    go, out = ctx.Event(), ctx.Queue()
    share = len(ids) // writers
    procs = [ctx.Process(target=worker, args=(kind, tag, ids[i * share:(i + 1) * share], go, out))
             for i in range(writers)]
    for p in procs:
        p.start()
    time.sleep(0.3 + 0.2 * writers)  # let each writer import, connect and warm up
    go.set()
    results = [out.get(timeout=900) for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode:
            raise RuntimeError(f"writer exited with {p.exitcode}")
    start, end = min(r[0] for r in results), max(r[1] for r in results)
    lat = [x for r in results for x in r[2]]
    return len(lat) / (end - start), lat


def main(argv=None) -> None:
    args = c.parse("b1_act", __doc__, sizes={"acts": 2000}, smoke_sizes={"acts": 40}, argv=argv)
    c.header(args, "one act, service layer vs bare driver")
    report = c.Report("b1_act", args)
    for kind in c.backends(args, report):
        n = args.sizes["acts"]
        per = {w: n + w * WARMUP for w in (1, 4)}
        total = sum(2 * args.rounds * per[w] for w in per)
        backend = c.Backend(kind, "b1").create()
        t0 = time.perf_counter()
        build(backend, total)
        backend.analyze()
        print(f"  {kind}: {total:,} cases generated in {time.perf_counter() - t0:.1f} s", flush=True)
        nxt = 1
        try:
            for writers in (1, 4):
                rates = {"project": [], "baseline": []}
                lats = {"project": [], "baseline": []}
                for _ in range(args.rounds):
                    for side, worker in (("baseline", bare_worker), ("project", project_worker)):
                        ids = case_ids(nxt, per[writers])
                        nxt += per[writers]
                        rate, lat = measure(kind, "b1", worker, ids, writers)
                        rates[side].append(rate)
                        lats[side].extend(lat)
                report.add(kind, f"record_assessment, {writers} writer{'s' * (writers > 1)}", rates["project"],
                           rates["baseline"], "acts/s", higher_is_better=True, target=">=0.5",
                           p99_ms_project=round(c.p99(lats["project"]) * 1000, 2),
                           p99_ms_baseline=round(c.p99(lats["baseline"]) * 1000, 2))
        finally:
            backend.drop()
    report.finish()


if __name__ == "__main__":
    c.main_guard(main)
