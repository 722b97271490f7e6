"""What the spider hands to the pipeline: a fetched page with its files, or the news that it is gone/unchanged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from archive.extract import Extracted
from archive.store.raw import ExchangeRecord, RawFile, RawPage

__all__ = ["FetchedPage", "FilesChanged", "PageGone", "PageNotModified", "RawFile", "RawPage"]


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A report page with its files, and what the spider already extracted from it (so it is parsed once)."""

    page: RawPage
    extracted: Extracted


@dataclass(frozen=True, slots=True)
class PageGone:
    """A known report page answered 404/410."""

    site_id: str
    url: str
    status: int
    fetched_at: dt.datetime
    exchanges: tuple[ExchangeRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class PageNotModified:
    """A known report page answered 304 to a conditional request."""

    site_id: str
    url: str
    fetched_at: dt.datetime
    exchanges: tuple[ExchangeRecord, ...] = ()  # the page's 304 and the re-checks of its files


@dataclass(frozen=True, slots=True)
class FilesChanged:
    """A known report page answered 304, but some of its attachments now have other bytes (`files`, fetched now)."""

    site_id: str
    url: str
    files: tuple[RawFile, ...]
    fetched_at: dt.datetime
    exchanges: tuple[ExchangeRecord, ...] = ()  # the page's 304 and the re-checks of unchanged files
