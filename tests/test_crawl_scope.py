"""Crawl scope and "nothing found", end to end: real Scrapy processes against the simulator over loopback HTTP.

Every simulated site is on 127.0.0.1, so another site's port under the name `localhost` is another host: the
offsite host of these tests. Its request log shows whether the crawler ever went there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from crawlkit import Archive, make_archive
from sqlalchemy import select

from archive.store.ingest import canonical_url
from archive.store.models import Attachment, CrawlRun, Event, Version
from portalsim import PortalSim

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sim() -> Iterator[PortalSim]:
    with PortalSim() as s:
        yield s


@pytest.fixture
def archive(sim: PortalSim, tmp_path: Path) -> Iterator[Archive]:
    sim.reset()
    yield make_archive(tmp_path, sim)
    sim.reset()


def _as_localhost(sim: PortalSim, site_id: str, path: str) -> str:
    """`path` on the site's port under the name localhost: the same server, another host to the crawler."""
    return sim.url(site_id, path).replace("//127.0.0.1:", "//localhost:", 1)


def _edit_site(archive: Archive, site_id: str, **fields: Any) -> None:
    doc = yaml.safe_load(archive.config.sites_path.read_text(encoding="utf-8"))
    (entry,) = [s for s in doc["sites"] if s["id"] == site_id]
    entry.update(fields)
    archive.config.sites_path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def _attachments(archive: Archive, url: str) -> list[Attachment]:
    with archive.session() as s:
        latest = s.scalars(select(Version).where(Version.report.has(url=url)).order_by(Version.version.desc())).first()
        assert latest is not None
        return list(latest.attachments)


def test_an_offsite_attachment_link_is_never_requested(sim: PortalSim, archive: Archive) -> None:
    (target,) = [r for r in sim.expected_reports("yuhang") if r.attachments]
    offsite = _as_localhost(sim, "putuo", "/internal/账目.docx")
    sim.add_attachment_link("yuhang", target.key, offsite, "内部账目.docx")
    result = archive.crawl("yuhang")
    assert sim.requests("putuo") == [], "the crawler contacted a host outside allowed_domains"
    (site,) = result.sites
    # Not the site's failure: the page and its own attachment are archived, the user is told what was left out.
    assert result.returncode == 0 and site["status"] == "ok", site["messages"]
    assert any("outside the site's allowed_domains" in m and "localhost" in m for m in site["messages"])
    url = canonical_url(target.url)
    assert archive.latest_text(url) == target.text
    by_url = {a.url: a for a in _attachments(archive, url)}
    assert by_url[target.attachments[0].url].sha256
    assert by_url[offsite].sha256 is None and "allowed_domains" in (by_url[offsite].error or "")


def test_redirects_to_another_host_are_not_followed(sim: PortalSim, archive: Archive) -> None:
    (target,) = [r for r in sim.expected_reports("yuhang") if r.attachments]
    sim.redirect("yuhang", target.attachments[0].url, _as_localhost(sim, "putuo", "/internal/redirected.docx"))
    moved = next(r for r in sim.expected_reports("yuhang") if r.key != target.key)
    sim.redirect("yuhang", moved.url, _as_localhost(sim, "putuo", "/internal/moved.html"))
    result = archive.crawl("yuhang")
    assert sim.requests("putuo") == [], "the crawler followed a redirect to a host outside allowed_domains"
    assert sim.hits("yuhang", "/module/download/") == 1  # asked once, answered with the redirect
    (site,) = result.sites
    assert any("outside the site's allowed_domains" in m for m in site["messages"]), site["messages"]
    assert any(f"report page {moved.url} redirects to" in m for m in site["messages"]), site["messages"]
    assert canonical_url(moved.url) not in archive.reports()
    url = canonical_url(target.url)
    assert archive.latest_text(url) == target.text  # the page is kept
    (att,) = _attachments(archive, url)
    assert att.url == target.attachments[0].url and att.sha256 is None and "localhost" in (att.error or "")


