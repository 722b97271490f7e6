"""Repair what older archives recorded wrongly about identity, from the stored captures and the fetch log.

Older archives merged pages by their text alone (two "详见附件" pages with different attachments became one
report, whose history then flipped between the two texts), and made a new version when only a missing
attachment arrived. `fazhi reextract` runs this before re-deriving each report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from archive.store.derive import Derived, derive
from archive.store.ingest import build_version, identity, is_copy, read_capture, set_current
from archive.store.models import Attachment, Event, Fetch, Report, ReportURL, Version
from archive.store.raw import RawFile, RawPage


def stored_page(
    session: Session,
    report: Report,
    url: str,
    capture_sha256: str,
    fetched_at: dt.datetime,
    files: Iterable[Attachment] = (),
) -> RawPage:
    """The fetched page `capture_sha256` of `url` as a crawl handed it on, with `files` as its attachments."""
    content_type = session.scalars(
        select(Fetch.content_type).where(Fetch.capture_sha256 == capture_sha256).limit(1)
    ).first()
    raw_files = tuple(
        RawFile(url=a.url, filename=a.filename, status=200, body=read_capture(session, a.sha256))
        if a.sha256
        else RawFile(url=a.url, filename=a.filename, error=a.error)
        for a in files
    )
    return RawPage(
        site_id=report.site_id,
        url=url,
        status=200,
        body=read_capture(session, capture_sha256),
        fetched_at=fetched_at,
        content_type=content_type,
        list_title=report.title,
        list_date=report.published_date,
        files=raw_files,
    )


@dataclass(frozen=True, slots=True)
class RepairSummary:
    split: int  # reports split off a report they had been merged into
    folded: int  # versions folded into the one before them (no change, or only a late attachment)


def repair_report(session: Session, report: Report) -> RepairSummary:
    """Split false `same_text` aliases off `report` into reports of their own, then fold its history."""
    versions = _versions(session, report.id)
    served = _served_at(session, report.site_id, {v.capture_sha256 for v in versions})
    split: list[Report] = []
    aliases = session.scalars(
        select(ReportURL)
        .where(ReportURL.report_id == report.id, ReportURL.reason == "same_text")
        .order_by(ReportURL.id)
    ).all()
    for alias in aliases:
        theirs = [v for v in versions if _source(report, v, served) == alias.url]
        if _genuine(session, report, alias, versions, served):
            continue
        split.append(_split(session, report, alias, theirs))
        versions = [v for v in versions if v not in theirs]
    folded = sum(_fold(session, r) for r in [report, *split])
    if split:
        _follow_latest(session, report)
        report.etag = report.last_modified = None  # they may have been the other page's: fetch in full next time
    return RepairSummary(len(split), folded)


def _versions(session: Session, report_id: int) -> list[Version]:
    stmt = select(Version).where(Version.report_id == report_id).order_by(Version.version)
    return list(session.scalars(stmt.options(selectinload(Version.attachments))))


def _served_at(session: Session, site_id: str, captures: set[str]) -> dict[str, set[str]]:
    """For each page capture, the URLs that served it (the fetch log records every exchange)."""
    out: dict[str, set[str]] = {}
    rows = session.execute(
        select(Fetch.capture_sha256, Fetch.url).where(Fetch.site_id == site_id, Fetch.capture_sha256.in_(captures))
    )
    for capture, url in rows:
        if capture is not None:
            out.setdefault(capture, set()).add(url)
    return out


def _source(report: Report, version: Version, served: dict[str, set[str]]) -> str:
    """The URL whose page gave this version: the report's own when it served that capture (or none is known)."""
    urls = served.get(version.capture_sha256, set())
    return report.url if report.url in urls or not urls else min(urls)


def _first_fetch(session: Session, site_id: str, url: str) -> Fetch | None:
    return session.scalars(
        select(Fetch)
        .where(Fetch.site_id == site_id, Fetch.url == url, Fetch.status == 200, Fetch.capture_sha256.is_not(None))
        .order_by(Fetch.fetched_at, Fetch.id)
        .limit(1)
    ).first()


def _genuine(
    session: Session,
    report: Report,
    alias: ReportURL,
    versions: list[Version],
    served: dict[str, set[str]],
) -> bool:
    """Would the current rule have made this alias? Its first page, as it was when aliased, against the report's
    own page of that time; a later correction at the alias (a moved page) does not undo a true alias."""
    first = _first_fetch(session, report.site_id, alias.url)
    own = [v for v in versions if _source(report, v, served) == report.url]
    if first is None or first.capture_sha256 is None or not own:
        return True  # nothing to judge by: leave it as it is
    then = [v for v in own if v.fetched_at <= alias.first_seen_at] or own
    mine = then[-1]
    d_own = derive(stored_page(session, report, report.url, mine.capture_sha256, mine.fetched_at, mine.attachments))
    files = _files_for(first.capture_sha256, versions)
    d_alias = derive(stored_page(session, report, alias.url, first.capture_sha256, first.fetched_at, files))
    return is_copy(identity(d_alias, _hashes(files)), identity(d_own, _hashes(mine.attachments)))


def _files_for(capture_sha256: str, versions: list[Version]) -> list[Attachment]:
    """The attachments fetched with this page capture: those of a version made from it, else the files the
    report holds at the same URLs (a link to the same file); unknown ones count as missing."""
    made = [v for v in versions if v.capture_sha256 == capture_sha256 and all(a.sha256 for a in v.attachments)]
    if made:
        return list(made[-1].attachments)
    known: dict[str, Attachment] = {a.url: a for v in versions for a in v.attachments if a.sha256}
    return list(known.values())


