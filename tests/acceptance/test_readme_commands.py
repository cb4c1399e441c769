"""Every command the README shows, run exactly as written, as the installed console script from a
directory outside the checkout, against a fresh SQLite file.

The commands are read from the README's `sh` blocks, so a command added there without a check
here fails (`test_every_readme_command_is_checked`), and a check whose command left the README
fails too. Each command is run in the README's order, once, in one fresh place: it must exit 0
and print the line that says it did its work. The console script once crashed in any directory
(`No module named 'notify'`), although every in-process test passed.
"""
from __future__ import annotations

import json
import re
import signal
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.acceptance.conftest import CHECKOUT, INCUBASE, STARTUP_SECONDS, Service, clean_env, run, wait_until
from tests.acceptance.test_scale_out import README_LINES as SCALE_OUT_LINES
from tests.acceptance.test_training_mode import README_LINES as TRAINING_LINES
from tests.net import free_port, port_open

README = CHECKOUT / "README.md"
TOKEN = re.compile(r"^ib_[A-Za-z0-9_-]{40,}$", re.MULTILINE)


def readme_commands() -> list[str]:
    """Each command line of the README's sh blocks, its comment and the comment lines left out."""
    out = []
    for block in re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL):
        for line in block.splitlines():
            command = re.sub(r"\s+#\s.*$", "", line).strip()
            if command and not command.startswith("#"):
                out.append(command)
    return out


@dataclass(frozen=True)
class Check:
    printed: str  # a regular expression the output must match (multi-line)
    stdin: str | None = None


