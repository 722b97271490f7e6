"""Read-only questions to the archive, answered in the JSON shapes of the user contract."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Subquery, func, select
from sqlalchemy.orm import Session

from archive.errors import BadUsage, NotFound
from archive.extract.sections import Outline, outline_report
from archive.models import Report, Site, Version

# Ids and version numbers are 64-bit integers in the database; a larger number names nothing (and would overflow).
_MAX_ID = 2**63 - 1


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _report_dict(report: Report, site: Site, version_count: int) -> dict[str, Any]:
    return {
        "id": report.id,
        "site_id": report.site_id,
        "region": site.region,
        "publisher": report.publisher or site.name,
        "title": report.title,
        "kind": report.kind,
        "year": report.year,
        "published_date": report.published_date.isoformat() if report.published_date else None,
        "url": report.url,
        "status": report.status,
        "version_count": version_count,
        "first_seen_at": _iso(report.first_seen_at),
        "last_changed_at": _iso(report.last_changed_at),
    }


def _versions_count() -> Subquery:
    return select(Version.report_id, func.count().label("n")).group_by(Version.report_id).subquery("vc")


def list_reports(
    session: Session,
    site: str | None = None,
    year: int | None = None,
    kind: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    vc = _versions_count()
    stmt = (
        select(Report, Site, func.coalesce(vc.c.n, 0))
        .join(Site, Site.id == Report.site_id)
        .outerjoin(vc, vc.c.report_id == Report.id)
        .order_by(Report.site_id, Report.year.desc(), Report.id)
    )
    if site:
        stmt = stmt.where(Report.site_id == site)
    if year:
        stmt = stmt.where(Report.year == year)
    if kind:
        stmt = stmt.where(Report.kind == kind)
    if status:
        stmt = stmt.where(Report.status == status)
    return [_report_dict(r, s, n) for r, s, n in session.execute(stmt).all()]


def _load(session: Session, report_id: int) -> tuple[Report, Site]:
    report = session.get(Report, report_id) if 0 < report_id <= _MAX_ID else None
    if report is None:
        raise NotFound(f"no report with id {report_id} (see `fazhi reports`)")
    site = session.get(Site, report.site_id)
    assert site is not None
    return report, site


def get_version(session: Session, report_id: int, version: int | None = None) -> Version:
    """A report's version `version` (numbered from 1), or its latest when None."""
    if version is not None and version < 1:
        raise BadUsage(f"version numbers start at 1, not {version} (see `fazhi history {report_id}`)")
    _load(session, report_id)
    stmt = select(Version).where(Version.report_id == report_id)
    if version is None:
        latest = session.scalars(stmt.order_by(Version.version.desc()).limit(1)).first()
        if latest is None:
            raise NotFound(f"report {report_id} has no text")
        return latest
    found = session.scalars(stmt.where(Version.version == version)).first() if version <= _MAX_ID else None
    if found is None:
        raise NotFound(f"report {report_id} has no version {version} (see `fazhi history {report_id}`)")
    return found


def show_report(session: Session, report_id: int, version: int | None = None) -> dict[str, Any]:
    v = get_version(session, report_id, version)
    report, site = _load(session, report_id)
    count = session.scalar(select(func.count()).where(Version.report_id == report_id)) or 0
    found, source = outline_report(report.kind, report.year, v.text, [a.text for a in v.attachments])
    return {
        **_report_dict(report, site, count),
        "version": v.version,
        "fetched_at": _iso(v.fetched_at),
        "content_sha256": v.content_sha256,
        "extractor_version": v.extractor_version,
        # How the page decoded; replacement characters > 0 flag bytes no codec could read (raw bytes are kept).
        "encoding": v.encoding,
        "replacement_chars": v.replacement_chars,
        "text": v.text,
        "attachments": [
            {
                "url": a.url,
                "filename": a.filename,
                "media_type": a.media_type,
                "sha256": a.sha256,
                "text": a.text,
            }
            for a in v.attachments
        ],
        **outline_dict(found, source),
    }


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


def history(session: Session, report_id: int) -> list[dict[str, Any]]:
    _load(session, report_id)
    versions = session.scalars(select(Version).where(Version.report_id == report_id).order_by(Version.version))
    return [
        {
            "version": v.version,
            "fetched_at": _iso(v.fetched_at),
            "content_sha256": v.content_sha256,
            "chars": v.chars,
            "change": v.change,
            "extractor_version": v.extractor_version,
        }
        for v in versions
    ]
