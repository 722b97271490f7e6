"""The crawl's tunables: each settable from the environment, refused out of bounds, documented, and acting on a
crawl (the defaults come from the crawler's add-on, the user's values win over them)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from crawlkit import make_archive
from sqlalchemy import func, select

from archive.config import Config
from archive.errors import BadUsage
from archive.store.models import CrawlRun, Exchange
from archive.tunables import TUNABLES
from portalsim import PortalSim

ROOT = Path(__file__).resolve().parent.parent
FAZHI = [sys.executable, "-c", "from archive.cli.main import main; main()"]


def test_the_environment_sets_them_and_bad_values_are_refused() -> None:
    config = Config.from_env({"FAZHI_MAX_LIST_PAGES": "5", "FAZHI_RECHECK_AGE_FRACTION": "0.5"})
    assert dict(config.tunables) == {"FAZHI_MAX_LIST_PAGES": 5, "FAZHI_RECHECK_AGE_FRACTION": 0.5}
    assert config.as_env()["FAZHI_MAX_LIST_PAGES"] == "5"
    assert Config.from_env(config.as_env()).tunables == config.tunables  # as a crawl process reads them
    for bad in ({"FAZHI_MAX_LIST_PAGES": "0"}, {"FAZHI_MAX_LIST_PAGES": "2.5"}, {"FAZHI_DISCOVER_DEPTH": "nan"}):
        with pytest.raises(BadUsage, match=next(iter(bad))):
            Config.from_env(bad)


def test_every_tunable_is_documented_with_its_default() -> None:
    doc = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for tunable in TUNABLES:
        row = re.search(rf"^\| `{tunable.name}` \|.*\| `{tunable.default:g}` \|", doc, re.M)
        assert row, f"docs/operations.md does not list {tunable.name} with its default {tunable.default:g}"


def _crawl(tmp_path: Path, sim: PortalSim, **env: str) -> tuple[list[str], int]:
    tmp_path.mkdir()
    tree = sim.open_disclosure("yuhang")[0]
    archive = make_archive(tmp_path, sim, extra={"yuhang": {"discover": ["tree"], "tree_urls": [tree]}})
    done = subprocess.run(
        [*FAZHI, "crawl", "--db", archive.config.db_url, "--sites", str(archive.config.sites_path)],
        env={**os.environ, "FAZHI_HOME": str(tmp_path / "home"), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    with archive.session() as s:
        messages = [m for run in s.scalars(select(CrawlRun)) for m in run.messages]
        discovery = s.scalar(select(func.count()).select_from(Exchange).where(Exchange.purpose == "discover")) or 0
    return messages, discovery


@pytest.mark.slow
def test_the_tunables_change_a_crawl(tmp_path: Path) -> None:
    # The static site lists ten entries a page: with four copies of each report its column has three pages.
    with PortalSim(sites=["yuhang", "shangcheng"], scale=4) as sim:
        default_messages, default_discovery = _crawl(tmp_path / "a", sim)
        sim.reset()
        messages, discovery = _crawl(tmp_path / "b", sim, FAZHI_MAX_LIST_PAGES="1", FAZHI_DISCOVER_MAX_PAGES="1")
    assert not any("FAZHI_MAX_LIST_PAGES" in m for m in default_messages)
    assert any("stopped after 1 list pages (FAZHI_MAX_LIST_PAGES)" in m for m in messages), messages
    assert default_discovery > 1 and discovery == 1
