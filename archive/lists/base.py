"""The shape every list-protocol adapter speaks: list bytes in, entries and follow-up requests out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from archive.tunables import BY_NAME


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a column list: an article link with its title and list date."""

    url: str  # absolute
    title: str
    date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class ListRequest:
    """A further list page to fetch; `formdata` set means POST as form data."""

    url: str  # absolute
    method: str = "GET"
    formdata: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ListPage:
    """What an adapter read from one list page or list-API reply."""

    entries: tuple[Entry, ...] = ()
    next_requests: tuple[ListRequest, ...] = ()
    # A protocol-level failure the user must see (e.g. JPaaS `success:false`), not just "no entries".
    error: str | None = None
    total_records: int | None = None
    notes: tuple[str, ...] = field(default=())


# The most list pages an adapter plans from a page count the page itself states (FAZHI_MAX_LIST_PAGES's upper bound):
# a hostile or broken count of a billion would otherwise be a billion requests planned before the crawl's own cap.
MAX_PLANNED_PAGES = int(BY_NAME["FAZHI_MAX_LIST_PAGES"].maximum)


def planned(count: int) -> tuple[int, str | None]:
    """How many of a stated page count to plan, and a note when the count was cut."""
    if count <= MAX_PLANNED_PAGES:
        return count, None
    return MAX_PLANNED_PAGES, f"the page says it has {count:,} list pages: only {MAX_PLANNED_PAGES:,} are planned"


class ListParseError(ValueError):
    """The bytes are not a list of this protocol; the message says what was expected."""
