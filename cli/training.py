"""`incubase training`: the business date a training database runs on (issue 15, README "Training mode")."""
from __future__ import annotations

from typing import Annotated

import typer

from cli.dates import parse_date

training_app = typer.Typer(help="Training mode: the business date of a training database.", no_args_is_help=True)


@training_app.command("set-date")
def set_date_command(day: Annotated[str, typer.Argument(metavar="DATE", help="The new business date, YYYY-MM-DD, "
                                                                              "after the current one.")]) -> None:
    """Move the training database's business date forward: the API, the pages and the flows follow
    within a second, without a restart."""
    from bootstrap import build_runtime
    from cli.main import _cli_origin, _or_exit
    from services import training

    new = parse_date(day)
    was = _or_exit(lambda: training.set_date(build_runtime(), new, _cli_origin().actor))
    typer.echo(f"training date {new} (was {was})")


@training_app.command("show")
def show_command() -> None:
    """The business date the training database runs on."""
    from bootstrap import build_runtime
    from cli.main import _or_exit
    from services import training

    typer.echo(f"training date {_or_exit(lambda: training.current_day(build_runtime()))}")
