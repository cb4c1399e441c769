"""Shared machinery of the benchmarks: backends, rounds, medians, the ratio table, JSON results,
and fast data generation (one template case built with the pure domain, its rows replicated
with new ids by the bare driver: executemany on SQLite, COPY on PostgreSQL).

Every program: `python -m bench.bN_x [--backend sqlite|postgres|both] [--smoke] [--rounds R]
[--size key=value ...]`. Results go to bench/results/<name>.json (bench/results/smoke/ with --smoke).
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import json
import logging
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent
RESULTS = Path(os.environ.get("INCUBASE_BENCH_RESULTS", ROOT / "results"))
SUFFIX = os.environ.get("INCUBASE_BENCH_SUFFIX", "")  # keeps a smoke run off a full run's databases
# the PostgreSQL databases' name prefix: a helper's runs on a shared server are named by its branch
DB_PREFIX = os.environ.get("INCUBASE_BENCH_DB_PREFIX", "incubase_bench_")
DATA = Path(os.environ.get("INCUBASE_BENCH_DATA", "/tmp/incubase_bench"))
PG_ADMIN = os.environ.get("INCUBASE_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SHANGHAI_10AM = lambda day: datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)  # noqa: E731

# `transitions` logs every trigger it re-binds; keep benchmark output (and memory) clean
logging.getLogger("transitions").setLevel(logging.ERROR)


# --- command line and results -------------------------------------------------------------------

def parse(name: str, description: str, sizes: dict, smoke_sizes: dict, argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog=f"python -m bench.{name}", description=description)
    ap.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, one round: proves the program runs")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--size", action="append", default=[], metavar="KEY=VALUE",
                    help=f"override a size; defaults {sizes}")
    args = ap.parse_args(argv)
    chosen = dict(smoke_sizes if args.smoke else sizes)
    for kv in args.size:
        key, _, value = kv.partition("=")
        if key not in chosen:
            ap.error(f"unknown size {key!r}; known: {', '.join(chosen)}")
        chosen[key] = type(chosen[key])(value)
    args.sizes = chosen
    args.rounds = args.rounds or (1 if args.smoke else 3)
    args.backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    args.name = name
    return args


def median(xs: Iterable[float]) -> float:
    xs = list(xs)
    return statistics.median(xs) if xs else float("nan")


def p99(xs: Iterable[float]) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, int(round(0.99 * (len(xs) - 1))))]


@dataclass
class Report:
    """The rows of one program: each a measurement of the project and of its baseline."""

    name: str
    args: argparse.Namespace
    rows: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.time)

    def add(self, backend: str, case: str, project: list[float], baseline: list[float], unit: str,
            *, higher_is_better: bool, target: str, met: bool | None = None, **extra) -> dict:
        """project/baseline: one value per round; ratio = median(project) / median(baseline)."""
        mp, mb = median(project), median(baseline)
        ratio = mp / mb if mb else float("nan")
        if met is None:
            met = _target_met(target, ratio)
        row = {"backend": backend, "case": case, "unit": unit, "project": project, "baseline": baseline,
               "project_median": mp, "baseline_median": mb, "ratio": ratio,
               "higher_is_better": higher_is_better, "target": target, "met": met, **extra}
        self.rows.append(row)
        extra_txt = " ".join(f"{k}={_fmt(v)}" for k, v in extra.items())
        print(f"  {backend:8s} {case:38s} project {_fmt(mp):>10s} {unit:8s} baseline {_fmt(mb):>10s}  "
              f"ratio {ratio:7.3f}  target {target:8s} {'met' if met else 'MISSED'} {extra_txt}", flush=True)
        return row

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def finish(self) -> Path:
        out_dir = RESULTS / "smoke" if self.args.smoke else RESULTS
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"{self.name}.json"
        doc = {"name": self.name, "date": datetime.now(UTC).isoformat(timespec="seconds"),
               "machine": machine(), "smoke": self.args.smoke, "rounds": self.args.rounds,
               "sizes": self.args.sizes, "seconds": round(time.time() - self.started, 1),
               "rows": self.rows, "notes": self.notes}
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str))
        print(f"\n{self.name}: ratio table ({len(self.rows)} rows) written to {path}")
        for r in self.rows:
            print(f"RATIO {self.name} {r['backend']} {r['case']}: {r['ratio']:.3f} (target {r['target']}, "
                  f"{'met' if r['met'] else 'MISSED'})")
        return path


def _target_met(target: str, ratio: float) -> bool:
    if target.startswith(">="):
        return ratio >= float(target[2:])
    if target.startswith("<="):
        return ratio <= float(target[2:])
    return True


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:,.1f}" if abs(v) >= 100 else f"{v:.3g}"
    return str(v)


def machine() -> dict:
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = next(line.split()[1] for line in f if line.startswith("MemTotal"))
        mem = f"{int(mem) // 1024 // 1024} GB"
    except Exception:
        pass
    cpu = ""
    with contextlib.suppress(Exception), open("/proc/cpuinfo") as f:
        cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory": mem, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "sqlalchemy": sa.__version__, "host": platform.node()}


def header(args: argparse.Namespace, title: str) -> None:
    print(f"== {args.name}: {title}\n   sizes {args.sizes}, rounds {args.rounds}, backends {', '.join(args.backends)}"
          f"{' (smoke)' if args.smoke else ''}", flush=True)


def timed(fn: Callable[[], object], *, gc_off: bool = False) -> tuple[float, object]:
    """Seconds and result of one call, from a collected heap. `gc_off`, as timeit does, for short
    calls that allocate a lot: a collection of the previous round's garbage otherwise lands in
    whichever call crosses the threshold (b4 swung 2× between runs with it on)."""
    gc.collect()
    if gc_off:
        gc.disable()
    try:
        t0 = time.perf_counter()
        out = fn()
        return time.perf_counter() - t0, out
    finally:
        gc.enable()


# --- backends -----------------------------------------------------------------------------------

class Backend:
    """A database of the benchmark's own, created (migrated with the real migrations) and dropped."""

    def __init__(self, kind: str, tag: str) -> None:
        tag = tag + SUFFIX
        self.kind, self.tag = kind, tag
        if kind == "sqlite":
            DATA.mkdir(parents=True, exist_ok=True)
            self.path = DATA / f"{tag}.db"
            self.url = f"sqlite:///{self.path}"
        else:
            self.dbname = f"{DB_PREFIX}{tag}"
            self.url = sa.engine.make_url(PG_ADMIN).set(database=self.dbname).render_as_string(hide_password=False)

    @classmethod
    def existing(cls, url: str) -> Backend:
        """A database made and migrated by someone else (an acceptance test's), to generate data into;
        not for create() or drop()."""
        backend = cls.__new__(cls)
        u = sa.engine.make_url(url)
        backend.kind, backend.tag, backend.url = ("sqlite" if u.get_backend_name() == "sqlite" else "postgres"), "", url
        if backend.kind == "sqlite":
            backend.path = Path(u.database or "")
        else:
            backend.dbname = u.database or ""
        return backend

    def create(self, migrate: bool = True) -> Backend:
        self.drop()
        if self.kind == "postgres":
            admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{self.dbname}"'))
            admin.dispose()
        if migrate:
            from db.migrate import upgrade

            upgrade(self.url)
        return self

    def drop(self) -> None:
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        else:
            admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)'))
            admin.dispose()

    def copy_to(self, tag: str) -> Backend:
        """A copy of this database (a file copy, or CREATE DATABASE … TEMPLATE)."""
        other = Backend(self.kind, tag)
        other.drop()
        if self.kind == "sqlite":
            raw = self.raw()
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            raw.close()
            shutil.copy(self.path, other.path)
        else:
            admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{other.dbname}" TEMPLATE "{self.dbname}"'))
            admin.dispose()
        return other

    def engine(self, **kwargs) -> sa.Engine:
        from db.engine import make_engine

        return make_engine(self.url, **kwargs)

    def raw(self):
        """A bare driver connection in autocommit mode: the benchmark issues BEGIN/COMMIT itself."""
        if self.kind == "sqlite":
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            return conn
        import psycopg

        u = sa.engine.make_url(self.url)
        return psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                               dbname=u.database, autocommit=True)

    @property
    def ph(self) -> str:
        return "?" if self.kind == "sqlite" else "%s"

    def analyze(self, *, vacuum: bool = False) -> None:
        """ANALYZE; `vacuum`: VACUUM ANALYZE on PostgreSQL (the visibility map an index-only scan needs)."""
        raw = self.raw()
        raw.execute("VACUUM ANALYZE" if vacuum and self.kind == "postgres" else "ANALYZE")
        raw.close()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def runtime(backend: Backend, now: datetime, engine: sa.Engine | None = None):
    from db.uow import SqlUnitOfWork
    from services.calendars import default_calendar
    from services.policies import default_policies
    from services.runtime import Runtime

    engine = engine or backend.engine()
    clock = Clock(now)
    return Runtime(uow=partial(SqlUnitOfWork, engine, clock), clock=clock, policies=default_policies(),
                   calendar=default_calendar())


