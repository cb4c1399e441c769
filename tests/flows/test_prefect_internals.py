"""The one internal of a library this project touches: Prefect's path to its v2 UI bundle, pointed
nowhere so the UI served to staff makes no outside call (cli/prefect_server.py). An upgrade that
renames it fails here, naming the version, before a browser ever loads the analytics client."""
from __future__ import annotations

from types import SimpleNamespace

import prefect
import pytest

from cli.prefect_server import check_ui_switch


def test_the_installed_prefect_still_has_the_v2_ui_path():
    check_ui_switch(prefect)


def test_a_prefect_without_it_is_refused_naming_its_version():
    with pytest.raises(RuntimeError, match=r"Prefect 9\.9\.9 has no __ui_v2_static_path__"):
        check_ui_switch(SimpleNamespace(__version__="9.9.9"))
