"""What a crawl hands to the archive: the bytes as served, before anything is derived from them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(slots=True, eq=False)
class ExchangeRecord:
    """One HTTP exchange as the crawler saw it, before it is written. Mutable on purpose: `exchange_id` is set once
    a transaction that wrote it has committed, so the crawl's batch writer and the report's transaction never
    write it twice."""

    purpose: str
    method: str
    url: str
    request_headers: list[list[str]]
    request_body: bytes
    status: int
    response_headers: list[list[str]]
    body: bytes  # as received on the wire (compressed when content_encoding is set)
    content_encoding: str | None
    fetched_at: dt.datetime
    site_id: str | None = None
    report_url: str | None = None  # the report it was made for (its page, a file of it), when there is one
    exchange_id: int | None = None


@dataclass(frozen=True, slots=True)
class RawFile:
    """An attachment fetch; `body` is None when it could not be fetched (then `error` says why)."""

    url: str
    filename: str
    status: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    error: str | None = None
    exchanges: tuple[ExchangeRecord, ...] = ()  # redirect hops first, the answer last


@dataclass(frozen=True, slots=True)
class RawPage:
    """A fetched report page and the attachments fetched with it, stored together in one transaction."""

    site_id: str
    url: str  # the canonical URL the list linked to: the report's identity
    status: int
    body: bytes
    fetched_at: dt.datetime
    final_url: str | None = None  # after redirects, when it differs
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    list_title: str | None = None
    list_date: dt.date | None = None
    files: tuple[RawFile, ...] = ()
    exchanges: tuple[ExchangeRecord, ...] = ()  # redirect hops first, the answer last
    # The site whose portal republished this page when it is another government's report (a city posting its
    # counties'): the page is then archived for `site_id`, the issuing government, with the republication noted.
    republished_by: str | None = None
