"""`incubase`: the command line for operators of the service."""
from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.dates import dates_app, parse_date
from cli.prefect_automations import prefect_app
from cli.training import training_app

app = typer.Typer(help="incubase — recognition lifecycle of 创业孵化基地.", no_args_is_help=True)
ROLE_HELP = ("caseworker, supervisor or auditor; or one of the three administrators (三员): sysadmin "
             "(accounts), secadmin (roles and grants), auditadmin (the security record).")
db_app = typer.Typer(help="The database.", no_args_is_help=True)
policies_app = typer.Typer(help="The policy files.", no_args_is_help=True)
users_app = typer.Typer(help="Users and their roles per jurisdiction.", no_args_is_help=True)
tokens_app = typer.Typer(help="Bearer tokens for the API.", no_args_is_help=True)
calendar_app = typer.Typer(help="The official work calendar.", no_args_is_help=True)
audit_app = typer.Typer(help="Verification, dossiers, statistics and anchors for auditors.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(calendar_app, name="calendar")
app.add_typer(audit_app, name="audit")
app.add_typer(policies_app, name="policies")
app.add_typer(dates_app, name="dates")
app.add_typer(training_app, name="training")
app.add_typer(prefect_app, name="prefect")


class HashChoice(StrEnum):
    sha256 = "sha256"
    sm3 = "sm3"


@db_app.command("upgrade")
def db_upgrade(
    hash_algorithm: Annotated[HashChoice | None, typer.Option(
        "--hash-algorithm", help="When creating the database: the hash of its chains and anchors, sha256 "
                                 "(the default) or sm3 (GB/T 32905). Chosen once; a database created "
                                 "with the other one refuses it.")] = None,
    training: Annotated[bool, typer.Option(
        "--training", help="When creating the database: a training database (README \"Training mode\"), "
                           "recorded once; a database created for production refuses it.")] = False,
    start: Annotated[str | None, typer.Option(
        "--date", help="With --training: its first business date, YYYY-MM-DD (default: today).")] = None,
) -> None:
    """Migrate the database (INCUBASE_DATABASE_URL) to the newest schema."""
    from config import get_settings
    from config.clock import system_clock
    from db.migrate import HashAlgorithmFixed, PurposeFixed, upgrade
    from statemachines.acts import business_date

    if start is not None and not training:
        typer.echo("error: --date is the first business date of a training database: give --training too", err=True)
        raise typer.Exit(2)
    first = (parse_date(start) if start else business_date(system_clock())) if training else None
    url = get_settings().database_url
    try:
        upgrade(url, hash_algorithm=hash_algorithm.value if hash_algorithm else None, training_date=first)
    except (HashAlgorithmFixed, PurposeFixed) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"database at {_safe(url)} is up to date" + (" (a training database)" if training else ""))


@db_app.command("backup")
def db_backup(file: Annotated[Path, typer.Argument(help="The file to write (must not exist).")]) -> None:
    """A consistent copy of the SQLite database while the service runs (SQLite's online backup);
    for PostgreSQL it prints the pg_dump command to use instead, and exits 2."""
    from config import get_settings
    from db.backup import BackupRefused, backup_sqlite

    url = get_settings().database_url
    if url.startswith("sqlite"):
        _security_record("export", "database", "ok", {"kind": "backup", "file": str(file.resolve())})
    try:
        size = backup_sqlite(url, file)
    except BackupRefused as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"backed up {_safe(url)} to {file} ({size:,} bytes)")