def _hashes(files: Iterable[Attachment]) -> dict[str, str | None]:
    return {a.url: a.sha256 for a in files}


def _split(session: Session, report: Report, alias: ReportURL, theirs: list[Version]) -> Report:
    """Make the alias a report of its own, taking the versions its page gave."""
    latest_fetch = session.scalars(
        select(Fetch)
        .where(Fetch.site_id == report.site_id, Fetch.url == alias.url, Fetch.capture_sha256.is_not(None))
        .order_by(Fetch.fetched_at.desc(), Fetch.id.desc())
        .limit(1)
    ).first()
    other = Report(
        site_id=report.site_id,
        url=alias.url,
        title=report.title,
        kind=report.kind,
        year=report.year,
        publisher=report.publisher,
        published_date=report.published_date,
        first_seen_at=alias.first_seen_at,
        last_changed_at=alias.first_seen_at,
        last_checked_at=latest_fetch.fetched_at if latest_fetch else alias.first_seen_at,
    )
    session.delete(alias)
    session.add(other)
    session.flush()
    _drop_pending_changes(session, report.id, {v.version for v in theirs})
    if theirs:
        for v in theirs:
            v.report_id = other.id
        latest = theirs[-1]
        set_current(other, latest)  # the report they left is pointed again when its history is folded
        page = stored_page(session, other, other.url, latest.capture_sha256, latest.fetched_at, latest.attachments)
        d = derive(page)
    elif latest_fetch is not None and latest_fetch.capture_sha256 is not None:
        # Its page never made a version of its own: make its first from the capture it gave. Its attachments
        # were never recorded as its own, so they count as missing and the next crawl fetches them.
        page = stored_page(session, other, other.url, latest_fetch.capture_sha256, latest_fetch.fetched_at)
        d = derive(page)
        first = build_version(other.id, 1, "new", page.fetched_at, latest_fetch.capture_sha256, d, {})
        session.add(first)
        set_current(other, first)
    else:
        return other
    _set_metadata(other, d)
    session.flush()
    return other


def _set_metadata(report: Report, d: Derived) -> None:
    report.title = d.title or report.title
    report.year = d.year or report.year
    report.publisher = d.publisher or report.publisher
    report.published_date = d.published_date or report.published_date
    if d.kind is not None:
        report.kind = d.kind


def _follow_latest(session: Session, report: Report) -> None:
    """Metadata from the report's own latest version (the other page's text may have overwritten it)."""
    versions = _versions(session, report.id)
    if versions:
        v = versions[-1]
        page = stored_page(session, report, report.url, v.capture_sha256, v.fetched_at, v.attachments)
        _set_metadata(report, derive(page))


def _drop_pending_changes(session: Session, report_id: int, numbers: set[int]) -> None:
    """Undelivered 报告更新 alerts for versions that were no change of this report are not sent."""
    if not numbers:
        return
    for event in session.scalars(
        select(Event).where(
            Event.report_id == report_id,
            Event.kind == "changed",
            Event.delivered_at.is_(None),
            Event.version.in_(numbers),
        )
    ):
        session.delete(event)


def _completed_by(earlier: Version, later: Version) -> bool:
    """`later` is `earlier` with a missing attachment now fetched: same page capture, same other files."""
    before = [(a.url, a.sha256) for a in earlier.attachments]
    after = [(a.url, a.sha256) for a in later.attachments]
    if earlier.capture_sha256 != later.capture_sha256 or [u for u, _ in before] != [u for u, _ in after]:
        return False
    if any(had is not None and had != now for (_, had), (_, now) in zip(before, after, strict=True)):
        return False
    return any(had is None and now is not None for (_, had), (_, now) in zip(before, after, strict=True))


def _fill(version: Version, source: Version) -> None:
    """Complete `version` with what `source` derived (see store.complete_version for why in place)."""
    version.content_sha256, version.title, version.text = source.content_sha256, source.title, source.text
    version.chars, version.extractor_version = source.chars, source.extractor_version
    version.encoding, version.replacement_chars = source.encoding, source.replacement_chars
    for row, new in zip(version.attachments, source.attachments, strict=True):
        row.sha256, row.media_type, row.text, row.error = new.sha256, new.media_type, new.text, new.error


def _fold(session: Session, report: Report) -> int:
    """Drop versions that changed nothing against the one kept before them, complete versions whose attachment
    arrived later, and number the rest 1..n again. Returns how many versions were folded away."""
    versions = _versions(session, report.id)
    kept: list[Version] = []
    dropped: list[Version] = []
    for v in versions:
        if kept and _completed_by(kept[-1], v):
            _fill(kept[-1], v)
            dropped.append(v)
        elif kept and kept[-1].content_sha256 == v.content_sha256:
            dropped.append(v)
        else:
            kept.append(v)
    # Before any row goes: the pointer must never name a deleted version (and versions may have moved away).
    set_current(report, kept[-1] if kept else None)
    session.flush()
    renumbered = {v.version: n for n, v in enumerate(kept, start=1) if v.version != n}
    if not dropped and not renumbered:
        return 0
    _drop_pending_changes(session, report.id, {v.version for v in dropped})
    for v in dropped:
        session.delete(v)
    session.flush()
    for v in kept:  # through negative numbers, so no two rows ever share one on the way
        v.version = -v.version
    session.flush()
    for n, v in enumerate(kept, start=1):
        v.version, v.change = n, "new" if n == 1 else "changed"
    pending = select(Event).where(Event.report_id == report.id, Event.delivered_at.is_(None))
    for event in session.scalars(pending.where(Event.version.in_(list(renumbered)))):
        event.version = renumbered[event.version] if event.version is not None else None
    session.flush()
    return len(dropped)
