"""Issue 16 probe: the work queue's first page (services.work_queue.queue_page) at ~1,000,000 cases on
PostgreSQL, p50/p95 over repeated calls, for users of several scopes, kinds and searches.

Data: ~96 real cases told act by act through the services (tests/integration/test_work_items.py's
department: applied, inspected, recognised, suspended, complaints, overdue reports, Jiangsu subsidies
revoked for fraud), then their bases, cases (snapshots rewritten with the new ids and jurisdictions)
and work_items rows replicated in SQL across 31 provinces until the wanted number of cases.

    .venv/bin/python -m bench.queue_scale [--cases 1000000] [--runs 15] [--keep]

Not one of `make bench`'s programs (no bare-driver baseline to compare with: the figure is absolute).
"""
from __future__ import annotations

import argparse
import statistics
import time
import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa

from bench.common import PG_ADMIN

TODAY = date(2025, 4, 2)
PROVINCES = ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
             "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65")


def _database(prefix: str) -> tuple[str, sa.Engine]:
    name = prefix + uuid.uuid4().hex[:6]
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    from db.migrate import upgrade

    upgrade(url)
    return name, admin


def _template(url: str, build_cases: bool = True):
    from functools import partial

    from db.engine import make_engine
    from db.uow import SqlUnitOfWork
    from services.calendars import default_calendar
    from services.policies import default_policies
    from services.runtime import Runtime
    from tests.conftest import FakeClock
    from tests.integration.test_work_items import build, department

    clock = FakeClock(datetime(2022, 1, 1, 2, 0, tzinfo=UTC))
    engine = make_engine(url)
    rt = department(Runtime(uow=partial(SqlUnitOfWork, engine, clock), clock=clock, policies=default_policies(),
                            calendar=default_calendar()))
    if build_cases:
        build(rt, clock)
    return rt, engine


def _replicate(engine: sa.Engine, copies: int, step: int = 200) -> None:
    provinces = "ARRAY[" + ",".join(f"'{p}'" for p in PROVINCES) + "]"
    where = f"({provinces})[k % {len(PROVINCES)} + 1] || substr({{col}}, 3)"
    with engine.begin() as conn:
        columns = [c["name"] for c in sa.inspect(conn).get_columns("cases")]
        for table in ("bases", "cases", "work_items"):
            conn.execute(sa.text(f"CREATE TABLE tpl_{table} AS SELECT * FROM {table}"))
        indexes = conn.execute(sa.text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'work_items' AND indexname <> 'pk_work_items'"
        )).all()
        for name, _ in indexes:
            conn.execute(sa.text(f'DROP INDEX "{name}"'))
    over = {"id": "md5(k || c.id)", "base_id": "md5(k || c.base_id)", "reference": "NULL",
            "jurisdiction": where.format(col="c.jurisdiction"),
            "snapshot": "jsonb_set(jsonb_set(jsonb_set(c.snapshot, '{id}', to_jsonb(md5(k || c.id))), "
                        "'{base_id}', to_jsonb(md5(k || c.base_id))), '{jurisdiction}', "
                        f"to_jsonb({where.format(col='c.jurisdiction')}))"}
    case_select = ", ".join(over.get(c, f"c.{c}") for c in columns)
    series = "generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) k"
    statements = [
        "INSERT INTO bases SELECT md5(k || b.id), b.operator_id, b.name || '-' || k, b.address, "
        f"{where.format(col='b.jurisdiction')}, b.created_at FROM tpl_bases b, {series}",
        f"INSERT INTO cases ({', '.join(columns)}) SELECT {case_select} FROM tpl_cases c, {series}",
        "INSERT INTO work_items SELECT md5(k || w.case_id), w.kind, w.detail, w.rank, w.due_on, w.due_key, w.window, "
        f"{where.format(col='w.jurisdiction')}, w.level, w.state, w.base_name || '-' || k, w.operator_name, "
        f"w.operator_code FROM tpl_work_items w, {series}",
    ]
    t0 = time.perf_counter()
    for lo in range(1, copies + 1, step):
        with engine.begin() as conn:
            for s in statements:
                conn.execute(sa.text(s), {"lo": lo, "hi": min(copies, lo + step - 1)})
        print(f"  {min(copies, lo + step - 1):,} / {copies:,} copies ({time.perf_counter() - t0:.0f} s)", flush=True)
    with engine.begin() as conn:
        for _, ddl in indexes:
            conn.execute(sa.text(ddl))
        conn.execute(sa.text("ANALYZE"))
    print(f"  indexes and ANALYZE done ({time.perf_counter() - t0:.0f} s)", flush=True)


