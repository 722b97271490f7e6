"""A crawl killed with SIGKILL leaves no partial report, and the next crawl completes the archive."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from crawlkit import make_archive
from sqlalchemy import func, select

from archive.store.ingest import canonical_url
from archive.store.models import CrawlRun, Report, Version
from portalsim import PortalSim

pytestmark = pytest.mark.slow


def test_sigkill_mid_crawl_then_rerun(tmp_path: Path) -> None:
    with PortalSim(sites=["yuhang", "dinghai"]) as sim:
        archive = make_archive(tmp_path, sim)
        # Slow the crawl down so there is a "middle" to kill it in.
        slow = sim.registry_yaml(delay=0.4)
        archive.config.sites_path.write_text(slow, encoding="utf-8")
        env = {**os.environ, **archive.config.as_env(), "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.run"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if archive.counts()[0] >= 1:
                    break
                assert proc.poll() is None, "the crawl ended before it could be killed"
                time.sleep(0.05)
            else:
                pytest.fail("no report was archived within 60 s")
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        expected = {canonical_url(r.url): r for r in sim.expected_reports()}
        with archive.session() as s:
            stored = s.scalar(select(func.count()).select_from(Report)) or 0
            assert 1 <= stored < len(expected), "the kill did not land mid-crawl"
            # No report without its text: every report row has its first version.
            orphans = s.scalars(select(Report).where(~Report.versions.any())).all()
            assert orphans == []

        archive.config.sites_path.write_text(sim.registry_yaml(delay=0.0), encoding="utf-8")
        result = archive.crawl()
        assert result.returncode == 0
        reports = archive.reports()
        assert set(reports) == set(expected)
        with archive.session() as s:
            assert s.scalar(select(func.count()).select_from(Version)) == len(expected)
            statuses = [r.status for r in s.scalars(select(CrawlRun).order_by(CrawlRun.id))]
            assert "interrupted" in statuses and statuses[-2:] == ["ok", "ok"]
        for url, exp in expected.items():
            assert archive.latest_text(url) == exp.text
