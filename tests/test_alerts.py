"""Alerts through Apprise to a real local webhook: each event once, in order, retried while the notifier is down."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import hanweb_page
from crawlkit import make_archive
from sqlalchemy.orm import Session, sessionmaker

from archive import events, store
from archive.alerts import deliver_pending
from archive.cli import cli
from archive.raw import RawPage
from portalsim import PortalSim


class Inbox:
    """A webhook receiver: keeps every JSON message; answers `status` (500 = the notifier is down)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.status = 200
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                if inbox.status == 200:
                    inbox.messages.append(payload)
                self.send_response(inbox.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_port}/hook"

    def titles(self) -> list[str]:
        return [m["title"] for m in self.messages]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    yield box
    box.server.shutdown()


def _new_report(sessions: sessionmaker[Session], n: int) -> None:
    title = f"某区人民政府关于某区2023年法治政府建设年度报告{n}"
    body = hanweb_page(title, ["2023年，某区法治政府建设取得新进展。", "一、主要举措和成效"])
    page = RawPage(
        site_id="s", url=f"https://x.gov.cn/art/{n}.html", status=200, body=body, fetched_at=dt.datetime.now(dt.UTC)
    )
    with sessions.begin() as s:
        store.sync_site(s, "s", "某区人民政府", "浙江省某区", "hanweb-jpage", None)
        store.ingest(s, page)


def test_each_event_is_sent_once(sessions: sessionmaker[Session], inbox: Inbox) -> None:
    _new_report(sessions, 1)
    first = deliver_pending(sessions, (inbox.url,))
    assert (first.sent, first.failed, first.pending) == (1, 0, 0)
    assert inbox.titles() == ["新报告: 某区人民政府关于某区2023年法治政府建设年度报告1"]
    assert "https://x.gov.cn/art/1.html" in inbox.messages[0]["message"]
    again = deliver_pending(sessions, (inbox.url,))
    assert again.sent == 0 and len(inbox.messages) == 1


def test_a_notifier_that_is_down_gets_the_events_later_in_order(sessions: sessionmaker[Session], inbox: Inbox) -> None:
    _new_report(sessions, 1)
    with sessions.begin() as s:
        events.site_error(s, "s", "HTTP 412: anti-bot challenge", "https://x.gov.cn/col/1.html")
    inbox.status = 500
    down = deliver_pending(sessions, (inbox.url,))
    assert (down.sent, down.failed, down.pending) == (0, 1, 2) and inbox.messages == []
    inbox.status = 200
    up = deliver_pending(sessions, (inbox.url,))
    assert (up.sent, up.pending) == (2, 0)
    assert [t.split(" ")[0] for t in inbox.titles()] == ["新报告:", "站点异常:"]


def test_bad_notification_url_is_refused(sessions: sessionmaker[Session]) -> None:
    _new_report(sessions, 1)
    with pytest.raises(ValueError, match="not a notification URL"):
        deliver_pending(sessions, ("nosuchscheme://x",))


@pytest.mark.slow
def test_crawl_notifies_new_reports_once_across_runs(tmp_path: Path, inbox: Inbox) -> None:
    with PortalSim(sites=["shangcheng", "dinghai"]) as sim:
        archive = make_archive(tmp_path, sim)
        args = ["crawl", "--db", archive.config.db_url, "--sites", str(archive.config.sites_path)]
        assert CliRunner().invoke(cli, [*args, "--notify", inbox.url]).exit_code == 0
        expected = {f"新报告: {r.title}" for r in sim.expected_reports()}
        assert set(inbox.titles()) == expected and len(inbox.messages) == len(expected)
        assert CliRunner().invoke(cli, [*args, "--notify", inbox.url]).exit_code == 0
        assert len(inbox.messages) == len(expected)  # a re-crawl sends nothing again
