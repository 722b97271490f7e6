"""A crawl run's lists read again offline: the list pages and list-API answers it stored, parsed by the current
adapters (archive.lists) with no network, and whether they make up the whole list.

Raw first, derived after, for lists as for pages: an adapter fixed today reads last year's list answers, and
"which reports did the list hold on that crawl" is a question the archive can answer (archive.query.vanished).
"""

from __future__ import annotations

import datetime as dt
import gzip
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urljoin

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.extract import title_may_be_report
from archive.lists import Entry, ListParseError, detect_platform, get_adapter
from archive.store.ingest import canonical_url
from archive.store.models import Capture, CrawlRun, Exchange, Report, ReportURL, Site

LIST_PURPOSES = ("list", "list_api")
# A run whose lists may be taken as read whole: finished, and not failed (a list page that failed fails the site).
READ_WHOLE = ("ok", "partial")
_REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True, slots=True)
class ListAnswer:
    """One stored list page or list-API answer, read again."""

    exchange_id: int
    method: str
    url: str
    status: int
    entries: tuple[Entry, ...] = ()
    planned: tuple[tuple[str, str], ...] = ()  # (method, URL) of the further list requests it leads to
    error: str | None = None  # why it holds no list: an HTTP error, bytes the adapter refused, a protocol error

    def to_json(self) -> dict[str, Any]:
        return {
            "exchange_id": self.exchange_id,
            "method": self.method,
            "url": self.url,
            "status": self.status,
            "entries": [_entry_json(e) for e in self.entries],
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class RunLists:
    """What one crawl run's lists held, as the current adapters read its stored answers."""

    run_id: int
    site_id: str
    started_at: dt.datetime
    run_status: str
    platform: str | None  # the adapter used (detected on the first answer for `auto`); None without any answer
    answers: tuple[ListAnswer, ...]
    unfetched: tuple[str, ...]  # further list pages the answers lead to that the run holds no answer for

    @property
    def entries(self) -> dict[str, Entry]:
        """Every entry of the run's lists by canonical URL (the first answer that lists it wins)."""
        found: dict[str, Entry] = {}
        for answer in self.answers:
            for entry in answer.entries:
                found.setdefault(canonical_url(entry.url), entry)
        return found

    @property
    def problems(self) -> tuple[str, ...]:
        """Why the lists are not known whole, if they are not: then an entry missing from them means nothing."""
        out: list[str] = []
        if self.run_status not in READ_WHOLE:
            out.append(f"the run is {self.run_status}")
        if not self.answers:
            out.append("no list answer stored")
        out.extend(f"{a.url}: {a.error}" for a in self.answers if a.error)
        out.extend(f"{url}: never fetched" for url in self.unfetched)
        return tuple(out)

    @property
    def complete(self) -> bool:
        return not self.problems


def list_runs(session: Session, site: str | None = None, run: int | None = None) -> list[CrawlRun]:
    """Runs that stored list answers, oldest first: one run, a site's, or every site's."""
    with_lists = select(Exchange.crawl_run_id).where(Exchange.purpose.in_(LIST_PURPOSES))
    stmt = select(CrawlRun).where(CrawlRun.id.in_(with_lists)).order_by(CrawlRun.id)
    if run is not None:
        stmt = stmt.where(CrawlRun.id == run)
    if site is not None:
        stmt = stmt.where(CrawlRun.site_id == site)
    return list(session.scalars(stmt))


class ListReader:
    """Reads runs' list answers with the current adapters; an answer whose bytes another run stored already (an
    unchanged list) is parsed once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._parsed: dict[tuple[str | None, ...], ListAnswer] = {}
        self._platforms: dict[str, str] = {}

    def read(self, run: CrawlRun) -> RunLists:
        exchanges = list(
            self.session.scalars(
                select(Exchange)
                .where(Exchange.crawl_run_id == run.id, Exchange.purpose.in_(LIST_PURPOSES))
                .order_by(Exchange.id)
            )
        )
        platform: str | None = self._platform(run.site_id)
        if platform == "auto":
            platform = self._detect(exchanges)
        answers = tuple(self._answer(ex, platform) for ex in exchanges)
        made = {_request_key(a.method, a.url) for a in answers}
        unfetched: dict[str, None] = {}
        for answer in answers:
            for method, url in answer.planned:
                if _request_key(method, url) not in made:
                    unfetched[url] = None
        return RunLists(run.id, run.site_id, run.started_at, run.status, platform, answers, tuple(unfetched))

    def _platform(self, site_id: str) -> str:
        if site_id not in self._platforms:
            site = self.session.get(Site, site_id)
            self._platforms[site_id] = site.platform if site is not None else "auto"
        return self._platforms[site_id]

    def _detect(self, exchanges: list[Exchange]) -> str | None:
        """As the spider does: the first list answer tells which protocol the site speaks."""
        first = next((ex for ex in exchanges if ex.status == 200), None)
        if first is None:
            return None
        try:
            return detect_platform(first.url, self._body(first), _content_type(first))
        except _Undecodable:
            return None

    def _answer(self, ex: Exchange, platform: str | None) -> ListAnswer:
        if ex.status in _REDIRECTS:
            location = _header(ex, "Location")
            if not location:
                return ListAnswer(ex.id, ex.method, ex.url, ex.status, error=f"HTTP {ex.status} without a Location")
            return ListAnswer(ex.id, ex.method, ex.url, ex.status, planned=(("GET", urljoin(ex.url, location)),))
        if ex.status != 200:
            return ListAnswer(ex.id, ex.method, ex.url, ex.status, error=f"HTTP {ex.status}")
        if platform is None:  # `auto`, and the first answer could not be decoded to tell
            return ListAnswer(ex.id, ex.method, ex.url, ex.status, error="the site's platform could not be detected")
        key = (platform, ex.method, ex.url, ex.capture_sha256, ex.content_encoding, _content_type(ex))
        known = self._parsed.get(key)
        if known is None:
            known = self._parsed[key] = self._parse(ex, platform)
        return ListAnswer(ex.id, ex.method, ex.url, ex.status, known.entries, known.planned, known.error)

    def _parse(self, ex: Exchange, platform: str) -> ListAnswer:
        try:
            page = get_adapter(platform).parse(ex.url, self._body(ex), _content_type(ex))
        except (ListParseError, _Undecodable) as exc:
            return ListAnswer(ex.id, ex.method, ex.url, ex.status, error=f"not read as {platform}: {exc}")
        planned = tuple((r.method.upper(), r.url) for r in page.next_requests)
        if page.error:
            return ListAnswer(ex.id, ex.method, ex.url, ex.status, planned=planned, error=page.error)
        return ListAnswer(ex.id, ex.method, ex.url, ex.status, page.entries, planned)

    def _body(self, ex: Exchange) -> bytes:
        """The answer's bytes as the adapter saw them: stored as received, so a Content-Encoding is undone here."""
        if ex.capture_sha256 is None:
            return b""
        row = self.session.execute(
            select(Capture.compression, Capture.body).where(Capture.sha256 == ex.capture_sha256)
        ).one()
        body: bytes = zlib.decompress(row.body) if row.compression == "zlib" else row.body
        return content_decoded(body, ex.content_encoding)


class _Undecodable(ValueError):
    pass


def content_decoded(body: bytes, encoding: str | None) -> bytes:
    """`body` with its Content-Encoding undone (codings applied in order are undone in reverse)."""
    for coding in reversed([c.strip().lower() for c in (encoding or "").split(",") if c.strip()]):
        try:
            if coding in ("gzip", "x-gzip"):
                body = gzip.decompress(body)
            elif coding == "deflate":
                try:
                    body = zlib.decompress(body)
                except zlib.error:  # some servers send raw deflate without the zlib header
                    body = zlib.decompress(body, -zlib.MAX_WBITS)
            elif coding == "br":
                body = _brotli_decompress(body)
            elif coding != "identity":
                raise _Undecodable(f"the answer is in Content-Encoding {coding}, which this reader cannot undo")
        except (OSError, EOFError, zlib.error) as exc:
            raise _Undecodable(f"its {coding} encoding is broken: {exc}") from exc
    return body


def _brotli_decompress(body: bytes) -> bytes:
    try:
        import brotli  # installed with Scrapy's brotli support; the crawl only asks for br when it is there
    except ImportError:
        raise _Undecodable("the answer is brotli-compressed and the brotli module is not installed") from None
    try:
        return bytes(brotli.decompress(body))
    except Exception as exc:  # brotli.error is the module's own class
        raise _Undecodable(f"its br encoding is broken: {exc}") from exc


def _header(ex: Exchange, name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in ex.response_headers if key.lower() == wanted), None)