@policies_app.command("list")
def policies_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The loaded policies, one line each."""
    from services.policies import default_policies
    from statemachines.programmes import DEFAULT_PROGRAMME

    rows = [
        {"id": p.id, "version": p.version, "jurisdiction": p.jurisdiction, "level": p.level,
         "programme": p.programme, "effective_from": p.effective_from.isoformat(),
         "effective_to": p.effective_to.isoformat() if p.effective_to else None, "title": p.title}
        for p in default_policies()
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        # R23: a programme other than the 创业孵化基地 itself is named beside the level
        programme = "" if r["programme"] == DEFAULT_PROGRAMME else f" [{r['programme']}]"
        typer.echo(f"{r['id']} v{r['version']}  {r['jurisdiction']} {r['level']:<10}{programme} "
                   f"from {r['effective_from']}  {r['title']}")


@policies_app.command("check")
def policies_check(file: Annotated[Path, typer.Argument(help="A policy file (TOML).")]) -> None:
    """Validate one policy file: every problem on a line of its own (file, field, what is wrong), exit 2."""
    from services.policies import load_policy_file
    from statemachines.policy import PolicyError

    try:
        policy = load_policy_file(file)
    except PolicyError as exc:
        _report_problems(exc)
        raise typer.Exit(2) from None
    defaults = [f"{name} ({', '.join(clause.ours)})" if clause.ours else name
                for name, clause in policy.clauses.items() if clause.default]
    typer.echo(f"ok: {policy.id} v{policy.version} ({policy.jurisdiction}, {policy.level})")
    if defaults:
        typer.echo(f"parameters marked as our defaults (not in the text): {', '.join(defaults)}")


@app.command("demo")
def demo(tokens: Annotated[bool, typer.Option(help="Also create and print a demo token per role.")] = False) -> None:
    """Load the demo cases and users (idempotent) and print every case."""
    from bootstrap import build_runtime
    from services.demo import demo_tokens, load_demo

    rt = build_runtime()
    loaded = load_demo(rt, rt.today())
    typer.echo(f"loaded {len(loaded)} demo case(s)")
    _print_cases(rt)
    if tokens:
        typer.echo("\ndemo bearer tokens (Authorization: Bearer <token>):")
        for role, (username, token) in demo_tokens(rt).items():
            typer.echo(f"  {role:<11} {username:<16} {token}")
        from config import get_settings
        from services.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

        settings = get_settings()
        typer.echo(f"\nweb pages: http://{settings.api_host}:{settings.api_port}/login as caseworker.wang, "
                   f"supervisor.li or auditor.chen, password {DEMO_PASSWORD}")
        typer.echo(f"supervisor.li and the administrators also give a one-time code (two-factor sign-in): TOTP secret "
                   f"{DEMO_TOTP_SECRET} in an authenticator app, or `oathtool --totp -b {DEMO_TOTP_SECRET}`")


@app.command("serve")
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the HTTP API (docs at /docs, OpenAPI at /openapi.json)."""
    import uvicorn

    from bootstrap import check_deployment
    from cli.run import load_rules

    load_rules()
    check_deployment()
    typer.echo(f"incubase API on http://{host}:{port}/api/v1  docs: http://{host}:{port}/docs")
    uvicorn.run("api.main:app", host=host, port=port, log_level="info")


