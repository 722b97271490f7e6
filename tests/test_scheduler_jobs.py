"""The scheduler's job store and lease on real databases: restarts neither lose nor double jobs, a missed window
runs once, registry edits are picked up, and one scheduler at a time drives an archive."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from archive.clock import TIMEZONE
from archive.config import Config
from archive.registry.sites import Site
from archive.runner import scheduler
from archive.store.handle import Archive
from archive.store.lease import Lease, LeaseHeld
from archive.store.models import Lease as LeaseRow
from archive.store.models import SchedulerJob, utcnow

CALLS: list[str] = []
_CALLED = threading.Event()


def record_run(site_id: str) -> None:
    """Stands in for a crawl: the scheduler calls it by reference, as it calls the real job."""
    CALLS.append(site_id)
    _CALLED.set()


def _site(site_id: str, schedule: str | None = None) -> Site:
    return Site(
        site_id,
        "某区人民政府",
        "浙江省某区",
        ("https://www.example.gov.cn/",),
        ("www.example.gov.cn",),
        schedule=schedule,
    )


def _config(db_url: str, tmp_path: Path) -> Config:
    return Config(home=tmp_path / "home", db_url=db_url, sites_path=tmp_path / "sites.yaml")


def _stored(engine: Engine) -> dict[str, float | None]:
    with engine.connect() as conn:
        return dict(conn.execute(select(SchedulerJob.id, SchedulerJob.next_run_time)).all())


def test_restart_keeps_jobs_once_and_follows_registry_edits(engine: Engine, tmp_path: Path) -> None:
    config = _config(engine.url.render_as_string(hide_password=False), tmp_path)
    for sites in ([_site("a"), _site("b")], [_site("a"), _site("b")], [_site("a", "0 7 * * *"), _site("c")]):
        s = scheduler.build_scheduler(Archive(config, engine), max_crawls=1)
        s.start(paused=True)
        before = _stored(engine)
        scheduler.sync_jobs(s, sites, None)
        after = _stored(engine)
        s.shutdown(wait=False)
        assert set(after) == {f"crawl:{x.id}" for x in sites}
        if sites[0].schedule is None and before:
            assert after == before, "an unchanged registry must leave stored jobs (and their next run) as they were"
    assert _stored(engine)["crawl:a"] is not None
    next_a = dt.datetime.fromtimestamp(_stored(engine)["crawl:a"] or 0, TIMEZONE)
    assert (next_a.hour, next_a.minute) == (7, 0)


def test_a_missed_window_runs_once_on_start(engine: Engine, tmp_path: Path) -> None:
    config = _config(engine.url.render_as_string(hide_password=False), tmp_path)
    CALLS.clear()
    _CALLED.clear()
    s = scheduler.build_scheduler(Archive(config, engine), max_crawls=1)
    s.start(paused=True)
    # The machine was off for three days: three daily runs were missed.
    s.add_job(
        f"{__name__}:record_run",
        scheduler.site_trigger(_site("a", "0 7 * * *")),
        args=["a"],
        id="crawl:a",
        name="cron 0 7 * * * Asia/Shanghai",
        jobstore="default",
        next_run_time=dt.datetime.now(TIMEZONE) - dt.timedelta(days=3),
    )
    s.shutdown(wait=False)

    s = scheduler.build_scheduler(Archive(config, engine), max_crawls=1)
    s.start()
    assert _CALLED.wait(10), "the missed run did not run on start"
    time.sleep(1.5)
    s.shutdown(wait=True)
    assert CALLS == ["a"], "a machine that was off runs one catch-up crawl per site, not a burst"
    nxt = dt.datetime.fromtimestamp(_stored(engine)["crawl:a"] or 0, TIMEZONE)
    assert nxt > dt.datetime.now(TIMEZONE) and (nxt.hour, nxt.minute) == (7, 0)


def test_one_scheduler_per_archive(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    first = Lease.acquire(url, "scheduler", holder="host-a:1")
    with pytest.raises(LeaseHeld, match=r"another scheduler \(host-a:1"):
        Lease.acquire(url, "scheduler", holder="host-b:2")
    first.release()
    second = Lease.acquire(url, "scheduler", holder="host-b:2")
    first.renew()
    assert first.lost, "a holder that lost its lease must find out at its next renewal"
    second.release()


def test_a_dead_holder_gives_the_lease_up(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    dead = Lease.acquire(url, "scheduler", holder="host-a:1")
    with engine.begin() as conn:  # its last renewal was long ago
        conn.execute(update(LeaseRow).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    taker = Lease.acquire(url, "scheduler", holder="host-b:2")
    dead.renew()
    assert dead.lost
    taker.release()


def test_a_second_scheduler_on_the_same_archive_refuses(tmp_path: Path) -> None:
    registry = tmp_path / "sites.yaml"
    registry.write_text(
        "sites:\n  - id: xihu\n    name: 杭州市西湖区人民政府\n    region: 浙江省杭州市西湖区\n"
        "    start_urls: [http://127.0.0.1:9/col/index.html]\n    schedule: '0 7 * * *'\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "FAZHI_HOME": str(tmp_path / "home"),
        "FAZHI_DB_URL": f"sqlite:///{tmp_path / 'archive.db'}",
        "FAZHI_SITES": str(registry),
    }
    first = subprocess.Popen([sys.executable, "-m", "archive", "schedule"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        log = tmp_path / "home" / "logs" / "scheduler.log"
        deadline = time.monotonic() + 30
        while not (log.exists() and "scheduler started" in log.read_text(encoding="utf-8")):
            assert time.monotonic() < deadline and first.poll() is None, "the first scheduler did not start"
            time.sleep(0.2)
        second = subprocess.run(
            [sys.executable, "-m", "archive", "schedule"], env=env, capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 2
        assert "another scheduler" in second.stderr and "Traceback" not in second.stderr, second.stderr
        assert len(second.stderr.strip().splitlines()) == 1
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(60) == 0
