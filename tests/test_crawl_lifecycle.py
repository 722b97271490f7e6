"""A real `fazhi crawl` process: stopped by a signal or killed, its crawler goes with it and its runs are recorded
as interrupted; a wall-clock limit stops a crawl; two first crawls on a new database both succeed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from crawlkit import Archive, live_processes, make_archive
from sqlalchemy import select

from archive.config import Config
from archive.store.db import make_engine
from archive.store.migrate import HEAD, current_revision
from archive.store.models import CrawlRun
from portalsim import PortalSim

pytestmark = pytest.mark.slow

FAZHI = [sys.executable, "-c", "from archive.cli.main import main; main()"]


def fazhi(config: Config, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`fazhi ARGS` as its own process, as a user or a service manager starts it."""
    return subprocess.Popen(
        [*FAZHI, *args, "--db", config.db_url, "--sites", str(config.sites_path)],
        env={**os.environ, "FAZHI_HOME": str(config.home), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def crawler_pids(parent_pid: int) -> set[int]:
    """Live `python -m crawler.run` processes started by `parent_pid` (zombies waiting to be reaped are dead)."""
    return live_processes("crawler.run", str(parent_pid))


def slow_registry(sim: PortalSim, delay: float = 0.4, **extra: object) -> str:
    doc = yaml.safe_load(sim.registry_yaml(delay=delay))
    for site in doc["sites"]:
        site.update(extra)
    return yaml.safe_dump(doc, allow_unicode=True)


def runs(archive: Archive) -> list[CrawlRun]:
    with archive.session() as s:
        return list(s.scalars(select(CrawlRun).order_by(CrawlRun.id)))


def wait_until_crawling(archive: Archive, proc: subprocess.Popen[str]) -> int:
    """Wait until a report is archived (the crawl is under way); the crawler's pid."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the crawl ended before it could be stopped: {proc.communicate()}"
        children = crawler_pids(proc.pid)
        if children and archive.counts()[0] >= 1:
            return min(children)
        time.sleep(0.05)
    pytest.fail("no report was archived within 60 s")


def wait_gone(pid: int, parent_pid: int, seconds: float = 45) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pid not in crawler_pids(parent_pid):
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    pytest.fail(f"crawler {pid} still running {seconds} s after its parent was stopped")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_crawler_and_records_interrupted(tmp_path: Path, sig: signal.Signals) -> None:
    with PortalSim(sites=["yuhang", "dinghai"]) as sim:
        archive = make_archive(tmp_path, sim)
        archive.config.sites_path.write_text(slow_registry(sim), encoding="utf-8")
        proc = fazhi(archive.config, "crawl")
        child = wait_until_crawling(archive, proc)
        proc.send_signal(sig)
        try:
            _, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
        assert proc.returncode == 1, err
        assert child not in crawler_pids(proc.pid)
        assert f"interrupted by {sig.name}" in err and "Traceback" not in err
        statuses = {r.site_id: r.status for r in runs(archive)}
        assert statuses == {"yuhang": "interrupted", "dinghai": "interrupted"}
        # Nothing goes on writing after `fazhi crawl` has ended.
        before = archive.counts()
        time.sleep(1.5)
        assert archive.counts() == before


def test_sigkill_of_fazhi_crawl_takes_the_crawler_down(tmp_path: Path) -> None:
    with PortalSim(sites=["yuhang", "dinghai"]) as sim:
        archive = make_archive(tmp_path, sim)
        archive.config.sites_path.write_text(slow_registry(sim), encoding="utf-8")
        proc = fazhi(archive.config, "crawl")
        child = wait_until_crawling(archive, proc)
        proc.kill()  # no handler runs: only the kernel (PR_SET_PDEATHSIG) tells the crawler
        proc.communicate()
        wait_gone(child, proc.pid)
        # The crawler was stopped, not killed: it closed its runs itself.
        assert {r.status for r in runs(archive)} == {"interrupted"}
        before = archive.counts()
        time.sleep(1.5)
        assert archive.counts() == before


@pytest.mark.parametrize("where", ["registry", "setting"])
def test_wall_clock_limit_stops_a_crawl_and_fails_it(tmp_path: Path, where: str) -> None:
    with PortalSim(sites=["yuhang"]) as sim:
        archive = make_archive(tmp_path, sim)
        if where == "registry":
            archive.config.sites_path.write_text(slow_registry(sim, delay=0.5, timeout=2), encoding="utf-8")
            env = None
        else:
            archive.config.sites_path.write_text(slow_registry(sim, delay=0.5), encoding="utf-8")
            env = {"FAZHI_CRAWL_TIMEOUT": "2"}
        started = time.monotonic()
        proc = fazhi(archive.config, "crawl", env=env)
        _, err = proc.communicate(timeout=90)
        assert proc.returncode == 1, err
        assert time.monotonic() - started < 30
        assert "Traceback" not in err
        (run,) = runs(archive)
        assert run.status == "interrupted" and run.finished_at is not None
        assert any("wall-clock limit after 2 s" in m for m in run.messages), run.messages


def test_two_first_crawls_on_a_new_database_both_succeed(tmp_path: Path, db_url: str) -> None:
    with PortalSim(sites=["yuhang", "dinghai"]) as sim:
        registry = tmp_path / "sites.yaml"
        registry.write_text(sim.registry_yaml(delay=0.0), encoding="utf-8")
        config = Config(home=tmp_path / "home", db_url=db_url, sites_path=registry)
        procs = [fazhi(config, "crawl", site) for site in ("yuhang", "dinghai")]
        results = [p.communicate(timeout=120) for p in procs]
        for proc, (_, err) in zip(procs, results, strict=True):
            assert proc.returncode == 0, err
            assert "Traceback" not in err
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) == HEAD
    finally:
        engine.dispose()


def test_read_only_archive_is_refused_before_any_fetch(tmp_path: Path, db_url: str) -> None:
    with PortalSim(sites=["yuhang"]) as sim:
        archive = make_archive(tmp_path, sim, db_url=db_url)
        if db_url.startswith("sqlite"):
            read_only = f"sqlite:///file:{tmp_path / 'archive.db'}?mode=ro&uri=true"
        else:
            engine = make_engine(db_url)
            with engine.connect() as conn:
                conn.exec_driver_sql(
                    f'ALTER DATABASE "{engine.url.database}" SET default_transaction_read_only = on'
                ).close()
                conn.commit()
            engine.dispose()
            read_only = db_url
        config = Config(home=archive.config.home, db_url=read_only, sites_path=archive.config.sites_path)
        proc = fazhi(config, "crawl")
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 2, err
        assert "cannot write to the archive" in err and "Traceback" not in err
        assert sim.requests("yuhang") == []