def _users():
    from services.values import Grant, User

    since = datetime(2020, 1, 1, tzinfo=UTC)

    def user(name: str, *grants: tuple[str, str]) -> User:
        return User(f"u-{name}", name, name, tuple(Grant(r, j, since) for r, j in grants))

    return {"national supervisor": user("national.n", ("supervisor", "000000")),
            "province caseworker (52)": user("caseworker.q", ("caseworker", "520000")),
            "province supervisor (52)": user("supervisor.li", ("supervisor", "520000")),
            "prefecture caseworker (5201)": user("caseworker.g", ("caseworker", "520100"))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--prefix", default="incubase_queue_scale_", help="of the database's name")
    ap.add_argument("--reuse", metavar="DATABASE", help="measure a database an earlier --keep left (no build)")
    ap.add_argument("--before", action="store_true", help="time the counts as one GROUP BY (before issue 16's caps)")
    args = ap.parse_args()
    if args.reuse:
        rt, engine = _template(PG_ADMIN.rsplit("/", 1)[0] + "/" + args.reuse, build_cases=False)
        _measure(rt, engine, args.runs, args.before)
        return
    name, admin = _database(args.prefix)
    try:
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
        rt, engine = _template(url)
        with engine.connect() as conn:
            template = conn.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()
        _replicate(engine, max(0, args.cases // template - 1))
        with engine.connect() as conn:
            n_cases, n_items = (conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                                for t in ("cases", "work_items"))
        print(f"PostgreSQL: {n_cases:,} cases, {n_items:,} work_items rows; today {TODAY}")
        _measure(rt, engine, args.runs)
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _p95(times: list[float]) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]


def _counts_only(rt, user, q: str, engine: sa.Engine | None = None):
    """What queue_page's counts cost alone: the storage's work_counts for the user's scopes; with an
    engine, the counts as they were before (one GROUP BY over every row of the scopes, db.work_items
    `_grouped`, exact and uncapped)."""
    from services.case_listing import count_cap
    from services.work_items import WorkFilter
    from services.work_queue import HORIZON, SEARCH_SCAN, _scopes

    mine, others = _scopes(user)
    where = WorkFilter(TODAY, TODAY + HORIZON, q.strip())
    if engine is not None:
        from db.work_items import _grouped

        with engine.connect() as conn:
            return _grouped(conn, mine, others, where)
    with rt.reads() as uow:
        return uow.cases.work_counts(mine, others, where, count_cap(q), SEARCH_SCAN)


def _measure(rt, engine: sa.Engine, runs: int, before: bool = False) -> None:
    from services.work_queue import queue_page

    seen: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    print("| user | query | items | total | statements | counts p50 / p95 ms | queue_page p50 / p95 ms |\n"
          "|---|---|---|---|---|---|---|")
    for who, user in _users().items():
        for label, kw in (("first page", {}), ("kind=inspection", {"kind": "inspection"}),
                          ("kind=annual_report", {"kind": "annual_report"}), ("q=遵义", {"q": "遵义"}),
                          ("q=运营公司3", {"q": "运营公司3"}), ("q=毕节 (no match)", {"q": "毕节"}),
                          ("second page", {"second": True})):
            if who == "national supervisor" and kw.get("q") == "毕节":
                # the page (not the counts) walks the whole country in order to find no match: 61 s
                # once (bench/README.md); not repeated here
                continue
            after = None
            if kw.pop("second", False):
                after = queue_page(rt, user, TODAY, size=100).items[-1].order
            times, counted = [], []
            for _ in range(runs):
                t0 = time.perf_counter()
                _counts_only(rt, user, kw.get("q", ""), engine if before else None)
                counted.append((time.perf_counter() - t0) * 1000)
                seen.clear()
                t0 = time.perf_counter()
                page = queue_page(rt, user, TODAY, size=100, after=after, **kw)
                times.append((time.perf_counter() - t0) * 1000)
            total = f"{page.total:,}"
            if getattr(page, "total_more", False):
                total = f"more than {total}"
            elif getattr(page, "partial", False):
                total = f"at least {total}"
            print(f"| {who} | {label} | {len(page.items)} | {total} | {len(seen)} | "
                  f"{statistics.median(counted):.0f} / {_p95(counted):.0f} | "
                  f"{statistics.median(times):.0f} / {_p95(times):.0f} |", flush=True)


if __name__ == "__main__":
    main()
