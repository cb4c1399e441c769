"""8. The reads of a national record (issue 16): the work queue, the dashboard, the case list with each
filter, sort and a deep page, search by name, credit code and reference, and the statistics of a
province and of the country — each requested N times through the real ASGI app (FastAPI's
TestClient, signed in as a province's caseworker, a prefecture's caseworker, a national supervisor
and a national auditor), p50 and p95; vs. the bare-driver SQL a perfect implementation would need
for the same answer (the rows of the page, the counts of the grid), on the same data and indexes.

Targets (issue 16, absolute, on PostgreSQL at 1,000,000 cases): p95 < 300 ms for the queue, the
dashboard, the case list and search; statistics of a province and a year < 2 s, of the country < 10 s.
The ratio project / baseline says how far from the data's own cost a read is.

Data: bench/reads_templates.py records ~270 template cases through the service (every state, level and
year 2017-2026), bench/reads_data.py copies them with new ids, places and hash chains to `cases`
cases (COPY on PostgreSQL). The database is kept and reused by the next run of the same size and code
(`--size reuse=0` builds it again). Full size: `--backend postgres --size cases=1000000`; SQLite's full
size is `sqlite_cases` (100,000: one writer, and the reads are the same code).
"""
from __future__ import annotations

import functools
import hashlib
import html
import json
import re
import time
from collections import Counter
from pathlib import Path

from bench import common as c
from bench import reads_data as data
from bench import reads_templates as tpl

STATS_PROVINCE_MS, STATS_COUNTRY_MS, READ_MS = 2_000, 10_000, 300
# the share of the record each shape of story takes (recognised bases are most of a register)
SHAPE_WEIGHT = {"reported": 6, "assessed": 6, "paid": 4, "approved": 2, "rectifying": 2, "rejected": 2,
                "revoked": 1, "complaints": 1, "suspended": 1, "applied": 1, "inspected": 1, "withdrawn": 1}
USERS = (("bench.province", "省厅经办人", "caseworker", "province"), ("bench.city", "市局经办人", "caseworker", "city"),
         ("bench.national", "部级审批人", "supervisor", "000000"), ("bench.auditor", "部级审计员", "auditor", "000000"))


# --- the record -----------------------------------------------------------------------------------

def cache_key(kind: str, cases: int) -> str:
    """What the generated database depends on: the generator's code, the schema's head and the size."""
    from db import tables

    here = Path(__file__).parent
    text = "".join((here / f).read_text() for f in ("reads_data.py", "reads_templates.py", "common.py"))
    text += Path(tables.__file__).read_text() + "".join(
        sorted(p.name for p in (Path(tables.__file__).parent / "migrations" / "versions").glob("*.py")))
    return hashlib.sha256(f"{kind}|{cases}|{text}".encode()).hexdigest()[:16]


def _stored_key(backend: c.Backend) -> str | None:
    marker = c.DATA / f"{backend.tag}.{backend.kind}.key"
    if not marker.exists():
        return None
    try:
        raw = backend.raw()
        n = raw.execute("SELECT count(*) FROM cases").fetchone()[0]
        raw.close()
    except Exception:  # noqa: BLE001 — no database, or not migrated: not a cached record
        return None
    return marker.read_text().strip() if n else None


