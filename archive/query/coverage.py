"""Who published their annual report for which year, and when: one row per site and year against the due date.

The rule (《法治政府建设与责任落实督察工作规定》) wants each year's report published by 1 April of the next year.
Only `annual_report`s count: a department's report or a 人大 review says nothing about whether the government itself
reported. Read-only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from archive.clock import TIMEZONE
from archive.clock import today as today_in_beijing
from archive.query.reports import require_site
from archive.records import Record
from archive.store.tables import report
from archive.store.tables import site as site_table
from archive.vocab import READ_BY, Kind, unread
from archive.vocab import CoverageStatus as Status

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from archive.query.reports import Reader

COUNTED_KIND = Kind.ANNUAL_REPORT.value


@dataclass(frozen=True, slots=True)
class Completeness:
    required_sections: int  # how many of the five required parts the report has
    missing_sections: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CoverageRow(Record):
    """A row of `fazhi coverage` (with `--completeness`, its last two fields too)."""

    site_id: str
    region: str
    year: int
    status: Status
    report_id: int | None
    published_date: dt.date | None
    """The date the report counts as published (see `date_source`)."""
    due_date: dt.date
    date_source: str | None
    """`published_date` (the page's own date) or `first_seen` (no date on the page: the day it was first seen)."""
    required_sections: int | None = None
    """How many of the five required parts the report has (null without a report)."""
    missing_sections: tuple[str, ...] | None = None
    """The required parts it lacks (null without a report)."""

    def to_dict(self, completeness: bool = False) -> dict[str, Any]:
        """The JSON row; `completeness` keeps `required_sections` and `missing_sections`."""
        doc = self.to_json()
        if not completeness:
            del doc["required_sections"], doc["missing_sections"]
        return doc


def unread_sites(session: Reader, site_ids: Iterable[str]) -> dict[str, str]:
    """Of `site_ids`, those whose platform family fazhi cannot read the lists of yet, with the family: a `missing`
    there may be fazhi's miss, not the government's."""
    families = [f.value for f in READ_BY if unread(f.value)]
    wanted = set(site_ids)
    stmt = select(site_table.c.id, site_table.c.family).where(site_table.c.family.in_(families))
    return {site_id: family for site_id, family in session.execute(stmt) if site_id in wanted}


def due_date(year: int) -> dt.date:
    """The last day the report on `year` may appear: 1 April of the next year (Beijing dates)."""
    return dt.date(year + 1, 4, 1)


@dataclass(frozen=True, slots=True)
class _Candidate:
    report_id: int
    published: dt.date
    source: str


def coverage(
    session: Reader,
    year: int | None = None,
    site: str | None = None,
    today: dt.date | None = None,
    completeness: bool = False,
    region: str | None = None,
) -> list[CoverageRow]:
    """Rows by site, then year: from the earliest year any annual report covers to the year just ended.

    The year just ended always appears: before 1 April its unpublished reports are `pending`, from 2 April on
    `missing`. The current year does not (no report on it can exist yet). `year` asks for that year alone;
    `region`, the sites whose region holds it (广东省, 杭州市).
    Of several annual reports on one site and year (a joint report and the 司法局's), the one published first
    counts, the lower report id breaking a tie. `today` is a Beijing date; it is injectable for tests.
    """
    today = today or today_in_beijing()
    # Columns, not ORM objects: a national archive has tens of thousands of reports, and this reads them all.
    sites_stmt = select(site_table.c.id, site_table.c.region).order_by(site_table.c.id)
    if site:
        sites_stmt = sites_stmt.where(site_table.c.id == site)
    if site:
        require_site(session, site)
    if region:
        sites_stmt = sites_stmt.where(site_table.c.region.contains(region, autoescape=True))
    # Core rows: the ORM's row processing would cost more than the query here (and `fazhi coverage` runs on a
    # connection, never loading the ORM, unless it reads the texts for --completeness).
    conn = session if isinstance(session, Connection) else session.connection()
    sites = conn.execute(sites_stmt).all()

    reports_stmt = select(
        report.c.id, report.c.site_id, report.c.year, report.c.published_date, report.c.first_seen_at
    ).where(report.c.kind == COUNTED_KIND, report.c.year.is_not(None))
    if site:
        reports_stmt = reports_stmt.where(report.c.site_id == site)
    if region:
        reports_stmt = reports_stmt.where(report.c.site_id.in_(sites_stmt.with_only_columns(site_table.c.id)))
    best: dict[tuple[str, int], _Candidate] = {}
    for found in conn.execute(reports_stmt):
        candidate = _candidate(found.id, found.published_date, found.first_seen_at)
        key = (found.site_id, found.year)
        held = best.get(key)
        if held is None or (candidate.published, candidate.report_id) < (held.published, held.report_id):
            best[key] = candidate

    if year is not None:
        years = [year]
    else:
        last = today.year - 1
        # The earliest year of any site, so that one site's reports show the others' gaps.
        first = session.scalar(select(func.min(report.c.year)).where(report.c.kind == COUNTED_KIND))
        years = list(range(min(first or last, last), last + 1))

    outlines: dict[int, Completeness] = {}
    if completeness:
        if isinstance(session, Connection):
            raise TypeError("counting sections reads the texts through the ORM: pass a Session")
        outlines = _completeness(session, [c.report_id for c in best.values()])
    dues = {y: due_date(y) for y in years}
    unpublished = {y: Status.MISSING if today > due else Status.PENDING for y, due in dues.items()}
    rows = []
    for site_id, site_region in sites:
        for y in years:
            chosen = best.get((site_id, y))
            due = dues[y]
            if chosen is None:
                rows.append(CoverageRow(site_id, site_region, y, unpublished[y], None, None, due, None))
                continue
            status = Status.ON_TIME if chosen.published <= due else Status.LATE
            counted = _counted(outlines.get(chosen.report_id)) if completeness else (None, None)
            row = CoverageRow(
                site_id, site_region, y, status, chosen.report_id, chosen.published, due, chosen.source, *counted
            )
            rows.append(row)
    return rows


def _counted(found: Completeness | None) -> tuple[int | None, tuple[str, ...] | None]:
    return (found.required_sections, found.missing_sections) if found else (None, None)


def _candidate(report_id: int, published: dt.date | None, first_seen_at: dt.datetime) -> _Candidate:
    if published is not None:
        return _Candidate(report_id, published, "published_date")
    # No date on the page: the day the archive first saw it, in Beijing, is the latest it can have appeared.
    return _Candidate(report_id, first_seen_at.astimezone(TIMEZONE).date(), "first_seen")


def _completeness(session: Session, report_ids: list[int]) -> dict[int, Completeness]:
    """The required sections each report's latest version has."""
    # Imported here: reading the texts and their attachments needs the ORM and the extractor; counting does not.
    from archive.extract.sections import REQUIRED, outline_report
    from archive.store.models import Report, Version

    out: dict[int, Completeness] = {}
    if not report_ids:
        return out
    # Chunked so that a large archive stays within every backend's limit on bound parameters.
    for i in range(0, len(report_ids), 500):
        chunk = report_ids[i : i + 500]
        stmt = (
            select(Version, Report.year)
            .join(Report, Report.current_version_id == Version.id)
            .where(Report.id.in_(chunk))
        )
        for v, year in session.execute(stmt).all():
            found, _ = outline_report(COUNTED_KIND, year, v.text, [a.text for a in v.attachments])
            out[v.report_id] = Completeness(len(REQUIRED) - len(found.missing), found.missing)
    return out
