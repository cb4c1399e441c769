"""Profiles of the hot paths whose targets are missed (pyinstrument, SQLite, small sizes):
python -m bench.profile_hot [act|replay|verify|verify_short|sweep|http_act ...]; the text summaries go to
bench/results/profiles/<path>.txt and the top frames are printed.
"""
from __future__ import annotations

import sys
from datetime import UTC, datetime

from pyinstrument import Profiler

from bench import b1_act, b3_sweep
from bench import common as c


def _save(name: str, prof: Profiler) -> None:
    out = c.RESULTS / "profiles"
    out.mkdir(parents=True, exist_ok=True)
    text = prof.output_text(unicode=False, color=False, show_all=False)
    (out / f"{name}.txt").write_text(text)
    print(f"--- {name}\n" + "\n".join(text.splitlines()[:60]))


def act(kind: str = "sqlite") -> None:
    from services import cases

    backend = c.Backend(kind, "prof_act").create()
    try:
        b1_act.build(backend, 1200)
        rt = c.runtime(backend, b1_act.NOW)
        ids = b1_act.case_ids(1, 1200)
        assess = cases.ACTS["record_assessment"]
        for cid in ids[:100]:
            assess(rt, cid, outcome="pass", actor=c.CASEWORKER, on=b1_act.ON, reason="考核合格")
        prof = Profiler(interval=0.0002)
        with prof:
            for cid in ids[100:]:
                assess(rt, cid, outcome="pass", actor=c.CASEWORKER, on=b1_act.ON, reason="考核合格")
        _save(f"act_{kind}", prof)
    finally:
        backend.drop()


def replay(kind: str = "sqlite") -> None:
    from services import audit
    from statemachines.timers import timers_for

    case, events, policy, calendar = c.recognized_case(reports=2, complaint_pairs=1500)
    backend = c.Backend(kind, "prof_replay").create()
    try:
        c.insert_template(backend, case, events, timers_for(case, policy, calendar))
        rt = c.runtime(backend, datetime(2026, 7, 1, 2, tzinfo=UTC))
        audit.state_as_of(rt, c.TPL_CASE)
        prof = Profiler(interval=0.0002)
        with prof:
            for _ in range(3):
                audit.state_as_of(rt, c.TPL_CASE)
        _save(f"replay_{kind}", prof)
    finally:
        backend.drop()


def verify(kind: str = "sqlite") -> None:
    from bench import b5_audit

    backend = c.Backend(kind, "prof_verify").create()
    try:
        b5_audit.build(backend, 40)
        rt = c.runtime(backend, datetime(2022, 1, 1, tzinfo=UTC))
        c.add_staff(rt)
        rt.clock.now = b5_audit.NOW
        prof = Profiler(interval=0.0005)
        with prof:
            b5_audit.verify(rt)
        _save(f"verify_{kind}", prof)
    finally:
        backend.drop()


def verify_short(kind: str = "sqlite") -> None:
    """The full check over cases of 5 events (bench b7, issue 16), in one process."""
    from bench import b7_verify

    backend, rt = c.generated(kind, "prof_verify_short", b7_verify.build, 3000, b7_verify.PER_CASE, b7_verify.NOW)
    try:
        b7_verify.verify(rt, backend, 1)  # warm: policies, calendar, caches
        prof = Profiler(interval=0.0002)
        with prof:
            b7_verify.verify(rt, backend, 1)
        _save(f"verify_short_{kind}", prof)
        rt.uow.args[0].dispose()
    finally:
        backend.drop()


def sweep(kind: str = "sqlite") -> None:
    from services.sweep import sweep as run

    backend = c.Backend(kind, "prof_sweep").create()
    try:
        b3_sweep.build(backend, 20_000, 400)
        backend.analyze()
        rt = c.runtime(backend, b3_sweep.NOW)
        prof = Profiler(interval=0.0005)
        with prof:
            run(rt, b3_sweep.AS_OF)
        _save(f"sweep_{kind}", prof)
    finally:
        backend.drop()


def summarise_collapsed(path, top: int = 25) -> str:
    """py-spy's raw (collapsed) stacks: share of samples in each function (inclusive) and on top."""
    from collections import Counter

    incl, own, total = Counter(), Counter(), 0
    with open(path) as fh:
        for line in fh:
            stack, _, n = line.rstrip().rpartition(" ")
            n = int(n)
            frames = [f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].split("/")[-1] + ")"
                      for f in stack.split(";") if f]
            total += n
            for f in set(frames):
                incl[f] += n
            if frames:
                own[frames[-1]] += n
    lines = [f"{total} samples", "inclusive:"]
    lines += [f"  {100 * v / total:5.1f}%  {k}" for k, v in incl.most_common(top)]
    lines += ["on top of the stack:"] + [f"  {100 * v / total:5.1f}%  {k}" for k, v in own.most_common(top)]
    return "\n".join(lines)


def http_act(kind: str = "sqlite") -> None:
    """The act over HTTP, sampled by py-spy in the server process (threadpool threads included)."""
    import multiprocessing as mp
    import subprocess
    from pathlib import Path

    from bench import b2_http
    from services import users

    backend = c.Backend(kind, "b2").create()
    ctx = mp.get_context("fork")
    try:
        b1_act.build(backend, 1300)
        rt = c.runtime(backend, datetime(2022, 1, 1, tzinfo=UTC))
        c.add_staff(rt)
        token = users.create_token(rt, c.CASEWORKER, "bench")
        port = b2_http.free_port()
        server = ctx.Process(target=b2_http.serve, args=(kind, "b2", port), daemon=True)
        server.start()
        b2_http.wait_up(port)
        out = c.RESULTS / "profiles"
        out.mkdir(parents=True, exist_ok=True)
        raw = out / f"http_act_{kind}.collapsed"
        spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(server.pid),
                                "-r", "500", "-f", "raw", "-o", str(raw), "-d", "60", "--nonblocking"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import time
        time.sleep(1.0)
        q = ctx.Queue()
        gen = ctx.Process(target=b2_http.load, args=(port, token, b1_act.case_ids(1, 1200), 4, q))
        gen.start()
        rate, _, errors = q.get(timeout=200)
        gen.join()
        spy.send_signal(2)
        spy.wait(30)
        server.terminate()
        text = f"{rate:.1f} acts/s during the profile, {len(errors)} errors\n" + summarise_collapsed(raw)
        (out / f"http_act_{kind}.txt").write_text(text)
        print(f"--- http_act_{kind}\n{text}")
    finally:
        backend.drop()


PATHS = {"http_act": http_act, "act": act, "replay": replay, "verify": verify, "verify_short": verify_short,
         "sweep": sweep}

if __name__ == "__main__":
    names = sys.argv[1:] or list(PATHS)
    kind = "sqlite"
    if "--postgres" in names:
        names.remove("--postgres")
        kind = "postgres"
    for name in names:
        PATHS[name](kind)