@audit_app.command("verify")
def audit_verify(
    case: Annotated[str | None, typer.Option("--case", help="One case id.")] = None,
    all_cases: Annotated[bool, typer.Option("--all", help="Every case, streamed.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per case.")] = False,
    chain_only: Annotated[bool, typer.Option(
        "--chain-only", help="Only the hash chain and sequence of the stored text, at hashing speed; "
                             "no column, transition, rule, role, four-eyes or replay checks.")] = False,
    grants: Annotated[bool, typer.Option(
        "--grants", help="Only the grant ledger (role_grants): chain, sequence, columns, dates, authority, "
                         "anchors; --all without --chain-only checks it too.")] = False,
    workers: Annotated[int, typer.Option(
        "--workers", help="With --all: verify in this many processes, each a disjoint range of cases at a "
                          "time; the same report as one.")] = 1,
) -> None:
    """Verify hash chains, sequences, stored columns, transitions, corrections, roles, four eyes, replay
    and projections (state columns, bans, complaints, instalments, clawbacks, timers), and with --all
    the dashboard's counters and the grant ledger; exit 1 on any violation. --chain-only proves the
    record unaltered since written, ~10× faster."""
    from bootstrap import build_chain_links, build_runtime
    from services.audit import CaseReport, verify_all, verify_case

    if sum((bool(case), all_cases, grants)) != 1:
        typer.echo("error: give --case ID, --all or --grants", err=True)
        raise typer.Exit(2)
    if workers < 1 or (workers > 1 and not all_cases):
        typer.echo("error: --workers is a number of processes, 1 or more, and goes with --all", err=True)
        raise typer.Exit(2)
    rt = build_runtime()
    if grants:
        bad_grants = not _print_grant_report(rt, as_json).ok
        if not as_json:
            typer.echo("grant ledger verified" if not bad_grants else "the grant ledger has violations")
        raise typer.Exit(1 if bad_grants else 0)
    bar = _VerifyProgress(_count_cases(rt)) if all_cases and not as_json else None
    reports: Iterable[CaseReport]
    if case:
        reports = [_or_exit(lambda: verify_case(rt, case, chain_only=chain_only))]
    elif workers > 1:
        from services.audit_workers import verify_in_workers

        reports = verify_in_workers(rt, build_runtime, workers, chain_only=chain_only, make_links=build_chain_links,
                                    progress=bar.advance if bar else None)
    else:
        reports = verify_all(rt, progress=bar.advance if bar else None, chain_only=chain_only,
                             links=build_chain_links() if chain_only else None)
    bad = cases_seen = events = violations = 0
    with bar or contextlib.nullcontext():
        for report in reports:
            bad += _print_report(report, as_json)
            cases_seen, events, violations = cases_seen + 1, events + report.events, violations + len(report.violations)
    # after the cases' lines, so that a reader of --json streams them as before; its line has no case_id
    # issue 16: the dashboard's counters, after the cases whose rows they count; named only when wrong,
    # so the ledger's line stays the last (--json) and a sound record's summary is what it was
    drifted = _print_counter_report(rt, as_json) if all_cases and not chain_only else []
    ledger = _print_grant_report(rt, as_json) if all_cases and not chain_only else None
    bad_grants = ledger is not None and not ledger.ok
    if not as_json:
        # what was verified, so that "all verified" of an empty or a wrong database is seen as such
        typer.echo(f"{cases_seen} case(s), {events} event(s), {violations} violation(s)"
                   + (f"; grant ledger: {ledger.acts} act(s), {len(ledger.violations)} violation(s)"
                      if ledger is not None else "")
                   + (f"; counters: {len(drifted)} violation(s)" if drifted else ""))
        typer.echo("all verified" if not (bad or bad_grants or drifted) else
                   f"{bad} case(s) with violations" + ("; the grant ledger has violations" if bad_grants else "")
                   + ("; the dashboard's counters have violations" if drifted else ""))
    if bad or bad_grants or drifted:
        raise typer.Exit(1)


def _print_counter_report(rt, as_json: bool) -> list:
    """Verifies and prints the dashboard's counters; their violations."""
    from dataclasses import asdict

    from services.audit import verify_counters

    found = verify_counters(rt)
    if as_json and found:
        typer.echo(json.dumps({"counters": True, "ok": not found, "violations": [asdict(v) for v in found]},
                              ensure_ascii=False))
    else:
        for v in found:
            typer.echo(f"VIOLATION counters [{v.check}] {v.message}")
    return found


def _print_grant_report(rt, as_json: bool):
    """Verifies and prints the grant ledger; its report."""
    from dataclasses import asdict

    from services.grant_audit import verify_grants

    report = verify_grants(rt)
    if as_json:
        typer.echo(json.dumps({"grants": True, "ok": report.ok, "acts": report.acts,
                               "violations": [asdict(v) for v in report.violations]}, ensure_ascii=False))
    else:
        for v in report.violations:
            typer.echo(f"VIOLATION grants seq {v.seq} [{v.check}] {v.message}")
    return report


def _print_report(report, as_json: bool) -> bool:
    """Prints one case's verification; True when it has violations."""
    from dataclasses import asdict

    if as_json:
        typer.echo(json.dumps({"case_id": report.case_id, "ok": report.ok, "events": report.events,
                               "violations": [asdict(v) for v in report.violations]}, ensure_ascii=False))
    else:
        for v in report.violations:
            typer.echo(f"VIOLATION case {v.case_id} seq {v.seq} {v.rule} [{v.check}] {v.message}")
    return not report.ok


def _count_cases(rt) -> int:
    from services.queries import count_cases

    return count_cases(rt)


