"""Discovery end to end: reports the registry's column does not list are found by walking the portal's
政府信息公开 tree and by its site search, in a real Scrapy crawl of the simulator, on SQLite and PostgreSQL.
Also: both Hanweb article URL forms on one host, joint party+government reports, reports issued on the
government's behalf."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from crawlkit import Archive, make_archive
from sqlalchemy import select

from archive.store.ingest import canonical_url
from archive.store.models import CrawlRun, Report, ReportURL
from portalsim import PortalSim
from portalsim.disclosure import LEAF, OTHER

pytestmark = pytest.mark.slow

BODY = "2024年，我区深入推进法治政府建设，主要举措和成效如下。\n存在的不足和原因。\n2025年主要安排。"


@pytest.fixture(scope="module")
def sim() -> Iterator[PortalSim]:
    with PortalSim(["yuhang"]) as s:
        yield s


@pytest.fixture
def fresh(sim: PortalSim) -> Iterator[PortalSim]:
    sim.reset()
    yield sim
    sim.reset()


def _archive(tmp: Path, sim: PortalSim, db_url: str, discover: list[str]) -> Archive:
    tree, search = sim.open_disclosure("yuhang")
    extra = {"yuhang": {"discover": discover, "tree_urls": [tree], "search_url": search}}
    return make_archive(tmp, sim, db_url=db_url, extra=extra)


def _messages(archive: Archive) -> list[str]:
    with archive.session() as s:
        return [m for run in s.scalars(select(CrawlRun)) for m in run.messages]


def test_tree_walk_finds_a_report_filed_in_another_column(fresh: PortalSim, tmp_path: Path, db_url: str) -> None:
    url = fresh.publish(
        "yuhang",
        "tree-2024",
        "杭州市余杭区人民政府关于余杭区2024年法治政府建设年度报告",
        BODY,
        "/art/2025/3/20/art_1229400002_59100001.html",
        year=2024,
        where="tree",
    )
    archive = _archive(tmp_path, fresh, db_url, ["tree"])
    outcome = archive.crawl("yuhang")
    assert outcome.returncode == 0, outcome.sites
    reports = archive.reports()
    assert canonical_url(url) in reports, "the report filed only in the tree was not found"
    assert reports[canonical_url(url)].kind == "annual_report" and reports[canonical_url(url)].year == 2024
    # Everything the registry's column lists is still archived.
    assert {canonical_url(r.url) for r in fresh.expected_reports("yuhang")} <= set(reports)
    # Where it was found is recorded in the run, with the tree page it was on.
    assert any(
        canonical_url(url) in m and f"tree walk, on {fresh.url('yuhang', LEAF)}" in m for m in _messages(archive)
    )
    # The walk followed only branches named like report columns, and stayed polite.
    assert fresh.hits("yuhang", LEAF) == 1 and fresh.hits("yuhang", OTHER) == 0
    assert fresh.private_hits("yuhang") == 0
    assert all(r.user_agent and "FazhiArchive" in r.user_agent for r in fresh.requests("yuhang"))


def test_site_search_finds_an_unlisted_report(fresh: PortalSim, tmp_path: Path, db_url: str) -> None:
    url = fresh.publish(
        "yuhang",
        "search-2024",
        "余杭区2024年度法治政府建设情况报告",
        BODY,
        "/art/2025/3/21/art_1229999999_59100002.html",
        year=2024,
        where="search",
    )
    archive = _archive(tmp_path, fresh, db_url, ["search"])
    outcome = archive.crawl("yuhang")
    assert outcome.returncode == 0, outcome.sites
    reports = archive.reports()
    assert canonical_url(url) in reports
    assert fresh.hits("yuhang", "/module/xxgk/search.jsp") >= 1
    assert any(canonical_url(url) in m and "site search" in m for m in _messages(archive))


def test_without_discovery_the_unlisted_reports_are_missed(fresh: PortalSim, tmp_path: Path) -> None:
    """The control: the same site without `discover` never sees them (so the tests above test discovery)."""
    url = fresh.publish(
        "yuhang", "tree-2024", "余杭区2024年法治政府建设年度报告", BODY, "/art/2025/3/20/art_1_2.html", where="tree"
    )
    fresh.open_disclosure("yuhang")
    archive = make_archive(tmp_path, fresh)
    assert archive.crawl("yuhang").returncode == 0
    assert canonical_url(url) not in archive.reports()
    assert fresh.hits("yuhang", "/module/xxgk/") == 0 and fresh.hits("yuhang", LEAF) == 0


def test_a_moved_column_is_found_again_through_the_tree(fresh: PortalSim, tmp_path: Path) -> None:
    fresh.move_column("yuhang")
    archive = _archive(tmp_path, fresh, f"sqlite:///{tmp_path / 'a.db'}", ["tree", "search"])
    outcome = archive.crawl("yuhang")
    reports = archive.reports()
    assert {canonical_url(r.url) for r in fresh.expected_reports("yuhang")} <= set(reports)
    # The column's 404 is still a failure the user sees: the registry needs its new column.
    assert outcome.returncode == 1
    assert any("HTTP 404" in m for m in _messages(archive))


def test_both_hanweb_url_forms_joint_and_on_behalf_reports(fresh: PortalSim, tmp_path: Path, db_url: str) -> None:
    """One host lists classic /art/Y/M/D/art_… and JPaaS /col/colN/art/Y/art_<hex> pages side by side; a joint
    区委+区政府 report and one issued by the 依法治区办 are the government's own annual reports."""
    jpaas = fresh.publish(
        "yuhang",
        "jpaas-2025",
        "中共余杭区委 余杭区人民政府关于余杭区2025年法治政府建设工作情况的报告",
        BODY.replace("2024年", "2025年"),
        "/col/col1229188665/art/2026/art_9b7b5319a74c4c77829b2af66e2e6582.html",
        year=2025,
    )
    classic = fresh.publish(
        "yuhang",
        "behalf-2022",
        "中共余杭区委全面依法治区委员会办公室关于余杭区2022年法治政府建设情况的报告",
        BODY.replace("2024年", "2022年"),
        "/art/2023/2/27/art_1229174959_4143673.html",
        publisher="区委依法治区办",
        year=2022,
    )
    archive = make_archive(tmp_path, fresh, db_url=db_url)
    assert archive.crawl("yuhang").returncode == 0
    reports = archive.reports()
    for url, year in ((jpaas, 2025), (classic, 2022)):
        got = reports[canonical_url(url)]
        assert (got.kind, got.year) == ("annual_report", year), url


