"""Read-only questions to the archive, answered in the JSON shapes of the user contract."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.errors import BadUsage, NotFound
from archive.extract.sections import Outline, outline_report
from archive.models import Attachment, Report, Site, Version
from archive.paging import Page, paginate

# Ids and version numbers are 64-bit integers in the database; a larger number names nothing (and would overflow).
_MAX_ID = 2**63 - 1


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """A report as `fazhi reports` lists it."""

    id: int
    site_id: str
    region: str
    publisher: str
    title: str
    kind: str
    year: int | None
    published_date: dt.date | None
    url: str
    status: str
    version_count: int
    first_seen_at: dt.datetime
    last_changed_at: dt.datetime

    @classmethod
    def of(cls, report: Report, site: Site, version_count: int) -> ReportRecord:
        return cls(
            report.id,
            report.site_id,
            site.region,
            report.publisher or site.name,
            report.title,
            report.kind,
            report.year,
            report.published_date,
            report.url,
            report.status,
            version_count,
            report.first_seen_at,
            report.last_changed_at,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "site_id": self.site_id,
            "region": self.region,
            "publisher": self.publisher,
            "title": self.title,
            "kind": self.kind,
            "year": self.year,
            "published_date": self.published_date.isoformat() if self.published_date else None,
            "url": self.url,
            "status": self.status,
            "version_count": self.version_count,
            "first_seen_at": _iso(self.first_seen_at),
            "last_changed_at": _iso(self.last_changed_at),
        }


def _report_dict(report: Report, site: Site, version_count: int) -> dict[str, Any]:
    return ReportRecord.of(report, site, version_count).to_json()


# How a listing of reports can be sorted: each key's columns, with True for those that run newest first.
# `-key` reverses every column; the report id comes last so that pages never overlap.
REPORT_ORDERS: dict[str, tuple[tuple[Any, bool], ...]] = {
    "site": ((Report.site_id, False), (Report.year, True)),
    "year": ((Report.year, False), (Report.site_id, False)),
    "published": ((Report.published_date, False), (Report.site_id, False)),
    "changed": ((Report.last_changed_at, False), (Report.site_id, False)),
    "title": ((Report.title, False), (Report.site_id, False)),
}


def _report_order(order: str | None) -> list[Any]:
    if order is None:
        return [Report.site_id, Report.year.desc(), Report.id]  # the CLI's order, as it always was
    key = order
    reverse = key.startswith("-")
    columns = REPORT_ORDERS.get(key.removeprefix("-"))
    if columns is None:
        choices = ", ".join(REPORT_ORDERS)
        raise BadUsage(f"cannot sort reports by {key!r}: choose one of {choices} (a leading - reverses)")
    # Unknown years and dates go last either way: SQLite and PostgreSQL disagree on where NULLs sort by default.
    out = [(col.desc() if desc != reverse else col.asc()).nulls_last() for col, desc in columns]
    return [*out, Report.id.desc() if reverse else Report.id]


def list_reports(
    session: Session,
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
    # Versions are numbered 1..n, so the current version's number is the report's version count.
    stmt = (
        select(Report, Site, func.coalesce(Version.version, 0))
        .join(Site, Site.id == Report.site_id)
        .outerjoin(Version, Version.id == Report.current_version_id)
        .order_by(*_report_order(order))
    )
    if site:
        stmt = stmt.where(Report.site_id == site)
    if region:
        stmt = stmt.where(Site.region.contains(region, autoescape=True))
    if year:
        stmt = stmt.where(Report.year == year)
    if kind:
        stmt = stmt.where(Report.kind == kind)
    if status:
        stmt = stmt.where(Report.status == status)
    if since is not None:
        stmt = stmt.where(Report.last_changed_at >= since)
    rows, total = paginate(session, stmt, limit, offset)
    return Page(tuple(ReportRecord.of(r, s, n) for r, s, n in rows), total, limit, offset)


def _load(session: Session, report_id: int) -> tuple[Report, Site]:
    report = session.get(Report, report_id) if 0 < report_id <= _MAX_ID else None
    if report is None:
        raise NotFound(f"no report with id {report_id} (see `fazhi reports`)")
    site = session.get(Site, report.site_id)
    assert site is not None
    return report, site


def get_version(session: Session, report_id: int, version: int | None = None) -> Version:
    """A report's version `version` (numbered from 1), or its current one when None."""
    if version is not None and version < 1:
        raise BadUsage(f"version numbers start at 1, not {version} (see `fazhi history {report_id}`)")
    report, _ = _load(session, report_id)
    if version is None:
        if report.current_version is None:
            raise NotFound(f"report {report_id} has no text")
        return report.current_version
    stmt = select(Version).where(Version.report_id == report_id)
    found = session.scalars(stmt.where(Version.version == version)).first() if version <= _MAX_ID else None
    if found is None:
        raise NotFound(f"report {report_id} has no version {version} (see `fazhi history {report_id}`)")
    return found


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    url: str
    filename: str
    media_type: str | None
    sha256: str | None
    text: str | None

    @classmethod
    def of(cls, a: Attachment) -> AttachmentRecord:
        return cls(a.url, a.filename, a.media_type, a.sha256, a.text)

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "filename": self.filename,
            "media_type": self.media_type,
            "sha256": self.sha256,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class ReportDetail:
    """One version of a report with its text, attachments and sections, as `fazhi show` prints it."""

    report: ReportRecord
    version: int
    fetched_at: dt.datetime
    content_sha256: str
    extractor_version: str
    encoding: str | None
    replacement_chars: int
    text: str
    attachments: tuple[AttachmentRecord, ...]
    outline: Outline
    sections_source: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            **self.report.to_json(),
            "version": self.version,
            "fetched_at": _iso(self.fetched_at),
            "content_sha256": self.content_sha256,
            "extractor_version": self.extractor_version,
            # How the page decoded; replacement characters > 0 flag bytes no codec could read (raw bytes are kept).
            "encoding": self.encoding,
            "replacement_chars": self.replacement_chars,
            "text": self.text,
            "attachments": [a.to_json() for a in self.attachments],
            **outline_dict(self.outline, self.sections_source),
        }


