"""The ports stand below the services: services/ports.py names only the values of services/values.py,
which import nothing from services, so no service module is needed to say what storage must do."""
from __future__ import annotations

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "services"


def services_imported(module: str) -> set[str]:
    tree = ast.parse((SERVICES / f"{module}.py").read_text(encoding="utf-8"))
    found = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    found |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    return {name for name in found if name == "services" or name.startswith("services.")}


def test_the_ports_import_only_the_values_from_services():
    assert services_imported("ports") == {"services.values"}


def test_the_values_import_nothing_from_services():
    assert services_imported("values") == set()