def _content_type(ex: Exchange) -> str | None:
    return _header(ex, "Content-Type")


def _request_key(method: str, url: str) -> tuple[str, str]:
    # The crawler sends a URL percent-encoded where the adapter wrote it plain: compare them decoded.
    return method.upper(), unquote(canonical_url(url))


def _entry_json(entry: Entry) -> dict[str, Any]:
    return {"url": entry.url, "title": entry.title, "date": entry.date.isoformat() if entry.date else None}


def archived_urls(session: Session, site_id: str) -> dict[str, int]:
    """Report id by every URL the site's reports are known at: their own, where they were also found (moved or
    copied), and where their pages redirected to. A moved page re-checked with its validators follows the
    redirect to a 304, which leaves no other trace of the new URL than that hop."""
    found: dict[str, int] = {}
    hops = select(Exchange.report_id, Exchange.url, Exchange.response_headers).where(
        Exchange.site_id == site_id,
        Exchange.purpose == "report",
        Exchange.status.in_(_REDIRECTS),
        Exchange.report_id.is_not(None),
    )
    for report_id, url, headers in session.execute(hops):
        location = next((value for key, value in headers if key.lower() == "location"), None)
        if location and report_id is not None:
            found[canonical_url(urljoin(url, location))] = report_id
    aliases = select(ReportURL.url, ReportURL.report_id).where(ReportURL.site_id == site_id)
    found.update((url, report_id) for url, report_id in session.execute(aliases))
    found.update(
        (url, report_id)
        for url, report_id in session.execute(select(Report.url, Report.id).where(Report.site_id == site_id))
    )
    return found


