"""For the `reports` spider: the attachments of a known report whose page answered 304 are asked again, each with
a conditional request, since a corrected report may change only its attachment."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from email.utils import format_datetime
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from archive.registry.sites import Site
from archive.store.raw import ExchangeRecord
from archive.store.recheck import ArchivedFile
from crawler import problems
from crawler.exchanges import PURPOSE, REPORT, records
from crawler.items import FilesChanged, PageNotModified, RawFile

# Subtracted from the time an attachment was fetched before asking the site whether it changed since: HTTP dates
# have whole seconds, and the site's clock is not ours. A file modified just before it was fetched is then fetched
# again in full on each re-check (same bytes, no new version); a change is never hidden by a small clock skew.
RECHECK_MARGIN = dt.timedelta(minutes=5)


class RecheckMixin:
    """Part of ReportsSpider (crawler/spiders/reports.py), which provides what is declared here."""

    site: Site | None
    archived: dict[str, tuple[ArchivedFile, ...]]
    count: Callable[..., None]
    notice: Callable[..., None]

    # -- attachments behind an unchanged page ---------------------------------------------------------
    # What a re-check costs: one conditional request per archived attachment of a page that answered 304,
    # answered 304 without a body while the file is unchanged. A site that ignores If-Modified-Since sends the file
    # in full each time; it is compared by its SHA-256 and makes nothing new when the bytes are the same.
    def _next_recheck(
        self,
        report_url: str,
        fetched_at: dt.datetime,
        pending: list[ArchivedFile],
        fresh: list[RawFile],
        held: tuple[ExchangeRecord, ...],
    ) -> Iterator[Any]:
        """`held`: the exchanges of the 304 and of the re-checks that changed nothing, for the item at the end."""
        assert self.site is not None
        if not pending:
            if fresh:
                yield FilesChanged(self.site.id, report_url, tuple(fresh), fetched_at, held)
            else:
                yield PageNotModified(self.site.id, report_url, fetched_at, held)
            return
        archived = pending[0]
        headers = {"Referer": report_url}
        if archived.since is not None:
            headers["If-Modified-Since"] = format_datetime(archived.since - RECHECK_MARGIN, usegmt=True)
        yield scrapy.Request(
            archived.url,
            headers=headers,
            callback=self.parse_recheck,
            errback=self.recheck_failed,
            meta={
                "report_url": report_url,
                "fetched_at": fetched_at,
                "archived": archived,
                "pending": pending[1:],
                "fresh": fresh,
                "held": held,
                "handle_httpstatus_list": [304],
                PURPOSE: "recheck",
                REPORT: report_url,
            },
            # Past the duplicate filter only (two reports may share a file); the site's scope still applies.
            dont_filter=True,
        )

    def parse_recheck(self, response: Response) -> Iterator[Any]:
        self.count("files_rechecked")
        archived: ArchivedFile = response.meta["archived"]
        fresh: list[RawFile] = response.meta["fresh"]
        if response.status != 304:
            self.count("files_fetched")
        held: tuple[ExchangeRecord, ...] = response.meta["held"]
        if response.status != 304 and hashlib.sha256(response.body).hexdigest() != archived.sha256:
            raw = RawFile(
                url=archived.url,
                filename=archived.filename,
                status=response.status,
                body=response.body,
                content_type=_content_type(response),
                exchanges=records(response.meta),
            )
            fresh = [*fresh, raw]
        else:
            held = (*held, *records(response.meta))
        meta = response.meta
        yield from self._next_recheck(meta["report_url"], meta["fetched_at"], meta["pending"], fresh, held)

    def recheck_failed(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        meta = request.meta
        archived: ArchivedFile = meta["archived"]
        self.notice(
            f"attachment {archived.url} of {meta['report_url']}: not checked again ({problems.describe(failure)}); "
            f"the archived copy stands"
        )
        held = (*meta["held"], *records(meta))
        yield from self._next_recheck(meta["report_url"], meta["fetched_at"], meta["pending"], meta["fresh"], held)


def _content_type(response: Response) -> str | None:
    value = response.headers.get("Content-Type")
    return value.decode("latin-1") if value else None
