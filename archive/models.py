"""The archive's tables: sites, reports, their text versions, raw captures, fetches, crawl runs, events, alerts."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from archive.packedtext import pack, unpack

# Stable constraint names so Alembic migrations can address them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite has no timezone type and returns naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the archive; use an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class PackedText(TypeDecorator[str]):
    """Text stored compressed (archive.packedtext): a str in Python, bytes in the database.

    A column still holding plain text reads as it is: the migrations before 0009 read versions through these
    models while the column is still TEXT.
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: object) -> bytes | None:
        return None if value is None else pack(value)

    def process_result_value(self, value: bytes | str | None, dialect: object) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return unpack(value)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UTCDateTime()}


class Site(Base):
    __tablename__ = "site"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(200))
    division_code: Mapped[str | None] = mapped_column(String(12))
    platform: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Capture(Base):
    """A fetched body, stored once per SHA-256 of its bytes however often it is fetched."""

    __tablename__ = "capture"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    compression: Mapped[str] = mapped_column(String(16))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Report(Base):
    """One report page, identified by its site and canonical URL."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("site_id", "url", name="uq_report_site_id_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int | None] = mapped_column(index=True)
    publisher: Mapped[str | None] = mapped_column(String(200))
    published_date: Mapped[dt.date | None]
    status: Mapped[str] = mapped_column(String(16), default="active")
    first_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_checked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Consecutive crawls on which the page answered 404/410; two in a row mean it was taken down.
    missing_count: Mapped[int] = mapped_column(default=0)
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))

    # The report's newest version (the highest number): the one place the archive keeps "the latest version".
    # Null only for a report without text (for a moment inside ingest, or a page split off that never made one).
    current_version_id: Mapped[int | None] = mapped_column(ForeignKey("report_version.id", use_alter=True), index=True)

    site: Mapped[Site] = relationship()
    versions: Mapped[list[Version]] = relationship(
        back_populates="report",
        order_by="Version.version",
        cascade="all, delete-orphan",
        foreign_keys="Version.report_id",
    )
    # Set after the version row exists (report and version point at each other: one more UPDATE, in the flush).
    current_version: Mapped[Version | None] = relationship(foreign_keys=[current_version_id], post_update=True)


class ReportURL(Base):
    """Another URL at which a report was found: where it moved to, or a second column that posts it too."""

    __tablename__ = "report_url"
    __table_args__ = (UniqueConstraint("site_id", "url", name="uq_report_url_site_id_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"))
    url: Mapped[str] = mapped_column(String(2000))
    reason: Mapped[str] = mapped_column(String(16))  # redirect | same_text | republished (another site posted it)
    first_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Version(Base):
    """One text of a report; a new row only when the normalized text changes (versions are inserts)."""

    __tablename__ = "report_version"
    __table_args__ = (UniqueConstraint("report_id", "version", name="uq_report_version_report_id_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    version: Mapped[int]
    fetched_at: Mapped[dt.datetime]
    capture_sha256: Mapped[str] = mapped_column(ForeignKey("capture.sha256"))
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(PackedText)
    chars: Mapped[int]
    change: Mapped[str] = mapped_column(String(16))
    extractor_version: Mapped[str] = mapped_column(String(16))
    encoding: Mapped[str | None] = mapped_column(String(32))
    replacement_chars: Mapped[int] = mapped_column(default=0)
    # The HTTP exchange that brought the page's bytes (None for archives older than exchange records).
    exchange_id: Mapped[int | None] = mapped_column(ForeignKey("exchange.id"))

    report: Mapped[Report] = relationship(back_populates="versions", foreign_keys=[report_id])
    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.position", cascade="all, delete-orphan")


class Attachment(Base):
    """A file linked from one version of a report page, with its extracted text or the reason it has none."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("report_version.id"), index=True)
    position: Mapped[int]
    url: Mapped[str] = mapped_column(String(2000))
    filename: Mapped[str] = mapped_column(String(500))
    media_type: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str | None] = mapped_column(ForeignKey("capture.sha256"))
    text: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    exchange_id: Mapped[int | None] = mapped_column(ForeignKey("exchange.id"))  # the download of its bytes