@dataclass(frozen=True, slots=True)
class Relisted:
    """A run's lists read again, set against the archive: which entries are archived reports, and which entries
    titled like a report are not (new since, left out after reading the page, or found only by a fixed adapter)."""

    lists: RunLists
    candidates: int  # entries titled like a report: those a crawl follows
    archived: int  # entries that are archived reports
    unarchived: tuple[tuple[Entry, bool], ...]  # candidates without a report, and whether a crawl fetched the page

    def to_json(self) -> dict[str, Any]:
        lists = self.lists
        return {
            "run_id": lists.run_id,
            "site_id": lists.site_id,
            "started_at": lists.started_at.isoformat(),
            "run_status": lists.run_status,
            "platform": lists.platform,
            "complete": lists.complete,
            "problems": list(lists.problems),
            "lists": [a.to_json() for a in lists.answers],
            "entries": len(lists.entries),
            "candidates": self.candidates,
            "archived": self.archived,
            "unarchived": [{**_entry_json(e), "fetched": fetched} for e, fetched in self.unarchived],
        }


def relist(session: Session, site: str | None = None, run: int | None = None) -> list[Relisted]:
    """The latest run with stored lists of each site (or of `site`), or the run `run`, read again."""
    runs = list_runs(session, site, run)
    if run is None:
        latest = {r.site_id: r for r in runs}
        runs = sorted(latest.values(), key=lambda r: r.id)
    reader = ListReader(session)
    out: list[Relisted] = []
    for r in runs:
        lists = reader.read(r)
        known = archived_urls(session, r.site_id)
        entries = lists.entries
        archived = sum(1 for url in entries if url in known)
        candidates = {url: e for url, e in entries.items() if title_may_be_report(e.title)}
        missing = [url for url in candidates if url not in known]
        fetched = _fetched(session, r.site_id, missing)
        out.append(
            Relisted(lists, len(candidates), archived, tuple((candidates[url], url in fetched) for url in missing))
        )
    return out


def _fetched(session: Session, site_id: str, urls: list[str]) -> set[str]:
    """Which of `urls` a crawl asked for as report pages (and then left out: not a report, or a failure)."""
    found: set[str] = set()
    for start in range(0, len(urls), 500):
        chunk = urls[start : start + 500]
        stmt = select(Exchange.url).where(
            Exchange.site_id == site_id, Exchange.purpose == "report", Exchange.url.in_(chunk)
        )
        found.update(canonical_url(url) for url in session.scalars(stmt))
    return found
