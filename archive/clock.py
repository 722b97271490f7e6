"""Time as the archive keeps and shows it: instants stored in UTC, written as ISO 8601 with their offset for
programs, and shown to people in Beijing time (the clock of the portals and of their readers), labelled so."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Asia/Shanghai")
ZONE_LABEL = "北京时间"  # what a shown time is in, said once beside it (a column heading, a sentence)


def iso(value: dt.datetime | None) -> str | None:
    """An instant for JSON: ISO 8601 with its offset (as stored: UTC); None stays None."""
    return value.isoformat() if value else None


def local(value: dt.datetime | str | None, *, seconds: bool = False) -> str:
    """An instant for people: `2026-03-14 09:30` in Beijing time (an ISO string is read first; a time without an
    offset is UTC, as the archive stores it); empty for None."""
    if not value:
        return ""
    at = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def today() -> dt.date:
    """Today's date in Beijing: the date due dates and seasons are reckoned in."""
    return dt.datetime.now(TIMEZONE).date()