class _VerifyProgress:
    """`audit verify --all` on stderr: a bar over the cases, with the events verified and the rate."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TextColumn("cases"),
            TextColumn("{task.fields[events]} events"), TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
            console=Console(stderr=True))
        self.task = self.progress.add_task("verify", total=total, events=0, rate="")

    def advance(self, cases: int, events: int) -> None:
        speed = self.progress.tasks[0].speed
        self.progress.update(self.task, completed=cases, events=events,
                             rate=f"{speed:,.0f} cases/s" if speed else "")

    def __enter__(self) -> _VerifyProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


@audit_app.command("rebuild-snapshots")
def audit_rebuild_snapshots() -> None:
    """After an upgrade that changed the case model: rewrite stored cases from their replay."""
    from bootstrap import build_runtime
    from services.audit import rebuild_snapshots

    rebuilt = rebuild_snapshots(build_runtime())
    typer.echo(f"{len(rebuilt)} case(s) rewritten from their events" + (": " + ", ".join(rebuilt) if rebuilt else ""))


@audit_app.command("rebuild-projections")
def audit_rebuild_projections(
    only: Annotated[list[str] | None, typer.Option(
        "--only", help="Only this projection (case_list, figures, work_items); may be repeated.")] = None,
) -> None:
    """Derive every projection (the case list's columns, the figures, the work queue) again from the record."""
    from db.rebuild import PROJECTIONS

    if only and (unknown := sorted(set(only) - {p.name for p in PROJECTIONS})):
        typer.echo(f"error: --only: 没有这个投影 / no such projection: {', '.join(unknown)} "
                   f"(one of {', '.join(p.name for p in PROJECTIONS)})", err=True)
        raise typer.Exit(2)
    for projection, cases in _rebuild(only):
        typer.echo(f"{cases} case(s): {projection.name} ({projection.tables}) derived again")


@audit_app.command("rebuild-figures")
def audit_rebuild_figures() -> None:
    """Derive the statistics' projections (case_days, case_tallies) again from every case's events
    (`rebuild-projections --only figures`)."""
    for _, cases in _rebuild(["figures"]):
        typer.echo(f"{cases} case(s): their figures' rows derived again from their events")


def _rebuild(only: list[str] | None):
    from bootstrap import build_runtime
    from bootstrap.readiness import engine_for
    from config import get_settings
    from db.rebuild import rebuild

    settings = get_settings()
    engine = engine_for(settings)
    rt = build_runtime(settings, engine=engine)  # refuses a database the settings do not mean
    try:
        return rebuild(engine, rt.policies.get, only)
    finally:
        engine.dispose()


EXPORT_FORMATS = (".json", ".xlsx")


@audit_app.command("export")
def audit_export(
    out: Annotated[Path, typer.Option("--out", help="File to write: .json or .xlsx (by its name).")],
    case: Annotated[str | None, typer.Option("--case", help="A case's dossier.")] = None,
    jurisdiction: Annotated[str | None, typer.Option(help="Statistics of a jurisdiction …")] = None,
    year: Annotated[int | None, typer.Option(help="… for a year.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="The workbook's language: zh (default) or en.")] = "zh",
) -> None:
    """Write a case's dossier, or a jurisdiction's statistics for a year, as JSON or .xlsx (a workbook
    ready to file: names in words, real dates, times in Beijing time, printable)."""
    from functools import partial

    from bootstrap import build_runtime
    from services.dossier import dossier
    from services.export_labels import LANGS
    from services.filed_workbooks import dossier_workbook, statistics_workbook
    from services.stats import statistics

    if out.suffix.lower() not in EXPORT_FORMATS:  # JSON written into an x.csv would be opened as a broken CSV
        typer.echo(f"error: cannot write {out.name}: the supported formats are {', '.join(EXPORT_FORMATS)}", err=True)
        raise typer.Exit(2)
    if lang not in LANGS:
        typer.echo(f"error: --lang {lang}: the workbook's languages are {', '.join(LANGS)}", err=True)
        raise typer.Exit(2)
    rt = build_runtime()
    render: Callable[[Mapping[str, Any]], bytes]
    if case:
        data = _or_exit(lambda: dossier(rt, case))
        render = partial(dossier_workbook, lang=lang)
    elif jurisdiction and year:
        data = statistics(rt, jurisdiction, year, rt.today()).as_dict()
        render = partial(statistics_workbook, exported=rt.clock(), lang=lang)
    else:
        typer.echo("error: give --case ID, or --jurisdiction and --year", err=True)
        raise typer.Exit(2)
    if out.suffix.lower() == ".xlsx":
        out.write_bytes(render(data))
    else:
        out.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    _security_record("export", case or f"{jurisdiction}/{year}", "ok",
                     {"kind": "dossier" if case else "statistics", "file": str(out.resolve())}, rt)
    typer.echo(f"wrote {out}")


@audit_app.command("security-log")
def audit_security_log(
    verify: Annotated[bool, typer.Option("--verify", help="Check the hash chain; exit 1 on any break.")] = False,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write every entry to this CSV file.")] = None,
    last: Annotated[int, typer.Option("--last", help="Print the last N entries.")] = 20,
) -> None:
    """The security audit log: its last entries, a CSV of all of them, or the check of its hash chain."""
    from bootstrap import build_runtime
    from services import security_log

    rt = build_runtime()
    if verify:
        count, problems = security_log.verify(rt)
        for p in problems:
            typer.echo(f"BROKEN seq {p.seq}: {p.message}")
        typer.echo(f"{count} entries, the chain holds" if not problems
                   else f"{len(problems)} break(s) in {count} entries")
        if problems:
            raise typer.Exit(1)
        return
    if csv_out is not None:
        entries = list(security_log.every_entry(rt))
        csv_out.write_text("\ufeff" + security_log.as_csv(entries), encoding="utf-8")
        _security_record("export", "", "ok", {"kind": "security-log", "format": "csv", "file": str(csv_out.resolve()),
                                                "entries": len(entries)}, rt)
        typer.echo(f"wrote {len(entries)} entries to {csv_out}")
        return
    from services.values import SecurityLogFilter

    with rt.reads() as uow:
        entries, total = uow.security_log.search(SecurityLogFilter(limit=max(1, min(last, 10_000))))
    for e in reversed(entries):
        typer.echo(f"{e.seq:>7} {e.at.isoformat(timespec='seconds')} {e.actor:<16} {e.client:<16} {e.action:<18} "
                   f"{e.subject:<20} {e.result:<8} {json.dumps(dict(e.details), ensure_ascii=False, sort_keys=True)}")


@audit_app.command("anchor")
def audit_anchor(day: Annotated[str | None, typer.Option(help="Day to anchor (default: yesterday).")] = None) -> None:
    """Write the daily anchor of case heads (once per day) and print its digest."""
    from datetime import timedelta

    from bootstrap import build_runtime
    from services.anchors import write_anchor

    rt = build_runtime()
    when = _parse_day(day) or rt.today() - timedelta(days=1)
    anchor = _or_exit(lambda: write_anchor(rt, when))
    typer.echo(f"{anchor.day} {anchor.cases} case(s) digest {anchor.digest}")


@audit_app.command("anchors")
def audit_anchors(check: Annotated[bool, typer.Option(
        help="Also recompute every anchored head from the stored events, and each day's heads.")] = False
                  ) -> None:
    """Print the anchors (day, cases, previous digest, digest): the list an outside party keeps."""
    from bootstrap import build_runtime
    from services.anchors import list_anchors, verify_anchors

    rt = build_runtime()
    for a in list_anchors(rt):
        typer.echo(f"{a.day} {a.cases:>6} {a.prev_digest} {a.digest}")
    if check:
        problems = verify_anchors(rt)
        for p in problems:
            typer.echo(f"ANCHOR {p.day} case {p.case_id} seq {p.seq}: {p.message}")
        if problems:
            raise typer.Exit(1)


@app.command("run")
def run() -> None:
    """The API and the scheduled flows together (a local Prefect server included)."""
    from bootstrap import check_deployment
    from cli.run import run_all
    from config import get_settings

    check_deployment()
    run_all(get_settings())


@app.command("prefect-server")
def prefect_server(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the API and the UI.")] = 4200,
) -> None:
    """A Prefect server for the flows whose UI contacts no outside host (PREFECT_API_DATABASE_CONNECTION_URL
    chooses its database; `incubase run` starts one by itself)."""
    import os
    import sys

    from cli.prefect_server import offline_env

    env = {**offline_env(), "PREFECT_SERVER_API_HOST": host, "PREFECT_SERVER_API_PORT": str(port)}
    os.execvpe(sys.executable, [sys.executable, "-m", "cli.prefect_server", "start"], env)


@app.command("sweep")
def sweep_command(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Business date YYYY-MM-DD (default: today).")] = None,
) -> None:
    """Fire every timer due by a date and plan its reminders: catch-up after an outage."""
    from bootstrap import build_runtime, build_senders
    from config import get_settings
    from services.sweep import day_to_sweep, sweep

    day = _parse_day(as_of)
    rt = build_runtime()
    day = _or_exit(lambda: day_to_sweep(day, rt.clock(), get_settings().time_travel))
    report = sweep(rt, day, channels=tuple(build_senders()))
    typer.echo(f"swept to {day}: {len(report.fired)} timer(s) fired, {len(report.events)} event(s), "
               f"{report.reminders_planned} reminder(s) planned, {len(report.failed)} failed")
    for timer, error in report.failed:
        typer.echo(f"  failed: case {timer.case_id} {timer.kind}:{timer.key}: {error}", err=True)
    if report.failed:
        raise typer.Exit(1)


@app.command("deliver")
def deliver_command() -> None:
    """Send the reminders due from the outbox (with retries and backoff)."""
    from bootstrap import build_runtime, build_senders
    from services.delivery import deliver

    report = deliver(build_runtime(), build_senders())
    typer.echo(f"{len(report.sent)} sent, {len(report.retrying)} to retry, {len(report.failed)} failed")


@calendar_app.command("refresh")
def calendar_refresh() -> None:
    """After adding a year's holiday notice: recompute every provisional date (R16)."""
    from bootstrap import build_runtime
    from services.calendar_refresh import refresh_provisional

    report = refresh_provisional(build_runtime())
    typer.echo(f"{report.cases} case(s) with provisional dates: {report.timers_moved} timer(s) moved, "
               f"{report.events} deadline(s) recomputed")


def _parse_day(text: str | None):
    return None if text is None else parse_date(text)


@users_app.command("add")
def users_add(
    username: str,
    name: Annotated[str, typer.Option("--name", help="Display name, e.g. 王芳.")],
    role: Annotated[list[str], typer.Option("--role", help=ROLE_HELP)],
    jurisdiction: Annotated[list[str], typer.Option("--jurisdiction", help="GB/T 2260 code, e.g. 520000.")],
    email: Annotated[str | None, typer.Option(help="Where reminders go.")] = None,
) -> None:
    """Add a user with ROLE in each JURISDICTION (repeat the options for more), recorded as the console's."""
    from bootstrap import build_runtime
    from services import users

    user = _or_exit(lambda: users.add_user(build_runtime(), username, name,
                                           [(r, j) for r in role for j in jurisdiction], email=email,
                                           origin=_cli_origin()))
    typer.echo(f"added {user.username} ({user.display_name}): "
               + ", ".join(f"{g.role}@{g.jurisdiction}" for g in user.grants))


@users_app.command("grant")
def users_grant(
    username: str,
    role: Annotated[str, typer.Option("--role", help=ROLE_HELP)],
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="GB/T 2260 code, e.g. 520000.")],
    reason: Annotated[str, typer.Option(help="Why, kept in the grant ledger.")] = "",
) -> None:
    """Grant USERNAME a ROLE over a JURISDICTION, as the console: how the system, security and audit
    administrators are appointed (one account holds one of the three)."""
    from bootstrap import build_runtime
    from services import users

    user = _or_exit(lambda: users.grant(build_runtime(), username, role, jurisdiction, reason=reason))
    typer.echo(f"granted {role}@{jurisdiction} to {user.username}")


@users_app.command("revoke")
def users_revoke(
    username: str,
    role: Annotated[str, typer.Option("--role", help=ROLE_HELP)],
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="GB/T 2260 code, e.g. 520000.")],
    reason: Annotated[str, typer.Option(help="Why, kept in the grant ledger.")] = "",
) -> None:
    """End USERNAME's ROLE over JURISDICTION from now on, as the console (the grant stays on record)."""
    from bootstrap import build_runtime
    from services import users

    user = _or_exit(lambda: users.revoke_grant(build_runtime(), username, role, jurisdiction, reason=reason))
    typer.echo(f"revoked {role}@{jurisdiction} from {user.username}")


