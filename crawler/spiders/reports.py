"""The `reports` spider: reads a site's column lists through its platform adapter, fetches report pages and
their attachments, and yields raw pages for the archive. `scrapy crawl reports -a site=ID`."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any, Self
from urllib.parse import parse_qsl, unquote, urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from archive.config import DEFAULT_CRAWL_TIMEOUT
from archive.extract import classify, extract_page, title_may_be_report
from archive.extract.classify import ANNUAL
from archive.lists import detect_platform, get_adapter
from archive.lists.base import Entry, ListParseError, ListRequest
from archive.registry.sites import Site
from archive.store.ingest import canonical_url
from archive.store.recheck import ArchivedFile, KnownReport, RecheckPolicy, archived_files, known_reports
from archive.tunables import BY_NAME
from crawler import diagnostics, problems
from crawler.discover import FOUND, Discovery
from crawler.exchanges import PURPOSE, REPORT, records
from crawler.items import FetchedPage, PageGone, RawFile, RawPage
from crawler.link import archive_link
from crawler.progress import emit
from crawler.rechecks import RecheckMixin
from crawler.republished import Republications
from crawler.scope import OutOfScope

GONE = (404, 410)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class ReportsSpider(RecheckMixin, scrapy.Spider):
    name = "reports"

    def __init__(self, site: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not site:
            raise ValueError("which site? use: scrapy crawl reports -a site=ID")
        self.site_id = site
        self.allowed_domains: list[str] = []
        self.site: Site | None = None
        self.platform: str | None = None
        self.list_requests: dict[str, int] = {}  # further list pages requested, per column
        # Per column: the distinct entries read, the count its list announced, list pages that failed, and whether
        # FAZHI_MAX_LIST_PAGES stopped it; compared when the crawl is idle (check_lists).
        self.list_seen: dict[str, set[str]] = {}
        self.list_announced: dict[str, int] = {}
        self.list_failed_pages: dict[str, int] = {}
        self.list_capped: set[str] = set()
        self.max_list_pages = int(BY_NAME["FAZHI_MAX_LIST_PAGES"].default)  # the setting, once the crawl starts
        self.known_reports = 0  # the site's active reports in the archive when the crawl began
        # Those reports by URL, with their validators and whether a re-check is due (archive.store.recheck).
        self.known: dict[str, KnownReport] = {}
        self.deferred: set[str] = set()
        self.recheck_policy = RecheckPolicy.default()
        # The attachments of each known report's latest version, by report URL (archive.store.recheck.archived_files).
        self.archived: dict[str, tuple[ArchivedFile, ...]] = {}
        self._found_checked = False
        self.discovery: Discovery | None = None
        self.republications: Republications | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        link = archive_link(crawler)
        spider.site = link.site(spider.site_id)
        spider.allowed_domains = list(spider.site.allowed_domains)
        spider.republications = Republications(spider.site, link)
        # Where the site itself lives (crawler/scope.py): its columns and the pages discovery starts from.
        spider.start_urls = [*spider.site.start_urls, *spider.site.tree_urls]
        crawler.signals.connect(spider.check_found, signal=signals.spider_idle)
        crawler.signals.connect(spider.check_lists, signal=signals.spider_idle)
        spider.platform = None if spider.site.platform == "auto" else spider.site.platform
        # Settings are still open here (Scrapy freezes them after the spider is made): the registry's per-site
        # delay is the floor AutoThrottle keeps to, and where it starts when lower than the default start.
        delay = spider.site.delay
        crawler.settings.set("DOWNLOAD_DELAY", delay, priority="spider")
        start = crawler.settings.getfloat("AUTOTHROTTLE_START_DELAY")
        crawler.settings.set("AUTOTHROTTLE_START_DELAY", min(start, max(delay, 0.05)), priority="spider")
        # Set before the settings freeze, so before the add-ons run: a crawl started by `python -m crawler.run` is
        # given its limit; a bare `scrapy crawl` takes the default.
        limit = spider.site.timeout or crawler.settings.getfloat("FAZHI_CRAWL_TIMEOUT") or DEFAULT_CRAWL_TIMEOUT
        crawler.settings.set("CLOSESPIDER_TIMEOUT", limit, priority="spider")
        return spider

    # -- bookkeeping --------------------------------------------------------------------------------
    def count(self, key: str, n: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"fazhi/{key}", n)

    def problem(self, message: str, *, site_level: bool = False, kind: str | None = None) -> None:
        """A failure the user must see: logged, counted and kept for the crawl summary. One that fails the site
        (an unreachable host, a list that cannot be read) is also shown at once, not only when the site is done."""
        problems.record(self.crawler.stats, message, level="site" if site_level else "error", kind=kind)
        if site_level and self.site is not None:
            emit({"event": "problem", "site": self.site.id, "message": message})

    def notice(self, message: str, kind: str | None = None) -> None:
        """Something the user should know that is not a failure (the page was archived): shown, not counted."""
        problems.record(self.crawler.stats, message, level="warning", kind=kind)

    def skip(self, key: str, url: str, title: str, reason: str | None = None) -> None:
        """A list entry left out as not a report: counted once, and kept (with its reason) for the run's note."""
        if problems.skipped(self.crawler.stats, url, title, reason):
            self.count(key)

    # -- start ----------------------------------------------------------------------------------------
    def _read_tunables(self) -> None:
        """The tunables, read once the settings are whole: the archive add-on (crawler/addons.py) gives their
        defaults after the spider is made, and the user's values (Config.tunables) win over them."""
        settings = self.crawler.settings
        self.discovery = Discovery(
            self, settings.getint("FAZHI_DISCOVER_DEPTH"), settings.getint("FAZHI_DISCOVER_MAX_PAGES")
        )
        self.max_list_pages = settings.getint("FAZHI_MAX_LIST_PAGES")
        self.recheck_policy = RecheckPolicy(
            settings.getfloat("FAZHI_RECHECK_AGE_FRACTION"),
            settings.getfloat("FAZHI_RECHECK_MAX_DAYS"),
            settings.getfloat("FAZHI_RECHECK_SEASON_MAX_DAYS"),
        )

    async def start(self) -> AsyncIterator[Any]:
        assert self.site is not None
        self._read_tunables()
        # Read before the first list page can answer, so a known report reached from a list is asked for with its
        # validators too (_report_request).
        link = archive_link(self.crawler)
        with link.sessions() as session:
            self.known = known_reports(session, self.site.id, self.recheck_policy)
            self.archived = archived_files(session, self.site.id)
        self.known_reports = len(self.known)
        for url in self.site.start_urls:
            yield scrapy.Request(
                url,
                callback=self.parse_list,
                errback=self.list_failed,
                meta={"column": url, PURPOSE: "list"},
                dont_filter=True,
            )
        if self.discovery is not None:
            for discovering in self.discovery.start_requests():
                yield discovering
        # Re-check each known report that is due, cheaply: a 304 costs nothing, a 200 may be a correction, 404 a
        # removal. Those on a list are asked for once, whichever request reaches the duplicate filter first.
        for url in self.known:
            if (request := self._report_request(url, None, priority=-1)) is not None:
                yield request

    # -- lists ----------------------------------------------------------------------------------------
    def parse_list(self, response: Response) -> Iterator[Any]:
        column = response.meta["column"]
        self.count("list_pages")
        ctype = _header(response, "Content-Type")
        if self.platform is None:
            self.platform = detect_platform(response.url, response.body, ctype)
            self.logger.info("site %s: detected platform %s", self.site_id, self.platform)
        try:
            page = get_adapter(self.platform).parse(response.url, response.body, ctype)
        except ListParseError as exc:
            self._list_page_failed(column)
            self.problem(f"list page {response.url} could not be read as {self.platform}: {exc}", site_level=True)
            return
        if page.error:
            self._list_page_failed(column)
            self.problem(f"list {response.url} ({self.platform}): {page.error}", site_level=True)
            return
        self.count("list_entries", len(page.entries))
        for note in page.notes:
            self.notice(f"list {response.url}: {note}", kind="notes on list pages")
        self.list_seen.setdefault(column, set()).update(entry.url for entry in page.entries)
        if page.total_records is not None:
            self.list_announced[column] = max(page.total_records, self.list_announced.get(column, 0))
        if not page.entries and not page.next_requests and response.meta.get("first", True):
            self.problem(
                f"list {response.url} ({self.platform}) parsed to nothing: no entries, no further pages",
                site_level=True,
            )
        for entry in page.entries:
            if title_may_be_report(entry.title):
                self.count("list_candidates")
                if (request := self._report_request(entry.url, entry, referer=column)) is not None:
                    yield request
            else:
                self.skip("skipped_by_title", entry.url, entry.title)
        for nxt in page.next_requests:
            planned = self.list_requests.get(column, 0)
            if planned >= self.max_list_pages:
                # A list that never ends (a gateway that ignores pageNo) must not keep us here forever.
                self.problem(f"list {column}: stopped after {planned} list pages (FAZHI_MAX_LIST_PAGES)")
                self.list_capped.add(column)
                break
            self.list_requests[column] = planned + 1
            yield self._list_request(nxt, column)

    def check_found(self) -> None:
        """A site whose lists yield no report-like entry has failed, even where its known reports still answer:
        a wrong platform, a moved column or a changed template looks just like that."""
        if self._found_checked:
            return
        self._found_checked = True
        stats = self.crawler.stats
        assert stats is not None
        if stats.get_value("fazhi/site_errors", 0) or stats.get_value("fazhi/list_candidates", 0):
            return  # found something, or already failed with a more precise reason
        entries = int(stats.get_value("fazhi/list_entries", 0))
        read = f"{entries} entries read, none titled like a report" if entries else "no entries read"
        before = f"; the archive holds {self.known_reports} reports from earlier crawls" if self.known_reports else ""
        self.problem(
            f"the lists of {self.site_id} yielded no report entries ({read}){before}: "
            f"check its platform ({self.platform or 'auto'}) and start_urls",
            site_level=True,
        )

    def check_lists(self) -> None:
        """Each column that announced more entries than its lists gave is named, with both numbers."""
        for column, announced in self.list_announced.items():
            message = diagnostics.list_shortfall(
                column,
                announced,
                len(self.list_seen.get(column, ())),
                self.list_failed_pages.get(column, 0),
                column in self.list_capped,
            )
            if message:
                self.notice(message)
        self.list_announced.clear()  # idle may come again; say it once

    def _list_page_failed(self, column: str) -> None:
        self.list_failed_pages[column] = self.list_failed_pages.get(column, 0) + 1

    def _list_request(self, nxt: ListRequest, column: str) -> scrapy.Request:
        headers = dict(nxt.headers)
        headers.setdefault("Referer", column)
        post = nxt.method.upper() == "POST"
        meta = {"column": column, "first": False, PURPOSE: "list_api" if post else "list"}
        if post:
            return scrapy.FormRequest(
                nxt.url,
                formdata=dict(nxt.formdata),
                headers=headers,
                callback=self.parse_list,
                errback=self.list_failed,
                meta=meta,
            )
        return scrapy.Request(nxt.url, headers=headers, callback=self.parse_list, errback=self.list_failed, meta=meta)

    def list_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self._list_page_failed(request.meta["column"])
        self.problem(f"list {request.url}: {problems.describe(failure)}", site_level=True)

    # -- articles -------------------------------------------------------------------------------------
    def _report_request(
        self, url: str, entry: Entry | None, *, referer: str | None = None, priority: int = 0, found: str = "list"
    ) -> scrapy.Request | None:
        """The one place a report page request is made. A known report is asked for with the validators the
        archive holds, whether a list or the re-check reached it, and not at all when its re-check is not due
        (archive.store.recheck.RecheckPolicy); None then."""
        report_url = canonical_url(url)
        headers = {}
        if (known := self.known.get(report_url)) is not None:
            if not known.due:
                if report_url not in self.deferred:  # counted once, whichever way it is reached
                    self.deferred.add(report_url)
                    self.count("rechecks_deferred")
                return None
            headers = known.conditional_headers()
        if referer:
            headers["Referer"] = referer
        return scrapy.Request(
            url,
            headers=headers,
            callback=self.parse_article,
            errback=self.article_failed,
            priority=priority,
            meta={
                "entry": entry,
                "report_url": report_url,
                "handle_httpstatus_list": [304, *GONE],
                PURPOSE: "report",
                REPORT: canonical_url(url),
                FOUND: found,
            },
        )

    def parse_article(self, response: Response) -> Iterator[Any]:
        assert self.site is not None
        report_url: str = response.meta["report_url"]
        self.count("pages_fetched")
        if response.status == 304:
            # The page is the same, but an attachment may have been replaced behind it (how attachment-only
            # reports are corrected): check each archived file again before calling the report unchanged.
            recheck = [f for f in self.archived.get(report_url, ()) if f.sha256 is not None]
            yield from self._next_recheck(report_url, _now(), recheck, [], records(response.meta))
            return
        if response.status in GONE:
            yield PageGone(self.site.id, report_url, response.status, _now(), records(response.meta))
            return
        entry: Entry | None = response.meta.get("entry")
        ctype = _header(response, "Content-Type")
        try:
            extracted = extract_page(response.body, response.url, ctype)
        except Exception as exc:  # extraction is meant never to raise; if it does, say where and go on
            self.problem(f"report page {response.url}: extraction failed ({type(exc).__name__}: {exc})")
            return
        if extracted.replacement_chars:
            self.notice(
                f"{response.url}: {extracted.replacement_chars} undecodable characters "
                f"(decoded as {extracted.encoding}); archived as decoded, raw bytes kept"
            )
        title = extracted.title or (entry.title if entry else "")
        # A page reached from a list must read as a report; a known report is re-archived whatever it says now.
        if entry is not None and (judged := classify(title, extracted.text, extracted.publisher)).kind is None:
            self.skip("skipped_not_report", response.url, title, judged.reason)
            return
        found = response.meta.get(FOUND, "list")
        if entry is not None and found != "list":
            self.count("found_by_discovery")
            self.notice(
                f"report {report_url} ({title}) found by the {found}, not in the registry's columns",
                kind="reports found by discovery",
            )
        page = self._raw_page(response, entry)
        if entry is not None and judged.kind == ANNUAL:
            page = self._attribute(page, title)
        fetched = FetchedPage(page, extracted)
        files = [(a.url, a.filename) for a in extracted.attachments]
        yield from self._next_file(fetched, files, [])

    def _attribute(self, page: RawPage, title: str) -> RawPage:
        """A county's report on its city's portal is the county's, republished (one report, both URLs kept)."""
        assert self.republications is not None
        attributed = self.republications.attribute(page, title)
        if attributed.site_id != page.site_id:
            self.count("republished")
            self.notice(f"{page.url}: {title} is {attributed.site_id}'s report, republished here; archived for it")
        return attributed

    def _raw_page(self, response: Response, entry: Entry | None) -> RawPage:
        assert self.site is not None
        return RawPage(
            site_id=self.site.id,
            url=response.meta["report_url"],
            status=response.status,
            body=response.body,
            fetched_at=_now(),
            final_url=response.url if canonical_url(response.url) != response.meta["report_url"] else None,
            content_type=_header(response, "Content-Type"),
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            list_title=entry.title if entry else None,
            list_date=entry.date if entry else None,
            exchanges=records(response.meta),
        )

    def _next_file(self, fetched: FetchedPage, pending: list[tuple[str, str]], done: list[RawFile]) -> Iterator[Any]:
        """Fetch the page's attachments one after another, then hand page and files on together."""
        if not pending:
            yield replace(fetched, page=replace(fetched.page, files=tuple(done)))
            return
        url, filename = pending[0]
        yield scrapy.Request(
            url,
            callback=self.parse_file,
            errback=self.file_failed,
            headers={"Referer": fetched.page.final_url or fetched.page.url},
            meta={
                "fetched": fetched,
                "pending": pending[1:],
                "done": done,
                "filename": filename,
                # The link as the page shows it: files are matched to the page's links by it, and the request's
                # own URL may differ (percent-encoded by Scrapy, or another after a redirect).
                "link": url,
                PURPOSE: "attachment",
                REPORT: fetched.page.url,
            },
            dont_filter=True,
        )

    def parse_file(self, response: Response) -> Iterator[Any]:
        self.count("files_fetched")
        raw = RawFile(
            url=response.meta["link"],
            filename=response.meta["filename"] or _filename_from_url(response.url),
            status=response.status,
            body=response.body,
            content_type=_header(response, "Content-Type"),
            exchanges=records(response.meta),
        )
        yield from self._next_file(response.meta["fetched"], response.meta["pending"], [*response.meta["done"], raw])

    def file_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        url = request.meta["link"]
        reason = problems.describe(failure)
        if failure.check(OutOfScope):
            # A download gateway on another host is real; the user decides whether the site may go there.
            self.notice(
                f"attachment {url} not fetched: {reason}; if it is the site's download host, "
                f"add that host to allowed_domains"
            )
        elif self._archived_bytes(request.meta["fetched"].page.url, url):
            # A failed download is no evidence of a change: the archive takes the copy it holds (archive.store.recheck).
            self.notice(f"attachment {url}: {reason}; not re-fetched, the archived copy is used")
        else:
            self.problem(f"attachment {url}: {reason}; the page is kept without it")
        raw = RawFile(url=url, filename=request.meta["filename"], error=reason, exchanges=records(request.meta))
        yield from self._next_file(request.meta["fetched"], request.meta["pending"], [*request.meta["done"], raw])

    def _archived_bytes(self, report_url: str, file_url: str) -> bool:
        return any(f.url == file_url and f.sha256 for f in self.archived.get(report_url, ()))

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(OutOfScope):
            self.count("skipped_offsite")
            redirects: list[str] = request.meta.get("redirect_urls") or []
            if redirects:  # a page of the site that now sends us elsewhere: worth a look, not a failure
                self.notice(f"report page {redirects[0]} redirects to {request.url}, not followed: {failure.value}")
            else:  # lists often link other governments' sites: expected, so only logged
                self.logger.info("not fetched (%s): %s", failure.value, request.url)
            return
        if problems.forbidden_by_robots(failure):
            self.count("skipped_robots")
            self.logger.info("not fetched (robots.txt): %s", request.url)
            return
        # Anything else that drops the page is a failure the run says: a body that decompresses past the size cap,
        # too many redirects, a download cancelled at the size cap.
        self.problem(f"report page {request.url}: {problems.describe(failure)}", kind="report pages that failed")


def _filename_from_url(url: str) -> str:
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if key.lower() in ("showname", "filename") and "." in value:
            return value
    return unquote(parts.path.rsplit("/", 1)[-1]) or "attachment"
