"""Report identity end to end: twin "详见附件" pages whose attachments fail at first, crawled by real Scrapy
from the portal simulator into real SQLite and PostgreSQL archives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from crawlkit import Archive, make_archive
from sqlalchemy import select

from archive.cli.main import cli
from archive.store.ingest import canonical_url
from archive.store.models import Event, Report, ReportURL, Version
from portalsim import ExpectedReport, PortalSim

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sim() -> Iterator[PortalSim]:
    with PortalSim(["putuo"]) as s:
        yield s


@pytest.fixture
def twins(sim: PortalSim) -> Iterator[list[ExpectedReport]]:
    sim.reset()
    keys = sim.add_pointer_twins("putuo")
    by_key = {r.key: r for r in sim.expected_reports("putuo")}
    yield [by_key[k] for k in keys]
    sim.reset()


def _fail_attachment(sim: PortalSim, report: ExpectedReport, failing: bool) -> None:
    # Every request fails while failing (retries included); times=0 lets the next one through.
    sim.fail("putuo", report.attachments[0].url, status=503, times=1000 if failing else 0)


def _twin_state(archive: Archive, twins: list[ExpectedReport]) -> list[tuple[int, list[str], int]]:
    """(report id, texts of its versions, attachment-bytes count of its latest version) of each twin."""
    out = []
    with archive.session() as s:
        for twin in twins:
            report = s.scalars(select(Report).where(Report.url == canonical_url(twin.url))).one()
            versions = s.scalars(select(Version).where(Version.report_id == report.id).order_by(Version.version))
            rows = list(versions)
            out.append((report.id, [v.text for v in rows], sum(1 for a in rows[-1].attachments if a.sha256)))
    return out


def test_twin_pointer_pages_with_flaky_attachments_stay_two_reports(
    sim: PortalSim, twins: list[ExpectedReport], tmp_path: Path, db_url: str
) -> None:
    archive = make_archive(tmp_path, sim, db_url=db_url)
    first, second = twins
    for twin in twins:
        _fail_attachment(sim, twin, failing=True)
    crawl1 = archive.crawl("putuo")
    assert crawl1.returncode == 1  # the attachments failed: reported, the pages kept
    (a_id, a_texts, _), (b_id, b_texts, _) = _twin_state(archive, twins)
    assert a_id != b_id and a_texts == b_texts == ["详见附件。"]

    _fail_attachment(sim, first, failing=False)  # one attachment comes back, the other still fails
    crawl2 = archive.crawl("putuo")
    assert [row[1:] for row in _twin_state(archive, twins)] == [([first.text], 1), (["详见附件。"], 0)]

    _fail_attachment(sim, second, failing=False)
    crawl3 = archive.crawl("putuo")
    assert crawl3.returncode == 0
    crawl4 = archive.crawl("putuo")  # everything is complete now: re-checked with validators, unchanged
    state = _twin_state(archive, twins)
    assert [row[0] for row in state] == [a_id, b_id]
    assert [row[1:] for row in state] == [([first.text], 1), ([second.text], 1)]
    for crawl in (crawl1, crawl2, crawl3, crawl4):
        assert crawl.sites[0]["reports_changed"] == 0, crawl.sites
    with archive.session() as s:
        assert s.scalars(select(ReportURL)).all() == []
        events = s.scalars(select(Event).where(Event.report_id.in_([a_id, b_id]))).all()
        assert sorted((e.report_id, e.kind) for e in events) == sorted([(a_id, "new"), (b_id, "new")])
        assert not s.scalars(select(Event).where(Event.kind == "changed")).all()
        kinds = s.scalars(select(Report.kind).where(Report.id.in_([a_id, b_id]))).all()
        assert kinds == ["department_report", "department_report"]
    # What a reader sees: one version each, the attachment's text and file, the hash of the completed text.
    for report_id, twin in [(a_id, first), (b_id, second)]:
        db = ["--db", archive.config.db_url]
        shown = json.loads(CliRunner().invoke(cli, ["show", str(report_id), "--json", *db]).stdout)
        assert (shown["version"], shown["text"], shown["version_count"]) == (1, twin.text, 1)
        assert shown["attachments"][0]["sha256"] and shown["attachments"][0]["text"] == twin.text
        history = json.loads(CliRunner().invoke(cli, ["history", str(report_id), "--json", *db]).stdout)
        assert [(h["version"], h["change"], h["content_sha256"]) for h in history] == [
            (1, "new", shown["content_sha256"])
        ]
