"""Ingest fetched pages into the archive: captures stored once, a new version only when the text changes.

Every function here works inside a session the caller owns and commits: one page, one transaction.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import and_, bindparam, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from archive.registry.sites import Site as RegistrySite
from archive.store import events
from archive.store.derive import Derived, derive
from archive.store.models import Attachment, Capture, Fetch, Report, ReportURL, Site, Version, utcnow
from archive.store.raw import RawPage


class Outcome(enum.StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"  # fetched, but not a report (a plan, notice, news …)


# zlib level of stored captures. Level 1 takes about half the time of level 6 on report pages and keeps a few
# percent more bytes (bench/RESULTS.md, "Crawl throughput"); any level reads back the same.
CAPTURE_ZLIB_LEVEL = 1
_STORED = "fazhi_stored_captures"
# Which exchange brought the bytes with this SHA-256: the page's (url None) or the file's at url.
ExchangeFor = Callable[[str | None, str], int | None]

# The statements every page runs are built once, with parameters: building and keying a new statement object for
# each call cost more CPU than SQLite spends running it.
_CAPTURE_KEY = select(Capture.sha256).where(Capture.sha256 == bindparam("sha256"))
_CAPTURE_INSERT = {
    "postgresql": pg_insert(Capture).on_conflict_do_nothing(),
    "sqlite": sqlite_insert(Capture).on_conflict_do_nothing(),
}
# A report by its own URL or by one it was also found at: one statement (each side of the OR an index search).
_REPORT_AT = select(Report).where(
    or_(
        and_(Report.site_id == bindparam("site_id"), Report.url == bindparam("url")),
        Report.id.in_(
            select(ReportURL.report_id).where(
                ReportURL.site_id == bindparam("site_id"), ReportURL.url == bindparam("url")
            )
        ),
    )
)
_SAME_TEXT = (
    select(Report, Version)
    .join(Version, Version.id == Report.current_version_id)
    .where(
        Version.content_sha256 == bindparam("content_sha256"),
        Report.site_id == bindparam("site_id"),
        Report.status == "active",
    )
)
_FETCH_INSERT = insert(Fetch)


@dataclass(frozen=True, slots=True)
class IngestResult:
    outcome: Outcome
    report_id: int | None = None
    version: int | None = None
    reason: str = ""


def canonical_url(url: str) -> str:
    """The identity form of a URL: lower-case scheme and host, no fragment, default ports dropped."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", parts.query, ""))


def put_capture(session: Session, body: bytes) -> str:
    """Store `body` once under its SHA-256 (compressed); return the hash. Safe against a concurrent writer."""
    sha = hashlib.sha256(body).hexdigest()
    stored = _stored_in_transaction(session)
    if sha in stored:  # a page's body is also its exchange's: looked up once a transaction
        return sha
    # Only the key is read: a stored attachment's body can be megabytes, and it is not needed here. Captures are
    # never ORM objects in a session, so the statements go to the connection, past the unit of work.
    conn = session.connection()
    if conn.scalar(_CAPTURE_KEY, {"sha256": sha}) is None:
        values = {
            "sha256": sha,
            "size": len(body),
            "compression": "zlib",
            "body": zlib.compress(body, CAPTURE_ZLIB_LEVEL),
            "created_at": utcnow(),
        }
        if (statement := _CAPTURE_INSERT.get(conn.dialect.name)) is not None:
            conn.execute(statement, values)
        else:
            session.add(Capture(**values))
            session.flush()
    stored.add(sha)
    return sha


def _stored_in_transaction(session: Session) -> set[str]:
    """The captures this session's current transaction has stored or found (none inside a savepoint, which could
    roll back what it stored while the transaction goes on)."""
    transaction = session.get_transaction()
    if transaction is None or session.in_nested_transaction():
        return set()
    held = session.info.get(_STORED)
    if held is None or held[0] is not transaction:
        # The transaction object is kept with its set, so a later transaction can never be mistaken for it.
        held = session.info[_STORED] = (transaction, set())
    return held[1]


def read_capture(session: Session, sha256: str) -> bytes:
    cap = session.get(Capture, sha256)
    if cap is None:
        raise KeyError(f"no capture {sha256}")
    return zlib.decompress(cap.body) if cap.compression == "zlib" else cap.body