@users_app.command("list")
def users_list() -> None:
    """Every user with the roles they hold now."""
    from bootstrap import build_runtime
    from services import users

    for user in users.list_users(build_runtime()):
        grants = ", ".join(f"{g.role}@{g.jurisdiction}" for g in user.grants if g.revoked_at is None)
        typer.echo(f"{user.username:<20} {user.display_name:<10} {grants}")


@users_app.command("password")
def users_password(
    username: str,
    password: Annotated[str | None, typer.Option(help="The new password (prompted, hidden, when not given).")] = None,
) -> None:
    """Set USERNAME's password for signing in to the web pages (stored as a scrypt hash)."""
    from bootstrap import build_runtime
    from services import users

    if password is None:
        password = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    _or_exit(lambda: users.set_password(build_runtime(), username, password, _cli_origin()))
    typer.echo(f"password set for {username}")


@users_app.command("unlock")
def users_unlock(
    username: Annotated[str | None, typer.Argument(help="The account to unlock.")] = None,
    client: Annotated[str | None, typer.Option("--client", help="Lift the lock on a client address instead.")] = None,
) -> None:
    """Unlock an account (or, with --client, an address) locked after failed sign-ins."""
    from bootstrap import build_runtime
    from services import lockout, users

    if bool(username) == bool(client):
        typer.echo("error: give USERNAME or --client ADDRESS", err=True)
        raise typer.Exit(2)
    name = users.normal_username(username) if username else None
    was = lockout.unlock(build_runtime(), _cli_origin(), username=name, client=client)
    typer.echo(f"{name or client} unlocked" if was else f"{name or client} was not locked (recorded all the same)")