# README command → what it must print
CHECKS: dict[str, Check] = {
    ".venv/bin/incubase db upgrade": Check(r"^database at sqlite:///\S+/incubase\.db is up to date$"),
    ".venv/bin/incubase policies list --json": Check(r'"id": "guizhou-provincial-2022"'),
    ".venv/bin/incubase policies check policies/guizhou-provincial-2022.v1.toml":
        Check(r"^ok: guizhou-provincial-2022 v1 \(520000, provincial\)$"),
    ".venv/bin/incubase demo": Check(r"^loaded 8 demo case\(s\)$\n(?:.*\n)*demo-gy-daxuesheng .*贵阳市大学生创业园"),
    # R15: a period from 2024-02-29 ends on 2027-02-28 (no 29th that February)
    ".venv/bin/incubase dates period-end 2024-02-29 3y --json":
        Check(r'^\{"date": "2027-02-28", "provisional": false\}$'),
    # R15/R16: 2026-10-01 is National Day; the holiday runs to 10-07, so the last day to act is 10-08
    ".venv/bin/incubase dates deadline 2026-07-01 3m --json":
        Check(r'^\{"date": "2026-10-08", "provisional": false\}$'),
    # R16: 02-14 is a make-up working Saturday, 02-15…02-23 the Spring Festival: 02-14, 02-24, 02-25
    ".venv/bin/incubase dates add-working-days 2026-02-13 3 --json":
        Check(r'^\{"date": "2026-02-25", "provisional": false\}$'),
    # R9/R16: 20 working days (整改期限) from 2026-09-14: 中秋 and 国庆 rest, the make-up days work
    ".venv/bin/incubase dates deadline 2026-09-14 20wd --json":
        Check(r'^\{"date": "2026-10-16", "provisional": false\}$'),
    ".venv/bin/incubase users add wang.fang --name 王芳 --role caseworker --jurisdiction 520000":
        Check(r"^added wang\.fang \(王芳\): caseworker@520000$"),
    '.venv/bin/incubase tokens create wang.fang --label "王芳的工作站"': Check(TOKEN.pattern),
    ".venv/bin/incubase tokens revoke <token>": Check(r"^token revoked$"),
    # issue 15: the token just revoked, listed by its dates, never the token itself
    ".venv/bin/incubase tokens list wang.fang":
        Check(r"^[0-9a-f]{12}  program  created \S+ \S+  expires —  revoked \d{4}-\d\d-\d\d \d\d:\d\d  王芳的工作站$"),
    # prompted twice; without a terminal the prompts share the line
    ".venv/bin/incubase users password wang.fang": Check(r"password set for wang\.fang$",
                                                         stdin="一段足够长也难猜的口令句子\n一段足够长也难猜的口令句子\n"),
    ".venv/bin/incubase users list": Check(r"^wang\.fang\s+王芳\s+caseworker@520000$"),
    ".venv/bin/incubase users add zhou.min --name 周敏 --role sysadmin --jurisdiction 000000":
        Check(r"^added zhou\.min \(周敏\): sysadmin@000000$"),
    ".venv/bin/incubase users grant wang.fang --role supervisor --jurisdiction 520100 --reason 任命审批人":
        Check(r"^granted supervisor@520100 to wang\.fang$"),
    ".venv/bin/incubase users revoke wang.fang --role supervisor --jurisdiction 520100 --reason 调岗":
        Check(r"^revoked supervisor@520100 from wang\.fang$"),
    ".venv/bin/incubase sweep --as-of 2026-11-20":
        Check(r"^swept to 2026-11-20: \d+ timer\(s\) fired, \d+ event\(s\), \d+ reminder\(s\) planned, 0 failed$"),
    ".venv/bin/incubase deliver": Check(r"^\d+ sent, \d+ to retry, 0 failed$"),
    ".venv/bin/incubase calendar refresh": Check(r"^\d+ case\(s\) with provisional dates: \d+ timer\(s\) moved"),
    ".venv/bin/incubase audit verify --all":
        Check(r"^8 case\(s\), \d+ event\(s\), 0 violation\(s\); "
              r"grant ledger: \d+ act\(s\), 0 violation\(s\)\nall verified$"),
    ".venv/bin/incubase audit verify --case demo-gy-daxuesheng --json":
        Check(r'^\{"case_id": "demo-gy-daxuesheng", "ok": true, "events": \d+, "violations": \[\]\}$'),
    ".venv/bin/incubase audit verify --all --workers 2":  # issue 16: the same lines from two processes
        Check(r"^8 case\(s\), \d+ event\(s\), 0 violation\(s\); "
              r"grant ledger: \d+ act\(s\), 0 violation\(s\)\nall verified$"),
    ".venv/bin/incubase audit verify --all --chain-only": Check(r"^all verified$"),
    ".venv/bin/incubase audit verify --grants": Check(r"^grant ledger verified$"),
    ".venv/bin/incubase audit anchor": Check(r"^\d{4}-\d\d-\d\d \d+ case\(s\) digest [0-9a-f]{64}$"),
    ".venv/bin/incubase audit anchors --check": Check(r"^\d{4}-\d\d-\d\d\s+\d+ \S+ [0-9a-f]{64}$"),
    ".venv/bin/incubase audit export --case demo-gy-daxuesheng --out dossier.xlsx": Check(r"^wrote dossier\.xlsx$"),
    ".venv/bin/incubase audit export --jurisdiction 520000 --year 2025 --out stats.xlsx": Check(r"^wrote stats\.xlsx$"),
    ".venv/bin/incubase audit rebuild-snapshots": Check(r"^0 case\(s\) rewritten from their events$"),
    ".venv/bin/incubase audit rebuild-projections":  # issue 16: every projection, one line each
        Check(r"^8 case\(s\): case_list \(the case list's columns of cases\) derived again\n"
              r"8 case\(s\): figures \(case_days, case_tallies, case_counts, year_counts\) derived again\n"
              r"8 case\(s\): work_items \(work_items\) derived again$"),
    ".venv/bin/incubase audit rebuild-figures":
        Check(r"^8 case\(s\): their figures' rows derived again from their events$"),
    # issue 14, level 3 (README: Security)
    ".venv/bin/incubase users unlock wang.fang": Check(r"^wang\.fang was not locked \(recorded all the same\)$"),
    ".venv/bin/incubase users unlock --client 10.1.2.3": Check(r"^10\.1\.2\.3 was not locked"),
    ".venv/bin/incubase users two-factor-reset wang.fang": Check(r"^wang\.fang had no two-factor sign-in$"),
    ".venv/bin/incubase audit security-log --verify": Check(r"^\d+ entries, the chain holds$"),
    ".venv/bin/incubase audit security-log --csv security-log.csv": Check(r"^wrote \d+ entries to security-log\.csv$"),
    ".venv/bin/incubase db backup backup.db": Check(r"^backed up sqlite:///\S+ to backup\.db \([\d,]+ bytes\)$"),
}
# long-running: started, used, stopped by a signal
SERVE = ".venv/bin/incubase serve --host 127.0.0.1 --port 8000"
# the HTTP API's first request: run as written against a served demo (test_the_quick_start_curl_…)
TOKEN_LINE = "TOKEN=ib_…"
QUICK_START = [c for c in readme_commands() if c.startswith("curl ")]
# the answer the README says a curl gets, on the line below it: `# 422 /problems/future-date, …`
SAID_ANSWER = re.compile(r"^# (\d{3}) (/problems/[a-z-]+)")


