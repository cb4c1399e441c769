"""A national record for b8 (issue 16): the template cases (bench/reads_templates.py, recorded
through the service) replicated with new ids into a database of the same backend, by the bare
driver (executemany on SQLite, COPY on PostgreSQL).

What is copied is found, not listed: the operators and bases of the templates, and EVERY table of
db/tables.py's metadata with a `case_id` column (events, timers, instalments, complaints, bans,
reminders, and any projection table added later), every column but an autoincrement key. So a
projection that lands later is carried with no change here, as long as its rows name their case.
A table of neither kind that the templates' acts filled (a tally kept by jurisdiction, say) cannot be
copied row by row: it is named in the run's notes (`uncopied`), to be rebuilt by its own command.

Each template string is compiled once into a format string whose slots are the template's
identifiers — case id, base id, operator id, credit code, base and operator names, reference, the
jurisdiction, the events' hashes — so a copy is one `str.format` per value. Copy n gets its own ids
and credit code, a base name with a place, a theme and a number (what searches look for), another
division of the same level (31 provinces, their prefectures and counties), and its own hash chain:
each event's canonical text is re-hashed with the new previous hash, and the new hashes replace the
old wherever a row repeats them (the case's snapshot holds its head). Dates are the template's:
each template is one real story of its year.
"""
from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa

from bench import common as c

PARTY_TABLES = ("operators", "bases")
THEMES = ("大学生创业园", "返乡创业园", "科技企业孵化器", "众创空间", "退役军人创业基地", "电商创业园",
          "文创产业园", "留学人员创业园", "妇女创业基地", "农民工返乡创业中心")
# shares of the national record by province: a few large ones, a long tail (deterministic)
PROVINCE_WEIGHT_SEED = 16


def case_tables(metadata: sa.MetaData) -> list[sa.Table]:
    """Operators, bases, cases, then every table whose rows name a case, in foreign-key order."""
    ordered = metadata.sorted_tables
    return [t for t in ordered if t.name in (*PARTY_TABLES, "cases") or "case_id" in t.c]


def copied_columns(table: sa.Table) -> list[sa.Column]:
    """Every column but a surrogate key the database numbers itself."""
    def numbered(col: sa.Column) -> bool:
        return (col.primary_key and isinstance(col.type, sa.Integer) and len(table.primary_key.columns) == 1
                and col.autoincrement in (True, "auto"))
    return [col for col in table.columns if not numbered(col)]


def _is_json(col: sa.Column) -> bool:
    typ = col.type
    return isinstance(typ, sa.JSON) or isinstance(getattr(typ, "impl", None), sa.JSON)


@dataclass
class Compiled:
    """One template case, its rows as format strings over its identifiers."""

    case_id: str
    level_of_place: str  # province | prefecture | county: the division level its copies move to
    jurisdiction: str
    tables: dict[str, list[list]]  # per table, rows whose str values are format strings
    event_slots: list[int]  # slot of each event's hash, in seq order
    canonical_at: int
    prev_at: int
    hash_at: int
    slot_count: int
    values: dict[str, str] = field(default_factory=dict)


