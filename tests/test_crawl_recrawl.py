"""What an unchanged re-crawl costs: every known report page is asked for conditionally, however it was reached,
and answers 304; nothing new is stored. A report long unchanged is re-checked less often. Real crawls of the
simulator over loopback HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from crawlkit import Archive, make_archive
from sqlalchemy import select, update

from archive.store.models import Report
from portalsim import PortalSim
from portalsim.model import LoggedRequest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sim() -> Iterator[PortalSim]:
    # Several copies of each report: enough report pages that a share of them fetched whole would show.
    with PortalSim(scale=4) as s:
        yield s


@pytest.fixture
def archive(sim: PortalSim, tmp_path: Path) -> Iterator[Archive]:
    sim.reset()
    yield make_archive(tmp_path, sim)
    sim.reset()


def _report_paths(archive: Archive) -> dict[str, str]:
    """Path and query of each archived report page, as the simulator logs it, mapped to its URL."""
    return {url.split("/", 3)[3]: url for url in archive.reports()}


def _report_requests(sim: PortalSim, since: dict[str, int], paths: dict[str, str]) -> list[LoggedRequest]:
    out = []
    for site in sim.sites:
        log = sim.requests(site.id)[since.get(site.id, 0) :]
        out.extend(r for r in log if r.path.lstrip("/") in paths)
    return out


def _marks(sim: PortalSim) -> dict[str, int]:
    return {site.id: len(sim.requests(site.id)) for site in sim.sites}


def test_an_unchanged_recrawl_fetches_almost_no_report_page_whole(sim: PortalSim, archive: Archive) -> None:
    assert archive.crawl().returncode == 0
    stored = archive.counts()
    paths = _report_paths(archive)
    assert len(paths) >= 20

    before = _marks(sim)
    again = archive.crawl()
    assert again.returncode == 0, again.sites
    asked = _report_requests(sim, before, paths)
    whole = [r for r in asked if r.status == 200]
    # Each known report page is asked for once, and conditionally, whether the list or the re-check reached it.
    assert sorted(r.path.lstrip("/") for r in asked) == sorted(paths)
    assert all("If-None-Match" in r.headers or "If-Modified-Since" in r.headers for r in asked)
    assert len(whole) <= 0.10 * len(paths), [r.path for r in whole]
    assert archive.counts() == stored
    assert sum(s["reports_new"] + s["reports_changed"] for s in again.sites) == 0


def test_a_report_long_unchanged_is_rechecked_less_often(sim: PortalSim, archive: Archive) -> None:
    assert archive.crawl().returncode == 0
    paths = _report_paths(archive)
    old, *recent = sorted(paths.values())
    now = dt.datetime.now(dt.UTC)
    with archive.session() as s, s.begin():
        # Unchanged for two years and checked an hour ago: not due again for weeks.
        s.execute(
            update(Report)
            .where(Report.url == old)
            .values(last_changed_at=now - dt.timedelta(days=730), last_checked_at=now - dt.timedelta(hours=1))
        )
    before = _marks(sim)
    assert archive.crawl().returncode == 0
    asked = {r.path.lstrip("/") for r in _report_requests(sim, before, paths)}
    assert old.split("/", 3)[3] not in asked, "neither the list nor the re-check asks for it"
    assert {url.split("/", 3)[3] for url in recent} <= asked
    with archive.session() as s:
        checked = s.scalars(select(Report.last_checked_at).where(Report.url == old)).one()
    assert checked < now, "left as it was: it was not checked"