def record(kind: str, cases: int, reuse: bool, report: c.Report, every: int = 1) -> tuple[c.Backend, dict]:
    """The generated database of `cases` cases (reused when its key matches) and the facts of it the
    reads look for: the busiest province and prefecture, a name fragment, a credit code, a reference."""
    backend = c.Backend(kind, f"b8_{cases}")
    key = cache_key(kind, cases) + f"-{every}"
    marker = c.DATA / f"{backend.tag}.{kind}.key"
    if reuse and _stored_key(backend) == key:
        report.note(f"{kind}: reusing the generated record of {cases:,} cases ({backend.url})")
    else:
        marker.unlink(missing_ok=True)
        t0 = time.perf_counter()
        small = c.Backend(kind, "b8_templates").create()
        rt = c.runtime(small, tpl.NOW)
        templates = tpl.build(rt, log=report.note, every=every)
        rt.uow.args[0].dispose()
        cols, compiled = data.read_templates(small, [t.case_id for t in templates])
        for name, rows in data.uncopied(small):
            report.note(f"uncopied: table {name} ({rows} rows in the templates' database) is neither a case's "
                        "nor a party's: rebuild it on the copy with its own command")
        small.drop()
        per_shape = Counter(t.shape for t in templates)
        weights = [max(1, round(12 * SHAPE_WEIGHT[t.shape] / per_shape[t.shape])) for t in templates]
        backend.create()
        secs = data.replicate(backend, cols, compiled, weights, cases, progress=cases >= 50_000)
        data.recount(backend)
        # VACUUM too on PostgreSQL: rows just COPYed are not yet all-visible, so an index-only scan
        # (the case list's capped counts, the dashboard's grid) fetched every heap row — production's
        # autovacuum sets the visibility map; a bench that never ran it measured the heap (bench/README.md, dash16)
        backend.analyze(vacuum=True)
        _add_users(backend, _facts(backend))
        c.DATA.mkdir(parents=True, exist_ok=True)
        marker.write_text(key)
        report.note(f"{kind}: {cases:,} cases generated in {time.perf_counter() - t0:.0f} s "
                    f"(copying {secs:.0f} s)")
    facts = _facts(backend)
    report.note(f"{kind}: record {json.dumps(facts['shape'], ensure_ascii=False)}")
    return backend, facts


def _facts(backend: c.Backend) -> dict:
    raw = backend.raw()
    one = lambda sql, *a: raw.execute(sql, a).fetchone()  # noqa: E731
    # ties broken by code: provinces of equal size are common (copies are dealt out in turn), and the
    # facts read again by a later run must name the province and prefecture the users were granted
    province = one("SELECT substr(jurisdiction, 1, 2) AS p, count(*) FROM cases GROUP BY p ORDER BY 2 DESC, 1")[0]
    p = f"{province}%"
    city = one(f"SELECT substr(jurisdiction, 1, 4) AS q, count(*) FROM cases WHERE jurisdiction LIKE {backend.ph} "
               "AND substr(jurisdiction, 3, 4) <> '0000' GROUP BY q ORDER BY 2 DESC, 1", p)[0]
    code, reference, cid = one(f"SELECT operator_code, reference, id FROM cases WHERE jurisdiction LIKE {backend.ph} "
                               "AND reference IS NOT NULL ORDER BY id LIMIT 1 OFFSET 7", p)
    name = one(f"SELECT b.name FROM bases b JOIN cases k ON k.base_id = b.id WHERE k.id = {backend.ph}", cid)[0]
    shape = {
        "cases": one("SELECT count(*) FROM cases")[0],
        "events": one("SELECT count(*) FROM case_events")[0],
        "timers_pending": one("SELECT count(*) FROM timers WHERE fired_at IS NULL")[0],
        "timers_fired": one("SELECT count(*) FROM timers WHERE fired_at IS NOT NULL")[0],
        "provinces": one("SELECT count(DISTINCT substr(jurisdiction, 1, 2)) FROM cases")[0],
        "jurisdictions": one("SELECT count(DISTINCT jurisdiction) FROM cases")[0],
        "states": dict(raw.execute("SELECT state, count(*) FROM cases GROUP BY state ORDER BY 2 DESC").fetchall()),
        "levels": dict(raw.execute("SELECT level, count(*) FROM cases GROUP BY level ORDER BY 2 DESC").fetchall()),
        "applied_years": [str(v) for v in one("SELECT min(applied_on), max(applied_on) FROM cases")],
    }
    raw.close()
    return {"province": province + "0000", "city": city + "00", "credit_code": code, "reference": reference,
            "case_id": cid, "name": name, "fragment": data.THEMES[0][:3], "shape": shape}


def _add_users(backend: c.Backend, facts: dict) -> None:
    from services import users

    rt = c.runtime(backend, tpl.NOW)
    for username, display, role, scope in USERS:
        code = {"province": facts["province"], "city": facts["city"]}.get(scope, scope)
        users.add_user(rt, username, display, [(role, code)])
    rt.uow.args[0].dispose()


# --- the reads ------------------------------------------------------------------------------------

