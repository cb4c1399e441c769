"""`incubase dates`: R15 period ends and deadlines, R16 working days, from the command line."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.dates import dates_app

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "text", "as_json"),
    [
        (["period-end", "2024-02-29", "3y"], "2027-02-28", {"date": "2027-02-28", "provisional": False}),
        (["deadline", "2024-10-01", "1y"], "2025-10-09", {"date": "2025-10-09", "provisional": False}),
        (["deadline", "2024-02-29", "3y"], "2027-03-01 (provisional)", {"date": "2027-03-01", "provisional": True}),
        (["add-working-days", "2026-02-13", "2"], "2026-02-24", {"date": "2026-02-24", "provisional": False}),
        # 整改 in 5 working days from Monday 2026-09-28: 9-29, 9-30, then 国庆 to 10-7, 10-8, 10-9, 10-10 (调休)
        (["deadline", "2026-09-28", "5wd"], "2026-10-10", {"date": "2026-10-10", "provisional": False}),
        (["add-working-days", "2026-12-31", "1"], "2027-01-04 (provisional)",
         {"date": "2027-01-04", "provisional": True}),
    ],
)
def test_r15_r16_dates_commands_print_the_date(args: list[str], text: str, as_json: dict) -> None:
    plain = runner.invoke(dates_app, args)
    assert plain.exit_code == 0, plain.output
    assert plain.stdout == text + "\n"

    structured = runner.invoke(dates_app, [*args, "--json"])
    assert structured.exit_code == 0, structured.output
    assert json.loads(structured.stdout) == as_json
    assert structured.stdout == json.dumps(as_json) + "\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["period-end", "2024-02-30", "3y"], "error: '2024-02-30' is not a date (YYYY-MM-DD)"),
        (["deadline", "2024-02-30", "3y"], "error: '2024-02-30' is not a date (YYYY-MM-DD)"),
        (["add-working-days", "2024-02-30", "3"], "error: '2024-02-30' is not a date (YYYY-MM-DD)"),
        (["period-end", "20240229", "3y"], "error: '20240229' is not a date (YYYY-MM-DD)"),
        (["period-end", "2024-02-29", "3x"], "error: '3x' is not a duration (e.g. 3y, 6m, 15d, 1y6m, 20wd)"),
        (["deadline", "2024-02-29", "3x", "--json"], "error: '3x' is not a duration (e.g. 3y, 6m, 15d, 1y6m, 20wd)"),
        (["add-working-days", "2024-02-29", "0"],
         "error: '0' is not a count of working days (a whole number, at least 1)"),
        (["period-end", "2026-09-28", "5wd"],
         "error: 5wd counts working days: a period or ban ends on a calendar day (use `dates deadline`)"),
    ],
)
def test_r15_malformed_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(dates_app, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == message + "\n"


def test_r16_date_beyond_the_calendar_data_is_an_error_not_a_guess() -> None:
    result = runner.invoke(dates_app, ["deadline", "2100-12-31", "1y"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no work calendar for 2101")
    assert result.stderr.count("\n") == 1
