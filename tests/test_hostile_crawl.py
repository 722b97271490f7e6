"""Nothing disappears silently from a crawl: a crawler killed from outside is reported in one line and its runs
closed as interrupted; a page the crawl drops for its size is a message of the run; two demos on one home leave
one archive."""

from __future__ import annotations

import gzip
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from crawlkit import live_processes, make_archive
from sqlalchemy import select

from archive.bounds import MAX_FILE_BYTES
from archive.store.models import CrawlRun
from crawler.workers import WORKER_FLAG
from portalsim import PortalSim

pytestmark = pytest.mark.slow
FAZHI = [sys.executable, "-c", "from archive.cli.main import main; main()"]


def _wait(predicate: object, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"no {what} within {timeout:.0f} s"
        time.sleep(0.05)


@pytest.mark.parametrize("processes", ["1", "2"])
def test_a_crawler_killed_from_outside_is_reported_and_its_runs_closed(tmp_path: Path, processes: str) -> None:
    """The OOM killer's SIGKILL to the crawl process (or to one of its workers): `fazhi crawl` says so in one line,
    exits 1, and no run is left `running`."""
    with PortalSim(sites=["yuhang", "dinghai"]) as sim:
        archive = make_archive(tmp_path, sim)
        archive.config.sites_path.write_text(sim.registry_yaml(delay=0.5), encoding="utf-8")
        env = {**os.environ, **archive.config.as_env(), "FAZHI_CRAWL_PROCESSES": processes}
        proc = subprocess.Popen([*FAZHI, "crawl"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:

            def running() -> bool:
                with archive.session() as s:
                    return len(s.scalars(select(CrawlRun).where(CrawlRun.status == "running")).all()) == 2

            _wait(running, "two running site runs")
            args = ("crawler.run", WORKER_FLAG) if processes == "2" else ("crawler.run", "--parent-pid")
            victims = live_processes(*args)
            assert victims, "no crawl process found"
            os.kill(min(victims), signal.SIGKILL)
            _, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    killed = [line for line in err.splitlines() if "killed" in line]
    assert len(killed) == 1, err
    with archive.session() as s:
        runs = s.scalars(select(CrawlRun)).all()
    assert not [r for r in runs if r.status == "running"], [(r.site_id, r.status) for r in runs]
    interrupted = [r for r in runs if r.status == "interrupted"]
    assert interrupted and all(r.finished_at is not None and "killed" in " ".join(r.messages) for r in interrupted)


def test_a_page_dropped_as_a_decompression_bomb_is_a_message_of_the_run(tmp_path: Path) -> None:
    with PortalSim(sites=["yuhang"]) as sim:
        archive = make_archive(tmp_path, sim)
        target = next(r for r in sim.expected_reports("yuhang") if r.kind == "annual_report")
        bomb = gzip.compress(b" " * (MAX_FILE_BYTES + 1024 * 1024), compresslevel=9)
        sim.add_file(
            "yuhang", urlsplit(target.url).path, bomb, "text/html; charset=utf-8", {"Content-Encoding": "gzip"}
        )
        outcome = archive.crawl()
        assert outcome.returncode == 1
        (site,) = outcome.sites
        dropped = [m for m in site["messages"] if urlsplit(target.url).path in m]
        assert dropped and "decompresses to more than 64 MB" in dropped[0], site["messages"]
        with archive.session() as s:
            (run,) = s.scalars(select(CrawlRun)).all()
        assert run.status == "partial" and any("decompresses to more than 64 MB" in m for m in run.messages)
        assert target.url not in archive.reports()


def test_two_demos_on_one_home_leave_one_archive(tmp_path: Path) -> None:
    env = {**os.environ, "FAZHI_HOME": str(tmp_path)}
    procs = [
        subprocess.Popen([*FAZHI, "demo"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    errors = [p.communicate(timeout=600)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    assert any("another `fazhi demo` is running" in e for e in errors)
    conn = sqlite3.connect(tmp_path / "demo.db")
    try:
        titles = [t for (t,) in conn.execute("SELECT title FROM report")]
        sites = {s for (s,) in conn.execute("SELECT DISTINCT site_id FROM report")}
    finally:
        conn.close()
    assert len(titles) == len(set(titles)) == 6 and len(sites) == 4
