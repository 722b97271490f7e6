"""Re-derive every report's text from its stored raw capture with the current extractor, without crawling.

A new version is made only where the text now differs; no alert is sent, since the site did not change.
First each report is repaired where an older archive got its identity wrong (see archive.store.unmerge).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from archive.store.derive import derive
from archive.store.ingest import build_version, latest_version, set_current
from archive.store.models import Report
from archive.store.postings import optimize
from archive.store.unmerge import repair_report, stored_page


@dataclass(frozen=True, slots=True)
class ReextractSummary:
    checked: int
    changed: int
    failed: tuple[str, ...]
    split: int = 0  # reports an older archive had merged by their text alone, now separate again
    folded: int = 0  # versions that were no change of their report (see archive.store.unmerge)


def reextract_report(session: Session, report: Report) -> bool:
    """Re-derive one report; True when that made a new version."""
    current = latest_version(session, report.id)
    if current is None:
        return False
    d = derive(
        stored_page(session, report, report.url, current.capture_sha256, current.fetched_at, current.attachments)
    )
    if d.content_sha256 == current.content_sha256:
        return False
    old_files = {a.url: a.sha256 for a in current.attachments}
    # The bytes are those fetched then: same capture and fetch time, new derived text.
    version = build_version(
        report.id, current.version + 1, "changed", current.fetched_at, current.capture_sha256, d, old_files
    )
    # Derived from the same bytes, so it points at the same exchanges.
    version.exchange_id = current.exchange_id
    exchanges = {a.url: a.exchange_id for a in current.attachments}
    for attachment in version.attachments:
        attachment.exchange_id = exchanges.get(attachment.url)
    session.add(version)
    set_current(report, version)
    report.title = d.title or report.title
    report.year = d.year or report.year
    if d.kind is not None:
        report.kind = d.kind
    return True


def reextract(sessions: sessionmaker[Session], site_id: str | None = None) -> ReextractSummary:
    """One transaction per report, so a failure on one keeps the rest."""
    with sessions() as session:
        stmt = select(Report.id).order_by(Report.id)
        if site_id:
            stmt = stmt.where(Report.site_id == site_id)
        ids = list(session.scalars(stmt))
    changed = split = folded = 0
    failed: list[str] = []
    for report_id in ids:
        try:
            with sessions.begin() as session:
                report = session.get(Report, report_id)
                if report is None:
                    continue
                repaired = repair_report(session, report)
                if reextract_report(session, report):
                    changed += 1
                split, folded = split + repaired.split, folded + repaired.folded
        except Exception as exc:  # one bad capture must not stop the others; it is reported
            failed.append(f"report {report_id}: {type(exc).__name__}: {exc}")
    engine = sessions.kw["bind"]
    optimize(engine)  # the texts written again go into the search index's segments
    return ReextractSummary(len(ids), changed, tuple(failed), split, folded)