def reads(f: dict) -> list[tuple[str, str, str, str]]:
    """(what, who, path, target kind) of every read measured."""
    p, city, frag = f["province"], f["city"], f["fragment"]
    out = [
        ("queue first page, province", "bench.province", "/queue", "read"),
        ("queue first page, prefecture", "bench.city", "/queue", "read"),
        ("queue first page, national", "bench.national", "/queue", "read"),
        ("queue ?kind=inspection, province", "bench.province", "/queue?kind=inspection", "read"),
        ("queue ?q=name fragment, province", "bench.province", f"/queue?q={frag}", "read"),
        ("API timers overdue (the queue's API), province", "bench.province", "/api/v1/timers?overdue=true", "read"),
        ("API timers first page, province", "bench.province", "/api/v1/timers", "read"),
        ("dashboard, province", "bench.province", "/dashboard", "read"),
        ("dashboard, prefecture", "bench.city", "/dashboard", "read"),
        ("dashboard, national", "bench.auditor", "/dashboard?jurisdiction=000000", "read"),
        ("case list page, province", "bench.province", "/cases", "read"),
        ("case list page, national", "bench.auditor", "/cases", "read"),
        ("case list page 2 (by cursor), province", "bench.province", "/cases#page=2", "read"),
        ("case list page 100 (by cursor), province", "bench.province", "/cases#page=100", "read"),
        ("case list page ?q=name fragment", "bench.province", f"/cases?q={frag}", "read"),
        ("case list page ?state=recognized", "bench.province", "/cases?state=recognized", "read"),
        ("case list page ?level=provincial", "bench.province", "/cases?level=provincial", "read"),
        ("case list page ?year=2024", "bench.province", "/cases?year=2024", "read"),
        ("case list page ?jurisdiction=prefecture", "bench.province", f"/cases?jurisdiction={city}", "read"),
    ]
    for sort in ("-applied_on", "applied_on", "-updated", "next_due", "state"):
        out.append((f"case list page sort={sort}", "bench.province", f"/cases?sort={sort}", "read"))
    api = "/api/v1/cases"
    out += [
        ("API cases, province", "bench.province", api, "read"),
        ("API cases, national", "bench.auditor", api, "read"),
        ("API cases page 2 (by cursor)", "bench.province", f"{api}#page=2", "read"),
        ("API cases page 100 (by cursor)", "bench.province", f"{api}#page=100", "read"),
        ("API cases ?state=recognized", "bench.province", f"{api}?state=recognized", "read"),
        ("API cases ?level=provincial", "bench.province", f"{api}?level=provincial", "read"),
        ("API cases ?jurisdiction=prefecture", "bench.province", f"{api}?jurisdiction={city}", "read"),
        ("API cases ?year=2024", "bench.province", f"{api}?year=2024", "read"),
        ("API cases ?timer_due_before=today+30", "bench.province", f"{api}?timer_due_before=2026-07-10", "read"),
    ]
    for sort in ("applied_on", "-applied_on", "updated", "-updated", "next_due", "-next_due", "state", "-state"):
        out.append((f"API cases sort={sort}", "bench.province", f"{api}?sort={sort}", "read"))
    out += [
        ("search: name fragment (API q)", "bench.province", f"{api}?q={frag}", "read"),
        ("search: whole base name (API q)", "bench.province", f"{api}?q={f['name']}", "read"),
        ("search: credit code (API q)", "bench.province", f"{api}?q={f['credit_code']}", "read"),
        ("search: credit code (API credit_code=)", "bench.province", f"{api}?credit_code={f['credit_code']}", "read"),
        ("search: reference 受理编号 (API q)", "bench.province", f"{api}?q={f['reference']}", "read"),
        ("search: case id start (API q)", "bench.province", f"{api}?q={f['case_id'][:9]}", "read"),
        ("search: national, name fragment (API q)", "bench.auditor", f"{api}?q={frag}", "read"),
        ("stats, province, 2025", "bench.province", f"/api/v1/stats?jurisdiction={p}&year=2025", "stats_province"),
        ("stats, country (000000), 2025", "bench.auditor", "/api/v1/stats?jurisdiction=000000&year=2025",
         "stats_country"),
    ]
    return out


