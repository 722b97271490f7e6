"""Alert senders in separate processes against one database: each event once to the live URL, a killed sender's
claim expiring. Real SQLite and PostgreSQL, real webhooks on loopback."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from crawlkit import make_archive
from inbox import Inbox
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from test_alerts import _new_report, _numbers

from archive.alerts.delivery import deliver_pending
from portalsim import PortalSim

SEND = "from archive.cli.main import main; main()"
# A sender with a short lease, as a separate process, so it can be killed while it is sending.
SHORT_LEASE_SENDER = """
import datetime as dt, sys
from archive.alerts.delivery import deliver_pending
from portalsim import PortalSim
from archive.store.db import make_engine, make_sessionmaker
deliver_pending(make_sessionmaker(make_engine(sys.argv[1])), sys.argv[2:], lease=dt.timedelta(seconds=3))
"""


@pytest.fixture
def live() -> Iterator[Inbox]:
    box = Inbox(delay=0.2)  # a slow receiver
    yield box
    box.close()


@pytest.fixture
def dead() -> Iterator[Inbox]:
    box = Inbox(status=500)
    yield box
    box.close()


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONIOENCODING": "utf-8"}


def _wait(condition: Callable[[], bool], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_three_concurrent_senders_deliver_each_event_once(
    engine: Engine, sessions: sessionmaker[Session], live: Inbox, dead: Inbox
) -> None:
    for n in range(1, 7):
        _new_report(sessions, n)
    url = engine.url.render_as_string(hide_password=False)
    live.gate.clear()  # the first message is held until the other two senders have come and gone
    args = [sys.executable, "-c", SEND, "alerts", "send", "--db", url, "--notify", live.url, "--notify", dead.url]
    procs = [
        subprocess.Popen(args, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)
    ]
    _wait(lambda: live.arrivals >= 1 and sum(p.poll() is not None for p in procs) >= 2)
    live.gate.set()
    outputs = [p.communicate(timeout=120) for p in procs]
    codes = [p.returncode for p in procs]
    assert _numbers(live) == [1, 2, 3, 4, 5, 6], outputs  # each once, in order
    assert dead.arrivals == 1  # tried once by one sender, then backing off for the others
    assert set(codes) <= {0, 1} and 1 in codes  # the dead URL makes a failing exit
    holder = [i for i, p in enumerate(procs) if "6 sent" in outputs[i][1]]
    assert len(holder) == 1
    others = [outputs[i][1] for i in range(3) if i not in holder]
    assert all("hook busy" in err for err in others), others  # they met the claim and moved on
    again = deliver_pending(sessions, (live.url, dead.url))
    assert again.sent == 0 and len(live.messages) == 6


def test_a_killed_senders_claim_expires(engine: Engine, sessions: sessionmaker[Session], live: Inbox) -> None:
    _new_report(sessions, 1)
    url = engine.url.render_as_string(hide_password=False)
    live.gate.clear()
    sender = subprocess.Popen([sys.executable, "-c", SHORT_LEASE_SENDER, url, live.url], env=_env())
    _wait(lambda: live.arrivals == 1)
    sender.send_signal(signal.SIGKILL)  # killed in the middle of sending
    sender.wait()
    killed_at = time.monotonic()
    live.discard.add(1)
    live.gate.set()
    busy = deliver_pending(sessions, (live.url,))
    assert busy.channels[0].status == "busy" and live.messages == []  # the claim outlives its sender a while
    time.sleep(max(0.0, 3.5 - (time.monotonic() - killed_at)))
    taken_over = deliver_pending(sessions, (live.url,), clock=lambda: dt.datetime.now(dt.UTC))
    assert taken_over.channels[0].status == "ok" and _numbers(live) == [1]


@pytest.mark.slow
def test_three_concurrent_crawls_alert_each_report_once(db_url: str, tmp_path: Path, live: Inbox, dead: Inbox) -> None:
    sites = ["yuhang", "dinghai", "putuo"]
    with PortalSim(sites=sites) as sim:
        archive = make_archive(tmp_path, sim, db_url=db_url)
        registry = str(archive.config.sites_path)
        options = ["--db", db_url, "--sites", registry, "--notify", live.url, "--notify", dead.url]
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", SEND, "crawl", site, *options],
                env=_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for site in sites
        ]
        outputs = [p.communicate(timeout=240) for p in procs]
        expected = [f"新报告: {r.title}" for r in sim.expected_reports()]
    # Each crawl delivers at its end; whichever holds the live URL sends what the others committed meanwhile.
    assert sorted(live.titles()) == sorted(expected), outputs
    assert dead.arrivals == 1
    # The dead URL fails the crawl that tried it, and every crawl that found it busy after a failed try; a crawl that
    # found it busy during the very first try handed its alerts on and could not know yet.
    codes = [proc.returncode for proc in procs]
    assert 1 in codes and set(codes) <= {0, 1}, outputs
    for code, (_, err) in zip(codes, outputs, strict=True):
        assert (code == 1) == ("alerts did not all go out" in err), err