def sync_site(session: Session, entry: RegistrySite) -> Site:
    """Create or refresh the site's row from its registry entry (the registry is the source of truth)."""
    site = session.get(Site, entry.id)
    if site is None:
        site = Site(id=entry.id)
        session.add(site)
    site.name, site.region, site.platform, site.division_code, site.family = (
        entry.name,
        entry.region,
        entry.platform,
        entry.division_code,
        entry.family,
    )
    session.flush()
    return site


def find_report(session: Session, site_id: str, url: str) -> Report | None:
    """The report at `url`: its own URL, or one it was also found at (moved, or posted in two columns)."""
    url = canonical_url(url)
    found = session.scalars(_REPORT_AT, {"site_id": site_id, "url": url}).all()
    if len(found) > 1:  # its own URL wins over an alias
        return next(r for r in found if r.site_id == site_id and r.url == url)
    return found[0] if found else None


@dataclass(frozen=True, slots=True)
class Identity:
    """What decides whether two pages are one report: text, attachment bytes, title and year."""

    content_sha256: str
    files: tuple[str, ...] | None  # SHA-256 of each attachment's bytes, sorted; None when one is missing
    title: str  # without whitespace
    year: int | None
    pointer: bool  # the page only points at its attachment(s)


def identity(d: Derived, file_hashes: dict[str, str | None]) -> Identity:
    hashes = [file_hashes.get(a.url) for a in d.attachments]
    files = None if any(h is None for h in hashes) else tuple(sorted(h for h in hashes if h))
    return Identity(d.content_sha256, files, "".join(d.title.split()), d.year, d.pointer)


def is_copy(a: Identity, b: Identity) -> bool:
    """True when two pages really hold one report (a moved page, or a second column posting it).

    Equal text alone is not enough: many pages read only "详见附件" and differ in their attachment. A copy has
    the same content hash (page and attachment texts), the same attachment bytes, title and year; a pointer
    page is a copy only by its attachment bytes, and never when an attachment is missing or it has none.
    """
    if a.files is None or b.files is None or ((a.pointer or b.pointer) and not a.files):
        return False
    return (a.content_sha256, a.files, a.title, a.year) == (b.content_sha256, b.files, b.title, b.year)


def _twin(session: Session, site_id: str, d: Derived, file_hashes: dict[str, str | None]) -> Report | None:
    """An active report of the site that this page is a copy of (see is_copy), found through the hash index."""
    mine = identity(d, file_hashes)
    if mine.files is None:
        return None
    candidates = session.execute(_SAME_TEXT, {"content_sha256": d.content_sha256, "site_id": site_id}).all()
    for report, version in candidates:
        hashes = [a.sha256 for a in version.attachments]
        files = None if any(h is None for h in hashes) else tuple(sorted(h for h in hashes if h))
        theirs = Identity(version.content_sha256, files, "".join(version.title.split()), report.year, False)
        if is_copy(mine, theirs):
            return report
    return None


def _add_alias(session: Session, report: Report, url: str, reason: str, at: dt.datetime) -> None:
    url = canonical_url(url)
    if url != report.url and find_report(session, report.site_id, url) is None:
        session.add(ReportURL(report_id=report.id, site_id=report.site_id, url=url, reason=reason, first_seen_at=at))


def _republished_at(session: Session, report: Report) -> str | None:
    """The URL where another site republished the report, if the archive holds one."""
    return session.scalars(
        select(ReportURL.url).where(ReportURL.report_id == report.id, ReportURL.reason == "republished")
    ).first()


def latest_version(session: Session, report_id: int) -> Version | None:
    """The report's current version (`Report.current_version_id`); None for an unknown report or one without text."""
    report = session.get(Report, report_id)
    return report.current_version if report is not None else None


def set_current(report: Report, version: Version | None) -> None:
    """Point `report` at `version`, its highest-numbered version: every writer of versions calls this."""
    report.current_version = version


def record_fetch(
    session: Session,
    page: RawPage,
    capture_sha256: str | None,
    crawl_run_id: int | None,
) -> None:
    # A row nothing reads back in the transaction: inserted on the connection, past the unit of work.
    session.connection().execute(
        _FETCH_INSERT,
        {
            "crawl_run_id": crawl_run_id,
            "site_id": page.site_id,
            "url": canonical_url(page.url),
            "final_url": page.final_url,
            "status": page.status,
            "fetched_at": page.fetched_at,
            "content_type": page.content_type,
            "capture_sha256": capture_sha256,
        },
    )