def baseline_sql(what: str, f: dict, kind: str) -> tuple[str, tuple]:
    """The one statement a perfect implementation would run for the read (a page of 50, or the counts)."""
    ph = "?" if kind == "sqlite" else "%s"
    p = f["province"][:2] + "%"
    scope = p if ", national" not in what and "national" not in what else "%"
    if "prefecture" in what and "jurisdiction=" not in what:
        scope = f["city"][:4] + "%"
    page = ("SELECT k.id, k.reference, k.state, k.level, k.jurisdiction, k.applied_on, b.name "
            "FROM cases k JOIN bases b ON b.id = k.base_id WHERE k.jurisdiction LIKE {ph}{more} "
            "ORDER BY {order} LIMIT 50")
    order = "k.applied_on DESC, k.id DESC"
    for s, o in (("-applied_on", "k.applied_on DESC, k.id DESC"), ("applied_on", "k.applied_on, k.id"),
                 ("-updated", "k.updated_at DESC, k.id DESC"), ("updated", "k.updated_at, k.id"),
                 ("state", "k.state, k.id"), ("-state", "k.state DESC, k.id")):
        if what.endswith(f"sort={s}"):
            order = o
    if what.startswith("API cases") and "sort=" not in what:
        order = "k.applied_on, k.id"
    if what.startswith("queue") or what.startswith("API timers") or "next_due" in what or "timer_due" in what:
        # the next pending deadline of each case, soonest first: the queue's and next_due's rows
        sql = ("SELECT t.case_id, min(t.fires_on) AS due FROM timers t JOIN cases k ON k.id = t.case_id "
               f"WHERE t.fired_at IS NULL AND k.jurisdiction LIKE {ph} AND t.fires_on <= {ph} "
               "GROUP BY t.case_id ORDER BY due, t.case_id LIMIT 50")
        until = "2026-06-10" if "overdue" in what else "9999-12-31" if "next_due" in what else "2026-07-10"
        return sql, (scope, until)
    if what.startswith("dashboard"):
        return (f"SELECT state, level, count(*) FROM cases WHERE jurisdiction LIKE {ph} GROUP BY state, level",
                (scope,))
    if what.startswith("stats"):
        # the year's acts by level and kind, and the cases by state: what the published figures count
        scope = "%" if "country" in what else p
        return (f"SELECT k.level, e.act, count(*) FROM case_events e JOIN cases k ON k.id = e.case_id "
                f"WHERE k.jurisdiction LIKE {ph} AND e.\"on\" BETWEEN {ph} AND {ph} GROUP BY k.level, e.act",
                (scope, "2025-01-01", "2025-12-31"))
    more, args = "", [scope]
    if "credit code" in what:
        more, args = f" AND k.operator_code = {ph}", [scope, f["credit_code"]]
    elif "reference" in what:
        more, args = f" AND k.reference = {ph}", [scope, f["reference"]]
    elif "case id" in what:
        more, args = f" AND k.id LIKE {ph}", [scope, f["case_id"][:9] + "%"]
    elif "whole base name" in what:
        more, args = f" AND b.name LIKE {ph}", [scope, f"%{f['name']}%"]
    elif "name fragment" in what:
        more, args = f" AND b.name LIKE {ph}", [scope, f"%{f['fragment']}%"]
    elif "state=" in what:
        more, args = f" AND k.state = {ph}", [scope, "recognized"]
    elif "level=" in what:
        more, args = f" AND k.level = {ph}", [scope, "provincial"]
    elif "year=" in what:
        more, args = f" AND k.applied_on BETWEEN {ph} AND {ph}", [scope, "2024-01-01", "2024-12-31"]
    elif "jurisdiction=" in what:
        more, args = "", [f["city"][:4] + "%"]
    sql = page.format(ph=ph, more=more, order=order)
    if "offset 4950" in what or "page 100" in what:
        sql += " OFFSET 4950"  # keyset would seek past 4,950 rows; the offset is the bound a list pays today
    elif "offset 50" in what or "page 2" in what:
        sql += " OFFSET 50"
    return sql, tuple(args)


def deep_page(get, path: str) -> str:
    """`…#page=N`: the address of the list's Nth page (or its last, if it has fewer), following each
    page's next link: the API's `next`, the page's rel="next" (pages are linked by keyset cursor)."""
    path, _, number = path.partition("#page=")
    for _ in range(int(number) - 1):
        answer = get(path=path)
        if path.startswith("/api/"):
            following = answer.json()["next"]
        else:
            found = re.search(r'<a href="([^"]+)" id="next-page"', answer.text)
            following = found and html.unescape(found.group(1))
        if not following:
            break
        path = following
    return path