def url_runtime(url: str, now: datetime):
    """`runtime` from a database URL alone: what a spawned worker process is given to build its own."""
    from db.engine import make_engine
    from db.uow import SqlUnitOfWork
    from services.calendars import default_calendar
    from services.policies import default_policies
    from services.runtime import Runtime

    clock = Clock(now)
    return Runtime(uow=partial(SqlUnitOfWork, make_engine(url), clock), clock=clock, policies=default_policies(),
                   calendar=default_calendar())


def generated(kind: str, tag: str, build: Callable[[Backend, int], None], cases: int, per_case: int,
              now: datetime):
    """A new database of `cases` generated cases with the staff who recorded them, and a runtime on it
    whose clock reads `now`: (backend, runtime). b5 and b7 verify such a record."""
    backend = Backend(kind, tag).create()
    t0 = time.perf_counter()
    build(backend, cases)
    backend.analyze()
    print(f"  {kind}: {cases:,} cases / {cases * per_case:,} events generated in "
          f"{time.perf_counter() - t0:.1f} s", flush=True)
    rt = runtime(backend, datetime(2022, 1, 1, tzinfo=UTC))
    add_staff(rt)
    rt.clock.now = now
    return backend, rt


def add_staff(rt) -> None:
    from services import users

    for name, display, role in (("caseworker.wang", "王芳", "caseworker"), ("caseworker.zhao", "赵磊", "caseworker"),
                                ("supervisor.li", "李强", "supervisor")):
        users.add_user(rt, name, display, [(role, "520000")])


