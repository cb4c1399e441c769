"""A Prefect server whose pages make the browser contact no host but the server itself.

Department staff work on intranets without internet, and no page served to them may call out.
`PREFECT_SERVER_ANALYTICS_ENABLED=false` is not enough: Prefect 3.8.8 ships two UI bundles, and
the newer one (v2, the default) initialises its analytics client (amplitude.com) on every load,
whatever that setting says. The older bundle (v1) has no analytics client; the server mounts
only the bundles whose folder exists, so this launcher points v2's folder nowhere before the
server is built, and the UI offers v1 alone (no switch to v2 is shown).

Run as `python -m cli.prefect_server start --host … --port …` (what `incubase run` starts) or
through `incubase prefect-server` for a department's own Prefect server.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

# Prefect's settings that keep a server and its clients quiet on a closed network
OFFLINE_SETTINGS: Mapping[str, str] = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
    "PREFECT_SERVER_UI_V2_ENABLED": "false",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
}


def offline_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    return {**(os.environ if base is None else base), **OFFLINE_SETTINGS}


def check_ui_switch(prefect: ModuleType) -> None:
    """The one place this project sets a library's internals: fail loudly, naming the version,
    when an upgrade of Prefect no longer has the attribute (tests/flows/test_prefect_internals.py)."""
    if not isinstance(getattr(prefect, "__ui_v2_static_path__", None), Path):
        raise RuntimeError(f"Prefect {prefect.__version__} has no __ui_v2_static_path__: the v2 UI (which calls "
                           "amplitude.com) cannot be left out; see cli/prefect_server.py")


def main(argv: Sequence[str]) -> None:
    import prefect
    from prefect.cli import app

    os.environ.update(OFFLINE_SETTINGS)
    check_ui_switch(prefect)
    prefect.__ui_v2_static_path__ = Path(os.devnull) / "no-ui-v2"
    sys.argv = ["prefect", "server", *argv]  # Prefect's entry point reads its arguments there
    app()


if __name__ == "__main__":
    main(sys.argv[1:])
