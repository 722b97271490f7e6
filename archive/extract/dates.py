"""Dates as Chinese pages and lists write them (2024-03-14, 2024/3/14, 2024.3.14, 2024年3月14日, and on request
20240314): one reader for the extractor and the list adapters, with one range of years a report can carry."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

EARLIEST_YEAR, LATEST_YEAR = 1990, 2100  # outside these, four digits are an id or a count, not a year
SEPARATED = re.compile(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)(?:\s*日)?")
COMPACT = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")


def make_date(year: str, month: str, day: str) -> dt.date | None:
    """The calendar date these digits name, if it is one and its year is plausible."""
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return date if EARLIEST_YEAR <= date.year <= LATEST_YEAR else None


def first_date(text: str, *, compact: bool = False) -> dt.date | None:
    """The first date written with separators in `text` (full-width digits too); with `compact`, when there is
    none, the first written as eight digits (a compact number is more often an id, so it comes second)."""
    folded = unicodedata.normalize("NFKC", text)
    for pattern in (SEPARATED, COMPACT) if compact else (SEPARATED,):
        for match in pattern.finditer(folded):
            if (date := make_date(*match.groups())) is not None:
                return date
    return None