# --- the template case, built with the pure domain ----------------------------------------------

CASEWORKER, INSPECTOR, SUPERVISOR = "caseworker.wang", "caseworker.zhao", "supervisor.li"
TPL_CASE, TPL_NEW_ID = "tplcase", "tpl"  # party() makes "optpl" and "batpl" of the new id
TPL_OP, TPL_BASE = "op" + TPL_NEW_ID, "ba" + TPL_NEW_ID


def credit_code(seed: int, division: str = "520100") -> str:
    from statemachines.credit_code import check_character

    first17 = f"91{division}MA6{seed:06d}" if seed < 1_000_000 else f"91{division}MA{seed:07d}"
    assert len(first17) == 17, seed
    return first17 + check_character(first17)


def ctx(actor: str, on: date):
    from statemachines import acts

    return acts.Recording(actor, on, "依规办理", SHANGHAI_10AM(on))


def recognized_case(*, reports: int = 2, complaint_pairs: int = 0):
    """apply 2024-04-10, inspect, approve 2024-06-12, `reports` annual reports, then complaint pairs
    (recorded, verified invalid): a case in which record_assessment is due on 2026-06-10."""
    from services.calendars import default_calendar
    from services.policies import default_policies
    from statemachines import acts

    policies, calendar = default_policies(), default_calendar()
    # 001's own rules (v1): the 2024 round's version (v2) asks for a municipal recognition first
    policy = policies.get("guizhou-provincial-2022", 1)
    case, events = acts.open_application(
        case_id=TPL_CASE, base_id=TPL_BASE, base_name="规模测试基地", operator_code=credit_code(0),
        level="provincial", jurisdiction="520000", policy=policy, calendar=calendar,
        ctx=ctx(CASEWORKER, date(2024, 4, 10)))
    events += acts.inspect(case, policy, calendar, ctx(INSPECTOR, date(2024, 5, 10)), outcome="pass")
    events += acts.approve(case, policy, calendar, ctx(SUPERVISOR, date(2024, 6, 12)))
    for year, on in ((2024, date(2025, 3, 1)), (2025, date(2026, 3, 1)))[:reports]:
        events += acts.submit_annual_report(case, policy, calendar, ctx(CASEWORKER, on), year=year)
    on = date(2026, 3, 2)
    for k in range(complaint_pairs):
        events += acts.record_complaint(case, policy, calendar, ctx(CASEWORKER, on), complaint_id=f"k{k}",
                                        summary="入驻企业投诉，经核实不成立")
        events += acts.verify_complaint(case, policy, calendar, ctx(CASEWORKER, on), complaint_id=f"k{k}",
                                        valid=False)
    return case, events, policy, calendar


