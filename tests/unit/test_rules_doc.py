"""docs/rules.md maps each rule id to its text, its code, its figure and its test: keep it true.

The doc is parsed, not trusted: every rule id the code, tests and policies use must have a row;
every `module:function` a row names must import; every `tests/…py::test_name` must be defined
in that file (read with `ast`, not imported); every policy key must be one the policy loader
reads, and a figure given for it must be the figure in the policy file. The repository must
also explain itself: no file outside tests/ and docs/ may point at a `shared/` path.
"""
from __future__ import annotations

import ast
import copy
import importlib
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from statemachines.policy import UNKNOWN_KEY, PolicyError, policy_from_mapping

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "rules.md"
POLICIES = ROOT / "policies"
GUIZHOU = POLICIES / "guizhou-provincial-2022.v1.toml"
SHANGHAI = POLICIES / "shanghai-municipal.v1.toml"
# whose figure a row gives: Guizhou's v1 when unlabelled, else a file named by "<id> v<version>"
FIGURE_FILES = {"": GUIZHOU, "Shanghai": SHANGHAI, **{
    path.name.removesuffix(".toml").replace(".v", " v"): path for path in POLICIES.glob("*.toml")}}

CODE_DIRS = ("statemachines", "services", "api", "flows", "cli", "db")
RULE_ID = re.compile(r"\bR(\d+)\b")
# a rule inside a test's name: test_r8_…, test_R4_to_R14_…, test_r15_r16_…
RULE_IN_TEST_NAME = re.compile(r"(?:^|_)[rR](\d+)(?=_|$)")
TEST_DEF = re.compile(r"^\s*(?:async\s+)?def\s+(test_\w+)", re.M)
FUNCTION_REF = re.compile(r"`([a-z_][\w.]*):([A-Za-z_][\w.]*)`")
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")
POLICY_KEY = re.compile(r"`([a-z_][\w.]*)`(?:\s*\(([^)]*)\))?")
# a path under shared/, however it is reached (shared/…, ../shared/…, /work/shared/…)
SHARED_PATH = re.compile(r"(?<![\w-])shared/")


# --- reading the repository and the doc ------------------------------------------------------

def repo_files() -> list[Path]:
    """Files of the checkout: tracked, plus new ones not ignored (so .git and .venv never count)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode("utf-8").split("\0")
    return [ROOT / name for name in listed if name and (ROOT / name).is_file()]


def text_of(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data:
        return None  # binary (screenshots)
    return data.decode("utf-8", errors="replace")


def rule_ids_used() -> dict[str, list[str]]:
    """Rule id → the files that use it, over the code, the tests and the policy files."""
    used: dict[str, list[str]] = {}
    for path in repo_files():
        rel = path.relative_to(ROOT).as_posix()
        top = rel.split("/", 1)[0]
        if path.suffix not in (".py", ".toml") or top not in (*CODE_DIRS, "tests", "policies"):
            continue
        text = text_of(path) or ""
        ids = {f"R{n}" for n in RULE_ID.findall(text)}
        for name in TEST_DEF.findall(text):
            ids |= {f"R{n}" for n in RULE_IN_TEST_NAME.findall(name.removeprefix("test"))}
        for rule in ids:
            used.setdefault(rule, []).append(rel)
    return used


@dataclass(frozen=True)
class Row:
    rule: str
    cells: dict[str, str]

    @property
    def functions(self) -> list[tuple[str, str]]:
        return FUNCTION_REF.findall(self.cells["enforced"])

    @property
    def tests(self) -> list[tuple[str, str]]:
        return TEST_REF.findall(self.cells["test"])

    @property
    def policy_keys(self) -> list[tuple[str, str]]:
        return POLICY_KEY.findall(self.cells["policy"])


COLUMNS = {"rule": "rule", "what": "what", "clause": "clause", "enforced": "enforced",
           "policy": "policy key", "test": "test"}


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def doc_rows() -> list[Row]:
    """The rows of the table under '## Rules' whose first cell is a rule id."""
    if not DOC.is_file():
        return []
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = lines.index("## Rules")
    section = []
    for line in lines[start + 1:]:
        if line.startswith("## "):
            break
        section.append(line)
    table = [line for line in section if line.startswith("|")]
    header = [h.lower() for h in _cells(table[0])]
    where = {}
    for key, title in COLUMNS.items():
        where[key] = next(i for i, h in enumerate(header) if h.startswith(title))
    rows = []
    for line in table[2:]:
        cells = _cells(line)
        rows.append(Row(cells[where["rule"]].strip("*"), {k: cells[i] for k, i in where.items()}))
    return rows


ROWS = doc_rows()


def by_rule(rows: list[Row]) -> list:
    return [pytest.param(row, id=row.rule) for row in rows]


# --- the table ------------------------------------------------------------------------------

def test_the_rules_doc_has_one_row_per_rule_in_order():
    rules = [row.rule for row in ROWS]
    assert rules, f"{DOC} has no rule rows under '## Rules'"
    assert all(re.fullmatch(r"R\d+", r) for r in rules), rules
    assert rules == [f"R{n}" for n in range(1, len(rules) + 1)], rules


def test_every_rule_id_used_in_code_tests_and_policies_has_a_row():
    documented = {row.rule for row in ROWS}
    missing = {rule: files for rule, files in rule_ids_used().items() if rule not in documented}
    assert not missing, f"rule ids used but without a row in docs/rules.md: {missing}"


@pytest.mark.parametrize("row", by_rule(ROWS))
def test_every_row_says_what_the_rule_is_and_where_it_comes_from(row):
    for column in ("what", "clause", "policy"):
        assert row.cells[column], f"{row.rule}: the '{column}' column is empty"


@pytest.mark.parametrize("row", by_rule(ROWS))
def test_every_row_names_functions_that_exist(row):
    assert row.functions, f"{row.rule} names no `module:function` that enforces it"
    for module_name, attribute in row.functions:
        target = importlib.import_module(module_name)
        for part in attribute.split("."):
            assert hasattr(target, part), f"{row.rule}: {module_name}:{attribute} does not exist ({part!r})"
            target = getattr(target, part)
        assert callable(target), f"{row.rule}: {module_name}:{attribute} is not a function"


def _test_functions(path: Path) -> set[str]:
    """Test functions pytest would collect: at module level or in a class, found without importing."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bodies = [tree.body] + [node.body for node in tree.body if isinstance(node, ast.ClassDef)]
    return {node.name for body in bodies for node in body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


@pytest.mark.parametrize("row", by_rule(ROWS))
def test_every_row_names_tests_that_exist(row):
    assert row.tests, f"{row.rule} names no `tests/…py::test_name` that proves it"
    for file, name in row.tests:
        path = ROOT / file
        assert path.is_file(), f"{row.rule}: {file} does not exist"
        assert name in _test_functions(path), f"{row.rule}: {file} defines no {name}"


# --- the policy keys and their figures --------------------------------------------------------

class _NoValidType:
    """A value of no type the loader accepts for any key."""

    def __repr__(self) -> str:
        return "<probe>"


def loader_reads(key: str) -> bool:
    """True when the loader reads `key`: a value of the wrong type there is refused, naming the key.

    The probe goes into the Guizhou file's mapping (a section it lacks is taken from the first
    shipped policy that has it), so the key's section must be one a shipped policy has; a key the
    loader ignores (a typo, a renamed field) is left unread and fails.
    """
    data = copy.deepcopy(tomllib.loads(GUIZHOU.read_text(encoding="utf-8")))
    *sections, leaf = key.split(".")
    if sections and sections[0] not in data:
        shipped = (tomllib.loads(path.read_text(encoding="utf-8")) for path in sorted(POLICIES.glob("*.toml")))
        data[sections[0]] = next((copy.deepcopy(d[sections[0]]) for d in shipped if sections[0] in d), None)
    node = data
    for section in sections:
        node = node.get(section)
        if not isinstance(node, dict):
            return False
    node[leaf] = _NoValidType()
    try:
        policy_from_mapping(data, where="probe")
    except PolicyError as exc:  # refused for its value, not as a key the loader does not know
        return any(p.startswith(f"{key}:") and not p.endswith(UNKNOWN_KEY) for p in exc.problems)
    return False


def value_at(path: Path, key: str) -> object:
    node: object = tomllib.loads(path.read_text(encoding="utf-8"))
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"{path.name} has no {key}")
        node = node[part]
    return node