def show_report(session: Session, report_id: int, version: int | None = None) -> ReportDetail:
    v = get_version(session, report_id, version)
    report, site = _load(session, report_id)
    count = report.current_version.version if report.current_version is not None else 0
    found, source = outline_report(report.kind, report.year, v.text, [a.text for a in v.attachments])
    return ReportDetail(
        ReportRecord.of(report, site, count),
        v.version,
        v.fetched_at,
        v.content_sha256,
        v.extractor_version,
        v.encoding,
        v.replacement_chars,
        v.text,
        tuple(AttachmentRecord.of(a) for a in v.attachments),
        found,
        source,
    )


def outline_dict(found: Outline, source: str | None) -> dict[str, Any]:
    """`sections` ({heading, start, end, level, covers}), where they are (`sections_source`), `missing_sections`."""
    return {
        "sections": [
            {"heading": s.heading, "start": s.start, "end": s.end, "level": s.level, "covers": list(s.covers)}
            for s in found.sections
        ],
        # Offsets count characters of `text`, or of that attachment's text when the page only points to its file.
        "sections_source": source,
        "missing_sections": list(found.missing),
    }


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """One version as `fazhi history` lists it."""

    version: int
    fetched_at: dt.datetime
    content_sha256: str
    chars: int
    change: str
    extractor_version: str

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "fetched_at": _iso(self.fetched_at),
            "content_sha256": self.content_sha256,
            "chars": self.chars,
            "change": self.change,
            "extractor_version": self.extractor_version,
        }


def history(session: Session, report_id: int, limit: int | None = None, offset: int = 0) -> Page[VersionRecord]:
    """A report's versions, oldest first."""
    _load(session, report_id)
    stmt = select(Version).where(Version.report_id == report_id).order_by(Version.version)
    rows, total = paginate(session, stmt, limit, offset)
    items = tuple(
        VersionRecord(v.version, v.fetched_at, v.content_sha256, v.chars, v.change, v.extractor_version)
        for (v,) in rows
    )
    return Page(items, total, limit, offset)
