"""Serving the app: the listening socket bound before anything is announced, the public address the pages link
to, and connections that must send a request within a time limit.

uvicorn closes an idle keep-alive connection after `timeout_keep_alive`, but not one that never sends a whole
request: a client that connects and waits (or sends its headers a byte at a time) would hold one of the
`limit_concurrency` places for ever, and a few hundred such clients would lock everyone else out with 503s.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any
from urllib.parse import urlsplit

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from archive.errors import BadUsage

# Seconds a connection has to send a whole request head, from connecting or from the end of its last response.
HEADER_TIMEOUT = 10.0
# Connections (and their requests) served at once; beyond them a client is answered 503 at once, not queued.
MAX_CONNECTIONS = 200
KEEP_ALIVE = 5  # seconds an idle keep-alive connection stays open after a response


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on host:port; BadUsage in one line when it cannot be had (the port is taken, say)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise BadUsage(f"cannot listen on {host}: {exc.strerror or exc}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise BadUsage(f"cannot listen on {_netloc(host, port)}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def check_base_url(base_url: str) -> str:
    """A public address as given (--base-url, FAZHI_BASE_URL), ending in `/`; BadUsage unless it is http(s)."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise BadUsage(f"--base-url {base_url!r} must be an http(s) address like https://archive.example.org/")
    return base_url.rstrip("/") + "/"


def public_base(sock: socket.socket, base_url: str | None) -> str:
    """The address pages and feeds link to, ending in `/`: the configured one, else the address listened on. Never
    the request's Host header, which any client can set."""
    if base_url:
        return check_base_url(base_url)
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", "::"):  # every address: the machine's own name is the best guess
        host = socket.gethostname()
    return f"http://{_netloc(host, port)}/"


def listening_at(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{_netloc(host, port)}/"


def run(app: Any, sock: socket.socket, *, access_log: bool, header_timeout: float = HEADER_TIMEOUT) -> None:
    """Serve `app` on `sock` until SIGTERM/SIGINT."""
    protocol = type("TimedH11Protocol", (TimedH11Protocol,), {"header_timeout": header_timeout})
    config = uvicorn.Config(
        app,
        http=protocol,
        access_log=access_log,
        log_level="info",
        server_header=False,
        limit_concurrency=MAX_CONNECTIONS,
        timeout_keep_alive=KEEP_ALIVE,
    )
    uvicorn.Server(config).run(sockets=[sock])


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection that has not sent a whole request head in `header_timeout`
    seconds from connecting or from its last response."""

    header_timeout = HEADER_TIMEOUT
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        if not self.transport.is_closing():
            self._head_timer = self.loop.call_later(self.header_timeout, self._head_timeout)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timeout(self) -> None:
        self._head_timer = None
        # Still waiting for a request's head (a request being served has moved h11 past IDLE).
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
