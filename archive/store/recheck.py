"""Known reports, checked again: which are due and with what validators, what the archive holds for their
attachments, a version rebuilt when one changed behind an unchanged page, and the archived copy standing in for a
download that failed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.cadence import in_season
from archive.clock import TIMEZONE
from archive.store.derive import derive
from archive.store.ingest import (
    IngestResult,
    Outcome,
    find_report,
    ingest,
    known_report_urls,
    latest_version,
    read_capture,
)
from archive.store.models import Attachment, Fetch, Report, Version
from archive.store.raw import RawFile, RawPage
from archive.store.unmerge import stored_page
from archive.tunables import BY_NAME

# Crawls run at a fixed daily or weekly slot but finish at varying times: a report checked a little less than one
# interval ago is due, or a daily check would slip to every other day.
DUE_SLACK = dt.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class RecheckPolicy:
    """How often a known report page is asked for again, by how long it has been unchanged.

    A report is re-checked once `age_fraction` of its unchanged age has passed since its last check, at most
    `max_days` apart, and at most `season_max_days` apart in the reporting season (archive.cadence), when reports
    are published and corrected. Corrections come soon after publication: a report posted last week is checked on
    every crawl, one untouched for a year about monthly, and a page that answers 304 costs the site little anyway.
    """

    age_fraction: float  # FAZHI_RECHECK_AGE_FRACTION, and so on (archive/tunables.py has the defaults)
    max_days: float
    season_max_days: float

    @classmethod
    def default(cls) -> RecheckPolicy:
        """The policy with every tunable at its default."""
        return cls(
            float(BY_NAME["FAZHI_RECHECK_AGE_FRACTION"].default),
            float(BY_NAME["FAZHI_RECHECK_MAX_DAYS"].default),
            float(BY_NAME["FAZHI_RECHECK_SEASON_MAX_DAYS"].default),
        )

    def interval(self, last_changed: dt.datetime, now: dt.datetime) -> dt.timedelta:
        cap = self.season_max_days if in_season(now.astimezone(TIMEZONE).date()) else self.max_days
        age = max(now - last_changed, dt.timedelta(0))
        return min(age * self.age_fraction, dt.timedelta(days=cap))

    def due(self, last_changed: dt.datetime, last_checked: dt.datetime, now: dt.datetime) -> bool:
        return now - last_checked + DUE_SLACK >= self.interval(last_changed, now)


@dataclass(frozen=True, slots=True)
class KnownReport:
    """An active report of the site as a crawl asks for it: conditionally, and only when due."""

    url: str
    etag: str | None
    last_modified: str | None
    due: bool

    def conditional_headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


def known_reports(
    session: Session, site_id: str, policy: RecheckPolicy, now: dt.datetime | None = None
) -> dict[str, KnownReport]:
    """The site's active reports by URL. One without validators (a missing attachment to try again) is always due."""
    now = now or dt.datetime.now(dt.UTC)
    times = {
        url: (changed, checked)
        for url, changed, checked in session.execute(
            select(Report.url, Report.last_changed_at, Report.last_checked_at).where(
                Report.site_id == site_id, Report.status == "active"
            )
        )
    }
    out = {}
    for url, etag, last_modified in known_report_urls(session, site_id):
        changed, checked = times[url]
        due = not (etag or last_modified) or policy.due(_utc(changed), _utc(checked), now)
        out[url] = KnownReport(url, etag, last_modified, due)
    return out


@dataclass(frozen=True, slots=True)
class ArchivedFile:
    """An attachment of a report's latest version, as the archive holds it."""

    url: str
    filename: str
    sha256: str | None  # None: the version lacks its bytes (the download failed)
    # When these bytes were first fetched for this report (the fetch time of the oldest version holding them at
    # this URL). A file modified after that is a possible change; the time is never later than the real fetch,
    # so a conditional request on it cannot hide a change made after the bytes were fetched.
    since: dt.datetime | None


