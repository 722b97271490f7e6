"""The ORM classes of the archive's tables (archive/store/tables.py): sites, reports, their text versions, raw captures,
fetches, crawl runs, events, alerts. The tables are defined there, in Core, and each class maps its table."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

from archive.store import tables
from archive.store.coltypes import PackedText, UTCDateTime, utcnow
from archive.store.tables import NAMING_CONVENTION

__all__ = [
    "NAMING_CONVENTION",
    "AlertChannel",
    "AlertDelivery",
    "Attachment",
    "Base",
    "Capture",
    "CrawlRun",
    "Event",
    "Exchange",
    "Fetch",
    "Lease",
    "PackedText",
    "Report",
    "ReportURL",
    "SchedulerJob",
    "SearchDoc",
    "SearchPosting",
    "SearchSegment",
    "Site",
    "UTCDateTime",
    "Version",
    "utcnow",
]


class Base(DeclarativeBase):
    metadata = tables.metadata


class Site(Base):
    __table__ = tables.site

    id: Mapped[str]
    name: Mapped[str]
    region: Mapped[str]
    division_code: Mapped[str | None]
    platform: Mapped[str]
    created_at: Mapped[dt.datetime]
    family: Mapped[str | None]


class Capture(Base):
    """A fetched body, stored once per SHA-256 of its bytes however often it is fetched."""

    __table__ = tables.capture

    sha256: Mapped[str]
    size: Mapped[int]
    compression: Mapped[str]
    body: Mapped[bytes]
    created_at: Mapped[dt.datetime]


class Report(Base):
    """One report page, identified by its site and canonical URL."""

    __table__ = tables.report

    id: Mapped[int]
    site_id: Mapped[str]
    url: Mapped[str]
    title: Mapped[str]
    kind: Mapped[str]
    year: Mapped[int | None]
    publisher: Mapped[str | None]
    published_date: Mapped[dt.date | None]
    status: Mapped[str]
    first_seen_at: Mapped[dt.datetime]
    last_changed_at: Mapped[dt.datetime]
    last_checked_at: Mapped[dt.datetime]
    missing_count: Mapped[int]
    etag: Mapped[str | None]
    last_modified: Mapped[str | None]
    current_version_id: Mapped[int | None]

    site: Mapped[Site] = relationship()
    versions: Mapped[list[Version]] = relationship(
        back_populates="report",
        order_by="Version.version",
        cascade="all, delete-orphan",
        foreign_keys="Version.report_id",
    )
    # Set after the version row exists (report and version point at each other: one more UPDATE, in the flush).
    current_version: Mapped[Version | None] = relationship(
        foreign_keys=[tables.report.c.current_version_id], post_update=True
    )


class ReportURL(Base):
    """Another URL at which a report was found: where it moved to, or a second column that posts it too."""

    __table__ = tables.report_url

    id: Mapped[int]
    report_id: Mapped[int]
    site_id: Mapped[str]
    url: Mapped[str]
    reason: Mapped[str]
    first_seen_at: Mapped[dt.datetime]


class Version(Base):
    """One text of a report; a new row only when the normalized text changes (versions are inserts)."""

    __table__ = tables.report_version

    id: Mapped[int]
    report_id: Mapped[int]
    version: Mapped[int]
    fetched_at: Mapped[dt.datetime]
    capture_sha256: Mapped[str]
    content_sha256: Mapped[str]
    title: Mapped[str]
    text: Mapped[str]
    chars: Mapped[int]
    change: Mapped[str]
    extractor_version: Mapped[str]
    encoding: Mapped[str | None]
    replacement_chars: Mapped[int]
    exchange_id: Mapped[int | None]

    report: Mapped[Report] = relationship(back_populates="versions", foreign_keys=[tables.report_version.c.report_id])
    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.position", cascade="all, delete-orphan")


class Attachment(Base):
    """A file linked from one version of a report page, with its extracted text or the reason it has none."""

    __table__ = tables.attachment

    id: Mapped[int]
    version_id: Mapped[int]
    position: Mapped[int]
    url: Mapped[str]
    filename: Mapped[str]
    media_type: Mapped[str | None]
    sha256: Mapped[str | None]
    text: Mapped[str | None]
    error: Mapped[str | None]
    exchange_id: Mapped[int | None]


class Exchange(Base):
    """One HTTP request and its answer, as the crawler sent and received it (see tables.exchange)."""

    __table__ = tables.exchange

    id: Mapped[int]
    crawl_run_id: Mapped[int | None]
    site_id: Mapped[str | None]
    report_id: Mapped[int | None]
    purpose: Mapped[str]
    method: Mapped[str]
    url: Mapped[str]
    request_headers: Mapped[list[list[str]]]
    request_body_sha256: Mapped[str | None]
    status: Mapped[int]
    response_headers: Mapped[list[list[str]]]
    capture_sha256: Mapped[str | None]
    content_encoding: Mapped[str | None]
    fetched_at: Mapped[dt.datetime]


class Fetch(Base):
    """One HTTP exchange for a report page (including 304s and 404s): when, what status, which body."""

    __table__ = tables.fetch

    id: Mapped[int]
    crawl_run_id: Mapped[int | None]
    site_id: Mapped[str]
    url: Mapped[str]
    final_url: Mapped[str | None]
    status: Mapped[int]
    fetched_at: Mapped[dt.datetime]
    content_type: Mapped[str | None]
    capture_sha256: Mapped[str | None]


class CrawlRun(Base):
    __table__ = tables.crawl_run

    id: Mapped[int]
    site_id: Mapped[str]
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str]
    pages_fetched: Mapped[int]
    reports_new: Mapped[int]
    reports_changed: Mapped[int]
    reports_unchanged: Mapped[int]
    reports_removed: Mapped[int]
    skipped: Mapped[int]
    errors: Mapped[int]
    messages: Mapped[list[str]]


class Event(Base):
    """Something a person should hear about: the outbox that each alert channel drains in order."""

    __table__ = tables.event

    id: Mapped[int]
    kind: Mapped[str]
    site_id: Mapped[str]
    report_id: Mapped[int | None]
    version: Mapped[int | None]
    title: Mapped[str]
    body: Mapped[str]
    created_at: Mapped[dt.datetime]
    delivered_at: Mapped[dt.datetime | None]


class AlertChannel(Base):
    """One notify URL, known by a digest of the URL (it may hold a token), with its claim and backoff state."""

    __table__ = tables.alert_channel

    id: Mapped[int]
    key: Mapped[str]
    display: Mapped[str]
    first_event_id: Mapped[int]
    created_at: Mapped[dt.datetime]
    lease_owner: Mapped[str | None]
    lease_until: Mapped[dt.datetime | None]
    consecutive_failures: Mapped[int]
    next_attempt_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None]
    last_ok_at: Mapped[dt.datetime | None]
    window_started_at: Mapped[dt.datetime | None]
    window_messages: Mapped[int]


class AlertDelivery(Base):
    """One event on one channel: attempts, the last error, and when it was sent (alone or in a digest)."""

    __table__ = tables.alert_delivery

    id: Mapped[int]
    channel_id: Mapped[int]
    event_id: Mapped[int]
    attempts: Mapped[int]
    last_error: Mapped[str | None]
    sent_at: Mapped[dt.datetime | None]
    digest: Mapped[bool]


class SchedulerJob(Base):
    """APScheduler's job store (its own table shape): one row per scheduled site crawl, with its next run."""

    __table__ = tables.scheduler_job

    id: Mapped[str]
    next_run_time: Mapped[float | None]
    job_state: Mapped[bytes]


class Lease(Base):
    """A named lease: one scheduler at a time drives an archive, and a crashed one's lease runs out."""

    __table__ = tables.lease

    name: Mapped[str]
    holder: Mapped[str]
    acquired_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]


class SearchDoc(Base):
    """A version's searchable text, folded (archive/store/fulltext.py); see tables.search_doc."""

    __table__ = tables.search_doc

    id: Mapped[int]
    version_id: Mapped[int]
    report_id: Mapped[int]
    title: Mapped[str]
    body: Mapped[str]
    segment_id: Mapped[int | None]


class SearchSegment(Base):
    """A batch of docs whose character pairs were merged into posting lists (archive/store/postings.py)."""

    __table__ = tables.search_segment

    id: Mapped[int]
    docs: Mapped[int]
    created_at: Mapped[dt.datetime]


class SearchPosting(Base):
    """One pair's posting list in one segment: the versions holding it and how often (packed, see postings)."""

    __table__ = tables.search_posting

    gram: Mapped[str]
    segment_id: Mapped[int]
    data: Mapped[bytes]