def insert_template(backend: Backend, case, events, timers, rt=None) -> None:
    """The template's rows, written by the project's own repository (so the rows are the service's)."""
    from db.repository import SqlCaseRepository

    engine = backend.engine()
    with engine.begin() as conn:
        repo = SqlCaseRepository(conn, Clock(SHANGHAI_10AM(case.last_on)))
        party = repo.register_party(credit_code=credit_code(0), operator_name="运营机构tpl", base_name="规模测试基地",
                                    base_address="贵州省贵阳市观山湖区", jurisdiction="520000", new_id=TPL_NEW_ID)
        assert party.base_id == TPL_BASE
        repo.add(case, events, timers)
    engine.dispose()


# what is replicated, in foreign-key order, and which column ties a row to the template
TABLES = {
    "operators": "id", "bases": "id", "cases": "id", "case_events": "case_id", "timers": "case_id",
    "subsidy_instalments": "case_id", "complaints": "case_id", "bans": "case_id",
    # issue 16: the projections of the reads (db/figures.py, db/work_items.py)
    "case_days": "case_id", "case_tallies": "case_id", "work_items": "case_id",
}
# the projections the template's own acts wrote beside its rows (the figures' days and tallies, the
# queue's items): copied with it, so a replicated case is as the act would have left it
PROJECTIONS = ("case_days", "case_tallies", "work_items")
SKIP_COLUMNS = {"case_events": {"id"}, "timers": {"id"}}
JSON_COLUMNS = {"cases": {"snapshot"}, "case_events": {"payload"}}


def read_template(backend: Backend, tables: Iterable[str]) -> dict[str, tuple[list[str], list[tuple]]]:
    """The template's stored rows, as the bare driver returns them (JSON columns as text)."""
    from db import tables as t

    key_of = {"operators": TPL_OP, "bases": TPL_BASE}
    raw = backend.raw()
    out = {}
    for name in tables:
        cols = [c.name for c in t.metadata.tables[name].columns if c.name not in SKIP_COLUMNS.get(name, ())]
        select = ", ".join(f'"{c}"::text' if backend.kind == "postgres" and c in JSON_COLUMNS.get(name, ())
                           else f'"{c}"' for c in cols)
        order = " ORDER BY seq" if name == "case_events" else ""
        rows = raw.execute(f'SELECT {select} FROM {name} WHERE "{TABLES[name]}" = {backend.ph}{order}',
                           (key_of.get(name, TPL_CASE),)).fetchall()
        out[name] = (cols, [tuple(r) for r in rows])
    raw.close()
    return out


