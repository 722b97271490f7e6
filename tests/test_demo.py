"""`fazhi demo`, the main job, end to end in a fresh data folder: it crawls, corrects, re-crawls and prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive.search.find import search
from archive.store.db import make_engine, make_sessionmaker
from archive.store.models import SearchDoc, SearchSegment
from portalsim import PortalSim

pytestmark = pytest.mark.slow


def test_demo_prints_the_archived_reports(tmp_path: Path) -> None:
    env = {**os.environ, "FAZHI_HOME": str(tmp_path), "COLUMNS": "200"}
    env.pop("FAZHI_DB_URL", None)
    env.pop("FAZHI_SITES", None)
    result = subprocess.run(
        [sys.executable, "-c", "from archive.cli.main import main; main()", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Archived demo reports" in result.stdout
    with PortalSim() as sim:
        titles = {r.title for r in sim.expected_reports()}
    for title in titles:
        assert title in result.stdout, f"{title} missing from the demo table"
    assert "1 changed" in result.stderr  # the simulated correction was archived as a new version
    assert (tmp_path / "demo.db").exists() and not (tmp_path / "fazhi.db").exists()
    # Each crawl merged what it wrote into the search index, and the reports are found by their words.
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}", create=False)
    try:
        with make_sessionmaker(engine)() as s:
            assert s.scalar(select(func.count()).select_from(SearchDoc).where(SearchDoc.segment_id.is_(None))) == 0
            assert s.scalar(select(func.count()).select_from(SearchSegment))
            assert {r.title for r in search(s, "法治政府", limit=None)} >= titles
    finally:
        engine.dispose()
