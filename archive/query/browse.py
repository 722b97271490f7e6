"""Read-only questions a browser asks beside the CLI's: what to offer in filters, and what appeared or changed lately.

The web layer's feeds and forms read these; the listings themselves come from archive.query.reports like the CLI's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.diff import summarize
from archive.query.reports import require_site
from archive.store.models import Report, Site, Version

SUMMARY_CHARS = 200


@dataclass(frozen=True, slots=True)
class SiteChoice:
    id: str
    name: str
    region: str


@dataclass(frozen=True, slots=True)
class Facets:
    """The values the report filters can take in this archive."""

    sites: tuple[SiteChoice, ...]
    years: tuple[int, ...]  # newest first


def facets(session: Session) -> Facets:
    sites = tuple(SiteChoice(s.id, s.name, s.region) for s in session.scalars(select(Site).order_by(Site.id)))
    stmt = select(Report.year).where(Report.year.is_not(None)).distinct().order_by(Report.year.desc())
    years = tuple(y for y in session.scalars(stmt) if y is not None)
    return Facets(sites, years)


@dataclass(frozen=True, slots=True)
class Change:
    """A version as a feed entry: a report first seen (`new`) or its text changed (`changed`)."""

    report_id: int
    site_id: str
    site_name: str
    url: str
    title: str
    publisher: str
    kind: str
    year: int | None
    version: int
    change: str
    fetched_at: dt.datetime
    summary: str  # the opening of a new report, or what changed in an updated one


def recent_changes(session: Session, site: str | None = None, limit: int = 50) -> list[Change]:
    """The newest versions, newest first; `site` names one site (NotFound when the archive has no such site)."""
    if site is not None:
        require_site(session, site)
    stmt = (
        select(Version, Report, Site)
        .join(Report, Report.id == Version.report_id)
        .join(Site, Site.id == Report.site_id)
        .order_by(Version.fetched_at.desc(), Version.id.desc())
        .limit(limit)
    )
    if site is not None:
        stmt = stmt.where(Report.site_id == site)
    out = []
    for v, r, s in session.execute(stmt).all():
        out.append(
            Change(
                r.id,
                r.site_id,
                s.name,
                r.url,
                v.title or r.title,
                r.publisher or s.name,
                r.kind,
                r.year,
                v.version,
                v.change,
                v.fetched_at,
                _summary(session, v),
            )
        )
    return out


def _summary(session: Session, v: Version) -> str:
    if v.version > 1:
        before = session.scalar(
            select(Version.text).where(Version.report_id == v.report_id, Version.version == v.version - 1)
        )
        if before is not None:
            return f"第{v.version}版: {summarize(before, v.text)}"
    opening = " ".join(line.strip() for line in v.text.split("\n") if line.strip())
    return opening if len(opening) <= SUMMARY_CHARS else opening[: SUMMARY_CHARS - 1] + "…"