def test_a_download_host_in_allowed_domains_is_fetched_after_its_robots_txt(sim: PortalSim, archive: Archive) -> None:
    _edit_site(archive, "yuhang", allowed_domains=["127.0.0.1", "localhost"])
    (target,) = [r for r in sim.expected_reports("yuhang") if r.attachments]
    (other,) = [r for r in sim.expected_reports("putuo") if r.attachments]
    gateway_file = other.attachments[0].url.replace("//127.0.0.1:", "//localhost:", 1)
    sim.redirect("yuhang", target.attachments[0].url, gateway_file)
    disallowed = _as_localhost(sim, "putuo", "/private/内部.docx")
    sim.add_attachment_link("yuhang", target.key, disallowed, "内部.docx")
    result = archive.crawl("yuhang")
    log = sim.requests("putuo")
    assert log and log[0].path == "/robots.txt", [r.path for r in log]
    assert sim.private_hits("putuo") == 0, "fetched a path the download host's robots.txt disallows"
    assert sim.hits("putuo", "/api-gateway/") == 1
    url = canonical_url(target.url)
    by_url = {a.url: a for a in _attachments(archive, url)}
    # Recorded under the link the page shows, with the bytes the redirect led to.
    followed = by_url[target.attachments[0].url]
    assert followed.sha256 and "普陀" in (followed.text or "")
    assert by_url[disallowed].sha256 is None
    assert result.sites[0]["status"] != "failed"


def test_a_site_named_localhost_may_fetch_from_loopback(sim: PortalSim, archive: Archive) -> None:
    site = sim.site("shangcheng")
    start = site.start_url.replace("//127.0.0.1:", "//localhost:", 1)
    _edit_site(archive, "shangcheng", start_urls=[start])
    result = archive.crawl("shangcheng")
    assert result.returncode == 0 and result.sites[0]["status"] == "ok", result.sites
    expected = {canonical_url(r.url.replace("//127.0.0.1:", "//localhost:", 1)) for r in sim.expected_reports(site.id)}
    assert set(archive.reports()) == expected


def test_a_start_url_outside_allowed_domains_is_refused_before_any_request(sim: PortalSim, archive: Archive) -> None:
    _edit_site(archive, "yuhang", allowed_domains=["www.yuhang.gov.cn"])
    result = archive.crawl()
    assert result.returncode == 2 and not result.sites
    assert sum(len(sim.requests(s.id)) for s in sim.sites) == 0


def _status_and_events(archive: Archive, site_id: str) -> tuple[list[str], list[Event]]:
    with archive.session() as s:
        runs = s.scalars(select(CrawlRun.status).where(CrawlRun.site_id == site_id).order_by(CrawlRun.id)).all()
        events = s.scalars(select(Event).where(Event.kind == "site_error", Event.site_id == site_id)).all()
        return list(runs), list(events)


def test_a_wrong_platform_that_finds_nothing_fails(sim: PortalSim, archive: Archive) -> None:
    # The plain list.jsp site read as a Hanweb column: the page parses, but holds no report entry.
    _edit_site(archive, "shangcheng", platform="hanweb-jpage")
    result = archive.crawl("shangcheng")
    assert result.returncode == 1
    (site,) = result.sites
    assert site["status"] == "failed" and site["reports_new"] == 0
    assert any("yielded no report entries" in m and "hanweb-jpage" in m for m in site["messages"]), site["messages"]
    statuses, events = _status_and_events(archive, "shangcheng")
    assert statuses == ["failed"] and len(events) == 1 and events[0].title.startswith("站点异常:")


def test_lists_finding_nothing_where_they_found_reports_before_fail_once(sim: PortalSim, archive: Archive) -> None:
    assert archive.crawl("shangcheng").returncode == 0
    known = len(sim.expected_reports("shangcheng"))
    # The template changed (here: the platform no longer matches); the known reports still answer 304.
    _edit_site(archive, "shangcheng", platform="trs")
    for _ in range(2):
        result = archive.crawl("shangcheng")
        assert result.returncode == 1
        (site,) = result.sites
        assert site["status"] == "failed", site
        assert any(f"holds {known} reports from earlier crawls" in m for m in site["messages"]), site["messages"]
    statuses, events = _status_and_events(archive, "shangcheng")
    assert statuses == ["ok", "failed", "failed"]
    assert len(events) == 1, "one alert per outage, not one per crawl"
    assert all(r.status == "active" for r in archive.reports().values())  # nothing found is no removal
