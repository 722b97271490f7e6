"""The archive's tables, in SQLAlchemy Core: sites, reports, their text versions, raw captures, fetches, crawl runs,
events, alerts, the search index.

The ORM classes (archive.store.models) are mapped onto these tables; the quick read commands (`fazhi reports`, `show`,
`diff`) query them with Core alone, since importing the ORM takes longer than the rest of such a command.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from archive.store.coltypes import PackedText, UTCDateTime, utcnow

# Stable constraint names so Alembic migrations can address them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def column(name: str, *args: Any, nullable: bool = False, **kwargs: Any) -> Column[Any]:
    """A column that is NOT NULL unless it says otherwise (as a model's non-optional `Mapped[...]` is)."""
    return Column(name, *args, nullable=nullable, **kwargs)


def _id() -> Column[Any]:
    return Column("id", Integer, primary_key=True)


site = Table(
    "site",
    metadata,
    Column("id", String(64), primary_key=True),
    column("name", String(200)),
    column("region", String(200)),
    column("division_code", String(12), nullable=True),
    column("platform", String(32)),
    column("created_at", UTCDateTime(), default=utcnow),
    column("family", String(32), nullable=True),  # the registry's platform family (archive.vocab.Family)
)

# A fetched body, stored once per SHA-256 of its bytes however often it is fetched.
capture = Table(
    "capture",
    metadata,
    Column("sha256", String(64), primary_key=True),
    column("size", Integer),
    column("compression", String(16)),
    column("body", LargeBinary),
    column("created_at", UTCDateTime(), default=utcnow),
)

# One report page, identified by its site and canonical URL.
report = Table(
    "report",
    metadata,
    _id(),
    column("site_id", ForeignKey("site.id"), index=True),
    column("url", String(2000)),
    column("title", Text),
    column("kind", String(32), index=True),
    column("year", Integer, index=True, nullable=True),
    column("publisher", String(200), nullable=True),
    column("published_date", Date, nullable=True),
    column("status", String(16), default="active"),
    column("first_seen_at", UTCDateTime(), default=utcnow),
    column("last_changed_at", UTCDateTime(), default=utcnow),
    column("last_checked_at", UTCDateTime(), default=utcnow),
    # Consecutive crawls on which the page answered 404/410; two in a row mean it was taken down.
    column("missing_count", Integer, default=0),
    column("etag", String(300), nullable=True),
    column("last_modified", String(100), nullable=True),
    # The report's newest version (the highest number): the one place the archive keeps "the latest version".
    # Null only for a report without text (for a moment inside ingest, or a page split off that never made one).
    column("current_version_id", ForeignKey("report_version.id", use_alter=True), index=True, nullable=True),
    UniqueConstraint("site_id", "url", name="uq_report_site_id_url"),
)

# Another URL at which a report was found: where it moved to, or a second column that posts it too.
report_url = Table(
    "report_url",
    metadata,
    _id(),
    column("report_id", ForeignKey("report.id"), index=True),
    column("site_id", ForeignKey("site.id")),
    column("url", String(2000)),
    column("reason", String(16)),  # redirect | same_text | republished (another site posted it)
    column("first_seen_at", UTCDateTime(), default=utcnow),
    UniqueConstraint("site_id", "url", name="uq_report_url_site_id_url"),
)

# One text of a report; a new row only when the normalized text changes (versions are inserts).
report_version = Table(
    "report_version",
    metadata,
    _id(),
    column("report_id", ForeignKey("report.id"), index=True),
    column("version", Integer),
    column("fetched_at", UTCDateTime()),
    column("capture_sha256", ForeignKey("capture.sha256")),
    column("content_sha256", String(64), index=True),
    column("title", Text),
    column("text", PackedText()),
    column("chars", Integer),
    column("change", String(16)),
    column("extractor_version", String(16)),
    column("encoding", String(32), nullable=True),
    column("replacement_chars", Integer, default=0),
    # The HTTP exchange that brought the page's bytes (None for archives older than exchange records).
    column("exchange_id", ForeignKey("exchange.id"), nullable=True),
    UniqueConstraint("report_id", "version", name="uq_report_version_report_id_version"),
)

# A file linked from one version of a report page, with its extracted text or the reason it has none.
attachment = Table(
    "attachment",
    metadata,
    _id(),
    column("version_id", ForeignKey("report_version.id"), index=True),
    column("position", Integer),
    column("url", String(2000)),
    column("filename", String(500)),
    column("media_type", String(100), nullable=True),
    column("sha256", ForeignKey("capture.sha256"), nullable=True),
    column("text", Text, nullable=True),
    column("error", Text, nullable=True),
    column("exchange_id", ForeignKey("exchange.id"), nullable=True),  # the download of its bytes
)

# One HTTP request and its answer, as the crawler sent and received it: robots.txt, lists, pages, files, redirects
# (one per hop), 304s and 404s. Bodies are captures, stored as received on the wire (still compressed when
# `content_encoding` is set).
exchange = Table(
    "exchange",
    metadata,
    _id(),
    column("crawl_run_id", ForeignKey("crawl_run.id"), index=True, nullable=True),
    column("site_id", ForeignKey("site.id"), nullable=True),
    # The report it was made for (its page, a redirect to it, its attachments); None for robots.txt and lists.
    column("report_id", ForeignKey("report.id"), index=True, nullable=True),
    column("purpose", String(16)),  # robots | list | list_api | report | attachment | recheck | other
    column("method", String(10)),
    column("url", String(2000)),
    column("request_headers", JSON, default=list),  # [name, value] pairs as sent
    column("request_body_sha256", ForeignKey("capture.sha256"), nullable=True),
    column("status", Integer),
    column("response_headers", JSON, default=list),
    column("capture_sha256", ForeignKey("capture.sha256"), index=True, nullable=True),
    column("content_encoding", String(64), nullable=True),
    column("fetched_at", UTCDateTime()),
)

# One HTTP exchange for a report page (including 304s and 404s): when, what status, which body.
fetch = Table(
    "fetch",
    metadata,
    _id(),
    column("crawl_run_id", ForeignKey("crawl_run.id"), index=True, nullable=True),
    column("site_id", ForeignKey("site.id")),
    column("url", String(2000)),
    column("final_url", String(2000), nullable=True),
    column("status", Integer),
    column("fetched_at", UTCDateTime()),
    column("content_type", String(200), nullable=True),
    column("capture_sha256", ForeignKey("capture.sha256"), nullable=True),
    Index("ix_fetch_site_id_url", "site_id", "url"),
)

crawl_run = Table(
    "crawl_run",
    metadata,
    _id(),
    column("site_id", ForeignKey("site.id"), index=True),
    column("started_at", UTCDateTime(), default=utcnow),
    column("finished_at", UTCDateTime(), nullable=True),
    column("status", String(16), default="running"),  # running | ok | failed
    column("pages_fetched", Integer, default=0),
    column("reports_new", Integer, default=0),
    column("reports_changed", Integer, default=0),
    column("reports_unchanged", Integer, default=0),
    column("reports_removed", Integer, default=0),
    column("skipped", Integer, default=0),
    column("errors", Integer, default=0),
    column("messages", JSON, default=list),
)

# Something a person should hear about: the outbox that each alert channel drains in order.
event = Table(
    "event",
    metadata,
    _id(),
    column("kind", String(16), index=True),  # new | changed | removed | site_error
    column("site_id", ForeignKey("site.id")),
    column("report_id", ForeignKey("report.id"), nullable=True),
    column("version", Integer, nullable=True),
    column("title", Text),
    column("body", Text),
    column("created_at", UTCDateTime(), default=utcnow),
    # When the first channel received it. A channel added later is owed only the events nobody has received yet
    # and those created after it (archive/alerts/channels.py), so adding a channel never replays the whole history.
    column("delivered_at", UTCDateTime(), index=True, nullable=True),
)

# One notify URL, known by a digest of the URL (it may hold a token), with its claim and backoff state.
alert_channel = Table(
    "alert_channel",
    metadata,
    _id(),
    column("key", String(64), unique=True),  # SHA-256 of the URL as configured
    column("display", String(500)),  # the URL with its secrets masked
    column("first_event_id", Integer),  # the channel is owed events with this id and above
    column("created_at", UTCDateTime(), default=utcnow),
    # The sender that holds the channel, and until when; an expired lease (a killed sender) can be taken over.
    column("lease_owner", String(64), nullable=True),
    column("lease_until", UTCDateTime(), nullable=True),
    column("consecutive_failures", Integer, default=0),
    column("next_attempt_at", UTCDateTime(), nullable=True),  # backing off until then
    column("last_error", Text, nullable=True),
    column("last_ok_at", UTCDateTime(), nullable=True),
    # Messages sent in the current one-minute window, for the per-channel rate limit.
    column("window_started_at", UTCDateTime(), nullable=True),
    column("window_messages", Integer, default=0),
)

# One event on one channel: attempts, the last error, and when it was sent (alone or in a digest).
alert_delivery = Table(
    "alert_delivery",
    metadata,
    _id(),
    column("channel_id", ForeignKey("alert_channel.id")),
    column("event_id", ForeignKey("event.id"), index=True),
    column("attempts", Integer, default=0),
    column("last_error", Text, nullable=True),
    column("sent_at", UTCDateTime(), nullable=True),
    column("digest", Boolean, default=False),  # sent as part of a digest message
    UniqueConstraint("channel_id", "event_id", name="uq_alert_delivery_channel_id_event_id"),
)

# APScheduler's job store (its own table shape): one row per scheduled site crawl, with its next run.
scheduler_job = Table(
    "scheduler_job",
    metadata,
    Column("id", String(191), primary_key=True),
    column("next_run_time", Float(25), index=True, nullable=True),
    column("job_state", LargeBinary),
)

# A named lease: one scheduler at a time drives an archive, and a crashed one's lease runs out.
lease = Table(
    "lease",
    metadata,
    Column("name", String(64), primary_key=True),
    column("holder", String(200)),
    column("acquired_at", UTCDateTime()),
    column("expires_at", UTCDateTime()),
)

# How the scheduler crawls each registry site: its job's cadence in words, written whenever it syncs its jobs (`--every
# 10m` included), so `fazhi sites` says what runs rather than what the registry would run.
site_schedule = Table(
    "site_schedule",
    metadata,
    Column("site_id", String(64), primary_key=True),
    column("description", Text),
    column("updated_at", UTCDateTime()),
)

# A version's searchable text, folded (archive/store/fulltext.py): what a term found by its pairs is checked in.
# `segment_id` is the index segment holding its pairs; None while it waits for the next merge (searched by reading
# it). A doc written again gets a new `id` (never reused), so a merge never marks a newer text merged.
search_doc = Table(
    "search_doc",
    metadata,
    _id(),
    column("version_id", ForeignKey("report_version.id", ondelete="CASCADE"), unique=True, index=True),
    column("report_id", ForeignKey("report.id"), index=True),
    column("title", Text),
    column("body", Text),  # title, page text and attachment texts, one per line group
    column("segment_id", ForeignKey("search_segment.id", ondelete="SET NULL"), index=True, nullable=True),
    sqlite_autoincrement=True,
)

# A batch of docs whose character pairs were merged into posting lists (archive/store/postings.py).
search_segment = Table(
    "search_segment",
    metadata,
    _id(),
    column("docs", Integer),  # how many docs it was built with (some may have left it since)
    column("created_at", UTCDateTime()),
    sqlite_autoincrement=True,
)

# One pair's posting list in one segment: the versions holding it and how often (packed, see postings).
search_posting = Table(
    "search_posting",
    metadata,
    Column("gram", String(3), primary_key=True),  # a pair, or "^" + a pair of the title
    Column("segment_id", ForeignKey("search_segment.id", ondelete="CASCADE"), primary_key=True),
    column("data", LargeBinary),
)
