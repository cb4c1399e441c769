"""A department's webhook receiver for the tests: it records what it is sent, on 127.0.0.1 only,
and can answer the first N calls with 500, as a receiver that is down for a while does."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DOWN = "接收方暂时不可用".encode()


class Receiver:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[tuple[str, dict[str, str], bytes, int]] = []  # path, headers, body, status answered
        self.fail_first = 0
        self.url = ""

    @property
    def accepted(self) -> list[tuple[dict[str, str], bytes]]:
        """(headers, body) of each call answered with success, in order."""
        with self.lock:
            return [(h, b) for _, h, b, status in self.calls if status < 300]

    def _answer(self, path: str, headers: dict[str, str], raw: bytes) -> int:
        with self.lock:
            status = 204
            if self.fail_first > 0:
                self.fail_first -= 1
                status = 500
            self.calls.append((path, headers, raw, status))
        return status


@contextmanager
def receiving(path: str = "/hooks/incubase") -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            status = receiver._answer(self.path, dict(self.headers), raw)
            self.send_response(status)
            if status == 500:
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(DOWN)))
                self.end_headers()
                self.wfile.write(DOWN)
            else:
                self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
