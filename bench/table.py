"""The README's table from bench/results/*.json; with --compare DIR, the change against an earlier run.

python -m bench.table [--results DIR] [--compare OLD_DIR]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.common import RESULTS


def load(folder: Path) -> dict[tuple[str, str, str], dict]:
    rows = {}
    for path in sorted(folder.glob("b*.json")):
        doc = json.loads(path.read_text())
        for r in doc["rows"]:
            rows[(doc["name"], r["backend"], r["case"])] = {**r, "date": doc["date"][:10]}
    return rows


def fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--compare", type=Path)
    args = ap.parse_args()
    now = load(args.results)
    old = load(args.compare) if args.compare else {}
    head = "| program | backend | case | project | baseline | unit | ratio | target | met |"
    if old:
        head += " ratio before |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for key, r in now.items():
        line = (f"| {key[0]} | {r['backend']} | {r['case']} | {fmt(r['project_median'])} | "
                f"{fmt(r['baseline_median'])} | {r['unit']} | {r['ratio']:.3f} | {r['target']} | "
                f"{'yes' if r['met'] else '**no**'} |")
        if old:
            line += f" {old[key]['ratio']:.3f} |" if key in old else " – |"
        print(line)


if __name__ == "__main__":
    main()