def as_figure(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(as_figure(v) for v in value)
    return str(value)


@pytest.mark.parametrize("row", by_rule(ROWS))
def test_every_policy_key_is_read_by_the_loader_and_its_figure_is_the_files(row):
    if row.cells["policy"] == "—":
        return
    assert row.policy_keys, f"{row.rule}: the policy column is neither '—' nor a `key`"
    for key, figure in row.policy_keys:
        assert loader_reads(key), f"{row.rule}: policy key {key} is not read by policy_from_mapping"
        if not figure:
            continue
        label, _, shown = figure.rpartition(":")
        path = FIGURE_FILES[label.strip()]
        assert as_figure(value_at(path, key)) == shown.strip(), (
            f"{row.rule}: docs/rules.md gives {key} as {shown.strip()!r}, {path.name} has {value_at(path, key)!r}")


def test_the_loader_probe_refuses_a_key_no_policy_has():
    assert not loader_reads("recognition.length")
    assert not loader_reads("no_such_section.period")
    assert loader_reads("recognition.period")


def test_every_policy_source_is_in_the_sources_table():
    text = DOC.read_text(encoding="utf-8")
    sources = text.split("## Sources", 1)[1].split("\n## ", 1)[0]
    ids = {_cells(line)[0] for line in sources.splitlines() if line.startswith("|")}
    for path in sorted(POLICIES.glob("*.toml")):
        for source in tomllib.loads(path.read_text(encoding="utf-8")).get("sources", []):
            assert source["id"] in ids, f"{path.name}: source {source['id']} is not in the Sources table"


# --- the repository explains itself ---------------------------------------------------------

def files_pointing_at_shared(paths: list[Path], root: Path = ROOT) -> list[str]:
    found = []
    for path in paths:
        text = text_of(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if SHARED_PATH.search(line):
                found.append(f"{path.relative_to(root).as_posix()}:{number}: {line.strip()}")
    return found


def test_no_file_outside_tests_and_docs_points_at_a_shared_path():
    outside = [p for p in repo_files()
               if p.relative_to(ROOT).parts[0] not in ("tests", "docs", ".git", ".venv")]
    found = files_pointing_at_shared(outside)
    assert not found, "files that point at a shared/ path users do not have:\n" + "\n".join(found)


def test_the_rules_doc_points_at_no_shared_path():
    assert files_pointing_at_shared([DOC]) == []


def test_the_shared_path_check_finds_a_pointer_and_nothing_else(tmp_path):
    probe = tmp_path / "policy.toml"
    probe.write_text('# shared machine, shared_nothing\nfile = "../shared/seeds/001.txt"\n', encoding="utf-8")
    assert files_pointing_at_shared([probe], root=tmp_path) == ['policy.toml:2: file = "../shared/seeds/001.txt"']
