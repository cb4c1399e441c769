"""Installs are reproducible: the virtualenv holds exactly the versions of requirements.lock, the
lock satisfies pyproject.toml's ranges, and the ranges keep out what is known not to work."""
from __future__ import annotations

import re
import tomllib
from importlib import metadata

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.acceptance.conftest import CHECKOUT

LOCK = CHECKOUT / "requirements.lock"
# installed beside the locked packages by `make install` itself
TOOLS = {"incubase", "pip", "uv", "setuptools"}


def locked() -> dict[str, str]:
    """name → version of each pin that applies to this machine (the lock is universal: a pin may be
    for another platform or Python, by its marker)."""
    pins = re.findall(r"^([A-Za-z0-9._-]+)==([^\s\\;]+)(?: ; ([^\\\n]+))?", LOCK.read_text(encoding="utf-8"),
                      re.MULTILINE)
    return {canonicalize_name(name): version for name, version, marker in pins
            if not marker or Marker(marker.strip()).evaluate()}


def project() -> dict:
    return tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_virtualenv_holds_exactly_the_locked_versions():
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    pins = locked()
    assert {n: (installed.get(n), v) for n, v in pins.items() if installed.get(n) != v} == {}
    assert sorted(set(installed) - set(pins) - TOOLS) == []  # nothing installed that the lock does not name


def test_the_lock_satisfies_every_range_of_pyproject():
    spec = project()
    wanted = [Requirement(r) for r in spec["dependencies"]]
    wanted += [Requirement(r) for extra in spec["optional-dependencies"].values() for r in extra]
    pins = locked()
    unmet = [str(r) for r in wanted if pins.get(canonicalize_name(r.name)) not in r.specifier]
    assert unmet == [], f"re-lock (make lock): the lock no longer satisfies {unmet}"


def test_the_ranges_keep_out_sqlalchemy_2_1_which_stops_prefects_scheduler():
    # Prefect 3.8.8's scheduler raises "Can't evaluate bulk DML statement" on SQLAlchemy 2.1 and
    # plans no run at all; 2.0.x works
    sqlalchemy = next(Requirement(r) for r in project()["dependencies"] if r.startswith("sqlalchemy"))
    assert "2.1.0" not in sqlalchemy.specifier and "2.0.58" in sqlalchemy.specifier
    assert any(r.startswith("prefect==3.8.") for r in project()["dependencies"])
