"""Read-only questions to the archive, answered in the JSON shapes of the user contract."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row, Select, false, func, select

from archive.bounds import MAX_ID
from archive.errors import BadUsage, NotFound
from archive.query.paging import Page, paginate
from archive.records import Record
from archive.store.tables import attachment, report, report_version
from archive.store.tables import site as site_table
from archive.vocab import Kind, ReportStatus

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from archive.extract.sections import Outline

    # The queries here are SQLAlchemy Core over the tables, not the ORM: `fazhi reports`, `show` and `diff` run them
    # on a Connection and so never import the ORM, whose import takes longer than the rest of such a command
    # (tests/test_cli_startup.py). A Session (the web UI, the exporters) runs the same statements.
    Reader = Connection | Session


@dataclass(frozen=True, slots=True)
class ReportRecord(Record):
    """A report as `fazhi reports` lists it."""

    id: int
    site_id: str
    region: str
    publisher: str
    title: str
    kind: Kind
    year: int | None
    """The year the report is about."""
    published_date: dt.date | None
    """The date the page gives (Beijing)."""
    url: str
    status: ReportStatus
    version_count: int
    first_seen_at: dt.datetime
    last_changed_at: dt.datetime

    @staticmethod
    def fields_of(report: Any, site: Any, version_count: int) -> dict[str, Any]:
        """The fields from a report and its site (ORM objects, or anything with their column names), by name: a
        record that extends this one is made from them and its own."""
        return {
            "id": report.id,
            "site_id": report.site_id,
            "region": site.region,
            "publisher": report.publisher or site.name,
            "title": report.title,
            "kind": Kind(report.kind),
            "year": report.year,
            "published_date": report.published_date,
            "url": report.url,
            "status": ReportStatus(report.status),
            "version_count": version_count,
            "first_seen_at": report.first_seen_at,
            "last_changed_at": report.last_changed_at,
        }

    @classmethod
    def of(cls, report: Any, site: Any, version_count: int) -> ReportRecord:
        return cls(**cls.fields_of(report, site, version_count))

    @classmethod
    def from_row(cls, row: Row[Any]) -> ReportRecord:
        """From a row of _reports()."""
        return cls.of(row, _SiteOfRow(row.region, row.site_name), row.version_count)


@dataclass(frozen=True, slots=True)
class _SiteOfRow:
    region: str
    name: str


def _reports() -> Select[Any]:
    """Reports with what a ReportRecord needs of their site, and their version count."""
    # Versions are numbered 1..n, so the current version's number is the report's version count.
    return (
        select(
            report.c.id,
            report.c.site_id,
            report.c.publisher,
            report.c.title,
            report.c.kind,
            report.c.year,
            report.c.published_date,
            report.c.url,
            report.c.status,
            report.c.first_seen_at,
            report.c.last_changed_at,
            site_table.c.region,
            site_table.c.name.label("site_name"),
            func.coalesce(report_version.c.version, 0).label("version_count"),
        )
        .join(site_table, site_table.c.id == report.c.site_id)
        .outerjoin(report_version, report_version.c.id == report.c.current_version_id)
    )


# How a listing of reports can be sorted: each key's columns, with True for those that run newest first.
# `-key` reverses every column; the report id comes last so that pages never overlap.
REPORT_ORDERS: dict[str, tuple[tuple[Any, bool], ...]] = {
    "site": ((report.c.site_id, False), (report.c.year, True)),
    "year": ((report.c.year, False), (report.c.site_id, False)),
    "published": ((report.c.published_date, False), (report.c.site_id, False)),
    "changed": ((report.c.last_changed_at, False), (report.c.site_id, False)),
    "title": ((report.c.title, False), (report.c.site_id, False)),
}


def _report_order(order: str | None) -> list[Any]:
    if order is None:
        return [report.c.site_id, report.c.year.desc(), report.c.id]  # the CLI's order, as it always was
    key = order
    reverse = key.startswith("-")
    columns = REPORT_ORDERS.get(key.removeprefix("-"))
    if columns is None:
        choices = ", ".join(REPORT_ORDERS)
        raise BadUsage(f"cannot sort reports by {key!r}: choose one of {choices} (a leading - reverses)")
    # Unknown years and dates go last either way: SQLite and PostgreSQL disagree on where NULLs sort by default.
    out = [(col.desc() if desc != reverse else col.asc()).nulls_last() for col, desc in columns]
    return [*out, report.c.id.desc() if reverse else report.c.id]


def require_site(session: Reader, site_id: str) -> None:
    """NotFound unless the archive holds site `site_id`: the one answer every `--site` gives to an unknown id."""
    if session.execute(select(site_table.c.id).where(site_table.c.id == site_id)).first() is None:
        raise NotFound(f"no site {site_id!r} in the archive: not a site id, or not crawled yet (see `fazhi sites`)")


def list_reports(
    session: Reader,
    site: str | None = None,
    year: int | None = None,
    kind: str | None = None,
    status: str | None = None,
    since: dt.datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
    region: str | None = None,
    order: str | None = None,
) -> Page[ReportRecord]:
    """Reports by site, newest year first (or by `order`, see REPORT_ORDERS); `since`: only those first seen,
    changed or removed at or after it; `region`: only sites whose region holds those characters."""
    stmt = _reports().order_by(*_report_order(order))
    if site:
        stmt = stmt.where(report.c.site_id == site)
    if region:
        stmt = stmt.where(site_table.c.region.contains(region, autoescape=True))
    if year:
        stmt = stmt.where(report.c.year == year)
    if kind:
        stmt = stmt.where(report.c.kind == kind)
    if status:
        stmt = stmt.where(report.c.status == status)
    if since is not None:
        stmt = stmt.where(report.c.last_changed_at >= since)
    rows, total = paginate(session, stmt, limit, offset)
    return Page(tuple(ReportRecord.from_row(row) for row in rows), total, limit, offset)


def _load(session: Reader, report_id: int) -> ReportRecord:
    row = session.execute(_reports().where(report.c.id == report_id)).first() if 0 < report_id <= MAX_ID else None
    if row is None:
        raise NotFound(f"no report with id {report_id} (see `fazhi reports`)")
    return ReportRecord.from_row(row)


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """One version of a report with its text, as read for `fazhi show` and `fazhi diff`."""

    id: int
    version: int
    fetched_at: dt.datetime
    content_sha256: str
    extractor_version: str
    encoding: str | None
    replacement_chars: int
    text: str


def get_version(session: Reader, report_id: int, version: int | None = None) -> StoredVersion:
    """A report's version `version` (numbered from 1), or its current one when None."""
    if version is not None and version < 1:
        raise BadUsage(f"version numbers start at 1, not {version} (see `fazhi history {report_id}`)")
    v = report_version
    if version is None:
        found = v.c.id == report.c.current_version_id
    else:
        number = v.c.version == version if version <= MAX_ID else false()
        found = (v.c.report_id == report.c.id) & number
    # The report outer-joined to the version: no row is no report, a row without a version is no such version.
    stmt = (
        select(
            report.c.id.label("report_id"),
            v.c.id,
            v.c.version,
            v.c.fetched_at,
            v.c.content_sha256,
            v.c.extractor_version,
            v.c.encoding,
            v.c.replacement_chars,
            v.c.text,
        )
        .select_from(report.outerjoin(v, found))
        .where(report.c.id == report_id)
    )
    row = session.execute(stmt).first() if 0 < report_id <= MAX_ID else None
    if row is None:
        raise NotFound(f"no report with id {report_id} (see `fazhi reports`)")
    if row.id is None:
        if version is None:
            raise NotFound(f"report {report_id} has no text")
        raise NotFound(f"report {report_id} has no version {version} (see `fazhi history {report_id}`)")
    return StoredVersion(*row[1:])


