"""`fazhi sites check`: fetch each site's start pages once, politely, and say whether the registry entry holds.

`python -m crawler.check [SITE_ID ...]` runs one Scrapy crawl (robots.txt, throttle, user agent and size limits as
for every crawl) that reads only the first page of each column, tree root and site search of the chosen sites,
and prints one `FAZHI-CHECK {json}` line per site. Nothing is archived: no pipeline, no run record, no exchanges.
Verdicts: ok, unreachable, blocked (412/403 or a JavaScript challenge), moved (404/410 or redirected to another
page), wrong platform (the registry names another protocol than the page speaks), unread family (a portal of a
platform family whose lists fazhi cannot read yet), no candidates.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.project import get_project_settings
from twisted.python.failure import Failure

from archive.config import Config
from archive.entrypoints import SETTINGS_MODULE
from archive.extract import title_may_be_report
from archive.lists import ListParseError, detect_platform, get_adapter
from archive.lists.discovery import is_column, report_links, search_url
from archive.registry.sites import RegistryError, Site, load_registry, select_sites
from archive.vocab import unread
from crawler.addons import ScopeAddon

PREFIX = "FAZHI-CHECK "
MAX_LIST_PAGES = 3  # further pages of a column read while none of its entries yet looks like a report
_CHALLENGE_MARKERS = ("__jsluid", "_$", "document.cookie", "challenge", "安全验证", "waf")


@dataclass
class PageCheck:
    """What one start page answered."""

    role: str  # column | tree | search
    url: str
    status: int | None = None
    final_url: str | None = None  # after redirects, when it differs
    platform: str | None = None  # detected
    entries: int = 0
    candidates: int = 0
    problem: str | None = None  # unreachable | blocked | moved | error: with the reason after a colon


@dataclass
class SiteCheck:
    id: str
    name: str
    evidence: str | None
    platform: str  # as the registry says
    family: str | None = None  # as the registry says
    pages: list[PageCheck] = field(default_factory=list)

    def verdict(self) -> tuple[str, str]:
        """(status, one line for the user)."""
        columns = [p for p in self.pages if p.role == "column"] or self.pages
        detected = sorted({p.platform for p in columns if p.platform})
        entries = sum(p.entries for p in self.pages)
        candidates = sum(p.candidates for p in self.pages)
        counts = f"{entries} list entries, {candidates} report candidates"
        for kind in ("unreachable", "blocked"):
            bad = [p for p in self.pages if p.problem and p.problem.startswith(kind)]
            if (bad and len(bad) == len(self.pages)) or (kind == "blocked" and bad):
                return kind, f"{bad[0].url}: {bad[0].problem}"
        moved = [p for p in columns if p.problem and p.problem.startswith("moved")]
        if moved:
            elsewhere = f"; {counts} on its other pages" if entries else ""
            return "moved", f"{moved[0].url}: {moved[0].problem}{elsewhere}"
        if self.platform != "auto" and detected and self.platform not in detected:
            return "wrong platform", f"registry says {self.platform}, the column speaks {', '.join(detected)}"
        if unread(self.family):
            # Its lists are read as plain pages at best: say so rather than let "no candidates" stand unexplained.
            return "unread family", f"a {self.family} portal, whose lists fazhi cannot read yet; {counts}"
        if candidates == 0:
            return "no candidates", f"reachable ({', '.join(detected) or 'no list'}), {counts}"
        return "ok", f"{', '.join(detected) or 'unknown platform'}, {counts}"

    def record(self) -> dict[str, Any]:
        status, message = self.verdict()
        return {
            "id": self.id,
            "name": self.name,
            "evidence": self.evidence,
            "platform": self.platform,
            "family": self.family,
            "detected_platform": ", ".join(sorted({p.platform for p in self.pages if p.platform})) or None,
            "status": status,
            "message": message,
            "entries": sum(p.entries for p in self.pages),
            "candidates": sum(p.candidates for p in self.pages),
            "pages": [asdict(p) for p in self.pages],
        }


class CheckSpider(scrapy.Spider):
    name = "check"

    def __init__(self, sites: list[Site] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sites = sites or []
        self.checks = {s.id: SiteCheck(s.id, s.name, s.evidence, s.platform, s.family) for s in self.sites}
        self.allowed_domains = sorted({d for s in self.sites for d in s.allowed_domains})
        self.start_urls = [u for s in self.sites for u in (*s.start_urls, *s.tree_urls)]

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> CheckSpider:
        spider: CheckSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.report, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for site in self.sites:
            pages = [("column", u) for u in site.start_urls] + [("tree", u) for u in site.tree_urls]
            if site.search_url:
                pages.append(("search", search_url(site.search_url)))
            for role, url in pages:
                check = PageCheck(role, url)
                self.checks[site.id].pages.append(check)
                yield scrapy.Request(
                    url,
                    callback=self.parse_page,
                    errback=self.failed,
                    meta={"check": check, "site": site},
                    dont_filter=True,
                )

    def parse_page(self, response: Response) -> Iterator[Any]:
        check: PageCheck = response.meta["check"]
        site: Site = response.meta["site"]
        if "followed" in response.meta:  # a further page of a column: only its entries count
            yield from self._read_list(response, check, site, response.meta["platform"])
            return
        check.status = response.status
        if response.url != check.url:
            check.final_url = response.url
            if check.role == "column" and _other_page(check.url, response.url):
                check.problem = f"moved: redirected to {response.url}"
        ctype = _content_type(response)
        if _challenge(response.body):
            check.problem = "blocked: the page is a JavaScript challenge, not the portal"
            return
        check.platform = detect_platform(response.url, response.body, ctype)
        if check.role == "search":
            found = report_links(response.url, response.body, ctype)
            check.entries = check.candidates = len(found)
            return
        platform = site.platform if site.platform != "auto" and check.role == "column" else check.platform
        yield from self._read_list(response, check, site, platform)

    def _read_list(self, response: Response, check: PageCheck, site: Site, platform: str) -> Iterator[Any]:
        ctype = _content_type(response)
        try:
            page = get_adapter(platform).parse(response.url, response.body, ctype)
        except ListParseError as exc:
            check.problem = check.problem or f"error: not a {platform} list ({exc})"
            return
        if page.error:
            check.problem = check.problem or f"error: {page.error}"
        entries = list(page.entries) or report_links(response.url, response.body, ctype)
        check.entries += len(entries)
        check.candidates += sum(1 for e in entries if title_may_be_report(e.title) and not is_column(e.url))
        followed = int(response.meta.get("followed", 0))
        # Reports are rarely on a column's first page only, but a few pages say whether the column holds any.
        if check.role == "column" and not check.candidates and page.next_requests and followed < MAX_LIST_PAGES:
            nxt = page.next_requests[0]
            meta = {**response.meta, "followed": followed + 1, "platform": platform}
            headers = {"Referer": check.url, **dict(nxt.headers)}
            if nxt.method.upper() == "POST":
                yield scrapy.FormRequest(
                    nxt.url,
                    formdata=dict(nxt.formdata),
                    headers=headers,
                    meta=meta,
                    callback=self.parse_page,
                    errback=self.failed,
                    dont_filter=True,
                )
            else:
                yield scrapy.Request(
                    nxt.url,
                    headers=headers,
                    meta=meta,
                    callback=self.parse_page,
                    errback=self.failed,
                    dont_filter=True,
                )

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        check: PageCheck = request.meta["check"]
        if isinstance(failure.value, HttpError):
            response = failure.value.response
            check.status = response.status
            if response.status in (403, 412) or _challenge(response.body):
                check.problem = f"blocked: HTTP {response.status}" + (
                    " with a JavaScript challenge; plain HTTP cannot pass" if response.status == 412 else ""
                )
            elif response.status in (404, 410) and response.url != check.url:
                check.problem = f"moved: redirected to {response.url}, which answers HTTP {response.status}"
            elif response.status in (404, 410):
                check.problem = f"moved: HTTP {response.status} (the page is gone; find its new column)"
            else:
                check.problem = f"unreachable: HTTP {response.status}"
            return
        if failure.check(IgnoreRequest):  # after HttpError, its subclass: robots.txt or the site's scope said no
            check.problem = f"blocked: not fetched ({failure.value or 'robots.txt disallows it for our user agent'})"
            return
        reason = (
            f"{type(failure.value).__name__}: {failure.value}" if str(failure.value) else type(failure.value).__name__
        )
        check.problem = f"unreachable: {reason}"

    def report(self, spider: scrapy.Spider) -> None:
        for check in self.checks.values():
            print(PREFIX + json.dumps(check.record(), ensure_ascii=False), flush=True)


def _content_type(response: Response) -> str | None:
    value = response.headers.get("Content-Type")
    return value.decode("latin-1") if value else None


def _other_page(asked: str, got: str) -> bool:
    """A redirect to another page, not merely to https or a trailing index.html of the same one."""
    a, b = urlsplit(asked), urlsplit(got)
    return (a.hostname, _page_path(a.path)) != (b.hostname, _page_path(b.path))


def _page_path(path: str) -> str:
    return path.removesuffix("index.html").rstrip("/")


def _challenge(body: bytes) -> bool:
    head = body[:4096].decode("utf-8", errors="replace")
    return "<a " not in head.lower() and any(m in head for m in _CHALLENGE_MARKERS) and len(body) < 20000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.check")
    parser.add_argument("site_ids", nargs="*", metavar="SITE_ID")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        config = Config.from_env()
        sites = select_sites(load_registry(config.sites_path), args.site_ids)
    except RegistryError as exc:
        print(f"fazhi: {exc}", file=sys.stderr)
        return 2
    settings = get_project_settings()
    if settings.get("BOT_NAME") != "fazhi":
        settings.setmodule(SETTINGS_MODULE, priority="project")
    # Politeness and scope stay (robots.txt, throttle, user agent, size limits, allowed_domains); the archive's
    # add-on does not: nothing is written.
    settings.set("ADDONS", {ScopeAddon: 0}, priority="cmdline")
    settings.set("DOWNLOAD_DELAY", max((s.delay for s in sites), default=1.0), priority="cmdline")
    settings.set("RETRY_TIMES", 1, priority="cmdline")
    settings.set("LOG_ENABLED", False, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl(CheckSpider, sites=sites)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