class Replicator:
    """Rows of case n: the template's rows with the template's ids, credit code and hash chain replaced."""

    def __init__(self, template: dict[str, tuple[list[str], list[tuple]]], *,
                 timer_rows: Callable[[int, list[tuple]], list[tuple]] | None = None) -> None:
        self.template = template
        self.timer_rows = timer_rows
        self.code0 = credit_code(0)
        events = template.get("case_events")
        self.head0 = events[1][-1][events[0].index("hash")] if events and events[1] else None

    def ids(self, n: int) -> tuple[str, str, str, str]:
        return f"ca{n:09d}", f"ba{n:09d}", f"op{n:09d}", credit_code(n)

    def rows(self, n: int) -> dict[str, list[tuple]]:
        cid, bid, oid, code = self.ids(n)

        def sub(v):
            if isinstance(v, str):
                # the case list's search column (issue 16) holds the credit code lower-cased
                return (v.replace(TPL_CASE, cid).replace(TPL_BASE, bid).replace(TPL_OP, oid).replace(self.code0, code)
                        .replace(self.code0.lower(), code.lower()))
            return v

        out: dict[str, list[tuple]] = {}
        head = None
        if "case_events" in self.template:
            cols, rows = self.template["case_events"]
            ic, ip, ih = cols.index("canonical"), cols.index("prev_hash"), cols.index("hash")
            previous, new_rows = "0" * 64, []
            for row in rows:
                new = [sub(v) for v in row]
                new[ic] = new[ic].replace(f'"prev_hash":"{row[ip]}"', f'"prev_hash":"{previous}"')
                new[ip] = previous
                new[ih] = previous = hashlib.sha256(new[ic].encode()).hexdigest()
                new_rows.append(tuple(new))
            out["case_events"], head = new_rows, previous
        for name, (cols, rows) in self.template.items():
            if name == "case_events":
                continue
            if name == "timers" and self.timer_rows is not None:
                rows = self.timer_rows(n, rows)
            new_rows = [tuple(sub(v) for v in row) for row in rows]
            if name == "cases" and head is not None and self.head0:
                i = cols.index("snapshot")
                new_rows = [r[:i] + (r[i].replace(self.head0, head),) + r[i + 1:] for r in new_rows]
            out[name] = new_rows
        return out


def replicate(backend: Backend, rep: Replicator, start: int, count: int, *, batch: int = 2000,
              progress: bool = False) -> float:
    """Inserts cases start … start+count-1; returns the seconds it took."""
    t0 = time.perf_counter()
    raw = backend.raw()
    order = [n for n in TABLES if n in rep.template]
    cols = {n: rep.template[n][0] for n in order}
    for lo in range(start, start + count, batch):
        buckets: dict[str, list[tuple]] = {n: [] for n in order}
        for n in range(lo, min(lo + batch, start + count)):
            for name, rows in rep.rows(n).items():
                buckets[name].extend(rows)
        _bulk(backend, raw, order, cols, buckets)
        if progress and (lo - start) % (batch * 25) == 0:
            print(f"    … {lo - start + batch:,} / {count:,} cases ({time.perf_counter() - t0:.0f} s)", flush=True)
    raw.close()
    return time.perf_counter() - t0


def _bulk(backend: Backend, raw, order, cols, buckets) -> None:
    if backend.kind == "sqlite":
        raw.execute("BEGIN")
        for name in order:
            c = cols[name]
            raw.executemany(f'INSERT INTO {name} ({", ".join(chr(34) + x + chr(34) for x in c)}) '
                            f'VALUES ({", ".join("?" * len(c))})', buckets[name])
        raw.execute("COMMIT")
    else:
        with raw.transaction():
            cur = raw.cursor()
            for name in order:
                if not buckets[name]:
                    continue
                c = ", ".join(f'"{x}"' for x in cols[name])
                with cur.copy(f"COPY {name} ({c}) FROM STDIN") as copy:
                    for row in buckets[name]:
                        copy.write_row(row)


def fresh_db(kind: str, tag: str, build: Callable[[Backend], None], *, cache: bool = True) -> Backend:
    """A built database, made once per (kind, tag) and copied for each round that changes it."""
    backend = Backend(kind, tag)
    backend.create()
    build(backend)
    backend.analyze()
    return backend


def backends(args: argparse.Namespace, report: Report) -> Iterator[str]:
    """The backends asked for that can run here; one left out is noted in the report, not skipped silently."""
    for kind in args.backends:
        if (problem := environment_ok(kind)):
            report.note(problem)
        else:
            yield kind


def environment_ok(kind: str) -> str | None:
    if kind == "postgres":
        try:
            eng = sa.create_engine(PG_ADMIN)
            with eng.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            eng.dispose()
        except Exception as exc:  # noqa: BLE001
            return f"PostgreSQL not reachable at {PG_ADMIN}: {str(exc).splitlines()[0]}"
    return None


def main_guard(fn: Callable[[], None]) -> None:
    try:
        fn()
    except KeyboardInterrupt:
        sys.exit(130)