CITY = {"name": "杭州市人民政府", "region": "浙江省杭州市", "division_code": "330100"}
COUNTY_TITLE = "杭州市上城区人民政府关于上城区2020年法治政府建设年度报告"
COUNTY_TEXT = (  # long enough to be the report itself, not a pointer to an attachment (archive.store.derive)
    "2020年，我区坚持以习近平法治思想为指导，在市委、市政府的坚强领导下，深入推进法治政府建设，现将有关情况报告如下。\n"
    "一、主要举措和成效。我区依法全面履行政府职能，深化放管服改革，完善依法决策机制，严格规范公正文明执法。\n"
    "二、存在的不足和原因。行政执法规范化水平有待提升，基层法治力量仍较薄弱，法治宣传的针对性不够强。\n"
    "三、党政主要负责人履行推进法治建设第一责任人职责的情况。\n四、2021年主要安排。"
)


@pytest.mark.parametrize("order", ["city first", "county first"])
def test_a_report_the_city_republished_is_the_countys_once(tmp_path: Path, db_url: str, order: str) -> None:
    """yuhang plays the city portal (杭州市) and republishes shangcheng's report: one report, the county's, at the
    county's own URL, with the city's page kept as its republication, whichever crawl meets it first."""
    with PortalSim(["yuhang", "shangcheng"]) as sim:
        own = sim.publish("shangcheng", "own-2020", COUNTY_TITLE, COUNTY_TEXT, "/art/2021/3/22/own.html", year=2020)
        copy = sim.publish(
            "yuhang", "copy-2020", COUNTY_TITLE, COUNTY_TEXT, "/art/2021/3/22/art_1229514496_59034013.html", year=2020
        )
        archive = make_archive(tmp_path, sim, db_url=db_url, extra={"yuhang": CITY})
        crawls = ["yuhang", "shangcheng"] if order == "city first" else ["shangcheng", "yuhang"]
        for site_id in crawls:
            assert archive.crawl(site_id).returncode == 0
        with archive.session() as s:
            rows = s.scalars(select(Report).where(Report.title == COUNTY_TITLE)).all()
            assert len(rows) == 1, [(r.site_id, r.url) for r in rows]
            (report,) = rows
            assert (report.site_id, report.url, report.kind) == ("shangcheng", canonical_url(own), "annual_report")
            aliases = {(a.url, a.reason) for a in s.scalars(select(ReportURL).where(ReportURL.report_id == report.id))}
            assert aliases == {(canonical_url(copy), "republished")}
            # The city's own reports stay the city's.
            assert s.scalars(select(Report).where(Report.site_id == "yuhang")).first() is not None
        assert archive.crawl("yuhang").returncode == 0  # and a second crawl of the city makes no second report
        with archive.session() as s:
            assert len(s.scalars(select(Report).where(Report.title == COUNTY_TITLE)).all()) == 1
