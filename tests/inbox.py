"""A real local webhook for alert tests: records each JSON message; can fail, be slow, or hold a message."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Inbox:
    """Answers `status` (500 = the notifier is down); waits `delay` s per message and while `gate` is clear.

    `arrivals` counts requests as they arrive; a request whose arrival number is in `discard` is never recorded
    (its sender was killed while it was held).
    """

    def __init__(self, status: int = 200, delay: float = 0.0) -> None:
        self.messages: list[dict[str, Any]] = []
        self.arrived_at: list[float] = []  # time.monotonic() of each recorded message
        self.status = status
        self.delay = delay
        self.arrivals = 0
        self.discard: set[int] = set()
        self.gate = threading.Event()
        self.gate.set()
        lock = threading.Lock()
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                with lock:
                    inbox.arrivals += 1
                    ticket = inbox.arrivals
                inbox.gate.wait(120)
                time.sleep(inbox.delay)
                if ticket in inbox.discard:
                    return
                with lock:
                    if inbox.status == 200:
                        inbox.messages.append(payload)
                        inbox.arrived_at.append(time.monotonic())
                self.send_response(inbox.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        # A long read timeout, so a message held at the gate is not given up by the sender.
        return f"json://127.0.0.1:{self.server.server_port}/hook?rto=120"

    def titles(self) -> list[str]:
        return [m["title"] for m in self.messages]

    def close(self) -> None:
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()