def archived_files(session: Session, site_id: str) -> dict[str, tuple[ArchivedFile, ...]]:
    """The attachments of each active report's latest version, by report URL; reports without any left out."""
    current = session.execute(
        select(Report.url, Attachment.url, Attachment.filename, Attachment.sha256, Report.id)
        .join(Attachment, Attachment.version_id == Report.current_version_id)
        .where(Report.site_id == site_id, Report.status == "active")
        .order_by(Report.id, Attachment.position)
    ).all()
    first_seen = session.execute(
        select(Version.report_id, Attachment.url, Attachment.sha256, func.min(Version.fetched_at))
        .join(Attachment, Attachment.version_id == Version.id)
        .join(Report, Report.id == Version.report_id)
        .where(Report.site_id == site_id, Attachment.sha256.is_not(None))
        .group_by(Version.report_id, Attachment.url, Attachment.sha256)
    ).all()
    since = {(report_id, url, sha): at for report_id, url, sha, at in first_seen}
    out: dict[str, list[ArchivedFile]] = {}
    for report_url, url, filename, sha, report_id in current:
        at = since.get((report_id, url, sha)) if sha else None
        out.setdefault(report_url, []).append(ArchivedFile(url, filename, sha, _utc(at) if at else None))
    return {url: tuple(files) for url, files in out.items()}


def _utc(at: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; the archive stores UTC.
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at


def ingest_changed_files(
    session: Session,
    site_id: str,
    url: str,
    fresh: Iterable[RawFile],
    fetched_at: dt.datetime,
    crawl_run_id: int | None = None,
) -> IngestResult:
    """Archive a report whose page answered 304 while some of its attachments came back with other bytes.

    The page is the latest version's stored capture, the attachments are `fresh` where given and the latest
    version's stored bytes otherwise; it then goes through `ingest` like any fetched page, so the content hash,
    events, identity and completion rules are those of a full fetch. The fetch is recorded with status 304: the
    site confirmed the stored page, it did not send it again.
    """
    report = find_report(session, site_id, url)
    current = latest_version(session, report.id) if report is not None else None
    if report is None or current is None:
        return IngestResult(Outcome.SKIPPED, reason="no archived version to rebuild")
    page = stored_page(session, report, report.url, current.capture_sha256, fetched_at, current.attachments)
    by_url = {f.url: f for f in fresh}
    final_url = session.scalars(
        select(Fetch.final_url)
        .where(Fetch.capture_sha256 == current.capture_sha256, Fetch.site_id == site_id)
        .order_by(Fetch.fetched_at.desc())
        .limit(1)
    ).first()
    page = replace(
        page,
        status=304,
        final_url=final_url,
        etag=report.etag,
        last_modified=report.last_modified,
        files=tuple(by_url.get(f.url, f) for f in page.files),
    )
    return ingest(session, page, crawl_run_id=crawl_run_id, derived=derive(page))


def reuse_archived(session: Session, page: RawPage) -> tuple[RawPage, tuple[RawFile, ...]]:
    """`page` with each attachment that failed to download replaced by the bytes the report's latest version holds
    for the same URL, and the failed downloads so replaced.

    A download that failed now (a 503, a gateway time-out) is no evidence that the file changed: taken as it was
    when last fetched, an unchanged page stays unchanged instead of making a version without the attachment.
    """
    failed = [f for f in page.files if f.body is None]
    report = find_report(session, page.site_id, page.url) if failed else None
    current = latest_version(session, report.id) if report is not None else None
    if current is None:
        return page, ()
    archived = {a.url: a.sha256 for a in current.attachments if a.sha256}
    reused = tuple(f for f in failed if f.url in archived)
    if not reused:
        return page, ()
    files = tuple(
        replace(f, status=None, body=read_capture(session, archived[f.url])) if f in reused else f for f in page.files
    )
    return replace(page, files=files), reused
