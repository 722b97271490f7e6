"""End to end: crawl the portal simulator over loopback HTTP into a real archive, in a real Scrapy process."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from crawlkit import Archive, make_archive
from sqlalchemy import select

from archive.store.ingest import canonical_url, find_report
from archive.store.models import Attachment, CrawlRun, Event, Version
from portalsim import PortalSim

CHROME = [
    "分享:",
    "分享到",
    "返回顶部",
    "打印本页",
    "关闭窗口",
    "发布日期:[",
    "字号:[",
    "Produced By",
    "大汉版通",
    "当前位置",
    "主办单位",
    "网站标识码",
    "ICP备",
    "公安备案",
]

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


def test_crawl_twice_archives_every_report_once(sim: PortalSim, archive: Archive) -> None:
    first = archive.crawl()
    assert first.returncode == 0, first.sites
    expected = {canonical_url(r.url): r for r in sim.expected_reports()}
    reports = archive.reports()
    assert set(reports) == set(expected)
    for url, exp in expected.items():
        got = reports[url]
        assert (got.kind, got.year, got.published_date) == (exp.kind, exp.year, exp.published_date), url
        assert got.title == exp.title
        text = archive.latest_text(url)
        assert text == exp.text, f"text of {url} differs from the simulator's clean text"
        for chrome in CHROME:
            assert chrome not in text, f"chrome {chrome!r} in {url}"
    noise = {canonical_url(n.url) for site in sim.sites for n in sim.noise_entries(site.id)}
    assert not noise & set(reports)
    counts = archive.counts()
    assert counts[0] == counts[1] == len(expected)

    second = archive.crawl()
    assert second.returncode == 0
    assert archive.counts() == counts, "a second crawl stored a new capture or version"
    assert all(s["reports_new"] == 0 and s["reports_changed"] == 0 for s in second.sites)
    # Known reports were re-checked with conditional requests, answered 304 without a body.
    for site in sim.sites:
        assert any(r.status == 304 and r.headers.get("If-None-Match") for r in sim.requests(site.id)), site.id


def test_crawl_is_polite(sim: PortalSim, archive: Archive) -> None:
    archive.crawl()
    for site in sim.sites:
        assert sim.private_hits(site.id) == 0, "fetched a path robots.txt disallows"
        log = sim.requests(site.id)
        assert log and log[0].path == "/robots.txt"
        assert all("FazhiArchive/" in (r.user_agent or "") for r in log)


def test_attachment_only_report_gets_the_attachment_text(sim: PortalSim, archive: Archive) -> None:
    archive.crawl("putuo")
    (exp,) = [r for r in sim.expected_reports("putuo") if r.attachment_only]
    assert archive.latest_text(canonical_url(exp.url)) == exp.text
    with archive.session() as s:
        att = s.scalars(select(Attachment)).all()
        assert any(a.filename == exp.attachments[0].filename and a.sha256 for a in att)


def test_correction_becomes_version_two(sim: PortalSim, archive: Archive) -> None:
    archive.crawl("yuhang")
    target = sim.expected_reports("yuhang")[0]
    corrected = target.text.replace("2023年", "2023年度", 1)
    sim.set_article_text("yuhang", target.key, corrected)
    result = archive.crawl("yuhang")
    assert result.sites[0]["reports_changed"] == 1 and result.sites[0]["reports_new"] == 0
    url = canonical_url(target.url)
    assert archive.latest_text(url) == corrected
    with archive.session() as s:
        versions = s.scalars(select(Version).join(Version.report).where(Version.report.has(url=url))).all()
        assert [v.version for v in versions] == [1, 2]
        assert [e.kind for e in s.scalars(select(Event).where(Event.kind == "changed"))] == ["changed"]


def test_removed_after_two_crawls_answering_404(sim: PortalSim, archive: Archive) -> None:
    archive.crawl("dinghai")
    target = sim.expected_reports("dinghai")[0]
    sim.remove_article("dinghai", target.key, status=410)
    archive.crawl("dinghai")
    assert archive.reports()[canonical_url(target.url)].status == "active"
    archive.crawl("dinghai")
    assert archive.reports()[canonical_url(target.url)].status == "removed"
    with archive.session() as s:
        assert len(s.scalars(select(Event).where(Event.kind == "removed")).all()) == 1


def test_a_500_on_one_page_is_reported_and_the_rest_goes_on(sim: PortalSim, archive: Archive) -> None:
    target = sim.expected_reports("yuhang")[0]
    sim.fail("yuhang", target.url, status=500, times=10)
    result = archive.crawl("yuhang")
    assert result.returncode == 1
    (site,) = result.sites
    assert site["status"] == "partial" and any("HTTP 500" in m and target.url in m for m in site["messages"])
    others = {canonical_url(r.url) for r in sim.expected_reports("yuhang")} - {canonical_url(target.url)}
    assert others <= set(archive.reports())
    sim.reset("yuhang")
    again = archive.crawl("yuhang")
    assert again.returncode == 0 and canonical_url(target.url) in archive.reports()


def test_unreachable_and_blocked_sites_fail_visibly_others_complete(sim: PortalSim, archive: Archive) -> None:
    sim.block("dinghai")
    sim.stop_site("shangcheng")
    try:
        result = archive.crawl()
    finally:
        sim.start_site("shangcheng")
    assert result.returncode == 1
    by_site = {s["site"]: s for s in result.sites}
    assert by_site["dinghai"]["status"] == "failed"
    assert any("412" in m and "anti-bot" in m for m in by_site["dinghai"]["messages"])
    assert by_site["shangcheng"]["status"] == "failed"
    assert any("Connection" in m or "refused" in m for m in by_site["shangcheng"]["messages"])
    assert by_site["yuhang"]["status"] == "ok" and by_site["yuhang"]["reports_new"] > 0
    with archive.session() as s:
        errors = s.scalars(select(Event).where(Event.kind == "site_error")).all()
        assert {e.site_id for e in errors} == {"dinghai", "shangcheng"}
        assert all(e.title.startswith("站点异常:") for e in errors)
        runs = s.scalars(select(CrawlRun)).all()
        assert {r.site_id: r.status for r in runs}["dinghai"] == "failed"


def test_wrong_encoding_declaration_still_gives_the_right_text(sim: PortalSim, archive: Archive) -> None:
    target = sim.expected_reports("dinghai")[0]
    sim.mislabel_encoding("dinghai", target.key, "utf-8")
    archive.crawl("dinghai")
    assert archive.latest_text(canonical_url(target.url)) == target.text


def test_malformed_registry_is_refused_and_nothing_crawled(sim: PortalSim, archive: Archive) -> None:
    archive.config.sites_path.write_text("sites:\n  - id: Bad Id\n    name: x\n", encoding="utf-8")
    result = archive.crawl()
    assert result.returncode == 2 and not result.sites
    assert sum(len(sim.requests(s.id)) for s in sim.sites) == 0


@pytest.mark.postgres
def test_crawl_twice_on_postgresql(sim: PortalSim, tmp_path: Path, pg_database: str) -> None:
    sim.reset()
    archive = make_archive(tmp_path, sim, db_url=pg_database)
    assert archive.crawl().returncode == 0
    expected = {canonical_url(r.url): r for r in sim.expected_reports()}
    assert set(archive.reports()) == set(expected)
    for url, exp in expected.items():
        assert archive.latest_text(url) == exp.text
    counts = archive.counts()
    assert archive.crawl().returncode == 0
    assert archive.counts() == counts


def test_failed_attachment_is_retried_on_the_next_crawl(sim: PortalSim, archive: Archive) -> None:
    (target,) = [r for r in sim.expected_reports("yuhang") if r.attachments]
    file_url = target.attachments[0].url
    sim.fail("yuhang", file_url, status=503, times=10)
    first = archive.crawl("yuhang")
    assert first.returncode == 1
    assert any("attachment" in m and "HTTP 503" in m for m in first.sites[0]["messages"])
    url = canonical_url(target.url)
    assert archive.latest_text(url) == target.text  # the page itself is kept
    sim.reset("yuhang")
    assert archive.crawl("yuhang").returncode == 0
    with archive.session() as s:
        latest = s.scalars(select(Version).where(Version.report.has(url=url)).order_by(Version.version.desc())).first()
        assert latest is not None
        (att,) = latest.attachments
        assert att.sha256 and att.error is None and "法治" in (att.text or "")


def test_a_moved_page_stays_one_report(sim: PortalSim, archive: Archive) -> None:
    archive.crawl("yuhang")
    before = archive.counts()
    target = sim.expected_reports("yuhang")[0]
    new_url = sim.move_article("yuhang", target.key, "/art/2024/3/14/art_1229174959_59099999.html")
    assert archive.crawl("yuhang").returncode == 0
    assert archive.counts()[:2] == before[:2], "the move made a second report or version"
    corrected = target.text + "\n（已更正）"
    sim.set_article_text("yuhang", target.key, corrected)
    result = archive.crawl("yuhang")
    assert result.sites[0]["reports_changed"] == 1 and result.sites[0]["reports_new"] == 0
    assert archive.latest_text(canonical_url(target.url)) == corrected
    with archive.session() as s:
        found = find_report(s, "yuhang", new_url)
        assert found is not None and found.url == canonical_url(target.url)


def test_jpaas_success_false_is_a_site_error_with_the_reason(sim: PortalSim, archive: Archive) -> None:
    sim.refuse_list_api("putuo")
    result = archive.crawl("putuo")
    assert result.returncode == 1
    (site,) = result.sites
    assert site["status"] == "failed" and site["reports_new"] == 0
    assert any("参数错误" in m for m in site["messages"]), site["messages"]


def test_a_list_that_parses_to_nothing_is_a_site_error(sim: PortalSim, archive: Archive) -> None:
    # A JPaaS column page read as a static list: its entries only come through the API, so there are none.
    site = sim.site("putuo")
    archive.config.sites_path.write_text(
        f"sites:\n  - id: empty\n    name: 空栏目\n    region: 浙江省\n    platform: static\n    delay: 0\n"
        f"    start_urls: ['{site.start_url}']\n",
        encoding="utf-8",
    )
    result = archive.crawl()
    assert result.returncode == 1
    (outcome,) = result.sites
    assert outcome["status"] == "failed"
    assert any("parsed to nothing" in m for m in outcome["messages"]), outcome["messages"]


def test_scrapy_crawl_at_the_repository_root(sim: PortalSim, archive: Archive) -> None:
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, **archive.config.as_env()}
    listed = subprocess.run(["scrapy", "list"], cwd=root, env=env, capture_output=True, text=True, check=True)
    assert listed.stdout.split() == ["reports"]
    subprocess.run(
        ["scrapy", "crawl", "reports", "-a", "site=shangcheng"], cwd=root, env=env, capture_output=True, check=True
    )
    expected = {canonical_url(r.url) for r in sim.expected_reports("shangcheng")}
    assert set(archive.reports()) == expected


def test_scrapy_crawl_takes_the_archive_as_settings(sim: PortalSim, archive: Archive) -> None:
    """`-s FAZHI_DB_URL=… -s FAZHI_SITES=…` alone say where the crawl writes; nothing comes from the environment."""
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAZHI_")}
    env["HOME"] = str(archive.config.home)  # the default archive, were the settings ignored, would be made here
    args = ["-s", f"FAZHI_DB_URL={archive.config.db_url}", "-s", f"FAZHI_SITES={archive.config.sites_path}"]
    subprocess.run(["scrapy", "crawl", "reports", "-a", "site=shangcheng", *args], cwd=root, env=env, check=True)
    expected = {canonical_url(r.url) for r in sim.expected_reports("shangcheng")}
    assert set(archive.reports()) == expected
    assert not (archive.config.home / ".local").exists(), "the environment's default archive was used"


def test_a_site_that_goes_down_loses_nothing_archived(sim: PortalSim, archive: Archive) -> None:
    assert archive.crawl().returncode == 0
    before = archive.counts()
    statuses = {url: r.status for url, r in archive.reports().items()}
    sim.block("yuhang")
    sim.stop_site("dinghai")
    try:
        for _ in range(2):  # twice: a removal needs two crawls in a row, and an outage must never count as one
            assert archive.crawl().returncode == 1
    finally:
        sim.start_site("dinghai")
    # Reports and versions; the refusals' own bodies are new captures, kept with their exchanges.
    assert archive.counts()[:2] == before[:2]
    assert {url: r.status for url, r in archive.reports().items()} == statuses
    with archive.session() as s:
        errors = s.scalars(select(Event).where(Event.kind == "site_error")).all()
        assert sorted(e.site_id for e in errors) == ["dinghai", "yuhang"]  # once per outage, not per crawl
