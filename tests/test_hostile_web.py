"""`fazhi serve` against hostile clients: connections that never send a request cannot lock others out, the Host a
request names never reaches a link, and bidi overrides in archived titles are shown, not obeyed."""

from __future__ import annotations

import json
import socket
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from webkit import Served, crawl_archive, get, serving

from archive.web.server import HEADER_TIMEOUT, MAX_CONNECTIONS
from portalsim import PortalSim

pytestmark = pytest.mark.slow
RLO_TITLE = "关于\u202e告报度年\u202c的说明"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("hostile-web")
    with PortalSim() as sim:
        archive, report_id = crawl_archive(tmp, sim)
        db = Path(archive.config.db_url.removeprefix("sqlite:///"))
        conn = sqlite3.connect(db)
        with conn:
            conn.execute("UPDATE report SET title = ? WHERE id = ?", (RLO_TITLE, report_id))
            conn.execute("UPDATE report_version SET title = ? WHERE report_id = ?", (RLO_TITLE, report_id))
        conn.close()
        yield Served(archive, sim, report_id)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def test_idle_connections_are_closed_and_cannot_lock_others_out(served: Served, tmp_path: Path) -> None:
    with serving(served.archive, tmp_path / "serve.log") as base:
        port = int(base.rsplit(":", 1)[1])
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(MAX_CONNECTIONS + 1)]
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # a head that never ends (slowloris)
        try:
            time.sleep(0.5)
            assert _status(base + "/openapi.json") == 503, "the idle connections should fill every place at first"
            started = time.monotonic()
            while _status(base + "/openapi.json") != 200:
                assert time.monotonic() - started < HEADER_TIMEOUT + 5, "idle connections still hold every place"
                time.sleep(0.25)
            for sock in [*idle[:5], slow]:  # closed by the server, not by us
                sock.settimeout(5)
                assert sock.recv(1024) == b""
        finally:
            for sock in [*idle, slow]:
                sock.close()


def _get_with_host(url: str, host: str) -> str:
    request = urllib.request.Request(url, headers={"Host": host})
    with urllib.request.urlopen(request, timeout=30) as resp:
        return str(resp.read().decode("utf-8"))


def test_links_never_take_the_requests_host(served: Served, tmp_path: Path) -> None:
    with serving(served.archive, tmp_path / "serve.log") as base:
        feed = _get_with_host(base + "/feeds/all.atom", "evil.example.com")
        page = _get_with_host(f"{base}/reports/{served.markup_report_id}", "evil.example.com")
        assert "evil.example.com" not in feed and "evil.example.com" not in page
        assert f'href="{base}/reports/' in feed and f'href="{base}/reports/' in page
    public = "https://archive.example.org/fazhi/"
    with serving(served.archive, tmp_path / "serve2.log", "--base-url", public) as base:
        feed = _get_with_host(base + "/feeds/all.atom", "evil.example.com")
        page = _get_with_host(f"{base}/reports/{served.markup_report_id}", "evil.example.com")
        assert "evil.example.com" not in feed and "evil.example.com" not in page
        assert f'href="{public}reports/' in feed
        assert f'<link rel="canonical" href="{public}reports/{served.markup_report_id}/versions/' in page


def test_bidi_overrides_in_titles_are_shown_not_obeyed(served: Served, tmp_path: Path) -> None:
    with serving(served.archive, tmp_path / "serve.log") as base:
        for path in (f"/reports/{served.markup_report_id}", "/", "/feeds/all.atom"):
            body = get(base + path).text
            assert "\u202e" not in body and "\u202c" not in body, path
            assert "关于\\u202e告报度年\\u202c的说明" in body, path
        # The API hands the data over as it is: JSON readers get the title as archived.
        assert json.loads(get(f"{base}/api/reports/{served.markup_report_id}").text)["title"] == RLO_TITLE
