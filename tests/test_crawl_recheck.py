"""Attachments of known reports on later crawls: a file replaced behind an unchanged page is a new version, a file
that fails to download now is taken as archived. Real crawls of the simulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from crawlkit import Archive, make_archive
from sqlalchemy import select

from archive.cli.main import cli
from archive.store.ingest import canonical_url
from archive.store.models import Attachment, Event, Report, Version
from portalsim import ExpectedReport, PortalSim
from portalsim.model import LoggedRequest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sim() -> Iterator[PortalSim]:
    with PortalSim(["putuo", "yuhang"]) as s:
        yield s


@pytest.fixture
def archive(sim: PortalSim, tmp_path: Path, db_url: str) -> Iterator[Archive]:
    sim.reset()
    yield make_archive(tmp_path, sim, db_url=db_url)
    sim.reset()


def _pointer_report(sim: PortalSim) -> ExpectedReport:
    (report,) = [r for r in sim.expected_reports("putuo") if r.attachment_only]
    return report


def _versions(archive: Archive, url: str) -> list[tuple[int, str]]:
    with archive.session() as s:
        report = s.scalars(select(Report).where(Report.url == canonical_url(url))).one()
        return [(v.version, v.change) for v in s.scalars(select(Version).where(Version.report_id == report.id))]


def _events(archive: Archive) -> list[str]:
    with archive.session() as s:
        return sorted(s.scalars(select(Event.title).where(Event.kind != "new")))


def _statuses(requests: list[LoggedRequest], url: str) -> list[int]:
    path = url.split("/", 3)[3]
    return [r.status for r in requests if r.path.lstrip("/") == path]


def test_a_corrected_attachment_behind_an_unchanged_page_is_a_new_version(sim: PortalSim, archive: Archive) -> None:
    report = _pointer_report(sim)
    file_url = report.attachments[0].url
    assert archive.crawl("putuo").returncode == 0

    # Nothing changed: page and attachment both answer 304, nothing is downloaded again.
    before = len(sim.requests("putuo"))
    assert archive.crawl("putuo").returncode == 0
    log = sim.requests("putuo")[before:]
    assert _statuses(log, report.url) == [304]
    assert _statuses(log, file_url) == [304]
    assert _versions(archive, report.url) == [(1, "new")]

    corrected = report.text.replace("。", "（更正）。", 1)
    sim.set_article_text("putuo", report.key, corrected)
    before = len(sim.requests("putuo"))
    result = archive.crawl("putuo")
    assert result.returncode == 0, result.sites
    log = sim.requests("putuo")[before:]
    assert _statuses(log, report.url) == [304], "the page itself did not change"
    assert _statuses(log, file_url) == [200]
    assert result.sites[0]["reports_changed"] == 1
    assert archive.latest_text(canonical_url(report.url)) == corrected
    assert _versions(archive, report.url) == [(1, "new"), (2, "changed")]
    assert _events(archive) == [f"报告更新: {report.title}"]
    with archive.session() as s:
        report_id = s.scalars(select(Report.id).where(Report.url == canonical_url(report.url))).one()
    shown = CliRunner().invoke(cli, ["history", str(report_id), "--json", "--db", archive.config.db_url])
    assert [v["version"] for v in json.loads(shown.stdout)] == [1, 2], shown.output

    # The corrected file is archived: the next crawl makes nothing new, and a re-check that fails changes nothing.
    assert archive.crawl("putuo").returncode == 0
    sim.fail("putuo", file_url, status=503, times=10)
    failed = archive.crawl("putuo")
    assert failed.returncode == 0, failed.sites
    assert any(file_url in m and "HTTP 503" in m and m.startswith("warning:") for m in failed.sites[0]["messages"])
    assert _versions(archive, report.url) == [(1, "new"), (2, "changed")]
    assert archive.latest_text(canonical_url(report.url)) == corrected
    assert _events(archive) == [f"报告更新: {report.title}"]


def test_an_attachment_failing_on_a_full_fetch_is_taken_as_archived(sim: PortalSim, archive: Archive) -> None:
    report = _pointer_report(sim)
    file_url = report.attachments[0].url
    assert archive.crawl("putuo").returncode == 0
    # No validators: the page is fetched in full, as when the list's plain request wins the duplicate filter over
    # the conditional re-check, or the site sends no ETag or Last-Modified.
    with archive.session() as s, s.begin():
        row = s.scalars(select(Report).where(Report.url == canonical_url(report.url))).one()
        row.etag = row.last_modified = None
    sim.fail("putuo", file_url, status=503, times=10)
    before = len(sim.requests("putuo"))
    result = archive.crawl("putuo")
    log = sim.requests("putuo")[before:]
    assert _statuses(log, report.url) == [200]
    assert set(_statuses(log, file_url)) == {503}
    assert result.returncode == 0, result.sites
    (site,) = result.sites
    assert site["reports_changed"] == 0
    assert any(file_url in m and "archived copy" in m and m.startswith("warning:") for m in site["messages"])
    assert _versions(archive, report.url) == [(1, "new")]
    assert archive.latest_text(canonical_url(report.url)) == report.text
    assert _events(archive) == []

    # Once the file answers again, the report is still the same: no version, no alert.
    sim.reset("putuo")
    assert archive.crawl("putuo").returncode == 0
    assert _versions(archive, report.url) == [(1, "new")]
    assert _events(archive) == []


def test_a_file_taken_as_archived_is_checked_against_when_it_was_fetched(sim: PortalSim, archive: Archive) -> None:
    # A page corrected together with its attachment, while the attachment fails: the new version takes the archived
    # file. The next re-check must ask whether the file changed since the archived bytes were fetched, not since
    # that version was made (the file was replaced before it), or the correction of the file is never seen.
    (report,) = [r for r in sim.expected_reports("yuhang") if r.attachments]
    file_url = report.attachments[0].url
    assert archive.crawl("yuhang").returncode == 0
    corrected = report.text.replace("。", "（更正）。", 1)
    sim.set_article_text("yuhang", report.key, corrected)
    sim.fail("yuhang", file_url, status=503, times=10)
    result = archive.crawl("yuhang")
    assert result.returncode == 0, result.sites
    assert any(file_url in m and "archived copy" in m for m in result.sites[0]["messages"])
    assert _versions(archive, report.url) == [(1, "new"), (2, "changed")]
    # As when that crawl came an hour after the correction (beyond the margin a re-check allows for clock skew).
    with archive.session() as s, s.begin():
        v2 = s.scalars(select(Version).where(Version.report.has(url=canonical_url(report.url)), Version.version == 2))
        v2.one().fetched_at += dt.timedelta(hours=1)

    sim.fail("yuhang", file_url, status=503, times=0)
    before = len(sim.requests("yuhang"))
    assert archive.crawl("yuhang").returncode == 0
    log = sim.requests("yuhang")[before:]
    assert _statuses(log, report.url) == [304]
    assert _statuses(log, file_url) == [200]
    assert _versions(archive, report.url) == [(1, "new"), (2, "changed"), (3, "changed")]
    with archive.session() as s:
        latest = s.scalars(
            select(Version).where(Version.report.has(url=canonical_url(report.url))).order_by(Version.version.desc())
        ).first()
        assert latest is not None
        (att,) = s.scalars(select(Attachment).where(Attachment.version_id == latest.id)).all()
        assert "（更正）" in (att.text or "")
