"""Thin pipeline: each item goes to the archive in its own transaction (a crash never leaves half a report)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlalchemy.orm import Session

from archive.store import exchanges, recheck
from archive.store.derive import Derived, derive
from archive.store.ingest import IngestResult, Outcome, find_report, ingest, mark_missing, mark_unchanged
from archive.store.raw import ExchangeRecord
from crawler import diagnostics, problems
from crawler.items import FetchedPage, FilesChanged, PageGone, PageNotModified, RawFile, RawPage
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
        archived: tuple[RawPage, Derived, IngestResult] | None = None
        # The item's own exchanges are written in its transaction, so a crash never keeps a report without them.
        held = _exchanges(item)
        ids: list[int] = []
        with self.link.sessions.begin() as session:
            ids = exchanges.save(session, held, run_id)
            report_id: int | None = None
            if isinstance(item, FetchedPage | RawPage):
                page, extracted = (item.page, item.extracted) if isinstance(item, FetchedPage) else (item, None)
                page, _ = recheck.reuse_archived(session, page)
                derived = derive(page, extracted)
                page_ex, files_ex = _sources(page.exchanges, page.files, held, ids)
                answer = exchanges.answers(session, page_ex, files_ex)
                result = ingest(session, page, crawl_run_id=run_id, derived=derived, exchange_for=answer)
                skipped = result.outcome is Outcome.SKIPPED
                self._inc("skipped_not_report" if skipped else f"reports_{result.outcome.value}")
                archived = (page, derived, result)
                report_id = result.report_id
                if result.outcome not in (Outcome.NEW, Outcome.CHANGED):  # a new version is linked
                    _link(session, result, page_ex, files_ex)
            elif isinstance(item, FilesChanged):
                result = recheck.ingest_changed_files(
                    session, item.site_id, item.url, item.files, item.fetched_at, crawl_run_id=run_id
                )
                self._inc(f"reports_{result.outcome.value}")
                report_id = result.report_id
                _link(session, result, *_sources((), item.files, held, ids))
            elif isinstance(item, PageNotModified):
                if (report := mark_unchanged(session, item.site_id, item.url, item.fetched_at)) is not None:
                    self._inc("reports_unchanged")
                    report_id = report.id
            elif isinstance(item, PageGone):
                if mark_missing(session, item.site_id, item.url, item.status, item.fetched_at):
                    self._inc("reports_removed")
                report = find_report(session, item.site_id, item.url)
                report_id = report.id if report is not None else None
            if report_id is not None:
                exchanges.assign_report(session, ids, report_id)
        exchanges.committed(held, ids)  # the transaction held: the batch writer leaves these alone
        if archived is not None:  # told only once the transaction held
            self._diagnose(*archived)

    def _diagnose(self, page: RawPage, derived: Derived, result: IngestResult) -> None:
        """What the user should know about a page this run archived (or left out as not a report)."""
        stats = self.crawler.stats
        if result.outcome is Outcome.SKIPPED:
            problems.skipped(stats, page.url, derived.title, result.reason)
        elif result.outcome in (Outcome.NEW, Outcome.CHANGED):
            for line in diagnostics.page_warnings(page, derived):
                problems.record(stats, line, level="warning", kind="report pages with extraction warnings")
            for line in diagnostics.attachments_without_text(page, derived):
                problems.record(stats, line, level="warning", kind="attachments archived without text")


def _exchanges(item: Any) -> list[ExchangeRecord]:
    """Every exchange an item carries: its page's (or the 304 and re-checks'), then its files'."""
    page = item.page if isinstance(item, FetchedPage) else item
    held = list(getattr(page, "exchanges", ()))
    for f in getattr(page, "files", ()):
        held.extend(f.exchanges)
    return held


Sources = tuple[Sequence[ExchangeRecord], Sequence[int]]


def _sources(
    page: Sequence[ExchangeRecord], files: Sequence[RawFile], held: list[ExchangeRecord], ids: list[int]
) -> tuple[Sources, dict[str, Sources]]:
    """The exchanges (records and their ids) that brought an item's page and each of its files."""
    by_record = {id(rec): i for rec, i in zip(held, ids, strict=True)}

    def of(records: Sequence[ExchangeRecord]) -> Sources:
        return records, [by_record[id(r)] for r in records]

    return of(page), {f.url: of(f.exchanges) for f in files}


def _link(session: Session, result: IngestResult, page: Sources, files: dict[str, Sources]) -> None:
    """Point the version archived from this item at the exchanges that brought its page and files."""
    if result.report_id is None or result.version is None:
        return
    exchanges.link_version(session, result.report_id, result.version, page, files)