def ingest(
    session: Session,
    page: RawPage,
    crawl_run_id: int | None = None,
    derived: Derived | None = None,
    exchange_for: ExchangeFor | None = None,
) -> IngestResult:
    """Archive one fetched report page (status 200) with its attachments; a new version's rows name the exchanges
    that brought their bytes (`exchange_for`) as they are inserted."""
    sha = put_capture(session, page.body)
    record_fetch(session, page, sha, crawl_run_id)
    file_hashes: dict[str, str | None] = {f.url: put_capture(session, f.body) for f in page.files if f.body is not None}
    d = derived or derive(page)
    report = find_report(session, page.site_id, page.url)
    if d.kind is None and report is None:
        return IngestResult(Outcome.SKIPPED, reason=d.reason)
    if report is None and (twin := _twin(session, page.site_id, d, file_hashes)) is not None:
        # A copy at a new URL (see is_copy): the page moved, or a second column posts it. One report, two URLs.
        if page.republished_by is None and _republished_at(session, twin) == twin.url:
            # The report was first met where a city republished it; its own government's page is its URL.
            twin.url = canonical_url(page.url)
        else:
            _add_alias(session, twin, page.url, "republished" if page.republished_by else "same_text", page.fetched_at)
        twin.last_checked_at = page.fetched_at
        return IngestResult(Outcome.UNCHANGED, twin.id, None, reason=f"same text as report {twin.id}")

    if report is None:
        report = Report(
            site_id=page.site_id,
            url=canonical_url(page.url),
            title=d.title,
            kind=d.kind or "related",
            year=d.year,
            publisher=d.publisher,
            published_date=d.published_date,
            first_seen_at=page.fetched_at,
            last_changed_at=page.fetched_at,
            last_checked_at=page.fetched_at,
            # Given here, they go with the INSERT; set below, they would cost an UPDATE of the row just made.
            etag=page.etag,
            last_modified=page.last_modified,
        )
        session.add(report)
        session.flush()
        previous = None
        if page.republished_by is not None:  # kept as the republication once the government's own page is found
            session.add(
                ReportURL(
                    report_id=report.id,
                    site_id=report.site_id,
                    url=report.url,
                    reason="republished",
                    first_seen_at=page.fetched_at,
                )
            )
    else:
        previous = latest_version(session, report.id)

    report.last_checked_at = page.fetched_at
    report.missing_count = 0
    report.etag, report.last_modified = page.etag, page.last_modified
    if page.final_url:
        _add_alias(session, report, page.final_url, "redirect", page.fetched_at)
    if report.status == "removed":
        report.status = "active"  # it is back: the next removal is news again

    # Before the hash check: a scanned attachment adds no text, yet its bytes complete the version.
    if previous is not None and completes(session, previous, page, sha, d, file_hashes):
        complete_version(previous, d, file_hashes)
        _follow_metadata(report, d)
        return IngestResult(Outcome.UNCHANGED, report.id, previous.version, reason="a missing attachment arrived")
    if previous is not None and previous.content_sha256 == d.content_sha256:
        return IngestResult(Outcome.UNCHANGED, report.id, previous.version)

    number = 1 if previous is None else previous.version + 1
    change = "new" if previous is None else "changed"
    _follow_metadata(report, d)
    report.last_changed_at = page.fetched_at
    # The event before the version is added: the event's one read (the site's name) then has nothing new to flush,
    # and event and version go in one flush (they commit together either way).
    if previous is None:
        events.report_new(session, report)
    else:
        events.report_changed(session, report, previous.text, d.text, number)
    version = build_version(report.id, number, change, page.fetched_at, sha, d, file_hashes, exchange_for)
    session.add(version)
    set_current(report, version)
    session.flush()
    return IngestResult(Outcome.NEW if previous is None else Outcome.CHANGED, report.id, number)


def _follow_metadata(report: Report, d: Derived) -> None:
    # Metadata follows the newest text: a corrected page may also correct its title or date.
    report.title, report.year, report.publisher = (
        d.title,
        d.year or report.year,
        d.publisher or report.publisher,
    )
    report.published_date = d.published_date or report.published_date
    if d.kind is not None:
        report.kind = d.kind


