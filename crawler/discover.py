"""Discovery for the `reports` spider: walks a portal's 政府信息公开 tree and asks its site search for reports the
registry's columns do not list (a report filed in another column this year, a site whose column is unknown).

Registry `discover: [tree, search]` switches each on; `tree_urls` and `search_url` say where they start. The
requests go through the same middlewares as every other (robots.txt, throttle, scope, size limits). Each report
found this way is named in the run's messages with the page it was found on, so the registry can be corrected.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import scrapy
from scrapy.http import Response

from archive.extract import title_may_be_report
from archive.lists import ListParseError, detect_platform, get_adapter
from archive.lists._lists import parse_document
from archive.lists._text import decode
from archive.lists.base import Entry
from archive.lists.discovery import branch_links, is_column, report_links, search_url
from archive.lists.static import next_page_url
from archive.registry.sites import Site
from crawler import problems
from crawler.exchanges import PURPOSE


class Spider(Protocol):
    """What discovery needs of the spider it works for (the reports spider, which imports this module)."""

    site: Site | None

    def count(self, key: str, n: int = 1) -> None: ...
    def notice(self, message: str, kind: str | None = None) -> None: ...
    def _report_request(
        self, url: str, entry: Entry | None, *, referer: str | None = None, priority: int = 0, found: str = "list"
    ) -> scrapy.Request | None: ...


FOUND = "fazhi_found"  # request meta: where a report request came from ("list" or "tree …" / "search …")


class Discovery:
    """Builds the discovery requests of one spider and reads their answers; the spider owns the article side."""

    def __init__(self, spider: Spider, max_depth: int, max_pages: int) -> None:
        self.spider = spider
        self.max_depth = max_depth
        self.max_pages = max_pages  # discovery pages (tree and search) fetched at most per crawl of a site
        self.pages = 0

    def start_requests(self) -> Iterator[scrapy.Request]:
        site = self.spider.site
        assert site is not None
        if "tree" in site.discover:
            for url in site.tree_urls:
                yield self._request(url, self.parse_tree, depth=0, purpose="discover")
        if "search" in site.discover and site.search_url:
            yield self._request(search_url(site.search_url), self.parse_search, depth=0, purpose="search")

    def _request(self, url: str, callback: Any, depth: int, purpose: str, referer: str | None = None) -> Any:
        if self.pages >= self.max_pages:
            return None
        self.pages += 1
        headers = {"Referer": referer} if referer else {}
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.failed,
            headers=headers,
            meta={"depth_walked": depth, PURPOSE: purpose},
            priority=-2,  # after the registry's own columns, which usually hold the reports
        )

    def parse_tree(self, response: Response) -> Iterator[Any]:
        """A page of the disclosure tree: its report-like entries, then its branches one level further down."""
        self.spider.count("discover_pages")
        yield from self._candidates(response, self._entries(response), f"tree walk, on {response.url}")
        depth = int(response.meta["depth_walked"])
        if depth >= self.max_depth:
            return
        for link in branch_links(response.url, response.body, _content_type(response)):
            request = self._request(link.url, self.parse_tree, depth + 1, "discover", referer=response.url)
            if request is None:
                self.spider.notice(f"tree walk stopped after {self.max_pages} pages (FAZHI_DISCOVER_MAX_PAGES)")
                return
            yield request

    def parse_search(self, response: Response) -> Iterator[Any]:
        """A page of site-search results: the results titled like reports, then the next result page."""
        self.spider.count("discover_pages")
        entries = report_links(response.url, response.body, _content_type(response))
        yield from self._candidates(response, entries, f"site search, on {response.url}")
        root = parse_document(decode(response.body, _content_type(response)))
        following = next_page_url(root, response.url) if root is not None else None
        if following:
            request = self._request(following, self.parse_search, 0, "search", referer=response.url)
            if request is not None:
                yield request

    def _entries(self, response: Response) -> list[Entry]:
        """The list entries of a tree page as its platform reads them, else its report-like links."""
        ctype = _content_type(response)
        platform = detect_platform(response.url, response.body, ctype)
        try:
            page = get_adapter(platform).parse(response.url, response.body, ctype)
        except ListParseError:
            page = None
        if page is not None and page.entries and not page.error:
            return list(page.entries)
        return report_links(response.url, response.body, ctype)

    def _candidates(self, response: Response, entries: list[Entry], where: str) -> Iterator[Any]:
        for entry in entries:
            if title_may_be_report(entry.title) and not is_column(entry.url):
                self.spider.count("discover_candidates")
                self.spider.count("list_candidates")
                request = self.spider._report_request(entry.url, entry, referer=response.url, found=where)
                if request is not None:  # None: a known report whose re-check is not due
                    yield request

    def failed(self, failure: Any) -> None:
        request = failure.request
        self.spider.notice(f"discovery page {request.url}: {problems.describe(failure)}", kind="discovery pages")


def _content_type(response: Response) -> str | None:
    value = response.headers.get("Content-Type")
    return value.decode("latin-1") if value else None
