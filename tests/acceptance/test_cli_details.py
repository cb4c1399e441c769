"""issue 15, the command line's details: run as the installed console script against a fresh SQLite
file of the demo, from a directory outside the checkout, looking only at exit codes, printed lines
and files."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.acceptance.conftest import INCUBASE, clean_env, one_line_refusal, run


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    where = tmp_path_factory.mktemp("cli-details")
    env = clean_env(INCUBASE_DATABASE_URL=f"sqlite:///{where / 'incubase.db'}")
    for args in (("db", "upgrade"), ("demo", "--tokens")):
        done = run([INCUBASE, *args], where, env)
        assert done.returncode == 0, done.stderr
    return where, env


def test_issue15_an_export_to_csv_is_refused_naming_the_formats_not_json_written_into_it(demo):
    """issue 15: `audit export --out x.csv` wrote JSON into x.csv; it is refused, in one line naming the
    formats it writes, and no file is left."""
    where, env = demo
    line = one_line_refusal(run([INCUBASE, "audit", "export", "--case", "demo-gy-daxuesheng", "--out", "x.csv"],
                                 where, env))
    assert "x.csv" in line and ".json" in line and ".xlsx" in line
    assert not (where / "x.csv").exists()
    # the formats named are written
    assert run([INCUBASE, "audit", "export", "--case", "demo-gy-daxuesheng", "--out", "x.json"],
               where, env).returncode == 0 and (where / "x.json").read_text(encoding="utf-8").startswith("{")


def test_issue15_an_export_to_a_missing_directory_is_one_line_not_a_traceback(demo):
    """issue 15: `--out /nonexistent/x.xlsx` ended in a traceback; it is one line, exit status 2 (a missing
    directory of the test's own, so that no /nonexistent on the machine changes what is tested)."""
    where, env = demo
    missing = where / "nonexistent" / "x.xlsx"
    line = one_line_refusal(run([INCUBASE, "audit", "export", "--case", "demo-gy-daxuesheng",
                                  "--out", missing], where, env))
    assert line == f"error: {missing}: No such file or directory"
    # a directory where the file should go is the same kind of mistake
    (where / "adir.xlsx").mkdir()
    assert "adir.xlsx" in one_line_refusal(run([INCUBASE, "audit", "export", "--case", "demo-gy-daxuesheng",
                                                 "--out", "adir.xlsx"], where, env))


def test_issue15_verify_all_ends_with_what_it_counted(demo):
    """issue 15: `audit verify --all` said only "all verified", which an empty database also says; it ends
    with the cases, events and violations it counted, and the grant ledger's acts."""
    where, env = demo
    done = run([INCUBASE, "audit", "verify", "--all"], where, env)
    assert done.returncode == 0, done.stderr
    *_, counts, verdict = done.stdout.strip().splitlines()
    found = re.fullmatch(r"8 case\(s\), (\d+) event\(s\), 0 violation\(s\); "
                         r"grant ledger: (\d+) act\(s\), 0 violation\(s\)", counts)
    assert found and int(found[1]) > 8 and int(found[2]) > 0, counts
    assert verdict == "all verified"


def test_issue15_tokens_list_shows_a_users_tokens_and_never_a_token(demo):
    """issue 15: `tokens list USER` shows each token's label, created, expires and revoked — not the token."""
    where, env = demo
    created = run([INCUBASE, "tokens", "create", "caseworker.wang", "--label", "王芳的工作站"], where, env)
    token = created.stdout.strip()
    assert created.returncode == 0 and token.startswith("ib_")
    assert run([INCUBASE, "tokens", "revoke", token], where, env).returncode == 0
    done = run([INCUBASE, "tokens", "list", "caseworker.wang"], where, env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 2  # the demo's token, then the one created and revoked here
    assert re.fullmatch(r"[0-9a-f]{12}  program  created \S+ \S+  expires —  revoked —  demo", lines[0])
    assert re.fullmatch(r"[0-9a-f]{12}  program  created \S+ \S+  expires —  revoked \d{4}-\d\d-\d\d \d\d:\d\d  "
                        r"王芳的工作站", lines[1])
    assert "ib_" not in done.stdout and token not in done.stdout
    unknown = run([INCUBASE, "tokens", "list", "nobody"], where, env)
    assert unknown.returncode == 1 and unknown.stderr.strip() == "error: no user 'nobody'"


def test_issue15_audit_export_writes_a_workbook_ready_to_file(demo):
    """issue 15 "Exports ready to file", as a records officer gets it: `incubase audit export --out
    x.xlsx` from a directory outside the checkout writes a workbook with Chinese headers, acts and users
    in words, real date cells, recorded times in Beijing time (the JSON export's UTC moments, +8 h), the
    payment's amount in 元 as a number, a title row with the base and its 受理编号, and A4 print setup;
    `--lang en` writes it in English, and a language it has not is refused in one line."""
    where, env = demo
    for args in (("--out", "gulou.xlsx"), ("--out", "gulou.json"), ("--out", "gulou-en.xlsx", "--lang", "en")):
        done = run([INCUBASE, "audit", "export", "--case", "demo-fz-gulou", *args], where, env)
        assert done.returncode == 0 and done.stdout.strip() == f"wrote {args[1]}", done.stderr
    record = json.loads((where / "gulou.json").read_text(encoding="utf-8"))
    book = load_workbook(where / "gulou.xlsx")
    assert book.sheetnames == ["案卷信息", "办理记录", "期限与提醒", "核验"]
    acts = book["办理记录"]
    assert re.fullmatch(r"福州市鼓楼区创业孵化示范基地 · 受理编号 350100-2024-0001 · 案卷 · "
                        r"导出时间 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d（北京时间）", acts["A1"].value)
    header = [c.value for c in acts[2]]
    rows = [dict(zip(header, row, strict=False)) for row in acts.iter_rows(min_row=3)]
    assert header[:4] == ["序号", "办理日期", "事项", "办理人"] and "金额（元）" in header and "哈希" not in str(header)
    for row, event in zip(rows, record["events"], strict=True):
        assert row["办理日期"].is_date and row["办理日期"].value.date().isoformat() == event["on"]
        stored = datetime.fromisoformat(event["recorded_at"])
        assert row["录入时间（北京时间）"].value == (stored + timedelta(hours=8)).replace(tzinfo=None, microsecond=0)
    payment = next(r for r in rows if r["事项"].value == "记录补贴支付")
    assert (payment["办理人"].value, payment["用户名"].value) == ("王芳", "caseworker.wang")
    assert (payment["金额（元）"].value, payment["金额（元）"].number_format) == (500000, '"¥"#,##0.00')
    assert acts.freeze_panes == "A3" and acts.page_setup.orientation == "landscape"
    assert acts.print_title_rows == "$2:$2" and acts.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert load_workbook(where / "gulou-en.xlsx").sheetnames == ["Case", "Acts", "Deadlines and reminders",
                                                                 "Verification"]
    line = one_line_refusal(run([INCUBASE, "audit", "export", "--case", "demo-fz-gulou", "--out", "x.xlsx",
                                  "--lang", "fr"], where, env))
    assert "--lang fr" in line and not (where / "x.xlsx").exists()
    done = run([INCUBASE, "audit", "export", "--jurisdiction", "520000", "--year", "2025", "--out", "s.xlsx"],
               where, env)
    assert done.returncode == 0, done.stderr
    assert load_workbook(where / "s.xlsx")["统计"]["A1"].value.startswith("贵州省 · 2025年度统计 · 导出时间 ")