def _division_level(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    return "prefecture" if code.endswith("00") else "county"


def read_templates(backend: c.Backend, case_ids: list[str]) -> tuple[dict[str, list[str]], list[Compiled]]:
    """The stored rows of the template cases, compiled; and the columns copied per table."""
    from db import tables as t

    tables = case_tables(t.metadata)
    cols = {tb.name: [col.name for col in copied_columns(tb)] for tb in tables}
    raw = backend.raw()
    compiled = []
    for cid in case_ids:
        case_row = raw.execute("SELECT base_id, operator_code, jurisdiction, reference FROM cases "
                               f"WHERE id = {backend.ph}", (cid,)).fetchone()
        base_id, code, juris, reference = case_row
        op_id, base_name = raw.execute(f"SELECT operator_id, name FROM bases WHERE id = {backend.ph}",
                                       (base_id,)).fetchone()
        op_name = raw.execute(f"SELECT name FROM operators WHERE id = {backend.ph}", (op_id,)).fetchone()[0]
        key_of = {"operators": ("id", op_id), "bases": ("id", base_id), "cases": ("id", cid)}
        rows: dict[str, list[tuple]] = {}
        for tb in tables:
            key, value = key_of.get(tb.name, ("case_id", cid))
            select = ", ".join(f'"{col.name}"::text' if backend.kind == "postgres" and _is_json(col)
                               else f'"{col.name}"' for col in copied_columns(tb))
            order = " ORDER BY seq" if tb.name == "case_events" else ""
            rows[tb.name] = [tuple(r) for r in raw.execute(
                f'SELECT {select} FROM {tb.name} WHERE "{key}" = {backend.ph}{order}', (value,)).fetchall()]
        compiled.append(_compile(cid, juris, reference, base_id, op_id, code, base_name, op_name, rows, cols))
    raw.close()
    return cols, compiled


# the fixed slots of every template; the events' hashes follow them
# code_lower: the credit code in the case list's search column, lower-cased (issue 16, services.case_listing)
SLOTS = ("case", "base", "operator", "code", "base_name", "operator_name", "reference", "jurisdiction", "code_lower")


def _compile(cid, juris, reference, base_id, op_id, code, base_name, op_name, rows, cols) -> Compiled:
    ev_cols = cols["case_events"]
    ic, ip, ih = ev_cols.index("canonical"), ev_cols.index("prev_hash"), ev_cols.index("hash")
    hashes = [r[ih] for r in rows["case_events"]]
    tokens: list[tuple[str, int]] = [(cid, 0), (base_id, 1), (op_id, 2), (code, 3), (base_name, 4), (op_name, 5),
                                     (code.lower(), 8)]
    if reference:
        tokens.append((reference, 6))
    tokens += [(h, len(SLOTS) + k) for k, h in enumerate(hashes)]
    tokens.sort(key=lambda tk: -len(tk[0]))  # the longest first: a reference holds the jurisdiction

    def fmt(value):
        if not isinstance(value, str):
            return value
        if value == juris:
            return "{7}"
        s = value.replace("{", "{{").replace("}", "}}")
        for token, slot in tokens:
            if token in s:
                s = s.replace(token, "{" + str(slot) + "}")
        # the jurisdiction inside JSON or text: quoted, so a number that holds its digits is left alone
        return s.replace(f'"{juris}"', '"{7}"')

    compiled_rows = {name: [[fmt(v) for v in row] for row in table_rows] for name, table_rows in rows.items()}
    # the canonical text links to the previous hash: that slot is filled as the chain is rebuilt
    return Compiled(cid, _division_level(juris), juris, compiled_rows,
                    [len(SLOTS) + k for k in range(len(hashes))], ic, ip, ih, len(SLOTS) + len(hashes),
                    {"reference": reference or ""})


class Places:
    """Divisions of the 31 provinces by level, and a deterministic draw of one for copy n."""

    def __init__(self) -> None:
        from statemachines.jurisdiction import divisions

        table = divisions().by_code
        live = [d for d in table.values() if d.abolished is None]
        # the 31 provinces of the mainland: 台湾, 香港 and 澳门 (71, 81, 82) have no divisions below them here
        provinces = sorted(d.code for d in live if d.level == "province" and d.code[:2] not in ("71", "81", "82"))
        self.names = {d.code: d.name for d in live}
        self.below: dict[tuple[str, str], list[str]] = {}
        for d in live:
            if d.level != "province":
                self.below.setdefault((d.code[:2] + "0000", d.level), []).append(d.code)
        for key in self.below:
            self.below[key].sort()
        rnd = random.Random(PROVINCE_WEIGHT_SEED)
        weights = [rnd.choice((1, 1, 2, 2, 3, 5, 8)) for _ in provinces]
        # a cumulative table of 1,000 slots: province of copy n = slots[n % 1000]
        total = sum(weights)
        self.slots: list[str] = []
        for p, w in zip(provinces, weights, strict=True):
            self.slots += [p] * round(1000 * w / total)
        self.slots = (self.slots * 2)[:1000]
        self.provinces = provinces

    def place(self, n: int, level: str) -> str:
        province = self.slots[(n * 7919) % 1000]
        if level == "province":
            return province
        choices = self.below.get((province, level)) or self.below.get((province, "county")) or [province]
        return choices[(n // 1000) % len(choices)]


def copy_rows(tpl: Compiled, n: int, places: Places) -> dict[str, list[tuple]]:
    """The rows of copy n of a template."""
    juris = places.place(n, tpl.level_of_place)
    year = tpl.values["reference"].split("-")[1] if tpl.values["reference"] else "0000"
    name = f"{places.names.get(juris[:4] + '00') or places.names.get(juris, '')}{THEMES[n % len(THEMES)]}{n:07d}号"
    slots = [f"ca{n:09d}", f"ba{n:09d}", f"op{n:09d}", c.credit_code(n), name, f"{name[:-1]}运营有限公司",
             f"{juris}-{year}-{n:07d}", juris, c.credit_code(n).lower()] + [""] * (tpl.slot_count - len(SLOTS))
    out: dict[str, list[tuple]] = {}
    events = tpl.tables.get("case_events", [])
    previous, new_events = "0" * 64, []
    for k, row in enumerate(events):
        values = [v.format(*slots) if isinstance(v, str) else v for v in row]
        # the canonical text and prev_hash named the old previous hash: its slot holds the new one's
        values[tpl.prev_at] = previous
        canonical = values[tpl.canonical_at]
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        values[tpl.hash_at] = digest
        slots[tpl.event_slots[k]] = digest
        previous = digest
        new_events.append(values)
    out["case_events"] = [tuple(v) for v in new_events]
    for name_, rows in tpl.tables.items():
        if name_ != "case_events":
            out[name_] = [tuple(v.format(*slots) if isinstance(v, str) else v for v in row) for row in rows]
    return out


def replicate(backend: c.Backend, cols: dict[str, list[str]], templates: list[Compiled], weights: list[int],
              count: int, *, batch: int = 2000, progress: bool = True) -> float:
    """Copies 1 … count, copy n of template `pick(n)`, in batches of one transaction each."""
    t0 = time.perf_counter()
    places = Places()
    plan = [i for i, w in enumerate(weights) for _ in range(w)]
    raw = backend.raw()
    order = [name for name in cols if any(name in tpl.tables for tpl in templates)]
    done = 0
    for lo in range(1, count + 1, batch):
        buckets: dict[str, list[tuple]] = {name: [] for name in order}
        for n in range(lo, min(lo + batch, count + 1)):
            tpl = templates[plan[(n * 104729) % len(plan)]]
            for name, rows in copy_rows(tpl, n, places).items():
                buckets[name].extend(rows)
        c._bulk(backend, raw, order, cols, buckets)
        done = min(lo + batch - 1, count)
        if progress and (done // batch) % 25 == 0:
            print(f"    … {done:,} / {count:,} cases ({time.perf_counter() - t0:.0f} s)", flush=True)
    raw.close()
    # the search column holds the names lower-cased, which the copy's tokens (the names as written:
    # "基准模板基地T0015号") do not match, so every copy kept its template's names there and a search by
    # name found none of them (b8's "name fragment" reads at 1,000,000 cases matched nothing): it is
    # derived again from the copied columns, as migration 0020 derives it
    from db.case_listing import rewrite_search_text

    engine = backend.engine()
    with engine.begin() as conn:
        rewrite_search_text(conn)
    engine.dispose()
    return time.perf_counter() - t0


# counters over the copied rows (db/counts.py): counted again on the copy, not copied (`recount`)
COUNTED = frozenset({"case_counts", "year_counts"})


def recount(backend: c.Backend) -> None:
    """The dashboard's counters of the copy, counted from its rows as `audit rebuild-figures` counts them."""
    from db.counts import rebuild

    engine = backend.engine()
    with engine.begin() as conn:
        rebuild(conn)
    engine.dispose()


def uncopied(backend: c.Backend) -> Iterator[tuple[str, int]]:
    """Tables the templates' acts filled that are neither parties nor rows of a case: (name, rows)."""
    from db import tables as t

    kept = {tb.name for tb in case_tables(t.metadata)}
    # tables of the deployment and its people, not of cases: never copied, never a projection
    own = {"users", "role_grants", "api_tokens", "user_totp", "recovery_codes", "signin_tickets", "security_log",
           "idempotency_keys", "application_rounds", "anchors", "deployment", "training_days", "alembic_version"}
    raw = backend.raw()
    for tb in t.metadata.sorted_tables:
        if tb.name in kept or tb.name in own or tb.name in COUNTED:
            continue
        rows = raw.execute(f"SELECT count(*) FROM {tb.name}").fetchone()[0]
        if rows:
            yield tb.name, rows
    raw.close()