@users_app.command("two-factor-enrol")
def users_two_factor_enrol(
    username: str,
    code: Annotated[str | None, typer.Option(help="The first code (prompted when not given).")] = None,
) -> None:
    """Turn on USERNAME's two-factor sign-in: prints the TOTP secret for the authenticator, asks for
    its first code, then prints the recovery codes (shown this once)."""
    from bootstrap import build_runtime
    from services import two_factor, users

    rt = build_runtime()
    user = _or_exit(lambda: users.user_named(rt, users.normal_username(username)))
    secret = _or_exit(lambda: two_factor.begin(rt, user, _cli_origin()))
    typer.echo(f"secret: {secret}\nset-up link: {two_factor.provisioning_uri(rt, user.username, secret)}")
    if code is None:
        code = typer.prompt("the code the authenticator shows now")
    codes = _or_exit(lambda: two_factor.turn_on(rt, user, code, _cli_origin()))
    typer.echo("two-factor sign-in is on; recovery codes (each works once; keep them safe):")
    for c in codes:
        typer.echo(f"  {c}")


@users_app.command("two-factor-reset")
def users_two_factor_reset(username: str) -> None:
    """Remove USERNAME's TOTP secret and recovery codes (a lost phone): the next sign-in enrols anew."""
    from bootstrap import build_runtime
    from services import two_factor, users

    was = _or_exit(lambda: two_factor.reset_user(build_runtime(), users.normal_username(username), _cli_origin()))
    typer.echo(f"two-factor sign-in of {username} reset" if was else f"{username} had no two-factor sign-in")