def said_answer(command: str) -> tuple[str, str | None]:
    """The status and problem type the README says `command` answers; 201 and none where it says none."""
    lines = README.read_text(encoding="utf-8").splitlines()
    below = lines[lines.index(command) + 1] if command in lines else ""
    said = SAID_ANSWER.match(below)
    return (said.group(1), said.group(2)) if said else ("201", None)
ELSEWHERE = {
    "make run": "tests/acceptance/test_make_run.py",
    ".venv/bin/incubase run": "tests/acceptance/test_make_run.py (as make run) and "
                              "test_incubase_run_stopped_while_it_starts_leaves_nothing_behind below",
    "make test": ".ci/run (this suite is what it runs)",
    **{line: "tests/acceptance/test_scale_out.py" for line in SCALE_OUT_LINES},
    **{line: "tests/acceptance/test_training_mode.py" for line in TRAINING_LINES},
}


def as_run_from_elsewhere(command: str) -> list[str]:
    """The README's words as a user types them in another directory: the console script by its full
    path, and the checkout's files (a policy file) by theirs; what the command writes stays here."""
    import shlex

    words = shlex.split(command)
    assert words[0] == ".venv/bin/incubase"
    return [str(INCUBASE)] + [str(CHECKOUT / w) if (CHECKOUT / w).is_file() else w for w in words[1:]]


def test_every_readme_command_is_checked():
    commands = readme_commands()
    unchecked = [c for c in commands if c not in CHECKS and c not in (SERVE, TOKEN_LINE) and c not in ELSEWHERE
                 and c not in QUICK_START]
    assert unchecked == [], f"README commands with no acceptance check: {unchecked}"
    gone = [c for c in [*CHECKS, SERVE, TOKEN_LINE, *ELSEWHERE] if c not in commands]
    assert gone == [], f"checks of commands no longer in the README: {gone}"


def test_every_command_named_in_the_readme_text_is_one_of_its_blocks():
    """`incubase audit verify --case ID` in a sentence must be a command the blocks show (and so run)."""
    text = README.read_text(encoding="utf-8")
    shown = [c.split()[1:] for c in readme_commands() if c.startswith(".venv/bin/incubase")]
    named = {tuple(m.split()[:2]) for m in re.findall(r"`incubase ([a-z][a-z -]*[a-z])", text)}
    assert {" ".join(n) for n in named if not any(tuple(words[:len(n)]) == n for words in shown)} == set()
    targets = set(re.findall(r"`make ([a-z]+)`", text))
    for target in targets:
        dry = run(["make", "-n", target], CHECKOUT, clean_env(), timeout=30)
        assert dry.returncode == 0, f"`make {target}` named in the README: {dry.stderr}"


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A directory outside the checkout and a user's environment with a database of its own."""
    home = tmp_path_factory.mktemp("elsewhere")
    assert not home.resolve().is_relative_to(CHECKOUT)
    return home, clean_env(INCUBASE_DATABASE_URL=f"sqlite:///{home / 'incubase.db'}")


def test_the_readme_commands_as_a_user_runs_them(elsewhere):
    home, env = elsewhere
    token = None
    for command, check in CHECKS.items():
        if "<token>" in command:
            assert token, "tokens create must come before tokens revoke"
            command = command.replace("<token>", token)
        done = run(as_run_from_elsewhere(command), home, env, stdin=check.stdin)
        assert done.returncode == 0, f"{command}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr, f"{command}\n{done.stderr}"
        assert re.search(check.printed, done.stdout, re.MULTILINE), f"{command} printed:\n{done.stdout}"
        if found := TOKEN.search(done.stdout):
            token = found.group(0)
    listed = json.loads(run([INCUBASE, "policies", "list", "--json"], home, env).stdout)
    assert {p["id"] for p in listed} >= {"guizhou-provincial-2022"}
    for name in ("dossier.xlsx", "stats.xlsx"):  # written where the user stood, as real workbooks
        with zipfile.ZipFile(home / name) as book:
            assert "xl/workbook.xml" in book.namelist()


