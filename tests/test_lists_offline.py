"""The lists crawls stored, read again offline: `fazhi relist` (what each run's lists held, with the current
adapters, no network) and `fazhi vanished` (reports on a list in one run and off the lists of later runs read
whole, page still answering or removed). Real crawls of the simulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from crawlkit import Archive, make_archive
from sqlalchemy import select

from archive.cli.main import cli
from archive.query.relist import content_decoded
from archive.store.ingest import canonical_url
from archive.store.models import CrawlRun, Report
from portalsim import PortalSim

SITES = ["yuhang", "dinghai", "putuo", "shangcheng"]  # one site per list protocol


@pytest.fixture(scope="module")
def sim() -> Iterator[PortalSim]:
    with PortalSim(SITES) as s:
        yield s


@pytest.fixture
def archive(sim: PortalSim, tmp_path: Path, db_url: str) -> Iterator[Archive]:
    sim.reset()
    yield make_archive(tmp_path, sim, db_url=db_url)
    sim.reset()


def _json(archive: Archive, *args: str) -> Any:
    result = CliRunner().invoke(cli, [*args, "--json", "--db", archive.config.db_url])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _runs(archive: Archive) -> dict[str, list[CrawlRun]]:
    with archive.session() as s:
        out: dict[str, list[CrawlRun]] = {}
        for run in s.scalars(select(CrawlRun).order_by(CrawlRun.id)):
            out.setdefault(run.site_id, []).append(run)
        return out


def _report_id(archive: Archive, url: str) -> int:
    with archive.session() as s:
        return s.scalars(select(Report.id).where(Report.url == canonical_url(url))).one()


def _key_url(sim: PortalSim, site: str, key: str) -> str:
    return next(r.url for r in sim.expected_reports(site) if r.key == key)


@pytest.mark.slow
def test_relist_reads_each_sites_stored_lists_offline(sim: PortalSim, archive: Archive) -> None:
    assert archive.crawl(*SITES).returncode == 0
    for site in SITES:  # offline: no site answers any more
        sim.stop_site(site)
    try:
        rows = _json(archive, "relist")
    finally:
        for site in SITES:
            sim.start_site(site)
    assert [r["site_id"] for r in rows] == sorted(SITES, key=lambda s: _runs(archive)[s][0].id)
    with archive.session() as s:
        archived = {site: set(s.scalars(select(Report.url).where(Report.site_id == site))) for site in SITES}
    for row in rows:
        site = row["site_id"]
        truth_reports = {canonical_url(r.url) for r in sim.expected_reports(site)}
        truth_noise = {canonical_url(n.url) for n in sim.noise_entries(site)}
        assert row["complete"] and row["problems"] == [], (site, row["problems"])
        assert row["run_status"] == "ok" and row["platform"] == sim.site(site).platform
        listed = {canonical_url(e["url"]) for a in row["lists"] for e in a["entries"]}
        assert listed == truth_reports | truth_noise, site  # every article the site lists, nothing else
        assert row["entries"] == len(listed)
        assert row["archived"] == len(archived[site]) > 0  # each archived report came from these lists
        unarchived = {canonical_url(e["url"]): e for e in row["unarchived"]}
        assert not unarchived.keys() & archived[site]
        assert unarchived.keys() <= truth_noise  # every report the site lists is archived
        private = {canonical_url(n.url) for n in sim.noise_entries(site) if n.robots_disallowed}
        for url, entry in unarchived.items():
            # Left out after reading the page, or never fetched: robots.txt keeps the crawler out of /private/.
            assert entry["fetched"] is (url not in private), (site, entry)
    jpage = next(r for r in rows if r["site_id"] == "yuhang")
    assert {a["method"] for a in jpage["lists"]} == {"GET", "POST"}  # the column page and its data proxy


@pytest.mark.slow
def test_vanished_reports_unlisted_and_removed_apart(sim: PortalSim, archive: Archive) -> None:
    assert archive.crawl(*SITES).returncode == 0
    unlisted = _key_url(sim, "yuhang", "bureau-2021")
    removed = _key_url(sim, "dinghai", "report-2023")
    moved = _key_url(sim, "putuo", sim.expected_reports("putuo")[0].key)
    assert _json(archive, "vanished") == []

    sim.unlist_article("yuhang", "bureau-2021")  # off the list, page still served
    sim.remove_article("dinghai", "report-2023")  # off the list and 404
    sim.move_article("putuo", sim.expected_reports("putuo")[0].key, "/art/2024/3/1/art_1229698471_99999999.html")
    # yuhang's column page fails for this whole crawl (retries too): its lists are not read whole.
    sim.fail("yuhang", sim.site("yuhang").start_url, status=500, times=10)
    archive.crawl(*SITES)
    assert [r.status for r in _runs(archive)["yuhang"]] == ["ok", "failed"]
    rows = {v["report_id"]: v for v in _json(archive, "vanished")}
    assert set(rows) == {_report_id(archive, removed)}, "a failed list read is no evidence of absence"

    sim.reset("yuhang")
    sim.unlist_article("yuhang", "bureau-2021")
    assert archive.crawl(*SITES).returncode == 0
    runs = _runs(archive)
    rows = {v["report_id"]: v for v in _json(archive, "vanished")}
    assert set(rows) == {_report_id(archive, unlisted), _report_id(archive, removed)}, rows
    gone = rows[_report_id(archive, removed)]
    assert (gone["last_listed_run"], gone["first_unlisted_run"]) == (runs["dinghai"][0].id, runs["dinghai"][1].id)
    assert gone["unlisted_runs"] == 2 and gone["page_status"] == 404 and gone["page"] == "gone"
    assert gone["status"] == "removed"  # 404 on two crawls in a row
    assert gone["first_unlisted_at"] == runs["dinghai"][1].started_at.isoformat()
    quiet = rows[_report_id(archive, unlisted)]
    # The failed run in between neither saw it nor counts against it.
    assert (quiet["last_listed_run"], quiet["first_unlisted_run"]) == (runs["yuhang"][0].id, runs["yuhang"][2].id)
    assert quiet["unlisted_runs"] == 1 and quiet["page_status"] in (200, 304) and quiet["page"] == "answers"
    assert quiet["status"] == "active" and quiet["url"] == canonical_url(unlisted)
    assert _report_id(archive, moved) not in rows  # listed under its new URL: the same report, still listed

    only = _json(archive, "vanished", "--site", "yuhang")
    assert [v["report_id"] for v in only] == [quiet["report_id"]]
    table = CliRunner().invoke(cli, ["vanished", "--db", archive.config.db_url])
    assert table.exit_code == 0 and "still answers" in table.output and "removed" in table.output

    # The first run's lists, read again, still hold what the site listed then; the last run's do not.
    first, last = (_json(archive, "relist", "--run", str(r.id))[0] for r in (runs["dinghai"][0], runs["dinghai"][2]))
    held = [{canonical_url(e["url"]) for a in r["lists"] for e in a["entries"]} for r in (first, last)]
    assert canonical_url(removed) in held[0] and canonical_url(removed) not in held[1]
    assert held[0] - held[1] == {canonical_url(removed)}

    sim.restore_article("yuhang", "bureau-2021")  # back on the list: no longer vanished
    assert archive.crawl("yuhang").returncode == 0
    assert {v["report_id"] for v in _json(archive, "vanished")} == {_report_id(archive, removed)}


@pytest.mark.slow
def test_relist_of_an_unknown_run_is_a_usage_error(archive: Archive) -> None:
    result = CliRunner().invoke(cli, ["relist", "--run", "999", "--db", archive.config.db_url])
    assert result.exit_code == 2 and "no crawl run 999" in result.output


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send it
        (None, lambda b: b),
        ("identity", lambda b: b),
    ],
)
def test_stored_list_bodies_are_decoded_as_the_crawler_decoded_them(encoding: str | None, encode: Any) -> None:
    body = "<ul><li><a href='/a.html'>2023年法治政府建设年度报告</a> 2024-03-01</li></ul>".encode()
    assert content_decoded(encode(body), encoding) == body


def test_an_unknown_content_encoding_is_said() -> None:
    with pytest.raises(ValueError, match="Content-Encoding zstd"):
        content_decoded(b"\x28\xb5\x2f\xfd", "zstd")
