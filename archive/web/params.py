"""The query parameters pages and API share, with the limits every request is held to.

Forms send an empty field as `year=`: such a value counts as not given, so a filter left blank filters nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import AfterValidator, BeforeValidator, Field

from archive.clock import TIMEZONE
from archive.vocab import Kind, ReportStatus

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200  # rows in one page of any listing
MAX_OFFSET = 100_000  # deeper than anyone pages by hand; a script narrows its filters instead
MAX_QUERY_CHARS = 100  # a search query longer than this is not a query but a paste
MAX_SEARCH_WINDOW = 1000  # offset + limit of a search: results past the first thousand are not worth ranking
PAGE_SIZES = (20, 50, 100, 200)


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _as_beijing(value: dt.datetime) -> dt.datetime:
    """A time without an offset is read as Beijing time, the zone every page shows times in."""
    return value if value.tzinfo is not None else value.replace(tzinfo=TIMEZONE)


_Blank = BeforeValidator(_blank_is_none)

# The keys of archive.query.reports.REPORT_ORDERS, each also reversed (a test holds the two lists together).
SortKey = Literal["site", "-site", "year", "-year", "published", "-published", "changed", "-changed", "title", "-title"]

SiteParam = Annotated[
    Annotated[str, Field(max_length=64, pattern=r"^[a-z0-9-]+$")] | None,
    _Blank,
    Query(description="Only this site id."),
]
RegionParam = Annotated[
    Annotated[str, Field(max_length=50)] | None,
    _Blank,
    Query(description="Only sites whose region holds these characters (e.g. 杭州市)."),
]
YearParam = Annotated[
    Annotated[int, Field(ge=1, le=9999)] | None, _Blank, Query(description="Only reports about this year.")
]
KindParam = Annotated[Kind | None, _Blank, Query(description="Only this kind of report.")]
StatusParam = Annotated[ReportStatus | None, _Blank, Query(description="Only reports with this status.")]
SinceParam = Annotated[
    Annotated[dt.datetime, AfterValidator(_as_beijing)] | None,
    _Blank,
    Query(
        description="Only those new, changed or removed at or after this time (ISO 8601; Beijing time without "
        "an offset)."
    ),
]
SortParam = Annotated[
    SortKey | None, _Blank, Query(description="Sort key (site, year, published, changed, title); -key reverses it.")
]
LimitParam = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE), Query(description="Rows in this page.")]
OffsetParam = Annotated[int, Field(ge=0, le=MAX_OFFSET), Query(description="Rows skipped before this page.")]
SearchQuery = Annotated[
    str,
    Field(min_length=1, max_length=MAX_QUERY_CHARS),
    Query(description="Space-separated terms, each of two characters or more; every one must occur."),
]
SearchLimit = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE), Query(description="Results in this page.")]
SearchOffset = Annotated[
    int, Field(ge=0, le=MAX_SEARCH_WINDOW - 1), Query(description="Results skipped before this page.")
]
AllVersionsParam = Annotated[bool, Query(description="Search every version, not only each report's latest.")]
