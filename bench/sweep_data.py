"""b3's sweep data in a database that already exists and is migrated (an acceptance test's, or an
operator's rehearsal copy): `python -m bench.sweep_data URL --cases N --due M`. Generates N cases of
three timers each, M of them with their timers due by 2026-06-14 (b3_sweep.AS_OF: sweep with that
`as_of`), and prints the number of due timers. Each due case fires two: its due timer and the
follow-up that firing adds, due at once.
"""
from __future__ import annotations

import argparse

from bench import b3_sweep
from bench import common as c


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.sweep_data", description=__doc__)
    ap.add_argument("url", help="SQLAlchemy URL of a migrated, empty incubase database")
    ap.add_argument("--cases", type=int, required=True)
    ap.add_argument("--due", type=int, required=True)
    args = ap.parse_args(argv)
    backend = c.Backend.existing(args.url)
    b3_sweep.build(backend, args.cases, args.due)
    backend.analyze()
    raw = backend.raw()
    arg = b3_sweep.AS_OF if backend.kind == "postgres" else b3_sweep.AS_OF.isoformat()
    due = raw.execute(f"SELECT count(*) FROM timers WHERE fired_at IS NULL AND fires_on <= {backend.ph}",
                      (arg,)).fetchone()[0]
    raw.close()
    print(due)


if __name__ == "__main__":
    main()