@tokens_app.command("create")
def tokens_create(username: str, label: Annotated[str, typer.Option(help="What the token is for.")] = "") -> None:
    """Create a bearer token for USERNAME; it is printed once and stored only as a hash."""
    from bootstrap import build_runtime
    from services import users

    typer.echo(_or_exit(lambda: users.create_token(build_runtime(), username, label, origin=_cli_origin())))


@tokens_app.command("list")
def tokens_list(username: str) -> None:
    """USERNAME's tokens, oldest first: label, created, expires and revoked (times in UTC), the
    short id the security log names each by, and whether it is a web session's. Never the token."""
    from bootstrap import build_runtime
    from services import users

    def when(moment) -> str:
        return moment.strftime("%Y-%m-%d %H:%M") if moment else "—"

    found = _or_exit(lambda: users.tokens_of(build_runtime(), username))
    if not found:
        typer.echo(f"{username} has no tokens")
    for k in found:
        kind = "session" if k.idle_expires_at else "program"
        typer.echo(f"{k.ref}  {kind:<7}  created {when(k.created_at)}  expires {when(k.expires_at)}  "
                   f"revoked {when(k.revoked_at)}  {k.label or '—'}")


@tokens_app.command("revoke")
def tokens_revoke(token: str) -> None:
    """Revoke TOKEN from now on (the row stays, with when it was revoked); exit 1 if unknown or already revoked."""
    from bootstrap import build_runtime
    from services import users

    if not users.revoke_token(build_runtime(), token, _cli_origin()):
        typer.echo("error: no live token matches", err=True)
        raise typer.Exit(1)
    typer.echo("token revoked")


