"""Thin pipeline: each item goes to the archive in its own transaction (a crash never leaves half a report)."""

from __future__ import annotations

from typing import Any, Self

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from archive import recheck, store
from archive.derive import Derived, derive
from crawler import diagnostics, problems
from crawler.items import FetchedPage, FilesChanged, PageGone, PageNotModified, RawPage
from crawler.link import ArchiveLink, archive_link


class ArchivePipeline:
    def __init__(self, crawler: Crawler, link: ArchiveLink) -> None:
        self.crawler = crawler
        self.link = link

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, archive_link(crawler))

    def _inc(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"fazhi/{key}")

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        try:
            self._store(item)
        except Exception as exc:  # the transaction rolled back: nothing half-stored; say which page and go on
            message = f"archiving {getattr(item, 'url', None) or item.page.url} failed: {type(exc).__name__}: {exc}"
            problems.record(self.crawler.stats, message)
            raise DropItem(message) from exc
        return item

    def _store(self, item: Any) -> None:
        run_id = self.link.crawl_run_id
        archived: tuple[RawPage, Derived, store.IngestResult] | None = None
        with self.link.sessions.begin() as session:
            if isinstance(item, FetchedPage | RawPage):
                page, extracted = (item.page, item.extracted) if isinstance(item, FetchedPage) else (item, None)
                page, _ = recheck.reuse_archived(session, page)
                derived = derive(page, extracted)
                result = store.ingest(session, page, crawl_run_id=run_id, derived=derived)
                skipped = result.outcome is store.Outcome.SKIPPED
                self._inc("skipped_not_report" if skipped else f"reports_{result.outcome.value}")
                archived = (page, derived, result)
            elif isinstance(item, FilesChanged):
                result = recheck.ingest_changed_files(
                    session, item.site_id, item.url, item.files, item.fetched_at, crawl_run_id=run_id
                )
                self._inc(f"reports_{result.outcome.value}")
            elif isinstance(item, PageNotModified):
                if store.mark_unchanged(session, item.site_id, item.url, item.fetched_at) is not None:
                    self._inc("reports_unchanged")
            elif isinstance(item, PageGone) and store.mark_missing(
                session, item.site_id, item.url, item.status, item.fetched_at
            ):
                self._inc("reports_removed")
        if archived is not None:  # told only once the transaction held
            self._diagnose(*archived)

    def _diagnose(self, page: RawPage, derived: Derived, result: store.IngestResult) -> None:
        """What the user should know about a page this run archived (or left out as not a report)."""
        stats = self.crawler.stats
        if result.outcome is store.Outcome.SKIPPED:
            problems.skipped(stats, page.url, derived.title, result.reason)
        elif result.outcome in (store.Outcome.NEW, store.Outcome.CHANGED):
            for line in diagnostics.page_warnings(page, derived):
                problems.record(stats, line, level="warning", kind="report pages with extraction warnings")
            for line in diagnostics.attachments_without_text(page, derived):
                problems.record(stats, line, level="warning", kind="attachments archived without text")
