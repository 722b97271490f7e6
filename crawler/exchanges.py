"""Every HTTP exchange of a crawl, recorded: a downloader middleware that sees each answer before anything
else does, and a batch writer for the exchanges no report transaction takes.

It sits next to the downloader (priority above RedirectMiddleware's 600 and HttpCompressionMiddleware's 590),
so it sees each redirect hop and the body as received on the wire, still compressed when the server sent a
Content-Encoding (kept in the record, and the decoded bytes are what versions hold). Requests that never got an
answer (DNS failure, timeout) leave no record. The records of a report's page and files ride in request meta
(EXCHANGES) to the item, and the pipeline writes them in the report's transaction; the rest are written in
batches of FAZHI_EXCHANGE_BATCH, and at the end of the crawl.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from archive.store import exchanges
from archive.store.raw import ExchangeRecord
from crawler.link import ArchiveLink, archive_link

# Request meta: what a request is for, and the exchanges made for it so far (redirect hops, then the answer).
PURPOSE = "fazhi_purpose"
EXCHANGES = "fazhi_exchanges"
REPORT = "fazhi_report_url"  # the canonical URL of the report a page or file request is made for

# Bodies held for the next batch at most (attachments can be large scans): a batch is written sooner past this.
_MAX_PENDING_BYTES = 32 * 1024 * 1024

log = logging.getLogger(__name__)


def records(meta: dict[str, Any]) -> tuple[ExchangeRecord, ...]:
    return tuple(meta.get(EXCHANGES, ()))


def _pairs(headers: Any) -> list[list[str]]:
    return [[name.decode("latin-1"), value.decode("latin-1")] for name, values in headers.items() for value in values]


def _purpose(request: Request) -> str:
    purpose = request.meta.get(PURPOSE)
    if purpose:
        return str(purpose)
    return "robots" if request.url.endswith("/robots.txt") else "other"


class ExchangeRecorder:
    def __init__(self, crawler: Crawler, link: ArchiveLink, batch: int) -> None:
        self.crawler = crawler
        self.link = link
        self.batch = batch
        self.pending: list[ExchangeRecord] = []
        self.pending_bytes = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        o = cls(crawler, archive_link(crawler), crawler.settings.getint("FAZHI_EXCHANGE_BATCH"))
        crawler.signals.connect(o.spider_closed, signal=signals.spider_closed)
        return o

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        encoding = response.headers.get("Content-Encoding")
        record = ExchangeRecord(
            purpose=_purpose(request),
            method=request.method,
            url=request.url,
            request_headers=_pairs(request.headers),
            request_body=request.body,
            status=response.status,
            response_headers=_pairs(response.headers),
            body=response.body,
            content_encoding=encoding.decode("latin-1") if encoding else None,
            fetched_at=dt.datetime.now(dt.UTC),
            site_id=getattr(spider or self.crawler.spider, "site_id", None),
            report_url=request.meta.get(REPORT),
        )
        # A new list each time: a redirect copies the meta dict, not the list in it.
        request.meta[EXCHANGES] = [*request.meta.get(EXCHANGES, ()), record]
        self.pending.append(record)
        self.pending_bytes += len(record.body)
        if len(self.pending) >= self.batch or self.pending_bytes >= _MAX_PENDING_BYTES:
            self.flush()
        return response

    def flush(self) -> None:
        """Write the records no report transaction has taken yet, in one transaction."""
        todo = [r for r in self.pending if r.exchange_id is None]
        self.pending, self.pending_bytes = [], 0
        if not todo:
            return
        try:
            with self.link.sessions.begin() as session:
                ids = exchanges.save(session, todo, self.link.crawl_run_id)
                exchanges.assign_reports(session, todo, ids)
        except Exception as exc:  # losing exchange records must not stop the crawl; say so and go on
            log.error("writing %d exchange records failed: %s: %s", len(todo), type(exc).__name__, exc)
            return
        exchanges.committed(todo, ids)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.flush()