class Exchange(Base):
    """One HTTP request and its answer, as the crawler sent and received it: robots.txt, lists, pages, files,
    redirects (one per hop), 304s and 404s. Bodies are captures, stored as received on the wire (still
    compressed when `content_encoding` is set)."""

    __tablename__ = "exchange"

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id"), index=True)
    site_id: Mapped[str | None] = mapped_column(ForeignKey("site.id"))
    # The report it was made for (its page, a redirect to it, its attachments); None for robots.txt and lists.
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # robots | list | list_api | report | attachment | recheck | other
    method: Mapped[str] = mapped_column(String(10))
    url: Mapped[str] = mapped_column(String(2000))
    request_headers: Mapped[list[list[str]]] = mapped_column(JSON, default=list)  # [name, value] pairs as sent
    request_body_sha256: Mapped[str | None] = mapped_column(ForeignKey("capture.sha256"))
    status: Mapped[int]
    response_headers: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    capture_sha256: Mapped[str | None] = mapped_column(ForeignKey("capture.sha256"), index=True)
    content_encoding: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[dt.datetime]


class Fetch(Base):
    """One HTTP exchange for a report page (including 304s and 404s): when, what status, which body."""

    __tablename__ = "fetch"
    __table_args__ = (Index("ix_fetch_site_id_url", "site_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_run.id"), index=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"))
    url: Mapped[str] = mapped_column(String(2000))
    final_url: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[int]
    fetched_at: Mapped[dt.datetime]
    content_type: Mapped[str | None] = mapped_column(String(200))
    capture_sha256: Mapped[str | None] = mapped_column(ForeignKey("capture.sha256"))


class CrawlRun(Base):
    __tablename__ = "crawl_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | ok | failed
    pages_fetched: Mapped[int] = mapped_column(default=0)
    reports_new: Mapped[int] = mapped_column(default=0)
    reports_changed: Mapped[int] = mapped_column(default=0)
    reports_unchanged: Mapped[int] = mapped_column(default=0)
    reports_removed: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    messages: Mapped[list[str]] = mapped_column(JSON, default=list)


class Event(Base):
    """Something a person should hear about: the outbox that each alert channel drains in order."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # new | changed | removed | site_error
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"))
    version: Mapped[int | None]
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # When the first channel received it. A channel added later is owed only the events nobody has received yet
    # and those created after it (archive/channels.py), so adding a channel never replays the whole history.
    delivered_at: Mapped[dt.datetime | None] = mapped_column(index=True)


class AlertChannel(Base):
    """One notify URL, known by a digest of the URL (it may hold a token), with its claim and backoff state."""

    __tablename__ = "alert_channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the URL as configured
    display: Mapped[str] = mapped_column(String(500))  # the URL with its secrets masked
    first_event_id: Mapped[int]  # the channel is owed events with this id and above
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The sender that holds the channel, and until when; an expired lease (a killed sender) can be taken over.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None]  # backing off until then
    last_error: Mapped[str | None] = mapped_column(Text)
    last_ok_at: Mapped[dt.datetime | None]
    # Messages sent in the current one-minute window, for the per-channel rate limit.
    window_started_at: Mapped[dt.datetime | None]
    window_messages: Mapped[int] = mapped_column(default=0)


class AlertDelivery(Base):
    """One event on one channel: attempts, the last error, and when it was sent (alone or in a digest)."""

    __tablename__ = "alert_delivery"
    __table_args__ = (UniqueConstraint("channel_id", "event_id", name="uq_alert_delivery_channel_id_event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("alert_channel.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None]
    digest: Mapped[bool] = mapped_column(default=False)  # sent as part of a digest message


class SchedulerJob(Base):
    """APScheduler's job store (its own table shape): one row per scheduled site crawl, with its next run."""

    __tablename__ = "scheduler_job"

    id: Mapped[str] = mapped_column(String(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(LargeBinary)


class Lease(Base):
    """A named lease: one scheduler at a time drives an archive, and a crashed one's lease runs out."""

    __tablename__ = "lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]


class SearchDoc(Base):
    """A version's searchable text, folded (archive/search_index.py): what a term found by its pairs is checked in.

    `segment_id` is the index segment holding its pairs; None while it waits for the next merge (searched by
    reading it). A doc written again gets a new `id` (never reused), so a merge never marks a newer text merged.
    """

    __tablename__ = "search_doc"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("report_version.id", ondelete="CASCADE"), unique=True, index=True
    )
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)  # title, page text and attachment texts, one per line group
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("search_segment.id", ondelete="SET NULL"), index=True)


class SearchSegment(Base):
    """A batch of docs whose character pairs were merged into posting lists (archive/search_segments.py)."""

    __tablename__ = "search_segment"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    docs: Mapped[int]  # how many docs it was built with (some may have left it since)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SearchPosting(Base):
    """One pair's posting list in one segment: the versions holding it and how often (packed, see search_segments)."""

    __tablename__ = "search_posting"

    gram: Mapped[str] = mapped_column(String(3), primary_key=True)  # a pair, or "^" + a pair of the title
    segment_id: Mapped[int] = mapped_column(ForeignKey("search_segment.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