@dataclass(frozen=True, slots=True)
class AttachmentRecord(Record):
    url: str
    filename: str
    media_type: str | None
    sha256: str | None
    text: str | None
    """The file's text; null when none could be read from it."""

    @classmethod
    def of(cls, a: Any) -> AttachmentRecord:
        """From an attachment row (or object)."""
        return cls(a.url, a.filename, a.media_type, a.sha256, a.text)


@dataclass(frozen=True, slots=True)
class SectionRecord(Record):
    heading: str
    start: int
    """Offset of the heading in the text the section is in (`sections_source`)."""
    end: int
    level: int
    covers: tuple[str, ...]
    """The required parts this section holds."""


@dataclass(frozen=True, slots=True)
class ReportDetail(ReportRecord):
    """One version of a report with its text, attachments and sections, as `fazhi show` prints it."""

    version: int
    fetched_at: dt.datetime
    content_sha256: str
    extractor_version: str
    encoding: str | None
    """How the page decoded."""
    replacement_chars: int
    """Bytes no codec could read (the raw bytes are kept)."""
    text: str
    attachments: tuple[AttachmentRecord, ...]
    sections: tuple[SectionRecord, ...]
    sections_source: str | None
    """Where the section offsets count: `text`, or the URL of the attachment the page only points to."""
    missing_sections: tuple[str, ...]
    """The required parts not found."""


def show_report(session: Reader, report_id: int, version: int | None = None) -> ReportDetail:
    # Imported here: `fazhi reports` and `diff` need no section outline.
    from archive.extract.sections import outline_report

    v = get_version(session, report_id, version)
    record = _load(session, report_id)
    attachments = session.execute(
        select(attachment.c.url, attachment.c.filename, attachment.c.media_type, attachment.c.sha256, attachment.c.text)
        .where(attachment.c.version_id == v.id)
        .order_by(attachment.c.position)
    ).all()
    found, source = outline_report(record.kind, record.year, v.text, [a.text for a in attachments])
    return ReportDetail(
        **{f.name: getattr(record, f.name) for f in fields(ReportRecord)},
        version=v.version,
        fetched_at=v.fetched_at,
        content_sha256=v.content_sha256,
        extractor_version=v.extractor_version,
        encoding=v.encoding,
        replacement_chars=v.replacement_chars,
        text=v.text,
        attachments=tuple(AttachmentRecord.of(a) for a in attachments),
        **outline_fields(found, source),
    )


def outline_fields(found: Outline, source: str | None) -> dict[str, Any]:
    """ReportDetail's `sections`, `sections_source` and `missing_sections` from an outline of its text."""
    return {
        "sections": tuple(SectionRecord(s.heading, s.start, s.end, s.level, tuple(s.covers)) for s in found.sections),
        "sections_source": source,
        "missing_sections": tuple(found.missing),
    }


@dataclass(frozen=True, slots=True)
class VersionRecord(Record):
    """One version as `fazhi history` lists it."""

    version: int
    fetched_at: dt.datetime
    content_sha256: str
    chars: int
    change: str
    """`new` (the first version) or `changed`."""
    extractor_version: str


def history(session: Reader, report_id: int, limit: int | None = None, offset: int = 0) -> Page[VersionRecord]:
    """A report's versions, oldest first."""
    _load(session, report_id)
    v = report_version
    stmt = (
        select(v.c.version, v.c.fetched_at, v.c.content_sha256, v.c.chars, v.c.change, v.c.extractor_version)
        .where(v.c.report_id == report_id)
        .order_by(v.c.version)
    )
    rows, total = paginate(session, stmt, limit, offset)
    return Page(tuple(VersionRecord(*row) for row in rows), total, limit, offset)
