"""python -m bench.case_list_plans [cases] [--reuse]: the PostgreSQL plans of the case list's main shapes (issue 16).

Builds a database `incubase_case_list_plans` (dropped first) at INCUBASE_BENCH_POSTGRES_URL's server,
migrates it, fills `cases` with generated rows by SQL (the listing columns as the acts write them;
no events: a plan reads only `cases`), ANALYZEs, then runs each shape through the repository's own
`summaries` and prints EXPLAIN ANALYZE of every statement it sent, with the time each took.
"""
from __future__ import annotations

import os
import sys
import time
from datetime import date

import sqlalchemy as sa

from db.engine import make_engine
from db.migrate import upgrade
from db.repository import SqlCaseRepository
from db.tables import LIST_INDEXES
from services.case_listing import encode_cursor
from services.ports import CaseFilter

SERVER = os.environ.get("INCUBASE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NAME = "incubase_case_list_plans"

# the listing's indexes are dropped for the fill and built after it (building 13 indexes row by row
# of 1,000,000 cases takes many times as long)
INDEXES = [*(f"ix_cases_list_{name}" for name in LIST_INDEXES), "ix_cases_search_trgm", "ix_cases_base_id",
           "ix_cases_operator_code", "uq_cases_reference", "ix_cases_one_open_per_base"]
FILL = """
INSERT INTO operators (id, credit_code, name, created_at)
  SELECT 'op' || i, '9152' || lpad(i::text, 14, '0'), (ARRAY['贵阳','遵义','六盘水','安顺','毕节'])[1 + i % 5]
         || '高新创业服务有限公司' || i, now() FROM generate_series(1, :n / 10) i;
INSERT INTO bases (id, operator_id, name, address, jurisdiction, created_at)
  SELECT 'ba' || i, 'op' || (1 + i % (:n / 10)), (ARRAY['贵阳','遵义','六盘水','安顺','毕节'])[1 + i % 5]
         || '市第' || i || '号创业孵化基地', '贵州省', '52' || lpad((1 + i % 9)::text, 2, '0') || '00', now()
  FROM generate_series(1, :n) i;
INSERT INTO cases (id, base_id, operator_code, level, jurisdiction, programme, reference, state, version,
                   policy_id, policy_version, applied_on, last_on, snapshot, updated_at, base_name,
                   operator_name, next_due, next_timer, search_text)
  SELECT id, base_id, operator_code, level, jurisdiction, 'base', reference, state, 5, 'p', 1, applied_on,
         last_on, '{}', now(), base_name, operator_name, next_due, next_timer,
         lower(id || chr(31) || reference || chr(31) || base_name || chr(31) || operator_name || chr(31)
               || operator_code)
  FROM (SELECT md5(i::text) AS id, 'ba' || i AS base_id, o.credit_code AS operator_code,
               (ARRAY['provincial','municipal','national'])[1 + i % 3] AS level, b.jurisdiction,
               b.jurisdiction || '-' || (2016 + i % 10) || '-' || lpad(i::text, 7, '0') AS reference,
               (ARRAY['applied','inspected','recognized','assessed','revoked','withdrawn','lapsed'])[1 + i % 7]
               AS state, date '2016-01-01' + (i % 3650) AS applied_on,
               date '2016-01-01' + (i % 3650) + (i % 400) AS last_on, b.name AS base_name, o.name AS operator_name,
               CASE WHEN i % 7 IN (2, 3) THEN date '2026-01-01' + (i % 900) END AS next_due,
               CASE WHEN i % 7 IN (2, 3) THEN 'annual_report:' || (2025 + i % 3) END AS next_timer
        FROM generate_series(1, :n) i JOIN bases b ON b.id = 'ba' || i JOIN operators o ON o.id = b.operator_id) g
"""


def shapes(sample_id: str) -> dict[str, CaseFilter]:
    province = ("520000",)
    return {
        "province, newest first": CaseFilter(scopes=province, sort="-applied_on", limit=50),
        "province, page 200 by cursor": CaseFilter(scopes=province, sort="-applied_on", limit=50,
                                                   after=(date(2020, 6, 1), "8")),
        "city, state filter, by update": CaseFilter(scopes=province, jurisdiction="520300", state="recognized",
                                                    sort="-updated", limit=50),
        "province, next deadline first": CaseFilter(scopes=province, sort="next_due", limit=50),
        "province, next due, past the valued rows": CaseFilter(scopes=province, sort="next_due", limit=50,
                                                                after=(None, "8")),
        "province, by state": CaseFilter(scopes=province, sort="state", limit=50),
        "country (no scope), year": CaseFilter(applied_in=2021, sort="-applied_on", limit=50),
        "search: Chinese name fragment (3 chars)": CaseFilter(scopes=province, text="第1234号", limit=50),
        "search: 2-char Chinese fragment": CaseFilter(scopes=province, text="遵义", limit=50),
        "search: credit code fragment": CaseFilter(scopes=province, text="00000001234", limit=50),
        "search: id prefix": CaseFilter(scopes=province, text=sample_id[:8], limit=50),
        "search: 受理编号": CaseFilter(scopes=province, text="520300-2019-", limit=50),
    }


def main(n: int = 50_000, reuse: bool = False) -> None:
    url = SERVER.rsplit("/", 1)[0] + "/" + NAME
    # reuse: the database of the last run as it is, for the plans again after a change of the code
    engine = make_engine(url) if reuse else _generated(url, n)
    _plans(engine)
    engine.dispose()


def _generated(url: str, n: int):
    server = make_engine(SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {NAME}"))
        conn.execute(sa.text(f"CREATE DATABASE {NAME}"))
    server.dispose()
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        kept = {name: conn.execute(sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :i"), {"i": name})
                .scalar_one() for name in INDEXES}
        for name in INDEXES:
            conn.execute(sa.text(f"DROP INDEX {name}"))
        started = time.perf_counter()
        for statement in FILL.strip().split(";\n"):
            conn.execute(sa.text(statement), {"n": n})
        print(f"# filled in {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        for definition in kept.values():
            conn.execute(sa.text(definition))
        print(f"# indexes built in {time.perf_counter() - started:.0f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE cases"))
    return engine


def _plans(engine) -> None:
    with engine.connect() as conn:
        sample = conn.execute(sa.text("SELECT id FROM cases ORDER BY id OFFSET 777 LIMIT 1")).scalar_one()
        n = conn.execute(sa.text("SELECT count(*) FROM cases")).scalar_one()
        print(f"# {n} cases; PostgreSQL {conn.execute(sa.text('SHOW server_version')).scalar_one()}")
        for title, query in shapes(sample).items():
            sent: list[tuple[str, object]] = []

            def record(conn_, cursor, statement, parameters, context, executemany, sent=sent):
                sent.append((statement, parameters))

            sa.event.listen(engine, "before_cursor_execute", record)
            started = time.perf_counter()
            page = SqlCaseRepository(conn, clock=None).summaries(query)
            took = (time.perf_counter() - started) * 1000
            sa.event.remove(engine, "before_cursor_execute", record)
            print(f"\n## {title}: {len(page.rows)} rows, total {page.total}{'+' if page.total_capped else ''}, "
                  f"{took:.1f} ms; next {encode_cursor(query.sort, *page.next_after) if page.next_after else None}")
            for statement, parameters in sent:
                raw = conn.connection.driver_connection
                with raw.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + statement, parameters)
                    print("\n".join("    " + r[0] for r in cursor.fetchall()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000, reuse="--reuse" in sys.argv)
