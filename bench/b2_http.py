"""2. One act over HTTP: uvicorn serving the app on 127.0.0.1 (one worker process per core, sharing one
listening socket, as `uvicorn --workers` would; access log off), a load generator in another
process (1 or 4 client threads, each on one keep-alive connection, bounded in requests and time), POST
/api/v1/cases/{id}/actions/record_assessment with a bearer token; vs. the bare-driver act of b1
measured in the same run with as many writers. Target: ≥ 30 % of the bare rate; p99 < 50 ms with
4 clients on PostgreSQL.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import socket
import threading
import time
from datetime import UTC, datetime

from bench import common as c
from bench.b1_act import WARMUP, bare_worker, build, case_ids, measure

NOW = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)
DEADLINE = 300  # seconds: no load run goes on longer than this


# the bare baseline runs as many processes as clients; the server gets one worker per core
WORKERS = os.cpu_count() or 1


def serve(kind: str, tag: str, port: int, sock: socket.socket | None = None) -> None:
    import uvicorn

    from api.main import create_app

    rt = c.runtime(c.Backend(kind, tag), NOW)
    app = create_app(runtime=rt)
    if sock is None:
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    else:
        uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False)).run(sockets=[sock])


def listen(port: int) -> socket.socket:
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # without it each answer waits ~40 ms for the client's delayed ACK
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    return sock


def load(port: int, token: str, ids: list[str], clients: int, out) -> None:
    # http.client over one keep-alive connection per client thread, the body encoded once: the
    # generator shares the machine's cores with the server, and httpx spent ~4x its CPU per
    # request (~315 µs against ~85 µs)
    import http.client
    import json

    lat: list[float] = []
    errors: list[str] = []
    share = len(ids) // clients
    stop = time.monotonic() + DEADLINE
    body = json.dumps({"on": "2026-06-10", "reason": "考核合格", "outcome": "pass"}, ensure_ascii=False).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client(mine: list[str]) -> None:
        http_ = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            for i, cid in enumerate(mine):
                if time.monotonic() > stop:
                    errors.append("deadline")
                    return
                s = time.perf_counter()
                http_.request("POST", f"/api/v1/cases/{cid}/actions/record_assessment", body, headers)
                r = http_.getresponse()
                text = r.read()
                if i >= WARMUP:
                    lat.append(time.perf_counter() - s)
                if r.status != 200:
                    errors.append(f"{r.status} {text[:200]!r}")
                elif r.will_close:  # the server must keep the connection open, as a real client expects
                    errors.append("connection closed by the server")
                    return
        finally:
            http_.close()

    threads = [threading.Thread(target=client, args=(ids[i * share:(i + 1) * share],)) for i in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((len(lat) / (time.monotonic() - t0), lat, errors))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int) -> None:
    import httpx

    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def main(argv=None) -> None:
    args = c.parse("b2_http", __doc__, sizes={"acts": 1500}, smoke_sizes={"acts": 40}, argv=argv)
    c.header(args, "one act over HTTP vs bare driver")
    report = c.Report("b2_http", args)
    from importlib.util import find_spec

    report.note(f"uvicorn: {WORKERS} worker process(es), {'httptools' if find_spec('httptools') else 'h11'}, "
                f"{'uvloop' if find_spec('uvloop') else 'asyncio'} loop, access log off")
    ctx = mp.get_context("fork")
    for kind in c.backends(args, report):
        n = args.sizes["acts"]
        per = {w: n + w * WARMUP for w in (1, 4)}
        backend = c.Backend(kind, "b2").create()
        build(backend, 2 * args.rounds * (per[1] + per[4]))
        backend.analyze()
        rt = c.runtime(backend, datetime(2022, 1, 1, tzinfo=UTC))
        c.add_staff(rt)
        from services import users

        token = users.create_token(rt, c.CASEWORKER, "bench")
        rt.uow.args[0].dispose()
        port = free_port()
        sock = listen(port)
        servers = [ctx.Process(target=serve, args=(kind, "b2", port, sock), daemon=True) for _ in range(WORKERS)]
        for server in servers:
            server.start()
        sock.close()  # the workers hold it
        nxt = 1
        try:
            wait_up(port)
            for clients in (1, 4):
                rates = {"project": [], "baseline": []}
                lat = []
                for _ in range(args.rounds):
                    ids = case_ids(nxt, per[clients])
                    nxt += per[clients]
                    rate, _ = measure(kind, "b2", bare_worker, ids, clients)
                    rates["baseline"].append(rate)
                    ids = case_ids(nxt, per[clients])
                    nxt += per[clients]
                    q = ctx.Queue()
                    gen = ctx.Process(target=load, args=(port, token, ids, clients, q))
                    gen.start()
                    rate, lats, errors = q.get(timeout=DEADLINE + 30)
                    gen.join()
                    if errors:
                        raise RuntimeError(f"{len(errors)} failed requests, first: {errors[0]}")
                    rates["project"].append(rate)
                    lat.extend(lats)
                p99_ms = c.p99(lat) * 1000
                row = report.add(kind, f"record_assessment over HTTP, {clients} client{'s' * (clients > 1)}",
                                 rates["project"], rates["baseline"], "acts/s", higher_is_better=True,
                                 target=">=0.3", p99_ms=round(p99_ms, 1), p50_ms=round(c.median(lat) * 1000, 1))
                if kind == "postgres" and clients == 4:
                    row["p99_target_met"] = p99_ms < 50
                    report.note(f"postgres 4 clients p99 {p99_ms:.1f} ms (target < 50 ms: "
                                f"{'met' if p99_ms < 50 else 'MISSED'})")
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                server.join(5)
            backend.drop()
    report.finish()


if __name__ == "__main__":
    c.main_guard(main)