def test_serve_answers_until_it_is_told_to_stop(elsewhere, tmp_path):
    home, env = elsewhere
    port = free_port()
    args = as_run_from_elsewhere(SERVE.replace("8000", str(port)))
    service = Service.start(args, home, env, tmp_path / "serve.log")
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: port_open(port), 60, "incubase serve listening")
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        assert "swagger-ui" in httpx.get(f"{base}/docs").text
        assert httpx.get(f"{base}/login").status_code == 200
        # uvicorn shuts down gracefully, then ends by the signal it was sent, as a supervisor expects
        assert service.interrupt(signal.SIGTERM, group=False, seconds=30) == -signal.SIGTERM
        assert not port_open(port)
    finally:
        if service.process.poll() is None:
            service.kill()
    assert f"incubase API on {base}/api/v1" in service.output()
    assert "Finished server process" in service.output()


def test_issue15_the_quick_start_curl_works_on_the_demo_as_written(tmp_path):
    """issue 15: the README's first request met the closed application window; its curl, run as written
    with the caseworker's token the demo printed, opens a case (201, 已申报); a curl the README shows
    refused gets the problem it says, its detail in Chinese where it asks for zh-CN."""
    assert QUICK_START, "the README shows a curl"
    env = clean_env(INCUBASE_DATABASE_URL=f"sqlite:///{tmp_path / 'incubase.db'}")
    assert run([INCUBASE, "db", "upgrade"], tmp_path, env).returncode == 0
    printed = run([INCUBASE, "demo", "--tokens"], tmp_path, env).stdout
    token = re.search(r"^\s+caseworker\s+caseworker\.wang\s+(ib_\S+)$", printed, re.MULTILINE).group(1)
    port = free_port()
    service = Service.start(as_run_from_elsewhere(SERVE.replace("8000", str(port))), tmp_path, env,
                            tmp_path / "serve.log")
    try:
        wait_until(lambda: port_open(port), 60, "incubase serve listening")
        for command in QUICK_START:
            typed = command.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
            done = run(["bash", "-c", f"{TOKEN_LINE.replace('ib_…', token)}\n{typed} -w '\\n%{{http_code}}'"],
                       tmp_path, env, timeout=60)
            body, status = done.stdout.rsplit("\n", 1)
            expected, problem = said_answer(command)
            assert (done.returncode, status) == (0, expected), f"{command}\n{done.stdout}\n{done.stderr}"
            if problem is not None:  # a refusal the README shows: its type, its detail in the language asked
                refused = json.loads(body)
                assert refused["type"] == problem, refused
                if "zh-CN" in command:
                    assert re.search(r"[\u4e00-\u9fff]", refused["detail"]) and not re.search(
                        r"[A-Za-z]{3,}", refused["detail"]), refused
                continue
            case = json.loads(body)
            assert (case["state"], case["state_name"], case["jurisdiction"]) == ("applied", "已申报", "440306")
            assert case["allowed_actions"] == ["inspect", "withdraw"]
        assert service.interrupt(signal.SIGTERM, group=False, seconds=30) == -signal.SIGTERM
    finally:
        if service.process.poll() is None:
            service.kill()


def test_incubase_run_stopped_while_it_starts_leaves_nothing_behind(elsewhere, tmp_path):
    """A supervisor's SIGTERM to `incubase run` as the Prefect server comes up: every part stops."""
    home, env = elsewhere
    api, prefect = free_port(), free_port()
    env = {**env, "INCUBASE_API_PORT": str(api), "INCUBASE_PREFECT_PORT": str(prefect),
           "INCUBASE_PREFECT_HOME": str(tmp_path / "prefect")}
    service = Service.start([INCUBASE, "run"], home, env, tmp_path / "run.log")
    try:
        service.wait_for(r"^starting the Prefect server on 127\.0\.0\.1:\d+", STARTUP_SECONDS)
        wait_until(lambda: port_open(prefect), STARTUP_SECONDS, "the Prefect server listening")
        service.note_processes()
        assert service.interrupt(signal.SIGTERM, group=False, seconds=60) == 128 + signal.SIGTERM
    finally:
        if service.process.poll() is None:
            service.kill()
    from tests.acceptance.conftest import alive

    assert [pid for pid in service.seen if alive(pid)] == []
    assert not port_open(prefect) and not port_open(api)
