"""Crawl-run recording: a CrawlRun row opened with the spider and closed with its counts and problems."""

from __future__ import annotations

from typing import Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from archive.store import events
from archive.store.ingest import sync_site
from archive.store.runs import close_run, failed_before, open_run
from crawler import problems
from crawler.link import ArchiveLink, archive_link
from crawler.progress import emit


class CrawlRecorder:
    def __init__(self, crawler: Crawler, link: ArchiveLink) -> None:
        self.crawler = crawler
        self.link = link

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        o = cls(crawler, archive_link(crawler))
        crawler.signals.connect(o.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(o.spider_closed, signal=signals.spider_closed)
        return o

    def spider_opened(self, spider: Spider) -> None:
        site = self.link.site(spider.site_id)  # type: ignore[attr-defined]
        with self.link.sessions.begin() as session:
            sync_site(session, site)
            self.link.crawl_run_id = open_run(session, site.id)
        limit = self.crawler.settings.getfloat("CLOSESPIDER_TIMEOUT") or None
        emit({"event": "start", "site": site.id, "run": self.link.crawl_run_id, "timeout": limit})

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats
        assert stats is not None

        def get(key: str) -> int:
            return int(stats.get_value(f"fazhi/{key}", 0))

        messages = problems.messages(stats)
        site_errors = get("site_errors")
        status: str | None = None
        if reason in ("shutdown", "closespider_timeout"):
            # Stopped from outside, not failed by the site: recorded as such, and no "site down" alert.
            status = "interrupted"
            if reason == "shutdown":
                messages.append("crawl interrupted before it finished (stopped by a signal)")
            else:
                limit = self.crawler.settings.getfloat("CLOSESPIDER_TIMEOUT")
                messages.append(
                    f"crawl stopped by its wall-clock limit after {limit:g} s (registry `timeout`, FAZHI_CRAWL_TIMEOUT)"
                )
                stats.set_value("fazhi/timed_out", True)
        elif reason != "finished":
            messages.append(f"crawl ended early: {reason}")
            site_errors += 1
        if status is None:
            status = "failed" if site_errors else ("partial" if get("errors") else "ok")
        summary = {
            "pages_fetched": get("pages_fetched") + get("list_pages") + get("files_fetched"),
            "reports_new": get("reports_new"),
            "reports_changed": get("reports_changed"),
            "reports_unchanged": get("reports_unchanged"),
            "reports_removed": get("reports_removed"),
            "skipped": get("skipped_by_title") + get("skipped_not_report"),
            "errors": get("errors") + site_errors,
        }
        site_id: str = spider.site_id  # type: ignore[attr-defined]
        with self.link.sessions.begin() as session:
            close_run(session, self.link.crawl_run_id, status, messages, summary)
            if status == "failed" and not failed_before(session, site_id, self.link.crawl_run_id):
                # One alert when a site starts failing, not one per crawl while it stays down.
                failures = [m for m in messages if not m.startswith(("warning:", "note:"))]
                events.site_error(session, site_id, "; ".join(failures[:3]))
        emit({"event": "done", "site": site_id, "status": status, **summary, "messages": messages})
        self.link.close()