def _cli_origin():
    """The security log's who and where for a command: the system account that ran it, on this host."""
    import getpass
    import socket

    from services.values import Origin

    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (a bare container)
        who = "unknown"
    return Origin(f"cli:{who}", f"cli@{socket.gethostname()}")


def _security_record(action: str, subject: str, result: str, details: dict, rt=None) -> None:
    from bootstrap import build_runtime
    from services import security_log

    security_log.record(rt or build_runtime(), _cli_origin(), action, subject, result, details)


def console_language(environ: Mapping[str, str] = os.environ) -> str:
    """zh where the locale asks for Chinese (LC_ALL, then LC_MESSAGES, then LANG, as POSIX reads
    them: zh_CN.UTF-8), else en: the refusals a console prints are in its user's language."""
    locale = next((environ[n] for n in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(n)), "")
    return "zh" if locale.lower().startswith("zh") else "en"


def _refusal(exc) -> None:
    """A refusal on one line in the console's language (issue 15)."""
    lang = console_language()
    said = " ".join(exc.localized(lang).split())
    typer.echo(f"错误：{said}" if lang == "zh" else f"error: {said}", err=True)


def _or_exit(action):
    from statemachines.errors import DomainError

    try:
        return action()
    except DomainError as exc:
        _refusal(exc)
        raise typer.Exit(1) from None


def _print_cases(rt) -> None:
    from services.queries import list_cases
    from statemachines.lifecycle import STATE_NAMES_ZH

    for row in list_cases(rt):
        period = f"{row.period_start} → {row.period_end}" if row.period_start else "—"
        timer = f"next: {row.next_timer} {row.next_due}" if row.next_timer else ""
        typer.echo(f"{row.id:<22} {row.state:<11} {STATE_NAMES_ZH[row.state]:<5} {row.level:<10} "
                   f"{row.base_name}  期间 {period}  {timer}")


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    """The console script: the commands, and for a wrong policy or calendar file (which every
    command that loads them may meet), or a file that cannot be read or written, one line per
    problem and exit status 2, not a traceback."""
    from bootstrap.readiness import NotReady
    from services.calendars import CalendarDataError
    from services.training import TrainingMismatch
    from statemachines.errors import DomainError
    from statemachines.policy import PolicyError

    try:
        app()
    # training mode and the database's purpose disagree, or a deployment's database is missing: nothing starts
    except (TrainingMismatch, NotReady) as exc:
        _refusal(exc)
        raise SystemExit(2) from None
    except DomainError as exc:  # a refusal no command caught itself: one line, not a traceback
        _refusal(exc)
        raise SystemExit(1) from None
    except (PolicyError, CalendarDataError) as exc:
        _report_problems(exc)
        raise SystemExit(2) from None
    except OSError as exc:  # a file named that cannot be read or written: /nonexistent/x.xlsx, a directory
        where = f"{exc.filename}: " if exc.filename else ""
        typer.echo(f"error: {where}{exc.strerror or exc}", err=True)
        raise SystemExit(2) from None


def _report_problems(exc: Exception) -> None:
    for line in str(exc).splitlines():
        typer.echo(f"error: {line}", err=True)


if __name__ == "__main__":
    main()