def measure(fn, n: int, budget_s: float) -> list[float]:
    """Seconds of up to n calls, stopping once `budget_s` is spent (at least one call)."""
    out: list[float] = []
    t_end = time.perf_counter() + budget_s
    while len(out) < n and (not out or time.perf_counter() < t_end):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))] if xs else float("nan")


def run(kind: str, args, report: c.Report) -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app
    from config import Settings
    from services import users

    cases = args.sizes["cases"] if kind == "postgres" else args.sizes["sqlite_cases"]
    backend, facts = record(kind, cases, bool(args.sizes["reuse"]), report, args.sizes["templates_every"])
    rt = c.runtime(backend, tpl.NOW)
    tokens = {u: users.create_token(rt, u, "bench b8") for u, *_ in USERS}
    # the expensive-read limiter up to its maximum: what is measured is the read, not the bucket
    settings = Settings(database_url=backend.url, expensive_reads_burst=10_000, expensive_reads_per_minute=100_000)
    app = create_app(settings, runtime=rt)
    raw = backend.raw()
    n, budget = args.sizes["requests"], args.sizes["budget_s"]
    try:
        with TestClient(app) as client:
            only = [w.strip() for w in args.sizes["only"].split(",") if w.strip()]
            for what, who, path, target in reads(facts):
                if only and not any(w in what for w in only):  # `--size only=dashboard,state=`: a few reads
                    continue
                headers = {"Authorization": f"Bearer {tokens[who]}"}
                cookies = {"incubase_session": tokens[who]}

                def get(path=path, headers=headers, cookies=cookies, who=who):
                    client.cookies.clear()
                    for k, v in cookies.items():
                        client.cookies.set(k, v)
                    r = client.get(path, headers=headers if path.startswith("/api/") else {})
                    if r.status_code != 200:
                        raise RuntimeError(f"{path} as {who}: {r.status_code} {r.text[:300]}")
                    return r

                if "#page=" in path:  # issue 16: a deep page is reached by its cursor, found by walking
                    path = deep_page(get, path)
                    get = functools.partial(get, path=path)
                first = get()  # warm: the pool, the policies, the page's template
                size = len(first.content)
                project = measure(get, n, budget)
                sql, params = baseline_sql(what, facts, kind)
                cur = raw.execute(sql, params)
                found = len(cur.fetchall())
                baseline = measure(lambda sql=sql, params=params: raw.execute(sql, params).fetchall(), n, budget)
                limit_ms = {"read": READ_MS, "stats_province": STATS_PROVINCE_MS,
                            "stats_country": STATS_COUNTRY_MS}[target]
                pp, bp = p95(project) * 1000, p95(baseline) * 1000
                report.add(kind, what, [pp], [bp], "ms p95", higher_is_better=False, target=f"p95<{limit_ms:,}ms",
                           met=pp < limit_ms, p50_ms=round(c.median(project) * 1000, 1),
                           baseline_p50_ms=round(c.median(baseline) * 1000, 2), requests=len(project),
                           answer_bytes=size, baseline_rows=found, path=path, cases=cases)
    finally:
        raw.close()
        rt.uow.args[0].dispose()
        if not args.sizes["reuse"]:
            backend.drop()
            (c.DATA / f"{backend.tag}.{kind}.key").unlink(missing_ok=True)


def main(argv=None) -> None:
    args = c.parse("b8_reads", __doc__,
                   sizes={"cases": 1_000_000, "sqlite_cases": 100_000, "requests": 20, "budget_s": 60.0, "reuse": 1,
                          "templates_every": 1, "only": ""},
                   smoke_sizes={"cases": 200, "sqlite_cases": 200, "requests": 1, "budget_s": 2.0, "reuse": 0,
                                "templates_every": 12, "only": ""},
                   argv=argv)
    c.header(args, "reads of a national record (queue, dashboard, case list, search, statistics) vs bare SQL")
    report = c.Report("b8_reads", args)
    report.note(f"business day {tpl.TODAY}; p95 over up to {args.sizes['requests']} requests a read "
                f"(fewer when a read's {args.sizes['budget_s']} s budget ran out: `requests` in each row)")
    for kind in c.backends(args, report):
        run(kind, args, report)
    report.finish()


if __name__ == "__main__":
    c.main_guard(main)