def completes(
    session: Session, previous: Version, page: RawPage, sha: str, d: Derived, file_hashes: dict[str, str | None]
) -> bool:
    """True when this fetch only brings attachment bytes that `previous` lacked: same page, same other files."""
    old = [(a.url, a.sha256) for a in previous.attachments]
    if [url for url, _ in old] != [a.url for a in d.attachments]:
        return False
    arrived = False
    for url, had in old:
        now = file_hashes.get(url)
        if had is None:
            arrived = arrived or now is not None
        elif now != had:
            return False  # a file it held is different now (or failed): that is a change, not a completion
    if not arrived:
        return False
    if previous.capture_sha256 == sha:
        return True
    # Other page bytes (a view counter, say): it completes only if the old page, given these files, reads the same.
    old_page = replace(page, body=read_capture(session, previous.capture_sha256))
    return derive(old_page).content_sha256 == d.content_sha256


def complete_version(version: Version, d: Derived, file_hashes: dict[str, str | None]) -> None:
    """Fill in a version whose attachment could not be fetched, now that its bytes are here.

    The one exception to "versions are inserts": the incomplete row recorded a failed download, never a text
    the site published, so the text it held was not a version of the report. Completing it keeps the history
    to what the site said (no new version, no 报告更新); its capture and fetch time stay those of the page,
    and a later real correction is compared with the completed text and still makes a new version.
    """
    version.content_sha256 = d.content_sha256
    version.title, version.text, version.chars = d.title, d.text, len(d.text)
    version.extractor_version, version.encoding = d.extractor_version, d.encoding
    version.replacement_chars = d.replacement_chars
    for row, a in zip(version.attachments, d.attachments, strict=True):
        row.sha256, row.media_type, row.text, row.error = file_hashes.get(a.url), a.media_type, a.text, a.error


def build_version(
    report_id: int,
    number: int,
    change: str,
    fetched_at: dt.datetime,
    capture_sha256: str,
    d: Derived,
    file_hashes: dict[str, str | None],
    exchange_for: ExchangeFor | None = None,
) -> Version:
    """A version row (with its attachment rows) for derived text `d` of the capture `capture_sha256`; with
    `exchange_for`, the rows name the exchanges that brought their bytes (else they are linked later, or never)."""

    def exchange(url: str | None, sha256: str | None) -> int | None:
        return exchange_for(url, sha256) if exchange_for is not None and sha256 is not None else None

    version = Version(
        report_id=report_id,
        version=number,
        fetched_at=fetched_at,
        capture_sha256=capture_sha256,
        content_sha256=d.content_sha256,
        title=d.title,
        text=d.text,
        chars=len(d.text),
        change=change,
        extractor_version=d.extractor_version,
        encoding=d.encoding,
        replacement_chars=d.replacement_chars,
        exchange_id=exchange(None, capture_sha256),
    )
    version.attachments = [
        Attachment(
            position=i,
            url=a.url,
            filename=a.filename,
            media_type=a.media_type,
            sha256=file_hashes.get(a.url),
            text=a.text,
            error=a.error,
            exchange_id=exchange(a.url, file_hashes.get(a.url)),
        )
        for i, a in enumerate(d.attachments)
    ]
    return version


def mark_unchanged(session: Session, site_id: str, url: str, fetched_at: dt.datetime) -> Report | None:
    """A 304 (or equal validators): the report is still there and the same."""
    report = find_report(session, site_id, url)
    if report is not None:
        report.last_checked_at = fetched_at
        report.missing_count = 0
    return report


def mark_missing(session: Session, site_id: str, url: str, status: int, fetched_at: dt.datetime) -> bool:
    """The page answered 404/410. Returns True when this makes the report removed (two crawls in a row)."""
    report = find_report(session, site_id, url)
    if report is None or report.status == "removed":
        return False
    report.missing_count += 1
    report.last_checked_at = fetched_at
    if report.missing_count < 2:
        return False
    report.status = "removed"
    report.last_changed_at = fetched_at
    session.flush()
    events.report_removed(session, report, status)
    return True


def known_report_urls(session: Session, site_id: str) -> list[tuple[str, str | None, str | None]]:
    """URL, ETag and Last-Modified of the site's active reports, for conditional re-checks.

    A report whose latest version misses an attachment (a gateway that was down or rate-limited) gets no
    validators, so the page is fetched in full and its attachments are tried again.
    """
    missing = set(
        session.scalars(
            select(Report.id)
            .join(Attachment, Attachment.version_id == Report.current_version_id)
            .where(Report.site_id == site_id, Attachment.sha256.is_(None))
        )
    )
    rows = session.execute(
        select(Report.id, Report.url, Report.etag, Report.last_modified).where(
            Report.site_id == site_id, Report.status == "active"
        )
    ).all()
    return [(r.url, None, None) if r.id in missing else (r.url, r.etag, r.last_modified) for r in rows]
